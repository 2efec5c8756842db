from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    credit_blocked = fields.Boolean(
        string="Disputed",
        compute="_compute_credit_flags",
        search="_search_credit_blocked",
        help="Under an approved dispute or collection block: out of the collection run, the letters and the "
        "overdue hold, still in the aging.",
    )
    credit_promised = fields.Boolean(
        string="Promised",
        compute="_compute_credit_flags",
        search="_search_credit_promised",
        help="Covered by a valid payment promise: the collection run does not escalate it.",
    )
    credit_promise_broken = fields.Boolean(
        string="Broken Promise",
        compute="_compute_credit_flags",
        search="_search_credit_promise_broken",
        help="Covered by a payment promise that was not kept, and by no valid one.",
    )

    def _credit_flag_date(self):
        """The aging's date when the list is its drill-down, else today: a display date only."""
        return fields.Date.to_date(self.env.context.get("credit_as_of")) or fields.Date.context_today(self)

    def _credit_flag_rows(self, line_ids=None):
        """{line id: (blocked, promised, promise broken)} of the receivable items ``line_ids`` (all
        flagged items when None), from the receivables query's own flag tables."""
        Receivable = self.env["credit.receivable"]
        Receivable._flush_for_query()
        as_of = self._credit_flag_date()
        companies = self.env["res.company"].sudo().search([])
        scope = (
            SQL("l.id = ANY(%s)", list(line_ids))
            if line_ids is not None
            else SQL(
                "l.id IN (SELECT move_line_id FROM blocked_line UNION SELECT move_line_id FROM promised_line "
                "UNION SELECT move_line_id FROM broken_line)"
            )
        )
        rows = self.env.execute_query(
            SQL(
                """
                WITH %(flags)s,
                broken_line AS (
                    SELECT DISTINCT rel.move_line_id
                      FROM credit_payment_promise p
                      JOIN credit_payment_promise_move_line_rel rel ON rel.promise_id = p.id
                     WHERE p.state = 'broken'
                )
                SELECT l.id, blk.move_line_id IS NOT NULL, prm.move_line_id IS NOT NULL,
                       brk.move_line_id IS NOT NULL AND prm.move_line_id IS NULL
                  FROM account_move_line l
                  %(joins)s
                  LEFT JOIN broken_line brk ON brk.move_line_id = l.id
                 WHERE %(scope)s
                """,
                flags=Receivable._flag_tables(as_of, companies),
                joins=Receivable._flag_joins("l"),
                scope=scope,
            )
        )
        return {line_id: flags for line_id, *flags in rows}

    @api.depends_context("credit_as_of")
    def _compute_credit_flags(self):
        flags = self._credit_flag_rows([line_id for line_id in self.ids if isinstance(line_id, int)])
        for line in self:
            line.credit_blocked, line.credit_promised, line.credit_promise_broken = flags.get(
                line.id, (False, False, False)
            )

    def _search_credit_flag(self, index, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on a collection flag."))
        flagged = [line_id for line_id, flags in self._credit_flag_rows().items() if flags[index]]
        return [("id", "in" if (operator == "=") == value else "not in", flagged)]

    def _search_credit_blocked(self, operator, value):
        return self._search_credit_flag(0, operator, value)

    def _search_credit_promised(self, operator, value):
        return self._search_credit_flag(1, operator, value)

    def _search_credit_promise_broken(self, operator, value):
        return self._search_credit_flag(2, operator, value)
