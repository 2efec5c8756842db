"""What the exposure and the collection hold read of the books is Odoo's accounting, not a
caller's values: computed figures are not written, a posted receivable is not rewritten."""

from datetime import date, timedelta

from freezegun import freeze_time

from odoo import Command, fields
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import CreditControlCommon, new_user


@tagged("post_install", "-at_install")
class TestCreditBooks(CreditControlCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.credit_default_risk_factor = 1.0
        cls.billing = new_user(cls.env, "ccm_books_billing", "account.group_account_invoice", cls.company)

    def _exposure(self):
        return self.env["credit.exposure"]._exposure_by_partner(self.customer.ids, self.company)[
            self.customer.id
        ]

    def _posted(self, amount, due=None):
        invoice = self.init_invoice("out_invoice", partner=self.customer, amounts=[amount], taxes=[])
        if due:
            invoice.write({"invoice_date": due, "invoice_date_due": due})
        invoice.action_post()
        receivable = invoice.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )
        return invoice, receivable

    def test_computed_figures_of_the_books_not_written(self):
        invoice, receivable = self._posted(5000)
        self.assertEqual(self._exposure(), 5000)
        for vals in (
            {"amount_residual": 0.0},
            {"amount_residual_currency": 0.0},
            {"reconciled": True},
            {"parent_state": "cancel"},
        ):
            with self.subTest(vals=vals), self.assertRaisesRegex(AccessError, "computed and cannot be set"):
                receivable.with_user(self.billing).write(vals)
        with self.assertRaisesRegex(AccessError, "computed and cannot be set"):
            self.env["account.move.line"].with_user(self.billing).create(
                {
                    "move_id": invoice.id,
                    "account_id": receivable.account_id.id,
                    "balance": 0,
                    "reconciled": True,
                }
            )
        self.assertEqual(self._exposure(), 5000)

    def test_posted_receivable_keeps_its_customer_and_due_date(self):
        today = fields.Date.today()
        invoice, receivable = self._posted(300, due=today - timedelta(days=150))
        other = self.env["res.partner"].create({"name": "Other Debtor", "is_company": True})
        income = invoice.invoice_line_ids.account_id
        for vals in (
            {"partner_id": False},
            {"partner_id": other.id},
            {"date_maturity": today + timedelta(days=365)},
            {"account_id": income.id},
        ):
            with self.subTest(vals=vals), self.assertRaisesRegex(AccessError, "posted receivable keeps"):
                receivable.with_user(self.billing).write(vals)
        # Odoo's own check of a posted move's partner, and its sync of the items, are switched off by
        # context keys: the move's partner still reaches its receivable through the item's write.
        unchecked = invoice.with_user(self.billing).with_context(
            skip_readonly_check=True, skip_invoice_sync=True
        )
        with self.assertRaisesRegex(AccessError, "posted receivable keeps"):
            unchecked.write({"partner_id": other.id})
        self.assertEqual(self._exposure(), 300)

        # The collection hold stays with the overdue item: nothing was paid.
        self.assertEqual(receivable.date_maturity, today - timedelta(days=150))
        self.customer._credit_set_hold("collection")
        self.env["res.partner"]._cron_credit_hold_collection()
        self.assertTrue(self.customer.credit_hold)

        # Odoo's correction stays: reset to draft, the invoice is the billing user's to edit again.
        invoice.with_user(self.billing).button_draft()
        receivable.with_user(self.billing).write({"date_maturity": today + timedelta(days=30)})
        self.assertEqual(receivable.date_maturity, today + timedelta(days=30))

    def test_posted_receivable_not_moved_nor_added_to(self):
        invoice, receivable = self._posted(5000)
        billing = self.env(user=self.billing)
        entry = billing["account.move"].create(
            {"move_type": "entry", "journal_id": self.company_data["default_journal_misc"].id}
        )
        with self.assertRaisesRegex(AccessError, "posted receivable keeps"), self.env.cr.savepoint():
            invoice.line_ids.with_env(billing).write({"move_id": entry.id})
        # A receivable taking the debt off the customer, added to the posted invoice.
        account = receivable.account_id
        with self.assertRaisesRegex(AccessError, "posted receivable keeps"), self.env.cr.savepoint():
            billing["account.move.line"].create(
                [
                    {
                        "move_id": invoice.id,
                        "account_id": account.id,
                        "partner_id": self.customer.id,
                        "balance": -5000,
                    },
                    {"move_id": invoice.id, "account_id": account.id, "partner_id": False, "balance": 5000},
                ]
            )
        # Nor deleted, whatever context keys Odoo's own refusal listens to.
        unchecked = receivable.with_env(billing).with_context(force_delete=True, dynamic_unlink=True)
        with self.assertRaisesRegex(AccessError, "posted receivable keeps"), self.env.cr.savepoint():
            unchecked.unlink()
        self.assertEqual(self._exposure(), 5000)

    def test_invoice_totals_not_written(self):
        """A down payment's totals say how much of an order is paid (a cash sale), a draft's what
        the customer will owe: Odoo's to compute, also where it writes them itself."""
        invoice, _receivable = self._posted(5000)
        draft = self.init_invoice("out_invoice", partner=self.customer, amounts=[700], taxes=[])
        for move, vals in (
            (invoice, {"amount_total_in_currency_signed": 1e12}),
            (invoice, {"amount_residual": 0.0}),
            (draft, {"amount_total_signed": 0.0}),
        ):
            with (
                self.subTest(vals=vals),
                self.assertRaisesRegex(AccessError, "computed and cannot be set"),
                self.env.cr.savepoint(),
            ):
                move.with_user(self.billing).write(vals)
        # Odoo's own tax totals inverse recomputes them by hand, as the user.
        draft = draft.with_user(self.billing)
        draft.tax_totals = draft.tax_totals
        self.assertEqual(self._exposure(), 5700)

    def test_receivable_settled_only_as_odoo_settles_it(self):
        invoice, receivable = self._posted(5000, due=fields.Date.today() - timedelta(days=150))
        self.customer._credit_set_hold("collection")
        billing = self.env(user=self.billing)
        income = invoice.line_ids - receivable
        partial = {"amount": 5000, "debit_amount_currency": 5000, "credit_amount_currency": 5000}
        with (
            self.assertRaisesRegex(AccessError, "settled only against a posted item of its own account"),
            self.env.cr.savepoint(),
        ):
            billing["account.partial.reconcile"].create(
                {"debit_move_id": receivable.id, "credit_move_id": income.id, **partial}
            )
        with (
            self.assertRaisesRegex(AccessError, "settled only against a posted item of its own account"),
            self.env.cr.savepoint(),
        ):
            receivable.with_env(billing).write(
                {"matched_credit_ids": [Command.create({"credit_move_id": income.id, **partial})]}
            )
        self.assertEqual(self._exposure(), 5000)
        self.assertTrue(self.customer.credit_hold)
        # A payment, registered by the billing user, settles it as Odoo does and lifts the hold.
        billing["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({}).action_create_payments()
        self.assertEqual(receivable.amount_residual, 0)
        self.assertFalse(self.customer.credit_hold)
        # The partial Odoo made stays as Odoo made it: moved to the income line, the payment
        # would be free again while the invoice stays settled.
        with self.assertRaisesRegex(AccessError, "settled only against"), self.env.cr.savepoint():
            receivable.matched_credit_ids.with_env(billing).write({"credit_move_id": income.id})

    def test_posted_receivable_rewritten_where_lines_are_not_enforced(self):
        self.company.credit_control_enabled = False
        _invoice, receivable = self._posted(300)
        due = fields.Date.today() + timedelta(days=90)
        receivable.with_user(self.billing).write({"date_maturity": due})
        self.assertEqual(receivable.date_maturity, due)

    @freeze_time("2026-12-02 05:00:00")
    def test_collection_hold_judged_on_the_servers_day(self):
        """Due yesterday is overdue today, also for a caller whose time zone is still yesterday (a
        payment's hook runs as its user and context)."""
        self._posted(300, due=date(2026, 12, 1))
        self.customer._credit_set_hold("collection")
        self.customer.with_context(tz="Pacific/Honolulu")._credit_collection_release_paid()
        self.assertTrue(self.customer.credit_hold)
