from odoo import fields, models


class CreditReminderLine(models.Model):
    """An overdue document a collection letter covers, as it stood on the letter's date."""

    _name = "credit.reminder.line"
    _description = "Collection Letter Document"
    _order = "due_date, id"

    reminder_id = fields.Many2one("credit.reminder", required=True, ondelete="cascade", index=True)
    move_line_id = fields.Many2one(
        "account.move.line", string="Journal Item", index=True, ondelete="set null"
    )
    move_id = fields.Many2one("account.move", string="Document", ondelete="set null")
    name = fields.Char(string="Number")
    invoice_date = fields.Date()
    due_date = fields.Date()
    days_overdue = fields.Integer()
    currency_id = fields.Many2one(related="reminder_id.currency_id")
    residual = fields.Monetary(
        string="Amount Due", help="Open amount on the letter's date, company currency."
    )
    interest_days = fields.Integer(help="Days late the interest is computed on.")
    interest = fields.Monetary(
        help="Late-payment interest of the document on the letter's date, company currency.",
    )
