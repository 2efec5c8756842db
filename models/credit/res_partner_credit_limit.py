from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError

from .credit_limit_request import TEMPORARY_FIELDS

# The manual limit's fields whose changes are kept in credit.limit.history.
MANUAL_LIMIT_FIELDS = ("credit_limit_manual", "credit_limit_manual_base")


class ResPartner(models.Model):
    _inherit = "res.partner"

    # Computed, not stored one2many fields: nothing is written to them through the customer (a
    # request follows its own workflow, the history is the system's).
    credit_limit_history_ids = fields.Many2many(
        "credit.limit.history",
        string="Manual Limit History",
        compute="_compute_credit_limit_records",
        groups="customer_credit_management.group_credit_user",
    )
    credit_limit_request_ids = fields.Many2many(
        "credit.limit.request",
        string="Temporary Credit Lines",
        compute="_compute_credit_limit_records",
        groups="customer_credit_management.group_credit_user",
    )

    def _compute_credit_limit_records(self):
        ids = self.commercial_partner_id._origin.ids
        histories = self.env["credit.limit.history"].search([("partner_id", "in", ids)]).grouped("partner_id")
        asked = self.env["credit.limit.request"].search([("partner_id", "in", ids)]).grouped("partner_id")
        History, Request = self.env["credit.limit.history"], self.env["credit.limit.request"]
        for partner in self:
            commercial = partner.commercial_partner_id._origin
            partner.credit_limit_history_ids = histories.get(commercial, History)
            partner.credit_limit_request_ids = asked.get(commercial, Request)

    @api.constrains("credit_group_id", "parent_id", "is_company")
    def _check_credit_group_member(self):
        for partner in self.filtered("credit_group_id"):
            if partner != partner.commercial_partner_id:
                raise ValidationError(
                    self.env._(
                        "%(contact)s is a contact: its company joins a credit group, not the contact.",
                        contact=partner.display_name,
                    )
                )

    def write(self, vals):
        if not self.env.su and vals.keys() & set(TEMPORARY_FIELDS):
            raise AccessError(
                self.env._("A temporary credit line is set by approving a temporary credit line request.")
            )
        history = vals.keys() & set(MANUAL_LIMIT_FIELDS)
        before = {}
        if history:
            before = {
                partner: (partner.credit_limit_manual, partner.credit_limit_manual_base)
                for partner in self.sudo()
            }
        result = super().write(vals)
        if history:
            self._credit_log_manual_limit(before)
        return result

    def _credit_log_manual_limit(self, before):
        """A history row per customer whose manual limit (used or not, amount) changed in the
        current company: ``before`` {partner: (manual, amount)} before the write."""
        company = self.env.company
        rows = []
        for old, (manual, amount) in before.items():
            partner = old.with_env(self.env).sudo()
            new_manual, new_amount = partner.credit_limit_manual, partner.credit_limit_manual_base
            if manual == new_manual and company.currency_id.compare_amounts(amount, new_amount) == 0:
                continue
            rows.append(
                {
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "user_id": self.env.uid,
                    "date": fields.Datetime.now(),
                    "manual_before": manual,
                    "manual_after": new_manual,
                    "amount_before": amount,
                    "amount_after": new_amount,
                    "reason": partner.credit_limit_manual_reason,
                }
            )
        if rows:
            # The write passed its checks: the row is the system's record of it.
            self.env["credit.limit.history"].sudo().create(rows)
