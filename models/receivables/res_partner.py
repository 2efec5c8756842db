from odoo import api, fields, models

from ..credit.res_partner import COLLECTION_REASONS


class ResPartner(models.Model):
    _inherit = "res.partner"

    credit_reminder_count = fields.Integer(
        string="Collection Letters", compute="_compute_credit_reminder_count"
    )
    credit_statement_schedule = fields.Selection(
        [("none", "On Request"), ("monthly", "Monthly")],
        string="Statement of Account",
        default="none",
        help="Monthly: early each month, last month's statement of account is made and e-mailed "
        "to the customer's invoice contact (when the customer had receivables).",
    )

    def _compute_credit_reminder_count(self):
        counts = dict(
            self.env["credit.reminder"]
            .sudo()
            ._read_group([("partner_id", "in", self.commercial_partner_id.ids)], ["partner_id"], ["__count"])
        )
        for partner in self:
            partner.credit_reminder_count = counts.get(partner.commercial_partner_id, 0)

    def action_open_credit_reminders(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "customer_credit_management.credit_reminder_action"
        )
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"search_default_partner_id": self.commercial_partner_id.id}
        return action

    def _credit_collection_release_paid(self):
        """Lift the holds set by collection letters from those of these customers (all held ones
        when empty) that no longer owe anything overdue, in one receivables query per company."""
        held = self.sudo().search(
            [("credit_hold", "=", True), ("credit_hold_reason", "in", COLLECTION_REASONS)]
            + ([("id", "in", self.commercial_partner_id.ids)] if self else [])
        )
        if not held:
            return True
        # The server's day, not the caller's time zone: a payment's hook runs as its user.
        today = fields.Date.today()
        still_owing = set()
        for company in self.env["res.company"].sudo().search([]):
            rows = self.env["credit.receivable"].get_aging_by_partner(
                today, company, partner_ids=held.ids, exclude_blocked=True
            )
            still_owing.update(
                row["partner_id"]
                for row in rows
                if company.currency_id.compare_amounts(row["overdue"], 0) > 0
            )
        paid = held.filtered(lambda partner: partner.id not in still_owing)
        for partner in paid._credit_lift_hold(COLLECTION_REASONS):
            partner.message_post(
                body=self.env._("Credit hold lifted: the overdue receivables in collection are paid.")
            )
        return True

    @api.model
    def _cron_credit_hold_collection(self):
        """Daily: lift the collection holds of customers who paid (the payment hook does it at once)."""
        return self.browse()._credit_collection_release_paid()
