"""Issue #19 in the browser: the collector's day as an accountant holding only the accountant's
group (and base.group_user through it), at the default clearance: record a promise from the
customer, log a call from the worklist, open a statement."""

from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, tagged

from .common import ROLE_GROUPS, new_user, post_customer_invoice


@tagged("post_install", "-at_install")
class TestCollectionTours(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.accountant = new_user(env, "ccm_tour_collector", ROLE_GROUPS["accountant"], lang="en_US")
        cls.customer = env["res.partner"].create({"name": "Tour Collection Co", "is_company": True})
        today = fields.Date.context_today(cls.customer)
        post_customer_invoice(env, cls.customer, 1234, today - timedelta(days=20))

    def test_record_promise_from_the_customer(self):
        self.start_tour(
            f"/odoo/res.partner/{self.customer.id}", "ccm_collection_promise", login=self.accountant.login
        )
        promise = self.env["credit.payment.promise"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual(len(promise), 1)
        self.assertEqual(promise.amount, 750)
        self.assertEqual(str(promise.promise_date), "2030-12-20")
        self.assertEqual(promise.user_id, self.accountant)
        self.assertEqual(promise.residual_at_promise, 1234, "every open item of the customer")

    def test_worklist_log_a_call(self):
        Reminder = self.env["credit.reminder"].with_user(self.accountant)
        Reminder._propose(fields.Date.context_today(Reminder), self.env.company, partners=self.customer)
        case = self.env["credit.collection.case"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual(case.user_id, self.accountant)
        self.start_tour("/odoo", "ccm_collection_worklist", login=self.accountant.login)
        self.assertEqual(case.last_action_type, "call")
        self.assertIn("Will call back on Monday", case.last_action_result)

    def test_open_a_statement(self):
        today = fields.Date.context_today(self.customer)
        statement = (
            self.env["credit.statement"]
            .with_user(self.accountant)
            .create(
                {"partner_id": self.customer.id, "date_from": today - timedelta(days=60), "date_to": today}
            )
        )
        statement.action_mark_sent()
        statement._record_response("confirmed", "Wang Li")
        self.assertEqual(statement.closing_balance, 1234)
        self.start_tour("/odoo", "ccm_collection_statement", login=self.accountant.login)
