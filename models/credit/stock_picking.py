from odoo import models
from odoo.exceptions import UserError


class StockPicking(models.Model):
    _inherit = "stock.picking"

    def _action_done(self):
        # _action_done is the one door of every validation path (button, backorder, RPC).
        self._check_credit_before_shipping()
        return super()._action_done()

    def _check_credit_before_shipping(self):
        """Nothing ships to a customer on credit hold or beyond its credit line (停止出货), except
        the goods of a cash sale or of an order whose release was approved. The goods are in the
        exposure already (confirmed, not invoiced): the delivery adds no amount."""
        pickings = self.filtered(
            lambda p: (
                p.picking_type_code == "outgoing"
                and p.company_id.credit_control_enabled
                and p.partner_id
                and not (p.sale_id and (p.sale_id._credit_is_cash_sale() or p.sale_id._credit_has_release()))
            )
        )
        for company, company_pickings in pickings.grouped("company_id").items():
            partners = company_pickings.partner_id.commercial_partner_id.with_company(company)
            exposure = self.env["credit.exposure"]._exposure_by_partner(
                partners._credit_with_group_members(company).ids, company
            )
            for partner in partners:
                picking = company_pickings.filtered(
                    lambda p, partner=partner: p.partner_id.commercial_partner_id == partner
                )[:1]
                refusal = partner._credit_refusal(company, 0.0, picking, exposure[partner.id], exposure)
                if refusal:
                    raise UserError(refusal)
