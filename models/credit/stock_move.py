from odoo import models
from odoo.exceptions import AccessError


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
