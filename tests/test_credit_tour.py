from odoo import Command
from odoo.tests import HttpCase, tagged

from .common import CREDIT_MANAGER, SALESPERSON, new_user


@tagged("post_install", "-at_install")
class TestCreditReleaseTour(HttpCase):
    def test_release_tour(self):
        self.env.company.credit_control_enabled = True
        salesperson = new_user(self.env, "ccm_tour_sales", SALESPERSON)
        manager = new_user(
            self.env, "ccm_tour_manager", f"sales_team.group_sale_salesman_all_leads,{CREDIT_MANAGER}"
        )
        customer = self.env["res.partner"].create({"name": "Tour Customer", "is_company": True})
        customer.write({"credit_limit_manual": True, "credit_limit_manual_base": 100})
        product = self.env["product.product"].create({"name": "Tour widget", "taxes_id": [Command.clear()]})
        order = (
            self.env["sale.order"]
            .with_user(salesperson)
            .create(
                {
                    "partner_id": customer.id,
                    "order_line": [
                        Command.create({"product_id": product.id, "price_unit": 500, "tax_id": []})
                    ],
                }
            )
        )
        url = f"/odoo/action-sale.action_quotations_with_onboarding/{order.id}"
        self.start_tour(url, "ccm_credit_release_request", login=salesperson.login)
        request = order.credit_release_ids
        self.assertEqual(len(request), 1)
        self.assertEqual(request.reason, "Payment promised by Friday")
        self.assertEqual(order.state, "draft")
        request.with_user(manager).action_approve()
        self.start_tour(url, "ccm_credit_release_confirm", login=salesperson.login)
        self.assertEqual(order.state, "sale")
        self.assertEqual(request.state, "used")


@tagged("post_install", "-at_install")
class TestCreditAgingTour(HttpCase):
    def test_aging_screen_headers(self):
        """The aging screen, opened in the browser by an accountant, heads its columns with the
        bucket names (the web client asks for the list view with no context but the language)."""
        accountant = new_user(self.env, "ccm_tour_accountant", "account.group_account_invoice")
        self.start_tour(
            "/odoo/action-customer_credit_management.credit_aging_wizard_action",
            "ccm_credit_aging_headers",
            login=accountant.login,
        )
