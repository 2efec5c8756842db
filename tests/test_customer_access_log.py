from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import ConfidentialityCommon, logged_statements, new_user

FORM_SPEC = {"display_name": {}, "name": {}, "email": {}, "confidentiality_level_id": {"fields": {}}}
NOW = datetime(2026, 3, 2, 9, 0)


@tagged("post_install", "-at_install")
class TestCustomerAccessLog(ConfidentialityCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Log = cls.env["customer.access.log"]
        cls.admin = new_user(
            cls.env,
            "ccm_conf_admin",
            "base.group_system,customer_credit_management.group_customer_data_custodian",
        )

    def _entries(self, **filters):
        domain = [("user_id", "in", (self.sales_secret | self.sales_internal).ids)]
        return self.Log.search(domain + [(key, "=", value) for key, value in filters.items()])

    def test_one_entry_per_form_opening(self):
        customer = self.secret_customer.with_user(self.sales_secret)
        with freeze_time(NOW):
            customer.web_read(FORM_SPEC)
            customer.web_read(FORM_SPEC)  # reopened at once: the same visit
            entry = self._entries()
            self.assertEqual(len(entry), 1)
            self.assertRecordValues(
                entry,
                [
                    {
                        "user_id": self.sales_secret.id,
                        "partner_id": self.secret_customer.id,
                        "action": "open",
                        "level_id": self.level_secret.id,
                        "grant_id": False,
                    }
                ],
            )
            # A contact's form counts for its company.
            self.secret_contact.with_user(self.sales_secret).web_read(FORM_SPEC)
            self.assertEqual(len(self._entries()), 1)
        with freeze_time(NOW + timedelta(minutes=30)):
            customer.web_read(FORM_SPEC)
            self.assertEqual(len(self._entries(action="open")), 2)

    def test_no_entry_for_lists_or_lower_levels(self):
        Partner = self.env["res.partner"].with_user(self.sales_secret)
        result = Partner.web_search_read([("id", "=", self.secret_customer.id)], FORM_SPEC)
        self.assertEqual(result["length"], 1)
        self.secret_customer.with_user(self.sales_secret).read(["name", "email"])
        self.internal_customer.with_user(self.sales_secret).web_read(FORM_SPEC)
        self.assertFalse(self._entries())

    def test_threshold_is_configurable(self):
        confidential = self.env["res.partner"].create({"name": "Zircon Key Account", "is_company": True})
        confidential.write({"confidentiality_level_proposed_id": self.level_confidential.id})
        confidential.action_approve_confidentiality_level()
        confidential.with_user(self.sales_secret).web_read(FORM_SPEC)
        self.assertEqual(len(self._entries(partner_id=confidential.id)), 1)
        self.env.company.customer_access_log_level_id = self.level_secret
        self.env["res.partner"].create({"name": "Other", "is_company": True})  # no-op on the log
        with freeze_time(datetime.now() + timedelta(hours=1)):
            confidential.with_user(self.sales_secret).web_read(FORM_SPEC)
        self.assertEqual(len(self._entries(partner_id=confidential.id)), 1)

    def test_document_opening_print_and_export(self):
        self.own_order.with_user(self.sales_internal).web_read({"name": {}, "partner_id": {"fields": {}}})
        document = self._entries(action="document")
        self.assertRecordValues(
            document,
            [
                {
                    "user_id": self.sales_internal.id,
                    "partner_id": self.secret_customer.id,
                    "res_model": "sale.order",
                    "res_id": self.own_order.id,
                }
            ],
        )
        self.env["ir.actions.report"].with_user(self.sales_secret)._render_qweb_pdf(
            "sale.action_report_saleorder", self.owner_order.ids
        )
        self.assertEqual(len(self._entries(action="print", user_id=self.sales_secret.id)), 1)
        self.secret_customer.with_user(self.sales_secret).export_data(["name"])
        self.assertEqual(len(self._entries(action="export", partner_id=self.secret_customer.id)), 1)

    def test_web_read_of_several_records_logs_each(self):
        """A web_read of several ids shows what as many forms show: each record read is logged."""
        customers = (self.secret_customer | self.internal_customer).with_user(self.sales_owner)
        customers.web_read(FORM_SPEC)
        entries = self.Log.search([("user_id", "=", self.sales_owner.id)])
        self.assertRecordValues(entries, [{"partner_id": self.secret_customer.id, "action": "open"}])
        (self.own_order | self.owner_order).with_user(self.sales_secret).web_read({"name": {}})
        documents = self._entries(action="document")
        self.assertEqual(sorted(documents.mapped("res_id")), sorted((self.own_order | self.owner_order).ids))
        self.assertEqual(documents.partner_id, self.secret_customer)

    def test_onchange_values_are_no_opening(self):
        """An onchange's values naming a customer open nothing: no entry for it."""
        user = self.sales_internal
        order = self._order(user, partner=self.internal_customer).with_user(user)
        order.onchange({"partner_id": self.secret_customer.id, "state": "sent"}, ["state"], {"name": {}})
        self.assertFalse(self._entries())

    def test_grant_used_is_recorded(self):
        grant = self.env["customer.access.grant"].create(
            {
                "user_id": self.sales_internal.id,
                "partner_ids": [(6, 0, self.secret_customer.ids)],
                "grant_type": "consult",
                "date_start": datetime.now() - timedelta(hours=1),
                "date_end": datetime.now() + timedelta(hours=8),
            }
        )
        self.secret_customer.with_user(self.sales_internal).web_read(FORM_SPEC)
        self.assertEqual(self._entries(action="open").grant_id, grant)

    def test_log_reads_only_the_levels(self):
        """An export logs thousands of customers: the log reads their entity and level, not their
        whole rows (a hundred columns each)."""
        partners = (self.secret_contact | self.internal_customer).with_user(self.sales_secret)
        self.env.invalidate_all()
        with logged_statements() as statements:
            self.env["customer.access.policy"].with_user(self.sales_secret)._log_access(partners, "export")
        partner_reads = [sql for sql in statements if sql.startswith('SELECT "res_partner"."id"')]
        self.assertEqual(len(partner_reads), 2)  # the contacts, then the entity not read with them
        self.assertFalse([sql for sql in partner_reads if '"res_partner"."email"' in sql])
        self.assertEqual(len(self._entries(action="export", partner_id=self.secret_customer.id)), 1)

    def test_log_is_append_only(self):
        self.secret_customer.with_user(self.sales_secret).web_read(FORM_SPEC)
        entry = self._entries()
        self.assertEqual(entry.with_user(self.custodian).read(["action"])[0]["action"], "open")
        for log in (entry.with_user(self.admin), entry.with_user(self.custodian), entry.sudo()):
            with self.assertRaises(AccessError):
                log.write({"action": "print"})
            with self.assertRaises(AccessError):
                log.unlink()
        with self.assertRaises(AccessError):
            self.Log.with_user(self.admin).create(
                {"user_id": self.admin.id, "partner_id": self.secret_customer.id, "action": "open"}
            )
        with self.assertRaises(AccessError):
            entry.with_user(self.sales_secret).read(["action"])
