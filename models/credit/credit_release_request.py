from datetime import timedelta

from markupsafe import escape

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from ..approval_mixin import SYSTEM_STEP

# The customer's credit as the requester saw it, kept on the request for the credit manager.
SNAPSHOT_FIELDS = (
    "customer_grade_id",
    "customer_credit_line",
    "customer_exposure",
    "customer_overdue",
    "customer_credit_hold",
    "customer_hold_reason",
)


class CreditReleaseRequest(models.Model):
    _name = "credit.release.request"
    _description = "Credit Release Request"
    _inherit = ["mail.thread", "mail.activity.mixin", "credit.approval.mixin", "customer.access.logged.mixin"]
    _order = "id desc"
    _check_company_auto = True
    _credit_transitions = {
        ("to_approve", "approved"): True,
        ("to_approve", "rejected"): True,
        # Used by the order's confirmation, expired by the daily job: never by a caller, who would
        # write the release's figures with the step.
        ("approved", "used"): SYSTEM_STEP,
        ("approved", "expired"): SYSTEM_STEP,
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
            "partner_id",
            "user_id",
            *SNAPSHOT_FIELDS,
        }
    )

    name = fields.Char(string="Reference", readonly=True, copy=False, default="/")
    order_id = fields.Many2one("sale.order", required=True, readonly=True, check_company=True, index=True)
    # The customer the release is requested (and approved) for, kept when the order changes
    # customer: a release covers its order for this customer only (``_credit_valid_release``).
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
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
    customer_grade_id = fields.Many2one(
        "credit.grade", string="Credit Grade", readonly=True, help="The customer's grade when requested."
    )
    customer_credit_line = fields.Monetary(
        string="Credit Line", readonly=True, help="The customer's credit line when requested."
    )
    customer_exposure = fields.Monetary(
        string="Exposure", readonly=True, help="The customer's exposure when requested, this order excluded."
    )
    customer_overdue = fields.Monetary(
        string="Overdue Receivables",
        readonly=True,
        help="The customer's receivables past due when requested.",
    )
    customer_credit_hold = fields.Boolean(string="On Credit Hold", readonly=True)
    customer_hold_reason = fields.Char(string="Hold Reason", readonly=True)
    approved_by_id = fields.Many2one("res.users", readonly=True, copy=False)
    expiry_date = fields.Date(readonly=True, copy=False, help="The release cannot be used after this day.")
    customer_headroom = fields.Char(
        string="When It Fits",
        compute="_compute_customer_headroom",
        help="From the customer's dated headroom today: how much fits now and from which day the "
        "whole order fits (as the refusal says it).",
    )
    customer_headroom_chart = fields.Html(
        string="Dated Headroom",
        compute="_compute_customer_headroom",
        sanitize=False,
        help="The customer's available credit projected for the next 90 days, this order excluded.",
    )

    @api.depends("order_id", "order_amount", "state")
    def _compute_customer_headroom(self):
        self.customer_headroom = self.customer_headroom_chart = False
        for request in self.filtered(lambda r: r.state in ("to_approve", "approved") and r.order_id):
            order = request.order_id
            # Sudo, as the quotation's banner: the requester's own order shows its customer's credit.
            partner = order.sudo().partner_id.commercial_partner_id.with_company(order.company_id)
            projection, _median = partner._credit_headroom_projection(
                order.company_id, exclude_order_ids=order.ids
            )
            amount = request.order_amount or order._credit_amount()
            request.customer_headroom = partner._credit_headroom_sentence(
                order.company_id, amount, projection
            )
            request.customer_headroom_chart = partner._credit_headroom_chart_html(
                projection, highlight=amount
            )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("state", "to_approve") != "to_approve":
                raise UserError(self.env._("A release request starts waiting for approval."))
            # The figures are taken from the order, never from the caller.
            vals.pop("order_amount", None)
            vals.pop("excess_amount", None)
            # The customer it is requested for: the order's now, never the caller's.
            vals["partner_id"] = (
                self.env["sale.order"].sudo().browse(vals.get("order_id")).partner_id.commercial_partner_id.id
            )
            for fname in SNAPSHOT_FIELDS:
                vals.pop(fname, None)
            vals["user_id"] = self.env.uid
        self._check_no_waiting_request([vals.get("order_id") for vals in vals_list])
        requests = super().create(vals_list)
        for request in requests:
            order = request.order_id
            if order.state not in ("draft", "sent"):
                raise UserError(self.env._("Only quotations can be released."))
            if not order._credit_shown_orders():
                # The request keeps the customer's credit, read as superuser, for its requester.
                raise AccessError(
                    self.env._("You may not request a release for a customer above your clearance.")
                )
            request.sudo().write(
                {
                    "name": self.env["ir.sequence"].next_by_code("credit.release.request") or "/",
                    "order_amount": order._credit_amount(),
                    "excess_amount": max(-order.sudo().credit_available_after, 0.0),
                    **request._customer_snapshot(),
                }
            )
            order.message_post(
                body=self.env._(
                    "Credit release requested by %(user)s: %(reason)s",
                    user=self.env.user.name,
                    reason=request.reason,
                )
            )
            # The refused quotation goes on the held-order worklist with the check's reason.
            order._credit_hold_record_current()
            manager = request.company_id._credit_responsible_user()
            if manager:
                request.activity_schedule("mail.mail_activity_data_todo", user_id=manager.id)
        return requests

    @api.model
    def _check_no_waiting_request(self, order_ids):
        """One waiting request per order. The orders' rows are locked first (a no-op UPDATE, as in
        the credit check) so that of two concurrent requests the second fails and is retried."""
        order_ids = [order_id for order_id in order_ids if order_id]
        if not order_ids:
            return
        self.env.execute_query(SQL("UPDATE sale_order SET id = id WHERE id IN %s", tuple(order_ids)))
        waiting = self.sudo().search([("order_id", "in", order_ids), ("state", "=", "to_approve")], limit=1)
        if waiting or len(order_ids) != len(set(order_ids)):
            order = waiting.order_id or self.env["sale.order"].sudo().browse(order_ids[0])
            raise UserError(
                self.env._(
                    "A release of %(order)s is already waiting for a credit manager: it cannot be "
                    "requested twice.",
                    order=order.name,
                )
            )

    def _customer_snapshot(self):
        """The customer's credit as it stands, as superuser: the requester may sell to a
        customer above their clearance."""
        self.ensure_one()
        order = self.sudo().order_id
        company = order.company_id
        partner = order.partner_id.commercial_partner_id.with_company(company)
        aging = (
            self.env["credit.receivable"]
            .sudo()
            .get_aging_by_partner(fields.Date.context_today(self), company, partner_ids=partner.ids)
        )
        hold_reasons = dict(partner._fields["credit_hold_reason"]._description_selection(self.env))
        return {
            "customer_grade_id": partner.credit_grade_id.id,
            "customer_credit_line": partner.credit_line,
            "customer_exposure": order.credit_exposure,
            "customer_overdue": sum(row["overdue"] for row in aging),
            "customer_credit_hold": partner.credit_hold,
            "customer_hold_reason": partner.credit_hold and hold_reasons.get(partner.credit_hold_reason),
        }

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
                # The server's date, as the check that reads it (``_credit_valid_release``).
                "expiry_date": fields.Date.today() + timedelta(days=validity),
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
        self.search([("state", "=", "approved"), ("expiry_date", "<", fields.Date.today())]).write(
            {"state": "expired"}
        )
