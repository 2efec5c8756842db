from odoo import api, models

# Context keys that make a partner's display name carry its address, email, VAT or database id.
DISPLAY_KEYS = ("show_address", "show_email", "show_vat", "partner_show_db_id")


class ResPartner(models.Model):
    _inherit = "res.partner"

    def _compute_display_name(self):
        super()._compute_display_name()
        if (
            not any(self.env.context.get(key) for key in DISPLAY_KEYS)
            or not self.env.su
            or self.env.user._is_superuser()
        ):
            return
        # Odoo computes a many2one's display name as superuser, in the caller's context (a read of
        # a document, a web_read's field specification): the caller's keys show no more than the
        # name of a partner the caller may not read.
        real = self.filtered(lambda partner: isinstance(partner.id, int))
        hidden = real - real.sudo(False)._filtered_access("read")
        for partner in hidden:
            # As Odoo's own compute without the keys (the field itself is being computed here).
            partner.display_name = partner.with_context(lang=self.env.lang)._get_complete_name().strip()


class ResPartnerBank(models.Model):
    _inherit = "res.partner.bank"

    @api.depends_context("uid")
    def _compute_display_name(self):
        super()._compute_display_name()
        if not self.env.su or self.env.user._is_superuser():
            return
        # Odoo computes a many2one's display name as superuser: a bank account's is its number, shown
        # on the user's own invoices (a credit note's recipient bank) of a customer above their
        # clearance. It is not shown for a holder the user may not read.
        banks = self.filtered(lambda bank: isinstance(bank.id, int))
        readable = self.env["customer.access.policy"]._readable_partners(banks.partner_id)
        for bank in banks.filtered(lambda bank: bank.partner_id not in readable):
            bank.display_name = self.env._("Bank account of a customer above your clearance")
