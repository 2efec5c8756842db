from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    _inherit = "res.company"

    customer_data_verification_months = fields.Integer(
        string="Verify Customer Data Every (Months)",
        default=12,
        help="Customer service verifies each customer file at least this often (yearly in the policy); "
        "older files get a verification activity.",
    )

    @api.constrains("customer_data_verification_months")
    def _check_customer_data_verification_months(self):
        if any(company.customer_data_verification_months <= 0 for company in self):
            raise ValidationError(
                self.env._("The customer data verification period must be at least one month.")
            )

    def _customer_data_custodian_user(self):
        """Who receives the customer data activities: the credit manager in charge, else the first
        customer data custodian of the company."""
        self.ensure_one()
        return self.credit_responsible_id or self._credit_first_user_of(
            "customer_credit_management.group_customer_data_custodian"
        )
