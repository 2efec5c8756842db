"""Issue 18 in the browser: the temporary credit line asked by a salesperson and approved by a
credit manager, a credit group opened by a credit manager, the held-order worklist's one-click
confirmation; each tour run by a user holding only the role's group (and base.group_user)."""

from datetime import timedelta

from odoo import Command, fields
from odoo.tests import HttpCase, tagged

from .common import CREDIT_MANAGER, new_role_users, new_user


@tagged("post_install", "-at_install")
class TestCreditWorkbenchTours(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company.write(
            {
                "credit_control_enabled": True,
                "credit_default_risk_factor": 1.0,
                "credit_responsible_id": False,
            }
        )
        users = new_role_users(cls.env, "ccm_wb_tour")
        cls.sales = users["salesperson"]
        cls.manager = users["credit_manager"]
        cls.second_manager = new_user(
            cls.env, "ccm_wb_tour_manager2", CREDIT_MANAGER, name="Tour Second Manager"
        )
        cls.product = cls.env["product.product"].create(
            {"name": "Tour workbench widget", "list_price": 100, "taxes_id": [Command.clear()]}
        )

    @classmethod
    def _customer(cls, name, limit=1000):
        customer = cls.env["res.partner"].create(
            {"name": name, "is_company": True, "customer_rank": 1, "user_id": cls.sales.id}
        )
        customer.write(
            {
                "credit_limit_manual": True,
                "credit_limit_manual_base": limit,
                "credit_limit_manual_reason": "Tour",
            }
        )
        return customer

    def _order(self, customer, amount):
        return (
            self.env["sale.order"]
            .with_user(self.sales)
            .create(
                {
                    "partner_id": customer.id,
                    "order_line": [
                        Command.create({"product_id": self.product.id, "price_unit": amount, "tax_id": []})
                    ],
                }
            )
        )

    def test_temporary_line_asked_and_approved(self):
        customer = self._customer("Tour Seasonal Customer")
        self.start_tour("/odoo", "ccm_temporary_line_request", login=self.sales.login)
        request = self.env["credit.limit.request"].search([("partner_id", "=", customer.id)])
        self.assertEqual(request.user_id, self.sales)
        self.assertEqual(request.state, "to_approve")
        self.assertEqual(request.amount, 5000)
        self.start_tour("/odoo", "ccm_temporary_line_approve", login=self.second_manager.login)
        self.assertEqual(request.state, "approved")
        self.assertEqual(request.approved_by_id, self.second_manager)
        self.env.invalidate_all()
        self.assertEqual(customer.with_company(self.company).credit_line, 5000)

    def test_credit_group_opened_by_a_credit_manager(self):
        north, south = self._customer("Tour Member North", 5000), self._customer("Tour Member South")
        group = self.env["credit.group"].create(
            {
                "name": "Tour Holding Group",
                "line_mode": "manual",
                "manual_line": 2000,
                "member_ids": [Command.set((north | south).ids)],
            }
        )
        self._order(north, 1200).action_confirm()
        today = fields.Date.today()
        request = (
            self.env["credit.limit.request"]
            .with_user(self.sales)
            .create(
                {
                    "group_id": group.id,
                    "amount": 3000,
                    "date_from": today,
                    "date_to": today + timedelta(days=10),
                    "reason": "Group project",
                }
            )
        )
        request.with_user(self.manager).action_approve()
        self.start_tour(
            "/odoo/action-customer_credit_management.credit_group_action",
            "ccm_credit_group_open",
            login=self.manager.login,
        )

    def test_held_order_confirmed_in_one_click(self):
        held_customer = self._customer("Tour Held Customer")
        still_held_customer = self._customer("Tour Still Held Customer")
        held = self._order(held_customer, 1500)
        still_held = self._order(still_held_customer, 1500)
        others = self._order(held_customer, 1) | self._order(still_held_customer, 1)
        # Confirmed together (as an automation or the list would): the refused ones are flagged.
        (held | still_held | others).with_user(self.sales).action_confirm()
        self.assertEqual(held.credit_refusal_reason, "over_line")
        self.assertEqual(still_held.credit_refusal_reason, "over_line")
        # A higher line for one customer: its held order can be confirmed now.
        held_customer.with_user(self.manager).write({"credit_limit_manual_base": 5000})
        self.env.cr.flush()  # the re-evaluation, as before the request commits
        self.env.invalidate_all()
        self.assertTrue(held.credit_confirmable)
        self.assertFalse(still_held.credit_confirmable)
        self.start_tour("/odoo", "ccm_held_order_confirm", login=self.sales.login)
        self.assertEqual(held.state, "sale")
        self.assertEqual(still_held.state, "draft")

    def test_bulk_hold_from_the_customer_list(self):
        alpha, beta = self._customer("Tour Bulk Alpha"), self._customer("Tour Bulk Beta")
        self.start_tour(
            "/odoo/action-customer_credit_management.res_partner_action_credit_customers",
            "ccm_bulk_hold_selection",
            login=self.manager.login,
        )
        self.assertEqual(alpha.credit_hold_reason, "manual")
        self.assertEqual(beta.credit_hold_note, "Insolvency rumours")
        job = self.env["credit.bulk.job"].search([("user_id", "=", self.manager.id)])
        self.assertEqual((job.state, job.changed), ("done", 2))
