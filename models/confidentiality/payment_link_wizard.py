from odoo import models


class PaymentLinkWizard(models.TransientModel):
    _name = "payment.link.wizard"
    # The wizard shows its partner's e-mail (a related field, read as superuser), and its link
    # opens its document's portal page, which Odoo renders as superuser with the document's
    # customer: both must be readable, whatever partner the wizard names.
    _inherit = ["payment.link.wizard", "customer.readable.partner.mixin"]
    _customer_partner_fields = ("partner_id", "res_model", "res_id")

    def _unreadable_partner_message(self):
        return self.env._("You may not make a payment link for a customer above your clearance.")

    def _customer_partners(self):
        partners = super()._customer_partners()
        for wizard in self:
            if wizard.res_model in self.env and wizard.res_id:
                document = self.env[wizard.res_model].browse(wizard.res_id)
                if "partner_id" in document:
                    partners |= document.partner_id
        return partners
