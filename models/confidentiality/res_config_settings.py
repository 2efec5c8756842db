from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    customer_access_log_level_id = fields.Many2one(
        related="company_id.customer_access_log_level_id", readonly=False
    )
    customer_grant_hours_consult = fields.Integer(
        related="company_id.customer_grant_hours_consult", readonly=False
    )
    customer_grant_hours_copy = fields.Integer(related="company_id.customer_grant_hours_copy", readonly=False)
    customer_grant_hours_external = fields.Integer(
        related="company_id.customer_grant_hours_external", readonly=False
    )
