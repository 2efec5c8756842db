from odoo import models


class AccountMove(models.Model):
    _name = "account.move"
    # Opening, printing or exporting a customer's invoices is logged like opening the customer; an
    # invoice shows its customer's bank account (computed as superuser): it is made only for a
    # customer the user may read.
    _inherit = ["account.move", "customer.access.logged.mixin", "customer.readable.partner.mixin"]

    def _unreadable_partner_message(self):
        return self.env._("You may not make an invoice or an entry for a customer above your clearance.")


class AccountMoveLine(models.Model):
    _name = "account.move.line"
    # An entry's items name their own partners: an entry is no more made for a customer the user
    # may not read through its items than through its partner.
    _inherit = ["account.move.line", "customer.readable.partner.mixin"]

    def _unreadable_partner_message(self):
        return self.env["account.move"]._unreadable_partner_message()
