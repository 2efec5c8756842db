"""What Odoo's own suites expect of contacts still holds with the module installed:
merging contacts, and the credit fields of contacts that are not saved yet."""

from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import CreditControlCommon

MODULE = "customer_credit_management"


@tagged("post_install", "-at_install")
class TestPartnerMerge(CreditControlCommon):
    """Odoo's contact merge, run by a salesperson who is not a Credit Manager."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.email = "buyer@example.com"
        cls.duplicate = cls.env["res.partner"].create(
            {"name": "Credit Customer (duplicate)", "is_company": True, "email": "buyer@example.com"}
        )

    def _merge(self, partners, destination):
        wizard = (
            self.env["base.partner.merge.automatic.wizard"]
            .with_user(self.salesperson)
            .create({"partner_ids": [Command.set(partners.ids)], "dst_partner_id": destination.id})
        )
        wizard.action_merge()
        self.assertFalse((partners - destination).exists())
        return destination.with_company(self.company)

    def test_merge_keeps_the_stricter_credit_values(self):
        """The duplicate is on hold, has the lower limit, score and term: the merged customer too."""
        self.duplicate.write(
            {
                "credit_score": 40,
                "credit_score_date": "2026-01-15",
                "credit_term_days_override": 15,
                "credit_hold": True,
                "credit_hold_reason": "manual",
                "credit_hold_note": "Cheque bounced",
            }
        )
        self.duplicate.with_company(self.company).write(
            {
                "credit_limit_manual": True,
                "credit_limit_manual_base": 500,
                "credit_limit_manual_reason": "Small buyer",
            }
        )
        merged = self._merge(self.customer | self.duplicate, self.customer)
        self.assertRecordValues(
            merged,
            [
                {
                    "credit_hold": True,
                    "credit_hold_reason": "manual",
                    "credit_hold_note": "Cheque bounced",
                    "credit_limit_manual": True,
                    "credit_limit_manual_base": 500.0,
                    "credit_limit_manual_reason": "Small buyer",
                    "credit_limit_base": 500.0,
                    "credit_score": 40.0,
                    "credit_term_days_override": 15,
                }
            ],
        )
        self.assertEqual(str(merged.credit_score_date), "2026-01-15")
        # Odoo's own credit limit follows the merged line.
        self.assertEqual(merged.credit_limit, merged.credit_line)

    def test_merge_keeps_the_destination_when_it_is_stricter(self):
        """A more lenient duplicate (higher computed limit and score, no hold) changes nothing."""
        self.customer.write({"credit_hold": True, "credit_hold_reason": "overdue"})
        score_date = self.customer.credit_score_date
        self.duplicate.write({"credit_score": 95, "credit_score_date": "2026-01-15"})
        self.duplicate.with_company(self.company).sudo().write(
            {"credit_limit_computed": 5000, "credit_limit_date": "2026-01-01"}
        )
        # The duplicate first: Odoo's merge would otherwise copy its values where the
        # destination's are empty (no computed limit, no term).
        merged = self._merge(self.duplicate | self.customer, self.customer)
        self.assertRecordValues(
            merged,
            [
                {
                    "credit_hold": True,
                    "credit_hold_reason": "overdue",
                    "credit_limit_manual": True,
                    "credit_limit_manual_base": 1000.0,
                    "credit_limit_computed": 0.0,
                    "credit_limit_base": 1000.0,
                    "credit_score": 90.0,
                    "credit_score_date": score_date,
                }
            ],
        )

    def _temporary_line(self, partner, amount):
        """An approved temporary line of ``amount`` for ``partner``, for 30 days from today."""
        request = (
            self.env["credit.limit.request"]
            .with_user(self.salesperson)
            .create(
                {
                    "partner_id": partner.id,
                    "company_id": self.company.id,
                    "amount": amount,
                    "date_from": fields.Date.today(),
                    "date_to": fields.Date.today() + timedelta(days=30),
                    "reason": "Project",
                }
            )
        )
        request.with_user(self.credit_manager).action_approve()

    def test_merge_does_not_carry_a_temporary_line(self):
        """The duplicate's approved temporary line does not reach the customer: Odoo would copy it
        where the customer has none."""
        self._temporary_line(self.duplicate, 1_000_000)
        line = self.customer.with_company(self.company).credit_line
        merged = self._merge(self.customer | self.duplicate, self.customer)
        self.assertRecordValues(
            merged,
            [
                {
                    "credit_limit_temporary": 0.0,
                    "credit_limit_temporary_from": False,
                    "credit_limit_temporary_until": False,
                    "credit_line": line,
                }
            ],
        )

    def test_merge_keeps_the_destinations_temporary_line(self):
        """The customer's own approved temporary line stays, whatever the duplicate has."""
        self._temporary_line(self.customer, 5000)
        merged = self._merge(self.duplicate | self.customer, self.customer)
        self.assertEqual(merged.credit_limit_temporary, 5000)
        self.assertEqual(merged.credit_line, 5000)

    def test_merge_keeps_the_higher_confidentiality_level(self):
        """The customer file of a Confidential duplicate does not become Internal by the merge."""
        confidential = self.env.ref(f"{MODULE}.confidentiality_level_confidential")
        # The salesperson of both may read them whatever their level.
        self.customer.user_id = self.salesperson
        self.duplicate.sudo().write(
            {"confidentiality_level_id": confidential.id, "user_id": self.salesperson.id}
        )
        merged = self._merge(self.customer | self.duplicate, self.customer)
        self.assertEqual(merged.sudo().confidentiality_level_id, confidential)

    def test_direct_writes_stay_refused(self):
        """The merge opens no way around the Credit Manager right for a direct write."""
        customer = self.customer.with_user(self.salesperson).with_company(self.company)
        for vals in (
            {"credit_hold": False},
            {"credit_limit_manual_base": 1_000_000},
            {"credit_score": 99},
            {"credit_term_days_override": 365},
        ):
            with self.assertRaises(AccessError):
                customer.write(vals)


@tagged("post_install", "-at_install")
class TestCreditFieldsOnNewRecords(CreditControlCommon):
    """The credit fields of contacts not saved yet: new records, forms, onchanges (Odoo's
    invoicing tour picks a customer it has just created in a dialog)."""

    def _computed_fields(self):
        fields = self.env["res.partner"]._fields
        return [name for name, field in fields.items() if field.compute and MODULE in field._modules]

    def test_new_partner_computes_every_field(self):
        partner = self.env["res.partner"].with_user(self.salesperson).new({"name": "New customer"})
        for name in self._computed_fields():
            self.assertIsNotNone(partner[name])
        self.assertRecordValues(
            partner,
            [{"credit_line": 0.0, "credit_exposure": 0.0, "credit_available": 0.0, "credit_exceeded": False}],
        )

    def test_customer_in_a_form_keeps_its_credit_figures(self):
        """A saved customer edited in a form (a new record with an origin) shows its own figures."""
        self._order(300, confirm=True)
        partner = (
            self.env["res.partner"]
            .with_user(self.salesperson)
            .with_company(self.company)
            .new({"name": "Renamed customer"}, origin=self.customer)
        )
        for name in self._computed_fields():
            self.assertIsNotNone(partner[name])
        self.assertEqual(partner.credit_limit_base, 1000.0)
        self.assertEqual(partner.credit_exposure, 300.0)
        self.assertEqual(partner.credit_available, partner.credit_line - 300.0)

    def test_onchange_with_an_empty_currency(self):
        """The contact dialog sends currency_id empty; the credit line does not need it."""
        names = self._computed_fields()
        result = (
            self.env["res.partner"]
            .with_user(self.salesperson)
            .onchange(
                {"name": "Tour customer", "currency_id": False, "company_id": False},
                ["name"],
                {name: {} for name in [*names, "name", "currency_id", "company_id"]},
            )
        )
        self.assertNotIn("warning", result)
