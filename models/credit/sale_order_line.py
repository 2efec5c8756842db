from odoo import api, models

from .sale_order import refuse_computed_values, refuse_non_finite_figures


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    # A line's stored computed figures (price_total, qty_invoiced...) make the order's amount and
    # the customer's exposure; a change of its inputs that raises a confirmed order's amount is
    # checked like a confirmation (sale.order._credit_watch_rise).

    @api.model_create_multi
    def create(self, vals_list):
        refuse_computed_values(self, vals_list, create=True)
        refuse_non_finite_figures(self, vals_list)
        order_ids = {vals["order_id"] for vals in vals_list if vals.get("order_id")}
        orders = self.env["sale.order"].browse(order_ids)
        with orders._credit_watch_rise():
            return super().create(vals_list)

    def write(self, vals):
        refuse_computed_values(self, [vals])
        refuse_non_finite_figures(self, [vals])
        orders = self.order_id
        if vals.get("order_id"):
            orders |= orders.browse(vals["order_id"])
        with orders._credit_watch_rise():
            return super().write(vals)

    def unlink(self):
        with self.order_id._credit_watch_rise():
            return super().unlink()

    def _credit_unit_amount(self):
        """What one unit of this line counts in its order's currency, as the exposure counts it
        (``TO_INVOICE_AMOUNT``): its ordered amount per unit, or its discounted unit price for a
        line ordered without a quantity."""
        self.ensure_one()
        if self.product_uom_qty > 0:
            return self.price_total / self.product_uom_qty
        return self.price_unit * (1 - (self.discount or 0.0) / 100)
