from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

# The customer's fields an approved temporary increase sets (``res.partner._compute_credit_line``).
TEMPORARY_FIELDS = ("credit_limit_temporary", "credit_limit_temporary_from", "credit_limit_temporary_until")


class CreditLimitRequest(models.Model):
    """A salesperson asks for a higher credit line for a while, for a customer or a credit group;
    a Credit Manager other than the requester decides. Approved, the customer's (or the group's)
    line is the larger of its policy line and the requested one from the first to the last day; a
    daily job expires it."""

    _name = "credit.limit.request"
    _description = "Temporary Credit Limit Increase"
    _inherit = ["mail.thread", "mail.activity.mixin", "credit.approval.mixin"]
    _order = "id desc"
    _check_company_auto = True
    _credit_transitions = {
        ("to_approve", "approved"): True,
        ("to_approve", "rejected"): True,
        ("to_approve", "cancelled"): False,
        ("approved", "cancelled"): True,
        ("approved", "expired"): True,
    }
    _credit_editable_states = ("to_approve",)
    _credit_workflow_fields = frozenset(
        {"state", "name", "user_id", "approved_by_id", "approved_date", "customer_credit_line"}
    )

    name = fields.Char(string="Reference", readonly=True, copy=False, default="/")
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        index=True,
        tracking=True,
        check_company=True,
        domain=["|", ("is_company", "=", True), ("parent_id", "=", False)],
        help="The customer whose line is raised; or a credit group, not both.",
    )
    group_id = fields.Many2one(
        "credit.group",
        string="Credit Group",
        index="btree_not_null",
        tracking=True,
        check_company=True,
        help="The credit group whose group line is raised (the members' own lines stay); or a "
        "customer, not both.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, tracking=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    amount = fields.Monetary(
        string="Temporary Credit Line",
        required=True,
        tracking=True,
        help="The credit line asked for: while in force the customer's line is the larger of its "
        "policy line and this amount.",
    )
    date_from = fields.Date(string="From", required=True, default=fields.Date.context_today, tracking=True)
    date_to = fields.Date(string="Until", required=True, tracking=True, help="Last day of the increase.")
    reason = fields.Text(
        required=True, tracking=True, help="Why the customer needs a higher line for a while."
    )
    user_id = fields.Many2one(
        "res.users", string="Requested By", readonly=True, default=lambda self: self.env.user, tracking=True
    )
    customer_credit_line = fields.Monetary(
        string="Credit Line When Requested", readonly=True, help="The customer's credit line when requested."
    )
    approved_by_id = fields.Many2one(
        "res.users", string="Decided By", readonly=True, copy=False, tracking=True
    )
    approved_date = fields.Date(string="Decided On", readonly=True, copy=False)
    state = fields.Selection(
        [
            ("to_approve", "To Approve"),
            ("approved", "Approved"),
            ("rejected", "Rejected"),
            ("cancelled", "Cancelled"),
            ("expired", "Expired"),
        ],
        default="to_approve",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
    )

    @api.constrains("amount", "date_from", "date_to")
    def _check_amount_dates(self):
        for request in self:
            if request.amount <= 0:
                raise ValidationError(self.env._("A temporary credit line must be positive."))
            if request.date_to < request.date_from:
                raise ValidationError(self.env._("A temporary credit line cannot end before it starts."))

    @api.constrains("partner_id", "group_id")
    def _check_commercial_partner(self):
        if any(bool(request.partner_id) == bool(request.group_id) for request in self):
            raise ValidationError(
                self.env._("A temporary credit line is asked for a customer or for a credit group.")
            )
        if any(request.partner_id != request.partner_id.commercial_partner_id for request in self):
            raise ValidationError(
                self.env._("A temporary credit line is asked for the customer's company, not a contact.")
            )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("state", "to_approve") != "to_approve":
                raise UserError(self.env._("A temporary credit line request starts waiting for approval."))
            # Who asked and the line they saw come from the request, never from the caller.
            vals.pop("customer_credit_line", None)
            vals.pop("approved_by_id", None)
            vals.pop("approved_date", None)
            vals["user_id"] = self.env.uid
        requests = super().create(vals_list)
        # A constraint runs for the fields given: also when neither target is.
        requests._check_commercial_partner()
        for request in requests:
            # Sudo: the requester may ask for a customer above their clearance they sell to.
            target = request.sudo().partner_id.with_company(request.company_id) or request.sudo().group_id
            request.sudo().write(
                {
                    "name": self.env["ir.sequence"].next_by_code("credit.limit.request") or "/",
                    "customer_credit_line": target.credit_line,
                }
            )
            manager = request.company_id._credit_responsible_user()
            if manager:
                request.activity_schedule("mail.mail_activity_data_todo", user_id=manager.id)
        return requests

    def _check_credit_step(self, new_state, needs_manager):
        if new_state in ("approved", "rejected") and not self.env.su and self.user_id == self.env.user:
            raise AccessError(
                self.env._("Nobody can approve or reject their own temporary credit line request.")
            )
        if (
            new_state == "cancelled"
            and not needs_manager
            and not self.env.su
            and self.user_id != self.env.user
        ):
            raise AccessError(self.env._("Only the requester can withdraw a waiting request."))
        if new_state == "approved":
            self._check_no_other_increase()

    def _check_no_other_increase(self):
        """One temporary line per customer (or group) and company at a time: it is held on the
        customer."""
        target = (
            ("partner_id", "=", self.partner_id.id)
            if self.partner_id
            else ("group_id", "=", self.group_id.id)
        )
        other = self.sudo().search(
            [
                ("id", "!=", self.id),
                target,
                ("company_id", "=", self.company_id.id),
                ("state", "=", "approved"),
            ],
            limit=1,
        )
        if other:
            raise UserError(
                self.env._(
                    "%(customer)s already has the approved temporary credit line %(request)s: "
                    "cancel it first.",
                    customer=(other.partner_id or other.group_id).display_name,
                    request=other.name,
                )
            )

    def _credit_locked_message(self):
        return self.env._("A decided temporary credit line request cannot be changed.")

    def _credit_forbidden_step_message(self, new_state):
        return self.env._("This temporary credit line request cannot change to that state.")

    def _credit_manager_only_message(self):
        return self.env._("Only a Credit Manager can approve, reject or end a temporary credit line.")

    def action_approve(self):
        self.write(
            {
                "state": "approved",
                "approved_by_id": self.env.uid,
                "approved_date": fields.Date.context_today(self),
            }
        )
        # A group's temporary line is read from its approved request (credit.group._compute_credit_line).
        for request in self.filtered("partner_id"):
            request._credit_apply(
                {
                    "credit_limit_temporary": request.amount,
                    "credit_limit_temporary_from": request.date_from,
                    "credit_limit_temporary_until": request.date_to,
                }
            )
        self.activity_unlink(["mail.mail_activity_data_todo"])
        return True

    def action_reject(self):
        self.write(
            {
                "state": "rejected",
                "approved_by_id": self.env.uid,
                "approved_date": fields.Date.context_today(self),
            }
        )
        self.activity_unlink(["mail.mail_activity_data_todo"])
        return True

    def action_cancel(self):
        ending = self.filtered(lambda r: r.state == "approved")
        self.write({"state": "cancelled"})
        ending._credit_clear()
        self.activity_unlink(["mail.mail_activity_data_todo"])
        return True

    def _credit_apply(self, vals):
        """Put ``vals`` on the customer, after the workflow's checks (write): as superuser, the
        customer's temporary line being nobody's to write by hand."""
        self.ensure_one()
        partner = self.partner_id.sudo().with_company(self.company_id)
        partner.write(vals)
        partner._credit_sync_native_limit(self.company_id)

    def _credit_clear(self):
        for request in self.filtered("partner_id"):
            request._credit_apply(dict.fromkeys(TEMPORARY_FIELDS, False))

    @api.model
    def _cron_expire(self):
        """Expire the increases whose last day has passed; the customer's line falls back."""
        expired = self.search([("state", "=", "approved"), ("date_to", "<", fields.Date.context_today(self))])
        expired.write({"state": "expired"})
        expired._credit_clear()
        # Odoo's own limit follows the line on the first day of an increase approved in advance.
        starting = self.search(
            [
                ("state", "=", "approved"),
                ("date_from", "=", fields.Date.context_today(self)),
                ("partner_id", "!=", False),
            ]
        )
        for request in starting:
            request.partner_id.with_company(request.company_id)._credit_sync_native_limit(request.company_id)
