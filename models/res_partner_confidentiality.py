from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

CUSTODIAN_GROUP = "customer_credit_management.group_customer_data_custodian"
DIRECTOR_GROUP = "customer_credit_management.group_marketing_director"
LEVEL_FIELDS = {"confidentiality_level_id", "confidentiality_level_proposed_id"}


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
    )
    confidentiality_level_proposed_id = fields.Many2one(
        "customer.confidentiality.level",
        string="Proposed Level",
        tracking=True,
        help="Level proposed by customer service, waiting for the Marketing Director's approval. "
        "Until then the stricter of the approved and the proposed level applies.",
    )
    confidentiality_rank = fields.Integer(
        string="Effective Confidentiality Rank",
        compute="_compute_confidentiality_rank",
        store=True,
        index=True,
        help="Rank of the stricter of the approved and the proposed level.",
    )
    confidentiality_effective_level_id = fields.Many2one(
        "customer.confidentiality.level",
        string="Effective Level",
        compute="_compute_confidentiality_rank",
        store=True,
        help="The level the access rules apply now: the stricter of the approved and the proposed one.",
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

    @api.model
    def _customer_access_domain(self):
        """Domain of the partners the current user may read, evaluated when the query is built.

        Record rules are cached per user, so the time-dependent parts (grants) and the user's
        clearance live here, not in the rule: the rule's domain stays one constant leaf.
        Everything is a column test or an uncorrelated sub-select: no query per partner.
        """
        user = self.env.user
        if user._is_superuser() or user.has_group(CUSTODIAN_GROUP):
            return []
        # The sub-selects below read these columns: write what is pending first.
        self.env["res.users"].flush_model(["customer_clearance_level_id", "partner_id", "share"])
        self.env["res.partner"].flush_model(["user_id", "commercial_partner_id"])
        self.env["res.company"].flush_model(["partner_id"])
        self.env["customer.confidentiality.level"].flush_model(["rank"])
        self.env["customer.access.grant"].flush_model()
        # Sub-selects rather than values read in Python: no query added to the search itself.
        # The ranks up to the user's clearance (a leaf "rank <= sub-select" is not accepted).
        clearance = SQL(
            "(SELECT generate_series(0, (SELECT COALESCE(MAX(lvl.rank), 0) FROM res_users u"
            " JOIN customer_confidentiality_level lvl ON lvl.id = u.customer_clearance_level_id"
            " WHERE u.id = %s)))",
            user.id,
        )
        own_company = SQL(
            "SELECT p.commercial_partner_id FROM res_users u"
            " JOIN res_partner p ON p.id = u.partner_id WHERE u.id = %s",
            user.id,
        )
        grants = self.env["customer.access.grant"]._granted_partner_sql(user.id)
        return [
            "|",
            "|",
            "|",
            "|",
            ("confidentiality_rank", "in", clearance),
            # Vendors only: purchasing is not customer data.
            "&",
            ("supplier_rank", ">", 0),
            ("customer_rank", "=", 0),
            # Its salesperson, a valid grant, or the user's own company (portal users).
            (
                "commercial_partner_id",
                "in",
                SQL(
                    "(SELECT id FROM res_partner WHERE user_id = %(uid)s AND id = commercial_partner_id"
                    " UNION %(grants)s UNION %(own)s)",
                    uid=user.id,
                    grants=grants,
                    own=own_company,
                ),
            ),
            # A level waiting for the Marketing Director's approval (empty for everyone else).
            ("confidentiality_level_proposed_id", "!=", False)
            if user.has_group(DIRECTOR_GROUP)
            else (0, "=", 1),
            # The companies' and the employees' own partners.
            (
                "id",
                "in",
                SQL(
                    "(SELECT partner_id FROM res_users WHERE NOT share"
                    " UNION SELECT partner_id FROM res_company)"
                ),
            ),
        ]

    # ------------------------------------------------------------------ level approval

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_confidentiality_write(vals, creating=True)
        return super().create(vals_list)

    def write(self, vals):
        self._check_confidentiality_write(vals)
        if (
            vals.keys() == {"confidentiality_level_proposed_id"}
            and not self.env.su
            and self.env.user.has_group(CUSTODIAN_GROUP)
        ):
            # Custodians propose levels without the right to edit every contact.
            self.check_access("read")
            result = super(ResPartner, self.sudo()).write(vals)
        else:
            result = super().write(vals)
        if vals.get("confidentiality_level_proposed_id"):
            self._schedule_confidentiality_approval()
        return result

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
        if vals.get("confidentiality_level_proposed_id") and not self.env.user.has_group(CUSTODIAN_GROUP):
            raise AccessError(
                self.env._(
                    "Only customer service (customer data custodians) can propose a confidentiality level."
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
