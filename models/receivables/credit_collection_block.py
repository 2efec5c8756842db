from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError


class CreditCollectionBlock(models.Model):
    """A dispute (争议) or collection block on one open receivable item. Once a Credit Manager other
    than the requester approves it, and until its end date or until it is lifted, the item stays
    in the aging (flagged) but leaves the collection run, the overdue hold and the letters'
    amounts: ``credit.receivable`` excludes it (``exclude_blocked``), nobody else."""

    _name = "credit.collection.block"
    _description = "Dispute / Collection Block"
    _inherit = ["mail.thread", "mail.activity.mixin", "credit.approval.mixin"]
    _order = "id desc"
    _check_company_auto = True
    _credit_transitions = {
        ("to_approve", "approved"): True,
        ("to_approve", "rejected"): True,
        ("approved", "lifted"): False,
    }
    _credit_editable_states = ("to_approve",)
    _credit_workflow_fields = frozenset({"state", "approved_by_id", "user_id", "lifted_by_id"})

    move_line_id = fields.Many2one(
        "account.move.line",
        string="Item",
        required=True,
        index=True,
        check_company=True,
        ondelete="cascade",
        domain=[("account_id.account_type", "=", "asset_receivable"), ("reconciled", "=", False)],
        help="The open receivable item disputed or blocked.",
    )
    move_id = fields.Many2one(related="move_line_id.move_id", string="Document")
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        compute="_compute_partner_id",
        store=True,
        index=True,
        help="The item's commercial entity.",
    )
    company_id = fields.Many2one(related="move_line_id.company_id", store=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    amount_residual = fields.Monetary(related="move_line_id.amount_residual", string="Open Amount")
    date_maturity = fields.Date(related="move_line_id.date_maturity", string="Due Date")
    block_type = fields.Selection(
        [("dispute", "Dispute"), ("block", "Collection Block")],
        string="Type",
        required=True,
        default="dispute",
        help="Dispute: the customer contests the item. Collection block: collection is paused for "
        "another reason (e.g. a credit note is on its way).",
    )
    reason = fields.Text(required=True, help="Why the item is disputed or its collection blocked.")
    owner_id = fields.Many2one(
        "res.users",
        required=True,
        default=lambda self: self.env.user,
        tracking=True,
        help="Who resolves the dispute.",
    )
    date_end = fields.Date(
        string="End Date",
        required=True,
        tracking=True,
        help="The item comes back into collection after this day.",
    )
    user_id = fields.Many2one(
        "res.users", string="Requested By", readonly=True, default=lambda self: self.env.user
    )
    approved_by_id = fields.Many2one("res.users", readonly=True, copy=False)
    lifted_by_id = fields.Many2one("res.users", readonly=True, copy=False)
    state = fields.Selection(
        [
            ("to_approve", "To Approve"),
            ("approved", "Approved"),
            ("rejected", "Rejected"),
            ("lifted", "Lifted"),
        ],
        default="to_approve",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
    )
    is_active = fields.Boolean(
        string="In Force",
        compute="_compute_is_active",
        search="_search_is_active",
        help="Approved and not past its end date: the item is out of collection.",
    )

    @api.depends("move_line_id.partner_id.commercial_partner_id")
    def _compute_partner_id(self):
        for block in self:
            block.partner_id = block.move_line_id.partner_id.commercial_partner_id

    def _compute_is_active(self):
        today = fields.Date.context_today(self)
        for block in self:
            block.is_active = block.state == "approved" and block.date_end >= today

    def _search_is_active(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on In Force."))
        domain = [("state", "=", "approved"), ("date_end", ">=", fields.Date.context_today(self))]
        return domain if (operator == "=") == value else ["!", *domain]

    @api.depends("move_line_id", "block_type")
    def _compute_display_name(self):
        types = dict(self._fields["block_type"]._description_selection(self.env))
        for block in self:
            block.display_name = (
                f"{types.get(block.block_type, '')} {block.move_line_id.move_name or ''}".strip()
            )

    @api.constrains("move_line_id")
    def _check_receivable(self):
        for block in self:
            if block.move_line_id.account_id.account_type != "asset_receivable":
                raise ValidationError(self.env._("Only receivable items can be disputed or blocked."))

    @api.model_create_multi
    def create(self, vals_list):
        self.env["credit.reminder"]._check_collection_access()
        for vals in vals_list:
            if vals.get("state", "to_approve") != "to_approve":
                raise UserError(self.env._("A dispute or collection block starts waiting for approval."))
            vals["user_id"] = self.env.uid
            vals.pop("approved_by_id", None)
            vals.pop("lifted_by_id", None)
        blocks = super().create(vals_list)
        for block in blocks:
            manager = block.company_id._credit_responsible_user()
            if manager:
                block.activity_schedule("mail.mail_activity_data_todo", user_id=manager.id)
        return blocks

    def write(self, vals):
        self.env["credit.reminder"]._check_collection_access()
        return super().write(vals)

    def _check_credit_step(self, new_state, needs_manager):
        if needs_manager and not self.env.su and self.user_id == self.env.user:
            raise AccessError(
                self.env._("Nobody can approve or reject their own dispute or collection block.")
            )

    def _credit_locked_message(self):
        return self.env._("A decided dispute or collection block cannot be changed; lift it instead.")

    def _credit_forbidden_step_message(self, new_state):
        return self.env._("This dispute or collection block cannot change to that state.")

    def _credit_manager_only_message(self):
        return self.env._("Only a Credit Manager can approve or reject a dispute or collection block.")

    def action_approve(self):
        self.write({"state": "approved", "approved_by_id": self.env.uid})
        self.activity_unlink(["mail.mail_activity_data_todo"])
        return True

    def action_reject(self):
        self.write({"state": "rejected"})
        self.activity_unlink(["mail.mail_activity_data_todo"])
        return True

    def action_lift(self):
        """The dispute is settled: the item comes back into collection at once."""
        self.write({"state": "lifted", "lifted_by_id": self.env.uid})
        return True
