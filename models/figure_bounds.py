"""Every figure the credit computations read stays within range, on every path.

A credit line is a base times a risk factor, an order's amount a price times a quantity divided
by a rate: finite inputs near the float limit (1e307) give an infinite product, which Odoo then
fails to round (``OverflowError``) or stores. So every float or monetary field the module defines,
and every one of the orders and order lines the check measures, takes finite values of at most
``MAX_FIGURE`` in absolute value (also the statement figures' bound): their products and ratios
stay finite. Checked on the values written, in ``create`` and ``write`` of every model (import,
RPC, nested lines), for every caller: bad input is an error, not a privilege.
"""

import math

from odoo import api, models
from odoo.exceptions import ValidationError

from .evaluation.credit_indicators import MAX_FIGURE, MAX_FIGURE_TEXT

MODULE = "customer_credit_management"
# Odoo's models whose figures (price, quantity, discount...) make what the credit check measures.
CREDIT_MEASURED_MODELS = ("sale.order", "sale.order.line")
# Figures with a check of their own, under the same bound, whose message names the figure.
OWN_CHECK = {("credit.evaluation.figure", "amount")}


def bounded_figure(model, fname):
    """Whether ``fname`` of ``model`` is one of the bounded figures."""
    field = model._fields.get(fname)
    return (
        field is not None
        and field.type in ("float", "monetary")
        and (field._module == MODULE or model._name in CREDIT_MEASURED_MODELS)
        and (model._name, fname) not in OWN_CHECK
    )


def figure_out_of_range(value):
    if isinstance(value, bool) or value is None:
        return False
    try:
        value = float(value)
    except (TypeError, ValueError):
        return False
    return not (math.isfinite(value) and abs(value) <= MAX_FIGURE)


def check_figures(model, vals_list):
    """Refuse values of bounded figures out of range, with the field's name."""
    for vals in vals_list:
        for fname, value in vals.items():
            if isinstance(value, list | tuple) and value and isinstance(value[0], list | tuple):
                # x2many commands: Odoo precomputes the new lines from them before creating them.
                field = model._fields.get(fname)
                if field is not None and field.type in ("one2many", "many2many"):
                    check_figures(
                        model.env[field.comodel_name],
                        [
                            command[2]
                            for command in value
                            if len(command) == 3 and command[0] in (0, 1) and isinstance(command[2], dict)
                        ],
                    )
                continue
            # The field first: a file's contents are not parsed as a number.
            if bounded_figure(model, fname) and figure_out_of_range(value):
                raise ValidationError(
                    model.env._(
                        "%(field)s must be a finite number of at most %(max)s in absolute value.",
                        field=model._fields[fname].string,
                        max=MAX_FIGURE_TEXT,
                    )
                )


class Base(models.AbstractModel):
    _inherit = "base"

    @api.model_create_multi
    def create(self, vals_list):
        # Odoo takes any iterable (its own tests pass generators): read it once.
        vals_list = list(vals_list)
        check_figures(self, vals_list)
        return super().create(vals_list)

    def write(self, vals):
        check_figures(self, [vals])
        return super().write(vals)
