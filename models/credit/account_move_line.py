from odoo import api, models
from odoo.exceptions import AccessError

from ..internal_flags import ODOO_RECONCILIATION

# What a posted receivable says to the credit policy: whose debt it is, how much, on which
# account and when it falls due (the overdue hold and the collection letters). Changed, it moves
# a debt to another customer or postpones its collection: a credit decision, not a correction.
POSTED_RECEIVABLE_FIELDS = (
    "move_id",
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

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        # A receivable added to a posted invoice would be as much a rewrite of it.
        added = lines._credit_guarded_receivables().filtered(lambda line: line.move_id.is_invoice(True))
        if added:
            added._credit_refuse_receivable_change()
        return lines

    def write(self, vals):
        fnames = [fname for fname in POSTED_RECEIVABLE_FIELDS if fname in vals]
        if fnames:
            changed = self._credit_guarded_receivables().filtered(
                lambda line: any(self.env["account.move"]._field_will_change(line, vals, f) for f in fnames)
            )
            if changed:
                changed._credit_refuse_receivable_change()
        return super().write(vals)

    def unlink(self):
        # Odoo refuses deleting a posted entry's items, unless a context key a client can send
        # says otherwise (``force_delete``, ``dynamic_unlink``). A debt, that is: deleting a
        # payment's item (undoing a bank statement line's reconciliation) raises the exposure.
        guarded = self._credit_guarded_receivables().filtered(lambda line: line.balance > 0)
        if guarded:
            guarded._credit_refuse_receivable_change()
        return super().unlink()

    # Odoo's reconciliation makes the partials (``account.partial.reconcile``), as the user.
    def _reconcile_plan_with_sync(self, plan_list, all_amls):
        with ODOO_RECONCILIATION.on():
            return super()._reconcile_plan_with_sync(plan_list, all_amls)

    def _create_reconciliation_partials(self):
        with ODOO_RECONCILIATION.on():
            return super()._create_reconciliation_partials()

    def _credit_guarded_receivables(self):
        """The posted receivables of ``self`` that the caller may not change: in the companies
        enforcing credit lines, anyone but the superuser and a Credit Manager. Odoo's own flows
        settle a receivable by reconciling it and correct a posted invoice by resetting it to
        draft or reversing it; none rewrites the posted item."""
        if self.env.su or self.env.user.has_group("customer_credit_management.group_credit_manager"):
            return self.browse()
        return self.sudo().filtered(
            lambda line: (
                line.parent_state == "posted"
                and line.account_id.account_type == "asset_receivable"
                and line.company_id.credit_control_enabled
            )
        )

    def _credit_refuse_receivable_change(self):
        raise AccessError(
            self.env._(
                "A posted receivable keeps its customer, account, amount and due date: reset the "
                "invoice to draft or ask a Credit Manager (%(items)s).",
                items=", ".join(self.mapped("move_name")),
            )
        )
