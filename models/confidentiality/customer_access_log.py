from datetime import timedelta

import psycopg2

from odoo import api, fields, models
from odoo.exceptions import AccessError

from odoo.addons.base.models.ir_model import MODULE_UNINSTALL_FLAG

# Opening the same customer again within this many minutes makes no new entry.
DEDUP_MINUTES = 5
DEDUP_ACTIONS = ("open", "document")
# The grants that cover an export: copying and external provision, not consulting.
EXPORT_GRANT_TYPES = ("copy", "external")


class CustomerAccessLog(models.Model):
    """Who looked at which confidential customer, when, how, and under which grant.

    Append-only: entries are written by the system (as superuser) when a user opens, prints or
    exports a customer at or above the company's logging level; nobody edits or deletes them.
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
    def _log_threshold_rank(self):
        company = self.env.company
        level = company.customer_access_log_level_id or self.env[
            "customer.confidentiality.level"
        ]._default_level("confidentiality_level_confidential")
        return level.rank if level else 0

    @api.model
    def _log_access(self, partners, action, grant=None, document=None, export_counts=None):
        """Record that the current user accessed ``partners`` (any contacts: their companies count).

        Only customers at or above the logging level are recorded; opening the same customer or
        document again within a few minutes records nothing new. ``document`` is the record
        opened, printed or exported, if it is not the customer itself. ``export_counts`` is
        (records, fields) of an export: its grant must be a copy or external-provision one.
        Returns the new entries.
        """
        user = self.env.user
        if user._is_superuser() or not partners:
            return self.browse()
        partners = partners.sudo().commercial_partner_id
        threshold = self._log_threshold_rank()
        partners = partners.filtered(lambda p: p.confidentiality_rank >= threshold)
        if not partners:
            return self.browse()
        res_model = document._name if document else False
        res_id = document.id if document else 0
        Log = self.sudo()
        if action in DEDUP_ACTIONS:
            recent = Log.search(
                [
                    ("user_id", "=", user.id),
                    ("action", "=", action),
                    ("partner_id", "in", partners.ids),
                    ("res_model", "=", res_model),
                    ("res_id", "=", res_id),
                    ("date", ">=", fields.Datetime.now() - timedelta(minutes=DEDUP_MINUTES)),
                ]
            )
            partners -= recent.partner_id
            if not partners:
                return self.browse()
        if self.env.cr.readonly:
            # A read-only request (reports, read-only RPC) on a replica cannot write the entry:
            # Odoo retries such a request on a read/write cursor.
            raise psycopg2.errors.ReadOnlySqlTransaction("The customer access log needs a read/write cursor.")
        if grant is None:
            grants = self._grants_used(partners, export=export_counts is not None)
        else:
            grants = {p.id: grant for p in partners}
        records, field_count = export_counts or (0, 0)
        return Log.create(
            [
                {
                    "user_id": user.id,
                    "partner_id": partner.id,
                    "level_id": partner.confidentiality_effective_level_id.id,
                    "action": action,
                    "res_model": res_model,
                    "res_id": res_id,
                    "document": document.display_name if document else False,
                    "grant_id": grants.get(partner.id, self.env["customer.access.grant"]).id,
                    "company_id": self.env.company.id,
                    "export_record_count": records,
                    "export_field_count": field_count,
                }
                for partner in partners
            ]
        )

    @api.model
    def _grants_used(self, partners, export=False):
        """{partner id: grant} for the partners the user reads only thanks to a valid grant."""
        user = self.env.user
        if user.has_group("customer_credit_management.group_customer_data_custodian"):
            return {}
        clearance = user.customer_clearance_level_id.rank or 0
        needing = partners.filtered(lambda p: p.confidentiality_rank > clearance and p.user_id != user)
        if not needing:
            return {}
        now = fields.Datetime.now()
        domain = [
            ("user_id", "=", user.id),
            ("state", "=", "active"),
            ("date_start", "<=", now),
            ("date_end", ">", now),
            ("partner_ids", "in", needing.ids),
        ]
        if export:
            domain.append(("grant_type", "in", EXPORT_GRANT_TYPES))
        grants = self.env["customer.access.grant"].sudo().search(domain)
        return {partner.id: grant for grant in grants for partner in grant.partner_ids & needing}
