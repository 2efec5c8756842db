from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .credit_indicators import INDICATOR_UNITS, INDICATORS


class CreditReferenceLine(models.Model):
    _name = "credit.reference.line"
    _description = "Credit Reference Value"
    _order = "set_id, sequence, id"

    set_id = fields.Many2one("credit.reference.set", required=True, ondelete="cascade", index=True)
    sequence = fields.Integer(default=10)
    indicator = fields.Selection([(code, label) for code, label, _unit in INDICATORS], required=True)
    unit = fields.Selection(
        [("percent", "%"), ("ratio", "Ratio"), ("amount", "Amount")],
        compute="_compute_unit",
    )
    high = fields.Float(
        string="High Standard",
        digits=(16, 4),
        required=True,
        help="At or beyond this value the indicator scores its full weight.",
    )
    low = fields.Float(
        string="Low Standard",
        digits=(16, 4),
        required=True,
        help="At or beyond this value, on the poor side, the indicator scores nothing.",
    )
    weight = fields.Float(digits=(6, 2), required=True, help="Points of this indicator out of 100.")
    lower_is_better = fields.Boolean(
        help="For indicators such as the debt ratio: the high standard is then below the low one."
    )

    _sql_constraints = [
        ("indicator_unique", "unique(set_id, indicator)", "An indicator appears once in a reference set.")
    ]

    @api.depends("indicator")
    def _compute_unit(self):
        for line in self:
            line.unit = INDICATOR_UNITS.get(line.indicator)

    @api.constrains("high", "low", "weight", "lower_is_better")
    def _check_values(self):
        for line in self:
            label = dict(self._fields["indicator"]._description_selection(self.env))[line.indicator]
            if line.weight < 0:
                raise ValidationError(
                    self.env._("The weight of %(indicator)s cannot be negative.", indicator=label)
                )
            if line.high == line.low or (line.high < line.low) != line.lower_is_better:
                raise ValidationError(
                    self.env._(
                        "The high standard of %(indicator)s must be above its low standard, or below "
                        "it when lower is better.",
                        indicator=label,
                    )
                )
