from odoo import api, fields, models
from odoo.tools import format_amount, formatLang

from .credit_evaluation_detail_mixin import check_computed_not_written
from .credit_indicators import INDICATOR_UNITS, INDICATORS, compute_indicators, score_indicator


class CreditEvaluationLine(models.Model):
    _name = "credit.evaluation.line"
    _description = "Credit Evaluation Indicator"
    _order = "evaluation_id, sequence, id"

    evaluation_id = fields.Many2one("credit.evaluation", required=True, ondelete="cascade", index=True)
    sequence = fields.Integer()
    indicator = fields.Selection([(code, label) for code, label, _unit in INDICATORS], required=True)
    unit = fields.Selection(
        [("percent", "%"), ("ratio", "Ratio"), ("amount", "Amount")], compute="_compute_unit"
    )
    high = fields.Float(string="High Standard", digits=(16, 4))
    low = fields.Float(string="Low Standard", digits=(16, 4))
    weight = fields.Float(digits=(6, 2))
    lower_is_better = fields.Boolean()
    value = fields.Float(compute="_compute_value", store=True, digits=(16, 4))
    is_scored = fields.Boolean(
        string="Scored",
        compute="_compute_value",
        store=True,
        help="False when a figure it needs is missing or a denominator is zero: its weight is then "
        "spread over the scored indicators.",
    )
    score = fields.Float(compute="_compute_value", store=True, digits=(6, 2))
    value_display = fields.Char(string="Value Shown", compute="_compute_display_values")
    low_display = fields.Char(string="Low Standard Shown", compute="_compute_display_values")
    high_display = fields.Char(string="High Standard Shown", compute="_compute_display_values")

    @api.depends("indicator", "value", "low", "high", "is_scored", "evaluation_id.currency_id")
    @api.depends_context("lang")
    def _compute_display_values(self):
        """Indicators as people read them: percentages and ratios with two decimals, amounts in
        the evaluation's currency; an indicator that could not be computed shows no value."""
        for line in self:
            currency = line.evaluation_id.currency_id or self.env.company.currency_id

            def display(number, line=line, currency=currency):
                if line.unit == "amount":
                    return format_amount(self.env, number, currency)
                text = formatLang(self.env, number, digits=2)
                return f"{text} %" if line.unit == "percent" else text

            line.value_display = display(line.value) if line.is_scored else ""
            line.low_display = display(line.low)
            line.high_display = display(line.high)

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            check_computed_not_written(self, vals, create=True)
        return super().create(vals_list)

    def write(self, vals):
        check_computed_not_written(self, vals)
        return super().write(vals)

    @api.depends("indicator")
    def _compute_unit(self):
        for line in self:
            line.unit = INDICATOR_UNITS.get(line.indicator)

    @api.depends(
        "indicator",
        "high",
        "low",
        "weight",
        "evaluation_id.figure_ids.code",
        "evaluation_id.figure_ids.amount",
    )
    def _compute_value(self):
        values = {
            evaluation: compute_indicators(evaluation._figures_dict()) for evaluation in self.evaluation_id
        }
        for line in self:
            value = values[line.evaluation_id].get(line.indicator) if line.evaluation_id else None
            score = score_indicator(value, line.high, line.low, line.weight)
            line.is_scored = score is not None
            line.value = value or 0.0
            line.score = score or 0.0
