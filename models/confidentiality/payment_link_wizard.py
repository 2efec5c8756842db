from odoo import models


class PaymentLinkWizard(models.TransientModel):
    _name = "payment.link.wizard"
    # The wizard shows its partner's e-mail (a related field, read as superuser).
    _inherit = ["payment.link.wizard", "customer.readable.partner.mixin"]

    def _unreadable_partner_message(self):
        return self.env._("You may not make a payment link for a customer above your clearance.")
