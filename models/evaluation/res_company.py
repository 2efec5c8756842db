from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    _inherit = "res.company"

    credit_quantitative_share = fields.Float(
        string="Quantitative Share (%)",
        digits=(5, 2),
        default=70.0,
        help="Share of the financial-statement score in a customer's credit score; the "
        "qualitative judgement makes up the rest.",
    )
    credit_reevaluation_months = fields.Integer(
        string="Re-evaluate After (Months)",
        default=12,
        help="A customer whose last approved evaluation is older than this is flagged for "
        "re-evaluation and an activity is scheduled for the credit manager.",
    )

    @api.constrains("credit_quantitative_share", "credit_reevaluation_months")
    def _check_evaluation_settings(self):
        for company in self:
            if not 0 <= company.credit_quantitative_share <= 100:
                raise ValidationError(self.env._("The quantitative share must be between 0 and 100."))
            if company.credit_reevaluation_months <= 0:
                raise ValidationError(self.env._("The re-evaluation period must be at least one month."))
