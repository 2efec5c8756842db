"""Issue 18, points 4 and 5 together: a credit group's line honours an approved temporary
increase asked for the group; a member's temporary increase raises that member's line only."""

from freezegun import freeze_time

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import CREDIT_MANAGER, CreditGroupCommon, new_user


@tagged("post_install", "-at_install")
class TestCreditGroupTemporaryLine(CreditGroupCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_manager = new_user(
            cls.env, "ccm_gtl_manager2", f"base.group_partner_manager,{CREDIT_MANAGER}", cls.company
        )

    def _request(self, amount, target, date_from="2026-03-01", date_to="2026-03-31"):
        return (
            self.env["credit.limit.request"]
            .with_user(self.salesperson)
            .create(
                {
                    **target,
                    "company_id": self.company.id,
                    "amount": amount,
                    "date_from": date_from,
                    "date_to": date_to,
                    "reason": "Group project",
                }
            )
        )

    def _refusal(self, order):
        self.env.invalidate_all()
        return order._credit_check().get(order)

    def test_group_temporary_line_until_its_end(self):
        order = self._order(800, user=self.salesperson)
        with freeze_time("2026-03-10"):
            self.assertIn("credit group Parent Holding Group", self._refusal(order))
            request = self._request(2500, {"group_id": self.group.id})
            self.assertEqual(request.customer_credit_line, 1500, "the group's line when asked")
            self.assertIn("Parent Holding Group", self._refusal(order), "waiting: no effect")
            request.with_user(self.credit_manager).action_approve()
            self.assertEqual(request.state, "approved")
            self.assertIsNone(self._refusal(order))
            self.assertEqual(self.group.credit_limit_temporary, 2500)
            self.assertEqual(self.group.credit_line, 2500)
            self.assertEqual(self.group.credit_available, 1500)
            # The customers' own lines stay.
            self.assertEqual(self.customer.with_company(self.company).credit_line, 1000)
        with freeze_time("2026-03-31"):
            self.assertIsNone(self._refusal(order), "the last day counts")
        with freeze_time("2026-02-28"):
            self.assertIn("Parent Holding Group", self._refusal(order), "not before its first day")
        with freeze_time("2026-04-01"):
            # Before the daily job has run: the group's line falls back all the same.
            self.assertIn("Parent Holding Group", self._refusal(order))
            self.env["credit.limit.request"]._cron_expire()
            self.assertEqual(request.state, "expired")
            self.assertIn("Parent Holding Group", self._refusal(order))
            self.assertEqual(self.group.credit_line, 1500)
            with self.assertRaisesRegex(UserError, "Parent Holding Group"):
                order.with_user(self.salesperson).action_confirm()

    def test_larger_of_group_line_and_temporary_line(self):
        with freeze_time("2026-03-10"):
            self._request(600, {"group_id": self.group.id}).with_user(self.credit_manager).action_approve()
            self.env.invalidate_all()
            self.assertEqual(self.group.credit_line, 1500)
            self.group.line_mode = "policy"
            self.env.invalidate_all()
            self.assertEqual(self.group.credit_line, 600, "no member has a computed limit")

    def test_member_temporary_line_raises_the_member_line_only(self):
        order = self._order(1200, user=self.salesperson)
        self.group.manual_line = 100000
        with freeze_time("2026-03-10"):
            self.assertIn("exceeds the credit line of Credit Customer", self._refusal(order))
            self._request(3000, {"partner_id": self.customer.id}).with_user(
                self.credit_manager
            ).action_approve()
            self.assertIsNone(self._refusal(order))
            self.group.manual_line = 1500
            # The member's increase is not the group's: the group's line still refuses.
            self.assertIn("credit group Parent Holding Group", self._refusal(order))
            self.assertEqual(self.group.credit_line, 1500)

    def test_one_target_and_one_group_increase_at_a_time(self):
        with self.assertRaises(ValidationError):
            self._request(2500, {"group_id": self.group.id, "partner_id": self.customer.id})
        with self.assertRaises(ValidationError):
            self._request(2500, {})
        self._request(2500, {"group_id": self.group.id}).with_user(self.credit_manager).action_approve()
        second = self._request(4000, {"group_id": self.group.id})
        with self.assertRaisesRegex(UserError, "already has the approved temporary credit line"):
            second.with_user(self.other_manager).action_approve()

    def test_no_self_approval_of_a_group_line(self):
        request = self._request(2500, {"group_id": self.group.id})
        request = request.with_user(self.credit_manager)
        request.sudo().user_id = self.credit_manager
        with self.assertRaisesRegex(Exception, "own temporary credit line"):
            request.action_approve()
