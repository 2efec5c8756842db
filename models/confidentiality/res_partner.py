from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import escape_psql

from ..groups import CUSTODIAN_GROUP, DIRECTOR_GROUP
from ..internal_flags import NO_APPROVAL_TODO, NO_FIELD_TRACKING

LEVEL_FIELDS = {"confidentiality_level_id", "confidentiality_level_proposed_id"}
# Context of the access request's customer field: find a customer one may not read yet.
ACCESS_REQUEST_LOOKUP = "customer_access_request_lookup"


class ResPartner(models.Model):
    _name = "res.partner"
    _inherit = ["res.partner", "customer.access.logged.mixin"]
    _customer_access_open_action = "open"

    confidentiality_level_id = fields.Many2one(
        "customer.confidentiality.level",
        default=lambda self: self.env["customer.confidentiality.level"]._default_level(),
        tracking=True,
        help="Approved confidentiality level (密级) of the customer; its contacts and addresses share it. "
        "Changed only by approving a proposed level.",
        write_owner="confidentiality",
    )
    confidentiality_level_proposed_id = fields.Many2one(
        "customer.confidentiality.level",
        string="Proposed Level",
        tracking=True,
        help="Level proposed by customer service, waiting for the Marketing Director's approval. "
        "Until then the stricter of the approved and the proposed level applies.",
        write_owner="confidentiality",
    )
    confidentiality_rank = fields.Integer(
        string="Effective Confidentiality Rank",
        compute="_compute_confidentiality_rank",
        store=True,
        index=True,
        help="Rank of the stricter of the approved and the proposed level.",
        write_owner="confidentiality",
    )
    confidentiality_effective_level_id = fields.Many2one(
        "customer.confidentiality.level",
        string="Effective Level",
        compute="_compute_confidentiality_rank",
        store=True,
        help="The level the access rules apply now: the stricter of the approved and the proposed one.",
        write_owner="confidentiality",
    )
    customer_access_ok = fields.Boolean(
        string="Readable Customer",
        compute="_compute_customer_access_ok",
        search="_search_customer_access_ok",
        help="The current user may read this customer: its level is within the user's clearance, the "
        "user is its salesperson or a custodian, or holds a valid access grant for it.",
    )

    def _customer_access_partners(self):
        return self.sudo()

    def _commercial_fields(self):
        return [*super()._commercial_fields(), *sorted(LEVEL_FIELDS)]

    @api.depends("confidentiality_level_id.rank", "confidentiality_level_proposed_id.rank")
    def _compute_confidentiality_rank(self):
        for partner in self:
            levels = partner.confidentiality_level_id | partner.confidentiality_level_proposed_id
            level = max(levels, key=lambda lvl: lvl.rank, default=levels)
            partner.confidentiality_effective_level_id = level
            partner.confidentiality_rank = level.rank

    def _compute_customer_access_ok(self):
        domain = [("id", "in", self.ids), *self._customer_access_domain()]
        allowed = self.sudo().with_context(active_test=False).search(domain)
        for partner in self:
            partner.customer_access_ok = partner in allowed

    def _search_customer_access_ok(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on readable customers."))
        positive = (operator == "=") == value
        condition = self._customer_access_domain()
        if not positive:
            condition = ["!", *condition] if condition else [(0, "=", 1)]
        return condition

    @api.depends_context("uid")
    def _compute_same_vat_partner_id(self):
        # Odoo finds the partner with the same tax ID or registry number as superuser: the form's
        # warning would name whose a number is. It names only a partner the user may read.
        super()._compute_same_vat_partner_id()
        found = self.same_vat_partner_id | self.same_company_registry_partner_id
        hidden = found - self.env["customer.access.policy"]._readable_partners(found)
        if not hidden:
            return
        for partner in self:
            if partner.same_vat_partner_id in hidden:
                partner.same_vat_partner_id = False
            if partner.same_company_registry_partner_id in hidden:
                partner.same_company_registry_partner_id = False

    @api.model
    def _customer_access_domain(self):
        """Domain of the partners the current user may read (``customer.access.policy``)."""
        return self.env["customer.access.policy"]._readable_partner_domain()

    # ------------------------------------------------------------------ level approval

    def _confidentiality_default_for_key(self):
        """Key customers default to Confidential (SPEC B4): one that becomes key below it gets
        Confidential proposed, which applies at once as the stricter level and waits under "Level to
        Approve" for the Marketing Director (no to-do each: a recompute may make many key at once)."""
        level = self.env.ref(
            "customer_credit_management.confidentiality_level_confidential", raise_if_not_found=False
        )
        if not level:
            return True
        below = self.filtered(
            lambda p: not p.confidentiality_level_proposed_id and p.confidentiality_rank < level.rank
        )
        if below:
            # A batch of the classification: its tracking follows the caller's context, as Odoo's.
            with NO_APPROVAL_TODO.on(), NO_FIELD_TRACKING.on():
                below.sudo().write({"confidentiality_level_proposed_id": level.id})
        return True

    def _schedule_confidentiality_approval(self):
        """A to-do for each Marketing Director on each customer whose level awaits approval."""
        directors = self.env.ref(DIRECTOR_GROUP).sudo().users.filtered(lambda user: not user.share)
        activity = "customer_credit_management.mail_activity_type_confidentiality_level"
        for partner in self.sudo().filtered(lambda p: p.is_company or not p.parent_id):
            partner.activity_unlink([activity])
            for director in directors:
                partner.activity_schedule(
                    activity,
                    user_id=director.id,
                    note=self.env._(
                        "Confidentiality level %(level)s proposed.",
                        level=partner.confidentiality_level_proposed_id.display_name,
                    ),
                )

    @api.model
    def _check_confidentiality_write(self, vals, creating=False):
        if self.env.su or not LEVEL_FIELDS & vals.keys():
            return
        default = self.env["customer.confidentiality.level"]._default_level()
        if "confidentiality_level_id" in vals and not (
            creating and vals["confidentiality_level_id"] in (default.id, False)
        ):
            raise AccessError(
                self.env._("A confidentiality level applies only once the Marketing Director approves it.")
            )
        # Proposing a level, and withdrawing a proposal, is customer service's; the Marketing
        # Director decides one with the approve and reject actions.
        if (
            "confidentiality_level_proposed_id" in vals
            and (vals["confidentiality_level_proposed_id"] or not creating)
            and not self.env.user.has_group(CUSTODIAN_GROUP)
        ):
            raise AccessError(
                self.env._(
                    "Only customer service (customer data custodians) can propose or withdraw a "
                    "confidentiality level."
                )
            )

    def action_approve_confidentiality_level(self):
        self._check_confidentiality_approver()
        for partner in self.commercial_partner_id.filtered("confidentiality_level_proposed_id"):
            level = partner.confidentiality_level_proposed_id
            partner.sudo().write(
                {"confidentiality_level_id": level.id, "confidentiality_level_proposed_id": False}
            )
            partner.sudo().message_post(
                body=self.env._("Confidentiality level %(level)s approved.", level=level.display_name)
            )
        self.commercial_partner_id.sudo().activity_feedback(
            ["customer_credit_management.mail_activity_type_confidentiality_level"]
        )
        return True

    def action_reject_confidentiality_level(self):
        self._check_confidentiality_approver()
        self.commercial_partner_id.filtered("confidentiality_level_proposed_id").sudo().write(
            {"confidentiality_level_proposed_id": False}
        )
        self.commercial_partner_id.sudo().activity_unlink(
            ["customer_credit_management.mail_activity_type_confidentiality_level"]
        )
        return True

    def _check_confidentiality_approver(self):
        if not (self.env.su or self.env.user.has_group(DIRECTOR_GROUP)):
            raise AccessError(self.env._("Only the Marketing Director approves confidentiality levels."))

    # ------------------------------------------------------------- export control (SPEC B4)
    # ``export_data`` of every model checks the partners it exports or reads (models/base_export.py).

    @api.model
    def _check_customer_export(self, partners, field_count, record_count=None):
        """Refuse, and log, exporting customers the user may not export (``customer.access.policy``)."""
        policy = self.env["customer.access.policy"]
        return policy._check_export(partners, field_count, record_count=record_count)

    @api.model
    def name_search(self, name="", args=None, operator="ilike", limit=100):
        if self.env.context.get(ACCESS_REQUEST_LOOKUP) and not self.env.su:
            # Asking for access needs finding the customer, but a context key is in every caller's
            # hands: it finds a company only by its exact name (no browsing through customers one
            # may not read), and ignores the caller's domain, which could probe their fields, and
            # the caller's context, whose display keys (show_address, show_email...) would show more.
            name = (name or "").strip()
            if not name:
                return []
            # By the name alone: Odoo's partner search also matches the e-mail, reference, VAT and
            # registry number, which would tell whose they are.
            plain = self.with_env(self.env(context={"lang": self.env.lang})).sudo()
            domain = [("is_company", "=", True), ("name", "=ilike", escape_psql(name))]
            companies = plain.search_fetch(domain, ["display_name"], limit=limit)
            return [(company.id, company.display_name) for company in companies]
        return super().name_search(name, args=args, operator=operator, limit=limit)
