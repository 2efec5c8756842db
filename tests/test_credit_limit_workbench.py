"""Issue 18, points 4 and 5: temporary credit lines, the manual limit's history and the credit
group's line, each in the one credit decision (``res.partner._credit_refusal``)."""

import xmlrpc.client
from datetime import date

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common import (
    CREDIT_MANAGER,
    SALESPERSON,
    CreditControlCommon,
    CreditGroupCommon,
    new_user,
    xmlrpc_execute,
)


@tagged("post_install", "-at_install")
class TestTemporaryCreditLine(CreditControlCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_manager = new_user(
            cls.env, "ccm_tcl_manager2", f"base.group_partner_manager,{CREDIT_MANAGER}", cls.company
        )

    def _request(self, amount=5000, date_from="2026-03-01", date_to="2026-03-31", user=None):
        return (
            self.env["credit.limit.request"]
            .with_user(user or self.salesperson)
            .create(
                {
                    "partner_id": self.customer.id,
                    "company_id": self.company.id,
                    "amount": amount,
                    "date_from": date_from,
                    "date_to": date_to,
                    "reason": "Seasonal peak",
                }
            )
        )

    def setUp(self):
        super().setUp()
        self.assertEqual(self._line(), 1000)

    def _line(self):
        self.env.invalidate_all()
        return self.customer.with_company(self.company).credit_line

    def test_temporary_line_until_end_date(self):
        with freeze_time("2026-03-10"):
            self.assertEqual(self._line(), 1000)
            request = self._request()
            self.assertEqual(request.customer_credit_line, 1000)
            self.assertEqual(request.user_id, self.salesperson)
            self.assertEqual(self._line(), 1000, "waiting for approval: no effect")
            request.with_user(self.credit_manager).action_approve()
            self.assertEqual(request.state, "approved")
            self.assertEqual(self._line(), 5000)
            self.assertEqual(
                self.customer.with_company(self.company).credit_limit, 5000, "Odoo's limit follows"
            )
            order = self._order(3000, user=self.salesperson)
            self.assertEqual(order._credit_check(), {})
        with freeze_time("2026-03-31"):
            self.assertEqual(self._line(), 5000, "the last day counts")
        with freeze_time("2026-04-01"):
            # Before the daily job has run: the line falls back all the same.
            self.assertEqual(self._line(), 1000)
            self.assertIn(order, order._credit_check())
        with freeze_time("2026-02-28"):
            self.assertEqual(self._line(), 1000, "not before its first day")

    def test_larger_of_policy_and_temporary_line(self):
        with freeze_time("2026-03-10"):
            self._request(amount=600).with_user(self.credit_manager).action_approve()
            self.assertEqual(self._line(), 1000)

    def test_expiry_cron(self):
        with freeze_time("2026-03-10"):
            request = self._request()
            request.with_user(self.credit_manager).action_approve()
        with freeze_time("2026-04-01"):
            self.env["credit.limit.request"]._cron_expire()
            self.assertEqual(request.state, "expired")
            customer = self.customer.with_company(self.company)
            self.assertFalse(customer.credit_limit_temporary)
            self.assertFalse(customer.credit_limit_temporary_until)
            self.assertEqual(customer.credit_limit, 1000)
            self.assertEqual(self._line(), 1000)

    def test_no_self_approval(self):
        request = self._request(user=self.credit_manager)
        with self.assertRaisesRegex(AccessError, "own temporary credit line"):
            request.with_user(self.credit_manager).action_approve()
        with self.assertRaisesRegex(AccessError, "own temporary credit line"):
            request.with_user(self.credit_manager).write({"state": "rejected"})
        seller_request = self._request()
        with self.assertRaises(AccessError):
            seller_request.with_user(self.salesperson).action_approve()
        request.with_user(self.other_manager).action_approve()
        self.assertEqual(request.approved_by_id, self.other_manager)

    def test_one_increase_at_a_time(self):
        self._request().with_user(self.credit_manager).action_approve()
        second = self._request(amount=8000)
        with self.assertRaisesRegex(UserError, "already has the approved temporary credit line"):
            second.with_user(self.credit_manager).action_approve()

    def test_temporary_line_not_written_by_hand(self):
        for user in (self.salesperson, self.credit_manager):
            with self.assertRaises(AccessError):
                self.customer.with_user(user).with_company(self.company).write(
                    {"credit_limit_temporary": 90000}
                )

    def test_manual_limit_history(self):
        customer = self.customer.with_user(self.credit_manager).with_company(self.company)
        customer.write(
            {"credit_limit_manual_base": 2500, "credit_limit_manual_reason": "Bank guarantee received"}
        )
        customer.write({"credit_limit_manual_reason": "Only the reason"})
        history = self.env["credit.limit.history"].search(
            [("partner_id", "=", self.customer.id), ("user_id", "=", self.credit_manager.id)]
        )
        self.assertEqual(len(history), 1, "one row per change of the limit, none for the reason alone")
        self.assertRecordValues(
            history,
            [
                {
                    "user_id": self.credit_manager.id,
                    "company_id": self.company.id,
                    "manual_before": True,
                    "manual_after": True,
                    "amount_before": 1000,
                    "amount_after": 2500,
                    "reason": "Bank guarantee received",
                }
            ],
        )
        self.assertTrue(history.date)
        customer.write({"credit_limit_manual": False})
        self.assertEqual(
            len(self.customer.credit_limit_history_ids.filtered(lambda h: h.user_id == self.credit_manager)),
            2,
        )
        with self.assertRaises(AccessError):
            self.customer.with_user(self.salesperson).with_company(self.company).write(
                {"credit_limit_manual_base": 9000}
            )
        with self.assertRaises(AccessError):
            self.env["credit.limit.history"].with_user(self.credit_manager).create(
                {
                    "partner_id": self.customer.id,
                    "company_id": self.company.id,
                    "user_id": self.credit_manager.id,
                }
            )


@tagged("post_install", "-at_install")
class TestTemporaryCreditLineRpc(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.salesperson = new_user(cls.env, "ccm_tcl_rpc_seller", SALESPERSON)
        cls.manager = new_user(cls.env, "ccm_tcl_rpc_manager", f"base.group_partner_manager,{CREDIT_MANAGER}")
        cls.customer = cls.env["res.partner"].create({"name": "RPC Temporary Customer", "is_company": True})

    def refused(self, user, model, method, *args):
        with self.assertRaises(xmlrpc.client.Fault) as caught, mute_logger("odoo.http"):
            xmlrpc_execute(self, user, model, method, args)
        self.env.invalidate_all()
        return caught.exception.faultString

    def test_salesperson_cannot_approve_or_change_after_approval(self):
        request_id = xmlrpc_execute(
            self,
            self.salesperson,
            "credit.limit.request",
            "create",
            [
                {
                    "partner_id": self.customer.id,
                    "amount": 5000,
                    "date_from": str(date.today()),
                    "date_to": str(date.today()),
                    "reason": "Large project",
                    "state": "to_approve",
                }
            ],
        )
        self.assertIn(
            "Only a Credit Manager",
            self.refused(self.salesperson, "credit.limit.request", "action_approve", [request_id]),
        )
        self.assertIn(
            "Only a Credit Manager",
            self.refused(
                self.salesperson, "credit.limit.request", "write", [request_id], {"state": "approved"}
            ),
        )
        self.assertIn(
            "Only a Credit Manager",
            self.refused(
                self.salesperson,
                "credit.limit.request",
                "write",
                [request_id],
                {"approved_by_id": self.salesperson.id},
            ),
        )
        xmlrpc_execute(self, self.manager, "credit.limit.request", "action_approve", [[request_id]])
        request = self.env["credit.limit.request"].browse(request_id)
        self.assertEqual(request.state, "approved")
        self.assertIn(
            "cannot be changed",
            self.refused(self.salesperson, "credit.limit.request", "write", [request_id], {"amount": 50000}),
        )
        self.assertIn(
            "cannot change to that state",
            self.refused(
                self.salesperson,
                "credit.limit.request",
                "write",
                [request_id],
                {"state": "to_approve", "amount": 50000},
            ),
        )
        self.refused(
            self.salesperson, "res.partner", "write", [self.customer.id], {"credit_limit_temporary": 50000}
        )
        self.assertEqual(request.amount, 5000)
        self.assertEqual(self.customer.credit_line, 5000)


@tagged("post_install", "-at_install")
class TestCreditGroup(CreditGroupCommon):
    def test_group_line_exceeded_customer_line_not(self):
        self.assertEqual(self.group.credit_exposure, 1000)
        order = self._order(800, user=self.salesperson)
        message = order._credit_check()[order]
        self.assertIn("credit group Parent Holding Group", message)
        self.assertNotIn("exceeds the credit line of Credit Customer", message)
        with self.assertRaisesRegex(UserError, "Parent Holding Group"):
            order.with_user(self.salesperson).action_confirm()
        self.assertEqual(order.state, "draft")
        # Within both lines once the group's is raised.
        self.group.manual_line = 2000
        self.assertEqual(order._credit_check(), {})

    def test_archived_member_still_counts(self):
        """Archiving a member settles none of its open orders: its exposure still counts for the
        group's line."""
        order = self._order(1000, user=self.salesperson)
        self.sister.with_user(self.salesperson).action_archive()
        self.env.invalidate_all()  # a new request
        self.assertIn(self.sister, self.group.credit_member_ids)
        self.assertEqual(self.group.credit_exposure, 1000)
        with self.assertRaisesRegex(UserError, "credit group Parent Holding Group"):
            order.with_user(self.salesperson).action_confirm()
        self.assertEqual(order.state, "draft")

    def test_customer_line_exceeded_group_line_not(self):
        self.group.manual_line = 100000
        order = self._order(1200, user=self.salesperson)
        message = order._credit_check()[order]
        self.assertIn("exceeds the credit line of Credit Customer", message)
        self.assertNotIn("credit group", message)

    def test_group_in_another_company_does_not_count(self):
        self.group.company_id = self.env["res.company"].create({"name": "Other Group Company"})
        self.assertEqual(self._order(800)._credit_check(), {})

    def test_two_orders_of_a_group_in_one_batch(self):
        self.group.manual_line = 2000
        orders = self._order(600) + self._order(600, partner=self.sister)
        self.assertEqual(list(orders._credit_check()), list(orders[1:]))

    def test_policy_line(self):
        self.sister.credit_score = 10  # a poor grade: the worst factor of the group
        factor = self.sister.credit_grade_id.risk_factor
        self.assertLess(factor, 1.0)
        self.env["res.partner"]._credit_store_limits(
            self.customer | self.sister, [3000, 2000], self.company, date(2026, 1, 1)
        )
        self.group.line_mode = "policy"
        self.assertEqual(self.group.credit_limit_base, 5000)
        self.assertEqual(self.group.credit_risk_factor, factor)
        self.assertEqual(self.group.credit_line, self.company.currency_id.round(5000 * factor))

    def test_group_fields_protected(self):
        with self.assertRaises(AccessError):
            self.sister.with_user(self.salesperson).write({"credit_group_id": False})
        with self.assertRaises(AccessError):
            self.group.with_user(self.salesperson).write({"manual_line": 90000})
        with self.assertRaises(AccessError):
            self.env["credit.group"].with_user(self.salesperson).create({"name": "Mine"})
        self.group.with_user(self.credit_manager).write({"manual_line": 3000})

    def test_check_query_count_group_member(self):
        self.group.manual_line = 100000
        order = self._order(1)
        for _warm in range(2):  # the registry caches
            order._credit_check()
            self.env.invalidate_all()
        # 8 without a group (test_check_query_count): + the group's row + its line and members
        # in one query; the members' exposures come with the customer's.
        with self.assertQueryCount(10):
            self.assertEqual(order._credit_check(), {})
