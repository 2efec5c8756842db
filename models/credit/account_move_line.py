from odoo import models
from odoo.exceptions import AccessError

# What a posted receivable says to the credit policy: whose debt it is, how much, on which
# account and when it falls due (the overdue hold and the collection letters). Changed, it moves
# a debt to another customer or postpones its collection: a credit decision, not a correction.
POSTED_RECEIVABLE_FIELDS = (
    "partner_id",
    "account_id",
    "date_maturity",
    "balance",
    "debit",
    "credit",
    "amount_currency",
)


class AccountMoveLine(models.Model):
    _name = "account.move.line"
    _inherit = ["account.move.line", "credit.computed.inputs.mixin"]

    def write(self, vals):
        self._credit_check_posted_receivable_change(vals)
        return super().write(vals)

    def _credit_check_posted_receivable_change(self, vals):
        """Refuse changing what a posted receivable says of its customer's debt, in the companies
        enforcing credit lines, except to a Credit Manager. Odoo's own flows settle a receivable
        by reconciling it and correct a posted invoice by resetting it to draft or reversing it;
        neither rewrites the posted item."""
        fnames = [fname for fname in POSTED_RECEIVABLE_FIELDS if fname in vals]
        if (
            not fnames
            or self.env.su
            or self.env.user.has_group("customer_credit_management.group_credit_manager")
        ):
            return
        changed = self.sudo().filtered(
            lambda line: (
                line.parent_state == "posted"
                and line.account_id.account_type == "asset_receivable"
                and line.company_id.credit_control_enabled
                and any(self.env["account.move"]._field_will_change(line, vals, fname) for fname in fnames)
            )
        )
        if changed:
            raise AccessError(
                self.env._(
                    "A posted receivable keeps its customer, account, amount and due date: reset the "
                    "invoice to draft or ask a Credit Manager (%(items)s).",
                    items=", ".join(changed.mapped("move_name")),
                )
            )
