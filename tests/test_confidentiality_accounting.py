import base64
import io
from datetime import date, timedelta

import openpyxl
from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, RedirectWarning
from odoo.tests import tagged

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

from .common import CREDIT_MANAGER, ROLE_GROUPS, new_user

TODAY = date(2026, 3, 31)


@tagged("post_install", "-at_install")
class TestConfidentialityAccounting(AccountTestInvoicingCommon):
    """Journal items, the invoice analysis, the module's document parts and the aging follow the
    customer's level, for users at the default clearance (Internal)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, allowed_company_ids=cls.env.company.ids))
        # The data is set up as superuser (levels, credit fields); the tests run as each role.
        cls.env = cls.env(su=True)
        company = cls.env.company
        cls.accountant = new_user(cls.env, "ccm_scope_accountant", "account.group_account_invoice", company)
        cls.credit_manager = new_user(cls.env, "ccm_scope_credit_manager", CREDIT_MANAGER, company)
        Partner = cls.env["res.partner"]
        cls.plain = Partner.create({"name": "Scope Plain Customer", "is_company": True})
        cls.hidden = Partner.create({"name": "Scope Confidential Customer", "is_company": True})
        # Above the accountant's clearance, but the accountant is its salesperson: readable, not
        # exportable.
        cls.followed = Partner.create(
            {"name": "Scope Followed Customer", "is_company": True, "user_id": cls.accountant.id}
        )
        confidential = cls.env.ref("customer_credit_management.confidentiality_level_confidential")
        for partner in cls.hidden + cls.followed:
            partner.confidentiality_level_proposed_id = confidential
            partner.action_approve_confidentiality_level()
        cls.invoices = {}
        for partner, amount in ((cls.plain, 100.0), (cls.hidden, 200.0), (cls.followed, 300.0)):
            cls.invoices[partner] = cls.init_invoice(
                "out_invoice", partner, TODAY - timedelta(days=40), amounts=[amount], post=True
            )

    def _hidden(self, user, records):
        Model = self.env[records._name].with_user(user)
        self.assertFalse(Model.search([("id", "in", records.ids)]), records._name)
        with self.assertRaises(AccessError, msg=records._name):
            records.with_user(user).read(["display_name"])

    def test_journal_items_and_invoice_analysis(self):
        invoice = self.invoices[self.hidden]
        self._hidden(self.accountant, invoice.line_ids)
        Line = self.env["account.move.line"].with_user(self.accountant)
        groups = Line.read_group([], ["balance:sum"], ["partner_id"])
        self.assertNotIn(self.hidden.id, [group["partner_id"][0] for group in groups if group["partner_id"]])
        self.assertTrue(Line.search([("move_id", "=", self.invoices[self.plain].id)]))
        Report = self.env["account.invoice.report"].with_user(self.accountant)
        self.assertFalse(Report.search([("commercial_partner_id", "=", self.hidden.id)]))
        groups = Report.read_group([], ["price_subtotal:sum"], ["commercial_partner_id"])
        names = {group["commercial_partner_id"][1] for group in groups if group["commercial_partner_id"]}
        self.assertIn("Scope Plain Customer", names)
        self.assertNotIn("Scope Confidential Customer", names)

    def test_evaluation_parts_and_letter_lines(self):
        evaluation = self.env["credit.evaluation"].create({"partner_id": self.hidden.id})
        evaluation.write({"figure_ids": [Command.create({"code": "net_profit", "amount": 10.0})]})
        letter = self.env["credit.reminder"].create(
            {
                "partner_id": self.hidden.id,
                "level_id": self.env.ref("customer_credit_management.credit_reminder_level_1").id,
                "line_ids": [Command.create({"name": "INV/1", "residual": 200.0})],
            }
        )
        user = new_user(
            self.env,
            "ccm_scope_credit_user",
            "account.group_account_invoice,customer_credit_management.group_credit_user",
        )
        parts = [evaluation.figure_ids, evaluation.line_ids, evaluation.qualitative_ids, letter.line_ids]
        for records in parts:
            if records:
                self._hidden(user, records)
        self.assertTrue(evaluation.figure_ids and letter.line_ids)
        # The evaluator's own evaluation stays whole.
        mine = self.env["credit.evaluation"].with_user(user).create({"partner_id": self.hidden.id})
        mine.sudo().figure_ids = [Command.create({"code": "net_profit", "amount": 10.0})]
        self.assertEqual(
            self.env["credit.evaluation.figure"]
            .with_user(user)
            .search([("evaluation_id.partner_id", "=", self.hidden.id)]),
            mine.figure_ids,
        )

    def test_over_credit_line_search_as_credit_manager(self):
        """Searching Over Credit Line / Re-evaluation Due works on ids: a hidden customer with
        exposure does not make it fail, and is not found."""
        self.hidden.credit_score_date = self.plain.credit_score_date = TODAY - timedelta(days=3 * 365)
        Partner = self.env["res.partner"].with_user(self.credit_manager)
        exceeded = Partner.search(
            [("credit_exceeded", "=", True), ("id", "in", (self.plain + self.hidden).ids)]
        )
        self.assertEqual(exceeded, self.plain)
        due = Partner.search(
            [("credit_reevaluation_due", "=", True), ("id", "in", (self.plain + self.hidden).ids)]
        )
        self.assertEqual(due, self.plain)
        self.assertEqual(
            Partner.search([("credit_exceeded", "=", False), ("id", "in", (self.plain + self.hidden).ids)]),
            Partner.browse(),
        )

    def test_invoice_only_for_a_readable_customer(self):
        """An invoice shows its customer's bank account (computed as superuser) and the rule lets
        one's own invoices through: none is made, moved to, nor previewed for a customer the user
        may not read."""
        self.env["res.partner.bank"].create({"acc_number": "BE71096123456769", "partner_id": self.hidden.id})
        self.env["res.partner.bank"].create({"acc_number": "BE68539007547034", "partner_id": self.plain.id})
        role = new_user(self.env, "ccm_scope_role_accountant", ROLE_GROUPS["accountant"], self.env.company)
        refused = "invoice or an entry for a customer above your clearance"
        spec = {"partner_id": {}, "partner_bank_id": {"fields": {"display_name": {}}}}
        lines = [Command.create({"name": "Service", "quantity": 1, "price_unit": 1.0})]
        for user in (self.accountant, role):
            with self.subTest(user=user.login):
                self._hidden(user, self.hidden)
                self._hidden(user, self.hidden.bank_ids)
                Move = self.env["account.move"].with_user(user)
                for move_type in ("out_refund", "out_invoice"):
                    with self.assertRaisesRegex(AccessError, refused):
                        Move.create(
                            {"move_type": move_type, "partner_id": self.hidden.id, "invoice_line_ids": lines}
                        )
                # A readable customer's credit note, as before.
                refund = Move.create(
                    {"move_type": "out_refund", "partner_id": self.plain.id, "invoice_line_ids": lines}
                )
                self.assertEqual(refund.partner_bank_id.acc_number, "BE68539007547034")
                values = {"move_type": "out_refund", "partner_id": self.hidden.id}
                for record in (Move, refund):
                    with self.assertRaisesRegex(AccessError, refused):
                        record.onchange(values, ["partner_id"], spec)
                with self.assertRaisesRegex(AccessError, refused):
                    Move.with_context(default_partner_id=self.hidden.id).onchange(
                        {"move_type": "out_refund"}, [], spec
                    )
                opened = Move.onchange({**values, "partner_id": self.plain.id}, ["partner_id"], spec)
                self.assertEqual(opened["value"]["partner_bank_id"]["display_name"], "BE68539007547034")
                # Last: assertRaisesRegex rolls nothing back.
                with self.assertRaisesRegex(AccessError, refused):
                    refund.write({"partner_id": self.hidden.id})

    def test_entry_only_for_readable_customers(self):
        """An entry is no more made for a hidden customer through its items than through its
        partner: its receivable would change the customer's credit."""
        receivable = self.company_data["default_account_receivable"]
        journal = self.company_data["default_journal_misc"]
        refused = "invoice or an entry for a customer above your clearance"
        self._hidden(self.accountant, self.hidden)

        def items(partner):
            return [
                Command.create(
                    {"account_id": receivable.id, "partner_id": partner.id, "name": "x", "balance": -10}
                ),
                Command.create({"account_id": receivable.id, "name": "x", "balance": 10}),
            ]

        Move = self.env(user=self.accountant)["account.move"]
        with self.assertRaisesRegex(AccessError, refused):
            Move.create({"move_type": "entry", "journal_id": journal.id, "line_ids": items(self.hidden)})
        entry = Move.create({"move_type": "entry", "journal_id": journal.id, "line_ids": items(self.plain)})
        with self.assertRaisesRegex(AccessError, refused):
            entry.line_ids[0].write({"partner_id": self.hidden.id})

    def test_own_invoice_shows_no_bank_account_of_a_hidden_customer(self):
        """One's own credit note of a customer above one's clearance (made by Odoo's flows as
        superuser, or before the customer's level was raised) names its recipient bank account
        without its number."""
        self.env["res.partner.bank"].create({"acc_number": "BE71096123456769", "partner_id": self.hidden.id})
        refund = self.init_invoice("out_refund", self.hidden, amounts=[10.0])
        refund.invoice_user_id = self.accountant
        self.assertEqual(refund.partner_bank_id.acc_number, "BE71096123456769")
        self.env.invalidate_all()
        own = refund.with_user(self.accountant)
        values = own.web_read({"partner_bank_id": {"fields": {"display_name": {}}}})[0]
        self.assertEqual(
            values["partner_bank_id"]["display_name"], "Bank account of a customer above your clearance"
        )
        self.assertNotIn("BE71096123456769", str(own.read(["partner_bank_id"])))
        # Once the holder's salesperson, the user reads the number.
        self.hidden.user_id = self.accountant
        self.env.invalidate_all()
        values = own.read(["partner_bank_id"])[0]
        self.assertEqual(values["partner_bank_id"][1], "BE71096123456769")

    # ------------------------------------------------------------------ aging
    def _wizard(self, **values):
        return (
            self.env["credit.aging.wizard"].with_user(self.accountant).create({"date_as_of": TODAY, **values})
        )

    @freeze_time(TODAY)
    def test_aging_screen_and_pdf_leave_out_unreadable(self):
        wizard = self._wizard(show_details=True)
        action = wizard.action_view_aging()
        lines = self.env["credit.aging.line"].with_user(self.accountant).search(action["domain"])
        names = lines.mapped("partner_name")
        self.assertIn("Scope Plain Customer", names)
        self.assertIn("Scope Followed Customer", names)
        self.assertNotIn("Scope Confidential Customer", names)
        self.assertIn("1 customers above your clearance left out", names)
        self.assertNotIn(200.0, lines.mapped("total"))
        html, _ = (
            self.env["ir.actions.report"]
            .with_user(self.accountant)
            ._render_qweb_html("customer_credit_management.credit_aging_report_action", wizard.ids)
        )
        html = html.decode()
        self.assertIn("Scope Plain Customer", html)
        self.assertNotIn("Scope Confidential Customer", html)
        self.assertNotIn(self.invoices[self.hidden].name, html)
        self.assertIn("1 customers above your clearance left out", html)
        # The printed customers above the logging level are logged.
        log = self.env["customer.access.log"].search(
            [("user_id", "=", self.accountant.id), ("action", "=", "print")]
        )
        self.assertEqual(log.partner_id, self.followed)

    @freeze_time(TODAY)
    def test_aging_xlsx_names_refused_customers_and_leaves_them_out(self):
        wizard = self._wizard(show_details=True)
        with self.assertRaises(RedirectWarning) as caught:
            wizard.action_export_xlsx()
        message, action_id, _button, context = caught.exception.args
        self.assertIn("Scope Followed Customer", message)
        self.assertNotIn("Scope Confidential Customer", message)
        self.assertEqual(
            action_id, self.env.ref("customer_credit_management.credit_aging_export_leaving_out_action").id
        )
        # The offered action: export without them.
        result = (
            self.env["ir.actions.server"]
            .with_user(self.accountant)
            .browse(action_id)
            .with_context(**context)
            .run()
        )
        self.assertIn("download=true", result["url"])
        workbook = openpyxl.load_workbook(io.BytesIO(base64.b64decode(wizard.xlsx_file)), read_only=True)
        summary = [row[0] for row in workbook["Summary"].iter_rows(values_only=True)]
        self.assertIn("Scope Plain Customer", summary)
        self.assertNotIn("Scope Followed Customer", summary)
        self.assertNotIn("Scope Confidential Customer", summary)
        self.assertIn("2 customers above your clearance left out", summary)
        details = [row[0] for row in workbook["Details"].iter_rows(values_only=True)]
        self.assertEqual(set(details[1:]), {"Scope Plain Customer"})
