from odoo import api, fields, models
from odoo.exceptions import AccessError

from odoo.addons.base.models.ir_model import MODULE_UNINSTALL_FLAG


class CustomerAccessLog(models.Model):
    """Who looked at which confidential customer, when, how, and under which grant.

    Append-only: entries are written by the system (as superuser) when a user opens, prints or
    exports a customer at or above the company's logging level (``customer.access.policy``
    decides who is logged and under which grant); nobody edits or deletes them.
    """

    _name = "customer.access.log"
    _description = "Customer Data Access Log"
    _order = "date desc, id desc"
    _rec_name = "partner_id"

    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True, readonly=True)
    user_id = fields.Many2one("res.users", required=True, index=True, ondelete="restrict", readonly=True)
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, ondelete="restrict", readonly=True
    )
    level_id = fields.Many2one(
        "customer.confidentiality.level",
        readonly=True,
        help="Effective confidentiality level of the customer at the time of access.",
    )
    action = fields.Selection(
        [
            ("open", "Opened the customer"),
            ("print", "Printed"),
            ("export", "Exported"),
            ("document", "Opened a document"),
            ("export_refused", "Export refused"),
        ],
        required=True,
        readonly=True,
    )
    res_model = fields.Char(string="Document Model", readonly=True)
    res_id = fields.Many2oneReference(string="Document ID", model_field="res_model", readonly=True)
    document = fields.Char(readonly=True, help="Name of the document opened, printed or exported.")
    grant_id = fields.Many2one(
        "customer.access.grant",
        string="Grant Used",
        ondelete="restrict",
        readonly=True,
        help="The access grant that let the user read this customer, "
        "if the level exceeds the user's clearance.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, default=lambda self: self.env.company
    )
    export_record_count = fields.Integer(
        string="Records Exported",
        readonly=True,
        help="Number of records in the export this entry belongs to.",
    )
    export_field_count = fields.Integer(
        string="Fields Exported", readonly=True, help="Number of fields (columns) in that export."
    )

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            raise AccessError(self.env._("Access log entries are written by the system only."))
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.context.get(MODULE_UNINSTALL_FLAG):
            raise AccessError(self.env._("The customer access log cannot be changed."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_log(self):
        raise AccessError(self.env._("The customer access log cannot be deleted."))

    @api.model
    def _log_access(self, partners, action, grant=None, document=None, export_counts=None):
        """Record that the current user accessed ``partners``: ``customer.access.policy._log_access``."""
        return self.env["customer.access.policy"]._log_access(
            partners, action, grant=grant, document=document, export_counts=export_counts
        )
