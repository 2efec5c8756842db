"""Issue #19 (points 1, 2, 4): payment promises, disputes and collection blocks, the collector's
worklist, and how they change the collection run, the letters, the overdue hold and the aging."""

import xmlrpc.client
from datetime import date, timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import Form, HttpCase, tagged

from .common import CREDIT_MANAGER, CreditControlCommon, new_user, post_customer_invoice, xmlrpc_execute

DUE = date(2024, 3, 1)
# The fault code of an AccessError over XML-RPC (odoo.addons.base.controllers.rpc).
RPC_ACCESS_ERROR = 4
ACCOUNTANT = "account.group_account_user"


class CollectionCommon(CreditControlCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.accountant = new_user(cls.env, "ccm_wb_accountant", ACCOUNTANT, cls.company)
        cls.manager = new_user(cls.env, "ccm_wb_manager", CREDIT_MANAGER, cls.company)
        cls.customer.write({"email": "customer@example.com", "lang": "en_US"})

    @classmethod
    def _invoice(cls, amount, due=DUE, partner=None):
        return post_customer_invoice(cls.env, partner or cls.customer, amount, due)

    @staticmethod
    def _receivable_line(invoice):
        return invoice.line_ids.filtered(lambda line: line.account_id.account_type == "asset_receivable")

    def _run(self, day, send=True, partners=None):
        """Collection run as the accountant on ``day``: the proposed letters, marked sent."""
        with freeze_time(day):
            self.env.flush_all()
            vals = {"date": day, "company_id": self.company.id}
            if partners:
                vals["partner_ids"] = [(6, 0, partners.ids)]
            wizard = self.env["credit.reminder.run"].with_user(self.accountant).create(vals)
            wizard.action_propose()
            letters = wizard.reminder_ids
            if send and letters:
                wizard.action_mark_sent()
            self.env.flush_all()
            return letters

    def _promise(self, day, amount, promise_date, user=None, **vals):
        with freeze_time(day):
            return (
                self.env["credit.payment.promise"]
                .with_user(user or self.accountant)
                .create(
                    {
                        "partner_id": self.customer.id,
                        "company_id": self.company.id,
                        "amount": amount,
                        "promise_date": promise_date,
                        **vals,
                    }
                )
            )

    def _dispute(self, invoice, requester=None, approver=None, end=DUE + timedelta(days=365)):
        block = (
            self.env["credit.collection.block"]
            .with_user(requester or self.accountant)
            .create(
                {
                    "move_line_id": self._receivable_line(invoice).id,
                    "reason": "Two units arrived damaged.",
                    "date_end": end,
                }
            )
        )
        if approver:
            block.with_user(approver).action_approve()
        self.env.flush_all()
        return block

    def _aging_line(self, day):
        with freeze_time(day):
            wizard = self.env["credit.aging.wizard"].with_user(self.accountant).create({"date_as_of": day})
            wizard.action_view_aging()
            return (
                self.env["credit.aging.line"]
                .with_user(self.accountant)
                .search([("wizard_id", "=", wizard.id), ("partner_id", "=", self.customer.id)])
            )


@tagged("post_install", "-at_install")
class TestPaymentPromise(CollectionCommon):
    def test_valid_promise_stops_escalation(self):
        self._invoice(1000)
        first = self._run(DUE + timedelta(days=1))
        self.assertEqual(first.level_sequence, 1)
        promise = self._promise(DUE + timedelta(days=5), 1000, DUE + timedelta(days=30))
        self.assertEqual(promise.scope, "customer")
        self.assertEqual(promise.residual_at_promise, 1000)
        # Half a month after the first letter the second would be due: the promise holds it back.
        self.assertFalse(self._run(DUE + timedelta(days=20)), "no letter while the promise is valid")
        case = self.env["credit.collection.case"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual(case.amount_overdue, 1000, "the worklist still shows the promised amount")

    def test_promise_on_some_items_lets_the_others_escalate(self):
        promised = self._invoice(1000)
        self._invoice(300)
        self._promise(
            DUE + timedelta(days=5),
            1000,
            DUE + timedelta(days=30),
            move_line_ids=[(6, 0, self._receivable_line(promised).ids)],
        )
        letter = self._run(DUE + timedelta(days=6))
        self.assertEqual(letter.amount_overdue, 300, "only the items the promise does not cover")

    def test_broken_promise_resumes_escalation_and_flags_the_customer(self):
        self._invoice(1000)
        self._run(DUE + timedelta(days=1))
        promise = self._promise(DUE + timedelta(days=5), 1000, DUE + timedelta(days=20))
        with freeze_time(DUE + timedelta(days=20)):
            self.env["credit.payment.promise"]._cron_check_promises()
        self.assertEqual(promise.state, "valid", "not broken on its own date")
        day = DUE + timedelta(days=21)
        with freeze_time(day):
            self.env["credit.payment.promise"]._cron_check_promises()
            self.assertEqual(promise.state, "broken")
            self.assertTrue(self.customer.credit_promise_broken)
            self.assertIn(
                self.customer, self.env["res.partner"].search([("credit_promise_broken", "=", True)])
            )
        line = self._aging_line(day)
        self.assertTrue(line.promise_broken, "flagged in the aging")
        self.assertIn(
            line,
            line.search([("wizard_id", "=", line.wizard_id.id), ("promise_broken", "=", True)]),
        )
        second = self._run(day)
        self.assertEqual(second.level_sequence, 2, "the chain moves on")

    def test_kept_promise(self):
        invoice = self._invoice(1000)
        promise = self._promise(DUE + timedelta(days=5), 600, DUE + timedelta(days=20))
        with freeze_time(DUE + timedelta(days=10)):
            self.env["account.payment.register"].with_context(
                active_model="account.move", active_ids=invoice.ids
            ).create(
                {
                    "amount": 600,
                    "payment_date": DUE + timedelta(days=10),
                    "payment_difference_handling": "open",
                }
            )._create_payments()
            self.env["credit.payment.promise"]._cron_check_promises()
        self.assertEqual(promise.state, "kept")
        self.assertFalse(self.customer.credit_promise_broken)

    def test_salesperson_banner(self):
        self.env.user.lang = "en_US"
        self._promise(DUE, 5000, date(2024, 12, 20))
        order = self._order(100, user=self.salesperson)
        with freeze_time(DUE):
            status = order.with_user(self.salesperson).credit_promise_status
        self.assertIn("Promised", status)
        self.assertIn("12/20/2024", status, "the user's date format")
        self.assertIn("5,000.00", status)
        self.assertIn(self.currency.symbol, status)

    def test_salesperson_cannot_record_a_promise(self):
        with self.assertRaises(AccessError):
            self._promise(DUE, 100, DUE + timedelta(days=3), user=self.salesperson)


@tagged("post_install", "-at_install")
class TestCollectionBlock(CollectionCommon):
    def test_disputed_item_leaves_letter_and_hold_but_stays_in_aging(self):
        self.company.credit_overdue_hold_days = 90
        self._invoice(1000)
        old = self._invoice(500, due=DUE - timedelta(days=120))
        block = self._dispute(old, approver=self.manager)
        self.assertEqual(block.state, "approved")
        day = DUE + timedelta(days=1)
        letter = self._run(day, send=False)
        self.assertEqual(letter.amount_overdue, 1000, "the disputed item is not in the letter's amount")
        self.assertNotIn(self._receivable_line(old), letter.line_ids.move_line_id)
        with freeze_time(day):
            self.env["res.partner"]._cron_credit_hold_overdue()
        self.assertFalse(self.customer.credit_hold, "only the disputed item is over 90 days late")
        line = self._aging_line(day)
        self.assertEqual(line.total, 1500, "still in the aging")
        self.assertEqual(line.blocked, 500, "flagged")
        self.assertEqual(line.search([("wizard_id", "=", line.wizard_id.id), ("blocked", "!=", 0)]), line)
        # Lifted: back in collection.
        block.with_user(self.accountant).action_lift()
        with freeze_time(day):
            self.env["res.partner"]._cron_credit_hold_overdue()
        self.assertTrue(self.customer.credit_hold)

    def test_block_ends_on_its_end_date(self):
        old = self._invoice(500)
        self._dispute(old, approver=self.manager, end=DUE + timedelta(days=10))
        self.assertFalse(self._run(DUE + timedelta(days=10), send=False))
        self.assertTrue(self._run(DUE + timedelta(days=11), send=False))

    def test_pending_dispute_changes_nothing(self):
        old = self._invoice(500)
        self._dispute(old)
        self.assertEqual(self._run(DUE + timedelta(days=1), send=False).amount_overdue, 500)

    def test_dispute_needs_another_credit_manager(self):
        invoice = self._invoice(500)
        block = self._dispute(invoice)
        with self.assertRaises(AccessError):
            block.with_user(self.accountant).action_approve()
        finance = new_user(self.env, "ccm_wb_finance", f"{ACCOUNTANT},{CREDIT_MANAGER}", self.company)
        own = self._dispute(self._invoice(200), requester=finance)
        with self.assertRaises(AccessError):
            own.with_user(finance).action_approve()
        with self.assertRaises(AccessError):
            own.with_user(finance).write({"state": "approved"})
        own.with_user(self.manager).action_approve()
        self.assertEqual(own.approved_by_id, self.manager)
        self.assertEqual(own.state, "approved")


@tagged("post_install", "-at_install")
class TestCollectionWorklist(CollectionCommon):
    def test_run_fills_the_worklist(self):
        self._invoice(1000)
        letter = self._run(DUE + timedelta(days=3), send=False)
        case = (
            self.env["credit.collection.case"]
            .with_user(self.accountant)
            .search([("partner_id", "=", self.customer.id)])
        )
        self.assertEqual(case.user_id, self.accountant, "the collector who ran it is responsible")
        self.assertEqual(case.amount_overdue, 1000)
        self.assertEqual(case.days_overdue, 3)
        self.assertEqual(case.last_action_type, "letter")
        self.assertIn(letter.name, case.last_action_result)
        self.assertEqual(case.next_action_date, letter.pay_by_date + timedelta(days=1))

    def test_priority_and_log_call(self):
        small_old = self.env["res.partner"].create({"name": "Small Old", "is_company": True})
        big_new = self.env["res.partner"].create({"name": "Big New", "is_company": True})
        self._invoice(100, due=DUE - timedelta(days=90), partner=small_old)  # 100 x 4 = 400
        self._invoice(1000, due=DUE - timedelta(days=1), partner=self.customer)  # 1000 x 1.03 = 1033
        self._invoice(300, due=DUE - timedelta(days=60), partner=big_new)  # 300 x 3 = 900
        self._run(DUE, send=False)
        Case = self.env["credit.collection.case"].with_user(self.accountant)
        cases = Case.search([("partner_id", "in", (small_old | big_new | self.customer).ids)])
        self.assertEqual(cases.partner_id.mapped("name"), ["Credit Customer", "Big New", "Small Old"])
        case = cases[0]
        with freeze_time(DUE):
            action = case.action_log_call()
            form = Form(
                self.env[action["res_model"]].with_user(self.accountant).with_context(**action["context"])
            )
            form.result = "reached"
            form.note = "Pays on Friday"
            form.next_action_date = DUE + timedelta(days=4)
            form.save().action_log()
        self.assertEqual(case.last_action_type, "call")
        self.assertEqual(case.last_action_date, DUE)
        self.assertIn("Pays on Friday", case.last_action_result)
        self.assertEqual(case.next_action_date, DUE + timedelta(days=4))
        with freeze_time(DUE + timedelta(days=4)):
            due_today = Case.search(
                [("next_action_date", "<=", DUE + timedelta(days=4)), ("id", "in", cases.ids)]
            )
        self.assertIn(case, due_today)

    def test_log_call_with_promise(self):
        self._invoice(1000)
        self._run(DUE + timedelta(days=1), send=False)
        case = self.env["credit.collection.case"].search([("partner_id", "=", self.customer.id)])
        with freeze_time(DUE + timedelta(days=1)):
            form = Form(
                self.env["credit.collection.log"]
                .with_user(self.accountant)
                .with_context(default_case_id=case.id)
            )
            form.result = "promise"
            form.promise_amount = 1000
            form.promise_date = DUE + timedelta(days=10)
            form.save().action_log()
        promise = self.env["credit.payment.promise"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual(promise.amount, 1000)
        self.assertEqual(case.next_action_date, DUE + timedelta(days=11))


@tagged("post_install", "-at_install")
class TestCollectionBlockRpc(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.env.company
        cls.finance = new_user(cls.env, "ccm_wb_rpc_finance", f"{ACCOUNTANT},{CREDIT_MANAGER}", company)
        cls.salesperson = new_user(cls.env, "ccm_wb_rpc_sales", "sales_team.group_sale_salesman", company)
        cls.customer = cls.env["res.partner"].create(
            {"name": "RPC Dispute Customer", "is_company": True, "user_id": cls.salesperson.id}
        )
        invoice = post_customer_invoice(cls.env, cls.customer, 400, DUE)
        cls.line = invoice.line_ids.filtered(lambda line: line.account_id.account_type == "asset_receivable")

    def test_requester_cannot_approve_own_dispute(self):
        block_id = xmlrpc_execute(
            self,
            self.finance,
            "credit.collection.block",
            "create",
            [{"move_line_id": self.line.id, "reason": "Price disputed", "date_end": "2099-01-01"}],
        )
        for method, args in (
            ("action_approve", [[block_id]]),
            ("write", [[block_id], {"state": "approved"}]),
        ):
            with self.subTest(method=method), self.assertRaises(xmlrpc.client.Fault) as caught:
                xmlrpc_execute(self, self.finance, "credit.collection.block", method, args)
            self.assertEqual(caught.exception.faultCode, RPC_ACCESS_ERROR, caught.exception.faultString)
            self.assertIn("their own", caught.exception.faultString)
        self.assertEqual(self.env["credit.collection.block"].browse(block_id).state, "to_approve")

    def test_salesperson_cannot_create_a_block(self):
        with self.assertRaises(xmlrpc.client.Fault) as caught:
            xmlrpc_execute(
                self,
                self.salesperson,
                "credit.collection.block",
                "create",
                [{"move_line_id": self.line.id, "reason": "Customer unhappy", "date_end": "2099-01-01"}],
            )
        self.assertEqual(caught.exception.faultCode, RPC_ACCESS_ERROR, caught.exception.faultString)
        self.assertFalse(self.env["credit.collection.block"].search([("move_line_id", "=", self.line.id)]))
