from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    _inherit = "res.company"

    credit_responsible_id = fields.Many2one(
        "res.users",
        string="Credit Manager in Charge",
        domain=lambda self: [
            ("groups_id", "in", self.env.ref("customer_credit_management.group_credit_manager").id)
        ],
        help="Receives the credit activities (re-evaluations). Without one, the first credit manager does.",
    )

    credit_control_enabled = fields.Boolean(
        string="Enforce Credit Lines",
        help="Refuse to confirm orders and to ship goods beyond a customer's credit line or to a "
        "customer on credit hold. Off at installation: compute the limits, review them, then "
        "switch it on.",
    )
    credit_default_risk_factor = fields.Float(
        string="Default Risk Factor",
        digits=(4, 2),
        default=0.5,
        help="Risk correction factor of customers without a credit grade.",
    )
    credit_overdue_hold_days = fields.Integer(
        string="Hold After Overdue (Days)",
        default=90,
        help="Customers with receivables overdue by more than this many days are put on credit hold.",
    )
    credit_release_validity_days = fields.Integer(
        string="Release Validity (Days)",
        default=7,
        help="Days an approved release request stays usable.",
    )
    credit_near_line_share = fields.Float(
        string="Near Line Share",
        digits=(4, 2),
        default=0.8,
        help="A customer whose exposure reaches this share of its credit line (0.8 = 80 %) is near "
        "its line: its salesperson and the credit manager in charge get an activity, its form a ribbon, "
        "the dashboard a tile.",
    )

    @api.constrains("credit_near_line_share")
    def _check_credit_near_line_share(self):
        for company in self:
            if not 0 < company.credit_near_line_share <= 1:
                raise ValidationError(
                    self.env._("The near line share must be above 0 and at most 1 (100 %).")
                )

    @api.constrains("credit_default_risk_factor", "credit_overdue_hold_days", "credit_release_validity_days")
    def _check_credit_settings(self):
        for company in self:
            if company.credit_default_risk_factor < 0:
                raise ValidationError(self.env._("The default risk factor cannot be negative."))
            if company.credit_overdue_hold_days <= 0 or company.credit_release_validity_days <= 0:
                raise ValidationError(
                    self.env._("The overdue days before a hold and the release validity must be positive.")
                )

    def _credit_responsible_user(self):
        self.ensure_one()
        if self.credit_responsible_id:
            return self.credit_responsible_id
        # The module puts the administrator in its groups at installation: someone who holds the
        # group for the job decides first, the administrators (Settings) only when nobody else does.
        return self._credit_first_user_of(
            "customer_credit_management.group_credit_manager", prefer_not="base.group_system"
        )

    def _credit_first_user_of(self, group_xmlid, prefer_not=None):
        """The first active internal user of the group in this company; if ``prefer_not`` (a group)
        is given, the first one outside that group when there is one."""
        group = self.env.ref(group_xmlid)
        # Looked up once: each env.ref checks that the record exists (a query per user).
        root = self.env.ref("base.user_root")
        users = (
            group.sudo()
            .users.filtered(
                lambda user: user.active and not user.share and user != root and self in user.company_ids
            )
            .sorted("id")
        )
        if prefer_not:
            users = (users - self.env.ref(prefer_not).sudo().users) or users
        return users[:1]
