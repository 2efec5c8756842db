from odoo import fields, models
from odoo.exceptions import AccessError


class CustomerAccessGrant(models.Model):
    _inherit = "customer.access.grant"

    request_id = fields.Many2one("customer.access.request", readonly=True, index=True, ondelete="set null")

    def action_return(self):
        """End the grants early (data given back), and their requests."""
        user = self.env.user
        custodian = user.has_group("customer_credit_management.group_customer_data_custodian")
        if not (self.env.su or custodian or all(grant.user_id == user for grant in self)):
            raise AccessError(self.env._("Only the grantee or customer service can return a grant."))
        active = self.filtered(lambda grant: grant.state == "active")
        active.sudo().write({"state": "returned"})
        active.request_id.filtered(lambda request: request.state == "approved").sudo().write(
            {"state": "returned"}
        )
        return True

    def _cron_expire_grants(self):
        result = super()._cron_expire_grants()
        self.env["customer.access.request"].sudo().search(
            [("state", "=", "approved"), ("grant_id.state", "=", "expired")]
        ).write({"state": "expired"})
        return result
