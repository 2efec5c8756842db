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
        the goods of a cash sale or of an order whose release was approved. The goods ordered are
        in the exposure already (confirmed, not invoiced): a delivery adds only what it ships
        beyond its order lines' quantities, which neither the payment nor the release covered.

        What is judged is what ships, not the picking's writable fields (its type, partner or
        order): the moves that go to a customer location (the move's or its lines'), each for the
        customer of the sale order its line comes from; a move of no sale order for the picking's
        customer."""
        shipped = self.move_ids.filtered(
            lambda m: (
                m.state != "cancel"
                and "customer" in (m.location_dest_id | m.move_line_ids.location_dest_id).mapped("usage")
            )
        )
        # {company: {customer: [picking, amount]}}; as superuser: a warehouse user ships the goods
        # of orders and customers he may not read.
        to_check = {}
        for order, moves in shipped.sudo().grouped(lambda m: m.sale_line_id.order_id).items():
            picking = moves[:1].picking_id
            amount = 0.0
            if order:
                company, customer = order.company_id, order.partner_id.commercial_partner_id
                if not company.credit_control_enabled:
                    continue
                amount = moves._credit_amount_beyond_order()
                if not amount and (order._credit_is_cash_sale() or order._credit_has_release()):
                    continue
            else:
                company, customer = picking.company_id, picking.partner_id.commercial_partner_id
                if not (company.credit_control_enabled and customer):
                    continue
            entry = to_check.setdefault(company, {}).setdefault(customer, [picking.with_env(self.env), 0.0])
            entry[1] += amount
        for company, pickings in to_check.items():
            partners = self.env["res.partner"].sudo().browse([p.id for p in pickings]).with_company(company)
            exposure = self.env["credit.exposure"]._exposure_by_partner(
                partners._credit_with_group_members(company).ids, company
            )
            for partner in partners:
                picking, amount = pickings[partner]
                refusal = partner._credit_refusal(company, amount, picking, exposure[partner.id], exposure)
                if refusal:
                    raise UserError(refusal)
