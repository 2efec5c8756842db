from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import CreditCommon


@tagged("post_install", "-at_install")
class TestCreditGrade(CreditCommon):
    def test_default_table(self):
        grades = self.Grade.search([])
        self.assertEqual(grades.mapped("code"), ["AA", "A", "B", "C", "D", "E"])
        self.assertEqual(grades.mapped("risk_factor"), [1.0, 0.9, 0.7, 0.5, 0.2, 0.0])
        self.assertEqual(self.grade_aa.display_name, "AA - Excellent")
        self.assertTrue(all(grades.mapped("recommendation")))

    def test_grade_for_score_boundaries(self):
        expectations = {
            100: self.grade_aa,
            86: self.grade_aa,
            85.995: self.grade_aa,  # rounds to 86.00
            85.99: self.grade_a,
            71: self.grade_a,
            70.99: self.env.ref("customer_credit_management.credit_grade_b"),
            41: self.env.ref("customer_credit_management.credit_grade_d"),
            40.99: self.grade_e,
            0: self.grade_e,
        }
        for score, grade in expectations.items():
            with self.subTest(score=score):
                self.assertEqual(self.Grade._grade_for_score(score), grade)
        for score in (-1, -0.01, 100.01, 101):
            with self.subTest(score=score), self.assertRaisesRegex(UserError, "between 0 and 100"):
                self.Grade._grade_for_score(score)

    def test_score_in_a_gap_is_an_error(self):
        self.grade_a.score_min = 75
        with self.assertRaisesRegex(UserError, "No active credit grade covers the score 72"):
            self.Grade._grade_for_score(72)

    def test_overlap_refused(self):
        with self.assertRaisesRegex(ValidationError, "overlaps"):
            self.Grade.create({"code": "X", "name": "Overlap", "score_min": 85, "score_max": 90})
        with self.assertRaisesRegex(ValidationError, "overlaps"):
            self.grade_a.score_max = 86

    def test_archived_grade_does_not_overlap(self):
        self.grade_a.active = False
        new_a = self.Grade.create(
            {"code": "A2", "name": "New A", "score_min": 71, "score_max": 85.99, "risk_factor": 0.8}
        )
        self.assertEqual(self.Grade._grade_for_score(80), new_a)
        with self.assertRaisesRegex(ValidationError, "overlaps"):
            self.grade_a.active = True

    def test_bounds_and_factor_refused(self):
        cases = [
            ({"score_min": 60, "score_max": 50}, "minimum ≤ maximum"),
            ({"score_min": -5, "score_max": 0}, "minimum ≤ maximum"),
            ({"score_min": 100, "score_max": 120}, "minimum ≤ maximum"),
            ({"risk_factor": -0.1}, "cannot be negative"),
        ]
        for vals, message in cases:
            # Odoo's assertRaises rolls back to a savepoint: each case starts clean.
            with self.subTest(vals=vals), self.assertRaises(ValidationError) as caught:
                self.Grade.create(
                    {"code": "Z", "name": "Z", "score_min": 0, "score_max": 10, "active": False, **vals}
                )
            self.assertIn(message, str(caught.exception))

    @mute_logger("odoo.sql_db")
    def test_code_unique(self):
        with self.assertRaises(IntegrityError), self.cr.savepoint():
            self.Grade.create({"code": "AA", "name": "Twin", "score_min": 0, "score_max": 0})

    def test_partner_grade_follows_score(self):
        self.assertFalse(self.customer.credit_grade_id, "an unscored customer has no grade")
        self.customer.credit_score = 90
        self.assertTrue(self.customer.credit_score_date, "a score is dated")
        self.assertEqual(self.customer.credit_grade_id, self.grade_aa)
        self.assertEqual(self.contact.credit_grade_id, self.grade_aa, "contacts share the grade")
        self.customer.credit_score = 20
        self.assertEqual(self.contact.credit_grade_id, self.grade_e)
        self.customer.credit_score_date = False
        self.assertFalse(self.customer.credit_grade_id)

    def test_partner_regraded_when_table_changes(self):
        self.customer.credit_score = 87
        self.assertEqual(self.customer.credit_grade_id, self.grade_aa)
        self.grade_aa.score_min = 90
        self.grade_a.score_max = 89.99
        self.assertEqual(self.customer.credit_grade_id, self.grade_a)
        self.assertEqual(self.contact.credit_grade_id, self.grade_a)

    def test_grade_in_use_cannot_be_deleted(self):
        self.customer.credit_score = 95
        with self.assertRaisesRegex(UserError, "Archive it instead"):
            self.grade_aa.unlink()
        unused = self.Grade.create(
            {"code": "U", "name": "Unused", "score_min": 0, "score_max": 1, "active": False}
        )
        unused.unlink()
        self.assertFalse(unused.exists())


@tagged("post_install", "-at_install")
class TestCreditGradeAccess(CreditCommon):
    def test_salesperson_reads_but_cannot_write_grades(self):
        grades = self.Grade.with_user(self.salesperson).search([])
        self.assertEqual(len(grades), 6)
        self.assertEqual(grades[0].code, "AA")
        with self.assertRaises(AccessError):
            grades[0].write({"risk_factor": 2})
        with self.assertRaises(AccessError):
            self.Grade.with_user(self.salesperson).create(
                {"code": "X", "name": "X", "score_min": 0, "score_max": 0}
            )
        with self.assertRaises(AccessError):
            grades[0].unlink()

    def test_salesperson_has_credit_user_group(self):
        self.assertTrue(self.salesperson.has_group("customer_credit_management.group_credit_user"))
        self.assertFalse(self.salesperson.has_group("customer_credit_management.group_credit_manager"))

    def test_credit_manager_edits_grades(self):
        grade = self.grade_aa.with_user(self.credit_manager)
        grade.write({"risk_factor": 1.1})
        self.assertEqual(grade.risk_factor, 1.1)
        new = self.Grade.with_user(self.credit_manager).create(
            {"code": "F", "name": "Fail", "score_min": 0, "score_max": 0, "active": False}
        )
        new.unlink()

    def test_salesperson_cannot_score_a_customer(self):
        customer = self.customer.with_user(self.salesperson)
        self.assertFalse(customer.credit_can_edit_score)
        with self.assertRaisesRegex(AccessError, "Only a Credit Manager"):
            customer.write({"credit_score": 99})
        with self.assertRaisesRegex(AccessError, "Only a Credit Manager"):
            self.env["res.partner"].with_user(self.salesperson).create(
                {"name": "Self-graded", "credit_score": 99}
            )
        # Ordinary edits, new customers and contacts stay possible, with the defaults.
        customer.write({"phone": "+86 755 0000 0000"})
        Partner = self.env["res.partner"].with_user(self.salesperson)
        Partner.create({"name": "New contact", "parent_id": self.customer.id})
        Partner.create({"name": "New customer", "is_company": True, "credit_limit_period": "quarter"})
        with self.assertRaisesRegex(AccessError, "Only a Credit Manager"):
            Partner.create({"name": "Monthly customer", "credit_limit_period": "month"})

    def test_credit_manager_scores_a_customer(self):
        customer = self.customer.with_user(self.credit_manager)
        self.assertTrue(customer.credit_can_edit_score)
        customer.write({"credit_score": 75})
        self.assertEqual(customer.credit_grade_id, self.grade_a)
