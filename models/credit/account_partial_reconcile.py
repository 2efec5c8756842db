from odoo import api, models

from .res_partner import COLLECTION_REASONS


class AccountPartialReconcile(models.Model):
    _inherit = "account.partial.reconcile"

    @api.model_create_multi
    def create(self, vals_list):
        partials = super().create(vals_list)
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
