from odoo import api, fields, models
from odoo.exceptions import ValidationError

GRANT_HOURS_HELP = (
    "Hours an approved request of this type gives access; 0: until the end of that day in the company's "
    "time zone (the time zone of the company's contact, else the approver's)."
)


class ResCompany(models.Model):
    _inherit = "res.company"

    customer_access_log_level_id = fields.Many2one(
        "customer.confidentiality.level",
        string="Log Access From Level",
        help="Opening, printing or exporting a customer at this confidentiality level or a stricter one "
        "is recorded in the customer access log. Empty: Confidential.",
    )
    customer_grant_hours_consult = fields.Integer(string="Consult Access (Hours)", help=GRANT_HOURS_HELP)
    customer_grant_hours_copy = fields.Integer(string="Copy or Export Access (Hours)", help=GRANT_HOURS_HELP)
    customer_grant_hours_external = fields.Integer(
        string="External Provision Access (Hours)", help=GRANT_HOURS_HELP
    )

    @api.constrains(
        "customer_grant_hours_consult", "customer_grant_hours_copy", "customer_grant_hours_external"
    )
    def _check_customer_grant_hours(self):
        for company in self:
            hours = (
                company.customer_grant_hours_consult,
                company.customer_grant_hours_copy,
                company.customer_grant_hours_external,
            )
            if min(hours) < 0:
                raise ValidationError(self.env._("The validity of an access grant cannot be negative."))
