import itertools
from contextlib import contextmanager

from odoo import api, models
from odoo.tools import SQL
from odoo.tools.sql import create_index

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
        parts = self._open_line_parts(as_of, companies, basis, bucket_limits, partner_ids)
        return SQL(
            """
            WITH %(lines)s, %(flags)s
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
                   %(days_overdue)s AS days_overdue,
                   %(age_days)s AS age_days,
                   %(bucket)s AS bucket,
                   %(residual)s AS residual,
                   rl.amount_residual_currency + COALESCE(ls.amount_currency, 0) AS residual_currency,
                   blk.move_line_id IS NOT NULL AS blocked,
                   prm.move_line_id IS NOT NULL AS promised
              FROM receivable_line rl
              LEFT JOIN res_partner partner ON partner.id = rl.partner_id
              LEFT JOIN res_partner cp ON cp.id = partner.commercial_partner_id
              LEFT JOIN late_sum ls ON ls.line_id = rl.id
              %(flag_joins)s
             WHERE %(residual)s != 0
               AND %(conditions)s
               AND %(flag_conditions)s
            """,
            **parts,
            flags=self._flag_tables(as_of, companies),
            flag_joins=self._flag_joins("rl"),
            flag_conditions=self._flag_conditions(exclude_blocked, exclude_promised),
            conditions=self._commercial_conditions(partner_ids, user_ids, grade_ids, exclude_on_hold),
        )

    @api.model
    def _flag_tables(self, as_of, companies):
        """The common tables ``blocked_line`` (journal items under an approved dispute or
        collection block not ended on ``as_of``) and ``promised_line`` (items covered by a payment
        promise valid on ``as_of``), to follow a ``WITH``. Not materialised: a query that reads
        them twice would otherwise scan them as CTEs, which keeps the scan of the journal items
        that joins them out of PostgreSQL's parallel workers."""
        return SQL(
            """
            blocked_line AS NOT MATERIALIZED (
                SELECT DISTINCT b.move_line_id
                  FROM credit_collection_block b
                 WHERE b.state = 'approved' AND b.date_end >= %(as_of)s
                   AND b.company_id = ANY(%(company_ids)s)
            ),
            promised_line AS NOT MATERIALIZED (
                SELECT DISTINCT rel.move_line_id
                  FROM credit_payment_promise p
                  JOIN credit_payment_promise_move_line_rel rel ON rel.promise_id = p.id
                 WHERE p.state = 'valid' AND p.date <= %(as_of)s AND p.promise_date >= %(as_of)s
                   AND p.company_id = ANY(%(company_ids)s)
            )
            """,
            as_of=as_of,
            company_ids=companies.ids,
        )

    @api.model
    def _active_flags(self, as_of, companies):
        """Whether ``_flag_tables`` hold any item on ``as_of``: (blocked, promised)."""
        return self.env.execute_query(
            SQL(
                "WITH %s SELECT EXISTS(SELECT FROM blocked_line), EXISTS(SELECT FROM promised_line)",
                self._flag_tables(as_of, companies),
            )
        )[0]

    @api.model
    def _flag_joins(self, alias, blocked=True, promised=True):
        """The joins ``blk`` and ``prm`` of the journal item ``alias`` to ``_flag_tables``, or
        those of them asked for."""
        line = SQL.identifier(alias)
        joins = [
            SQL("LEFT JOIN blocked_line blk ON blk.move_line_id = %s.id", line) if blocked else SQL(),
            SQL("LEFT JOIN promised_line prm ON prm.move_line_id = %s.id", line) if promised else SQL(),
        ]
        return SQL(" ").join(joins)

    @api.model
    def _flag_conditions(self, exclude_blocked, exclude_promised):
        conditions = [SQL("TRUE")]
        if exclude_blocked:
            conditions.append(SQL("blk.move_line_id IS NULL"))
        if exclude_promised:
            conditions.append(SQL("prm.move_line_id IS NULL"))
        return SQL(" AND ").join(conditions)

    @api.model
    def _commercial_conditions(self, partner_ids, user_ids, grade_ids, exclude_on_hold):
        """The filters of ``_open_items_query`` on the commercial entity ``cp``."""
        conditions = [SQL("TRUE")]
        if partner_ids is not None:
            conditions.append(SQL("cp.id = ANY(%s)", list(partner_ids)))
        if user_ids is not None:
            conditions.append(SQL("cp.user_id = ANY(%s)", list(user_ids)))
        if grade_ids is not None:
            conditions.append(SQL("cp.credit_grade_id = ANY(%s)", list(grade_ids)))
        if exclude_on_hold:
            conditions.append(SQL("cp.credit_hold IS NOT TRUE"))
        return SQL(" AND ").join(conditions)

    @api.model
    def _line_expressions(self, as_of, basis, alias):
        """Due date, invoice date, age in days and days overdue of the journal item ``alias``."""
        due_date = SQL("COALESCE(%s.date_maturity, %s.date)", SQL.identifier(alias), SQL.identifier(alias))
        invoice_date = SQL("COALESCE(%s.invoice_date, %s.date)", SQL.identifier(alias), SQL.identifier(alias))
        return {
            "due_date": due_date,
            "invoice_date": invoice_date,
            "age_days": SQL("(%s::date - %s)", as_of, due_date if basis == "due_date" else invoice_date),
            "days_overdue": SQL("(%s::date - %s)", as_of, due_date),
        }

    @api.model
    def _open_line_scope(self, as_of, companies, alias="aml"):
        """The receivable journal items of ``companies`` posted on or before ``as_of``."""
        aml = SQL.identifier(alias)
        return SQL(
            """%(aml)s.account_id = ANY(%(receivable_accounts)s)
               AND %(aml)s.parent_state = 'posted'
               AND %(aml)s.company_id = ANY(%(company_ids)s)
               AND %(aml)s.date <= %(as_of)s""",
            aml=aml,
            receivable_accounts=SQL(
                "ARRAY(SELECT id FROM account_account WHERE account_type = 'asset_receivable')"
            ),
            company_ids=companies.ids,
            as_of=as_of,
        )

    @api.model
    def _open_line_parts(self, as_of, companies, basis, bucket_limits, partner_ids=None):
        """The common tables ``late_sum`` and ``receivable_line`` (``lines``, to follow a
        ``WITH``) and the expressions of one open line ``rl`` joined to its ``late_sum`` ``ls``.
        ``partner_ids`` (commercial entities, None for all) narrows ``receivable_line`` to their
        contacts' items, read through Odoo's index of unreconciled items by account and partner:
        one customer's items (the dated headroom) without a scan of the book's."""
        expressions = self._line_expressions(as_of, basis, "rl")
        age_days = expressions["age_days"]
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
        # The residual as of a past date is today's stored residual plus whatever was matched
        # after that date: only those late partials are read, and the open lines come from
        # Odoo's index of unreconciled items.
        lines = SQL(
            """
            %(late_sum)s,
            receivable_line AS (
                SELECT aml.id, aml.move_id, aml.move_name, aml.invoice_date, aml.partner_id,
                       aml.company_id, aml.currency_id, aml.date, aml.date_maturity,
                       aml.amount_residual, aml.amount_residual_currency
                  FROM account_move_line aml
                 WHERE %(scope)s
                   AND (aml.reconciled IS NULL OR aml.reconciled = false OR aml.reconciled IS NOT true)
                 UNION ALL
                -- Fully reconciled today, still open on as_of through its late partials.
                SELECT aml.id, aml.move_id, aml.move_name, aml.invoice_date, aml.partner_id,
                       aml.company_id, aml.currency_id, aml.date, aml.date_maturity,
                       aml.amount_residual, aml.amount_residual_currency
                  FROM late_sum
                  JOIN account_move_line aml ON aml.id = late_sum.line_id
                 WHERE %(scope)s
                   AND aml.reconciled IS TRUE
            )
            """,
            late_sum=self._late_sum(as_of, companies),
            scope=SQL(
                "%s AND %s",
                self._open_line_scope(as_of, companies),
                SQL("TRUE")
                if partner_ids is None
                else SQL(
                    "aml.partner_id = ANY(ARRAY("
                    "SELECT id FROM res_partner WHERE commercial_partner_id = ANY(%s)))",
                    list(partner_ids),
                ),
            ),
        )
        return {
            **expressions,
            "lines": lines,
            "bucket": bucket,
            "residual": SQL("(rl.amount_residual + COALESCE(ls.amount, 0))"),
        }

    def init(self):
        # The late partials of ``_late_sum`` (matched after the date the receivables are read
        # at) are few, and none when that date is today: an index finds them without a scan of
        # every partial of the book.
        create_index(
            self.env.cr,
            "account_partial_reconcile_credit_max_date_index",
            "account_partial_reconcile",
            ["max_date"],
        )

    @api.model
    def _late_sum(self, as_of, companies):
        """The common table ``late_sum``: per journal item, what partial reconciliations matched
        after ``as_of`` (``amount``, ``amount_currency``), to add back to its stored residual."""
        return SQL(
            """
            late_partial AS (
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
            )
            """,
            as_of=as_of,
            company_ids=companies.ids,
        )

    @api.model
    def _payment_delays_query(self, company, since, until, partner_ids=None):
        """The SQL of one row per payment matched to a customer invoice of ``company`` from
        ``since`` (excluded) to ``until``: ``partner_id`` (the invoice's commercial entity),
        ``amount`` (matched, company currency) and ``days_late``, the matching date (the later of
        invoice and payment) less the invoice's due date, negative when paid early. The one
        reading of how late customers pay: the dashboard's average days late, the dated headroom's
        median. ``partner_ids`` (commercial entities) None means every customer."""
        in_scope = SQL("TRUE")
        if partner_ids is not None:
            in_scope = SQL("contact.commercial_partner_id = ANY(%s)", list(partner_ids))
        return SQL(
            """
            SELECT contact.commercial_partner_id AS partner_id,
                   partial.amount,
                   partial.max_date - COALESCE(line.date_maturity, line.date) AS days_late
              FROM account_partial_reconcile partial
              JOIN account_move_line line ON line.id = partial.debit_move_id
              JOIN account_account account
                ON account.id = line.account_id AND account.account_type = 'asset_receivable'
              JOIN res_partner contact ON contact.id = line.partner_id
              JOIN account_move invoice ON invoice.id = line.move_id
              JOIN account_move_line payment_line ON payment_line.id = partial.credit_move_id
              JOIN account_move payment ON payment.id = payment_line.move_id
             WHERE partial.company_id = %(company)s
               AND invoice.move_type = 'out_invoice'
               AND payment.move_type = 'entry'
               AND partial.max_date > %(since)s AND partial.max_date <= %(until)s
               AND %(in_scope)s
            """,
            company=company.id,
            since=since,
            until=until,
            in_scope=in_scope,
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
    def get_aging_by_partner(
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
        readable=None,
    ):
        """Open receivables per commercial entity as of ``as_of``: bucket amounts ``b1``..
        ``bN`` (N = len(bucket_limits) + 1), ``total`` and ``overdue`` (past the due date),
        in company currency, ``blocked`` (lines under a dispute or collection block: 0 when
        they are excluded) and ``promised`` (lines under a valid payment promise). Lines without
        a customer come as one row with no partner. The same lines and filters as
        ``_open_items_query``. ``readable`` (the ``subselect()`` of a ``res.partner`` query, the
        partners a user may read) gives each row ``readable``, whether its customer is one of
        them; the row without a customer is readable."""
        self._flush_for_query()
        bucket_names = [SQL.identifier(f"b{index}") for index in range(1, len(bucket_limits) + 2)]
        # The buckets share out every item: the total is their sum. Aged by due date with a first
        # limit of 0, the first bucket is what is not yet due and the others what is overdue. Summed
        # from the buckets, per customer, rather than as more sums per item in the scan: each sum
        # per item costs the scan of a large book a few percent.
        overdue_from_buckets = basis == "due_date" and bool(bucket_limits) and bucket_limits[0] == 0
        customer_total = SQL(" + ").join(SQL("COALESCE(SUM(ca.%s), 0)", name) for name in bucket_names)
        customer_overdue = (
            SQL(" + ").join(SQL("COALESCE(SUM(ca.%s), 0)", name) for name in bucket_names[1:])
            if overdue_from_buckets
            else SQL("COALESCE(SUM(ca.overdue), 0)")
        )

        def sums(alias, amount):
            """The bucket sums of ``amount`` over journal items ``alias``, and its overdue and
            flagged sums where the buckets do not give them."""
            expressions = self._line_expressions(as_of, basis, alias)
            age = expressions["age_days"]
            # Bucket k holds the ages up to its limit and above every earlier limit: the first
            # limit the age does not pass, as the CASE of ``_open_line_parts`` picks it.
            lows = [None, *itertools.accumulate(bucket_limits, max)]
            in_bucket = [
                SQL(" AND ").join(
                    [SQL("%s > %s", age, low)] * (low is not None)
                    + [SQL("%s <= %s", age, high)] * (high is not None)
                    or [SQL("TRUE")]
                )
                for low, high in zip(lows, [*bucket_limits, None], strict=True)
            ]
            return SQL(", ").join(
                [
                    *(
                        SQL("SUM(%s) FILTER (WHERE %s) AS %s", amount, condition, name)
                        for condition, name in zip(in_bucket, bucket_names, strict=True)
                    ),
                    SQL("NULL::numeric AS overdue")
                    if overdue_from_buckets
                    else SQL("SUM(%s) FILTER (WHERE %s > 0) AS overdue", amount, expressions["days_overdue"]),
                    SQL("SUM(%s) FILTER (WHERE blk.move_line_id IS NOT NULL) AS blocked", amount)
                    if blocked
                    else SQL("0::numeric AS blocked"),
                    SQL("SUM(%s) FILTER (WHERE prm.move_line_id IS NOT NULL) AS promised", amount)
                    if promised
                    else SQL("0::numeric AS promised"),
                ]
            )

        # Summed per contact (the journal item's partner) straight from the scan of the open
        # items, as the bare aggregate does; the few items matched after ``as_of`` are added on
        # their own (``late``: their matched amount, or their whole residual as of ``as_of`` if
        # the scan left them out); the few thousand contact sums are then mapped to their
        # commercial entity, filtered and summed again. ``line_count`` counts the items whose
        # residual as of ``as_of`` is not zero: an entity with none has no row, as in
        # ``_open_items_query``. Joining each item to its contact, entity and late partials
        # before summing took longer than the scan itself.
        unreconciled = SQL("(aml.reconciled IS NULL OR aml.reconciled = false OR aml.reconciled IS NOT true)")
        scanned = SQL("(%s AND aml.amount_residual != 0)", unreconciled)
        # The sums come as float8, the float the ORM would make of them (both round the exact
        # decimal): psycopg2 reads a float8 in C, a numeric through a Python call per value.
        # Even empty, the flags' joins cost the scan of a large book a tenth of its time: they are
        # left out on a date no item is disputed, blocked or promised (the common case).
        blocked, promised = self._active_flags(as_of, companies)
        with self._without_jit():
            return self.env.execute_query_dict(
                SQL(
                    """
                    WITH %(late_sum)s, %(flags)s,
                    late AS (
                        SELECT aml.id, aml.partner_id, aml.date, aml.date_maturity, aml.invoice_date,
                               CASE WHEN %(scanned)s THEN ls.amount
                                    ELSE aml.amount_residual + ls.amount END AS amount,
                               CASE WHEN %(scanned)s THEN -(aml.amount_residual + ls.amount = 0)::int
                                    ELSE (aml.amount_residual + ls.amount != 0)::int END AS line_count
                          FROM late_sum ls
                          JOIN account_move_line aml ON aml.id = ls.line_id
                         WHERE %(scope)s
                    ),
                    contact_aging AS (
                        SELECT aml.partner_id, %(scan_sums)s, COUNT(*) AS line_count
                          FROM account_move_line aml
                          %(scan_flag_joins)s
                         WHERE %(scope)s AND %(scanned)s AND %(flag_conditions)s
                         GROUP BY aml.partner_id
                         UNION ALL
                        SELECT late.partner_id, %(late_sums)s, SUM(late.line_count)
                          FROM late
                          %(late_flag_joins)s
                         WHERE %(flag_conditions)s
                         GROUP BY late.partner_id
                    ),
                    aging AS (
                        SELECT cp.id AS partner_id, %(customer_sums)s,
                               (%(customer_total)s)::float8 AS total,
                               (%(customer_overdue)s)::float8 AS overdue,
                               COALESCE(SUM(ca.blocked), 0)::float8 AS blocked,
                               COALESCE(SUM(ca.promised), 0)::float8 AS promised
                          FROM contact_aging ca
                          LEFT JOIN res_partner partner ON partner.id = ca.partner_id
                          LEFT JOIN res_partner cp ON cp.id = partner.commercial_partner_id
                         WHERE %(conditions)s
                         GROUP BY cp.id
                        HAVING SUM(ca.line_count) > 0
                    )
                    SELECT aging.*, cp.name AS partner_name, cp.user_id, cp.credit_grade_id AS grade_id,
                           %(readable)s AS readable
                      FROM aging
                      LEFT JOIN res_partner cp ON cp.id = aging.partner_id
                     ORDER BY cp.name, aging.partner_id
                    """,
                    late_sum=self._late_sum(as_of, companies),
                    flags=self._flag_tables(as_of, companies),
                    scan_flag_joins=self._flag_joins("aml", blocked, promised),
                    late_flag_joins=self._flag_joins("late", blocked, promised),
                    flag_conditions=self._flag_conditions(
                        exclude_blocked and blocked, exclude_promised and promised
                    ),
                    scope=self._open_line_scope(as_of, companies),
                    scanned=scanned,
                    scan_sums=sums("aml", SQL("aml.amount_residual")),
                    late_sums=sums("late", SQL("late.amount")),
                    customer_sums=SQL(", ").join(
                        SQL("COALESCE(SUM(ca.%s), 0)::float8 AS %s", name, name) for name in bucket_names
                    ),
                    customer_total=customer_total,
                    customer_overdue=customer_overdue,
                    conditions=self._commercial_conditions(partner_ids, user_ids, grade_ids, exclude_on_hold),
                    readable=SQL("TRUE")
                    if readable is None
                    else SQL("(aging.partner_id IS NULL OR aging.partner_id IN %s)", readable),
                )
            )
