import itertools
from contextlib import contextmanager

from odoo import api, models
from odoo.tools import SQL

# Fields the receivables query reads: flushed before it runs.
QUERY_FIELDS = {
    "account.move.line": [
        "account_id",
        "parent_state",
        "company_id",
        "date",
        "date_maturity",
        "amount_residual",
        "amount_residual_currency",
        "currency_id",
        "partner_id",
        "reconciled",
        "move_id",
        "move_name",
        "invoice_date",
    ],
    "account.partial.reconcile": [
        "debit_move_id",
        "credit_move_id",
        "amount",
        "debit_amount_currency",
        "credit_amount_currency",
        "max_date",
    ],
    "account.account": ["account_type"],
    "res.partner": ["commercial_partner_id", "user_id", "credit_grade_id", "name"],
    "credit.collection.block": ["move_line_id", "state", "date_end", "company_id"],
    "credit.payment.promise": ["move_line_ids", "state", "date", "promise_date", "company_id"],
}

ITEMS_ORDER = SQL("partner_name, partner_id, due_date, line_id")
# Names of the server-side cursors: two streams may be open at once in one transaction.
CURSOR_NUMBERS = itertools.count()


class CreditReceivable(models.AbstractModel):
    """Open receivables as of a date, the single source of the aging, the collection
    letters and the credit hold."""

    _name = "credit.receivable"
    _description = "Open Receivables"

    @api.model
    def _open_items_query(
        self,
        as_of,
        companies,
        basis="due_date",
        bucket_limits=(),
        partner_ids=None,
        user_ids=None,
        grade_ids=None,
        exclude_on_hold=False,
        exclude_blocked=False,
        exclude_promised=False,
    ):
        """Return the SQL selecting one row per receivable line open on ``as_of``.

        ``blocked``: the line is under an approved dispute or collection block whose end date
        is not past on ``as_of``; ``promised``: it is covered by a payment promise still valid
        on ``as_of``. ``exclude_blocked`` / ``exclude_promised`` leave those lines out: the
        collection run, the overdue hold and the letters' amounts exclude blocked lines here,
        and nowhere else.

        ``bucket_limits`` are the inclusive upper bounds (in days) of every bucket but the
        last, which is open-ended; ``bucket`` is the 1-based bucket of each row. The
        ``partner_ids``, ``user_ids`` and ``grade_ids`` filters apply to the commercial
        entity; None means no filter.
        """
        due_date = SQL("COALESCE(rl.date_maturity, rl.date)")
        invoice_date = SQL("COALESCE(rl.invoice_date, rl.date)")
        age_days = SQL("(%s::date - %s)", as_of, due_date if basis == "due_date" else invoice_date)
        if bucket_limits:
            bucket = SQL(
                "CASE %s ELSE %s END",
                SQL(" ").join(
                    SQL("WHEN %s <= %s THEN %s", age_days, limit, index)
                    for index, limit in enumerate(bucket_limits, start=1)
                ),
                len(bucket_limits) + 1,
            )
        else:
            bucket = SQL("1")

        conditions = [SQL("TRUE")]
        if partner_ids is not None:
            conditions.append(SQL("cp.id = ANY(%s)", list(partner_ids)))
        if user_ids is not None:
            conditions.append(SQL("cp.user_id = ANY(%s)", list(user_ids)))
        if grade_ids is not None:
            conditions.append(SQL("cp.credit_grade_id = ANY(%s)", list(grade_ids)))
        if exclude_on_hold:
            conditions.append(SQL("cp.credit_hold IS NOT TRUE"))
        if exclude_blocked:
            conditions.append(SQL("blk.move_line_id IS NULL"))
        if exclude_promised:
            conditions.append(SQL("prm.move_line_id IS NULL"))

        # The residual as of a past date is today's stored residual plus whatever was matched
        # after that date: only those late partials are read, and the open lines come from
        # Odoo's index of unreconciled items.
        return SQL(
            """
            WITH late_partial AS (
                SELECT apr.debit_move_id AS line_id, apr.amount,
                       apr.debit_amount_currency AS amount_currency
                  FROM account_partial_reconcile apr
                 WHERE apr.max_date > %(as_of)s AND apr.company_id = ANY(%(company_ids)s)
                 UNION ALL
                SELECT apr.credit_move_id, -apr.amount, -apr.credit_amount_currency
                  FROM account_partial_reconcile apr
                 WHERE apr.max_date > %(as_of)s AND apr.company_id = ANY(%(company_ids)s)
            ),
            late_sum AS (
                SELECT line_id, SUM(amount) AS amount, SUM(amount_currency) AS amount_currency
                  FROM late_partial
                 GROUP BY line_id
            ),
            receivable_line AS (
                SELECT aml.id, aml.move_id, aml.move_name, aml.invoice_date, aml.partner_id,
                       aml.company_id, aml.currency_id, aml.date, aml.date_maturity,
                       aml.amount_residual, aml.amount_residual_currency
                  FROM account_move_line aml
                 WHERE aml.account_id = ANY(%(receivable_accounts)s)
                   AND (aml.reconciled IS NULL OR aml.reconciled = false OR aml.reconciled IS NOT true)
                   AND aml.parent_state = 'posted'
                   AND aml.company_id = ANY(%(company_ids)s)
                   AND aml.date <= %(as_of)s
                 UNION ALL
                -- Fully reconciled today, still open on as_of through its late partials.
                SELECT aml.id, aml.move_id, aml.move_name, aml.invoice_date, aml.partner_id,
                       aml.company_id, aml.currency_id, aml.date, aml.date_maturity,
                       aml.amount_residual, aml.amount_residual_currency
                  FROM late_sum
                  JOIN account_move_line aml ON aml.id = late_sum.line_id
                 WHERE aml.account_id = ANY(%(receivable_accounts)s)
                   AND aml.reconciled IS TRUE
                   AND aml.parent_state = 'posted'
                   AND aml.company_id = ANY(%(company_ids)s)
                   AND aml.date <= %(as_of)s
            )
            SELECT rl.id AS line_id,
                   rl.move_id,
                   rl.move_name,
                   cp.id AS partner_id,
                   cp.name AS partner_name,
                   cp.user_id,
                   cp.credit_grade_id AS grade_id,
                   rl.company_id,
                   rl.currency_id,
                   %(invoice_date)s AS invoice_date,
                   %(due_date)s AS due_date,
                   %(as_of)s::date - %(due_date)s AS days_overdue,
                   %(age_days)s AS age_days,
                   %(bucket)s AS bucket,
                   rl.amount_residual + COALESCE(ls.amount, 0) AS residual,
                   rl.amount_residual_currency + COALESCE(ls.amount_currency, 0) AS residual_currency,
                   blk.move_line_id IS NOT NULL AS blocked,
                   prm.move_line_id IS NOT NULL AS promised
              FROM receivable_line rl
              LEFT JOIN res_partner partner ON partner.id = rl.partner_id
              LEFT JOIN res_partner cp ON cp.id = partner.commercial_partner_id
              LEFT JOIN late_sum ls ON ls.line_id = rl.id
              LEFT JOIN (
                    SELECT DISTINCT b.move_line_id
                      FROM credit_collection_block b
                     WHERE b.state = 'approved' AND b.date_end >= %(as_of)s
                       AND b.company_id = ANY(%(company_ids)s)
                   ) blk ON blk.move_line_id = rl.id
              LEFT JOIN (
                    SELECT DISTINCT rel.move_line_id
                      FROM credit_payment_promise p
                      JOIN credit_payment_promise_move_line_rel rel ON rel.promise_id = p.id
                     WHERE p.state = 'valid' AND p.date <= %(as_of)s AND p.promise_date >= %(as_of)s
                       AND p.company_id = ANY(%(company_ids)s)
                   ) prm ON prm.move_line_id = rl.id
             WHERE rl.amount_residual + COALESCE(ls.amount, 0) != 0
               AND %(conditions)s
            """,
            company_ids=companies.ids,
            receivable_accounts=SQL(
                "ARRAY(SELECT id FROM account_account WHERE account_type = 'asset_receivable')"
            ),
            as_of=as_of,
            invoice_date=invoice_date,
            due_date=due_date,
            age_days=age_days,
            bucket=bucket,
            conditions=SQL(" AND ").join(conditions),
        )

    @contextmanager
    def _without_jit(self):
        """Plan the receivables query without JIT compilation: on a large book PostgreSQL
        compiles it for about 0.2 s, which it never wins back on a scan of 0.6 s."""
        cr = self.env.cr
        cr.execute("SELECT current_setting('jit'), set_config('jit', 'off', true)")
        previous = cr.fetchone()[0]
        yield
        # Not after an error: the setting is local to the transaction, which is then rolled back.
        cr.execute(SQL("SELECT set_config('jit', %s, true)", previous))

    @api.model
    def _flush_for_query(self):
        for model, fnames in QUERY_FIELDS.items():
            self.env[model].flush_model(fnames)

    @api.model
    def get_open_items(self, as_of, companies, **filters):
        """Open receivable documents as of ``as_of``, one dict per receivable line, ordered
        by customer and due date. See ``_open_items_query`` for the filters."""
        self._flush_for_query()
        query = self._open_items_query(as_of, companies, **filters)
        with self._without_jit():
            return self.env.execute_query_dict(SQL("%s ORDER BY %s", query, ITEMS_ORDER))

    @api.model
    def _iter_open_item_values(self, as_of, companies, columns, batch_size=10000, **filters):
        """The rows of ``get_open_items`` as tuples of ``columns`` (names of its keys), in its
        order, fetched ``batch_size`` at a time from a cursor on the server: the documents of
        a large book never sit in memory all at once."""
        self._flush_for_query()
        query = self._open_items_query(as_of, companies, **filters)
        cr = self.env.cr
        cursor_name = SQL.identifier(f"credit_open_items_{next(CURSOR_NUMBERS)}")
        with self._without_jit():  # planned when declared
            cr.execute(
                SQL(
                    "DECLARE %s NO SCROLL CURSOR FOR SELECT %s FROM (%s) item ORDER BY %s",
                    cursor_name,
                    SQL(", ").join(SQL.identifier(column) for column in columns),
                    query,
                    ITEMS_ORDER,
                )
            )
        # Closed when read to the end or dropped by the caller; after a database error the
        # transaction's end closes it.
        while True:
            cr.execute(SQL("FETCH %s FROM %s", batch_size, cursor_name))
            rows = cr.fetchall()
            if not rows:
                break
            try:
                yield from rows
            except GeneratorExit:
                cr.execute(SQL("CLOSE %s", cursor_name))
                raise
        cr.execute(SQL("CLOSE %s", cursor_name))

    @api.model
    def get_aging_by_partner(self, as_of, companies, bucket_limits=(), **filters):
        """Open receivables per commercial entity as of ``as_of``: bucket amounts ``b1``..
        ``bN`` (N = len(bucket_limits) + 1), ``total`` and ``overdue`` (past the due date),
        in company currency, and ``blocked`` (lines under a dispute or collection block: 0 when
        they are excluded). Lines without a customer come as one row with no partner."""
        self._flush_for_query()
        query = self._open_items_query(as_of, companies, bucket_limits=bucket_limits, **filters)
        bucket_columns = SQL(", ").join(
            SQL(
                "COALESCE(SUM(residual) FILTER (WHERE bucket = %s), 0) AS %s",
                index,
                SQL.identifier(f"b{index}"),
            )
            for index in range(1, len(bucket_limits) + 2)
        )
        # Grouped by the customer's id alone, its name, salesperson and grade joined to the few
        # thousand sums after: grouping the open lines by those columns too sorted every line by
        # name (spilling to disk on a large book) instead of hashing ids.
        with self._without_jit():
            return self.env.execute_query_dict(
                SQL(
                    """
                    SELECT aging.*, cp.name AS partner_name, cp.user_id, cp.credit_grade_id AS grade_id
                      FROM (
                            SELECT partner_id, %(bucket_columns)s,
                                   SUM(residual) AS total,
                                   COALESCE(SUM(residual) FILTER (WHERE days_overdue > 0), 0) AS overdue,
                                   COALESCE(SUM(residual) FILTER (WHERE blocked), 0) AS blocked
                              FROM (%(query)s) item
                             GROUP BY partner_id
                           ) aging
                      LEFT JOIN res_partner cp ON cp.id = aging.partner_id
                     ORDER BY cp.name, aging.partner_id
                    """,
                    bucket_columns=bucket_columns,
                    query=query,
                )
            )
