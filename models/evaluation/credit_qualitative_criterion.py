from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CreditQualitativeCriterion(models.Model):
    _name = "credit.qualitative.criterion"
    _description = "Qualitative Credit Criterion"
    _order = "sequence, id"

    sequence = fields.Integer(default=10)
    name = fields.Char(required=True, translate=True)
    description = fields.Text(translate=True, help="What the evaluator should consider.")
    max_points = fields.Integer(
        string="Maximum Points", required=True, default=10, help="Points given to the best answer."
    )
    active = fields.Boolean(default=True)

    @api.constrains("max_points")
    def _check_max_points(self):
        for criterion in self:
            if criterion.max_points <= 0:
                raise ValidationError(
                    self.env._(
                        "The maximum points of the criterion %(name)s must be positive.", name=criterion.name
                    )
                )
