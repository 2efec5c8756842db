import base64
import io
import time
from datetime import timedelta

import xlsxwriter
from dateutil.relativedelta import relativedelta

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL, float_round

from ..evaluation.credit_grade import SCORE_DIGITS
from .sale_order import company_amount_sql

MAX_MONTHS = 24
# Orders of the customers the proposal would have stopped that went this many days overdue.
STOPPED_OVERDUE_DAYS = 90


def month_ends(today, months):
    """The last ``months`` month-ends before ``today``, oldest first."""
    first = today.replace(day=1)
    return [first - relativedelta(months=k) - timedelta(days=1) for k in range(months - 1, -1, -1)]


class CreditPolicySimulation(models.Model):
    """A proposed change of the credit policy, replayed over past month-ends against the current
    settings (issue #20): kept as the record of why the policy changed, and applied from here."""

    _name = "credit.policy.simulation"
    _description = "Credit Policy Simulation"
    _inherit = ["mail.thread"]
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True, help="What the proposal is, e.g. 'Tighter C grade'.")
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, default=lambda self: self.env.company, index=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    state = fields.Selection(
        [("draft", "Draft"), ("done", "Simulated"), ("applied", "Applied")],
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
    )
    reason = fields.Text(help="Why the policy should change: kept with the simulation's results.")
    months = fields.Integer(
        default=12,
        required=True,
        tracking=True,
        help="Month-ends replayed, the last ones before today (1-24).",
    )
    grade_ids = fields.One2many(
        "credit.policy.simulation.grade",
        "simulation_id",
        string="Proposed Grades",
        copy=True,
        help="The proposed grade table: each active grade's score range and risk factor.",
    )
    term_ids = fields.One2many(
        "credit.policy.simulation.term",
        "simulation_id",
        string="Proposed Standard Terms",
        copy=True,
        help="The proposed standard credit term of each industry.",
    )
    limit_period = fields.Selection(
        [("quarter", "Last quarter"), ("month", "Last month")],
        string="Proposed Limit Basis",
        tracking=True,
        help="Every customer's limit basis under the proposal; empty keeps each customer's own.",
    )
    overdue_hold_days = fields.Integer(
        string="Proposed Hold After Overdue (Days)",
        tracking=True,
        help="Customers with receivables overdue by more than this many days are held.",
    )
    current_overdue_hold_days = fields.Integer(related="company_id.credit_overdue_hold_days")
    line_ids = fields.One2many(
        "credit.policy.simulation.line", "simulation_id", string="Results", readonly=True
    )
    simulated_on = fields.Datetime(readonly=True, copy=False)
    duration = fields.Float(string="Duration (s)", readonly=True, copy=False, digits=(16, 2))
    order_count = fields.Integer(string="Orders", readonly=True, copy=False)
    order_amount = fields.Monetary(string="Orders Amount", readonly=True, copy=False)
    refused_current_count = fields.Integer(string="Refused Now", readonly=True, copy=False)
    refused_current_amount = fields.Monetary(string="Refused Now (Amount)", readonly=True, copy=False)
    refused_proposed_count = fields.Integer(string="Refused Proposed", readonly=True, copy=False)
    refused_proposed_amount = fields.Monetary(string="Refused Proposed (Amount)", readonly=True, copy=False)
    stopped_overdue_amount = fields.Monetary(
        string="Overdue > 90 Days Avoided",
        readonly=True,
        copy=False,
        help="Receivables still open and more than 90 days overdue, invoiced after a month-end at "
        "which the proposal would have refused the customer more orders than the current policy.",
    )

    xlsx_file = fields.Binary(string="Comparison (XLSX)", readonly=True, attachment=True, copy=False)
    xlsx_filename = fields.Char(readonly=True, copy=False)

    @api.constrains("months", "overdue_hold_days")
    def _check_months(self):
        for simulation in self:
            if not 1 <= simulation.months <= MAX_MONTHS:
                raise ValidationError(
                    self.env._("A simulation replays 1 to %(max)s month-ends.", max=MAX_MONTHS)
                )
            if simulation.overdue_hold_days <= 0:
                raise ValidationError(self.env._("The proposed hold after overdue must be at least one day."))

    @api.model
    def _check_manager(self):
        if not (self.env.su or self.env.user.has_group("customer_credit_management.group_credit_manager")):
            raise AccessError(self.env._("Only a Credit Manager can simulate or change the credit policy."))

    @api.model
    def default_get(self, fields_list):
        """The proposal starts as the policy in force: the grade table, the industries' terms and
        the company's hold days."""
        values = super().default_get(fields_list)
        company = self.env.company
        if "grade_ids" in fields_list:
            values["grade_ids"] = [
                Command.create(
                    {
                        "grade_id": grade.id,
                        "score_min": grade.score_min,
                        "score_max": grade.score_max,
                        "risk_factor": grade.risk_factor,
                    }
                )
                for grade in self.env["credit.grade"].search([("active", "=", True)])
            ]
        if "term_ids" in fields_list:
            values["term_ids"] = [
                Command.create({"industry_id": industry.id, "term_days": industry.credit_term_days})
                for industry in self.env["res.partner.industry"].search([("credit_term_days", ">", 0)])
            ]
        if "overdue_hold_days" in fields_list:
            values["overdue_hold_days"] = company.credit_overdue_hold_days
        return values

    @api.model_create_multi
    def create(self, vals_list):
        self._check_manager()
        for vals in vals_list:
            vals.pop("state", None)
        return super().create(vals_list)

    def write(self, vals):
        self._check_manager()
        if "state" in vals and not self.env.context.get("credit_policy_simulation_state"):
            raise UserError(self.env._("A simulation changes state through its own buttons only."))
        if self.filtered(lambda s: s.state == "applied") and vals.keys() - {
            "reason",
            "message_main_attachment_id",
            "xlsx_file",
            "xlsx_filename",
        }:
            raise UserError(
                self.env._("An applied simulation is the record of a policy change: it cannot change.")
            )
        return super().write(vals)

    def _set_state(self, state):
        self.with_context(credit_policy_simulation_state=True).write({"state": state})

    # The backtest ---------------------------------------------------------------------------

    def action_simulate(self):
        """Replay the month-ends with the current and the proposed settings: one result line per
        customer and month-end, computed in SQL (one statement per month-end)."""
        self._check_manager()
        self.ensure_one()
        if self.state == "applied":
            raise UserError(self.env._("An applied simulation cannot be replayed; copy it instead."))
        started = fields.Datetime.now()
        timer = time.perf_counter()
        self.env.execute_query(
            SQL("DELETE FROM credit_policy_simulation_line WHERE simulation_id = %s", self.id)
        )
        self.line_ids.invalidate_recordset()
        today = fields.Date.context_today(self)
        ends = month_ends(today, self.months)
        customers = self._simulation_customers()
        if customers:
            volumes = self.env["sale.order"]._order_volumes(
                customers.ids,
                self.company_id,
                {
                    f"{end}/{basis}": (
                        end + timedelta(days=1) - relativedelta(months=3 if basis == "quarter" else 1),
                        end + timedelta(days=1),
                    )
                    for end in ends
                    for basis in ("quarter", "month")
                },
            )[0]
            params = self._customer_parameters(customers)
            for index, end in enumerate(ends):
                until = ends[index + 1] if index + 1 < len(ends) else today
                self._simulate_month_end(customers, params, volumes, end, until)
            self._simulate_stopped_overdue(today)
        self.env["credit.policy.simulation.line"].invalidate_model()
        totals = self.env["credit.policy.simulation.line"]._read_group(
            [("simulation_id", "=", self.id)],
            aggregates=[
                "order_count:sum",
                "order_amount:sum",
                "refused_current_count:sum",
                "refused_current_amount:sum",
                "refused_proposed_count:sum",
                "refused_proposed_amount:sum",
                "stopped_overdue_amount:sum",
            ],
        )[0]
        self.with_context(credit_policy_simulation_state=True).write(
            {
                "state": "done",
                "simulated_on": started,
                "duration": time.perf_counter() - timer,
                **dict(
                    zip(
                        (
                            "order_count",
                            "order_amount",
                            "refused_current_count",
                            "refused_current_amount",
                            "refused_proposed_count",
                            "refused_proposed_amount",
                            "stopped_overdue_amount",
                        ),
                        (value or 0 for value in totals),
                        strict=True,
                    )
                ),
            }
        )
        return True

    def _simulation_customers(self):
        """The commercial entities with an order or a receivable in the company."""
        rows = self.env.execute_query(
            SQL(
                """
                SELECT DISTINCT contact.commercial_partner_id
                  FROM (SELECT partner_id FROM sale_order WHERE company_id = %(company)s AND state = 'sale'
                        UNION
                        SELECT line.partner_id
                          FROM account_move_line line
                          JOIN account_account account
                            ON account.id = line.account_id AND account.account_type = 'asset_receivable'
                         WHERE line.company_id = %(company)s AND line.parent_state = 'posted') used
                  JOIN res_partner contact ON contact.id = used.partner_id
                 WHERE contact.commercial_partner_id IS NOT NULL
                """,
                company=self.company_id.id,
            )
        )
        return self.env["res.partner"].browse(sorted(row[0] for row in rows))

    def _customer_parameters(self, customers):
        """The customers' figures the policy reads, as arrays in the order of ``customers``:
        manual limit, score (None when not evaluated), current and proposed terms, limit basis."""
        # Sudo: the figures feed an aggregate; each result line stays behind its customer's rule.
        customers = customers.sudo().with_company(self.company_id)
        customers.fetch(
            [
                "credit_limit_manual",
                "credit_limit_manual_base",
                "credit_score",
                "credit_score_date",
                "credit_term_days_override",
                "industry_id",
                "credit_limit_period",
            ]
        )
        proposed_terms = {term.industry_id.id: term.term_days for term in self.term_ids}
        params = {key: [] for key in ("manual", "base", "score", "term_cur", "term_prop", "basis")}
        for partner in customers:
            # As res.partner._compute_credit_term_days, with the proposed industry terms.
            term = partner.credit_term_days
            industry = partner.industry_id
            proposed = term
            if not partner.credit_term_days_override and industry.id in proposed_terms:
                proposed = proposed_terms[industry.id] or max(
                    partner.property_payment_term_id.line_ids.mapped("nb_days"), default=0
                )
            params["manual"].append(bool(partner.credit_limit_manual))
            params["base"].append(partner.credit_limit_manual_base or 0.0)
            params["score"].append(
                float_round(partner.credit_score, precision_digits=SCORE_DIGITS)
                if partner.credit_score_date
                else None
            )
            params["term_cur"].append(term)
            params["term_prop"].append(proposed)
            params["basis"].append(partner.credit_limit_period or "quarter")
        return params

    def _grade_table_sql(self, proposed):
        """VALUES (grade id, minimum, maximum, factor, rank) of the current or the proposed table."""
        if proposed:
            rows = [
                (line.grade_id.id, line.score_min, line.score_max, line.risk_factor, index)
                for index, line in enumerate(self.grade_ids.sorted(lambda g: (g.grade_id.sequence, g.id)))
            ]
        else:
            rows = [
                (grade.id, grade.score_min, grade.score_max, grade.risk_factor, index)
                for index, grade in enumerate(self.env["credit.grade"].search([("active", "=", True)]))
            ]
        if not rows:
            return SQL(
                "SELECT NULL::int AS id, 0::numeric AS lo, 0::numeric AS hi, 0::numeric AS factor, 0 AS rank"
                " WHERE FALSE"
            )
        return SQL(
            "SELECT * FROM (VALUES %s) AS g(id, lo, hi, factor, rank)",
            SQL(", ").join(SQL("(%s::int, %s::numeric, %s::numeric, %s::numeric, %s)", *row) for row in rows),
        )

    def _simulate_month_end(self, customers, params, volumes, end, until):
        """Insert the result lines of month-end ``end``: each customer's line then under the
        current and the proposed settings, its receivables on ``end`` (exposure; overdue beyond
        each hold), and its confirmed orders after ``end`` up to ``until``, each judged as the
        credit check would have judged it: refused when the customer is held, or when the
        receivables on ``end`` plus the customer's orders of the month so far pass the line."""
        company = self.company_id
        hold_cur, hold_prop = company.credit_overdue_hold_days, self.overdue_hold_days
        limits = sorted({hold_cur, hold_prop})
        aging = {
            row["partner_id"]: row
            for row in self.env["credit.receivable"].get_aging_by_partner(
                end, company, bucket_limits=tuple(limits), exclude_blocked=True
            )
            if row["partner_id"]
        }

        def beyond(row, days):
            # Bucket k+1 onwards holds what is overdue by more than limits[k] days.
            first = limits.index(days) + 2
            return sum(row.get(f"b{k}", 0.0) or 0.0 for k in range(first, len(limits) + 2))

        exposure, late_cur, late_prop, vol_q, vol_m = [], [], [], [], []
        for partner_id in customers.ids:
            row = aging.get(partner_id)
            exposure.append(float(row["total"]) if row else 0.0)
            late_cur.append(float(beyond(row, hold_cur)) if row else 0.0)
            late_prop.append(float(beyond(row, hold_prop)) if row else 0.0)
            partner_volumes = volumes.get(partner_id, {})
            vol_q.append(float(partner_volumes.get(f"{end}/quarter", (0.0, 0.0))[0] or 0.0))
            vol_m.append(float(partner_volumes.get(f"{end}/month", (0.0, 0.0))[0] or 0.0))
        self.env["sale.order"].flush_model(
            ["state", "company_id", "date_order", "amount_total", "currency_rate", "partner_id"]
        )
        default_factor = company.credit_default_risk_factor
        line_expr = """ROUND((CASE WHEN c.manual THEN c.base
                              WHEN %(basis)s = 'month' THEN c.vol_m * %(term)s / 30.0
                              ELSE c.vol_q * %(term)s / 90.0 END)
                        * COALESCE(%(grade)s.factor, %(default_factor)s), 2)"""
        self.env.execute_query(
            SQL(
                """
                WITH customer AS (
                    SELECT * FROM unnest(%(ids)s::int[], %(manual)s::bool[], %(base)s::numeric[],
                                         %(score)s::numeric[], %(term_cur)s::int[], %(term_prop)s::int[],
                                         %(basis)s::text[], %(vol_q)s::numeric[], %(vol_m)s::numeric[],
                                         %(exposure)s::numeric[], %(late_cur)s::numeric[],
                                         %(late_prop)s::numeric[])
                           AS c(id, manual, base, score, term_cur, term_prop, basis, vol_q, vol_m,
                                exposure, late_cur, late_prop)
                ), grade_cur AS (%(grade_cur)s
                ), grade_prop AS (%(grade_prop)s
                ), policy AS (
                    SELECT c.*, gc.id AS grade_cur_id, gp.id AS grade_prop_id,
                           %(line_cur)s AS line_cur, %(line_prop)s AS line_prop
                      FROM customer c
                      LEFT JOIN LATERAL (SELECT * FROM grade_cur g WHERE c.score BETWEEN g.lo AND g.hi
                                          ORDER BY g.rank LIMIT 1) gc ON TRUE
                      LEFT JOIN LATERAL (SELECT * FROM grade_prop g WHERE c.score BETWEEN g.lo AND g.hi
                                          ORDER BY g.rank LIMIT 1) gp ON TRUE
                ), orders AS (
                    SELECT contact.commercial_partner_id AS partner_id, %(amount)s AS amount,
                           SUM(%(amount)s) OVER (PARTITION BY contact.commercial_partner_id
                                                 ORDER BY so.date_order, so.id) AS running
                      FROM sale_order so
                      JOIN res_partner contact ON contact.id = so.partner_id
                     WHERE so.state = 'sale'
                       AND so.company_id = %(company)s
                       AND so.date_order >= %(start)s AND so.date_order < %(stop)s
                       -- The customers simulated: joined to ``policy`` below (not = ANY of an
                       -- array of thousands, compared with each order).
                ), judged AS (
                    SELECT o.partner_id, o.amount,
                           (p.late_cur > 0 OR p.exposure + o.running > p.line_cur) AS refused_cur,
                           (p.late_prop > 0 OR p.exposure + o.running > p.line_prop) AS refused_prop
                      FROM orders o
                      JOIN policy p ON p.id = o.partner_id
                ), per_customer AS (
                    SELECT partner_id, COUNT(*) AS n, SUM(amount) AS amount,
                           COUNT(*) FILTER (WHERE refused_cur) AS n_cur,
                           COALESCE(SUM(amount) FILTER (WHERE refused_cur), 0) AS amount_cur,
                           COUNT(*) FILTER (WHERE refused_prop) AS n_prop,
                           COALESCE(SUM(amount) FILTER (WHERE refused_prop), 0) AS amount_prop
                      FROM judged
                  GROUP BY 1
                )
                INSERT INTO credit_policy_simulation_line
                       (simulation_id, company_id, month_end, partner_id, customer_category,
                        grade_current_id, grade_proposed_id, line_current, line_proposed, exposure,
                        held_current, held_proposed, order_count, order_amount,
                        refused_current_count, refused_current_amount,
                        refused_proposed_count, refused_proposed_amount, stopped_overdue_amount,
                        create_uid, create_date, write_uid, write_date)
                SELECT %(simulation)s, %(company)s, %(end)s, p.id, partner.customer_category,
                       p.grade_cur_id, p.grade_prop_id, p.line_cur, p.line_prop, p.exposure,
                       p.late_cur > 0, p.late_prop > 0, COALESCE(o.n, 0), COALESCE(o.amount, 0),
                       COALESCE(o.n_cur, 0), COALESCE(o.amount_cur, 0),
                       COALESCE(o.n_prop, 0), COALESCE(o.amount_prop, 0), 0,
                       %(uid)s, now() AT TIME ZONE 'UTC', %(uid)s, now() AT TIME ZONE 'UTC'
                  FROM policy p
                  JOIN res_partner partner ON partner.id = p.id
                  LEFT JOIN per_customer o ON o.partner_id = p.id
                 WHERE p.line_cur != 0 OR p.line_prop != 0 OR p.exposure != 0 OR o.n > 0
                """,
                ids=customers.ids,
                manual=params["manual"],
                base=params["base"],
                score=params["score"],
                term_cur=params["term_cur"],
                term_prop=params["term_prop"],
                basis=params["basis"],
                vol_q=vol_q,
                vol_m=vol_m,
                exposure=exposure,
                late_cur=late_cur,
                late_prop=late_prop,
                grade_cur=self._grade_table_sql(False),
                grade_prop=self._grade_table_sql(True),
                line_cur=SQL(
                    line_expr,
                    basis=SQL("c.basis"),
                    term=SQL("c.term_cur"),
                    grade=SQL("gc"),
                    default_factor=default_factor,
                ),
                line_prop=SQL(
                    line_expr,
                    basis=SQL("COALESCE(%s, c.basis)", self.limit_period or None),
                    term=SQL("c.term_prop"),
                    grade=SQL("gp"),
                    default_factor=default_factor,
                ),
                amount=company_amount_sql(SQL("so.amount_total"), SQL("so.currency_rate")),
                company=company.id,
                start=end + timedelta(days=1),
                stop=until + timedelta(days=1),
                simulation=self.id,
                end=end,
                uid=self.env.uid,
            )
        )

    def _simulate_stopped_overdue(self, today):
        """On the lines where the proposal refuses more orders than the current policy, the
        customer's receivables still open today and more than 90 days overdue that were invoiced
        after the month-end: what the proposal would have kept from going bad. One query."""
        Receivable = self.env["credit.receivable"]
        Receivable._flush_for_query()
        items = Receivable._open_items_query(today, self.company_id)
        self.env.execute_query(
            SQL(
                """
                UPDATE credit_policy_simulation_line line
                   SET stopped_overdue_amount = bad.amount
                  FROM (
                        SELECT line.id, SUM(item.residual) AS amount
                          FROM credit_policy_simulation_line line
                          JOIN (%(items)s) item
                            ON item.partner_id = line.partner_id
                           AND item.invoice_date > line.month_end
                           AND item.days_overdue > %(days)s
                         WHERE line.simulation_id = %(simulation)s
                           AND line.refused_proposed_count > line.refused_current_count
                      GROUP BY line.id
                       ) bad
                 WHERE bad.id = line.id
                """,
                items=items,
                days=STOPPED_OVERDUE_DAYS,
                simulation=self.id,
            )
        )

    # The comparison report --------------------------------------------------------------------

    XLSX_MEASURES = (
        "line_current",
        "line_proposed",
        "order_count",
        "order_amount",
        "refused_current_count",
        "refused_current_amount",
        "refused_proposed_count",
        "refused_proposed_amount",
        "stopped_overdue_amount",
    )

    def action_export_xlsx(self):
        """The comparison as a spreadsheet: totals by month-end, proposed grade and category, then
        one row per customer and month-end. An export of customer data: the same control and log
        as the list export."""
        self._check_manager()
        self.ensure_one()
        Line = self.env["credit.policy.simulation.line"]
        lines = Line.search([("simulation_id", "=", self.id)])
        policy = self.env["customer.access.policy"]
        columns = len(self.XLSX_MEASURES) + 5
        policy._check_export(lines.partner_id, columns, record_count=len(lines))
        buffer = io.BytesIO()
        workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
        bold = workbook.add_format({"bold": True})
        money = workbook.add_format({"num_format": "#,##0.00"})
        day = workbook.add_format({"num_format": "yyyy-mm-dd"})
        labels = [Line._fields[name]._description_string(self.env) for name in self.XLSX_MEASURES]
        categories = dict(Line._fields["customer_category"]._description_selection(self.env))

        sheet = workbook.add_worksheet(self.env._("Comparison"))
        headers = [self.env._("Month-End"), self.env._("Grade Proposed"), self.env._("Category"), *labels]
        sheet.write_row(0, 0, headers, bold)
        groups = Line._read_group(
            [("simulation_id", "=", self.id)],
            ["month_end:day", "grade_proposed_id", "customer_category"],
            [f"{name}:sum" for name in self.XLSX_MEASURES],
            order="month_end:day, grade_proposed_id, customer_category",
        )
        for row, (month_end, grade, category, *sums) in enumerate(groups, start=1):
            sheet.write_datetime(row, 0, month_end, day)
            sheet.write(row, 1, grade.display_name or self.env._("No grade"))
            sheet.write(row, 2, categories.get(category, "") if category else "")
            for col, value in enumerate(sums, start=3):
                sheet.write_number(row, col, value or 0.0, money)
        sheet.set_column(0, len(headers), 16)

        sheet = workbook.add_worksheet(self.env._("Customers"))
        headers = [
            self.env._("Month-End"),
            self.env._("Customer"),
            self.env._("Grade Now"),
            self.env._("Grade Proposed"),
            self.env._("Category"),
            *labels,
        ]
        sheet.write_row(0, 0, headers, bold)
        for row, line in enumerate(lines, start=1):
            sheet.write_datetime(row, 0, line.month_end, day)
            sheet.write(row, 1, line.partner_id.display_name)
            sheet.write(row, 2, line.grade_current_id.display_name or "")
            sheet.write(row, 3, line.grade_proposed_id.display_name or "")
            sheet.write(row, 4, categories.get(line.customer_category, "") if line.customer_category else "")
            for col, name in enumerate(self.XLSX_MEASURES, start=5):
                sheet.write_number(row, col, line[name] or 0.0, money)
        sheet.set_column(0, len(headers), 16)
        workbook.close()
        policy._log_access(lines.partner_id, "export", export_counts=(len(lines), columns))
        self.with_context(credit_policy_simulation_state=True).write(
            {
                "xlsx_file": base64.b64encode(buffer.getvalue()),
                "xlsx_filename": f"Policy_Simulation_{self.id}.xlsx",
            }
        )
        return {
            "type": "ir.actions.act_url",
            "target": "self",
            "url": f"/web/content?model={self._name}&id={self.id}&field=xlsx_file"
            "&filename_field=xlsx_filename&download=true",
        }

    # Applying -------------------------------------------------------------------------------

    def action_apply(self):
        """Write the proposed settings in one step: the grade table (ranges and factors), the
        industries' standard terms, every customer's limit basis (when proposed) and the company's
        hold after overdue. Credit Manager only; the chatter records what changed."""
        self._check_manager()
        self.ensure_one()
        if self.state != "done":
            raise UserError(self.env._("Simulate the proposal before applying it."))
        changes = []
        grades = self.grade_ids.filtered("grade_id")
        moved = grades.filtered(
            lambda g: (
                (g.score_min, g.score_max, g.risk_factor, True)
                != (g.grade_id.score_min, g.grade_id.score_max, g.grade_id.risk_factor, g.grade_id.active)
            )
        )
        # Ranges move without ever overlapping: each grade first shrinks to what its old and new
        # ranges share (archived where they share nothing), then takes its new range.
        for line in moved:
            grade = line.grade_id
            low, high = max(grade.score_min, line.score_min), min(grade.score_max, line.score_max)
            if low <= high:
                grade.write({"score_min": low, "score_max": high})
            else:
                grade.write({"active": False})
        for line in moved:
            line.grade_id.write(
                {
                    "score_min": line.score_min,
                    "score_max": line.score_max,
                    "risk_factor": line.risk_factor,
                    "active": True,
                }
            )
            changes.append(
                self.env._(
                    "Grade %(code)s: %(min)s-%(max)s, factor %(factor)s",
                    code=line.grade_id.code,
                    min=line.score_min,
                    max=line.score_max,
                    factor=line.risk_factor,
                )
            )
        for term in self.term_ids.filtered(lambda t: t.term_days != t.industry_id.credit_term_days):
            term.industry_id.credit_term_days = term.term_days
            changes.append(
                self.env._("%(industry)s: %(days)s days", industry=term.industry_id.name, days=term.term_days)
            )
        company = self.company_id
        if self.overdue_hold_days != company.credit_overdue_hold_days:
            # Sudo: the company's settings are the administrator's; this one the credit manager's.
            company.sudo().credit_overdue_hold_days = self.overdue_hold_days
            changes.append(self.env._("Hold after %(days)s days overdue", days=self.overdue_hold_days))
        if self.limit_period:
            # Sudo once the manager is checked: every customer's basis, above the manager's clearance too.
            customers = self._simulation_customers().sudo().with_company(company)
            customers.filtered(lambda p: p.credit_limit_period != self.limit_period).write(
                {"credit_limit_period": self.limit_period}
            )
            changes.append(
                self.env._(
                    "Limit basis: %(basis)s",
                    basis=dict(self._fields["limit_period"]._description_selection(self.env))[
                        self.limit_period
                    ],
                )
            )
        self._set_state("applied")
        self.message_post(
            body=self.env._(
                "Policy applied: %(changes)s", changes="; ".join(changes) or self.env._("no change")
            )
        )
        return True


class CreditPolicySimulationGrade(models.Model):
    _name = "credit.policy.simulation.grade"
    _description = "Credit Policy Simulation: Proposed Grade"
    _order = "score_min desc, id"

    simulation_id = fields.Many2one("credit.policy.simulation", required=True, ondelete="cascade", index=True)
    grade_id = fields.Many2one(
        "credit.grade", required=True, ondelete="cascade", help="The grade this line changes."
    )
    current_score_min = fields.Float(related="grade_id.score_min", string="Current Minimum")
    current_score_max = fields.Float(related="grade_id.score_max", string="Current Maximum")
    current_risk_factor = fields.Float(related="grade_id.risk_factor", string="Current Factor")
    score_min = fields.Float(string="Proposed Minimum", digits=(5, SCORE_DIGITS), required=True)
    score_max = fields.Float(string="Proposed Maximum", digits=(5, SCORE_DIGITS), required=True)
    risk_factor = fields.Float(string="Proposed Factor", digits=(4, 2), required=True)

    @api.constrains("score_min", "score_max", "risk_factor")
    def _check_ranges(self):
        for line in self:
            if not 0 <= line.score_min <= line.score_max <= 100 or line.risk_factor < 0:
                raise ValidationError(
                    self.env._(
                        "Proposed grade %(code)s: 0 ≤ minimum ≤ maximum ≤ 100 and a factor not negative.",
                        code=line.grade_id.code,
                    )
                )
            for other in line.simulation_id.grade_ids - line:
                if line.score_min <= other.score_max and other.score_min <= line.score_max:
                    raise ValidationError(
                        self.env._(
                            "Proposed grades %(code)s and %(other)s overlap.",
                            code=line.grade_id.code,
                            other=other.grade_id.code,
                        )
                    )


class CreditPolicySimulationTerm(models.Model):
    _name = "credit.policy.simulation.term"
    _description = "Credit Policy Simulation: Proposed Standard Term"

    simulation_id = fields.Many2one("credit.policy.simulation", required=True, ondelete="cascade", index=True)
    industry_id = fields.Many2one("res.partner.industry", required=True, ondelete="cascade")
    current_term_days = fields.Integer(related="industry_id.credit_term_days", string="Current Term (Days)")
    term_days = fields.Integer(string="Proposed Term (Days)", required=True)

    @api.constrains("term_days")
    def _check_term(self):
        if any(term.term_days < 0 for term in self):
            raise ValidationError(self.env._("A credit term cannot be negative."))


class CreditPolicySimulationLine(models.Model):
    _name = "credit.policy.simulation.line"
    _description = "Credit Policy Simulation: Result"
    _order = "month_end, partner_id"

    simulation_id = fields.Many2one("credit.policy.simulation", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one("res.company", required=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    month_end = fields.Date(
        required=True, help="The month-end replayed; its orders are those of the month after."
    )
    partner_id = fields.Many2one("res.partner", string="Customer", required=True, index=True)
    customer_category = fields.Selection(
        lambda self: self.env["res.partner"]._fields["customer_category"].selection, string="Category"
    )
    grade_current_id = fields.Many2one("credit.grade", string="Grade Now")
    grade_proposed_id = fields.Many2one("credit.grade")
    line_current = fields.Monetary(string="Line Now", help="The credit line then under the current settings.")
    line_proposed = fields.Monetary(help="The credit line then under the proposal.")
    exposure = fields.Monetary(help="The customer's open receivables on the month-end.")
    held_current = fields.Boolean(string="Held Now")
    held_proposed = fields.Boolean()
    order_count = fields.Integer(string="Orders")
    order_amount = fields.Monetary(string="Orders Amount")
    refused_current_count = fields.Integer(string="Refused Now")
    refused_current_amount = fields.Monetary(string="Refused Now (Amount)")
    refused_proposed_count = fields.Integer(string="Refused Proposed")
    refused_proposed_amount = fields.Monetary(string="Refused Proposed (Amount)")
    stopped_overdue_amount = fields.Monetary(
        string="Overdue > 90 Days Avoided",
        help="Where the proposal refuses more orders: the customer's receivables invoiced after "
        "the month-end, still open today and more than 90 days overdue.",
    )
