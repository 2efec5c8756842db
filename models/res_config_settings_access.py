from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    customer_grant_hours_consult = fields.Integer(
        related="company_id.customer_grant_hours_consult", readonly=False
    )
    customer_grant_hours_copy = fields.Integer(related="company_id.customer_grant_hours_copy", readonly=False)
    customer_grant_hours_external = fields.Integer(
        related="company_id.customer_grant_hours_external", readonly=False
    )
