from odoo.exceptions import AccessError
from odoo.tests import tagged

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

from .common import new_user


@tagged("post_install", "-at_install")
class TestConfidentialityDocuments(AccountTestInvoicingCommon):
    """Invoices and credit evaluations follow their customer's level, except one's own."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.company_data["company"]
        # The accounting test user sets up the data: it is a custodian.
        cls.env.user.groups_id += cls.env.ref("customer_credit_management.group_customer_data_custodian")
        # Billing users and credit users read every invoice and evaluation but for the rule.
        groups = "account.group_account_invoice,customer_credit_management.group_credit_user"
        cls.billing = new_user(cls.env, "ccm_conf_billing", groups, company)
        cls.billing_owner = new_user(cls.env, "ccm_conf_billing2", groups, company)
        cls.secret = cls.env.ref("customer_credit_management.confidentiality_level_secret")
        cls.customer = cls.env["res.partner"].create({"name": "Zircon Secret Invoicing", "is_company": True})
        cls.customer.sudo().write({"confidentiality_level_proposed_id": cls.secret.id})
        cls.customer.sudo().action_approve_confidentiality_level()
        cls.invoice = cls.init_invoice("out_invoice", partner=cls.customer, amounts=[100.0], post=True)
        cls.invoice.invoice_user_id = cls.billing_owner
        cls.evaluation = cls.env["credit.evaluation"].create({"partner_id": cls.customer.id})

    def test_invoice_follows_customer(self):
        Move = self.env["account.move"].with_user(self.billing)
        self.assertFalse(Move.search([("id", "=", self.invoice.id)]))
        with self.assertRaises(AccessError):
            self.invoice.with_user(self.billing).read(["name"])
        with self.assertRaises(AccessError):
            self.env["ir.actions.report"].with_user(self.billing)._render_qweb_pdf(
                "account.account_invoices", self.invoice.ids
            )
        # Its responsible still reads it; so does a user cleared for Secret.
        self.assertEqual(
            self.env["account.move"].with_user(self.billing_owner).search([("id", "=", self.invoice.id)]),
            self.invoice,
        )
        self.billing.sudo().customer_clearance_level_id = self.secret
        self.assertEqual(Move.search([("id", "=", self.invoice.id)]), self.invoice)

    def test_entries_without_partner_unaffected(self):
        entry = self.env["account.move"].create({"move_type": "entry", "ref": "Zircon misc"})
        self.assertEqual(
            self.env["account.move"].with_user(self.billing).search([("id", "=", entry.id)]), entry
        )

    def test_invoice_export_follows_customer_export(self):
        """Reading the customer (as its salesperson) is no right to export it through invoices."""
        self.customer.user_id = self.billing_owner
        self.billing_owner.groups_id += self.env.ref("base.group_allow_export")
        invoice = self.invoice.with_user(self.billing_owner)
        for path in ("partner_id/credit_line", "partner_id/customer_legal_representative"):
            with self.assertRaisesRegex(AccessError, "above your clearance"):
                invoice.export_data(["name", path])
        result = invoice.export_data(["name", "partner_id", "partner_id/id"])
        self.assertEqual(result["datas"][0][0], self.invoice.name)

    def test_credit_evaluation_follows_customer(self):
        Evaluation = self.env["credit.evaluation"].with_user(self.billing)
        self.assertFalse(Evaluation.search([("id", "=", self.evaluation.id)]))
        mine = self.env["credit.evaluation"].with_user(self.billing).create({"partner_id": self.customer.id})
        self.assertEqual(Evaluation.search([("partner_id", "=", self.customer.id)]), mine)

    def test_collection_letter_follows_customer(self):
        letter = self.env["credit.reminder"].create(
            {
                "partner_id": self.customer.id,
                "level_id": self.env.ref("customer_credit_management.credit_reminder_level_1").id,
            }
        )
        Letter = self.env["credit.reminder"].with_user(self.billing)
        self.assertFalse(Letter.search([("id", "=", letter.id)]))
        with self.assertRaises(AccessError):
            letter.with_user(self.billing).read(["name"])
        mine = Letter.create(
            {
                "partner_id": self.customer.id,
                "level_id": self.env.ref("customer_credit_management.credit_reminder_level_1").id,
            }
        )
        self.assertEqual(Letter.search([("partner_id", "=", self.customer.id)]), mine)
