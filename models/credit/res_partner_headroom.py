from datetime import timedelta

from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import SQL, format_amount, format_date

from .credit_exposure import DOWN_PAYMENT_AMOUNT, EXPOSURE_FIELDS, TO_INVOICE_AMOUNT, TO_INVOICE_LINES

# Days of the dated headroom (可用额度日历), today included as day 0.
HEADROOM_DAYS = 90
# Months of payment history whose median days late shift the expected collections.
HEADROOM_HISTORY_MONTHS = 12


class ResPartner(models.Model):
    _inherit = "res.partner"

    credit_headroom_chart = fields.Html(
        string="Dated Headroom",
        compute="_compute_credit_headroom_chart",
        sanitize=False,
        help="The available credit projected for the next 90 days: the credit line less the "
        "exposure, plus the collections expected by each day (each open item at its due date "
        "shifted by the customer's median days late over the last 12 months).",
    )
    credit_payment_delay_median = fields.Float(
        string="Median Days Late",
        compute="_compute_credit_headroom_chart",
        digits=(16, 1),
        help="Median of (matching date - due date) of the payments matched to the customer's "
        "invoices in the last 12 months, negative when it pays early; 0 without history.",
    )

    @api.depends("credit_line", "credit_exposure")
    @api.depends_context("company")
    def _compute_credit_headroom_chart(self):
        for partner in self:
            commercial = partner.commercial_partner_id._origin
            if not commercial:
                partner.credit_headroom_chart = False
                partner.credit_payment_delay_median = 0.0
                continue
            projection, median = commercial._credit_headroom_projection()
            partner.credit_payment_delay_median = median
            partner.credit_headroom_chart = partner._credit_headroom_chart_html(projection)

    def _credit_headroom_projection(
        self, company=None, exposure=None, exclude_order_ids=(), days=HEADROOM_DAYS
    ):
        """([(date, headroom)] for today and the ``days`` days after it, median days late) of this
        customer (its commercial entity) in ``company`` (the current one by default), in company
        currency, in one query.

        headroom(d) = credit line - exposure + collections expected by d.

        The exposure (``credit.exposure._exposure_by_partner``; ``exposure`` when the caller read
        it, without ``exclude_order_ids`` as there) already holds every amount this customer owes
        or will owe: posted unpaid receivables, draft invoices, and the confirmed orders not yet
        invoiced (less their invoiced down payments). So the confirmed orders due to be invoiced
        are NOT subtracted again: invoicing moves their amount from one term of the exposure to
        another and leaves the headroom as it is. What frees credit is a collection, expected
        when its item falls due plus the customer's median days late (``credit.receivable.
        _payment_delays_query`` over the last 12 months; 0 without history):

        - an open receivable (``credit.receivable._open_items_query``, disputed and blocked items
          left out: nobody expects them paid) at its due date;
        - a draft invoice at its due date, else its invoice date (today when none) + the
          customer's credit term;
        - a confirmed order's amount still to invoice (as the exposure counts it) at its
          commitment date, else its expected date (order date + the shortest lead time of its
          lines; today when past), + the credit term.

        Only amounts owed count (credit notes and unapplied payments already lower the
        exposure and are not collected). A collection expected today or earlier (an item
        already later than the customer's usual) is not counted: day 0 is the credit available
        now, and an item that late is not expected at a date the projection could tell.
        The line is today's (an approved temporary line counts to its last day, as today).
        """
        self.ensure_one()
        company = company or self.env.company
        partner = self.commercial_partner_id.with_company(company)
        if exposure is None:
            exposure = self.env["credit.exposure"]._exposure_by_partner(
                partner.ids, company, exclude_order_ids=exclude_order_ids
            )[partner.id]
        today = fields.Date.today()
        rows, median = self._credit_expected_collections(partner, company, today, days, exclude_order_ids)
        currency = company.currency_id
        headroom = partner.credit_line - exposure
        projection = []
        for offset in range(days + 1):
            day = today + timedelta(days=offset)
            headroom += rows.get(day, 0.0)
            projection.append((day, currency.round(headroom)))
        return projection, median

    @api.model
    def _credit_expected_collections(self, partner, company, today, days, exclude_order_ids):
        """({date: amount expected that day}, median days late): see ``_credit_headroom_projection``."""
        Receivable = self.env["credit.receivable"]
        Receivable._flush_for_query()
        for model, fnames in EXPOSURE_FIELDS.items():
            self.env[model].flush_model(fnames)
        self.env["account.move"].flush_model(["invoice_date", "invoice_date_due"])
        self.env["sale.order"].flush_model(["commitment_date", "date_order"])
        self.env["sale.order.line"].flush_model(["customer_lead"])
        # Sudo, as the refusal reads the line: a salesperson's own order (or the banner) says when it
        # fits for a customer above their clearance too; only dates and amounts leave here.
        term = partner.sudo().credit_term_days
        history = Receivable._payment_delays_query(
            company, today - relativedelta(months=HEADROOM_HISTORY_MONTHS), today, partner_ids=partner.ids
        )
        items = Receivable._open_items_query(today, company, partner_ids=partner.ids, exclude_blocked=True)
        query = SQL(
            """
            WITH lag AS (
                SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY delay.days_late) AS days
                  FROM (%(history)s) delay
            ), customer_contact AS (
                SELECT id FROM res_partner WHERE commercial_partner_id = %(partner)s
            ), due AS (
                SELECT item.due_date AS due, item.residual AS amount
                  FROM (%(items)s) item
                 UNION ALL
                SELECT COALESCE(move.invoice_date_due, COALESCE(move.invoice_date, %(today)s) + %(term)s),
                       move.amount_total_signed
                  FROM account_move move
                 WHERE move.state = 'draft'
                   AND move.move_type IN ('out_invoice', 'out_refund')
                   AND move.company_id = %(company)s
                   AND move.partner_id IN (SELECT id FROM customer_contact)
                 UNION ALL
                SELECT GREATEST(COALESCE(so.commitment_date::date, (so.date_order + make_interval(
                           days => (SELECT MIN(lead.customer_lead)::int FROM sale_order_line lead
                                     WHERE lead.order_id = so.id)))::date), %(today)s) + %(term)s,
                       order_amount.amount
                  FROM sale_order so
                  JOIN LATERAL (
                      SELECT COALESCE(SUM(%(to_invoice)s) FILTER (
                                 WHERE %(to_invoice_lines)s), 0)
                             - COALESCE((SELECT SUM(%(down_payment)s)
                                           FROM sale_order_line dp
                                           JOIN sale_order_line_invoice_rel rel ON rel.order_line_id = dp.id
                                           JOIN account_move_line aml ON aml.id = rel.invoice_line_id
                                           JOIN account_move move ON move.id = aml.move_id
                                          WHERE dp.order_id = so.id AND dp.is_downpayment
                                            AND move.state IN ('draft', 'posted')), 0) AS amount
                        FROM sale_order_line sol
                       WHERE sol.order_id = so.id
                  ) order_amount ON TRUE
                 WHERE so.state = 'sale'
                   AND so.company_id = %(company)s
                   AND NOT so.id = ANY(%(excluded)s)
                   AND so.partner_id IN (SELECT id FROM customer_contact)
            )
            SELECT (due.due + ROUND(COALESCE(lag.days, 0))::int) AS day, SUM(due.amount), MAX(lag.days)
              FROM due, lag
             WHERE due.amount > 0
               AND due.due + ROUND(COALESCE(lag.days, 0))::int BETWEEN %(tomorrow)s AND %(last)s
          GROUP BY 1
             UNION ALL
            -- The median, whether or not anything is expected.
            SELECT NULL, NULL, lag.days FROM lag
            """,
            history=history,
            items=items,
            partner=partner.id,
            company=company.id,
            today=today,
            tomorrow=today + timedelta(days=1),
            last=today + timedelta(days=days),
            term=term,
            excluded=list(exclude_order_ids),
            to_invoice=TO_INVOICE_AMOUNT,
            to_invoice_lines=TO_INVOICE_LINES,
            down_payment=DOWN_PAYMENT_AMOUNT,
        )
        collections, median = {}, 0.0
        with Receivable._without_jit():
            for day, amount, lag in self.env.execute_query(query):
                if day is None:
                    median = float(lag or 0.0)
                else:
                    collections[day] = float(amount)
        return collections, median

    def _credit_fits_from(self, projection, amount):
        """The first day of ``projection`` from which ``amount`` fits within the headroom on
        every later day of it, or None."""
        currency = self.env.company.currency_id
        first = None
        for day, headroom in projection:
            if currency.compare_amounts(amount, headroom) <= 0:
                first = first or day
            else:
                first = None
        return first

    def _credit_headroom_sentence(self, company, amount, projection):
        """ "¥X fits now; the whole order fits from <date>" (or "does not fit within 90 days"):
        what the refusal, the quotation's banner and the release request say about when
        ``amount`` will fit, from this customer's ``projection`` (``_credit_headroom_projection``)."""
        self.ensure_one()
        currency = company.currency_id
        now = format_amount(self.env, max(projection[0][1], 0.0), currency)
        first = self.with_company(company)._credit_fits_from(projection, amount)
        if first is None:
            return self.env._(
                "%(now)s fits now; the whole order does not fit within %(days)s days.",
                now=now,
                days=HEADROOM_DAYS,
            )
        return self.env._(
            "%(now)s fits now; the whole order fits from %(date)s.",
            now=now,
            date=format_date(self.env, first),
        )

    def _credit_headroom_chart_html(self, projection, highlight=None):
        """A small SVG chart of ``projection``: the headroom day by day (a step line), the zero
        line and, when given, the level of ``highlight`` (the order's amount) dashed. Built here
        from numbers and escaped labels only (the field is not sanitized: SVG would not pass)."""
        currency = self.env.company.currency_id
        width, height = 540.0, 110.0
        values = [value for _day, value in projection]
        top = max([*values, highlight or 0.0, 0.0])
        bottom = min([*values, 0.0])
        span = (top - bottom) or 1.0

        def y(value):
            return 5 + (top - value) / span * (height - 10)

        step = width / max(len(projection) - 1, 1)
        points = " ".join(
            f"{index * step:.1f},{y(value):.1f} {(index + 1) * step:.1f},{y(value):.1f}"
            for index, value in enumerate(values)
        )
        guides = Markup('<line x1="0" x2="%s" y1="%.1f" y2="%.1f" stroke="#999"/>') % (width, y(0), y(0))
        if highlight:
            guides += Markup(
                '<line x1="0" x2="%s" y1="%.1f" y2="%.1f" stroke="#dc3545" stroke-dasharray="4 3"/>'
            ) % (width, y(highlight), y(highlight))
        first, last = projection[0], projection[-1]
        return Markup(
            '<div class="o_credit_headroom_chart" style="max-width:%spx;">'
            '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %s %s" width="100%%" height="%s">'
            '%s<polyline fill="none" stroke="#28a745" stroke-width="2" points="%s"/></svg>'
            '<div class="d-flex justify-content-between small text-muted">'
            "<span>%s: %s</span><span>%s: %s</span></div></div>"
        ) % (
            int(width),
            int(width + step),
            int(height),
            int(height),
            guides,
            points,
            format_date(self.env, first[0]),
            format_amount(self.env, first[1], currency),
            format_date(self.env, last[0]),
            format_amount(self.env, last[1], currency),
        )
