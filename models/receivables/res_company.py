from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    _inherit = "res.company"

    credit_interest_enabled = fields.Boolean(
        string="Late-Payment Interest",
        help="Compute late-payment interest on overdue receivables, shown on the statements of "
        "account and in the last two collection letters.",
    )
    credit_interest_rate = fields.Float(
        string="Annual Interest Rate (%)",
        digits=(16, 4),
        default=3.1,
        help="Annual rate of the late-payment interest, e.g. the one-year loan prime rate (LPR) "
        "plus the contractual margin.",
    )
    credit_interest_basis = fields.Selection(
        [("360", "360 days"), ("365", "365 days")],
        string="Day Count Basis",
        default="360",
        required=True,
        help="Interest = amount due × annual rate × days late / this number of days.",
    )
    credit_interest_product_id = fields.Many2one(
        "product.product",
        string="Interest Product",
        check_company=True,
        help="Product of the interest line of the invoices charging late-payment interest: its "
        "income account books the interest.",
    )
    credit_fee_product_id = fields.Many2one(
        "product.product",
        string="Collection Fee Product",
        check_company=True,
        help="Product of the collection fee line of the invoices charging interest and fees.",
    )
    credit_pre_due_days = fields.Integer(
        string="Reminder Before Due Date (Days)",
        help="When above zero, the collection run proposes a courtesy reminder (level 0) for the "
        "documents falling due within this many days. Zero: no such reminder.",
    )

    credit_promise_reminder_days = fields.Integer(
        string="Promise Reminder (Days Before)",
        help="When above zero, the collection run proposes a reminder of a valid payment promise this many "
        "days before the promised date (instead of escalating the items it covers). Zero: no such reminder.",
    )

    @api.constrains("credit_interest_rate", "credit_pre_due_days", "credit_promise_reminder_days")
    def _check_credit_interest_settings(self):
        for company in self:
            if company.credit_interest_rate < 0 or company.credit_interest_rate > 100:
                raise ValidationError(self.env._("The annual interest rate must be between 0 and 100 %."))
            if company.credit_pre_due_days < 0 or company.credit_promise_reminder_days < 0:
                raise ValidationError(self.env._("The days before the due date cannot be negative."))
