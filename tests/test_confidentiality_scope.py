from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, TransactionCase, tagged

from odoo.addons.customer_credit_management.models.confidentiality.customer_confidentiality_scope import (
    CONFIDENTIALITY_EXEMPT_MODELS,
    CREATOR_RULE_EXEMPT_WIZARDS,
)

from .common import ConfidentialityCommon, jsonrpc_execute, new_user


def customer_ruled_models(env):
    """Models with an active read rule on the customer's level, global or for every internal user
    (the rules of evaluations and release requests, which a named group, the credit managers,
    widens on purpose: deciding on them is their duty whatever the level)."""
    internal = env.ref("base.group_user")
    rules = (
        env["ir.rule"]
        .sudo()
        .search([("perm_read", "=", True), "|", ("global", "=", True), ("groups", "in", internal.ids)])
    )
    return {rule.model_id.model for rule in rules if "customer_access_ok" in (rule.domain_force or "")}


@tagged("post_install", "-at_install")
class TestConfidentialityScope(TransactionCase):
    def test_every_model_holding_customer_data_is_ruled_or_exempt(self):
        """Every model with a stored many2one to a customer, or to a record ruled by the customer's
        level, is ruled by the customer's level too or listed, with its reason, as exempt."""
        ruled = customer_ruled_models(self.env)
        self.assertTrue({"res.partner", "sale.order", "account.move", "stock.picking"} <= ruled)
        targets = ruled | {"res.partner"}
        missing = {}
        for name, model in self.env.registry.items():
            if model._abstract or name in ruled or name in CONFIDENTIALITY_EXEMPT_MODELS:
                continue
            links = [
                f"{field.name} -> {field.comodel_name}"
                for field in model._fields.values()
                if field.type == "many2one" and field.store and field.comodel_name in targets
            ]
            if links:
                missing[name] = links
        self.assertFalse(
            missing,
            "Rule these models by the customer's level, or list them with a reason in "
            "CONFIDENTIALITY_EXEMPT_MODELS",
        )
        self.assertFalse(ruled & CONFIDENTIALITY_EXEMPT_MODELS.keys(), "a ruled model is not exempt")
        self.assertTrue(all(reason.strip() for reason in CONFIDENTIALITY_EXEMPT_MODELS.values()))

    def test_every_wizard_holding_customer_data_is_its_creators(self):
        """A wizard (transient) linking a customer or a record ruled by the customer's level holds
        what its creator computed or typed about it: only its creator reads it, by a global rule
        (Odoo 18 has none of its own), or it is listed with its reason."""
        targets = customer_ruled_models(self.env) | {"res.partner"}
        rules = self.env["ir.rule"].sudo().search([("global", "=", True), ("perm_read", "=", True)])
        creator_only = {
            rule.model_id.model
            for rule in rules
            if "".join((rule.domain_force or "").split()) == "[('create_uid','=',user.id)]"
        }
        missing = (
            {
                name
                for name, model in self.env.registry.items()
                if model._transient
                and name != "res.config.settings"
                and any(
                    field.type in ("many2one", "many2many") and field.store and field.comodel_name in targets
                    for field in model._fields.values()
                )
            }
            - creator_only
            - CREATOR_RULE_EXEMPT_WIZARDS.keys()
        )
        self.assertFalse(missing, "Rule these wizards by their creator (security/wizard_rules.xml)")
        self.assertIn("credit.aging.wizard", creator_only)


@tagged("post_install", "-at_install")
class TestConfidentialityRecords(ConfidentialityCommon):
    """Lines, deliveries, bank accounts and the customer file's logs follow the customer: the
    salesperson reads every order ("All Documents"), only the level hides them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stock_user = new_user(cls.env, "ccm_conf_stock", "stock.group_stock_user")
        picking_type = cls.env.ref("stock.picking_type_out")
        cls.secret_picking = cls._picking(cls.secret_contact, picking_type)
        cls.plain_picking = cls._picking(cls.internal_customer, picking_type)

    @classmethod
    def _picking(cls, partner, picking_type):
        picking = cls.env["stock.picking"].create(
            {
                "partner_id": partner.id,
                "picking_type_id": picking_type.id,
                "location_id": picking_type.default_location_src_id.id,
                "location_dest_id": cls.env.ref("stock.stock_location_customers").id,
                "move_ids": [
                    Command.create(
                        {
                            "name": cls.product.name,
                            "product_id": cls.product.id,
                            "product_uom_qty": 1,
                            "location_id": picking_type.default_location_src_id.id,
                            "location_dest_id": cls.env.ref("stock.stock_location_customers").id,
                        }
                    )
                ],
            }
        )
        picking.action_confirm()
        picking.action_assign()
        return picking

    def _hidden(self, user, records):
        """``records`` are neither found nor read by ``user``."""
        Model = self.env[records._name].with_user(user)
        self.assertFalse(Model.search([("id", "in", records.ids)]), records._name)
        self.assertFalse(Model.search_count([("id", "in", records.ids)]), records._name)
        with self.assertRaises(AccessError, msg=records._name):
            records.with_user(user).read(["display_name"])

    def test_order_lines_and_sales_analysis(self):
        sales = self.sales_internal
        self._hidden(sales, self.owner_order.order_line)
        self.assertEqual(
            self.env["sale.order.line"]
            .with_user(sales)
            .search([("order_partner_id", "=", self.secret_customer.id)]),
            self.own_order.order_line,
        )
        Report = self.env["sale.report"].with_user(sales)
        rows = Report.search_read([("partner_id", "=", self.secret_customer.id)], ["user_id"])
        self.assertEqual({row["user_id"][0] for row in rows}, {sales.id})
        # Grouped by customer, the Secret customer counts their own order only.
        groups = Report.read_group(
            [("partner_id", "=", self.secret_customer.id)], ["nbr:sum"], ["partner_id"]
        )
        self.assertEqual([group["nbr"] for group in groups], [1])
        # Cleared for Secret: both orders.
        rows = (
            self.env["sale.report"]
            .with_user(self.sales_secret)
            .search([("partner_id", "=", self.secret_customer.id)])
        )
        self.assertEqual(len(rows), 2)

    def test_cannot_create_quotation_for_unreadable_customer(self):
        Order = self.env["sale.order"].with_user(self.sales_internal)
        with self.assertRaises(AccessError):
            Order.create({"partner_id": self.secret_customer.id, "user_id": self.sales_internal.id})
        with self.assertRaises(AccessError):
            Order.create({"partner_id": self.secret_contact.id})
        # Nor move one of their orders to it.
        order = Order.create({"partner_id": self.internal_customer.id})
        with self.assertRaises(AccessError):
            order.write({"partner_id": self.secret_customer.id})
        # Their own order for that customer still opens, and a readable customer is fine.
        self.assertEqual(Order.browse(self.own_order.id).partner_id, self.secret_customer)
        self.assertTrue(Order.create({"partner_id": self.internal_customer.id}))
        self.assertTrue(
            self.env["sale.order"].with_user(self.sales_owner).create({"partner_id": self.secret_customer.id})
        )

    def test_deliveries_moves_and_move_lines(self):
        self.assertTrue(self.secret_picking.move_ids.move_line_ids, "reserved: move lines exist")
        stock = self.stock_user
        self._hidden(stock, self.secret_picking)
        self._hidden(stock, self.secret_picking.move_ids)
        self._hidden(stock, self.secret_picking.move_ids.move_line_ids)
        Picking = self.env["stock.picking"].with_user(stock)
        self.assertEqual(
            Picking.search([("id", "in", (self.secret_picking + self.plain_picking).ids)]), self.plain_picking
        )
        self.assertEqual(
            self.env["stock.move"].with_user(stock).search([("product_id", "=", self.product.id)]),
            self.plain_picking.move_ids,
        )
        # The transfer's responsible still reads it; so does a user cleared for Secret.
        self.secret_picking.user_id = stock
        self.assertEqual(Picking.search([("id", "=", self.secret_picking.id)]), self.secret_picking)
        self.assertTrue(self.secret_picking.move_ids.move_line_ids.with_user(stock).read(["quantity"]))

    def test_bank_accounts_and_customer_file_logs(self):
        bank = self.env["res.partner.bank"].create(
            {"acc_number": "ZIRCON-001", "partner_id": self.secret_customer.id}
        )
        change = self.env["customer.major.change"].create(
            {"partner_id": self.secret_customer.id, "description": "New owner"}
        )
        feedback = self.env["customer.feedback"].create({"partner_id": self.secret_contact.id})
        for records in (bank, change, feedback):
            self._hidden(self.sales_internal, records)
            self.assertEqual(records.with_user(self.sales_secret).read(["id"])[0]["id"], records.id)
        # The company's own bank accounts stay readable.
        company_bank = self.env["res.partner.bank"].create(
            {"acc_number": "ZIRCON-COMPANY", "partner_id": self.env.company.partner_id.id}
        )
        self.assertTrue(company_bank.with_user(self.sales_internal).read(["acc_number"]))


@tagged("post_install", "-at_install")
class TestConfidentialityScopeRpc(ConfidentialityCommon, HttpCase):
    def _jsonrpc(self, user, model, method, *args, **kwargs):
        return jsonrpc_execute(self, user, model, method, args, kwargs)

    def test_jsonrpc_lines_and_quotation(self):
        sales = self.sales_internal
        found = self._jsonrpc(
            sales, "sale.order.line", "search_read", [("order_id", "=", self.owner_order.id)], fields=["name"]
        )
        self.assertEqual(found["result"], [])
        read = self._jsonrpc(
            sales, "sale.order.line", "read", self.owner_order.order_line.ids, ["price_unit"]
        )
        self.assertIn("error", read)
        created = self._jsonrpc(
            sales, "sale.order", "create", {"partner_id": self.secret_customer.id, "user_id": sales.id}
        )
        self.assertIn("error", created)
        self.assertFalse(
            self.env["sale.order"].search_count(
                [
                    ("partner_id", "=", self.secret_customer.id),
                    ("user_id", "=", sales.id),
                    ("id", "!=", self.own_order.id),
                ]
            )
        )
