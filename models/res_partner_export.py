import logging

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import AccessError
from odoo.modules import module as odoo_module
from odoo.sql_db import TestCursor

_logger = logging.getLogger(__name__)

CUSTODIAN_GROUP = "customer_credit_management.group_customer_data_custodian"
EXPORT_GRANT_TYPES = ("copy", "external")
# Context key carrying (records, fields) of the export being logged.
EXPORT_COUNTS = "customer_export_counts"


class ResPartner(models.Model):
    _inherit = "res.partner"

    def export_data(self, fields_to_export):
        # The list export, "export all" (/web/export/csv|xlsx) and RPC all come through here.
        self._check_customer_export(self, len(fields_to_export))
        counted = self.with_context(**{EXPORT_COUNTS: (len(self), len(fields_to_export))})
        return super(ResPartner, counted).export_data(fields_to_export)

    @api.model
    def _check_customer_export(self, partners, field_count):
        """Refuse exporting customers above the user's clearance that no valid copy/export or
        external-provision grant covers; the refusal is logged. Custodians export freely.

        Allowed exports are logged by the caller (``customer.access.log._log_access`` with the
        ``customer_export_counts`` context).
        """
        user = self.env.user
        if self.env.su or user.has_group(CUSTODIAN_GROUP):
            return True
        commercial = partners.sudo().commercial_partner_id
        clearance = user.customer_clearance_level_id.rank or 0
        above = commercial.filtered(lambda partner: partner.confidentiality_rank > clearance)
        if not above:
            return True
        Grant = self.env["customer.access.grant"]
        Grant.flush_model()
        granted = {
            row[0] for row in self.env.execute_query(Grant._granted_partner_sql(user.id, EXPORT_GRANT_TYPES))
        }
        refused = above.filtered(lambda partner: partner.id not in granted)
        if not refused:
            return True
        self._log_refused_export(refused, len(partners), field_count)
        raise AccessError(
            self.env._(
                "You may not export %(count)s of these customers: their confidentiality level is above "
                "your clearance. Request a copy or export access first.",
                count=len(refused),
            )
        )

    @api.model
    def _log_refused_export(self, partners, record_count, field_count):
        """Write the refusal in its own transaction: the failing request rolls back its own."""
        vals_list = [
            {
                "user_id": self.env.uid,
                "partner_id": partner.id,
                "level_id": partner.confidentiality_effective_level_id.id,
                "action": "export_refused",
                "export_record_count": record_count,
                "export_field_count": field_count,
                "company_id": self.env.company.id,
                "date": fields.Datetime.now(),
            }
            for partner in partners
        ]
        registry = self.env.registry

        def write_log():
            with registry.cursor() as cr:
                api.Environment(cr, SUPERUSER_ID, {})["customer.access.log"].create(vals_list)

        if registry.in_test_mode():
            # HTTP tests: each open request cursor is a savepoint of the test's transaction. Write
            # after each one rolls back; a rollback of an outer one undoes the inner write and
            # writes again, so exactly one entry remains.
            for cursor in TestCursor._cursors_stack:
                cursor.postrollback.add(write_log)
        elif odoo_module.current_test:
            # Unit tests share one uncommitted transaction: a second one would wait on its rows.
            _logger.info("Customer export refused to %s (not logged in unit tests)", self.env.user.login)
        else:
            write_log()
