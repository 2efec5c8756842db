import calendar
from collections import defaultdict

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools import SQL, format_amount, formatLang

# Utilisation bands of the spread chart (exposure / credit line); the last one is "over the line",
# decided by ``res.partner._credit_over_line`` as everywhere else.
UTILISATION_BANDS = (("0_50", "0-50 %"), ("50_80", "50-80 %"), ("80_100", "80-100 %"), ("over", "> 100 %"))
# Months of history of the DSO countback, the CEI table and the average days late: the current
# month (to today) and the eleven before it.
HISTORY_MONTHS = 12
TOP_COUNT = 10
# Stacked aging bars: from current (green) to the oldest bucket (dark red).
BUCKET_COLORS = ("#28a745", "#a3c644", "#ffc107", "#fd7e14", "#dc3545", "#8b0000", "#5a0000")
HOLD_REASONS = ("manual", "overdue", "collection", "litigation")
CUSTOMERS_ACTION = "customer_credit_management.res_partner_action_credit_customers"


def dso_countback(receivable, periods):
    """Days sales outstanding by the countback method.

    ``receivable``: the open receivables today; ``periods``: (days, credit sales) of the months
    going back from today, the current month first with its days up to today. Each month's sales
    are taken off the receivables while they cover them, adding the month's days; the month that
    covers the rest adds its days * rest / its sales. Example, on 15 March with receivables of
    1,500: March (15 days) sold 1,000, February (28 days) 1,000: 15 + 28 * 500 / 1,000 = 29 days.
    Months without sales add their days. No receivables: 0. Receivables older than every month:
    the days of all months (the figure is then "at least").
    """
    if receivable <= 0:
        return 0.0
    dso = 0.0
    remaining = receivable
    for days, sales in periods:
        if sales > 0 and remaining <= sales:
            return dso + days * remaining / sales
        dso += days
        remaining -= max(sales, 0.0)
    return dso


def collection_effectiveness(beginning, sales, ending_total, ending_current):
    """Collection effectiveness index (CEI) of a month, in percent:

        (beginning receivables + credit sales - ending receivables)
        / (beginning receivables + credit sales - ending current receivables) * 100

    where "current" is not yet due at the month's end. None when the denominator is not positive
    (nothing was collectable)."""
    collectable = beginning + sales - ending_current
    if collectable <= 0:
        return None
    return (beginning + sales - ending_total) / collectable * 100


def month_periods(today, months=HISTORY_MONTHS):
    """[(first day, last day counted, days)] of the ``months`` months up to ``today``, latest first;
    the current month ends today."""
    periods = []
    start = today.replace(day=1)
    for index in range(months):
        first = start - relativedelta(months=index)
        last = today if index == 0 else first.replace(day=calendar.monthrange(first.year, first.month)[1])
        periods.append((first, last, (last - first).days + 1))
    return periods


class CreditDashboard(models.Model):
    """The Credit Manager's home: one row (a view), its figures computed when read, for the user's
    company, from the module's one-query computations (``credit.exposure._exposure_by_partner``,
    ``credit.receivable.get_aging_by_partner``, the customers' credit line) and three aggregate
    queries of its own (monthly credit sales, ledger balances, payment delays). Nothing is
    computed per customer with a query: the count of queries does not depend on the number of
    customers.

    Customers above the user's clearance (``customer_access_ok``) are counted only: tiles show how
    many of them fall in a tile, charts and figures leave them out and say how many.
    """

    _name = "credit.dashboard"
    _description = "Credit Control Dashboard"
    _auto = False

    name = fields.Char(compute="_compute_dashboard")
    over_line_count = fields.Integer(string="Over Credit Line", compute="_compute_dashboard")
    over_line_hidden = fields.Integer(string="Over Line, Above Clearance", compute="_compute_dashboard")
    near_line_count = fields.Integer(string="Near Credit Line", compute="_compute_dashboard")
    near_line_hidden = fields.Integer(string="Near Line, Above Clearance", compute="_compute_dashboard")
    near_line_percent = fields.Float(string="Near Line From (%)", compute="_compute_dashboard")
    hold_count = fields.Integer(string="On Credit Hold", compute="_compute_dashboard")
    hold_hidden = fields.Integer(string="On Hold, Above Clearance", compute="_compute_dashboard")
    hold_manual_count = fields.Integer(string="Hold Set by a Credit Manager", compute="_compute_dashboard")
    hold_overdue_count = fields.Integer(string="Hold for Overdue", compute="_compute_dashboard")
    hold_collection_count = fields.Integer(string="Hold in Collection", compute="_compute_dashboard")
    hold_litigation_count = fields.Integer(string="Hold Pre-litigation", compute="_compute_dashboard")
    release_count = fields.Integer(string="Releases to Decide", compute="_compute_dashboard")
    release_hidden = fields.Integer(string="Releases, Above Clearance", compute="_compute_dashboard")
    evaluation_count = fields.Integer(string="Evaluations to Approve", compute="_compute_dashboard")
    evaluation_hidden = fields.Integer(string="Evaluations, Above Clearance", compute="_compute_dashboard")
    reevaluation_count = fields.Integer(string="Re-evaluations Due", compute="_compute_dashboard")
    letter_count = fields.Integer(string="Letters to Send", compute="_compute_dashboard")
    hidden_count = fields.Integer(
        string="Customers Above Clearance",
        compute="_compute_dashboard",
        help="Customers whose confidentiality level is above your clearance: counted in the tiles, "
        "left out of the charts and figures.",
    )
    company_dso = fields.Float(
        string="DSO (Days)",
        digits=(16, 1),
        compute="_compute_dashboard",
        help="Days sales outstanding, countback method: the open receivables are matched against "
        "the credit sales of the current month, then of each month before, adding their days.",
    )
    average_days_late = fields.Float(
        digits=(16, 1),
        compute="_compute_dashboard",
        help="Payments matched to customer invoices in the last 12 months: days between the due "
        "date and the matching (0 when on time), weighted by the amount matched.",
    )
    figures_computed_at = fields.Datetime(
        compute="_compute_dashboard",
        help="The aging, DSO, days late and CEI are computed every 30 minutes and when you refresh "
        "them; the tiles are always current.",
    )
    charts_html = fields.Html(compute="_compute_dashboard", sanitize=False)

    def init(self):
        self.env.cr.execute("CREATE OR REPLACE VIEW credit_dashboard AS (SELECT 1 AS id)")

    @api.depends_context("uid", "company")
    def _compute_dashboard(self):
        data = self._dashboard_data(stored_figures=True)
        values = {key: data[key] for key in self._fields if key in data}
        currency = data["currency"]
        values["charts_html"] = self.env["ir.qweb"]._render(
            "customer_credit_management.credit_dashboard_charts",
            {
                **data,
                "fmt": lambda amount: format_amount(self.env, amount, currency),
                "pct": lambda value, maximum: round(max(value, 0.0) / maximum * 100, 2) if maximum > 0 else 0,
                "colors": BUCKET_COLORS,
                "num": lambda value, digits=1: formatLang(self.env, value, digits=digits),
            },
        )
        for dashboard in self:
            dashboard.update(values)

    # ------------------------------------------------------------------ data

    @api.model
    def _dashboard_data(self, stored_figures=False):
        """Everything the dashboard shows, for the current user and company, in a fixed number of
        queries. ``stored_figures``: the receivable figures as last refreshed for the user
        (``credit.dashboard.figures``) when they are current, instead of computing them."""
        company = self.env.company
        today = fields.Date.context_today(self)
        customers, visible_ids, hidden_ids = self._customer_visibility()
        receivables, computed_at = None, None
        if stored_figures:
            receivables, computed_at = self.env["credit.dashboard.figures"]._current(
                company, today, hidden_ids
            )
        if receivables is None:
            receivables = self._receivable_figures(company, today, visible_ids, hidden_ids, customers)
            computed_at = fields.Datetime.now()
        return {
            **self._tile_data(customers, visible_ids, hidden_ids),
            **receivables,
            "today": today,
            "figures_computed_at": computed_at,
        }

    @api.model
    def _tile_data(self, customers, visible_ids, hidden_ids):
        """The tiles, the credit line charts and the top exposures: always computed when read."""
        company = self.env.company
        currency = company.currency_id
        Partner = self.env["res.partner"].with_context(active_test=False)
        exposure = self.env["credit.exposure"]._exposure_by_partner(None, company)
        # The lines of all customers at once, by the field's own computation, without assigning
        # 10,000 computed fields.
        line_values = customers._credit_line_values()
        lines = {partner_id: values[2] for partner_id, values in zip(customers.ids, line_values, strict=True)}
        grade_names = {grade.id: grade.display_name or "" for grade in customers.credit_grade_id}
        bands = dict.fromkeys((key for key, _label in UTILISATION_BANDS), 0)
        over, near, hold = defaultdict(int), defaultdict(int), defaultdict(int)
        hold_reasons = defaultdict(int)
        by_grade = {}
        rows = []
        for partner in customers:
            amount = exposure.get(partner.id, 0.0)
            line = lines[partner.id]
            key = "visible" if partner.id in visible_ids else "hidden"
            if partner.credit_hold:
                hold[key] += 1
                if key == "visible":
                    hold_reasons[partner.credit_hold_reason or "manual"] += 1
            if line <= 0 and amount <= 0:
                continue
            band = self._utilisation_band(partner, amount, line)
            if band["over"]:
                over[key] += 1
            elif band["near"]:
                near[key] += 1
            if key == "hidden":
                continue
            bands[band["band"]] += 1
            grade_id = partner.credit_grade_id.id
            if grade_id not in by_grade:
                by_grade[grade_id] = {
                    "name": grade_names.get(grade_id, ""),
                    "line": 0.0,
                    "exposure": 0.0,
                    "count": 0,
                }
            grade = by_grade[grade_id]
            grade["line"] += line
            grade["exposure"] += amount
            grade["count"] += 1
            rows.append(
                {
                    "partner": partner,
                    "exposure": amount,
                    "line": line,
                    "utilisation": amount / line * 100 if line > 0 else None,
                    "near": band["near"],
                }
            )
        rows.sort(key=lambda row: (-row["exposure"], row["partner"].id))
        approvals = self._approval_counts()
        grades = sorted(by_grade.values(), key=lambda grade: grade["name"] or "~")
        for grade in grades:
            grade["name"] = grade["name"] or self.env._("No grade")
        return {
            "name": self.env._("Credit Control"),
            "currency": currency,
            "over_line_count": over["visible"],
            "over_line_hidden": over["hidden"],
            "near_line_count": near["visible"],
            "near_line_hidden": near["hidden"],
            "near_line_percent": company.credit_near_line_share * 100,
            "near_line_ids": [row["partner"].id for row in rows if row["near"]],
            "hold_count": hold["visible"],
            "hold_hidden": hold["hidden"],
            **{f"hold_{reason}_count": hold_reasons[reason] for reason in HOLD_REASONS},
            **approvals,
            "reevaluation_count": Partner.search_count(
                [*self._customer_domain(), ("credit_reevaluation_due", "=", True)]
            ),
            "hidden_count": len(hidden_ids),
            "utilisation_bands": [(label, bands[key]) for key, label in UTILISATION_BANDS],
            "grades": grades,
            "top_exposures": rows[:TOP_COUNT],
        }

    @api.model
    def _customer_visibility(self):
        """(customers, ids of those the user may read, ids of the others), the customers with the
        columns the dashboard reads of them (not the partners' fifty others)."""
        Partner = self.env["res.partner"].with_context(active_test=False)
        customers = Partner.sudo().search_fetch(
            self._customer_domain(),
            ["name", "commercial_partner_id", "credit_hold", "credit_hold_reason", "credit_grade_id"],
        )
        visible_ids = set(
            Partner.search([("id", "in", customers.ids), ("customer_access_ok", "=", True)]).ids
        )
        return customers, visible_ids, set(customers.ids) - visible_ids

    @api.model
    def _refresh_figures(self):
        """Compute the receivable figures for the current user and company and keep them for the
        dashboard."""
        self.check_access("read")
        company = self.env.company
        customers, visible_ids, hidden_ids = self._customer_visibility()
        today = fields.Date.context_today(self)
        figures = self._receivable_figures(company, today, visible_ids, hidden_ids, customers)
        self.env["credit.dashboard.figures"]._store(company, today, hidden_ids, figures)
        return figures

    def action_refresh_figures(self):
        self._refresh_figures()
        return True

    @api.model
    def _customer_domain(self):
        """The customers of the Credit Control customer list (commercial entities)."""
        return [
            ("is_external_customer", "=", True),
            "|",
            ("is_company", "=", True),
            ("parent_id", "=", False),
        ]

    @api.model
    def _utilisation_band(self, partner, exposure, line):
        """Where a customer stands: its band of the spread chart, and over or near its line as
        the early warning judges it (``res.partner._credit_alert_level``)."""
        level = partner._credit_alert_level(exposure, line)
        utilisation = exposure / line * 100 if line > 0 else 0.0
        if level == "over":
            band = "over"
        elif utilisation >= 80:
            band = "80_100"
        elif utilisation >= 50:
            band = "50_80"
        else:
            band = "0_50"
        return {"band": band, "over": level == "over", "near": level == "near"}

    @api.model
    def _approval_counts(self):
        """Release requests and evaluations the user may decide (not their own requests), and the
        letters waiting to be sent; with how many of the first two concern customers above the
        user's clearance."""
        uid = self.env.uid
        release_domain = [("state", "=", "to_approve"), ("user_id", "!=", uid)]
        evaluation_domain = [("state", "=", "submitted")]
        Release = self.env["credit.release.request"]
        Evaluation = self.env["credit.evaluation"]
        release_count = Release.search_count(release_domain)
        evaluation_count = Evaluation.search_count(evaluation_domain)
        return {
            "release_count": release_count,
            "release_hidden": Release.sudo().search_count(release_domain) - release_count,
            "evaluation_count": evaluation_count,
            "evaluation_hidden": Evaluation.sudo().search_count(evaluation_domain) - evaluation_count,
            "letter_count": self.env["credit.reminder"].search_count([("state", "=", "draft")]),
        }

    # ------------------------------------------------------------- receivables

    @api.model
    def _receivable_figures(self, company, today, visible_ids, hidden_ids, customers):
        """The aging by bucket and grade, DSO (company and per customer), average days late and
        CEI per month, of the customers the user may read."""
        currency = company.currency_id
        periods = month_periods(today)
        start = periods[-1][0]
        bucket_set = self.env["credit.aging.bucket.set"].search([], limit=1)
        bucket_names = bucket_set._ordered_buckets().mapped("name")
        aging = self.env["credit.receivable"].get_aging_by_partner(
            today, company, bucket_limits=bucket_set._bucket_limits()
        )
        aging = [row for row in aging if row["partner_id"] in visible_ids]
        names = {grade.id: grade.display_name for grade in customers.credit_grade_id}
        grade_names = {partner.id: names.get(partner.credit_grade_id.id) for partner in customers}
        aging_by_grade = {}
        bucket_keys = [f"b{index}" for index in range(1, len(bucket_names) + 1)]
        for row in aging:
            name = grade_names.get(row["partner_id"]) or self.env._("No grade")
            sums = aging_by_grade.setdefault(name, dict.fromkeys(bucket_keys, 0.0))
            for key in bucket_keys:
                sums[key] += row[key]
        receivable = {row["partner_id"]: row["total"] for row in aging}

        sales = self._monthly_sales(company, start, today)
        visible_sales = {pid: months for pid, months in sales.items() if pid in visible_ids}
        company_sales = defaultdict(float)
        for months in visible_sales.values():
            for month, amount in months.items():
                company_sales[month] += amount
        late = self._days_late(company, today)
        late = {pid: values for pid, values in late.items() if pid in visible_ids}
        dso_rows = []
        for partner in customers.filtered(lambda p: p.id in receivable and receivable[p.id] > 0):
            months = visible_sales.get(partner.id, {})
            weighted, matched = late.get(partner.id, (0.0, 0.0))
            dso_rows.append(
                {
                    "partner_id": partner.id,
                    "partner_name": partner.name,
                    "receivable": receivable[partner.id],
                    "dso": dso_countback(
                        receivable[partner.id],
                        [(days, months.get(first, 0.0)) for first, _l, days in periods],
                    ),
                    "days_late": weighted / matched if matched else 0.0,
                }
            )
        dso_rows.sort(key=lambda row: (-row["dso"], -row["receivable"], row["partner_id"]))
        total_receivable = sum(value for value in receivable.values())
        weighted = sum(values[0] for values in late.values())
        matched = sum(values[1] for values in late.values())
        return {
            "bucket_names": bucket_names,
            "bucket_keys": bucket_keys,
            "aging_by_grade": [[name, sums] for name, sums in sorted(aging_by_grade.items())],
            "dso_rows": dso_rows[:TOP_COUNT],
            "dso_by_partner": {row["partner_id"]: row["dso"] for row in dso_rows},
            "company_dso": dso_countback(
                total_receivable, [(days, company_sales.get(first, 0.0)) for first, _l, days in periods]
            ),
            "average_days_late": weighted / matched if matched else 0.0,
            "cei_months": self._cei_by_month(company, periods, company_sales, hidden_ids),
            "total_receivable": currency.round(total_receivable),
        }

    @api.model
    def _receivable_line_sql(self):
        return SQL(
            """account_move_line line
              JOIN account_account account
                ON account.id = line.account_id AND account.account_type = 'asset_receivable'
              JOIN res_partner contact ON contact.id = line.partner_id"""
        )

    @api.model
    def _flush(self):
        self.env["credit.receivable"]._flush_for_query()
        self.env["account.move"].flush_model(["move_type"])

    @api.model
    def _monthly_sales(self, company, start, today):
        """{commercial partner id: {first day of month: credit sales}}: the receivable amounts of
        posted customer invoices less credit notes, by accounting date, in company currency."""
        self._flush()
        rows = self.env.execute_query(
            SQL(
                """
                SELECT contact.commercial_partner_id, date_trunc('month', line.date)::date, SUM(line.balance)
                  FROM %(lines)s
                  JOIN account_move move ON move.id = line.move_id
                 WHERE line.parent_state = 'posted'
                   AND line.company_id = %(company)s
                   AND move.move_type IN ('out_invoice', 'out_refund')
                   AND line.date BETWEEN %(start)s AND %(today)s
              GROUP BY 1, 2
                """,
                lines=self._receivable_line_sql(),
                company=company.id,
                start=start,
                today=today,
            )
        )
        sales = defaultdict(dict)
        for partner_id, month, amount in rows:
            sales[partner_id][month] = float(amount)
        return sales

    @api.model
    def _days_late(self, company, today):
        """{commercial partner id: (sum of amount * days late, sum of amount)} of the payments matched to
        customer invoices in the last 12 months: days late = the matching date (the later of
        invoice and payment) - the invoice's due date, 0 when paid on time."""
        self._flush()
        rows = self.env.execute_query(
            SQL(
                """
                SELECT delay.partner_id, SUM(delay.amount * GREATEST(delay.days_late, 0)), SUM(delay.amount)
                  FROM (%s) delay
              GROUP BY 1
                """,
                self.env["credit.receivable"]._payment_delays_query(
                    company, today - relativedelta(months=12), today
                ),
            )
        )
        return {partner_id: (float(weighted), float(amount)) for partner_id, weighted, amount in rows}

    @api.model
    def _cei_by_month(self, company, periods, sales, hidden_ids):
        """[{month, beginning, sales, ending, current, cei}] of the months of ``periods``, oldest
        first; receivables of the customers not in ``hidden_ids``. Total receivables at a date are
        the receivable ledger's balance up to it; current receivables are the open amounts (as of
        the month's end) of the items not yet due then."""
        self._flush()
        start = periods[-1][0]
        today = periods[0][1]
        hidden = list(hidden_ids)
        ledger = self.env.execute_query(
            SQL(
                """
                SELECT CASE WHEN line.date < %(start)s THEN NULL
                            ELSE date_trunc('month', line.date)::date END,
                       SUM(line.balance)
                  FROM %(lines)s
                 WHERE line.parent_state = 'posted' AND line.company_id = %(company)s
                   AND line.date <= %(today)s AND NOT contact.commercial_partner_id = ANY(%(hidden)s)
              GROUP BY 1
                """,
                lines=self._receivable_line_sql(),
                start=start,
                today=today,
                company=company.id,
                hidden=hidden,
            )
        )
        current = dict(
            self.env.execute_query(
                SQL(
                    """
                    WITH month_end AS (
                        SELECT unnest(%(ends)s::date[]) AS day
                    ), item AS (
                        SELECT line.id, line.balance, line.date,
                               COALESCE(line.date_maturity, line.date) AS due
                          FROM %(lines)s
                         WHERE line.parent_state = 'posted' AND line.company_id = %(company)s
                           AND COALESCE(line.date_maturity, line.date) >= %(start)s AND line.date <= %(today)s
                           AND NOT contact.commercial_partner_id = ANY(%(hidden)s)
                    ), movement AS (
                        SELECT item.date, item.due, item.balance AS amount, NULL::date AS matched_on FROM item
                         UNION ALL
                        SELECT item.date, item.due, -partial.amount, partial.max_date
                          FROM item JOIN account_partial_reconcile partial ON partial.debit_move_id = item.id
                         UNION ALL
                        SELECT item.date, item.due, partial.amount, partial.max_date
                          FROM item JOIN account_partial_reconcile partial ON partial.credit_move_id = item.id
                    )
                    SELECT month_end.day, SUM(movement.amount)
                      FROM month_end
                      JOIN movement ON movement.date <= month_end.day AND movement.due >= month_end.day
                                   AND (movement.matched_on IS NULL OR movement.matched_on <= month_end.day)
                  GROUP BY 1
                    """,
                    ends=[last for _first, last, _days in periods],
                    lines=self._receivable_line_sql(),
                    company=company.id,
                    start=start,
                    today=today,
                    hidden=hidden,
                )
            )
        )
        by_month = {month: float(amount) for month, amount in ledger}
        balance = by_month.get(None, 0.0)
        months = []
        for first, last, _days in reversed(periods):
            beginning = balance
            balance += by_month.get(first, 0.0)
            month_sales = sales.get(first, 0.0)
            ending_current = float(current.get(last, 0.0))
            months.append(
                {
                    "month": first,
                    "label": first.strftime("%Y-%m"),
                    "beginning": beginning,
                    "sales": month_sales,
                    "ending": balance,
                    "current": ending_current,
                    "cei": collection_effectiveness(beginning, month_sales, balance, ending_current),
                }
            )
        return months

    # ------------------------------------------------------------------ tiles

    def _customers_action(self, name, context=None, domain=None):
        action = self.env["ir.actions.act_window"]._for_xml_id(CUSTOMERS_ACTION)
        action["name"] = name
        action["context"] = {"res_partner_search_mode": "customer", **(context or {})}
        if domain:
            action["domain"] = [*self._customer_domain(), *domain]
        return action

    def action_open_over_line(self):
        return self._customers_action(
            self.env._("Over Credit Line"), {"search_default_filter_credit_exceeded": 1}
        )

    def action_open_near_line(self):
        ids = self._tile_data(*self._customer_visibility())["near_line_ids"]
        return self._customers_action(self.env._("Near Credit Line"), domain=[("id", "in", ids)])

    def action_open_on_hold(self):
        reason = self.env.context.get("credit_hold_reason")
        domain = [("credit_hold_reason", "=", reason)] if reason in HOLD_REASONS else None
        return self._customers_action(
            self.env._("On Credit Hold"), {"search_default_filter_credit_hold": 1}, domain=domain
        )

    def action_open_reevaluations(self):
        return self._customers_action(
            self.env._("Re-evaluation Due"), {"search_default_filter_credit_reevaluation_due": 1}
        )

    def action_open_releases(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "customer_credit_management.credit_release_request_action"
        )
        action["domain"] = [("user_id", "!=", self.env.uid)]
        return action

    def action_open_evaluations(self):
        return self.env["ir.actions.act_window"]._for_xml_id(
            "customer_credit_management.credit_evaluation_action_to_approve"
        )

    def action_open_letters(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "customer_credit_management.credit_reminder_action"
        )
        action["context"] = {"search_default_draft": 1}
        return action
