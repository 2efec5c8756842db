from odoo import api, fields, models

from .credit_indicators import FIGURE_CODES, FIGURES


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

    @api.depends("code")
    def _compute_sequence(self):
        for figure in self:
            figure.sequence = FIGURE_CODES.index(figure.code) if figure.code in FIGURE_CODES else 0
