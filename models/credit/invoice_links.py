"""The links that say how much of an order is invoiced or paid.

The exposure (``credit.exposure``) counts a confirmed order's lines as "not yet invoiced" by their
invoiced quantity, which Odoo computes from the invoice lines linked to them, and deducts the
invoices of down-payment lines; the credit check takes an order paid by its done transactions as
a cash sale. A caller who links an order line to an invoice line of someone else, flags an
invoiced line as a down payment or links a done transaction of another order would make an
order look invoiced or paid and free the customer's line. Odoo's own flows make these links as
superuser (invoices from orders, down-payment invoices, payments through the portal) or copy
them (credit notes, duplicated invoices, which keep the invoice's customer and product): so, in
the companies enforcing credit lines, no other caller sets or changes them, and an invoice line
made by a caller links only order lines of its own customer and product.
"""

from odoo import api, models
from odoo.exceptions import AccessError, ValidationError

LINK_FIELDS = {
    "sale.order": ("transaction_ids",),
    "sale.order.line": ("invoice_lines", "is_downpayment"),
    "account.move.line": ("sale_line_ids",),
    "payment.transaction": ("sale_order_ids",),
}


def _link_values(records, fnames):
    return {record.id: tuple(record[fname] for fname in fnames) for record in records}


def _refuse_links(records, fnames):
    raise AccessError(
        records.env._(
            "These links are made by Odoo's invoicing and payment flows and cannot be set or "
            "changed: %(fields)s.",
            fields=", ".join(sorted(records._fields[fname].string for fname in fnames)),
        )
    )


def _enforced(records):
    """The records of companies enforcing credit lines: elsewhere the links decide nothing of the
    module's, and Odoo's own behaviour stays (code linking orders to invoices as a user)."""
    return records.sudo().filtered(lambda r: r.company_id.credit_control_enabled).sudo(records.env.su)


def guard_create(records, vals_list, allowed=None):
    """Refuse the links ``records`` were just created with, except on the records that
    ``allowed`` (a function of a recordset) returns. Booleans are created true by Odoo's own
    flows (down payments): see their invariant."""
    if records.env.su:
        return
    fnames = [
        f
        for f in LINK_FIELDS[records._name]
        if records._fields[f].type == "many2many" and any(f in vals for vals in vals_list)
    ]
    if not fnames:
        return
    linked = _enforced(records).filtered(lambda r: any(r[f] for f in fnames))
    if linked and allowed:
        linked -= allowed(linked)
    if linked:
        _refuse_links(records, fnames)


def guard_write(records, vals):
    """Return a function to call after the write: it refuses a change of the links."""
    if records.env.su:
        return lambda: None
    fnames = [f for f in LINK_FIELDS[records._name] if f in vals]
    enforced = _enforced(records)
    if not fnames or not enforced:
        return lambda: None
    before = _link_values(enforced.sudo(), fnames)

    def check():
        if _link_values(enforced.sudo(), fnames) != before:
            _refuse_links(records, fnames)

    return check


class SaleOrder(models.Model):
    _inherit = "sale.order"

    @api.model_create_multi
    def create(self, vals_list):
        orders = super().create(vals_list)
        guard_create(orders, vals_list)
        return orders

    def write(self, vals):
        check = guard_write(self, vals)
        result = super().write(vals)
        check()
        return result


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        guard_create(lines, vals_list)
        lines._check_down_payment_quantities(vals_list)
        return lines

    def write(self, vals):
        check = guard_write(self, vals)
        result = super().write(vals)
        check()
        self._check_down_payment_quantities([vals])
        return result

    def _check_down_payment_quantities(self, vals_list):
        """A down-payment line carries an amount, never a quantity: Odoo makes it with none, and
        only its invoices move. One with an ordered or delivered quantity would be invoiced as
        a down payment, which the exposure deducts, for goods the customer owes."""
        if self.env.su or not any(
            {"is_downpayment", "product_uom_qty", "qty_delivered", "display_type"} & set(vals)
            for vals in vals_list
        ):
            return
        wrong = self.filtered(lambda line: line.is_downpayment and not line.display_type).filtered(
            lambda line: line.product_uom_qty or line.qty_delivered
        )
        if wrong:
            raise ValidationError(
                self.env._(
                    "A down payment has no quantity: it cannot be ordered or delivered (%(lines)s).",
                    lines=", ".join(wrong.mapped("display_name")),
                )
            )


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        guard_create(lines, vals_list, allowed=self._credit_consistent_links)
        return lines

    def write(self, vals):
        check = guard_write(self, vals)
        result = super().write(vals)
        check()
        return result

    @api.model
    def _credit_consistent_links(self, lines):
        """The lines of ``lines`` whose order lines are of their invoice's customer and product,
        as Odoo's credit notes and duplicated invoices copy them."""

        def consistent(line):
            move = line.move_id
            if move.move_type not in ("out_invoice", "out_refund"):
                return False
            return all(
                sale_line.product_id == line.product_id
                and sale_line.company_id == line.company_id
                and move.commercial_partner_id
                in (
                    sale_line.order_id.partner_id.commercial_partner_id
                    | sale_line.order_id.partner_invoice_id.commercial_partner_id
                )
                for sale_line in line.sale_line_ids
            )

        return lines.sudo().filtered(consistent).sudo(False)


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    @api.model_create_multi
    def create(self, vals_list):
        transactions = super().create(vals_list)
        guard_create(transactions, vals_list)
        return transactions

    def write(self, vals):
        check = guard_write(self, vals)
        result = super().write(vals)
        check()
        return result
