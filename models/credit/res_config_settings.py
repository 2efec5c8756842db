from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    credit_responsible_id = fields.Many2one(related="company_id.credit_responsible_id", readonly=False)
    credit_control_enabled = fields.Boolean(related="company_id.credit_control_enabled", readonly=False)
    credit_default_risk_factor = fields.Float(related="company_id.credit_default_risk_factor", readonly=False)
    credit_overdue_hold_days = fields.Integer(related="company_id.credit_overdue_hold_days", readonly=False)
    credit_release_validity_days = fields.Integer(
        related="company_id.credit_release_validity_days", readonly=False
    )
    credit_near_line_percent = fields.Float(related="company_id.credit_near_line_percent", readonly=False)
