from odoo import api, models
from odoo.exceptions import AccessError

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

    def _credit_check_settles_like_odoo(self):
        """A receivable is settled as Odoo's reconciliation settles it: against a posted item of
        the same account (a payment, a credit note). Made by hand against any other item (the
        invoice's own income line), a partial would take the debt off the exposure and lift a
        collection hold with nothing paid. Where credit lines are enforced; the superuser's code
        is trusted."""
        if self.env.su:
            return
        wrong = self.sudo().filtered(
            lambda partial: (
                partial.company_id.credit_control_enabled
                and "asset_receivable"
                in (partial.debit_move_id + partial.credit_move_id).account_id.mapped("account_type")
                and (
                    partial.debit_move_id.account_id != partial.credit_move_id.account_id
                    or {partial.debit_move_id.parent_state, partial.credit_move_id.parent_state} != {"posted"}
                )
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
