from collections import defaultdict

from odoo import models
from odoo.exceptions import AccessError

from .sale_order import company_amount


class StockMove(models.Model):
    _inherit = "stock.move"

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
                raise AccessError(
                    self.env._(
                        "The goods of a delivery stay linked to the order line they were ordered on: "
                        "Odoo's procurement makes that link."
                    )
                )
        return super().write(vals)

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
