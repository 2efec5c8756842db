import logging
from datetime import timedelta

import psycopg2

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

from ..groups import CUSTODIAN_GROUP, DIRECTOR_GROUP

_logger = logging.getLogger(__name__)

# The grants that cover an export: copying and external provision, not consulting.
EXPORT_GRANT_TYPES = ("copy", "external")
# Opening the same customer again within this many minutes makes no new entry.
DEDUP_MINUTES = 5
DEDUP_ACTIONS = ("open", "document")


class CustomerAccessPolicy(models.AbstractModel):
    """Who may read, export, or is logged for a customer (SPEC B4): the one place that decides.

    A user's clearance (``_clearance_rank_sql``) and a grant's validity (``_valid_grant_domain``)
    are defined here once; the readable-partner domain behind ``res.partner.customer_access_ok``
    (and so every record rule), the export check and the access log are built from them.
    """

    _name = "customer.access.policy"
    _description = "Customer Data Access Policy"

    # ---------------------------------------------------------------- clearance and grants

    @api.model
    def _is_custodian(self, user):
        """Customer data custodians read and export every customer; their reading is not a grant's."""
        return user.has_group(CUSTODIAN_GROUP)

    @api.model
    def _clearance_rank_sql(self, user_id):
        """A user's clearance: the rank of their clearance level, 0 without one. ``user_id`` is an
        id or an SQL expression (a column)."""
        return SQL(
            "(SELECT COALESCE(MAX(lvl.rank), 0) FROM res_users u"
            " JOIN customer_confidentiality_level lvl ON lvl.id = u.customer_clearance_level_id"
            " WHERE u.id = %s)",
            user_id,
        )

    @api.model
    def _grant_ended_domain(self, at):
        return [("date_end", "<=", at)]

    @api.model
    def _valid_grant_domain(self, at=None):
        """A grant counts from its start until its end, unless returned, whatever the scheduled
        expiry (``_expire_grants``) has done yet."""
        at = at or fields.Datetime.now()
        return [("state", "=", "active"), ("date_start", "<=", at), "!", *self._grant_ended_domain(at)]

    @api.model
    def _user_grant_domain(self, user_id, grant_types=None):
        domain = [("user_id", "=", user_id), *self._valid_grant_domain()]
        if grant_types:
            domain.append(("grant_type", "in", list(grant_types)))
        return domain

    @api.model
    def _granted_partner_sql(self, user_id, grant_types=None):
        """SQL selecting the commercial partner ids ``user_id`` holds a valid grant for, now (of one
        of ``grant_types`` if given). Builds the query only: the caller flushes the grants."""
        domain = self._user_grant_domain(user_id, grant_types)
        grants = self.env["customer.access.grant"].sudo()._search(domain)
        return SQL(
            "SELECT partner_id FROM customer_access_grant_partner_rel WHERE grant_id IN %s",
            grants.subselect(),
        )

    @api.model
    def _expire_grants(self):
        """Mark the active grants whose end has passed, and their requests, expired."""
        grants = self.env["customer.access.grant"].sudo()
        grants.search([("state", "=", "active"), *self._grant_ended_domain(fields.Datetime.now())]).write(
            {"state": "expired"}
        )
        self.env["customer.access.request"].sudo().search(
            [("state", "=", "approved"), ("grant_id.state", "=", "expired")]
        ).write({"state": "expired"})
        return True

    def _flush_policy_columns(self):
        # The policy's SQL reads these columns: write what is pending first.
        self.env["res.users"].flush_model(["customer_clearance_level_id", "partner_id", "share"])
        self.env["res.partner"].flush_model(["user_id", "commercial_partner_id"])
        self.env["res.company"].flush_model(["partner_id"])
        self.env["customer.confidentiality.level"].flush_model(["rank"])
        self.env["customer.access.grant"].flush_model()

    @api.model
    def _above_clearance(self, partners, user, granted_types=None):
        """The partners among ``partners`` ranked above ``user``'s clearance (one query); with
        ``granted_types``, less those a valid grant of these types covers."""
        partners = partners.filtered("id")
        if not partners:
            return partners
        self._flush_policy_columns()
        self.env["res.partner"].flush_model(["confidentiality_rank"])
        not_granted = (
            SQL("AND id NOT IN (%s)", self._granted_partner_sql(user.id, granted_types))
            if granted_types
            else SQL()
        )
        above = {
            row[0]
            for row in self.env.execute_query(
                SQL(
                    "SELECT id FROM res_partner WHERE id IN %s AND confidentiality_rank > %s %s",
                    tuple(partners.ids),
                    self._clearance_rank_sql(user.id),
                    not_granted,
                )
            )
        }
        return partners.filtered(lambda partner: partner.id in above)

    # ---------------------------------------------------------------- reading

    @api.model
    def _readable_partner_domain(self):
        """Domain of the partners the current user may read, evaluated when the query is built.

        Record rules are cached per user, so the time-dependent parts (grants) and the user's
        clearance live here, not in the rule: the rule's domain stays one constant leaf.
        Everything is a column test or an uncorrelated sub-select: no query per partner.
        """
        user = self.env.user
        if user._is_superuser() or self._is_custodian(user):
            return []
        self._flush_policy_columns()
        # Sub-selects rather than values read in Python: no query added to the search itself.
        # The ranks up to the user's clearance (a leaf "rank <= sub-select" is not accepted).
        clearance = SQL("(SELECT generate_series(0, %s))", self._clearance_rank_sql(user.id))
        own_company = SQL(
            "SELECT p.commercial_partner_id FROM res_users u"
            " JOIN res_partner p ON p.id = u.partner_id WHERE u.id = %s",
            user.id,
        )
        return [
            "|",
            "|",
            "|",
            "|",
            ("confidentiality_rank", "in", clearance),
            # Vendors only: purchasing is not customer data.
            "&",
            ("supplier_rank", ">", 0),
            ("customer_rank", "=", 0),
            # Its salesperson, a valid grant, or the user's own company (portal users).
            (
                "commercial_partner_id",
                "in",
                SQL(
                    "(SELECT id FROM res_partner WHERE user_id = %(uid)s AND id = commercial_partner_id"
                    " UNION %(grants)s UNION %(own)s)",
                    uid=user.id,
                    grants=self._granted_partner_sql(user.id),
                    own=own_company,
                ),
            ),
            # A level waiting for the Marketing Director's approval (empty for everyone else).
            ("confidentiality_level_proposed_id", "!=", False)
            if user.has_group(DIRECTOR_GROUP)
            else (0, "=", 1),
            # The companies' and the employees' own partners.
            (
                "id",
                "in",
                SQL(
                    "(SELECT partner_id FROM res_users WHERE NOT share"
                    " UNION SELECT partner_id FROM res_company)"
                ),
            ),
        ]

    @api.model
    def _readable_partners(self, partners):
        """The partners among ``partners`` the current user may read (one query; new records,
        which are no one's data yet, are left out)."""
        partners = partners._origin
        if not partners:
            return partners
        # The current user's, whatever environment ``partners`` come in.
        return (
            self.env["res.partner"]
            .sudo()
            .with_context(active_test=False)
            .search([("id", "in", partners.ids), ("customer_access_ok", "=", True)])
        )

    @api.model
    def _check_partners_readable(self, partners, message):
        """Refuse (``message``) making a document or a wizard for a partner the user may not read:
        what is made for a customer computes its data as superuser (a bank account, an e-mail), and
        the rules let one's own documents through. The superuser's code makes anything."""
        if not self.env.su and partners._origin - self._readable_partners(partners):
            raise AccessError(message)

    # ---------------------------------------------------------------- exporting

    @api.model
    def _export_refused(self, partners):
        """The commercial entities of ``partners`` the user may not export: above the clearance and
        no valid copy/export or external-provision grant (sudo records: for naming them in a
        refusal only). Holding a customer as its salesperson gives reading, not copying."""
        user = self.env.user
        if self.env.su or self._is_custodian(user):
            return self.env["res.partner"]
        return self._above_clearance(partners.sudo().commercial_partner_id, user, EXPORT_GRANT_TYPES)

    @api.model
    def _check_export(self, partners, field_count, record_count=None):
        """Refuse exporting customers the user may not export; the refusal is logged. Allowed
        exports are logged by the caller (``_log_access`` with ``export_counts``).
        ``record_count``: the records exported, if not the partners."""
        refused = self._export_refused(partners)
        if not refused:
            return True
        self._log_export_refused(refused, record_count or len(partners), field_count)
        raise AccessError(
            self.env._(
                "You may not export %(count)s of these customers: their confidentiality level is above "
                "your clearance. Request a copy or export access first.",
                count=len(refused),
            )
        )

    @api.model
    def _log_export_refused(self, partners, record_count, field_count):
        """Log a refused export: the refusal rolls its own transaction back, with anything written in it.

        The entries are written when the current transaction ends, rolled back or committed, in a
        transaction of their own (``_write_refusal_log``), as Odoo's server actions write their
        ``log()`` lines in a cursor of their own. A rollback to a savepoint does not end the
        transaction. Under Odoo's HTTP tests the request's cursor is a savepoint of the test's
        transaction, so the entry lands in the test's transaction; a unit test's transaction never
        ends while the test runs, so nothing is written there.
        """
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
        policy = self.browse()
        cr = self.env.cr
        # Commit clears the rollback hooks and rollback the commit hooks: it runs once.
        cr.postcommit.add(lambda: policy._write_refusal_log(vals_list))
        cr.postrollback.add(lambda: policy._write_refusal_log(vals_list))

    def _write_refusal_log(self, vals_list):
        """Hook: write the refused-export entries, after their transaction ended, in a new one."""
        try:
            with self.env.registry.cursor() as cr:
                api.Environment(cr, SUPERUSER_ID, {})["customer.access.log"].create(vals_list)
        except Exception:
            # After the request's failure: its own error must reach the user, not this one.
            _logger.exception("Refused customer export not logged: %s", vals_list)

    # ---------------------------------------------------------------- access log

    @api.model
    def _log_threshold_rank(self):
        company = self.env.company
        level = company.customer_access_log_level_id or self.env[
            "customer.confidentiality.level"
        ]._default_level("confidentiality_level_confidential")
        return level.rank if level else 0

    @api.model
    def _grants_used(self, partners, export=False):
        """{partner id: grant} for the partners the user reads (exports) only thanks to a valid
        grant: above the clearance, not the user's own customers (one query)."""
        user = self.env.user
        partners = partners.filtered("id")
        if not partners or self._is_custodian(user):
            return {}
        self._flush_policy_columns()
        self.env["res.partner"].flush_model(["confidentiality_rank"])
        Grant = self.env["customer.access.grant"].sudo()
        grants = Grant._search(self._user_grant_domain(user.id, EXPORT_GRANT_TYPES if export else None))
        rows = self.env.execute_query(
            SQL(
                """
                SELECT rel.partner_id, g.id
                  FROM customer_access_grant_partner_rel rel
                  JOIN customer_access_grant g ON g.id = rel.grant_id
                  JOIN res_partner p ON p.id = rel.partner_id
                 WHERE rel.grant_id IN %(grants)s
                   AND rel.partner_id IN %(partner_ids)s
                   AND p.confidentiality_rank > %(clearance)s
                   AND p.user_id IS DISTINCT FROM %(uid)s
                 ORDER BY g.date_end DESC, g.id DESC
                """,
                grants=grants.subselect(),
                partner_ids=tuple(partners.ids),
                clearance=self._clearance_rank_sql(user.id),
                uid=user.id,
            )
        )
        # Of several grants, the one ending first (as the grants' order read backwards).
        return {partner_id: Grant.browse(grant_id) for partner_id, grant_id in rows}

    @api.model
    def _log_access(self, partners, action, grant=None, document=None, export_counts=None):
        """Record that the current user accessed ``partners`` (any contacts: their companies count).

        Only customers at or above the logging level are recorded; opening the same customer or
        document again within a few minutes records nothing new. ``document`` is the record
        opened, printed or exported, if it is not the customer itself. ``export_counts`` is
        (records, fields) of an export: its grant must be a copy or external-provision one.
        Returns the new entries.
        """
        Log = self.env["customer.access.log"].sudo()
        user = self.env.user
        if user._is_superuser() or not partners:
            return Log.browse()
        # Just the columns the log reads: an export logs thousands of customers, and reading
        # them whole (a hundred columns each) took a quarter of a second for 5,000. The second
        # fetch reads nothing when the customers are their own commercial entities.
        level_fields = ["confidentiality_rank", "confidentiality_effective_level_id"]
        partners = partners.sudo()
        partners.fetch(["commercial_partner_id", *level_fields])
        partners = partners.commercial_partner_id
        partners.fetch(level_fields)
        threshold = self._log_threshold_rank()
        partners = partners.filtered(lambda p: p.confidentiality_rank >= threshold)
        if not partners:
            return Log.browse()
        res_model = document._name if document else False
        res_id = document.id if document else 0
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
                return Log.browse()
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
