from odoo import api, fields, models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    credit_promise_status = fields.Char(
        string="Payment Promise",
        compute="_compute_credit_promise_status",
        help='The customer\'s valid payment promise, e.g. "Promised ¥5,000.00 by 12/20/2026".',
    )

    @api.depends("partner_id", "company_id")
    def _compute_credit_promise_status(self):
        for order in self:
            # Sudo: a salesperson's own order shows its customer's promise whatever the clearance.
            partner = order.sudo().partner_id.commercial_partner_id
            order.credit_promise_status = (
                partner.with_company(order.company_id).credit_promise_status if partner else False
            )
