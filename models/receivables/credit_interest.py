from odoo import api, models


class CreditInterest(models.AbstractModel):
    """Late-payment interest on open receivables, day by day.

    For an open invoice line due on D, on the date T, at the annual rate r with the day count
    basis B (360 or 365)::

        interest = r * [ residual(T) * (T - D) + sum(paid_i * (P_i - D)) ] / B

    where the sum runs over the partial payments (reconciliations) dated P_i after D and before
    T: each part of the amount bears interest for the days it was actually late, so the residual
    is taken period by period. Credit balances (unapplied payments, credit notes) bear none.
    """

    _name = "credit.interest"
    _description = "Late-Payment Interest"

    @api.model
    def _interest_by_line(self, items, as_of, company):
        """{line id: (days late, interest)} for the rows of ``credit.receivable.get_open_items``
        as of ``as_of`` in ``company``; empty when the company charges no interest."""
        if not company.credit_interest_enabled or not company.credit_interest_rate:
            return {}
        late = {item["line_id"]: item for item in items if item["days_overdue"] > 0 and item["residual"] > 0}
        if not late:
            return {}
        rate = company.credit_interest_rate / 100.0
        basis = int(company.credit_interest_basis)
        # Paid parts of the late lines, paid after their due date and by the date: one query.
        paid = (
            self.env["account.partial.reconcile"]
            .sudo()
            ._read_group(
                [("debit_move_id", "in", list(late)), ("max_date", "<=", as_of)],
                ["debit_move_id", "max_date:day"],
                ["amount:sum"],
            )
        )
        day_amounts = {line_id: item["residual"] * item["days_overdue"] for line_id, item in late.items()}
        for line, day, amount in paid:
            days = (day - late[line.id]["due_date"]).days
            if days > 0:
                day_amounts[line.id] += amount * days
        currency = company.currency_id
        return {
            line_id: (late[line_id]["days_overdue"], currency.round(rate * day_amount / basis))
            for line_id, day_amount in day_amounts.items()
        }
