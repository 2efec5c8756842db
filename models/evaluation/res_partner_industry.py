from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResPartnerIndustry(models.Model):
    _inherit = "res.partner.industry"

    credit_term_days = fields.Integer(
        string="Standard Credit Term (Days)",
        help="Days the industry usually allows between purchase and payment; the default credit "
        "term of its customers.",
    )

    @api.constrains("credit_term_days")
    def _check_credit_term_days(self):
        if any(industry.credit_term_days < 0 for industry in self):
            raise ValidationError(self.env._("A credit term cannot be negative."))
