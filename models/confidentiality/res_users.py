from odoo import api, fields, models
from odoo.exceptions import AccessError

from ..groups import CUSTODIAN_GROUP


class ResUsers(models.Model):
    _inherit = "res.users"

    customer_clearance_level_id = fields.Many2one(
        "customer.confidentiality.level",
        string="Customer Data Clearance",
        default=lambda self: self.env["customer.confidentiality.level"]._default_level(),
        help="Customers up to this confidentiality level are readable by this user; stricter ones only "
        "when the user is their salesperson or holds a valid access grant. Set by customer data custodians.",
    )

    customer_analysis_monthly = fields.Boolean(
        string="Monthly Customer Analysis",
        help="Receive the customer analysis report (XLSX) of the year by e-mail at the start of each "
        "month. It holds the customers you may read, and needs the rights to export the analysis "
        "(customer service, marketing director, credit managers).",
    )
    customer_analysis_sent_date = fields.Date(
        string="Monthly Customer Analysis Sent On",
        readonly=True,
        copy=False,
        help="When the monthly customer analysis was last e-mailed: one e-mail a month, however "
        "often its scheduled action runs.",
    )

    @property
    def SELF_READABLE_FIELDS(self):
        return [*super().SELF_READABLE_FIELDS, "customer_clearance_level_id", "customer_analysis_monthly"]

    @property
    def SELF_WRITEABLE_FIELDS(self):
        # An opt-in of one's own, set in one's preferences.
        return [*super().SELF_WRITEABLE_FIELDS, "customer_analysis_monthly"]

    @api.model_create_multi
    def create(self, vals_list):
        self._check_clearance_write(vals_list)
        return super().create(vals_list)

    def write(self, vals):
        self._check_clearance_write([vals])
        if vals.keys() == {"customer_clearance_level_id"} and not self.env.su:
            # Custodians set clearances without the right to manage users (checked above).
            return super(ResUsers, self.sudo()).write(vals)
        return super().write(vals)

    def _check_clearance_write(self, vals_list):
        if any("customer_clearance_level_id" in vals for vals in vals_list) and not (
            self.env.su or self.env.user.has_group(CUSTODIAN_GROUP)
        ):
            default = self.env["customer.confidentiality.level"]._default_level()
            if any(vals.get("customer_clearance_level_id", default.id) != default.id for vals in vals_list):
                raise AccessError(self.env._("Only a customer data custodian can set a user's clearance."))
