from odoo import api, fields, models
from odoo.exceptions import AccessError


class CustomerAccessGrant(models.Model):
    """Time-boxed right of one user to customers' data, created by an approved access request.

    Grants are written by the approval workflow only (as superuser). When a grant is valid is
    decided by ``customer.access.policy._valid_grant_domain``, which reading, exporting and the
    access log all use.
    """

    _name = "customer.access.grant"
    _description = "Customer Data Access Grant"
    _order = "date_end desc, id desc"
    _rec_name = "user_id"

    user_id = fields.Many2one("res.users", string="Granted To", required=True, index=True, ondelete="cascade")
    partner_ids = fields.Many2many(
        "res.partner",
        "customer_access_grant_partner_rel",
        "grant_id",
        "partner_id",
        string="Customers",
        required=True,
        domain=[("is_company", "=", True)],
        help="Commercial entities; the grant covers their contacts and addresses too.",
    )
    grant_type = fields.Selection(
        [
            ("consult", "Consult"),
            ("copy", "Copy or Export"),
            ("external", "External Provision"),
        ],
        required=True,
    )
    date_start = fields.Datetime(string="Valid From", required=True, default=fields.Datetime.now)
    date_end = fields.Datetime(string="Valid Until", required=True, index=True)
    state = fields.Selection(
        [("active", "Active"), ("returned", "Returned"), ("expired", "Expired")],
        default="active",
        required=True,
        index=True,
    )
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    request_id = fields.Many2one("customer.access.request", readonly=True, index=True, ondelete="set null")

    _sql_constraints = [
        ("date_check", "CHECK (date_end > date_start)", "A grant must end after it starts."),
    ]

    def action_return(self):
        """End the grants early (data given back), and their requests."""
        user = self.env.user
        custodian = self.env["customer.access.policy"]._is_custodian(user)
        if not (self.env.su or custodian or all(grant.user_id == user for grant in self)):
            raise AccessError(self.env._("Only the grantee or customer service can return a grant."))
        active = self.filtered(lambda grant: grant.state == "active")
        active.sudo().write({"state": "returned"})
        active.request_id.filtered(lambda request: request.state == "approved").sudo().write(
            {"state": "returned"}
        )
        return True

    @api.model
    def _cron_expire_grants(self):
        return self.env["customer.access.policy"]._expire_grants()
