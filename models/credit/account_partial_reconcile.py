from odoo import api, models
from odoo.exceptions import AccessError

from ..internal_flags import ODOO_RECONCILIATION
from .res_partner import COLLECTION_REASONS


class AccountPartialReconcile(models.Model):
    _inherit = "account.partial.reconcile"

    @api.model_create_multi
    def create(self, vals_list):
        partials = super().create(vals_list)
        partials._credit_check_settles_like_odoo()
        # A payment may settle a customer held by a collection letter: lift the hold at once.
        partners = (
            (partials.debit_move_id + partials.credit_move_id)
            .filtered(lambda line: line.account_id.account_type == "asset_receivable")
            .partner_id.commercial_partner_id
        )
        held = partners.filtered(
            lambda partner: partner.credit_hold and partner.credit_hold_reason in COLLECTION_REASONS
        )
        if held:
            held._credit_collection_release_paid()
        partials._credit_mark_exposure_changed()
        return partials

    def write(self, vals):
        result = super().write(vals)
        self._credit_check_settles_like_odoo()
        return result

    def _credit_check_settles_like_odoo(self):
        """A receivable is settled by Odoo's reconciliation only (a payment, a credit note: the
        same account, posted items, at most what is due). Made or changed by hand (against the
        invoice's own income line, for more than is due, moved to another item), a partial
        would take a debt off the exposure and lift a collection hold with nothing paid. Where
        credit lines are enforced; the superuser's code is trusted."""
        if self.env.su or ODOO_RECONCILIATION:
            return
        wrong = self.sudo().filtered(
            lambda partial: any(
                line.account_id.account_type == "asset_receivable" and line.company_id.credit_control_enabled
                for line in partial.debit_move_id + partial.credit_move_id
            )
        )
        if wrong:
            raise AccessError(
                self.env._(
                    "A receivable is settled only against a posted item of its own account, as "
                    "Odoo's reconciliation does (%(items)s).",
                    items=", ".join((wrong.debit_move_id + wrong.credit_move_id).mapped("move_name")),
                )
            )

    def unlink(self):
        self._credit_mark_exposure_changed()
        return super().unlink()

    def _credit_mark_exposure_changed(self):
        """A payment or credit note applied (or unapplied) moves its customer's exposure."""
        lines = (self.debit_move_id + self.credit_move_id).filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )
        for company, company_lines in lines.grouped("company_id").items():
            self.env["res.partner"]._credit_exposure_changed(
                company_lines.partner_id.commercial_partner_id.ids, company
            )
