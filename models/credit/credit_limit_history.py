from odoo import fields, models


class CreditLimitHistory(models.Model):
    """One row per change of a customer's manual credit limit: who, when, from, to, why. Written
    by ``res.partner.write`` only."""

    _name = "credit.limit.history"
    _description = "Manual Credit Limit History"
    _order = "create_date desc, id desc"

    # The history of a customer that can be deleted (no order, no invoice) goes with it.
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, readonly=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    user_id = fields.Many2one("res.users", string="Changed By", required=True, readonly=True)
    date = fields.Datetime(string="Changed On", required=True, readonly=True, default=fields.Datetime.now)
    manual_before = fields.Boolean(readonly=True)
    manual_after = fields.Boolean(readonly=True)
    amount_before = fields.Monetary(string="From", readonly=True, help="The manual limit before the change.")
    amount_after = fields.Monetary(string="To", readonly=True, help="The manual limit after the change.")
    reason = fields.Char(readonly=True, help="The reason for the manual limit given with the change.")
