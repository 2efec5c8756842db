from collections import defaultdict

from odoo import api, models
from odoo.exceptions import AccessError

from .sale_order import company_amount


class StockMove(models.Model):
    _inherit = "stock.move"

    @api.model_create_multi
    def create(self, vals_list):
        moves = super().create(vals_list)
        if not self.env.su and any(vals.get("sale_line_id") for vals in vals_list):
            # A caller's move on an order line (a return copies its move's): that line's product,
            # shipped to that order's customer, else a held customer's goods would ship as the
            # goods of another order, released or paid.
            wrong = moves.sudo().filtered(
                lambda m: (
                    m.sale_line_id
                    and m.company_id.credit_control_enabled
                    and (
                        m.product_id != m.sale_line_id.product_id
                        or (
                            m.picking_id.partner_id
                            and m.picking_id.partner_id.commercial_partner_id
                            not in (
                                m.sale_line_id.order_id.partner_id
                                | m.sale_line_id.order_id.partner_shipping_id
                            ).commercial_partner_id
                        )
                    )
                )
            )
            if wrong:
                wrong._credit_refuse_relinking()
        return moves

    def write(self, vals):
        # The delivery check judges goods by the order their line comes from (``sale_line_id``):
        # re-pointed, a held customer's goods would ship as another order's, released or paid.
        # Odoo links a move to its order line when the order's procurement creates it (as
        # superuser); no flow of Odoo's changes the link afterwards.
        if "sale_line_id" in vals and not self.env.su:
            line_id = vals["sale_line_id"] or False
            moved = self.sudo().filtered(
                lambda m: m.company_id.credit_control_enabled and m.sale_line_id.id != line_id
            )
            if moved:
                moved._credit_refuse_relinking()
        return super().write(vals)

    def _credit_refuse_relinking(self):
        raise AccessError(
            self.env._(
                "The goods of a delivery stay linked to the order line they were ordered on: "
                "Odoo's procurement makes that link."
            )
        )

    def _credit_amount_beyond_order(self):
        """What these moves deliver beyond their order lines' quantities (what the lines have
        delivered or ordered, the larger), in the company currency: goods the exposure does not
        count yet, at each line's unit amount, as the exposure counts them."""
        shipped = defaultdict(float)
        for move in self:
            line = move.sale_line_id
            if move.product_id != line.product_id:
                # A kit's components: their quantities are not the line's.
                continue
            shipped[line] += move.product_uom._compute_quantity(move.quantity, line.product_uom, round=False)
        amount = 0.0
        for line, quantity in shipped.items():
            beyond = line.qty_delivered + quantity - max(line.product_uom_qty, line.qty_delivered)
            if beyond > 0:
                amount += company_amount(beyond * line._credit_unit_amount(), line.order_id.currency_rate)
        return self.company_id[:1].currency_id.round(amount) if amount else 0.0
