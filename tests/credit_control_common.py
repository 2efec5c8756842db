from odoo import Command
from odoo.tests import new_test_user

from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.addons.base.tests.common import DISABLED_MAIL_CONTEXT


class CreditControlCommon(AccountTestInvoicingCommon):
    """A company with a chart of accounts, a customer with a credit line of 1,000 and users."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, **DISABLED_MAIL_CONTEXT))
        cls.company = cls.company_data["company"]
        cls.currency = cls.company.currency_id
        cls.company.credit_responsible_id = False
        # The accounting test user sets up the credit data: it is a credit manager.
        cls.env.user.groups_id += cls.env.ref("customer_credit_management.group_credit_manager")
        cls.salesperson = new_test_user(
            cls.env,
            login="ccm_control_sales",
            groups="base.group_partner_manager,sales_team.group_sale_salesman,stock.group_stock_user",
            company_id=cls.company.id,
        )
        cls.credit_manager = new_test_user(
            cls.env,
            login="ccm_control_manager",
            groups="base.group_partner_manager,sales_team.group_sale_salesman_all_leads,"
            "customer_credit_management.group_credit_manager,stock.group_stock_user",
            company_id=cls.company.id,
        )
        cls.product = cls.env["product.product"].create(
            {
                "name": "Credit widget",
                "type": "consu",
                "is_storable": True,
                "list_price": 100.0,
                "invoice_policy": "order",
                "taxes_id": [Command.clear()],
            }
        )
        cls.customer = cls.env["res.partner"].create(
            {"name": "Credit Customer", "is_company": True, "credit_score": 90}
        )
        cls.contact = cls.env["res.partner"].create({"name": "Buyer", "parent_id": cls.customer.id})
        cls.customer.with_company(cls.company).write(
            {"credit_limit_manual": True, "credit_limit_manual_base": 1000}
        )
        cls.company.credit_control_enabled = True

    @classmethod
    def _order(cls, amount, partner=None, user=None, currency=None, confirm=False):
        vals = {
            "partner_id": (partner or cls.customer).id,
            "company_id": cls.company.id,
            "order_line": [
                Command.create({"product_id": cls.product.id, "product_uom_qty": 1, "price_unit": amount})
            ],
        }
        if currency:
            pricelist = cls.env["product.pricelist"].create(
                {"name": f"{currency.name} prices", "currency_id": currency.id, "company_id": cls.company.id}
            )
            vals["pricelist_id"] = pricelist.id
        order = cls.env["sale.order"].with_user(user or cls.env.user).with_company(cls.company).create(vals)
        if confirm:
            order.action_confirm()
        return order
