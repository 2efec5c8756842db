from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .credit_indicators import FIGURE_CODES, FIGURES, MAX_FIGURE_TEXT, figure_in_range


class CreditEvaluationFigure(models.Model):
    _name = "credit.evaluation.figure"
    _inherit = ["credit.evaluation.detail.mixin"]
    _description = "Credit Evaluation Statement Figure"
    _order = "evaluation_id, sequence, id"

    code = fields.Selection(FIGURES, string="Figure", required=True)
    sequence = fields.Integer(compute="_compute_sequence", store=True)
    amount = fields.Monetary(
        required=True, help="In the company currency. A figure not entered is missing, not zero."
    )
    currency_id = fields.Many2one(related="evaluation_id.currency_id")

    _sql_constraints = [
        (
            "code_unique",
            "unique(evaluation_id, code)",
            "Each statement figure is entered once per evaluation.",
        )
    ]

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_amount_vals(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._check_amount_vals(vals)
        return super().write(vals)

    @api.model
    def _check_amount_vals(self, vals):
        # Before the ORM rounds the amount: rounding an infinite or huge float raises.
        amount = vals.get("amount") or 0.0
        try:
            in_range = figure_in_range(float(amount))
        except (TypeError, ValueError):
            in_range = False
        if not in_range:
            raise ValidationError(
                self.env._(
                    "A statement figure must be a number between -%(max)s and %(max)s; %(amount)s is not.",
                    max=MAX_FIGURE_TEXT,
                    amount=amount,
                )
            )

    @api.depends("code")
    def _compute_sequence(self):
        for figure in self:
            figure.sequence = FIGURE_CODES.index(figure.code) if figure.code in FIGURE_CODES else 0
