from odoo import Command, fields, models


class CreditReminderRun(models.TransientModel):
    """Collection run: propose the letters due on a date, review them, then print, e-mail or mark
    them sent."""

    _name = "credit.reminder.run"
    _description = "Collection Run"
    _check_company_auto = True

    date = fields.Date(required=True, default=fields.Date.context_today, help="Date of the letters.")
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    partner_ids = fields.Many2many(
        "res.partner",
        string="Customers",
        help="Only these customers; all customers with overdue receivables when empty.",
    )
    law_firm = fields.Char(help="Named in the final demands before litigation (level 5) of this run.")
    filing_date = fields.Date(
        string="Planned Filing Date",
        help="Named in the final demands before litigation (level 5) of this run.",
    )
    reminder_ids = fields.Many2many("credit.reminder", string="Proposed Letters")
    state = fields.Selection([("new", "New"), ("proposed", "Proposed")], default="new", required=True)
    clearance_needed_count = fields.Integer(
        string="Customers Above Your Clearance",
        readonly=True,
        help="Customers with overdue receivables above your clearance: no letter was proposed for "
        "them. Request access to them, or ask a colleague with the clearance to run their letters.",
    )

    def _reopen(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "name": self.env._("Collection Run"),
        }

    def action_propose(self):
        self.ensure_one()
        letters, hidden_count = self.env["credit.reminder"]._propose_letters(
            self.date,
            self.company_id,
            partners=self.partner_ids or None,
            law_firm=self.law_firm,
            filing_date=self.filing_date,
        )
        self.write(
            {
                "reminder_ids": [Command.set(letters.ids)],
                "state": "proposed",
                "clearance_needed_count": hidden_count,
            }
        )
        return self._reopen()

    def _drafts(self):
        return self.reminder_ids.filtered(lambda letter: letter.state == "draft")

    def action_print(self):
        self.ensure_one()
        return self.reminder_ids.action_print()

    def action_send_email(self):
        self.ensure_one()
        self._drafts().action_send_email()
        return self._reopen()

    def action_mark_sent(self):
        self.ensure_one()
        self._drafts().action_mark_sent()
        return self._reopen()

    def action_open_letters(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "customer_credit_management.credit_reminder_action"
        )
        action["domain"] = [("id", "in", self.reminder_ids.ids)]
        return action
