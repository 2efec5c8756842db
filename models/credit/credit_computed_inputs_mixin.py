from odoo import api, models

from .sale_order import refuse_computed_values


class CreditComputedInputsMixin(models.AbstractModel):
    """A model whose stored computed fields the credit check or the exposure read
    (``CREDIT_COMPUTED_INPUTS``): they are Odoo's computations, never a caller's values."""

    _name = "credit.computed.inputs.mixin"
    _description = "Credit Check Computed Inputs"

    @api.model_create_multi
    def create(self, vals_list):
        refuse_computed_values(self, vals_list, create=True)
        return super().create(vals_list)

    def write(self, vals):
        refuse_computed_values(self, [vals])
        return super().write(vals)
