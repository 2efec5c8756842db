from odoo import api, models
from odoo.tools import SQL


class CreditExposure(models.AbstractModel):
    """The one exposure computation behind the confirmation check, the banner and the reports."""

    _name = "credit.exposure"
    _description = "Customer Credit Exposure"

    @api.model
    def _exposure_by_partner(self, commercial_partner_ids, company, exclude_order_ids=()):
        """Return {commercial partner id: exposure in the company currency}, in one query.
        ``commercial_partner_ids`` None means every customer with an exposure.

        Exposure = posted unpaid receivables (credit notes and unapplied payments deduct)
        + draft customer invoices and credit notes + confirmed orders not yet invoiced, less
        their down payments invoiced and not yet deducted by a final invoice.
        An order line's invoiced quantity includes draft invoices, so an amount moves from one
        term to the next through the order's life and is never counted twice.
        """
        if commercial_partner_ids is not None and not commercial_partner_ids:
            return {}
        ids = list(commercial_partner_ids or ())
        Partner = self.env["res.partner"].sudo().with_context(active_test=False)
        if commercial_partner_ids is not None:
            # Filtering on the contacts' ids spares every term of the query a join to
            # res_partner: the query's planning, not its execution, is most of its time.
            contacts = Partner.search_fetch([("commercial_partner_id", "in", ids)], ["commercial_partner_id"])
            in_scope = SQL("= ANY(%s)", contacts.ids)
        else:
            in_scope = SQL("IS NOT NULL")
        # Pending ORM writes must reach the database before the query reads it.
        self.env["res.partner"].flush_model(["commercial_partner_id"])
        self.env["account.move.line"].flush_model(
            ["amount_residual", "parent_state", "reconciled", "partner_id", "company_id", "account_id"]
        )
        self.env["account.move"].flush_model(
            ["state", "move_type", "amount_total_signed", "partner_id", "company_id"]
        )
        self.env["account.move.line"].flush_model(["price_total", "move_id"])
        self.env["sale.order.line"].flush_model(
            [
                "product_uom_qty",
                "qty_invoiced",
                "price_total",
                "display_type",
                "order_id",
                "is_downpayment",
                "invoice_lines",
            ]
        )
        self.env["sale.order"].flush_model(["state", "company_id", "currency_rate", "partner_id"])
        rows = self.env.execute_query(
            SQL(
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
                           SUM(GREATEST(sol.product_uom_qty - sol.qty_invoiced, 0)
                               * sol.price_total / sol.product_uom_qty / so.currency_rate) AS amount
                      FROM sale_order_line sol
                      JOIN sale_order so ON so.id = sol.order_id
                     WHERE so.state = 'sale'
                       AND so.company_id = %(company)s
                       AND sol.product_uom_qty > 0
                       AND sol.display_type IS NULL
                       AND NOT so.id = ANY(%(excluded)s)
                       AND so.partner_id %(in_scope)s
                  GROUP BY 1
                ), down_payment AS (
                    -- The down payment's invoice carries that part of the order (as a draft
                    -- or a receivable); the final invoice's deduction line cancels it.
                    SELECT so.partner_id,
                           -SUM(CASE WHEN move.move_type = 'out_refund' THEN -aml.price_total
                                     ELSE aml.price_total END / so.currency_rate) AS amount
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
                SELECT partner_id, SUM(amount)
                  FROM (SELECT * FROM receivable
                        UNION ALL SELECT * FROM draft_invoice
                        UNION ALL SELECT * FROM to_invoice
                        UNION ALL SELECT * FROM down_payment) AS terms
              GROUP BY partner_id
                """,
                company=company.id,
                in_scope=in_scope,
                excluded=list(exclude_order_ids),
            )
        )
        if commercial_partner_ids is None:
            contacts = Partner.browse({partner_id for partner_id, _amount in rows})
            contacts.fetch(["commercial_partner_id"])
        commercial = {contact.id: contact.commercial_partner_id.id for contact in contacts}
        exposure = dict.fromkeys(ids, 0.0)
        for partner_id, amount in rows:
            commercial_id = commercial[partner_id]
            exposure[commercial_id] = exposure.get(commercial_id, 0.0) + (amount or 0.0)
        return {partner_id: company.currency_id.round(amount) for partner_id, amount in exposure.items()}
