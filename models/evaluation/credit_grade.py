from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import float_round

SCORE_DIGITS = 2


class CreditGrade(models.Model):
    _name = "credit.grade"
    _description = "Credit Grade"
    _order = "sequence, score_min desc, id"

    sequence = fields.Integer(default=10)
    code = fields.Char(
        required=True,
        help="Short code of the grade as used in the credit policy, e.g. AA, A, B.",
    )
    name = fields.Char(
        string="Assessment",
        required=True,
        translate=True,
        help="How the policy assesses customers of this grade, e.g. Excellent.",
    )
    score_min = fields.Float(
        string="Minimum Score",
        digits=(5, SCORE_DIGITS),
        required=True,
        help="Lowest credit score (0-100, inclusive) of this grade.",
    )
    score_max = fields.Float(
        string="Maximum Score",
        digits=(5, SCORE_DIGITS),
        required=True,
        help="Highest credit score (0-100, inclusive) of this grade. Scores have two "
        "decimals, so a grade ending where the next one starts at 86 ends at 85.99.",
    )
    risk_factor = fields.Float(
        string="Risk Correction Factor",
        digits=(4, 2),
        required=True,
        default=1.0,
        help="The credit line of a customer of this grade is its credit limit times "
        "this factor. 0 means cash or prepayment only.",
    )
    recommendation = fields.Text(
        translate=True,
        help="The credit policy for customers of this grade.",
    )
    active = fields.Boolean(default=True)

    _sql_constraints = [
        ("code_unique", "unique(code)", "A credit grade with this code already exists."),
    ]

    @api.depends("code", "name")
    def _compute_display_name(self):
        for grade in self:
            grade.display_name = (
                f"{grade.code} - {grade.name}" if grade.code and grade.name else grade.code or grade.name
            )

    @api.constrains("score_min", "score_max")
    def _check_score_bounds(self):
        for grade in self:
            if not 0 <= grade.score_min <= grade.score_max <= 100:
                raise ValidationError(
                    self.env._(
                        "The scores of grade %(code)s must satisfy 0 ≤ minimum ≤ maximum ≤ 100 "
                        "(minimum %(min)s, maximum %(max)s).",
                        code=grade.code,
                        min=grade.score_min,
                        max=grade.score_max,
                    )
                )

    @api.constrains("risk_factor")
    def _check_risk_factor(self):
        for grade in self:
            if grade.risk_factor < 0:
                raise ValidationError(
                    self.env._(
                        "The risk correction factor of grade %(code)s cannot be negative.",
                        code=grade.code,
                    )
                )

    @api.constrains("score_min", "score_max", "active")
    def _check_no_overlap(self):
        active_grades = self.search([("active", "=", True)])
        for grade in self.filtered("active"):
            for other in active_grades - grade:
                if grade.score_min <= other.score_max and other.score_min <= grade.score_max:
                    raise ValidationError(
                        self.env._(
                            "The score range of grade %(code)s (%(min)s-%(max)s) overlaps the "
                            "range of grade %(other)s (%(other_min)s-%(other_max)s).",
                            code=grade.code,
                            min=grade.score_min,
                            max=grade.score_max,
                            other=other.code,
                            other_min=other.score_min,
                            other_max=other.score_max,
                        )
                    )

    @api.model
    def _grade_for_score(self, score, grades=None):
        """Return the active grade whose range holds ``score`` (rounded to two decimals).

        ``grades`` lets a caller grading many scores pass the active grades it fetched once.
        """
        rounded = float_round(score, precision_digits=SCORE_DIGITS)
        if not 0 <= rounded <= 100:
            raise UserError(
                self.env._("A credit score must be between 0 and 100, not %(score)s.", score=score)
            )
        if grades is None:
            grades = self.search([("active", "=", True)])
        for grade in grades:
            if grade.score_min <= rounded <= grade.score_max:
                return grade
        raise UserError(
            self.env._(
                "No active credit grade covers the score %(score)s. "
                "Check the grade table in Credit Control > Configuration.",
                score=rounded,
            )
        )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_in_use(self):
        used = (
            self.env["res.partner"]
            .sudo()
            .with_context(active_test=False)
            .search_fetch([("credit_grade_id", "in", self.ids)], ["credit_grade_id"], limit=1)
        )
        if used:
            raise UserError(
                self.env._(
                    "Customers hold the credit grade %(code)s: it cannot be deleted. Archive it instead.",
                    code=used.credit_grade_id.code,
                )
            )

    def write(self, vals):
        res = super().write(vals)
        if vals.keys() & {"score_min", "score_max", "active"}:
            self._regrade_partners()
        return res

    def _regrade_partners(self):
        # Grades follow the table: a changed range re-grades every scored customer.
        partners = (
            self.env["res.partner"]
            .sudo()
            .with_context(active_test=False)
            .search([("commercial_partner_id.credit_score_date", "!=", False)])
        )
        self.env.add_to_compute(partners._fields["credit_grade_id"], partners)
