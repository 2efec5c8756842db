from odoo import api, models

LOOKUP = "customer_access_request_lookup"


class ResPartner(models.Model):
    _inherit = "res.partner"

    @api.model
    def name_search(self, name="", args=None, operator="ilike", limit=100):
        if self.env.context.get(LOOKUP) and not self.env.su:
            # Asking for access needs finding the customer: any company's name, nothing more. The
            # caller's domain is ignored, so that it cannot probe the fields of unreadable customers.
            return super(ResPartner, self.sudo()).name_search(
                name, [("is_company", "=", True)], operator=operator, limit=limit
            )
        return super().name_search(name, args=args, operator=operator, limit=limit)
