from odoo import models
from odoo.exceptions import UserError
from odoo.tools import format_amount


class StockPicking(models.Model):
    _inherit = "stock.picking"

    def _action_done(self):
        # _action_done is the one door of every validation path (button, backorder, RPC).
        self._check_credit_before_shipping()
        return super()._action_done()

    def _check_credit_before_shipping(self):
        """Nothing ships to a customer on credit hold or beyond its credit line (停止出货), except
        the goods of an order whose release was approved."""
        pickings = self.filtered(
            lambda p: (
                p.picking_type_code == "outgoing"
                and p.company_id.credit_control_enabled
                and p.partner_id
                and not (p.sale_id and (p.sale_id._credit_is_cash_sale() or p.sale_id._credit_has_release()))
            )
        )
        for company, company_pickings in pickings.grouped("company_id").items():
            partners = company_pickings.partner_id.commercial_partner_id.with_company(company)
            exposure = self.env["credit.exposure"]._exposure_by_partner(partners.ids, company)
            currency = company.currency_id
            for partner in partners:
                picking = company_pickings.filtered(
                    lambda p, partner=partner: p.partner_id.commercial_partner_id == partner
                )[:1]
                if partner.credit_hold:
                    raise UserError(
                        self.env._(
                            "%(customer)s is on credit hold: the delivery %(picking)s cannot be validated.",
                            customer=partner.display_name,
                            picking=picking.name,
                        )
                    )
                if currency.compare_amounts(exposure[partner.id], partner.credit_line) > 0:
                    raise UserError(
                        self.env._(
                            "%(customer)s is beyond its credit line (exposure %(exposure)s, credit line "
                            "%(line)s): the delivery %(picking)s cannot be validated.",
                            customer=partner.display_name,
                            exposure=format_amount(self.env, exposure[partner.id], currency),
                            line=format_amount(self.env, partner.credit_line, currency),
                            picking=picking.name,
                        )
                    )
