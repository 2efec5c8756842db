from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CreditEvaluationQualitative(models.Model):
    _name = "credit.evaluation.qualitative"
    _inherit = ["credit.evaluation.detail.mixin"]
    _description = "Credit Evaluation Qualitative Judgement"
    _order = "evaluation_id, sequence, id"

    criterion_id = fields.Many2one("credit.qualitative.criterion", required=True, ondelete="restrict")
    sequence = fields.Integer(related="criterion_id.sequence", store=True)
    description = fields.Text(related="criterion_id.description")
    max_points = fields.Integer(
        string="Maximum Points", compute="_compute_max_points", store=True, precompute=True
    )
    points = fields.Integer()
    note = fields.Char(string="Justification")

    _sql_constraints = [
        (
            "criterion_unique",
            "unique(evaluation_id, criterion_id)",
            "Each qualitative criterion is judged once per evaluation.",
        )
    ]

    @api.depends("criterion_id")
    def _compute_max_points(self):
        # Copied, not related: changing a criterion later does not rewrite past evaluations.
        for line in self:
            line.max_points = line.criterion_id.max_points

    @api.constrains("points", "max_points")
    def _check_points(self):
        for line in self:
            if not 0 <= line.points <= line.max_points:
                raise ValidationError(
                    self.env._(
                        "The points for %(criterion)s must be between 0 and %(max)s.",
                        criterion=line.criterion_id.name,
                        max=line.max_points,
                    )
                )
