from odoo import api, fields, models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    credit_promise_status = fields.Char(
        string="Payment Promise",
        compute="_compute_credit_promise_status",
        customer_mirror="partner_id",
        help='The customer\'s valid payment promise, e.g. "Promised ¥5,000.00 by 12/20/2026".',
    )

    @api.depends("partner_id", "company_id")
    @api.depends_context("uid")
    def _compute_credit_promise_status(self):
        self.credit_promise_status = False
        for order in self._credit_shown_orders():
            # Sudo: read as superuser once the user may read the customer.
            partner = order.sudo().partner_id.commercial_partner_id
            order.credit_promise_status = (
                partner.with_company(order.company_id).credit_promise_status if partner else False
            )
