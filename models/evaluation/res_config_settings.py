from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    credit_quantitative_share = fields.Float(related="company_id.credit_quantitative_share", readonly=False)
    credit_reevaluation_months = fields.Integer(
        related="company_id.credit_reevaluation_months", readonly=False
    )
