from odoo import api, models
from odoo.exceptions import AccessError
from odoo.tools import float_compare

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
        self._credit_refuse_lowering_delivered(vals)
        self._credit_refuse_unlinking_goods(vals)
        orders = self.order_id
        if vals.get("order_id"):
            orders |= orders.browse(vals["order_id"])
        with orders._credit_watch_rise():
            return super().write(vals)

    def unlink(self):
        with self.order_id._credit_watch_rise():
            return super().unlink()

    def _credit_refuse_lowering_delivered(self, vals):
        """What a line delivered by stock moves has delivered is Odoo's count of its done moves:
        the delivery check and the exposure count the goods beyond the order from it. The field
        stays writable (Odoo's form hides it; a stock user may write order lines), so a caller
        lowering it would have goods ship unchecked, or shipped goods leave the exposure. A rise
        is checked as a larger order (``_credit_watch_rise``); a line delivered by hand keeps its
        delivered quantity the user's."""
        if "qty_delivered" not in vals or self.env.su:
            return
        written = float(vals["qty_delivered"] or 0.0)
        lowered = self.sudo().filtered(
            lambda line: (
                line.company_id.credit_control_enabled
                and line.qty_delivered_method == "stock_move"
                and float_compare(written, line.qty_delivered, precision_rounding=line.product_uom.rounding)
                < 0
            )
        )
        if lowered:
            raise AccessError(
                self.env._(
                    "The delivered quantity of %(lines)s is counted from its deliveries and "
                    "cannot be lowered.",
                    lines=", ".join(lowered.mapped("display_name")),
                )
            )

    def _credit_refuse_unlinking_goods(self, vals):
        """A line's delivered quantity and the delivery check follow its goods' moves only while
        the line keeps their product and stays delivered by stock moves: another product (the
        moves are then skipped as a kit's components) or an expense flag (delivered quantity from
        analytic lines) would ship goods unchecked or take shipped goods off the exposure. Odoo
        lets no product change once a line has moves (``product_updatable``)."""
        if self.env.su or not vals.keys() & {"product_id", "is_expense"}:
            return
        changed = self.sudo().filtered(
            lambda line: (
                line.company_id.credit_control_enabled
                and line.move_ids.filtered(lambda move: move.state != "cancel")
                and (
                    ("product_id" in vals and line.product_id.id != (vals["product_id"] or False))
                    or ("is_expense" in vals and line.is_expense != bool(vals["is_expense"]))
                )
            )
        )
        if changed:
            raise AccessError(
                self.env._(
                    "The product of %(lines)s has deliveries and cannot be changed.",
                    lines=", ".join(changed.mapped("display_name")),
                )
            )

    def _credit_unit_amount(self):
        """What one unit of this line counts in its order's currency, as the exposure counts it
        (``TO_INVOICE_AMOUNT``): its ordered amount per unit, or its discounted unit price for a
        line ordered without a quantity."""
        self.ensure_one()
        if self.product_uom_qty > 0:
            return self.price_total / self.product_uom_qty
        return self.price_unit * (1 - (self.discount or 0.0) / 100)
