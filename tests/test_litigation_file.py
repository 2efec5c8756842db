"""Issue #19 point 6: the litigation file (诉讼证据包) of a customer who received the final demand:
its documents in one PDF with a SHA-256 manifest, the limitation warning, frozen once issued."""

import base64
import hashlib
import io
import json
import xmlrpc.client
from datetime import date, datetime, timedelta

from freezegun import freeze_time
from PIL import Image

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, tagged

from .common import CREDIT_MANAGER, new_user, post_customer_invoice, xmlrpc_execute
from .test_collection_workbench import ACCOUNTANT, DUE, CollectionCommon

MODULE = "customer_credit_management"


def signature():
    """A small PNG, base64: a signature."""
    buffer = io.BytesIO()
    Image.new("RGB", (4, 2), "black").save(buffer, "PNG")
    return base64.b64encode(buffer.getvalue())


def level(env, sequence):
    return env.ref(f"{MODULE}.credit_reminder_level_{sequence}")


def sent_letter(env, partner, level_sequence, day, **vals):
    """A collection letter of ``level_sequence`` sent to ``partner`` on ``day``."""
    letter = env["credit.reminder"].create(
        {
            "partner_id": partner.id,
            "contact_id": partner.id,
            "level_id": level(env, level_sequence).id,
            "date": day,
            "amount_overdue": 1000,
            "law_firm": "Jade Law Firm",
            "filing_date": day + timedelta(days=30),
            **vals,
        }
    )
    letter.action_mark_sent()
    return letter


@tagged("post_install", "-at_install")
class TestLitigationFile(CollectionCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write(
            {"credit_interest_enabled": True, "credit_interest_rate": 3.65, "credit_interest_basis": "365"}
        )
        cls.env.ref(f"{MODULE}.seq_credit_litigation_file")  # shipped

    def _build_case(self):
        """A customer with every kind of document: a signed and delivered order, invoices, a
        confirmed statement, an e-mailed letter, a final demand posted by registered mail, a payment."""
        order = self._order(100, confirm=True)
        order.write(
            {"signed_by": "Li Lei", "signed_on": datetime(2024, 1, 5, 9, 0), "signature": signature()}
        )
        picking = order.picking_ids
        picking.move_ids.quantity = 1
        picking.button_validate()
        picking.signature = signature()
        invoice = self._invoice(1000)
        self._invoice(500, due=DUE - timedelta(days=60))
        with freeze_time(DUE + timedelta(days=10)):
            self.env["account.payment.register"].with_context(
                active_model="account.move", active_ids=invoice.ids
            ).create(
                {
                    "amount": 200,
                    "payment_date": DUE + timedelta(days=10),
                    "payment_difference_handling": "open",
                }
            )._create_payments()
            statement = self.env["credit.statement"].create(
                {"partner_id": self.customer.id, "date_from": DUE - timedelta(days=90), "date_to": DUE}
            )
            statement.action_mark_sent()
            statement._record_response("confirmed", "Wang Li")
        first = self.env["credit.reminder"].create(
            {
                "partner_id": self.customer.id,
                "contact_id": self.customer.id,
                "level_id": level(self.env, 1).id,
                "date": DUE + timedelta(days=1),
                "amount_overdue": 1000,
            }
        )
        first.with_user(self.accountant).action_send_email()
        final = sent_letter(self.env, self.customer, 5, DUE + timedelta(days=120))
        final.with_user(self.accountant).registered_mail_number = "XA123456789CN"
        return order, picking, invoice, statement, first, final

    def test_file_content_manifest_and_hashes(self):
        order, picking, invoice, statement, first, final = self._build_case()
        day = DUE + timedelta(days=130)
        with freeze_time(day):
            file = (
                self.env["credit.litigation.file"]
                .with_user(self.accountant)
                .create({"partner_id": self.customer.id})
            )
            file.action_assemble()
            with self.assertRaises(AccessError, msg="an accountant prepares, a Credit Manager issues"):
                file.action_issue()
            file.with_user(self.manager).action_issue()
        self.assertEqual(file.state, "issued")
        data = json.loads(file.content)
        kinds = {document["kind"] for document in data["documents"]}
        self.assertEqual(
            kinds, {"order", "delivery", "invoice", "statement", "letter", "payment", "interest"}
        )
        by_reference = {document["reference"]: document for document in data["documents"]}
        self.assertEqual(by_reference[order.name]["signed_by"], "Li Lei")
        self.assertTrue(by_reference[picking.name]["signed"])
        self.assertEqual(by_reference[statement.name]["confirmed_by"], "Wang Li")
        first_proof = by_reference[first.name]["sending_proof"]
        mail = (
            self.env["mail.mail"]
            .sudo()
            .search([("model", "=", "credit.reminder"), ("res_id", "=", first.id)])
        )
        self.assertTrue(mail)
        self.assertIn({"id": mail.id, "state": mail.state, "to": mail.email_to or ""}, first_proof["mails"])
        self.assertEqual(by_reference[final.name]["sending_proof"]["registered_mail"], "XA123456789CN")
        interest = next(document for document in data["documents"] if document["kind"] == "interest")
        self.assertEqual(interest["rate"], 3.65)
        self.assertTrue(interest["total"] > 0)

        # The report prints every kind, the sending proofs and the manifest.
        html = (
            self.env["ir.actions.report"]
            .with_user(self.accountant)
            ._render_qweb_html(f"{MODULE}.credit_litigation_file_report_action", file.ids)[0]
            .decode()
        )
        for needle in (
            order.name,
            "Li Lei",
            picking.name,
            invoice.name,
            statement.name,
            "Wang Li",
            first.name,
            f"mail #{mail.id}",
            "Registered mail no. XA123456789CN",
            "Interest = amount due",
            "o_litigation_payments",
            "Manifest (SHA-256)",
        ):
            self.assertIn(needle, html)
        for document in data["documents"]:
            self.assertIn(document["sha256"], html)

        # The stored file and manifest verify.
        self.assertTrue(file._verify())
        raw = file.pdf_attachment_id.raw
        self.assertEqual(hashlib.sha256(raw).hexdigest(), file.file_sha256)
        manifest = json.loads(file.manifest_attachment_id.raw)
        self.assertEqual(manifest["file_sha256"], file.file_sha256)
        self.assertEqual(len(manifest["documents"]), len(data["documents"]))
        self.assertIn("Manifest (SHA-256)", raw.decode(), "the stored file is the printed one")
        # Tampering is detected.
        self.env.flush_all()
        self.env.cr.execute("UPDATE credit_litigation_file SET file_sha256 = 'x' WHERE id = %s", [file.id])
        file.invalidate_recordset()
        self.assertFalse(file._verify())

    def test_limitation_warning_hand_computed(self):
        # Due on 1 June 2021, never acknowledged: the three years end on 1 June 2024.
        old = post_customer_invoice(self.env, self.customer, 800, date(2021, 6, 1))
        sent_letter(self.env, self.customer, 5, date(2024, 3, 1))
        with freeze_time("2024-04-01"):
            file = (
                self.env["credit.litigation.file"]
                .with_user(self.accountant)
                .create({"partner_id": self.customer.id})
            )
            file.action_assemble()
        self.assertEqual(file.limitation_date, date(2024, 6, 1))
        self.assertTrue(file.limitation_warning, "61 days left")
        limitation = json.loads(file.content)["limitation"]
        self.assertEqual(limitation["days_left"], 61)
        self.assertEqual(limitation["document"], old.name)
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html(f"{MODULE}.credit_litigation_file_report_action", file.ids)[0]
            .decode()
        )
        self.assertIn("o_litigation_limitation_warning", html)
        # Ninety days before the end is not "less than 90 days" away.
        with freeze_time("2024-03-03"):
            file.action_assemble()
        self.assertFalse(file.limitation_warning)
        # A payment promise acknowledges the debt: the period starts again (art. 195).
        with freeze_time("2024-04-01"):
            self.env["credit.payment.promise"].with_user(self.accountant).create(
                {
                    "partner_id": self.customer.id,
                    "amount": 800,
                    "promise_date": date(2024, 4, 30),
                    "move_line_ids": [Command.set(self._receivable_line(old).ids)],
                }
            )
            file.action_assemble()
        self.assertEqual(file.limitation_date, date(2027, 4, 1))
        self.assertFalse(file.limitation_warning)

    def test_only_for_a_customer_who_received_the_final_demand(self):
        self._invoice(1000)
        sent_letter(self.env, self.customer, 4, DUE + timedelta(days=90))
        File = self.env["credit.litigation.file"].with_user(self.accountant)
        with self.assertRaisesRegex(UserError, "final demand before litigation"):
            File.create({"partner_id": self.customer.id})
        with self.assertRaises(AccessError):
            self.env["credit.litigation.file"].with_user(self.salesperson).create(
                {"partner_id": self.customer.id}
            )

    def test_frozen_once_issued(self):
        self._invoice(1000)
        sent_letter(self.env, self.customer, 5, DUE + timedelta(days=130))
        file = (
            self.env["credit.litigation.file"]
            .with_user(self.manager)
            .create({"partner_id": self.customer.id})
        )
        file.action_issue()
        other = self.env["res.partner"].create({"name": "Other", "is_company": True})
        for user in (self.manager, self.env.user):
            with self.assertRaisesRegex(UserError, "frozen"):
                file.with_user(user).write({"partner_id": other.id})
            with self.assertRaisesRegex(UserError, "frozen"):
                file.with_user(user).sudo().write({"content": "{}"})
            with self.assertRaisesRegex(UserError, "cannot be deleted"):
                file.with_user(user).unlink()
        duplicate = file.with_user(self.manager).copy()
        self.assertEqual((duplicate.state, duplicate.content, duplicate.file_sha256), ("draft", False, False))
        self.assertNotEqual(duplicate.name, file.name)
        with self.assertRaisesRegex(UserError, "cannot be changed"):
            file.pdf_attachment_id.sudo().unlink()
        with self.assertRaisesRegex(UserError, "cannot be changed"):
            file.manifest_attachment_id.sudo().write({"raw": b"{}"})
        self.assertTrue(file._verify())

    def test_demo_file_issues_and_verifies(self):
        file = self.env.ref(f"{MODULE}.demo_litigation_file_changjiang", raise_if_not_found=False)
        if not file:
            self.skipTest("the database was created without demo data")
        self.assertEqual(file.state, "draft")
        file.action_issue()
        self.assertEqual(file.state, "issued")
        self.assertTrue(file._verify())


@tagged("post_install", "-at_install")
class TestLitigationFileRpc(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.env.company
        cls.manager = new_user(cls.env, "ccm_lit_rpc_manager", CREDIT_MANAGER, company)
        cls.accountant = new_user(cls.env, "ccm_lit_rpc_accountant", ACCOUNTANT, company)
        cls.customer = cls.env["res.partner"].create({"name": "RPC Litigation Customer", "is_company": True})
        post_customer_invoice(cls.env, cls.customer, 400, DUE)
        sent_letter(cls.env, cls.customer, 5, DUE + timedelta(days=130))
        cls.file = cls.env["credit.litigation.file"].create({"partner_id": cls.customer.id})
        cls.file.action_issue()

    def test_issued_file_refuses_write_by_rpc(self):
        for user, method, args in (
            (self.manager, "write", [[self.file.id], {"partner_id": self.customer.id}]),
            (self.accountant, "write", [[self.file.id], {"content": "{}"}]),
            (self.manager, "unlink", [[self.file.id]]),
            (self.manager, "action_assemble", [[self.file.id]]),
        ):
            with (
                self.subTest(user=user.login, method=method),
                self.assertRaises(xmlrpc.client.Fault) as caught,
            ):
                xmlrpc_execute(self, user, "credit.litigation.file", method, args)
            self.assertIn(
                "frozen" if method != "unlink" else "cannot be deleted", caught.exception.faultString
            )
        with self.assertRaises(xmlrpc.client.Fault):
            xmlrpc_execute(self, self.manager, "ir.attachment", "unlink", [[self.file.pdf_attachment_id.id]])
        self.assertTrue(self.file._verify())
