from xmlrpc.client import Fault

from odoo import Command
from odoo.tests import HttpCase, tagged
from odoo.tests.common import JsonRpcException

from .common import ConfidentialityCommon, jsonrpc_execute, new_user, xmlrpc_execute


@tagged("post_install", "-at_install")
class TestConfidentialityRpc(ConfidentialityCommon, HttpCase):
    """The rules hold through the external APIs of the running server."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = new_user(
            cls.env,
            "ccm_conf_rpc_admin",
            "base.group_system,customer_credit_management.group_customer_data_custodian",
        )

    def _xmlrpc(self, user, model, method, *args, **kwargs):
        return xmlrpc_execute(self, user, model, method, args, kwargs)

    def _jsonrpc(self, user, model, method, *args):
        return jsonrpc_execute(self, user, model, method, args)

    def test_xmlrpc_internal_salesperson(self):
        sales = self.sales_internal
        found = self._xmlrpc(
            sales, "res.partner", "search_read", [("name", "ilike", "Zircon")], fields=["name"]
        )
        self.assertEqual([row["name"] for row in found], ["Zircon Plain Trading"])
        self.assertFalse(self._xmlrpc(sales, "res.partner", "name_search", "Zircon Secret"))
        groups = self._xmlrpc(
            sales, "res.partner", "read_group", [("name", "ilike", "Zircon Secret")], ["name"], ["name"]
        )
        self.assertFalse(groups)
        with self.assertRaises(Fault):
            self._xmlrpc(sales, "res.partner", "read", [self.secret_customer.id], ["name"])
        with self.assertRaises(Fault):
            self._xmlrpc(sales, "res.partner", "export_data", [self.secret_customer.id], ["name"])
        with self.assertRaises(Fault):
            self._xmlrpc(sales, "sale.order", "read", [self.owner_order.id], ["name"])
        # Their own order for that customer still reads.
        own = self._xmlrpc(sales, "sale.order", "read", [self.own_order.id], ["name", "partner_id"])
        self.assertEqual(own[0]["partner_id"][0], self.secret_customer.id)
        # A user cleared for Secret reads it.
        rows = self._xmlrpc(self.sales_secret, "res.partner", "read", [self.secret_customer.id], ["name"])
        self.assertEqual(rows[0]["name"], "Zircon Secret Industries")

    def test_jsonrpc_internal_salesperson(self):
        count = self._jsonrpc(
            self.sales_internal, "res.partner", "search_count", [("id", "=", self.secret_customer.id)]
        )
        self.assertEqual(count["result"], 0)
        read = self._jsonrpc(self.sales_internal, "res.partner", "read", [self.secret_contact.id], ["name"])
        self.assertIn("error", read)
        count = self._jsonrpc(
            self.sales_secret, "res.partner", "search_count", [("id", "=", self.secret_contact.id)]
        )
        self.assertEqual(count["result"], 1)

    def test_rpc_customer_data_through_orders_and_followers(self):
        """Over XML-RPC (a request per call), as a role-only salesperson: an onchange naming a
        customer above the clearance shows none of its credit, its follower rows are not read, and
        an order's fields mirroring it are not exported."""
        self.env.company.credit_default_risk_factor = 1.0
        self.secret_customer.write(
            {
                "email": "ceo@zircon-secret.example",
                "credit_limit_manual": True,
                "credit_limit_manual_base": 7777,
            }
        )
        self.owner_order.message_subscribe(partner_ids=self.secret_customer.ids)
        seller = new_user(self.env, "ccm_conf_rpc_seller", "sales_team.group_sale_salesman")
        order = self._order(seller, partner=self.internal_customer)
        values = {"partner_id": self.secret_customer.id, "state": "sent"}
        spec = {"credit_line": {}, "credit_available": {}, "credit_grade_id": {}}
        result = self._xmlrpc(seller, "sale.order", "onchange", order.ids, values, ["state"], spec)
        self.assertNotIn("7777", str(result))
        self.assertFalse(self.env["customer.access.log"].search([("user_id", "=", seller.id)]))
        rows = self._xmlrpc(
            seller, "mail.followers", "search_read", [("partner_id", "=", self.secret_customer.id)], ["email"]
        )
        self.assertEqual(rows, [])
        with self.assertRaises(Fault) as caught:
            self._xmlrpc(
                self.sales_owner, "sale.order", "export_data", self.owner_order.ids, ["name", "credit_line"]
            )
        self.assertIn("above your clearance", caught.exception.faultString)

    def test_rpc_web_read_of_several_ids_is_logged(self):
        spec = {"display_name": {}, "email": {}, "customer_legal_representative": {}}
        ids = (self.secret_customer | self.internal_customer).ids
        rows = self._xmlrpc(self.sales_owner, "res.partner", "web_read", ids, spec)
        self.assertEqual(len(rows), 2)
        entries = self.env["customer.access.log"].search(
            [("user_id", "=", self.sales_owner.id), ("partner_id", "=", self.secret_customer.id)]
        )
        self.assertEqual(entries.mapped("action"), ["open"])

    def test_rpc_access_log_append_only(self):
        self.secret_customer.with_user(self.sales_secret).web_read({"name": {}})
        entry = self.env["customer.access.log"].search([("user_id", "=", self.sales_secret.id)])
        self.assertEqual(len(entry), 1)
        with self.assertRaises(Fault):
            self._xmlrpc(self.admin, "customer.access.log", "write", entry.ids, {"action": "print"})
        with self.assertRaises(Fault):
            self._xmlrpc(self.admin, "customer.access.log", "unlink", entry.ids)
        result = self._jsonrpc(self.admin, "customer.access.log", "unlink", entry.ids)
        self.assertIn("error", result)
        self.assertTrue(entry.exists())

    def test_web_client_form_and_list_log(self):
        """The web client's own calls: a form opening logs once, a list view does not."""
        self.authenticate(self.sales_secret.login, self.sales_secret.login)
        spec = {"display_name": {}, "name": {}, "confidentiality_level_id": {"fields": {"display_name": {}}}}

        def web_read():
            return self.make_jsonrpc_request(
                "/web/dataset/call_kw/res.partner/web_read",
                {
                    "model": "res.partner",
                    "method": "web_read",
                    "args": [[self.secret_customer.id]],
                    "kwargs": {"specification": spec},
                },
            )

        self.make_jsonrpc_request(
            "/web/dataset/call_kw/res.partner/web_search_read",
            {
                "model": "res.partner",
                "method": "web_search_read",
                "args": [],
                "kwargs": {"domain": [("name", "ilike", "Zircon")], "specification": spec},
            },
        )
        Log = self.env["customer.access.log"]
        self.assertFalse(Log.search([("user_id", "=", self.sales_secret.id)]))
        web_read()
        entry = Log.search([("user_id", "=", self.sales_secret.id)])
        self.assertEqual((len(entry), entry.action, entry.partner_id), (1, "open", self.secret_customer))
        # The Internal salesperson's client gets an access error, and no entry is made.
        self.authenticate(self.sales_internal.login, self.sales_internal.login)
        with self.assertRaisesRegex(JsonRpcException, "AccessError"):
            web_read()
        self.assertFalse(Log.search([("user_id", "=", self.sales_internal.id)]))

    def test_portal_page_only_for_a_readable_customer(self):
        """A document's portal page shows its customer's address as superuser: an internal user
        opens it (its preview, or its link with the token) only for a customer they may read,
        and the opening is logged."""
        self.secret_customer.write({"street": "7 Hidden Quay", "email": "board@zircon-secret.example"})
        self.internal_customer.street = "1 Open Road"
        self.own_order.action_quotation_sent()
        self.authenticate(self.sales_internal.login, self.sales_internal.login)
        for url in (f"/my/orders/{self.own_order.id}", self.own_order.get_portal_url()):
            response = self.url_open(url)
            self.assertNotIn("Hidden Quay", response.text)
            self.assertNotIn("zircon-secret", response.text)
        plain = self._order(self.sales_internal, partner=self.internal_customer)
        plain.action_quotation_sent()
        self.assertIn("1 Open Road", self.url_open(plain.get_portal_url()).text)
        # A user cleared for the customer opens it; the opening is logged.
        self.authenticate(self.sales_secret.login, self.sales_secret.login)
        self.assertIn("Hidden Quay", self.url_open(f"/my/orders/{self.owner_order.id}").text)
        entry = self.env["customer.access.log"].search([("user_id", "=", self.sales_secret.id)])
        self.assertEqual(
            (entry.action, entry.res_model, entry.res_id), ("open", "sale.order", self.owner_order.id)
        )
        # Every customer the page names: an order of a readable customer, invoiced and delivered
        # to the hidden one, shows their address.
        shipped = (
            self.env(user=self.sales_internal)["sale.order"]
            .create(
                {
                    "partner_id": self.internal_customer.id,
                    "partner_invoice_id": self.secret_customer.id,
                    "partner_shipping_id": self.secret_customer.id,
                    "order_line": [Command.create({"product_id": self.product.id, "product_uom_qty": 1})],
                }
            )
            .with_env(self.env)
        )
        shipped.action_quotation_sent()
        self.assertIn("Hidden Quay", self.url_open(f"/my/orders/{shipped.id}").text)
        self.authenticate(self.sales_internal.login, self.sales_internal.login)
        text = self.url_open(f"/my/orders/{shipped.id}").text
        self.assertNotIn("Hidden Quay", text)
        self.assertNotIn("zircon-secret", text)

    def test_report_route_logs_print(self):
        """Printing through the report route (a read-only request) is logged, and refused when
        the customer is above the user's clearance."""
        self.authenticate(self.sales_secret.login, self.sales_secret.login)
        response = self.url_open(f"/report/html/sale.report_saleorder/{self.owner_order.id}")
        self.assertEqual(response.status_code, 200)
        entry = self.env["customer.access.log"].search([("user_id", "=", self.sales_secret.id)])
        self.assertEqual((len(entry), entry.action, entry.res_id), (1, "print", self.owner_order.id))
        self.authenticate(self.sales_internal.login, self.sales_internal.login)
        response = self.url_open(f"/report/html/sale.report_saleorder/{self.owner_order.id}")
        self.assertNotIn("Zircon Secret Industries", response.text)
