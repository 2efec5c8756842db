from datetime import datetime, time, timedelta

import pytz

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from ..groups import CUSTODIAN_GROUP, DIRECTOR_GROUP, HEAD_GROUP

# Set only by the workflow's own actions.
WORKFLOW_FIELDS = frozenset({"state", "director_id", "head_id", "grant_id", "date_approved"})


class CustomerAccessRequest(models.Model):
    """A user's request to consult, copy/export or give out customers' data.

    Consult and copy need the Marketing Director; external provision needs a Department Head and
    the Marketing Director, two distinct people, neither of them the requester. The last approval
    creates the grant (`customer.access.grant`) that the confidentiality rules honour.
    """

    _name = "customer.access.request"
    _description = "Customer Data Access Request"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "id desc"

    name = fields.Char(string="Reference", readonly=True, copy=False, default="/")
    requester_id = fields.Many2one(
        "res.users",
        string="Requested By",
        required=True,
        readonly=True,
        default=lambda self: self.env.user,
        index=True,
        tracking=True,
    )
    partner_ids = fields.Many2many(
        "res.partner",
        "customer_access_request_partner_rel",
        "request_id",
        "partner_id",
        string="Customers",
        required=True,
        domain=[("is_company", "=", True)],
        help="Customers (companies) whose data is needed; their contacts and addresses are included.",
    )
    purpose = fields.Text(
        required=True, help="Why the data is needed, and for whom if it leaves the company."
    )
    request_type = fields.Selection(
        [
            ("consult", "Consult"),
            ("copy", "Copy or Export"),
            ("external", "External Provision"),
        ],
        string="Type",
        required=True,
        default="consult",
        tracking=True,
        help="Consult: read the customer file. Copy or Export: also export it. External Provision: give it "
        "to someone outside the company (needs a Department Head and the Marketing Director).",
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("submitted", "Submitted"),
            ("approved", "Approved"),
            ("rejected", "Rejected"),
            ("returned", "Returned"),
            ("expired", "Expired"),
        ],
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        index=True,
        tracking=True,
    )
    director_id = fields.Many2one(
        "res.users", string="Approved by Marketing Director", readonly=True, copy=False, tracking=True
    )
    head_id = fields.Many2one(
        "res.users", string="Approved by Department Head", readonly=True, copy=False, tracking=True
    )
    needs_head = fields.Boolean(compute="_compute_needs_head")
    date_approved = fields.Datetime(readonly=True, copy=False)
    grant_id = fields.Many2one("customer.access.grant", readonly=True, copy=False)
    date_end = fields.Datetime(related="grant_id.date_end", string="Valid Until")
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, default=lambda self: self.env.company
    )

    @api.depends("request_type")
    def _compute_needs_head(self):
        for request in self:
            request.needs_head = request.request_type == "external"

    @api.depends("name", "requester_id")
    def _compute_display_name(self):
        for request in self:
            request.display_name = f"{request.name} - {request.requester_id.name or ''}"

    def web_read(self, specification):
        # The requester and the approvers see the names of the customers asked for, whatever
        # their clearance, and nothing else of them: the customers are given by name only, and the
        # rest of the caller's specification is read as the caller.
        self.check_access("read")
        specification = dict(specification)
        partners_spec = specification.pop("partner_ids", None)
        result = super().web_read(specification)
        if partners_spec is None:
            return result
        with_name = "display_name" in (partners_spec.get("fields") or {})
        # From the relation itself: the cache of partner_ids holds what the caller may read.
        self.flush_recordset(["partner_ids"])
        rows = self.env.execute_query(
            SQL(
                "SELECT request_id, partner_id FROM customer_access_request_partner_rel"
                " WHERE request_id IN %s",
                tuple(self.ids) or (0,),
            )
        )
        # Names only: none of the caller's display keys (show_address, show_email...) in sudo.
        Partner = self.env(context={"lang": self.env.lang})["res.partner"].sudo()
        by_request = {}
        for request_id, partner_id in rows:
            by_request[request_id] = by_request.get(request_id, Partner) | Partner.browse(partner_id)
        for values in result:
            partners = by_request.get(values["id"], Partner).sorted("display_name")
            if "fields" not in partners_spec:
                values["partner_ids"] = partners.ids
            else:
                values["partner_ids"] = [
                    {"id": partner.id, "display_name": partner.display_name}
                    if with_name
                    else {"id": partner.id}
                    for partner in partners
                ]
        return result

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if not self.env.su and (WORKFLOW_FIELDS & vals.keys()):
                raise AccessError(self.env._("A new access request starts as a draft."))
            if not self.env.su and vals.get("requester_id", self.env.uid) != self.env.uid:
                raise AccessError(self.env._("You can only request access for yourself."))
            vals["name"] = self.env["ir.sequence"].sudo().next_by_code("customer.access.request") or "/"
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su:
            if WORKFLOW_FIELDS & vals.keys() or "requester_id" in vals:
                raise AccessError(self.env._("Access requests change state only through their buttons."))
            changed = {name for name in vals if not name.startswith(("message_", "activity_"))}
            if changed and any(request.state != "draft" for request in self):
                raise UserError(self.env._("Only a draft access request can be changed."))
        return super().write(vals)

    # ------------------------------------------------------------------ workflow

    @api.model
    def action_open_requests(self):
        """The Access Requests menu: approvers start on what waits for them, others on their own."""
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "customer_credit_management.customer_access_request_action"
        )
        user = self.env.user
        approver = user.has_group(DIRECTOR_GROUP) or user.has_group(HEAD_GROUP)
        default_filter = "filter_to_approve" if approver else "filter_mine"
        action["context"] = {f"search_default_{default_filter}": 1}
        return action

    def action_submit(self):
        for request in self:
            if request.state != "draft":
                raise UserError(self.env._("Only a draft request can be submitted."))
            if request.requester_id != self.env.user and not self.env.su:
                raise AccessError(self.env._("Only the requester submits their request."))
        self.sudo().write({"state": "submitted"})
        return True

    def action_approve(self):
        user = self.env.user
        is_director = user.has_group(DIRECTOR_GROUP)
        is_head = user.has_group(HEAD_GROUP)
        if not (is_director or is_head):
            raise AccessError(
                self.env._("Only a Marketing Director or a Department Head approves access requests.")
            )
        for request in self:
            if request.state != "submitted":
                raise UserError(self.env._("Only a submitted request can be approved."))
            if request.requester_id == user:
                raise AccessError(self.env._("You cannot approve your own access request."))
            if user in request.director_id | request.head_id:
                raise UserError(
                    self.env._(
                        "You already approved this request: a second, different person must approve it."
                    )
                )
            vals = {}
            if is_director and not request.director_id:
                vals["director_id"] = user.id
            elif request.needs_head and is_head and not request.head_id:
                vals["head_id"] = user.id
            else:
                raise AccessError(self.env._("Your approval is not the one this request is waiting for."))
            request.sudo().write(vals)
            if request.director_id and (request.head_id or not request.needs_head):
                request._grant()
            else:
                request.message_post(
                    body=self.env._("First approval given; waiting for the second approver.")
                )
        return True

    def action_reject(self):
        if not (self.env.user.has_group(DIRECTOR_GROUP) or self.env.user.has_group(HEAD_GROUP)):
            raise AccessError(
                self.env._("Only a Marketing Director or a Department Head rejects access requests.")
            )
        if any(request.state != "submitted" for request in self):
            raise UserError(self.env._("Only a submitted request can be rejected."))
        self.sudo().write({"state": "rejected"})
        return True

    def action_return(self):
        """End the grant early: the data is given back."""
        user = self.env.user
        for request in self:
            if request.state != "approved":
                raise UserError(self.env._("Only an approved request can be returned."))
            if not (
                self.env.su
                or user == request.requester_id
                or user in request.director_id | request.head_id
                or user.has_group(CUSTODIAN_GROUP)
            ):
                raise AccessError(
                    self.env._("Only the requester, an approver or customer service can return the data.")
                )
        self.grant_id.sudo().action_return()
        return True

    def action_reset_draft(self):
        for request in self:
            if request.state != "rejected" or request.requester_id != self.env.user:
                raise UserError(self.env._("Only the requester can reopen a rejected request."))
        self.sudo().write({"state": "draft", "director_id": False, "head_id": False})
        return True

    def _grant(self):
        self.ensure_one()
        now = fields.Datetime.now()
        grant = (
            self.env["customer.access.grant"]
            .sudo()
            .create(
                {
                    "user_id": self.requester_id.id,
                    "partner_ids": [fields.Command.set(self.sudo().partner_ids.commercial_partner_id.ids)],
                    "grant_type": self.request_type,
                    "date_start": now,
                    "date_end": self._grant_end(now),
                    "request_id": self.id,
                    "company_id": self.company_id.id,
                }
            )
        )
        self.sudo().write({"state": "approved", "grant_id": grant.id, "date_approved": now})
        self.message_post(
            body=self.env._(
                "Approved: access granted until %(date)s.",
                date=fields.Datetime.to_string(grant.date_end) + " UTC",
            )
        )

    def _grant_end(self, start):
        """End of validity of a grant starting at `start` (naive UTC).

        The company setting of the type gives a number of hours; 0 means the end of the day in the
        company's time zone. Odoo community has no company time zone: the company partner's one is
        used, else the approving user's, else UTC.
        """
        company = self.company_id
        hours = company[f"customer_grant_hours_{self.request_type}"]
        if hours:
            return start + timedelta(hours=hours)
        tz = pytz.timezone(company.partner_id.tz or self.env.user.tz or "UTC")
        local = pytz.utc.localize(start).astimezone(tz)
        midnight = tz.localize(datetime.combine(local.date() + timedelta(days=1), time.min))
        return midnight.astimezone(pytz.utc).replace(tzinfo=None)
