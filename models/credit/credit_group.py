from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL


class CreditGroup(models.Model):
    """Related customers (集团: subsidiaries ordering under several tax ids) sharing a credit line
    on top of their own: an order is refused when either line is exceeded
    (``res.partner._credit_refusal``)."""

    _name = "credit.group"
    _description = "Customer Credit Group"
    _inherit = ["mail.thread"]
    _order = "name"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True, tracking=True)
    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
        tracking=True,
        help="The group's line applies to the orders of this company.",
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    member_ids = fields.One2many(
        "res.partner",
        "credit_group_id",
        string="Members",
        domain=["|", ("is_company", "=", True), ("parent_id", "=", False)],
        help="The customers (commercial entities) of the group.",
    )
    line_mode = fields.Selection(
        [("policy", "Policy formula"), ("manual", "Manual amount")],
        string="Group Line",
        default="policy",
        required=True,
        tracking=True,
        help="Policy formula: the members' computed credit limits (the formula over their "
        "confirmed orders of the previous period) added up, times the lowest risk factor among "
        "the members. Manual amount: the amount below.",
    )
    manual_line = fields.Monetary(
        string="Manual Group Line", tracking=True, help="The group's credit line when set manually."
    )
    note = fields.Text(help="Why these customers form a group: shareholding, guarantees...")
    limit_request_ids = fields.One2many(
        "credit.limit.request",
        "group_id",
        string="Temporary Group Lines",
        readonly=True,
        help="Temporary increases of the group's line asked for; approved, the group's line is the "
        "larger of its line and the temporary one from the first to the last day.",
    )
    credit_limit_temporary = fields.Monetary(
        string="Temporary Group Line",
        compute="_compute_credit_line",
        help="The approved temporary group line in force today, if any.",
    )
    credit_member_ids = fields.Many2many(
        "res.partner",
        compute="_compute_credit_line",
        string="Counted Members",
        # Archived members too: archiving a customer does not settle its open orders and invoices.
        context={"active_test": False},
        help="The members whose exposures add up to the group's, whoever may read them.",
    )
    credit_limit_base = fields.Monetary(
        string="Group Credit Limit",
        compute="_compute_credit_line",
        help="The members' computed credit limits added up, or the manual line.",
    )
    credit_risk_factor = fields.Float(
        string="Worst Risk Factor",
        compute="_compute_credit_line",
        digits=(4, 2),
        help="The lowest risk factor among the members (their grades', else the company's default).",
    )
    credit_line = fields.Monetary(
        string="Group Credit Line",
        compute="_compute_credit_line",
        help="Policy: group credit limit × worst risk factor; manual: the manual group line.",
    )
    credit_exposure = fields.Monetary(
        string="Group Exposure", compute="_compute_credit_exposure", help="The members' exposures added up."
    )
    credit_available = fields.Monetary(string="Group Available Credit", compute="_compute_credit_exposure")

    @api.constrains("manual_line")
    def _check_manual_line(self):
        if any(group.manual_line < 0 for group in self):
            raise ValidationError(self.env._("A group credit line cannot be negative."))

    @api.depends(
        "line_mode",
        "manual_line",
        "company_id",
        "member_ids.credit_limit_computed",
        "member_ids.credit_grade_id.risk_factor",
        "limit_request_ids.state",
        "limit_request_ids.amount",
        "limit_request_ids.date_from",
        "limit_request_ids.date_to",
    )
    def _compute_credit_line(self):
        """In one query for all groups: read before the confirmation of a member's order. The
        group's line, like a customer's (``res.partner._credit_line_values``), is the larger of
        its policy or manual line and an approved temporary line from its first to its last day."""
        self.env["res.partner"].flush_model(["credit_group_id", "credit_limit_computed", "credit_grade_id"])
        self.env["credit.grade"].flush_model(["risk_factor"])
        self.env["credit.limit.request"].flush_model(["group_id", "state", "amount", "date_from", "date_to"])
        self.flush_recordset(["company_id"])
        # The server's date, as the customer's temporary line.
        today = fields.Date.today()
        rows = self.env.execute_query(
            SQL(
                """
                SELECT grp.id,
                       ARRAY_REMOVE(ARRAY_AGG(member.id ORDER BY member.id), NULL),
                       COALESCE(SUM((member.credit_limit_computed ->> grp.company_id::text)::numeric), 0),
                       MIN(COALESCE(grade.risk_factor, company.credit_default_risk_factor)),
                       (SELECT MAX(request.amount)
                          FROM credit_limit_request request
                         WHERE request.group_id = grp.id
                           AND request.company_id = grp.company_id
                           AND request.state = 'approved'
                           AND request.date_from <= %(today)s
                           AND request.date_to >= %(today)s)
                  FROM credit_group grp
                  JOIN res_company company ON company.id = grp.company_id
             LEFT JOIN res_partner member ON member.credit_group_id = grp.id
             LEFT JOIN credit_grade grade ON grade.id = member.credit_grade_id
                 WHERE grp.id = ANY(%(ids)s)
              GROUP BY grp.id
                """,
                ids=self._origin.ids,
                today=today,
            )
        )
        figures = {group_id: values for group_id, *values in rows}
        for group in self:
            members, base, factor, temporary = figures.get(group._origin.id, ([], 0.0, None, None))
            if factor is None:
                factor = group.company_id.credit_default_risk_factor
            currency = group.company_id.currency_id
            group.credit_member_ids = self.env["res.partner"].browse(members)
            temporary = currency.round(float(temporary or 0.0))
            group.credit_limit_temporary = temporary
            group.credit_risk_factor = factor
            if group.line_mode == "manual":
                group.credit_limit_base = group.manual_line
                line = group.manual_line
            else:
                group.credit_limit_base = float(base)
                line = currency.round(float(base) * factor)
            group.credit_line = max(line, temporary)

    def _compute_credit_exposure(self):
        for company, groups in self.grouped("company_id").items():
            exposure = self.env["credit.exposure"]._exposure_by_partner(groups.credit_member_ids.ids, company)
            for group in groups:
                group.credit_exposure = group._credit_group_exposure(exposure)
                group.credit_available = group.credit_line - group.credit_exposure
        (self - self.filtered("company_id")).credit_exposure = 0.0

    def _credit_group_exposure(self, exposures=None):
        """The group's exposure: its members' added up, from ``exposures`` ({commercial partner id:
        exposure}) when it holds them all, else in one ``_exposure_by_partner`` call."""
        self.ensure_one()
        member_ids = self.credit_member_ids.ids
        if exposures is None or not exposures.keys() >= set(member_ids):
            exposures = self.env["credit.exposure"]._exposure_by_partner(member_ids, self.company_id)
        return sum(exposures[member_id] for member_id in member_ids)

    def _credit_over_line(self, exposure, amount=0.0):
        """Whether ``exposure`` plus ``amount`` goes beyond the group's credit line."""
        self.ensure_one()
        return self.company_id.currency_id.compare_amounts(exposure + amount, self.credit_line) > 0
