from odoo import api, models


class CustomerReadablePartnerMixin(models.AbstractModel):
    """Made only for a customer the user may read: a document or wizard with a ``partner_id``.

    What is made for a customer computes the customer's data as superuser (an invoice's bank
    account, a payment link's e-mail), and the rules let the user's own documents through: none is
    created, moved to, nor previewed in a form (an onchange) for a customer the user may not read
    (``customer.access.policy``).
    """

    _name = "customer.readable.partner.mixin"
    _description = "Made for a Readable Customer Only"

    # The fields naming whom a record is made for (``_customer_partners``).
    _customer_partner_fields = ("partner_id",)

    def _unreadable_partner_message(self):
        """The refusal's text, naming what is made."""
        raise NotImplementedError

    def _customer_partners(self):
        """The customers these records are made for."""
        return self.partner_id

    def _check_partner_readable(self, partners):
        self.env["customer.access.policy"]._check_partners_readable(
            partners, self._unreadable_partner_message()
        )

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        self._check_partner_readable(records._customer_partners())
        return records

    def write(self, vals):
        result = super().write(vals)
        if vals.keys() & set(self._customer_partner_fields):
            self._check_partner_readable(self._customer_partners())
        return result

    def onchange(self, values, field_names, fields_spec):
        # The customers the form names, unless the record has them already; a new record's default
        # partner (from the context, or from the document a wizard is opened on) otherwise.
        Partner = self.env["res.partner"]
        named = {name: values[name] for name in self._customer_partner_fields if name in values}
        if named:
            partners = self.new(named)._customer_partners() - self._customer_partners()
        else:
            partners = Partner if self else Partner.browse(self.default_get(["partner_id"]).get("partner_id"))
        self._check_partner_readable(partners)
        return super().onchange(values, field_names, fields_spec)
