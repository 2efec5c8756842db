import json
from urllib.parse import quote
from xmlrpc.client import Fault

from odoo import Command
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common import ConfidentialityCommon, jsonrpc_execute, xmlrpc_execute

LEGAL_REPRESENTATIVE = "Ms Zircon Representative"
KEY_NOTES = "ZIRCON-KEY-NOTES"
# What a curious client asks of the customers of its own access request.
GREEDY_SPEC = {
    "display_name": {},
    "credit_line": {},
    "credit_limit": {},
    "customer_legal_representative": {},
    "customer_key_notes": {},
    "sale_order_ids": {"fields": {"name": {}, "amount_total": {}}},
}


@tagged("post_install", "-at_install")
class TestRpcCallerControls(ConfidentialityCommon, HttpCase):
    """What the caller sends (a field specification, a context key) never reads in sudo nor
    switches a check or a log off. The callers are plain salespeople at
    the default Internal clearance: ``sales_internal``, and ``sales_owner``, who reads the Secret
    customer as its salesperson but may not export it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.secret_customer.write(
            {
                "customer_legal_representative": LEGAL_REPRESENTATIVE,
                "customer_key_notes": KEY_NOTES,
                "email": "board@zircon.example",
                "street": "1 Zircon Road",
                "vat": "ZX123",
            }
        )

    def _execute(self, user, model, method, args, kwargs=None):
        """JSON-RPC ``execute_kw`` on the test server: (result, error message)."""
        with mute_logger("odoo.http"):
            response = jsonrpc_execute(self, user, model, method, args, kwargs)
        return response.get("result"), response.get("error", {}).get("data", {}).get("message")

    def _xmlrpc(self, user, model, method, args, kwargs=None):
        return xmlrpc_execute(self, user, model, method, args, kwargs)

    def _log(self, user, action, partner=None):
        return self.env["customer.access.log"].search(
            [
                ("user_id", "=", user.id),
                ("partner_id", "=", (partner or self.secret_customer).id),
                ("action", "=", action),
            ]
        )

    # ------------------------------------------------------------------ no sudo reads

    def test_access_request_shows_customers_by_name_only(self):
        request = (
            self.env["customer.access.request"]
            .with_user(self.sales_internal)
            .create(
                {
                    "partner_ids": [Command.set(self.secret_customer.ids)],
                    "purpose": "Yearly visit",
                    "request_type": "consult",
                }
            )
        )
        request.action_submit()
        name_only = [{"id": self.secret_customer.id, "display_name": "Zircon Secret Industries"}]
        spec = {"name": {}, "partner_ids": {"fields": GREEDY_SPEC}}
        rows, error = self._execute(
            self.sales_internal, "customer.access.request", "web_read", [request.ids, spec]
        )
        self.assertFalse(error)
        self.assertEqual(rows[0]["partner_ids"], name_only)
        # The list view's path, and the same through XML-RPC.
        found, error = self._execute(
            self.sales_internal,
            "customer.access.request",
            "web_search_read",
            [[("id", "=", request.id)], spec],
        )
        self.assertFalse(error)
        self.assertEqual(found["records"][0]["partner_ids"], name_only)
        rows = self._xmlrpc(self.sales_internal, "customer.access.request", "web_read", [request.ids, spec])
        self.assertEqual(rows[0]["partner_ids"], name_only)
        text = json.dumps(rows) + json.dumps(found)
        for secret in (LEGAL_REPRESENTATIVE, KEY_NOTES, self.own_order.name, "credit_line"):
            self.assertNotIn(secret, text)
        # The rest of the specification is read as the caller: a related path into the customer
        # (here through the requester's own partner) follows the caller's rights.
        rows = self._xmlrpc(
            self.sales_internal,
            "customer.access.request",
            "web_read",
            [request.ids, {"requester_id": {"fields": {"display_name": {}}}}],
        )
        self.assertEqual(rows[0]["requester_id"]["id"], self.sales_internal.id)
        # The caller's context does not make the names in sudo say more.
        show_more = {"context": {"show_address": True, "show_email": True, "show_vat": True}}
        rows = self._xmlrpc(
            self.sales_internal, "customer.access.request", "web_read", [request.ids, spec], show_more
        )
        self.assertEqual(rows[0]["partner_ids"], name_only)
        # Nor the exact-name lookup of the request form.
        found = self._xmlrpc(
            self.sales_internal,
            "res.partner",
            "name_search",
            ["Zircon Secret Industries"],
            {"context": dict(show_more["context"], customer_access_request_lookup=True)},
        )
        self.assertEqual(found, [[self.secret_customer.id, "Zircon Secret Industries"]])
        # Someone the request is not shown to gets nothing, not even the names.
        rows, error = self._execute(
            self.sales_secret,
            "customer.access.request",
            "web_read",
            [request.ids, {"partner_ids": {"fields": {"display_name": {}}}}],
        )
        self.assertIsNone(rows)
        self.assertIn("access", error.lower())

    def test_many2one_name_in_sudo_shows_the_name_only(self):
        """Odoo reads a many2one's name as superuser: the caller's display keys do not make it
        show the address, email or VAT of a customer the caller may not read."""
        show_more = {"show_address": True, "show_email": True, "show_vat": True}
        rows = self._xmlrpc(
            self.sales_internal,
            "sale.order",
            "read",
            [self.own_order.ids, ["partner_id"]],
            {"context": show_more},
        )
        self.assertEqual(rows[0]["partner_id"], [self.secret_customer.id, "Zircon Secret Industries"])
        spec = {"partner_id": {"fields": {"display_name": {}}, "context": show_more}}
        rows = self._xmlrpc(self.sales_internal, "sale.order", "web_read", [self.own_order.ids, spec])
        self.assertEqual(rows[0]["partner_id"]["display_name"], "Zircon Secret Industries")
        # Who reads the customer still gets what they ask for.
        rows = self._xmlrpc(self.sales_owner, "sale.order", "web_read", [self.owner_order.ids, spec])
        self.assertIn("1 Zircon Road", rows[0]["partner_id"]["display_name"])

    # ------------------------------------------------------------------ no context switch

    def test_rpc_context_does_not_skip_the_access_log(self):
        no_log = {"context": {"customer_access_no_log": True}}
        spec = {"display_name": {}, "customer_legal_representative": {}}
        rows, error = self._execute(
            self.sales_owner, "res.partner", "web_read", [self.secret_customer.ids, spec], no_log
        )
        self.assertFalse(error)
        self.assertEqual(rows[0]["customer_legal_representative"], LEGAL_REPRESENTATIVE)
        self.assertEqual(len(self._log(self.sales_owner, "open")), 1)
        rows, error = self._execute(
            self.sales_owner, "sale.order", "web_read", [self.owner_order.ids, {"name": {}}], no_log
        )
        self.assertFalse(error)
        entry = self._log(self.sales_owner, "document")
        self.assertEqual((len(entry), entry.res_id), (1, self.owner_order.id))

    def test_report_html_context_parameter_does_not_skip_the_log(self):
        self.authenticate(self.sales_owner.login, self.sales_owner.login)
        context = quote(json.dumps({"customer_access_no_log": True}))
        url = f"/report/html/sale.report_saleorder/{self.owner_order.id}?context={context}"
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        entry = self._log(self.sales_owner, "print")
        self.assertEqual((len(entry), entry.res_id), (1, self.owner_order.id))
        # The context parameter does not skip the check either.
        self.authenticate(self.sales_internal.login, self.sales_internal.login)
        with mute_logger("odoo.http"):
            response = self.url_open(url)
        self.assertNotEqual(response.status_code, 200)
        self.assertNotIn("Zircon Secret Industries", response.text)

    def test_report_text_is_checked_and_logged(self):
        self.authenticate(self.sales_internal.login, self.sales_internal.login)
        with mute_logger("odoo.http", "odoo.addons.base.models.ir_qweb"):
            response = self.url_open(f"/report/text/sale.report_saleorder/{self.owner_order.id}")
        self.assertNotEqual(response.status_code, 200)
        self.assertNotIn("Zircon Secret Industries", response.text)
        self.authenticate(self.sales_owner.login, self.sales_owner.login)
        response = self.url_open(f"/report/text/sale.report_saleorder/{self.owner_order.id}")
        self.assertEqual(response.status_code, 200)
        entry = self._log(self.sales_owner, "print")
        self.assertEqual((len(entry), entry.res_id), (1, self.owner_order.id))

    def test_export_through_a_document_follows_the_customer_export(self):
        """Reading a customer as its salesperson is no right to export it, through its orders
        neither; the order's own fields and the customer's identifiers export as before."""
        user = self.sales_owner
        for path in ("partner_id/credit_line", "partner_id/customer_legal_representative", "partner_id/vat"):
            # Not assertRaises: its savepoint would roll back the refusal's log entry too.
            try:
                self._xmlrpc(user, "sale.order", "export_data", [self.owner_order.ids, ["name", path]])
            except Fault as fault:
                self.assertIn("above your clearance", fault.faultString)
                self.assertNotIn(LEGAL_REPRESENTATIVE, fault.faultString)
            else:
                self.fail(f"{path} of a Secret customer exported without a grant")
        self.assertEqual(len(self._log(user, "export_refused")), 3)
        result = self._xmlrpc(
            user,
            "sale.order",
            "export_data",
            [self.owner_order.ids, ["name", "partner_id", "partner_id/id", "partner_id/.id"]],
        )
        self.assertEqual(result["datas"][0][0], self.owner_order.name)
        self.assertRecordValues(
            self._log(user, "export"), [{"export_record_count": 1, "export_field_count": 4}]
        )
        # Through the order lines too, and from a contact to its company.
        with self.assertRaises(Fault):
            self._xmlrpc(
                user,
                "sale.order.line",
                "export_data",
                [self.owner_order.order_line.ids, ["order_partner_id/customer_key_notes"]],
            )
        with self.assertRaises(Fault):
            self._xmlrpc(
                user,
                "res.partner",
                "export_data",
                [[self.secret_contact.id], ["parent_id/customer_legal_representative"]],
            )

    def test_export_counts_come_from_the_export(self):
        context = {"context": {"customer_export_counts": [999, 999]}}
        self._xmlrpc(self.sales_owner, "sale.order", "export_data", [self.owner_order.ids, ["name"]], context)
        self.assertRecordValues(
            self._log(self.sales_owner, "export"), [{"export_record_count": 1, "export_field_count": 1}]
        )

    def test_no_context_key_skips_the_directors_todo(self):
        customer = self.internal_customer
        self._xmlrpc(
            self.custodian,
            "res.partner",
            "write",
            [customer.ids, {"confidentiality_level_proposed_id": self.level_secret.id}],
            {"context": {"confidentiality_no_approval_todo": True}},
        )
        activity_type = self.env.ref("customer_credit_management.mail_activity_type_confidentiality_level")
        todo = customer.activity_ids.filtered(lambda a: a.activity_type_id == activity_type)
        self.assertIn(self.director, todo.user_id)
