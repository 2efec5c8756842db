from datetime import timedelta

from markupsafe import escape

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError


class CreditReleaseRequest(models.Model):
    _name = "credit.release.request"
    _description = "Credit Release Request"
    _inherit = ["mail.thread", "mail.activity.mixin", "credit.approval.mixin", "customer.access.logged.mixin"]
    _order = "id desc"
    _check_company_auto = True
    _credit_transitions = {
        ("to_approve", "approved"): True,
        ("to_approve", "rejected"): True,
        ("approved", "used"): False,
        ("approved", "expired"): False,
    }
    _credit_editable_states = ("to_approve",)
    _credit_workflow_fields = frozenset(
        {
            "state",
            "approved_by_id",
            "expiry_date",
            "name",
            "order_amount",
            "excess_amount",
            "order_id",
            "user_id",
        }
    )

    name = fields.Char(string="Reference", readonly=True, copy=False, default="/")
    order_id = fields.Many2one("sale.order", required=True, readonly=True, check_company=True, index=True)
    partner_id = fields.Many2one(
        related="order_id.partner_id.commercial_partner_id", string="Customer", store=True
    )
    company_id = fields.Many2one(related="order_id.company_id", store=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    user_id = fields.Many2one(
        "res.users", string="Requested By", readonly=True, default=lambda self: self.env.user
    )
    order_amount = fields.Monetary(
        readonly=True, help="The order's amount when requested; a higher amount needs a new release."
    )
    excess_amount = fields.Monetary(readonly=True, help="By how much the order exceeded the credit line.")
    reason = fields.Text(required=True, help="Why the order should go through despite the credit line.")
    state = fields.Selection(
        [
            ("to_approve", "To Approve"),
            ("approved", "Approved"),
            ("rejected", "Rejected"),
            ("used", "Used"),
            ("expired", "Expired"),
        ],
        default="to_approve",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
    )
    approved_by_id = fields.Many2one("res.users", readonly=True, copy=False)
    expiry_date = fields.Date(readonly=True, copy=False, help="The release cannot be used after this day.")

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("state", "to_approve") != "to_approve":
                raise UserError(self.env._("A release request starts waiting for approval."))
            # The figures are taken from the order, never from the caller.
            vals.pop("order_amount", None)
            vals.pop("excess_amount", None)
            vals["user_id"] = self.env.uid
        requests = super().create(vals_list)
        for request in requests:
            order = request.order_id
            if order.state not in ("draft", "sent"):
                raise UserError(self.env._("Only quotations can be released."))
            request.sudo().write(
                {
                    "name": self.env["ir.sequence"].next_by_code("credit.release.request") or "/",
                    "order_amount": order._credit_amount(),
                    "excess_amount": max(-order.credit_available_after, 0.0),
                }
            )
            order.message_post(
                body=self.env._(
                    "Credit release requested by %(user)s: %(reason)s",
                    user=self.env.user.name,
                    reason=request.reason,
                )
            )
            manager = request.company_id._credit_responsible_user()
            if manager:
                request.activity_schedule("mail.mail_activity_data_todo", user_id=manager.id)
        return requests

    def _check_credit_step(self, new_state, needs_manager):
        if needs_manager and not self.env.su and self.user_id == self.env.user:
            raise AccessError(self.env._("Nobody can approve or reject their own release request."))

    def _credit_locked_message(self):
        return self.env._("A decided release request cannot be changed.")

    def _credit_forbidden_step_message(self, new_state):
        return self.env._("This release request cannot change to that state.")

    def _credit_manager_only_message(self):
        return self.env._("Only a Credit Manager can approve or reject a release request.")

    def action_approve(self):
        validity = self.company_id[:1].credit_release_validity_days or 7
        self.write(
            {
                "state": "approved",
                "approved_by_id": self.env.uid,
                "expiry_date": fields.Date.context_today(self) + timedelta(days=validity),
            }
        )
        for request in self:
            request._log_on_order(
                self.env._(
                    "Credit release approved by %(user)s until %(date)s.",
                    user=self.env.user.name,
                    date=request.expiry_date,
                )
            )
        self.activity_unlink(["mail.mail_activity_data_todo"])
        return True

    def action_reject(self):
        self.write({"state": "rejected"})
        for request in self:
            request._log_on_order(self.env._("Credit release rejected by %(user)s.", user=self.env.user.name))
        self.activity_unlink(["mail.mail_activity_data_todo"])
        return True

    def _log_on_order(self, body):
        """Note the decision on the order. Called after the decision's own checks (write): a
        credit manager decides without sales rights, without reading the customer and without
        an e-mail address of his own, so the note is logged (no mail) as superuser."""
        self.ensure_one()
        self.order_id.sudo()._message_log(body=escape(body), author_id=self.env.user.partner_id.id)

    @api.model
    def _cron_expire(self):
        self.search(
            [("state", "=", "approved"), ("expiry_date", "<", fields.Date.context_today(self))]
        ).write({"state": "expired"})
