from odoo import models

from ..internal_flags import ODOO_COMPUTATION


class AccountMove(models.Model):
    _name = "account.move"
    _inherit = ["account.move", "credit.computed.inputs.mixin"]

    def _inverse_tax_totals(self):
        with ODOO_COMPUTATION.on():
            return super()._inverse_tax_totals()

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        posted._credit_mark_exposure_changed()
        return posted

    def button_draft(self):
        result = super().button_draft()
        self._credit_mark_exposure_changed()
        return result

    def button_cancel(self):
        result = super().button_cancel()
        self._credit_mark_exposure_changed()
        return result

    def _credit_mark_exposure_changed(self):
        """A customer invoice or credit note posted, reset or cancelled moves its customer's
        exposure (a credit note lowers it): re-evaluated before the transaction commits."""
        invoices = self.filtered(lambda move: move.move_type in ("out_invoice", "out_refund"))
        for company, moves in invoices.grouped("company_id").items():
            self.env["res.partner"]._credit_exposure_changed(
                moves.partner_id.commercial_partner_id.ids, company
            )
