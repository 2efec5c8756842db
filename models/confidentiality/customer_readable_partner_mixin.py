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

    def _unreadable_partner_message(self):
        """The refusal's text, naming what is made."""
        raise NotImplementedError

    def _check_partner_readable(self, partners):
        self.env["customer.access.policy"]._check_partners_readable(
            partners, self._unreadable_partner_message()
        )

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        self._check_partner_readable(records.partner_id)
        return records

    def write(self, vals):
        result = super().write(vals)
        if "partner_id" in vals:
            self._check_partner_readable(self.partner_id)
        return result

    def onchange(self, values, field_names, fields_spec):
        # The partner the form names, unless the record has it already; a new record's default
        # (from the context, or from the document a wizard is opened on) otherwise.
        Partner = self.env["res.partner"]
        if "partner_id" in values:
            partners = self.new({"partner_id": values["partner_id"]}).partner_id - self.partner_id
        else:
            partners = Partner if self else Partner.browse(self.default_get(["partner_id"]).get("partner_id"))
        self._check_partner_readable(partners)
        return super().onchange(values, field_names, fields_spec)
