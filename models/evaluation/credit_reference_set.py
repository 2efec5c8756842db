from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import float_compare


class CreditReferenceSet(models.Model):
    _name = "credit.reference.set"
    _description = "Credit Reference Values"
    _order = "is_fallback desc, name"

    name = fields.Char(required=True, translate=True)
    industry_ids = fields.Many2many(
        "res.partner.industry",
        string="Industries",
        help="Customers of these industries are evaluated against this set.",
    )
    is_fallback = fields.Boolean(
        string="Fallback",
        help="Used for customers whose industry has no reference set of its own.",
    )
    line_ids = fields.One2many("credit.reference.line", "set_id", string="Indicators", copy=True)
    weight_total = fields.Float(compute="_compute_weight_total", digits=(6, 2))
    active = fields.Boolean(default=True)

    @api.depends("line_ids.weight")
    def _compute_weight_total(self):
        for ref_set in self:
            ref_set.weight_total = sum(ref_set.line_ids.mapped("weight"))

    @api.constrains("line_ids")
    def _check_weight_total(self):
        for ref_set in self:
            if float_compare(ref_set.weight_total, 100, precision_digits=2):
                raise ValidationError(
                    self.env._(
                        "The weights of the reference set %(name)s add up to %(total)s: they must add "
                        "up to 100.",
                        name=ref_set.name,
                        total=round(ref_set.weight_total, 2),
                    )
                )

    @api.constrains("industry_ids", "is_fallback", "active")
    def _check_unique_industry_and_fallback(self):
        active_sets = self.search([("active", "=", True)])
        for ref_set in self.filtered("active"):
            others = active_sets - ref_set
            shared = ref_set.industry_ids & others.industry_ids
            if shared:
                raise ValidationError(
                    self.env._(
                        "The industry %(industry)s already has another active reference set.",
                        industry=shared[0].display_name,
                    )
                )
            if ref_set.is_fallback and others.filtered("is_fallback"):
                raise ValidationError(self.env._("Only one active reference set can be the fallback."))

    def copy_data(self, default=None):
        default = dict(default or {})
        vals_list = super().copy_data(default=default)
        for ref_set, vals in zip(self, vals_list, strict=True):
            if "name" not in default:
                vals["name"] = self.env._("%(name)s (copy)", name=ref_set.name)
            # A copy is the start of another industry's set: it takes no industry yet.
            if "industry_ids" not in default:
                vals["industry_ids"] = []
            if "is_fallback" not in default:
                vals["is_fallback"] = False
        return vals_list

    @api.model
    def _for_partner(self, partner):
        """The reference set a customer is evaluated against: its industry's, else the fallback."""
        industry = partner.commercial_partner_id.industry_id
        domain = [("is_fallback", "=", True)]
        if industry:
            domain = ["|", ("industry_ids", "in", industry.ids), *domain]
        sets = self.search(domain)
        return sets.filtered(lambda s: industry in s.industry_ids)[:1] or sets[:1]
