from odoo import Command
from odoo.tests import TransactionCase, new_test_user

from odoo.addons.base.tests.common import DISABLED_MAIL_CONTEXT

SALES = "base.group_partner_manager,base.group_allow_export,sales_team.group_sale_salesman_all_leads"


class ConfidentialityCommon(TransactionCase):
    """A Secret customer of one salesperson, and users of each clearance.

    The salespeople may read every order ("All Documents"): only the confidentiality rule can hide
    one from them.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, **DISABLED_MAIL_CONTEXT))
        ref = cls.env.ref
        cls.level_public = ref("customer_credit_management.confidentiality_level_public")
        cls.level_internal = ref("customer_credit_management.confidentiality_level_internal")
        cls.level_confidential = ref("customer_credit_management.confidentiality_level_confidential")
        cls.level_secret = ref("customer_credit_management.confidentiality_level_secret")
        cls.sales_internal = new_test_user(cls.env, login="ccm_conf_sales", groups=SALES)
        cls.sales_owner = new_test_user(cls.env, login="ccm_conf_owner", groups=SALES)
        cls.sales_secret = new_test_user(cls.env, login="ccm_conf_secret", groups=SALES)
        cls.sales_secret.customer_clearance_level_id = cls.level_secret
        cls.custodian = new_test_user(
            cls.env,
            login="ccm_conf_custodian",
            groups="customer_credit_management.group_customer_data_custodian",
        )
        cls.director = new_test_user(
            cls.env, login="ccm_conf_director", groups="customer_credit_management.group_marketing_director"
        )
        Partner = cls.env["res.partner"]
        cls.secret_customer = Partner.create(
            {"name": "Zircon Secret Industries", "is_company": True, "user_id": cls.sales_owner.id}
        )
        cls.secret_customer.write({"confidentiality_level_proposed_id": cls.level_secret.id})
        cls.secret_customer.action_approve_confidentiality_level()
        cls.secret_contact = Partner.create({"name": "Zircon Buyer", "parent_id": cls.secret_customer.id})
        cls.internal_customer = Partner.create({"name": "Zircon Plain Trading", "is_company": True})
        cls.product = cls.env["product.product"].create({"name": "Zircon widget", "list_price": 10.0})
        cls.own_order = cls._order(cls.sales_internal)
        cls.owner_order = cls._order(cls.sales_owner)

    @classmethod
    def _order(cls, user, partner=None):
        return cls.env["sale.order"].create(
            {
                "partner_id": (partner or cls.secret_customer).id,
                "user_id": user.id,
                "order_line": [Command.create({"product_id": cls.product.id, "product_uom_qty": 1})],
            }
        )
