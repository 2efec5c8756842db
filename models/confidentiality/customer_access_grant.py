from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL


class CustomerAccessGrant(models.Model):
    """Time-boxed right of one user to customers' data, created by an approved access request.

    Grants are written by the approval workflow only (as superuser); the confidentiality rules
    read them through `_granted_partner_sql`, so a grant counts from `date_start` until
    `date_end` or until it is returned, whatever the scheduled expiry has done yet.
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

    @api.model
    def _granted_partner_sql(self, user_id, grant_types=None):
        """SQL selecting the commercial partner ids `user_id` holds a valid grant for, now."""
        now = fields.Datetime.now()
        type_filter = SQL("AND g.grant_type IN %s", tuple(grant_types)) if grant_types else SQL()
        return SQL(
            """
            SELECT rel.partner_id
              FROM customer_access_grant g
              JOIN customer_access_grant_partner_rel rel ON rel.grant_id = g.id
             WHERE g.user_id = %(user_id)s
               AND g.state = 'active'
               AND g.date_start <= %(now)s
               AND g.date_end > %(now)s
               %(type_filter)s
            """,
            user_id=user_id,
            now=now,
            type_filter=type_filter,
        )

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

    @api.model
    def _cron_expire_grants(self):
        self.search([("state", "=", "active"), ("date_end", "<=", fields.Datetime.now())]).write(
            {"state": "expired"}
        )
        self.env["customer.access.request"].sudo().search(
            [("state", "=", "approved"), ("grant_id.state", "=", "expired")]
        ).write({"state": "expired"})
        return True
