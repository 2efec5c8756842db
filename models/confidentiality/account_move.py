from odoo import models


class AccountMove(models.Model):
    _name = "account.move"
    # Opening, printing or exporting a customer's invoices is logged like opening the customer.
    _inherit = ["account.move", "customer.access.logged.mixin"]
