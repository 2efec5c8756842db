import base64
import io
from datetime import date, datetime, timedelta

import openpyxl
from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

from .common import new_user

TODAY = date(2026, 3, 31)


@tagged("post_install", "-at_install")
class TestCustomerExportAging(AccountTestInvoicingCommon):
    """The aging XLSX is an export of customer data: same control as the list export."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, allowed_company_ids=cls.env.company.ids))
        cls.accountant = new_user(
            cls.env, "ccm_export_aging_accountant", "account.group_account_invoice", cls.env.company
        )
        cls.secret = cls.env["res.partner"].create({"name": "Aging Secret Customer", "is_company": True})
        cls.init_invoice("out_invoice", cls.secret, TODAY - timedelta(days=40), amounts=[100.0], post=True)
        secret_level = cls.env.ref("customer_credit_management.confidentiality_level_secret")
        cls.secret.sudo().confidentiality_level_proposed_id = secret_level
        cls.secret.sudo().action_approve_confidentiality_level()

    def _export(self):
        wizard = self.env["credit.aging.wizard"].with_user(self.accountant).create({"date_as_of": TODAY})
        self.exported = wizard
        return wizard.action_export_xlsx()

    def _exported_customers(self):
        workbook = openpyxl.load_workbook(
            io.BytesIO(base64.b64decode(self.exported.xlsx_file)), read_only=True
        )
        return [row[0] for row in workbook["Summary"].iter_rows(values_only=True)]

    @freeze_time(TODAY)
    def test_aging_xlsx_needs_export_grant(self):
        # Without a grant the customer is not exported: left out, as on the screen.
        self._export()
        self.assertNotIn("Aging Secret Customer", self._exported_customers())
        self.assertIn("1 customers above your clearance left out", self._exported_customers())
        grant = (
            self.env["customer.access.grant"]
            .sudo()
            .create(
                {
                    "user_id": self.accountant.id,
                    "partner_ids": [Command.set(self.secret.ids)],
                    "grant_type": "copy",
                    "date_start": datetime(2026, 3, 31, 0, 0),
                    "date_end": datetime(2026, 4, 1, 0, 0),
                }
            )
        )
        self.assertIn("download=true", self._export()["url"])
        self.assertIn("Aging Secret Customer", self._exported_customers())
        log = (
            self.env["customer.access.log"]
            .sudo()
            .search([("user_id", "=", self.accountant.id), ("action", "=", "export")])
        )
        self.assertRecordValues(
            log, [{"partner_id": self.secret.id, "grant_id": grant.id, "export_record_count": 1}]
        )
