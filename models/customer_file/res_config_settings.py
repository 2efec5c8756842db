from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    customer_data_verification_months = fields.Integer(
        related="company_id.customer_data_verification_months", readonly=False
    )
