import base64
import io
import json
from datetime import date, timedelta

import lxml.html
import openpyxl
from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, tagged

from .common import CreditControlCommon, new_user, post_customer_invoice

PERIOD_FROM = date(2024, 3, 1)
PERIOD_TO = date(2024, 3, 31)
PIXEL_PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="


class StatementCommon(CreditControlCommon):
    """A book around March 2024: an invoice of 1,000 before the period, paid 400 in it, an
    invoice of 500 and a credit note of 100 in it, and an invoice of 300 after it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.accountant = new_user(
            cls.env, "ccm_statement_accountant", "account.group_account_invoice", cls.company
        )
        cls.customer.write({"lang": "en_US", "email": "customer@example.com"})

    @classmethod
    def _invoice(cls, amount, due, partner=None, move_type="out_invoice"):
        return post_customer_invoice(cls.env, partner or cls.customer, amount, due, move_type)

    @classmethod
    def _pay(cls, invoice, amount, payment_date):
        return (
            cls.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"amount": amount, "payment_date": payment_date, "payment_difference_handling": "open"})
            ._create_payments()
        )

    @classmethod
    def _build_book(cls):
        cls.invoice_a = cls._invoice(1000, date(2024, 3, 2))  # dated 2024-02-01
        cls.invoice_b = cls._invoice(500, date(2024, 4, 4))  # dated 2024-03-05
        cls.refund_c = cls._invoice(100, date(2024, 4, 9), move_type="out_refund")  # dated 2024-03-10
        cls._pay(cls.invoice_a, 400, date(2024, 3, 20))
        cls._invoice(300, date(2024, 5, 5))  # dated 2024-04-05: after the period

    def _statement(self, user=None, **vals):
        return (
            self.env["credit.statement"]
            .with_user(user or self.accountant)
            .create(
                {
                    "partner_id": self.customer.id,
                    "company_id": self.company.id,
                    "date_from": PERIOD_FROM,
                    "date_to": PERIOD_TO,
                    **vals,
                }
            )
        )


@tagged("post_install", "-at_install")
class TestCreditStatement(StatementCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._build_book()

    def test_statement_amounts(self):
        with freeze_time("2024-04-15"):
            statement = self._statement()
        self.assertEqual(statement.opening_balance, 1000)
        self.assertEqual(statement.invoiced_amount, 500)
        self.assertEqual(statement.credited_amount, -100)
        self.assertEqual(statement.paid_amount, -400)
        self.assertEqual(statement.closing_balance, 1000)
        self.assertEqual(statement.overdue_amount, 600)
        self.assertEqual(
            statement.opening_balance
            + statement.invoiced_amount
            + statement.credited_amount
            + statement.paid_amount,
            statement.closing_balance,
        )
        self.assertTrue(statement.name.startswith("SOA/"))
        self.assertEqual(statement.state, "draft")

    def test_statement_pdf_html(self):
        with freeze_time("2024-04-15"):
            statement = self._statement()
            html, _format = (
                self.env["ir.actions.report"]
                .with_user(self.accountant)
                ._render_qweb_html("customer_credit_management.credit_statement_report_action", statement.ids)
            )
        tree = lxml.html.fromstring(html.decode())

        def cell(css):
            return " ".join(tree.find_class(css)[0].text_content().replace("\ufeff", "").split())

        self.assertIn("1,000.00", cell("o_statement_opening"))
        self.assertIn("500.00", cell("o_statement_invoiced"))
        self.assertIn("-100.00", cell("o_statement_credited"))
        self.assertIn("-400.00", cell("o_statement_paid"))
        self.assertIn("1,000.00", cell("o_statement_closing"))
        buckets = [" ".join(td.text_content().split()) for td in tree.find_class("o_statement_bucket")]
        self.assertIn("400.00", buckets[0], "not due: 500 - 100")
        self.assertIn("600.00", buckets[1], "1-30 days: 1,000 - 400 paid")
        self.assertIn("0.00", buckets[2])
        movements = tree.find_class("o_statement_movement")
        self.assertEqual(len(movements), 3, "the invoice, the credit note and the payment of March")
        items = [" ".join(tr.text_content().split()) for tr in tree.find_class("o_statement_item")]
        self.assertEqual(len(items), 3)
        self.assertIn(self.invoice_a.name, items[0])
        self.assertIn("29", items[0], "due on 2024-03-02: 29 days overdue on 2024-03-31")
        self.assertNotIn("Interest", html.decode(), "interest is off by default")

    def test_statement_xlsx(self):
        with freeze_time("2024-04-15"):
            statement = self._statement()
            statement.action_export_xlsx()
        workbook = openpyxl.load_workbook(io.BytesIO(base64.b64decode(statement.xlsx_file)))
        summary = {row[0]: row[1] for row in workbook["Statement"].iter_rows(values_only=True) if row[0]}
        self.assertEqual(summary["Opening Balance"], 1000)
        self.assertEqual(summary["Invoices"], 500)
        self.assertEqual(summary["Credit Notes"], -100)
        self.assertEqual(summary["Payments and Other"], -400)
        self.assertEqual(summary["Closing Balance"], 1000)
        rows = list(workbook["Statement"].iter_rows(values_only=True))
        aging_header = next(index for index, row in enumerate(rows) if row[0] == "Aging")
        self.assertEqual(rows[aging_header][1:3], ("Not Due", "1-30 Days"))
        self.assertEqual(rows[aging_header + 1][1:4], (400, 600, 0))
        movements = list(workbook["Movements"].iter_rows(min_row=2, values_only=True))
        self.assertEqual(sorted(row[4] for row in movements), [-400, -100, 500])
        items = list(workbook["Open Items"].iter_rows(min_row=2, values_only=True))
        self.assertEqual(
            sorted((row[0], row[3], row[5]) for row in items),
            sorted(
                [
                    (self.invoice_a.name, 29, 600),
                    (self.invoice_b.name, -4, 500),
                    (self.refund_c.name, -9, -100),
                ]
            ),
        )

    def test_statement_in_customer_language(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.customer.lang = "zh_CN"
        with freeze_time("2024-04-15"):
            statement = self._statement()
            html, _format = (
                self.env["ir.actions.report"]
                .with_user(self.accountant)
                ._render_qweb_html("customer_credit_management.credit_statement_report_action", statement.ids)
            )
        self.assertIn('data-oe-lang="zh_CN"', html.decode())

    def test_only_accountants_make_statements(self):
        with self.assertRaises(AccessError):
            self._statement(user=self.salesperson)

    def test_state_and_amounts_not_writable(self):
        with freeze_time("2024-04-15"):
            statement = self._statement()
        for vals in ({"state": "confirmed"}, {"closing_balance": 0}, {"response_channel": "portal"}):
            with self.assertRaises(UserError):
                statement.write(vals)
        statement.action_mark_sent()
        with self.assertRaises(UserError):
            statement.date_to = date(2024, 4, 30)

    def test_statement_only_for_readable_customer(self):
        level = self.env.ref("customer_credit_management.confidentiality_level_secret")
        self.customer.sudo().write({"confidentiality_level_proposed_id": level.id})
        self.customer.sudo().action_approve_confidentiality_level()
        with self.assertRaises(AccessError):
            self._statement()

    def test_print_and_export_are_logged(self):
        level = self.env.ref("customer_credit_management.confidentiality_level_confidential")
        self.customer.sudo().write({"confidentiality_level_proposed_id": level.id})
        self.customer.sudo().action_approve_confidentiality_level()
        self.accountant.sudo().customer_clearance_level_id = level
        with freeze_time("2024-04-15"):
            statement = self._statement()
            self.env["ir.actions.report"].with_user(self.accountant)._render_qweb_html(
                "customer_credit_management.credit_statement_report_action", statement.ids
            )
            statement.action_export_xlsx()
        logs = (
            self.env["customer.access.log"]
            .sudo()
            .search([("partner_id", "=", self.customer.id), ("user_id", "=", self.accountant.id)])
        )
        self.assertIn("print", logs.mapped("action"))
        self.assertIn("export", logs.mapped("action"))

    def test_send_and_accountant_records_answer(self):
        with freeze_time("2024-04-15"):
            statement = self._statement()
            action = statement.action_send()
            composer = (
                self.env["mail.compose.message"]
                .with_user(self.accountant)
                .with_context(**action["context"])
                .create({})
            )
            self.assertEqual(
                composer.template_id,
                self.env.ref("customer_credit_management.mail_template_credit_statement"),
            )
            composer._action_send_mail()
            self.assertEqual(statement.state, "sent")
            self.assertEqual(statement.sent_date, date(2024, 4, 15))
            message = statement.message_ids.filtered(lambda m: m.attachment_ids)[:1]
            # The statement's report, attached (as HTML in test mode, where Odoo renders no PDF).
            self.assertTrue(
                any(name.startswith("Statement_SOA") for name in message.attachment_ids.mapped("name"))
            )
            statement.write({"response_name": "Ms Zhang", "response_note": "Invoice B is 450, not 500."})
            statement.action_record_dispute()
        self.assertEqual(statement.state, "disputed")
        self.assertEqual(statement.response_channel, "accountant")
        self.assertTrue(statement.response_date)

    def test_monthly_schedule(self):
        self.customer.credit_statement_schedule = "monthly"
        with freeze_time("2024-04-02"):
            self.env["credit.statement"]._cron_send_monthly_statements()
            self.env["credit.statement"]._cron_send_monthly_statements()  # once a month
        statement = self.env["credit.statement"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual(len(statement), 1)
        self.assertEqual((statement.date_from, statement.date_to), (PERIOD_FROM, PERIOD_TO))
        self.assertEqual(statement.state, "sent")
        self.assertEqual(statement.closing_balance, 1000)


@tagged("post_install", "-at_install")
class TestStatementPortal(StatementCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._build_book()
        cls.contact.email = "buyer@example.com"
        cls.portal_user = new_user(
            cls.env, "ccm_statement_portal", "base.group_portal", partner_id=cls.contact.id
        )
        cls.other = cls.env["res.partner"].create({"name": "Other Customer", "is_company": True})
        other_contact = cls.env["res.partner"].create({"name": "Other Buyer", "parent_id": cls.other.id})
        cls.other_user = new_user(
            cls.env, "ccm_statement_other", "base.group_portal", partner_id=other_contact.id
        )

    def _accept(self, statement, name="Buyer"):
        response = self.url_open(
            f"/my/statements/{statement.id}/accept",
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "method": "call",
                    "id": 1,
                    "params": {"name": name, "signature": PIXEL_PNG},
                }
            ),
            headers={"Content-Type": "application/json"},
        )
        return response.json()["result"]

    def test_portal_confirmation(self):
        with freeze_time("2024-04-15"):
            statement = self._statement()
        statement.action_mark_sent()
        self.authenticate("ccm_statement_other", "ccm_statement_other")
        self.assertEqual(self.url_open(f"/my/statements/{statement.id}").status_code, 404)
        self.assertIn("error", self._accept(statement, "Intruder"))
        self.assertEqual(statement.state, "sent")
        self.assertFalse(self.url_open("/my/statements").text.count(statement.name))

        self.authenticate("ccm_statement_portal", "ccm_statement_portal")
        page = self.url_open(f"/my/statements/{statement.id}")
        self.assertEqual(page.status_code, 200)
        self.assertIn(statement.name, page.text)
        self.assertIn("o_statement_closing", page.text)
        self.assertIn(statement.name, self.url_open("/my/statements").text)
        result = self._accept(statement, "Buyer Wang")
        self.assertNotIn("error", result)
        statement.invalidate_recordset()
        self.assertEqual(statement.state, "confirmed")
        self.assertEqual(statement.response_name, "Buyer Wang")
        self.assertEqual(statement.response_channel, "portal")
        self.assertTrue(statement.response_date)
        self.assertTrue(statement.response_signature)

    def test_portal_hides_drafts(self):
        with freeze_time("2024-04-15"):
            statement = self._statement()
        self.authenticate("ccm_statement_portal", "ccm_statement_portal")
        self.assertEqual(self.url_open(f"/my/statements/{statement.id}").status_code, 404)


@tagged("post_install", "-at_install")
class TestCollectionInterest(StatementCommon):
    DUE = date(2024, 3, 1)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.write({"lang": "en_US"})
        cls.invoice_contact = cls.env["res.partner"].create(
            {
                "name": "Accounts Payable",
                "type": "invoice",
                "parent_id": cls.customer.id,
                "email": "ap@example.com",
            }
        )
        cls.company.write(
            {"credit_interest_enabled": True, "credit_interest_rate": 3.65, "credit_interest_basis": "365"}
        )
        cls.level_4 = cls.env.ref("customer_credit_management.credit_reminder_level_4")
        income = cls.company_data["default_account_revenue"]
        cls.interest_product = cls.env["product.product"].create(
            {
                "name": "Late-payment interest",
                "type": "service",
                "property_account_income_id": income.id,
                "taxes_id": [Command.clear()],
            }
        )
        cls.fee_product = cls.env["product.product"].create(
            {
                "name": "Collection fee",
                "type": "service",
                "property_account_income_id": income.id,
                "taxes_id": [Command.clear()],
            }
        )

    def _run(self, day):
        with freeze_time(day):
            self.env.flush_all()
            wizard = (
                self.env["credit.reminder.run"]
                .with_user(self.accountant)
                .create({"date": day, "company_id": self.company.id})
            )
            wizard.action_propose()
            letters = wizard.reminder_ids
            if letters:
                wizard.action_mark_sent()
            self.env.flush_all()
            return letters.with_user(self.accountant)

    def _html(self, letters):
        html, _format = (
            self.env["ir.actions.report"]
            .with_user(self.accountant)
            ._render_qweb_html("customer_credit_management.credit_reminder_report_action", letters.ids)
        )
        return html.decode()

    def test_interest_hand_worked_with_partial_payment(self):
        """1,000 due 2024-03-01, 400 paid on 2024-03-11 (10 days late), 600 open on 2024-05-31
        (91 days late), 3.65 % a year on 365 days:
        0.0365 * (600 * 91 + 400 * 10) / 365 = 0.0365 * 58,600 / 365 = 5.86."""
        invoice = self._invoice(1000, self.DUE)
        self._pay(invoice, 400, date(2024, 3, 11))
        as_of = date(2024, 5, 31)
        items = self.env["credit.receivable"].get_open_items(
            as_of, self.company, partner_ids=self.customer.ids
        )
        interest = self.env["credit.interest"]._interest_by_line(items, as_of, self.company)
        self.assertEqual(interest, {invoice.line_ids.filtered("date_maturity").id: (91, 5.86)})
        self.company.credit_interest_basis = "360"
        interest = self.env["credit.interest"]._interest_by_line(items, as_of, self.company)
        self.assertAlmostEqual(next(iter(interest.values()))[1], round(0.0365 * 58600 / 360, 2))
        self.company.credit_interest_enabled = False
        self.assertFalse(self.env["credit.interest"]._interest_by_line(items, as_of, self.company))

    def test_interest_and_fee_in_letter_4_and_invoiced(self):
        self.level_4.fee_amount = 50
        self._invoice(1000, self.DUE)
        first = self._run(self.DUE + timedelta(days=1))
        self.assertFalse(first.amount_interest, "letter 1 does not itemise interest")
        self.assertFalse(first.amount_fee)
        self._run(self.DUE + timedelta(days=16))
        self._run(self.DUE + timedelta(days=61))
        fourth = self._run(self.DUE + timedelta(days=91))
        self.assertEqual(fourth.level_id, self.level_4)
        # 1,000 * 3.65 % * 91 / 365 = 9.10
        self.assertEqual(fourth.amount_interest, 9.10)
        self.assertEqual(fourth.line_ids.interest, 9.10)
        self.assertEqual(fourth.line_ids.interest_days, 91)
        self.assertEqual(fourth.amount_fee, 50)
        tree = lxml.html.fromstring(self._html(fourth))
        self.assertIn("9.10", tree.find_class("o_credit_letter_interest")[0].text_content())
        self.assertIn("50.00", tree.find_class("o_credit_letter_fee")[0].text_content())
        self.assertTrue(tree.find_class("o_credit_letter_interest_formula"))

        self.company.write(
            {
                "credit_interest_product_id": self.interest_product.id,
                "credit_fee_product_id": self.fee_product.id,
            }
        )
        fourth.action_invoice_charges()
        move = fourth.charge_move_id
        self.assertEqual(move.move_type, "out_invoice")
        self.assertEqual(move.state, "draft")
        self.assertEqual(move.partner_id.commercial_partner_id, self.customer)
        self.assertEqual(
            sorted((line.product_id, line.price_unit) for line in move.invoice_line_ids),
            sorted([(self.interest_product, 9.10), (self.fee_product, 50.0)]),
        )
        self.assertEqual(move.invoice_line_ids.account_id, self.company_data["default_account_revenue"])
        self.assertEqual(move.amount_total, 59.10)

    def test_letter_1_references_last_statement(self):
        self._invoice(1000, self.DUE)
        with freeze_time("2024-03-01"):
            statement = self._statement(date_from=date(2024, 2, 1), date_to=date(2024, 2, 29))
            statement.action_mark_sent()
        first = self._run(self.DUE + timedelta(days=1))
        self.assertEqual(first.level_id.sequence, 1)
        self.assertEqual(first.statement_id, statement)
        reference = lxml.html.fromstring(self._html(first)).find_class("o_credit_letter_statement")
        self.assertIn(statement.name, reference[0].text_content())
        second = self._run(self.DUE + timedelta(days=16))
        self.assertFalse(second.statement_id)

    def test_pre_due_reminder(self):
        self._invoice(1000, self.DUE)
        self.assertFalse(self._run(self.DUE - timedelta(days=5)), "off by default")
        self.company.credit_pre_due_days = 5
        self.assertFalse(self._run(self.DUE - timedelta(days=6)), "not yet within 5 days of the due date")
        reminder = self._run(self.DUE - timedelta(days=5))
        self.assertEqual(reminder.level_sequence, 0)
        self.assertEqual(reminder.amount_overdue, 1000)
        self.assertEqual(reminder.pay_by_date, self.DUE)
        self.assertFalse(self._run(self.DUE - timedelta(days=3)), "once per document")
        first = self._run(self.DUE + timedelta(days=1))
        self.assertEqual(
            first.level_id.sequence, 1, "the chain starts at letter 1 after the courtesy reminder"
        )
        self.assertFalse(first.previous_id)
