from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..models.receivables.credit_collection_case import ACTION_TYPES
from ..models.receivables.credit_payment_promise import CHANNELS

RESULTS = [
    ("reached", "Reached, will pay"),
    ("promise", "Promised to pay"),
    ("no_answer", "No answer"),
    ("refused", "Refused to pay"),
    ("dispute", "Disputes the invoice"),
    ("other", "Other"),
]


class CreditCollectionLog(models.TransientModel):
    """Log a call (or an e-mail, a visit) on a worklist line: its result, and when to chase next.
    A promise to pay records the payment promise too."""

    _name = "credit.collection.log"
    _description = "Log a Collection Action"

    case_id = fields.Many2one("credit.collection.case", string="Worklist Line", required=True, readonly=True)
    partner_id = fields.Many2one(related="case_id.partner_id")
    company_id = fields.Many2one(related="case_id.company_id")
    currency_id = fields.Many2one(related="case_id.currency_id")
    action_type = fields.Selection(
        [(key, label) for key, label in ACTION_TYPES if key in ("call", "email", "visit")],
        string="Action",
        required=True,
        default="call",
    )
    result = fields.Selection(RESULTS, required=True, default="no_answer")
    note = fields.Char(help="What was said.")
    next_action_date = fields.Date(
        required=True,
        default=lambda self: fields.Date.context_today(self) + timedelta(days=3),
        help="When to chase the customer next.",
    )
    promise_amount = fields.Monetary(string="Amount Promised", currency_field="currency_id")
    promise_date = fields.Date(string="Promised By")
    contact_id = fields.Many2one("res.partner", help="Who was spoken to.")

    @api.onchange("result", "promise_date")
    def _onchange_promise(self):
        if self.result == "promise" and self.promise_date:
            self.next_action_date = self.promise_date + timedelta(days=1)

    def action_log(self):
        self.ensure_one()
        case = self.case_id
        results = dict(self._fields["result"]._description_selection(self.env))
        summary = results[self.result] + (f": {self.note}" if self.note else "")
        if self.result == "promise":
            if not (self.promise_amount > 0 and self.promise_date):
                raise UserError(self.env._("Enter the amount promised and the date it will be paid by."))
            channel = self.action_type if self.action_type in dict(CHANNELS) else "other"
            self.env["credit.payment.promise"].create(
                {
                    "partner_id": case.partner_id.id,
                    "company_id": case.company_id.id,
                    "amount": self.promise_amount,
                    "promise_date": self.promise_date,
                    "contact_id": self.contact_id.id,
                    "channel": channel,
                    "note": self.note,
                }
            )
        case.write(
            {
                "last_action_date": fields.Date.context_today(self),
                "last_action_type": self.action_type,
                "last_action_result": summary,
                "next_action_date": self.next_action_date,
            }
        )
        types = dict(self._fields["action_type"]._description_selection(self.env))
        case.message_post(
            body=self.env._(
                "%(action)s: %(result)s. Next action on %(date)s.",
                action=types[self.action_type],
                result=summary,
                date=self.next_action_date,
            )
        )
        return {"type": "ir.actions.act_window_close"}
