from odoo import api, fields, models
from odoo.exceptions import ValidationError

CATEGORY_SELECTION = [
    ("key", "Key (重要)"),
    ("stable", "Stable (稳定)"),
    ("general", "General (一般)"),
    ("potential", "Potential (潜在)"),
]


class CustomerCategoryRule(models.Model):
    _name = "customer.category.rule"
    _description = "Customer Category Rule"
    _order = "year desc, category"

    year = fields.Integer(
        required=True,
        default=lambda self: fields.Date.context_today(self).year,
        help="Calendar year whose confirmed orders these thresholds judge. A year without its own rule "
        "uses the rule of the closest earlier year, else the earliest rule.",
    )
    category = fields.Selection(
        [("key", "Key (重要)"), ("stable", "Stable (稳定)")],
        required=True,
        default="stable",
    )
    consecutive_years = fields.Integer(
        required=True,
        default=2,
        help="Number of consecutive calendar years, ending with the evaluated year, that must each "
        "meet the thresholds of their own year's rule (key: 3, stable: 2).",
    )
    currency_id = fields.Many2one(
        "res.currency", required=True, default=lambda self: self.env.company.currency_id
    )
    min_annual_amount = fields.Monetary(
        string="Min. Annual Contract Amount",
        help="Confirmed orders of the customer (with its contacts) in the year, in company currency.",
    )
    min_single_amount = fields.Monetary(
        string="Min. Single Contract Amount",
        help="The largest confirmed order of the customer in the year must reach this amount.",
    )
    min_cumulative_or_potential = fields.Monetary(
        string="Min. Cumulative Amount or Potential Demand",
        help="Either the year's cumulative contract amount or the potential annual demand recorded "
        "in the customer file must reach this amount.",
    )
    national_rank_max = fields.Integer(
        string="National Top-N",
        help="Key customers only, optional (0 = not used): a customer ranked in the national top N "
        "by scale or technology, with confirmed orders in the evaluated year, is key whatever "
        "its amounts.",
    )
    active = fields.Boolean(default=True)

    _sql_constraints = [
        (
            "year_category_unique",
            "unique(year, category)",
            "There is already a rule for this category and year.",
        ),
    ]

    @api.onchange("category")
    def _onchange_category(self):
        self.consecutive_years = 3 if self.category == "key" else 2

    @api.constrains(
        "year",
        "consecutive_years",
        "min_annual_amount",
        "min_single_amount",
        "min_cumulative_or_potential",
        "national_rank_max",
    )
    def _check_rule(self):
        for rule in self:
            if not 1900 <= rule.year <= 2999:
                raise ValidationError(self.env._("The year of a category rule must be a calendar year."))
            if rule.consecutive_years < 1:
                raise ValidationError(self.env._("A category rule needs at least one year."))
            amounts = (rule.min_annual_amount, rule.min_single_amount, rule.min_cumulative_or_potential)
            if min(amounts) < 0 or rule.national_rank_max < 0:
                raise ValidationError(self.env._("The thresholds of a category rule cannot be negative."))

    @api.depends("year", "category")
    def _compute_display_name(self):
        labels = dict(self._fields["category"]._description_selection(self.env))
        for rule in self:
            rule.display_name = f"{labels.get(rule.category, '')} {rule.year}"

    @api.model
    def _rule_for(self, rules, category, year):
        """The rule of ``category`` for ``year``: its own, else the closest earlier year's, else the
        earliest one (``rules`` newest first), so that the years before the first rule are judged
        too, e.g. right after installation."""
        candidates = rules.filtered(lambda r: r.category == category)
        return next((r for r in candidates if r.year <= year), candidates[-1:])
