from odoo import api, models
from odoo.tools import SQL

from .sale_order import company_amount_sql

# Fields the exposure query reads: pending ORM writes must reach the database before it runs.
EXPOSURE_FIELDS = {
    "res.partner": ["commercial_partner_id"],
    "account.move.line": [
        "amount_residual",
        "parent_state",
        "reconciled",
        "partner_id",
        "company_id",
        "account_id",
        "price_total",
        "move_id",
    ],
    "account.move": ["state", "move_type", "amount_total_signed", "partner_id", "company_id"],
    "sale.order.line": [
        "product_uom_qty",
        "qty_delivered",
        "qty_invoiced",
        "price_total",
        "price_unit",
        "discount",
        "display_type",
        "order_id",
        "is_downpayment",
        "invoice_lines",
    ],
    "sale.order": ["state", "company_id", "currency_rate", "partner_id"],
}

# What a confirmed order line (``sol`` of order ``so``) still puts on the customer's account until
# it is invoiced: its ordered or delivered quantity, the larger (goods shipped beyond the order are
# owed too), less what is invoiced, at the ordered amount per unit (a line ordered without a
# quantity: at its discounted unit price, as ``sale.order.line._credit_unit_amount``).
TO_INVOICE_AMOUNT = company_amount_sql(
    SQL(
        "GREATEST(GREATEST(sol.product_uom_qty, sol.qty_delivered) - sol.qty_invoiced, 0)"
        " * CASE WHEN sol.product_uom_qty > 0 THEN sol.price_total / sol.product_uom_qty"
        " ELSE sol.price_unit * (1 - COALESCE(sol.discount, 0) / 100) END"
    ),
    SQL("so.currency_rate"),
)
# The order lines that count: those ordered or delivered.
TO_INVOICE_LINES = SQL("(sol.product_uom_qty > 0 OR sol.qty_delivered > 0) AND sol.display_type IS NULL")
# A down payment's invoice line (``aml`` of ``move``) of order ``so``: a credit note takes it back.
DOWN_PAYMENT_AMOUNT = company_amount_sql(
    SQL("CASE WHEN move.move_type = 'out_refund' THEN -aml.price_total ELSE aml.price_total END"),
    SQL("so.currency_rate"),
)


class CreditExposure(models.AbstractModel):
    """The one exposure computation behind the confirmation check, the banner and the reports."""

    _name = "credit.exposure"
    _description = "Customer Credit Exposure"

    def init(self):
        # The exposure of given customers is read before every confirmation. Most of its query's
        # time is PostgreSQL planning it (2.2 ms a call on the bench book, 0.24 ms of which is
        # execution); a PL/pgSQL function keeps one generic plan per database connection and
        # reuses it (0.4 ms a call). That plan is made once, from statistics that may be stale:
        # with parallel workers in it, starting them costs 8-15 ms for well under a millisecond of
        # work on one customer's rows, so the function never plans them (the SET clause applies
        # to the function's own statements only).
        self._drop_exposure_function()
        self.env.cr.execute(
            SQL(
                """
                CREATE FUNCTION credit_exposure_by_partner(
                    p_company integer, p_partners integer[], p_excluded_orders integer[]
                ) RETURNS TABLE (exposure_partner_id integer, exposure_amount numeric)
                LANGUAGE plpgsql STABLE
                SET plan_cache_mode = force_generic_plan
                SET max_parallel_workers_per_gather = 0
                AS $function$
                DECLARE
                    p_contacts integer[] := ARRAY(
                        SELECT id FROM res_partner WHERE commercial_partner_id = ANY(p_partners)
                    );
                BEGIN
                    RETURN QUERY %s;
                END
                $function$
                """,
                self._exposure_query(SQL("p_company"), SQL("= ANY(p_contacts)"), SQL("p_excluded_orders")),
            )
        )

    @api.model
    def _drop_exposure_function(self):
        # Every signature it ever had.
        self.env.cr.execute(
            "SELECT oid::regprocedure::text FROM pg_proc WHERE proname = 'credit_exposure_by_partner'"
        )
        for (signature,) in self.env.cr.fetchall():
            self.env.cr.execute(SQL("DROP FUNCTION %s", SQL(signature)))

    @api.model
    def _exposure_query(self, company, in_scope, excluded_orders):
        """The exposure per commercial partner of the contacts ``in_scope`` (an SQL condition on
        a contact id), for ``company``, without the orders ``excluded_orders`` (an SQL array)."""
        return SQL(
            """
            WITH receivable AS (
                SELECT line.partner_id, SUM(line.amount_residual) AS amount
                  FROM account_move_line line
                  JOIN account_account account ON account.id = line.account_id
                 WHERE line.parent_state = 'posted'
                   AND account.account_type = 'asset_receivable'
                   AND line.company_id = %(company)s
                   AND NOT line.reconciled
                   AND line.partner_id %(in_scope)s
              GROUP BY 1
            ), draft_invoice AS (
                SELECT move.partner_id, SUM(move.amount_total_signed) AS amount
                  FROM account_move move
                 WHERE move.state = 'draft'
                   AND move.move_type IN ('out_invoice', 'out_refund')
                   AND move.company_id = %(company)s
                   AND move.partner_id %(in_scope)s
              GROUP BY 1
            ), to_invoice AS (
                SELECT so.partner_id,
                       SUM(%(to_invoice_amount)s) AS amount
                  FROM sale_order_line sol
                  JOIN sale_order so ON so.id = sol.order_id
                 WHERE so.state = 'sale'
                   AND so.company_id = %(company)s
                   AND %(to_invoice_lines)s
                   AND NOT so.id = ANY(%(excluded)s)
                   AND so.partner_id %(in_scope)s
              GROUP BY 1
            ), down_payment AS (
                -- The down payment's invoice carries that part of the order (as a draft
                -- or a receivable); the final invoice's deduction line cancels it.
                SELECT so.partner_id, -SUM(%(down_payment_amount)s) AS amount
                  FROM sale_order_line sol
                  JOIN sale_order so ON so.id = sol.order_id
                  JOIN sale_order_line_invoice_rel rel ON rel.order_line_id = sol.id
                  JOIN account_move_line aml ON aml.id = rel.invoice_line_id
                  JOIN account_move move ON move.id = aml.move_id
                 WHERE sol.is_downpayment
                   AND so.state = 'sale'
                   AND so.company_id = %(company)s
                   AND move.state IN ('draft', 'posted')
                   AND NOT so.id = ANY(%(excluded)s)
                   AND so.partner_id %(in_scope)s
              GROUP BY 1
            )
            SELECT contact.commercial_partner_id, SUM(terms.amount)::numeric
              FROM (SELECT * FROM receivable
                    UNION ALL SELECT * FROM draft_invoice
                    UNION ALL SELECT * FROM to_invoice
                    UNION ALL SELECT * FROM down_payment) AS terms
              JOIN res_partner contact ON contact.id = terms.partner_id
          GROUP BY contact.commercial_partner_id
            """,
            company=company,
            in_scope=in_scope,
            excluded=excluded_orders,
            to_invoice_amount=TO_INVOICE_AMOUNT,
            to_invoice_lines=TO_INVOICE_LINES,
            down_payment_amount=DOWN_PAYMENT_AMOUNT,
        )

    @api.model
    def _exposure_by_partner(self, commercial_partner_ids, company, exclude_order_ids=(), lock=False):
        """Return {commercial partner id: exposure in the company currency}, in one query.
        ``commercial_partner_ids`` None means every customer with an exposure. ``lock`` locks
        the given customers' rows first, in the same statement, with a no-op UPDATE (see
        ``sale.order._credit_check``).

        Exposure = posted unpaid receivables (credit notes and unapplied payments deduct)
        + draft customer invoices and credit notes + confirmed orders not yet invoiced (their
        lines' ordered or delivered quantity, the larger), less
        their down payments invoiced and not yet deducted by a final invoice.
        An order line's invoiced quantity includes draft invoices, so an amount moves from one
        term to the next through the order's life and is never counted twice.
        """
        if commercial_partner_ids is not None and not commercial_partner_ids:
            return {}
        for model, fnames in EXPOSURE_FIELDS.items():
            self.env[model].flush_model(fnames)
        excluded = list(exclude_order_ids)
        if commercial_partner_ids is None:
            query = self._exposure_query(SQL("%s", company.id), SQL("IS NOT NULL"), SQL("%s", excluded))
        else:
            query = SQL(
                "%s SELECT * FROM credit_exposure_by_partner(%s, %s, %s)",
                # A data-modifying WITH runs whether or not the query reads it: one round trip less
                # before every confirmation than a statement of its own.
                SQL(
                    "WITH locked AS (UPDATE res_partner SET id = id WHERE id = ANY(%s))",
                    sorted(commercial_partner_ids),
                )
                if lock
                else SQL(),
                company.id,
                list(commercial_partner_ids),
                excluded,
            )
        exposure = dict.fromkeys(commercial_partner_ids or (), 0.0)
        exposure.update((partner_id, amount or 0.0) for partner_id, amount in self.env.execute_query(query))
        return {partner_id: company.currency_id.round(amount) for partner_id, amount in exposure.items()}
