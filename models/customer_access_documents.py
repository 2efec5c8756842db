from odoo import models

# Opening, printing or exporting a customer's documents is logged like opening the customer.


class SaleOrder(models.Model):
    _name = "sale.order"
    _inherit = ["sale.order", "customer.access.logged.mixin"]


class AccountMove(models.Model):
    _name = "account.move"
    _inherit = ["account.move", "customer.access.logged.mixin"]


class CreditEvaluation(models.Model):
    _name = "credit.evaluation"
    _inherit = ["credit.evaluation", "customer.access.logged.mixin"]


class CreditReleaseRequest(models.Model):
    _name = "credit.release.request"
    _inherit = ["credit.release.request", "customer.access.logged.mixin"]


class CreditReminder(models.Model):
    _name = "credit.reminder"
    _inherit = ["credit.reminder", "customer.access.logged.mixin"]
