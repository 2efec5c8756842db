import io
import logging
import re
from datetime import date, timedelta

import lxml.html
import psycopg2
from freezegun import freeze_time

from odoo import sql_db
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger
from odoo.tools.pdf import PdfFileReader

from odoo.addons.base.models.ir_actions_report import _get_wkhtmltopdf_bin

from ..models.receivables.credit_reminder import amount_in_chinese
from .common import CreditControlCommon, new_user, post_customer_invoice

_logger = logging.getLogger(__name__)

DUE = date(2024, 3, 1)
PIXEL_PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="


@tagged("post_install", "-at_install")
class TestCreditReminder(CreditControlCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.accountant = new_user(
            cls.env, "ccm_reminder_accountant", "account.group_account_invoice", cls.company
        )
        cls.customer.write({"email": "customer@example.com", "lang": "en_US"})
        cls.invoice_contact = cls.env["res.partner"].create(
            {
                "name": "Accounts Payable",
                "type": "invoice",
                "parent_id": cls.customer.id,
                "email": "ap@example.com",
            }
        )
        cls.levels = cls.env["credit.reminder.level"].search([])

    @classmethod
    def _invoice(cls, amount, due=DUE, partner=None, move_type="out_invoice"):
        return post_customer_invoice(cls.env, partner or cls.customer, amount, due, move_type)

    def _pay(self, invoice, amount, payment_date):
        return (
            self.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"amount": amount, "payment_date": payment_date, "payment_difference_handling": "open"})
            ._create_payments()
        )

    def _run(self, day, send=True, **values):
        """Collection run as the accountant on ``day``; the proposed letters, marked sent."""
        with freeze_time(day):
            self.env.flush_all()
            wizard = (
                self.env["credit.reminder.run"]
                .with_user(self.accountant)
                .create({"date": day, "company_id": self.company.id, **values})
            )
            wizard.action_propose()
            letters = wizard.reminder_ids
            if send and letters:
                wizard.action_mark_sent()
            self.env.flush_all()
            return letters.with_user(self.accountant)

    def _html(self, letters, lang="en_US"):
        letters.partner_id.sudo().lang = lang
        html, _format = (
            self.env["ir.actions.report"]
            .with_user(self.accountant)
            ._render_qweb_html("customer_credit_management.credit_reminder_report_action", letters.ids)
        )
        return html.decode()

    def test_default_levels(self):
        self.assertEqual(self.levels.mapped("sequence"), [1, 2, 3, 4, 5])
        self.assertEqual(
            self.levels.mapped("signer_role"), ["clerk", "supervisor", "manager", "manager", "legal"]
        )
        self.assertEqual(self.levels.mapped("effect"), ["none", "none", "none", "collection", "litigation"])

    def test_escalation_over_time(self):
        invoice = self._invoice(600)
        self._invoice(400, due=DUE + timedelta(days=20))  # not yet due on the first letters
        self.assertFalse(self._run(DUE), "nothing is overdue on the due date")
        first = self._run(DUE + timedelta(days=1))
        self.assertEqual(first.level_id.sequence, 1)
        self.assertEqual(first.partner_id, self.customer)
        self.assertEqual(first.contact_id, self.invoice_contact)
        self.assertEqual(first.amount_overdue, 600)
        self.assertEqual(first.line_ids.move_id, invoice)
        self.assertEqual(first.pay_by_date, DUE + timedelta(days=8))
        self.assertFalse(self._run(DUE + timedelta(days=15)), "the second letter waits half a month")
        second = self._run(DUE + timedelta(days=16))
        self.assertEqual(second.level_id.sequence, 2)
        self.assertEqual(second.previous_id, first)
        self.assertEqual(second.amount_overdue, 600)
        self.assertFalse(self._run(DUE + timedelta(days=31)), "the third letter waits for 60 days overdue")
        third = self._run(DUE + timedelta(days=61))
        self.assertEqual(third.level_id.sequence, 3)
        self.assertEqual(third.amount_overdue, 1000, "the second invoice is overdue too: one letter for both")
        self.assertEqual(len(third.line_ids), 2)
        self.assertFalse(self._run(DUE + timedelta(days=89)))
        fourth = self._run(DUE + timedelta(days=91))
        self.assertEqual(fourth.level_id.sequence, 4)
        self.assertFalse(self._run(DUE + timedelta(days=119)))
        fifth = self._run(
            DUE + timedelta(days=121), law_firm="Zhong Lun Law Firm", filing_date=DUE + timedelta(days=140)
        )
        self.assertEqual(fifth.level_id.sequence, 5)
        self.assertEqual(fifth.law_firm, "Zhong Lun Law Firm")
        self.assertEqual(fifth._previous_letters(), first + second + third + fourth)
        self.assertFalse(self._run(DUE + timedelta(days=200)), "nothing comes after the last level")

    def test_run_wizard_form_and_print_all(self):
        other = self.env["res.partner"].create({"name": "Other Customer", "is_company": True})
        self._invoice(100)
        self._invoice(300, partner=other)
        day = DUE + timedelta(days=1)
        with freeze_time(day):
            form = Form(self.env["credit.reminder.run"].with_user(self.accountant))
            form.date = day
            wizard = form.save()
            wizard.action_propose()
            self.assertEqual(wizard.state, "proposed")
            self.assertEqual(wizard.reminder_ids.partner_id, self.customer + other)
            action = wizard.action_print()
            self.assertEqual(action["report_name"], "customer_credit_management.credit_reminder_report")
            self.assertEqual(sorted(action["context"]["active_ids"]), sorted(wizard.reminder_ids.ids))
            html = self._html(wizard.reminder_ids)
            self.assertIn("Credit Customer", html)
            self.assertIn("Other Customer", html)
            wizard.action_mark_sent()
            self.assertEqual(set(wizard.reminder_ids.mapped("state")), {"sent"})
        self.assertEqual(self.customer.credit_reminder_count, 1)

    def test_level_body_refuses_unknown_values(self):
        level = self.levels[0]
        with self.assertRaisesRegex(ValidationError, "unknown values"):
            level.body = "<p>Pay {amount} by {tomorrow}</p>"

    def test_one_letter_per_customer_per_run(self):
        other = self.env["res.partner"].create({"name": "Other Customer", "is_company": True})
        self._invoice(100)
        self._invoice(200, due=DUE - timedelta(days=5))
        self._invoice(300, partner=other)
        letters = self._run(DUE + timedelta(days=1))
        self.assertEqual(len(letters), 2)
        mine = letters.filtered(lambda letter: letter.partner_id == self.customer)
        self.assertEqual(mine.amount_overdue, 300)
        self.assertEqual(mine.days_overdue, 6)
        self.assertEqual(sorted(mine.line_ids.mapped("residual")), [100, 200])

    def test_draft_letter_not_proposed_twice(self):
        self._invoice(100)
        draft = self._run(DUE + timedelta(days=1), send=False)
        self.assertEqual(draft.state, "draft")
        self.assertFalse(self._run(DUE + timedelta(days=2), send=False))
        draft.action_cancel()
        self.assertEqual(len(self._run(DUE + timedelta(days=3), send=False)), 1)

    def test_payment_resets_escalation(self):
        invoice = self._invoice(500)
        self._run(DUE + timedelta(days=1))
        self._pay(invoice, 500, DUE + timedelta(days=5))
        self.assertFalse(self._run(DUE + timedelta(days=16)), "a customer who paid everything gets no letter")
        # A new debt starts again at the first letter.
        self._invoice(250, due=DUE + timedelta(days=30))
        letter = self._run(DUE + timedelta(days=31))
        self.assertEqual(letter.level_id.sequence, 1)
        self.assertFalse(letter.previous_id)
        self.assertEqual(letter.amount_overdue, 250)

    def test_partial_payment_keeps_escalating(self):
        invoice = self._invoice(500)
        self._run(DUE + timedelta(days=1))
        self._pay(invoice, 200, DUE + timedelta(days=5))
        second = self._run(DUE + timedelta(days=16))
        self.assertEqual(second.level_id.sequence, 2)
        self.assertEqual(second.amount_overdue, 300)
        self.assertEqual(second.line_ids.residual, 300)

    def test_letter_three_rendering_english_and_chinese(self):
        self.customer.credit_term_days_override = 30
        self._invoice(1234.5)
        first = self._run(DUE + timedelta(days=1))
        second = self._run(DUE + timedelta(days=16))
        third = self._run(DUE + timedelta(days=61))
        self.assertEqual(third.level_id.sequence, 3)
        self.assertEqual(third.credit_term_days, 30)

        html = self._html(third)
        self.assertIn("We wrote to you on March 2, 2024 and March 17, 2024", html.replace("\n", " "))
        self.assertIn("more than two months late", html)
        self.assertIn("1,234.50", html)
        self.assertIn("One Thousand, Two Hundred And Thirty-Four", html)
        self.assertIn(third.line_ids.move_id.name, html)
        self.assertIn("Manager, Finance Department", html)
        self.assertIn("before May 11, 2024", html)  # pay by, 10 days after the letter

        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(
            ["customer_credit_management"], ["zh_CN"], overwrite=True
        )
        html = self._html(third, lang="zh_CN")
        self.assertIn("我们于2024年3月2日和2024年3月17日就贵公司逾期", html)
        self.assertIn("请速于2024年5月11日前结清全部款项", html)
        self.assertIn("此款项已经延误了两个多月", html)
        # The currency's own unit in words: dollars are 美元, not 元.
        self.assertIn("壹仟贰佰叁拾肆美元伍角整", html)
        self.assertNotIn("USD 壹", html)
        self.assertIn("1,234.50", html)
        self.assertIn("财务部经理", html)
        self.assertIn("第三次提醒信", html)
        self.assertIn(third.line_ids.move_id.name, html)
        # Earlier letters keep their own text.
        self.assertIn("半个月前", self._html(second, lang="zh_CN"))
        self.assertIn("烦请即刻支付", self._html(first, lang="zh_CN"))

    def test_amount_in_chinese(self):
        self.assertEqual(amount_in_chinese(1234.5), "壹仟贰佰叁拾肆元伍角整")
        self.assertEqual(amount_in_chinese(10000, "美元"), "壹万美元整")
        self.assertEqual(amount_in_chinese(100001), "壹拾万零壹元整")
        self.assertEqual(amount_in_chinese(100001000), "壹亿零壹仟元整")
        self.assertEqual(amount_in_chinese(1005.07), "壹仟零伍元零柒分")

    def test_final_reminder_holds_and_payment_lifts(self):
        invoice = self._invoice(500)
        for days in (1, 16, 61):
            self._run(DUE + timedelta(days=days))
        self.assertFalse(self.customer.credit_hold)
        fourth = self._run(DUE + timedelta(days=91), send=False)
        self.assertEqual(fourth.level_id.effect, "collection")
        self.assertFalse(self.customer.credit_hold, "a draft letter does nothing yet")
        fourth.action_mark_sent()
        self.assertTrue(self.customer.credit_hold)
        self.assertEqual(self.customer.credit_hold_reason, "collection")
        with freeze_time(DUE + timedelta(days=92)):
            order = self._order(10, user=self.salesperson)
            with self.assertRaisesRegex(UserError, "on credit hold"):
                order.with_user(self.salesperson).action_confirm()
            # Paying the overdue receivables in full lifts the hold at once.
            self._pay(invoice, 500, DUE + timedelta(days=92))
            self.assertFalse(self.customer.credit_hold)
            order.with_user(self.salesperson).action_confirm()
            self.assertEqual(order.state, "sale")

    def test_manual_hold_survives_collection(self):
        invoice = self._invoice(500)
        for days in (1, 16, 61):
            self._run(DUE + timedelta(days=days))
        self.customer.with_user(self.credit_manager).action_credit_hold()
        self._run(DUE + timedelta(days=91))
        self.assertEqual(self.customer.credit_hold_reason, "manual")
        with freeze_time(DUE + timedelta(days=92)):
            self._pay(invoice, 500, DUE + timedelta(days=92))
        self.assertTrue(self.customer.credit_hold, "only the holds set by collection are lifted by payment")

    def test_hold_set_by_hand_survives_collection(self):
        """A hold a Credit Manager set on the form (no reason) is a manual hold: a collection
        letter does not take it over, so a payment does not lift it."""
        invoice = self._invoice(500)
        for days in (1, 16, 61):
            self._run(DUE + timedelta(days=days))
        self.customer.with_user(self.credit_manager).write(
            {"credit_hold": True, "credit_hold_note": "By phone"}
        )
        fourth = self._run(DUE + timedelta(days=91))
        self.assertEqual(fourth.level_id.effect, "collection")
        self.assertFalse(self.customer.credit_hold_reason)
        with freeze_time(DUE + timedelta(days=92)):
            self._pay(invoice, 500, DUE + timedelta(days=92))
            self.env["res.partner"]._cron_credit_hold_collection()
        self.assertTrue(self.customer.credit_hold, "only the holds set by collection are lifted by payment")
        self.assertEqual(self.customer.credit_hold_note, "By phone")

    def test_final_demand_marks_pre_litigation(self):
        self._invoice(500)
        for days in (1, 16, 61, 91):
            self._run(DUE + timedelta(days=days))
        fifth = self._run(DUE + timedelta(days=121), send=False)
        with self.assertRaisesRegex(UserError, "law firm"):
            fifth.action_mark_sent()
        fifth.write({"law_firm": "Zhong Lun Law Firm", "filing_date": DUE + timedelta(days=140)})
        fifth.action_mark_sent()
        self.assertEqual(self.customer.credit_hold_reason, "litigation")
        html = self._html(fifth)
        self.assertIn("We have instructed Zhong Lun Law Firm", html)
        self.assertIn("which we plan to file on July 19, 2024", html)
        # A Credit Manager can lift the hold.
        self.customer.with_user(self.credit_manager).action_credit_release_hold()
        self.assertFalse(self.customer.credit_hold)

    def test_daily_release_of_collection_holds(self):
        self._invoice(500)
        other = self.env["res.partner"].create({"name": "Manual Hold", "is_company": True})
        other.with_user(self.credit_manager).action_credit_hold()
        self.customer.sudo().write({"credit_hold": True, "credit_hold_reason": "collection"})
        Partner = self.env["res.partner"]
        with freeze_time(DUE + timedelta(days=100)):
            Partner._cron_credit_hold_collection()
            self.assertTrue(self.customer.credit_hold, "still owing")
            # Settled by an open credit note, without reconciliation: the daily action catches
            # what the payment hook does not see.
            self._invoice(500, due=DUE + timedelta(days=50), move_type="out_refund")
            Partner._cron_credit_hold_collection()
            self.assertFalse(self.customer.credit_hold)
            self.assertTrue(other.credit_hold, "a manual hold stays")

    def test_level_in_use_cannot_be_deleted(self):
        self._invoice(100)
        letter = self._run(DUE + timedelta(days=1), send=False)
        with self.assertRaises(UserError):
            letter.level_id.sudo().unlink()

    def test_email_with_pdf_attached(self):
        self._invoice(500)
        letter = self._run(DUE + timedelta(days=1), send=False)
        with freeze_time(DUE + timedelta(days=1)):
            letter.action_send_email()
        self.assertEqual(letter.state, "sent")
        mail = self.env["mail.mail"].search([("model", "=", "credit.reminder"), ("res_id", "=", letter.id)])
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.state, "outgoing")
        self.assertIn(self.invoice_contact, mail.recipient_ids)
        self.assertIn(letter.name, mail.subject)
        attachment = mail.attachment_ids
        self.assertEqual(len(attachment), 1)
        # Tests render reports as HTML instead of PDF (Odoo's test mode): the letter is in it.
        self.assertTrue(attachment.name.startswith("Collection_Letter_"))
        self.assertIn(b"Please pay this amount to us at once", attachment.raw)

    def _pdf(self, letters):
        # Odoo's test mode renders HTML unless forced: here the real wkhtmltopdf runs. It would
        # fetch the styles from the test server, which waits for this test's cursor: a deadlock.
        # The report URL points at a closed port instead (styles are not what is tested here).
        self.env["ir.config_parameter"].sudo().set_param("report.url", "http://127.0.0.1:9")
        pdf, _format = (
            self.env["ir.actions.report"]
            .with_user(self.accountant)
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf("customer_credit_management.credit_reminder_report_action", letters.ids)
        )
        return pdf

    def test_print_all_as_one_pdf(self):
        """Two letters or more at once print as one PDF, also with a wkhtmltopdf built on an
        unpatched Qt (Debian's), which prints one HTML document per run."""
        if not _get_wkhtmltopdf_bin():
            self.skipTest("wkhtmltopdf is not installed")
        other = self.env["res.partner"].create({"name": "Other Customer", "is_company": True})
        self._invoice(100)
        self._invoice(300, partner=other)
        letters = self._run(DUE + timedelta(days=1), send=False)
        self.assertEqual(len(letters), 2)
        pdf = self._pdf(letters)
        self.assertTrue(pdf.startswith(b"%PDF"))
        self.assertGreaterEqual(len(PdfFileReader(io.BytesIO(pdf)).pages), 2)

    def test_letterhead_salutation_and_closing_in_the_body(self):
        self.company.write(
            {
                "street": "88 Century Avenue",
                "city": "Shanghai",
                "phone": "+86 21 5555 0100",
                "logo": PIXEL_PNG,
            }
        )
        title = self.env["res.partner.title"].create({"name": "Mister", "shortcut": "Mr."})
        self.invoice_contact.write({"name": "Li Wei", "title": title.id})
        self._invoice(500)
        letter = self._run(DUE + timedelta(days=1), send=False)
        page = lxml.html.fromstring(self._html(letter)).xpath("//div[hasclass('page')]")[0]
        # The letterhead is in the letter itself: no wkhtmltopdf header needed.
        letterhead = page.xpath(".//*[hasclass('o_credit_letterhead')]")[0].text_content()
        self.assertIn(self.company.name, letterhead)
        self.assertIn("88 Century Avenue", letterhead)
        self.assertIn("+86 21 5555 0100", letterhead)
        self.assertTrue(
            page.xpath(".//*[hasclass('o_credit_letterhead')]//img[starts-with(@src, 'data:image/png')]")
        )
        text = " ".join(page.text_content().split())
        self.assertIn("Dear Mr. Li Wei,", text)
        self.assertNotIn("Dear Sir or Madam", text)
        # The closing comes after the itemised documents, before the signature.
        self.assertLess(text.index(letter.line_ids.move_id.name), text.index("Yours faithfully,"))
        self.assertLess(text.index("Yours faithfully,"), text.index("Accounts Clerk, Finance Department"))
        # Without a person to address: Sir or Madam.
        letter.sudo().contact_id = self.customer
        self.assertIn("Dear Sir or Madam,", self._html(letter))

    def test_chinese_letter_texts_use_chinese_punctuation(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(
            ["customer_credit_management"], ["zh_CN"], overwrite=True
        )
        # ASCII , : ; ! ? ( ) next to a Chinese character or a quoted value in a Chinese sentence.
        ascii_in_chinese = re.compile(r"[\u4e00-\u9fff{}][,:;!?()]|[,:;!?()][\u4e00-\u9fff{}]")
        for level in self.levels.with_context(lang="zh_CN"):
            text = lxml.html.fromstring(level.body).text_content()
            self.assertFalse(ascii_in_chinese.findall(text), f"{level.name}: {text}")

    def test_final_demand_not_printed_without_filing_date(self):
        self._invoice(500)
        for days in (1, 16, 61, 91):
            self._run(DUE + timedelta(days=days))
        fifth = self._run(DUE + timedelta(days=121), send=False, law_firm="Zhong Lun Law Firm")
        self.assertFalse(fifth.filing_date)
        with self.assertRaisesRegex(UserError, "filing date"):
            fifth.action_print()
        with self.assertRaisesRegex(UserError, "filing date"):
            self._html(fifth)
        fifth.filing_date = DUE + timedelta(days=140)
        self.assertIn("which we plan to file on July 19, 2024", self._html(fifth))

    def test_email_refused_without_address(self):
        self.invoice_contact.email = False
        self._invoice(500)
        letter = self._run(DUE + timedelta(days=1), send=False)
        with self.assertRaisesRegex(UserError, "no e-mail address"):
            letter.action_send_email()

    def test_salesperson_cannot_run_collection(self):
        self._invoice(500)
        with self.assertRaises(AccessError):
            self.env["credit.reminder"].with_user(self.salesperson)._propose(
                DUE + timedelta(days=1), self.company
            )
        with self.assertRaises(AccessError):
            self.env["credit.reminder.run"].with_user(self.salesperson).create({"date": DUE})

    def test_concurrent_runs_serialised(self):
        """A run holds its company's row until it commits: a second run of the same company at the
        same moment waits for it, then fails with a serialisation error that Odoo retries, and the
        retry sees the first run's drafts (no two draft letters for one customer)."""
        # A company committed before the test (the test's own company is invisible to others).
        company = self.env.ref("base.main_company")
        self.env["credit.reminder"].sudo()._propose(DUE + timedelta(days=1), company)
        # A connection of its own, outside the test's transaction (and the test cursor of HttpCase).
        with sql_db.db_connect(self.env.cr.dbname).cursor() as other_cr:
            with self.assertRaises(psycopg2.errors.LockNotAvailable), mute_logger("odoo.sql_db"):
                other_cr.execute(
                    "SELECT id FROM res_company WHERE id = %s FOR NO KEY UPDATE NOWAIT", [company.id]
                )

    def test_run_query_count(self):
        """The run's queries grow by a bounded number per customer: one receivables query for all."""
        customers = self.env["res.partner"].create(
            [{"name": f"Bulk Customer {index:02d}", "is_company": True} for index in range(22)]
        )
        for customer in customers:
            self._invoice(100, partner=customer)
        day = DUE + timedelta(days=1)
        Reminder = self.env["credit.reminder"].with_user(self.accountant)

        def run(partners):
            with freeze_time(day):
                self.env.flush_all()
                self.env.invalidate_all()
                queries_before = self.cr.sql_log_count
                letters = Reminder._propose(day, self.company, partners=partners)
                letters.flush_recordset()
                queries = self.cr.sql_log_count - queries_before
                self.assertEqual(len(set(letters.mapped("name"))), len(letters), "each letter has its number")
                return len(letters), queries

        run(customers[:1])  # warms the registry caches (groups, xml ids) that a server keeps
        one, queries_one = run(customers[1:2])
        twenty, queries_twenty = run(customers[2:])
        self.assertEqual((one, twenty), (1, 20))
        per_customer = (queries_twenty - queries_one) / 19
        _logger.info("collection run: %s queries for 1 customer, %s for 20", queries_one, queries_twenty)
        self.assertLessEqual(per_customer, 1.5, f"{queries_one} queries for 1, {queries_twenty} for 20")
