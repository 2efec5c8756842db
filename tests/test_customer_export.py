import json
from datetime import datetime, timedelta
from xmlrpc.client import Fault

from odoo import Command, http
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common import ConfidentialityCommon, new_user

FIELDS = [{"name": "name", "label": "Name"}, {"name": "vat", "label": "Tax ID"}]


@tagged("post_install", "-at_install")
class TestCustomerExport(ConfidentialityCommon, HttpCase):
    """Exporting a customer above the user's clearance needs a copy or external-provision grant."""

    def _grant(self, user, grant_type):
        return self.env["customer.access.grant"].create(
            {
                "user_id": user.id,
                "partner_ids": [Command.set(self.secret_customer.ids)],
                "grant_type": grant_type,
                "date_start": datetime.now() - timedelta(minutes=1),
                "date_end": datetime.now() + timedelta(hours=2),
            }
        )

    def _export_csv(self, user):
        self.authenticate(user.login, user.login)
        payload = {
            "model": "res.partner",
            "fields": FIELDS,
            "ids": [self.secret_customer.id],
            "domain": [],
            "import_compat": False,
        }
        # The controller logs the refusal's traceback as an error.
        with mute_logger("odoo.addons.web.controllers.export"):
            return self.url_open(
                "/web/export/csv",
                data={"data": json.dumps(payload), "csrf_token": http.Request.csrf_token(self)},
            )

    def _xmlrpc_export(self, user):
        db = self.env.cr.dbname
        return self.xmlrpc_object.execute_kw(
            db,
            user.id,
            user.login,
            "res.partner",
            "export_data",
            [[self.secret_customer.id], ["name", "vat"]],
            {},
        )

    def _log(self, user, action):
        return self.env["customer.access.log"].search(
            [("user_id", "=", user.id), ("partner_id", "=", self.secret_customer.id), ("action", "=", action)]
        )

    def test_ui_export_refused_without_grant_allowed_with_one(self):
        user = self.sales_internal
        response = self._export_csv(user)
        self.assertEqual(response.status_code, 500)
        self.assertNotIn("Zircon Secret Industries", response.text)
        self.assertRecordValues(
            self._log(user, "export_refused"), [{"export_record_count": 1, "export_field_count": 2}]
        )
        # Consulting is not copying: a consult grant lets the user read, not export.
        self._grant(user, "consult")
        self.assertEqual(self._export_csv(user).status_code, 500)
        self.assertEqual(len(self._log(user, "export_refused")), 2)
        grant = self._grant(user, "copy")
        response = self._export_csv(user)
        self.assertEqual(response.status_code, 200)
        self.assertIn("Zircon Secret Industries", response.text)
        self.assertRecordValues(
            self._log(user, "export"),
            [{"export_record_count": 1, "export_field_count": 2, "grant_id": grant.id}],
        )

    def test_rpc_export_data(self):
        user = self.sales_internal
        # Not assertRaises: its savepoint would roll back the refusal's log entry too.
        try:
            self._xmlrpc_export(user)
        except Fault as fault:
            self.assertIn("above your clearance", fault.faultString)
        else:
            self.fail("The export of a Secret customer without a grant went through.")
        self.assertEqual(len(self._log(user, "export_refused")), 1)
        self._grant(user, "external")
        result = self._xmlrpc_export(user)
        self.assertEqual(result["datas"][0][0], "Zircon Secret Industries")
        self.assertEqual(len(self._log(user, "export")), 1)

    def test_order_fields_mirroring_the_customer_are_its_fields(self):
        """An order's fields showing its customer's credit export as the customer's own fields."""
        self.env.company.credit_default_risk_factor = 1.0
        self.secret_customer.write({"credit_limit_manual": True, "credit_limit_manual_base": 7777})
        Order = self.env["sale.order"]
        for fname in ("credit_line", "credit_available", "credit_exposure", "credit_grade_id"):
            self.assertEqual(Order._customer_mirror_path(fname), "partner_id")
        self.assertIsNone(Order._customer_mirror_path("name"))
        # Related fields through a partner are found from their path.
        self.assertEqual(self.env["mail.followers"]._customer_mirror_path("email"), "partner_id")
        for user, order in ((self.sales_owner, self.owner_order), (self.sales_internal, self.own_order)):
            for mirror in ("credit_line", "credit_available", "credit_exposure", "credit_grade_id/code"):
                with self.assertRaises(AccessError):
                    order.with_user(user).export_data(["name", mirror])
            self.assertEqual(order.with_user(user).export_data(["name"])["datas"], [[order.name]])
        result = self.owner_order.with_user(self.sales_secret).export_data(["name", "credit_line"])
        self.assertEqual(result["datas"][0][1], 7777)
        self._grant(self.sales_owner, "copy")
        result = self.owner_order.with_user(self.sales_owner).export_data(["name", "credit_line"])
        self.assertEqual(result["datas"][0][1], 7777)

    def test_owner_needs_grant_custodian_exports_freely(self):
        # Holding the customer as salesperson gives reading, not copying.
        with self.assertRaises(AccessError):
            self.secret_customer.with_user(self.sales_owner).export_data(["name"])
        # Within the clearance: no grant needed.
        self.secret_customer.with_user(self.sales_secret).export_data(["name"])
        custodian = new_user(
            self.env,
            "ccm_export_custodian",
            "base.group_allow_export,customer_credit_management.group_customer_data_custodian",
        )
        result = self.secret_customer.with_user(custodian).export_data(["name", "vat", "email"])
        self.assertEqual(result["datas"][0][0], "Zircon Secret Industries")
        self.assertRecordValues(
            self._log(custodian, "export"), [{"export_record_count": 1, "export_field_count": 3}]
        )
