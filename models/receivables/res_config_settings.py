from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    credit_interest_enabled = fields.Boolean(related="company_id.credit_interest_enabled", readonly=False)
    credit_interest_rate = fields.Float(related="company_id.credit_interest_rate", readonly=False)
    credit_interest_basis = fields.Selection(related="company_id.credit_interest_basis", readonly=False)
    credit_interest_product_id = fields.Many2one(
        related="company_id.credit_interest_product_id", readonly=False
    )
    credit_fee_product_id = fields.Many2one(related="company_id.credit_fee_product_id", readonly=False)
    credit_pre_due_days = fields.Integer(related="company_id.credit_pre_due_days", readonly=False)
    credit_promise_reminder_days = fields.Integer(
        related="company_id.credit_promise_reminder_days", readonly=False
    )
