from collections import defaultdict

from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..groups import CUSTODIAN_GROUP, HEAD_GROUP

HANDOVER_GROUPS = (CUSTODIAN_GROUP, HEAD_GROUP)
# Orders still open: quotations, and confirmed orders nobody locked.
OPEN_ORDER_DOMAIN = [("state", "in", ("draft", "sent", "sale")), ("locked", "=", False)]


class CustomerHandover(models.Model):
    """Hand a leaving employee's customers over to their successors, and keep the record of it.

    Draft: the form previews what will move. Confirming moves the customers (salesperson), the
    open quotations and orders, the scheduled activities and the followerships, returns the
    employee's access grants, optionally archives the user, and stores the summary: the record
    itself is the audit entry. Custodians (customer service) and department heads only.
    """

    _name = "customer.handover"
    _description = "Customer Handover"
    _inherit = ["mail.thread"]
    _order = "id desc"

    employee_id = fields.Many2one(
        "res.users",
        string="Leaving Employee",
        required=True,
        domain=[("share", "=", False)],
        tracking=True,
    )
    successor_ids = fields.Many2many(
        "res.users",
        "customer_handover_successor_rel",
        "handover_id",
        "user_id",
        string="Successors",
        required=True,
        domain=[("share", "=", False)],
        help="The customers are shared out among them in turn; each customer's open orders, activities and "
        "followers go to the same successor.",
    )
    last_day = fields.Date(
        string="Last Working Day", help="For the record: the handover can be done before that day."
    )
    archive_user = fields.Boolean(
        string="Archive the User", help="Archive the employee's user when the handover is confirmed."
    )
    state = fields.Selection(
        [("draft", "Preview"), ("done", "Done")], default="draft", required=True, readonly=True, tracking=True
    )
    date_done = fields.Datetime(string="Handed Over On", readonly=True)
    done_by_id = fields.Many2one("res.users", string="Handed Over By", readonly=True)
    summary = fields.Html(
        readonly=True, sanitize=True, help="What moved, written when the handover is confirmed."
    )
    # Preview, computed from the current data.
    preview_partner_ids = fields.Many2many(
        "res.partner", string="Customers to Move", compute="_compute_preview", compute_sudo=True
    )
    preview_order_ids = fields.Many2many(
        "sale.order", string="Open Quotations and Orders", compute="_compute_preview", compute_sudo=True
    )
    preview_activity_count = fields.Integer(
        string="Scheduled Activities", compute="_compute_preview", compute_sudo=True
    )
    preview_follower_count = fields.Integer(
        string="Followed Records", compute="_compute_preview", compute_sudo=True
    )
    preview_grant_count = fields.Integer(
        string="Access Grants to Revoke", compute="_compute_preview", compute_sudo=True
    )
    preview = fields.Html(
        compute="_compute_preview",
        compute_sudo=True,
        sanitize=False,
        help="What the handover will move; the names are shown even for customers above your clearance.",
    )
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)

    @api.depends("employee_id", "state")
    def _compute_display_name(self):
        for handover in self:
            handover.display_name = self.env._("Handover of %(name)s", name=handover.employee_id.name or "")

    @api.depends("employee_id", "state")
    def _compute_preview(self):
        for handover in self:
            items = handover._handover_items() if handover.state == "draft" and handover.employee_id else {}
            handover.preview_partner_ids = items.get("partners", self.env["res.partner"])
            handover.preview_order_ids = items.get("orders", self.env["sale.order"])
            handover.preview_activity_count = len(items.get("activities", []))
            handover.preview_follower_count = len(items.get("followers", []))
            handover.preview_grant_count = len(items.get("grants", []))
            handover.preview = handover._handover_summary(items) if items else False

    def _handover_items(self):
        """Everything of the employee's that moves (as superuser: the employee's own records)."""
        self.ensure_one()
        env = self.sudo().env
        employee = self.employee_id
        return {
            "partners": env["res.partner"]
            .with_context(active_test=False)
            .search([("user_id", "=", employee.id), ("is_external_customer", "=", True)]),
            "orders": env["sale.order"].search([("user_id", "=", employee.id), *OPEN_ORDER_DOMAIN]),
            "activities": env["mail.activity"].search([("user_id", "=", employee.id)]),
            "followers": env["mail.followers"].search([("partner_id", "=", employee.partner_id.id)]),
            "grants": env["customer.access.grant"].search(
                [("user_id", "=", employee.id), ("state", "=", "active")]
            ),
            "requests": env["customer.access.request"].search(
                [("requester_id", "=", employee.id), ("state", "in", ("draft", "submitted"))]
            ),
        }

    @api.model_create_multi
    def create(self, vals_list):
        self._check_handover_rights()
        return super().create(vals_list)

    def write(self, vals):
        self._check_handover_rights()
        if any(handover.state == "done" for handover in self) and not self.env.su:
            changed = {name for name in vals if not name.startswith(("message_", "activity_"))}
            if changed:
                raise UserError(self.env._("A confirmed handover cannot be changed."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_done(self):
        if any(handover.state == "done" for handover in self):
            raise UserError(self.env._("A confirmed handover is an audit record: it cannot be deleted."))

    @api.model
    def _check_handover_rights(self):
        user = self.env.user
        if not (self.env.su or any(user.has_group(group) for group in HANDOVER_GROUPS)):
            raise AccessError(self.env._("Only customer service and department heads hand customers over."))

    # ------------------------------------------------------------------ confirm

    def action_confirm(self):
        self._check_handover_rights()
        for handover in self:
            if handover.state != "draft":
                raise UserError(self.env._("This handover is already done."))
            if not handover.successor_ids:
                raise UserError(self.env._("Choose at least one successor."))
            if handover.employee_id in handover.successor_ids:
                raise UserError(self.env._("The leaving employee cannot be their own successor."))
            handover._do_handover()
        return True

    def _do_handover(self):
        self.ensure_one()
        items = self._handover_items()
        successors = self.successor_ids.sorted("id")
        first = successors[0]
        # Each customer (commercial entity) goes to one successor, in turn.
        commercial_ids = sorted(set(items["partners"].commercial_partner_id.ids))
        heir_of = {pid: successors[index % len(successors)] for index, pid in enumerate(commercial_ids)}

        def heir(partner):
            return heir_of.get(partner.commercial_partner_id.id, first)

        by_heir = defaultdict(lambda: defaultdict(list))
        for partner in items["partners"]:
            by_heir[heir(partner)]["partners"].append(partner.id)
        for order in items["orders"]:
            by_heir[heir(order.partner_id)]["orders"].append(order.id)
        partner_model_ids = set(items["partners"].ids)
        orders_by_id = {order.id: order for order in items["orders"]}
        for activity in items["activities"]:
            target = first
            if activity.res_model == "res.partner" and activity.res_id in partner_model_ids:
                target = heir(items["partners"].browse(activity.res_id))
            elif activity.res_model == "sale.order" and activity.res_id in orders_by_id:
                target = heir(orders_by_id[activity.res_id].partner_id)
            by_heir[target]["activities"].append(activity.id)
        follow = defaultdict(lambda: defaultdict(list))  # heir -> model -> record ids
        for follower in items["followers"]:
            if follower.res_model not in self.env:
                continue
            target = first
            if follower.res_model == "res.partner" and follower.res_id in partner_model_ids:
                target = heir(items["partners"].browse(follower.res_id))
            follow[target][follower.res_model].append(follower.res_id)

        env = self.sudo().env
        for successor, groups in by_heir.items():
            env["res.partner"].browse(groups["partners"]).write({"user_id": successor.id})
            env["sale.order"].browse(groups["orders"]).write({"user_id": successor.id})
            env["mail.activity"].browse(groups["activities"]).write({"user_id": successor.id})
        for successor, models_ids in follow.items():
            for model, ids in models_ids.items():
                records = env[model].browse(ids).exists()
                if hasattr(records, "message_subscribe"):
                    records.message_subscribe(partner_ids=successor.partner_id.ids)
        items["followers"].unlink()
        items["grants"].action_return()
        # A leaving employee's pending requests for customer data are void.
        items["requests"].write({"state": "rejected"})
        if self.archive_user:
            self.employee_id.sudo().action_archive()

        summary = self._handover_summary(items)
        self.sudo().write(
            {
                "state": "done",
                "date_done": fields.Datetime.now(),
                "done_by_id": self.env.uid,
                "summary": summary,
            }
        )
        self.message_post(body=summary)

    def _handover_summary(self, items):
        def names(records):
            return escape(", ".join(records.mapped("display_name")) or "-")

        lines = [
            (
                self.env._("Customers"),
                names(items["partners"].filtered(lambda p: p.is_company or not p.parent_id)),
            ),
            (self.env._("Open quotations and orders"), names(items["orders"])),
            (self.env._("Scheduled activities"), str(len(items["activities"]))),
            (self.env._("Followed records"), str(len(items["followers"]))),
            (self.env._("Access grants revoked"), str(len(items["grants"]))),
            (self.env._("Pending access requests withdrawn"), str(len(items["requests"]))),
            (self.env._("Successors"), names(self.successor_ids)),
            (
                self.env._("User archived"),
                self.env._("Yes") if self.archive_user else self.env._("No"),
            ),
        ]
        rows = Markup("").join(Markup("<li><b>%s</b>: %s</li>") % (label, value) for label, value in lines)
        return Markup("<ul>%s</ul>") % rows
