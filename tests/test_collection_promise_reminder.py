"""Issue #19 point 1, the promise reminder: while a valid promise covers the items, the collection
run proposes a reminder of the promise a configurable number of days before the promised date
(never an escalation), or nothing; once broken, the chain of letters resumes."""

from datetime import timedelta

from freezegun import freeze_time

from odoo.tests import tagged

from .test_collection_workbench import DUE, CollectionCommon

MODULE = "customer_credit_management"


@tagged("post_install", "-at_install")
class TestPromiseReminder(CollectionCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.promise_level = cls.env.ref(f"{MODULE}.credit_reminder_level_promise")

    def test_reminder_before_the_promised_date_then_escalation_when_broken(self):
        self.company.credit_promise_reminder_days = 3
        self._invoice(1000)
        first = self._run(DUE + timedelta(days=1))
        self.assertEqual(first.level_sequence, 1)
        promise = self._promise(DUE + timedelta(days=5), 800, DUE + timedelta(days=30))
        self.assertFalse(self._run(DUE + timedelta(days=20)), "too early for the reminder, no escalation")
        reminder = self._run(DUE + timedelta(days=27), send=False)
        self.assertEqual(reminder.level_id, self.promise_level, "a reminder of the promise, not letter 2")
        self.assertEqual(reminder.promise_id, promise)
        self.assertEqual(reminder.pay_by_date, DUE + timedelta(days=30))
        self.assertEqual(reminder.amount_overdue, 1000)
        html = (
            self.env["ir.actions.report"]
            .with_user(self.accountant)
            ._render_qweb_html(f"{MODULE}.credit_reminder_report_action", reminder.ids)[0]
            .decode()
        )
        self.assertIn("Thank you for your promise to pay", html)
        self.assertIn("800.00", html, "the promised amount")
        reminder.with_user(self.accountant).action_mark_sent()
        self.assertFalse(self.customer.credit_hold)
        self.assertFalse(self._run(DUE + timedelta(days=28)), "one reminder per promise")
        # Broken: the chain resumes after letter 1, the promise reminder is not part of it.
        with freeze_time(DUE + timedelta(days=31)):
            self.env["credit.payment.promise"]._cron_check_promises()
        self.assertEqual(promise.state, "broken")
        second = self._run(DUE + timedelta(days=31))
        self.assertEqual(second.level_sequence, 2)
        self.assertEqual(second.previous_id, first)

    def test_no_reminder_when_the_setting_is_zero(self):
        self.company.credit_promise_reminder_days = 0
        self._invoice(1000)
        self._run(DUE + timedelta(days=1))
        self._promise(DUE + timedelta(days=5), 1000, DUE + timedelta(days=30))
        self.assertFalse(self._run(DUE + timedelta(days=29)), "nothing: no reminder, no escalation")

    def test_escalation_of_other_items_comes_first(self):
        self.company.credit_promise_reminder_days = 5
        promised = self._invoice(1000)
        self._invoice(300)
        promise = self._promise(
            DUE + timedelta(days=5),
            1000,
            DUE + timedelta(days=10),
            move_line_ids=[(6, 0, self._receivable_line(promised).ids)],
        )
        letter = self._run(DUE + timedelta(days=6), send=False)
        self.assertEqual(letter.level_sequence, 1, "the items the promise does not cover escalate")
        self.assertEqual(letter.amount_overdue, 300)
        self.assertFalse(letter.promise_id)
        letter.with_user(self.accountant).action_mark_sent()
        # The next day letter 2 is not due yet (half a month): the promise is recalled.
        reminder = self._run(DUE + timedelta(days=7), send=False)
        self.assertEqual(reminder.level_id, self.promise_level)
        self.assertEqual(reminder.promise_id, promise)
        self.assertEqual(reminder.amount_overdue, 1000, "the promised items only")
