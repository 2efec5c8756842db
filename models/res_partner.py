from datetime import date

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

# Fields only a Credit Manager may change; everyone who reads the customer sees them.
CREDIT_MANAGER_FIELDS = {
    "credit_score",
    "credit_score_date",
    "credit_evaluation_id",
    "credit_term_days_override",
    "credit_limit_period",
    "credit_limit_manual",
    "credit_limit_manual_base",
    "credit_limit_manual_reason",
    "credit_hold",
    "credit_hold_reason",
    "credit_hold_note",
}
CREDIT_DEFAULTS = {"credit_limit_period": "quarter"}
PERIOD_DAYS = {"quarter": 90, "month": 30}
# Holds set by collection letters, lifted when the customer has paid.
COLLECTION_REASONS = ("collection", "litigation")


def previous_period(period, today):
    """(first day, first day of the next) of the calendar quarter or month before ``today``'s."""
    if period == "month":
        end = today.replace(day=1)
        return end - relativedelta(months=1), end
    end = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    return end - relativedelta(months=3), end


class ResPartner(models.Model):
    _inherit = "res.partner"

    credit_score = fields.Float(
        digits=(5, 2),
        tracking=True,
        help="Credit score from 0 to 100 given by the last approved credit evaluation. "
        "Kept on the commercial entity; its contacts and addresses share it.",
    )
    credit_score_date = fields.Date(
        string="Last Evaluation",
        tracking=True,
        help="Date of the credit evaluation behind the score. A customer without it has "
        "not been scored and has no grade.",
    )
    credit_grade_id = fields.Many2one(
        "credit.grade",
        compute="_compute_credit_grade_id",
        store=True,
        index="btree_not_null",
        help="Grade of the commercial entity, from its credit score and the grade table.",
    )
    credit_grade_recommendation = fields.Text(related="credit_grade_id.recommendation", string="Grade Policy")
    credit_can_edit_score = fields.Boolean(compute="_compute_credit_can_edit_score")
    credit_evaluation_id = fields.Many2one(
        "credit.evaluation",
        string="Current Evaluation",
        readonly=True,
        copy=False,
        help="The approved credit evaluation behind the score.",
    )
    credit_evaluation_count = fields.Integer(compute="_compute_credit_evaluation_count")
    credit_reevaluation_due = fields.Boolean(
        string="Re-evaluation Due",
        compute="_compute_credit_reevaluation_due",
        search="_search_credit_reevaluation_due",
        help="The last approved evaluation is older than the re-evaluation period of the company.",
    )

    credit_term_days_override = fields.Integer(
        string="Credit Term Override (Days)",
        tracking=True,
        help="Set by a Credit Manager; 0 uses the industry's standard term, else the payment term.",
    )
    credit_term_days = fields.Integer(
        string="Credit Term (Days)",
        compute="_compute_credit_term_days",
        help="Days allowed between purchase and payment: the override, else the industry's "
        "standard term, else the longest term of the customer's payment terms.",
    )
    credit_limit_period = fields.Selection(
        [("quarter", "Last quarter"), ("month", "Last month")],
        string="Limit Basis",
        company_dependent=True,
        default="quarter",
        help="Credit limit = last quarter's confirmed orders × term / 90, or last month's × term / 30.",
    )
    # Company-dependent fields cannot be Monetary: Float with the accounting precision.
    credit_limit_computed = fields.Float(
        string="Computed Credit Limit",
        digits="Account",
        company_dependent=True,
        readonly=True,
        help="From the confirmed orders of the previous period; recomputed at each period start.",
    )
    credit_limit_date = fields.Date(string="Limit Computed On", company_dependent=True, readonly=True)
    credit_limit_manual = fields.Boolean(
        string="Manual Credit Limit", company_dependent=True, help="Use the manual limit below."
    )
    credit_limit_manual_base = fields.Float(string="Manual Limit", digits="Account", company_dependent=True)
    credit_limit_manual_reason = fields.Char(string="Reason for Manual Limit", company_dependent=True)
    credit_limit_base = fields.Monetary(
        string="Policy Credit Limit",
        compute="_compute_credit_line",
        help="Credit limit of the credit policy (信用限额): the manual limit, else the computed one.",
    )
    credit_risk_factor = fields.Float(
        string="Risk Factor",
        compute="_compute_credit_line",
        digits=(4, 2),
        help="From the credit grade, else the company's default factor.",
    )
    credit_line = fields.Monetary(
        compute="_compute_credit_line", help="Credit limit × risk correction factor (赊销额度)."
    )
    credit_exposure = fields.Monetary(
        compute="_compute_credit_exposure",
        help="Unpaid receivables + draft invoices + confirmed orders not yet invoiced.",
    )
    credit_available = fields.Monetary(compute="_compute_credit_exposure")
    credit_exceeded = fields.Boolean(
        string="Over Credit Line", compute="_compute_credit_exposure", search="_search_credit_exceeded"
    )
    credit_hold = fields.Boolean(
        string="On Credit Hold",
        tracking=True,
        copy=False,
        help="No order is confirmed and nothing ships to a customer on hold.",
    )
    credit_hold_reason = fields.Selection(
        [
            ("manual", "Set by a Credit Manager"),
            ("overdue", "Receivables long overdue"),
            ("collection", "In collection"),
            ("litigation", "Pre-litigation"),
        ],
        tracking=True,
        copy=False,
    )
    credit_hold_note = fields.Char(string="Hold Note", copy=False)

    @api.depends("credit_term_days_override", "industry_id.credit_term_days", "property_payment_term_id")
    @api.depends_context("company")
    def _compute_credit_term_days(self):
        for partner in self:
            commercial = partner.commercial_partner_id
            partner.credit_term_days = (
                commercial.credit_term_days_override
                or commercial.industry_id.credit_term_days
                or max(commercial.property_payment_term_id.line_ids.mapped("nb_days"), default=0)
            )

    @api.depends_context("company")
    @api.depends(
        "commercial_partner_id.credit_limit_manual",
        "commercial_partner_id.credit_limit_manual_base",
        "commercial_partner_id.credit_limit_computed",
        "credit_grade_id.risk_factor",
    )
    def _compute_credit_line(self):
        default_factor = self.env.company.credit_default_risk_factor
        for partner in self:
            commercial = partner.commercial_partner_id
            base = (
                commercial.credit_limit_manual_base
                if commercial.credit_limit_manual
                else commercial.credit_limit_computed
            )
            factor = partner.credit_grade_id.risk_factor if partner.credit_grade_id else default_factor
            partner.credit_limit_base = base
            partner.credit_risk_factor = factor
            partner.credit_line = partner.currency_id.round(base * factor)

    @api.depends("credit_line")
    @api.depends_context("company")
    def _compute_credit_exposure(self):
        exposure = self.env["credit.exposure"]._exposure_by_partner(
            self.commercial_partner_id.ids, self.env.company
        )
        for partner in self:
            partner.credit_exposure = exposure.get(partner.commercial_partner_id.id, 0.0)
            partner.credit_available = partner.credit_line - partner.credit_exposure
            partner.credit_exceeded = partner.currency_id.compare_amounts(partner.credit_available, 0) < 0

    def _search_credit_exceeded(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise NotImplementedError(self.env._("Unsupported search on Over Credit Line."))
        exposure = self.env["credit.exposure"]._exposure_by_partner(None, self.env.company)
        candidates = self.browse([pid for pid, amount in exposure.items() if amount > 0])
        exceeded = candidates.filtered("credit_exceeded")
        domain = [("commercial_partner_id", "in", exceeded.ids)]
        return domain if (operator == "=") == value else ["!", *domain]

    def action_compute_credit_limit(self):
        """Recompute the credit limit of these customers (their commercial entities) in the current
        company from the confirmed orders of the previous quarter or month, in two queries."""
        if not (self.env.su or self.env.user.has_group("customer_credit_management.group_credit_manager")):
            raise AccessError(self.env._("Only a Credit Manager can recompute credit limits."))
        company = self.env.company
        partners = self.commercial_partner_id
        if not partners:
            return True
        today = fields.Date.context_today(self)
        quarter_start, quarter_end = previous_period("quarter", today)
        month_start, month_end = previous_period("month", today)
        self.env["sale.order"].flush_model(
            ["state", "company_id", "date_order", "amount_total", "currency_rate"]
        )
        rows = self.env.execute_query(
            SQL(
                """
                SELECT partner.commercial_partner_id,
                       SUM(so.amount_total / so.currency_rate)
                           FILTER (WHERE so.date_order >= %(q_start)s AND so.date_order < %(q_end)s),
                       SUM(so.amount_total / so.currency_rate)
                           FILTER (WHERE so.date_order >= %(m_start)s AND so.date_order < %(m_end)s)
                  FROM sale_order so
                  JOIN res_partner partner ON partner.id = so.partner_id
                 WHERE so.state = 'sale'
                   AND so.company_id = %(company)s
                   AND so.date_order >= %(start)s AND so.date_order < %(end)s
                   AND partner.commercial_partner_id = ANY(%(ids)s)
              GROUP BY 1
                """,
                q_start=quarter_start,
                q_end=quarter_end,
                m_start=month_start,
                m_end=month_end,
                start=min(quarter_start, month_start),
                end=max(quarter_end, month_end),
                company=company.id,
                ids=partners.ids,
            )
        )
        volumes = {partner_id: (quarter or 0.0, month or 0.0) for partner_id, quarter, month in rows}
        limits = []
        for partner in partners.with_company(company):
            quarter, month = volumes.get(partner.id, (0.0, 0.0))
            period = partner.credit_limit_period or "quarter"
            volume = quarter if period == "quarter" else month
            limits.append(company.currency_id.round(volume * partner.credit_term_days / PERIOD_DAYS[period]))
        self._credit_store_limits(partners, limits, company, today)
        return True

    def _credit_store_limits(self, partners, limits, company, today):
        # One UPDATE for all customers: company-dependent values are jsonb keyed by company.
        self.env.execute_query(
            SQL(
                """
                UPDATE res_partner partner
                   SET credit_limit_computed = COALESCE(partner.credit_limit_computed, '{}'::jsonb)
                           || jsonb_build_object(%(company)s::text, new.amount),
                       credit_limit_date = COALESCE(partner.credit_limit_date, '{}'::jsonb)
                           || jsonb_build_object(%(company)s::text, %(today)s::date)
                  FROM unnest(%(ids)s::int[], %(amounts)s::numeric[]) AS new(id, amount)
                 WHERE partner.id = new.id
                """,
                company=str(company.id),
                today=today,
                ids=partners.ids,
                amounts=limits,
            )
        )
        partners.invalidate_recordset(["credit_limit_computed", "credit_limit_date"])
        # Raw SQL bypasses the ORM's dependencies: forget what was computed from the old limits.
        self.env["res.partner"].invalidate_model(
            ["credit_limit_base", "credit_line", "credit_available", "credit_exceeded"]
        )
        partners._credit_sync_native_limit(company)

    def _credit_sync_native_limit(self, company):
        """Keep Odoo's own credit limit equal to the credit line, so its warnings agree with ours."""
        partners = self.with_company(company)
        self.env.execute_query(
            SQL(
                """
                UPDATE res_partner partner
                   SET credit_limit = COALESCE(partner.credit_limit, '{}'::jsonb)
                           || jsonb_build_object(%(company)s::text, new.amount)
                  FROM unnest(%(ids)s::int[], %(amounts)s::numeric[]) AS new(id, amount)
                 WHERE partner.id = new.id
                """,
                company=str(company.id),
                ids=partners.ids,
                amounts=[partner.credit_line for partner in partners],
            )
        )
        partners.invalidate_recordset(["credit_limit"])

    @api.model
    def _cron_compute_credit_limits(self):
        for company in self.env["res.company"].search([]):
            customers = self.with_company(company).search(
                [("customer_rank", ">", 0), "|", ("is_company", "=", True), ("parent_id", "=", False)]
            )
            customers.with_company(company).action_compute_credit_limit()

    @api.model
    def _cron_credit_hold_overdue(self):
        """Put on hold the customers with receivables overdue longer than their company allows, and
        lift the holds this rule set once nothing is that late any more, in any company."""
        Receivable = self.env["credit.receivable"]
        today = fields.Date.context_today(self)
        late_ids = set()
        for company in self.env["res.company"].search([]):
            rows = Receivable.get_aging_by_partner(
                today, company, bucket_limits=(company.credit_overdue_hold_days,)
            )
            late_ids.update(row["partner_id"] for row in rows if row["partner_id"] and row["b2"] > 0)
        late = self.browse(sorted(late_ids))
        late.filtered(lambda p: not p.credit_hold).write(
            {"credit_hold": True, "credit_hold_reason": "overdue"}
        )
        settled = self.search([("credit_hold_reason", "=", "overdue"), ("id", "not in", late.ids)])
        settled.write({"credit_hold": False, "credit_hold_reason": False})

    def action_credit_hold(self):
        return self.write({"credit_hold": True, "credit_hold_reason": "manual"})

    def action_credit_release_hold(self):
        return self.write({"credit_hold": False, "credit_hold_reason": False, "credit_hold_note": False})

    def _compute_credit_evaluation_count(self):
        counts = dict(
            self.env["credit.evaluation"]._read_group(
                [("partner_id", "in", self.commercial_partner_id.ids)], ["partner_id"], ["__count"]
            )
        )
        for partner in self:
            partner.credit_evaluation_count = counts.get(partner.commercial_partner_id, 0)

    @api.model
    def _credit_reevaluation_limit(self):
        months = self.env.company.credit_reevaluation_months
        return fields.Date.context_today(self) - relativedelta(months=months)

    @api.depends("commercial_partner_id.credit_score_date")
    @api.depends_context("company")
    def _compute_credit_reevaluation_due(self):
        limit = self._credit_reevaluation_limit()
        for partner in self:
            date = partner.commercial_partner_id.credit_score_date
            partner.credit_reevaluation_due = bool(date and date < limit)

    def _search_credit_reevaluation_due(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise NotImplementedError(self.env._("Unsupported search on Re-evaluation Due."))
        domain = [("commercial_partner_id.credit_score_date", "<", self._credit_reevaluation_limit())]
        return domain if (operator == "=") == value else ["!", *domain]

    def action_open_credit_evaluations(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "customer_credit_management.credit_evaluation_action"
        )
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"default_partner_id": self.commercial_partner_id.id}
        return action

    @api.model
    def _cron_schedule_credit_reevaluations(self):
        """Give the credit manager one to-do per customer whose evaluation is out of date."""
        partners = self.search(
            [
                ("credit_reevaluation_due", "=", True),
                "|",
                ("is_company", "=", True),
                ("parent_id", "=", False),
            ]
        )
        activity_type = self.env.ref("customer_credit_management.mail_activity_type_credit_reevaluation")
        already = {
            res_id
            for [res_id] in self.env["mail.activity"]._read_group(
                [
                    ("res_model", "=", "res.partner"),
                    ("res_id", "in", partners.ids),
                    ("activity_type_id", "=", activity_type.id),
                ],
                ["res_id"],
            )
        }
        user = self.env.company._credit_responsible_user()
        if not user:
            return
        for partner in partners.filtered(lambda p: p.id not in already):
            partner.activity_schedule(
                "customer_credit_management.mail_activity_type_credit_reevaluation",
                user_id=user.id,
                note=self.env._(
                    "The last credit evaluation of %(partner)s dates from %(date)s: "
                    "evaluate the customer again.",
                    partner=partner.display_name,
                    date=partner.credit_score_date,
                ),
            )

    def _compute_credit_can_edit_score(self):
        self.credit_can_edit_score = self.env.user.has_group(
            "customer_credit_management.group_credit_manager"
        )

    @api.depends("commercial_partner_id.credit_score", "commercial_partner_id.credit_score_date")
    def _compute_credit_grade_id(self):
        scored = self.filtered(lambda p: p.commercial_partner_id.credit_score_date)
        (self - scored).credit_grade_id = False
        if not scored:
            return
        Grade = self.env["credit.grade"].sudo()
        grades = Grade.search([("active", "=", True)])
        for partner in scored:
            partner.credit_grade_id = Grade._grade_for_score(
                partner.commercial_partner_id.credit_score, grades=grades
            )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            # A new partner may carry the fields' defaults (users are created with them).
            self._check_credit_write_access(
                {name: value for name, value in vals.items() if value and value != CREDIT_DEFAULTS.get(name)}
            )
            self._stamp_credit_score_date(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._check_credit_write_access(vals)
        self._stamp_credit_score_date(vals)
        return super().write(vals)

    @api.model
    def _check_credit_write_access(self, vals):
        if (
            CREDIT_MANAGER_FIELDS & vals.keys()
            and not self.env.su
            and not self.env.user.has_group("customer_credit_management.group_credit_manager")
        ):
            raise AccessError(
                self.env._("Only a Credit Manager can change a customer's credit score, limit, term or hold.")
            )

    @api.model
    def _stamp_credit_score_date(self, vals):
        # A score set without a date counts from today, so it always yields a grade.
        if "credit_score" in vals and "credit_score_date" not in vals:
            vals["credit_score_date"] = fields.Date.context_today(self)

    # ------------------------------------------------------------- collection letters
    credit_reminder_count = fields.Integer(
        string="Collection Letters", compute="_compute_credit_reminder_count"
    )

    def _compute_credit_reminder_count(self):
        counts = dict(
            self.env["credit.reminder"]
            .sudo()
            ._read_group([("partner_id", "in", self.commercial_partner_id.ids)], ["partner_id"], ["__count"])
        )
        for partner in self:
            partner.credit_reminder_count = counts.get(partner.commercial_partner_id, 0)

    def action_open_credit_reminders(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "customer_credit_management.credit_reminder_action"
        )
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"search_default_partner_id": self.commercial_partner_id.id}
        return action

    def _credit_collection_release_paid(self):
        """Lift the holds set by collection letters from those of these customers (all held ones
        when empty) that no longer owe anything overdue, in one receivables query per company."""
        held = self.sudo().search(
            [("credit_hold", "=", True), ("credit_hold_reason", "in", COLLECTION_REASONS)]
            + ([("id", "in", self.commercial_partner_id.ids)] if self else [])
        )
        if not held:
            return True
        today = fields.Date.context_today(self)
        still_owing = set()
        for company in self.env["res.company"].sudo().search([]):
            rows = self.env["credit.receivable"].get_aging_by_partner(today, company, partner_ids=held.ids)
            still_owing.update(
                row["partner_id"]
                for row in rows
                if company.currency_id.compare_amounts(row["overdue"], 0) > 0
            )
        paid = held.filtered(lambda partner: partner.id not in still_owing)
        paid.write({"credit_hold": False, "credit_hold_reason": False, "credit_hold_note": False})
        for partner in paid:
            partner.message_post(
                body=self.env._("Credit hold lifted: the overdue receivables in collection are paid.")
            )
        return True

    @api.model
    def _cron_credit_hold_collection(self):
        """Daily: lift the collection holds of customers who paid (the payment hook does it at once)."""
        return self.browse()._credit_collection_release_paid()
