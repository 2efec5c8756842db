"""Confirmation is a state, not a button: every way an order becomes or stays confirmed goes
through the credit check, tried over XML-RPC and JSON-RPC by a plain salesperson."""

import xmlrpc.client

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import EnforcingHttpCase, jsonrpc_execute, new_user, xmlrpc_execute


@tagged("post_install", "-at_install")
class TestCreditEnforcementStateRpc(EnforcingHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesperson = new_user(
            cls.env, "ccm_state_seller", "base.group_user,sales_team.group_sale_salesman"
        )
        cls.customer = cls.env["res.partner"].create({"name": "State Credit Customer", "is_company": True})
        cls.customer.write({"credit_limit_manual": True, "credit_limit_manual_base": 5000})
        cls.product = cls.env["product.product"].create(
            {"name": "State widget", "type": "consu", "list_price": 4000, "taxes_id": [Command.clear()]}
        )

    def setUp(self):
        super().setUp()
        self.assertEqual(self.customer.credit_line, 5000)

    def call(self, model, method, *args, **kwargs):
        return xmlrpc_execute(self, self.salesperson, model, method, args, kwargs)

    def refused(self, pattern, model, method, *args, **kwargs):
        """The call over XML-RPC fails with a message matching ``pattern``."""
        with self.assertRaises(xmlrpc.client.Fault) as caught:
            self.call(model, method, *args, **kwargs)
        self.assertRegex(caught.exception.faultString, pattern)
        self.env.invalidate_all()

    def jsonrpc(self, model, method, *args):
        response = jsonrpc_execute(self, self.salesperson, model, method, args)
        self.env.invalidate_all()
        return response

    def order_vals(self, *prices, **extra):
        return {
            "partner_id": self.customer.id,
            "order_line": [
                (0, 0, {"product_id": self.product.id, "price_unit": price, "tax_id": [(5, 0, 0)]})
                for price in prices
            ],
            **extra,
        }

    def new_order(self, *prices, confirm=False):
        order = self.env["sale.order"].browse(self.call("sale.order", "create", self.order_vals(*prices)))
        if confirm:
            self.call("sale.order", "action_confirm", [order.id])
            self.env.invalidate_all()
            self.assertEqual(order.state, "sale")
        return order

    def customer_orders(self):
        return self.env["sale.order"].search([("partner_id", "=", self.customer.id)])

    def test_every_way_to_the_sale_state_is_checked(self):
        self.refused("exceeds the credit line", "sale.order", "create", self.order_vals(10000, state="sale"))
        self.assertFalse(self.customer_orders(), "nothing was created")

        order = self.new_order(10000)
        self.refused("exceeds the credit line", "sale.order", "write", [order.id], {"state": "sale"})
        self.assertEqual(order.state, "draft")
        response = self.jsonrpc("sale.order", "write", [order.id], {"state": "sale"})
        self.assertIn("exceeds the credit line", response["error"]["data"]["message"])
        self.assertEqual(order.state, "draft")

        self.refused("exceeds the credit line", "sale.order", "copy", [order.id], default={"state": "sale"})
        self.assertEqual(self.customer_orders(), order, "no confirmed copy")

        result = self.call(
            "sale.order",
            "load",
            ["partner_id/.id", "state", "order_line/product_id/.id", "order_line/price_unit"],
            [[str(self.customer.id), "sale", str(self.product.id), "10000"]],
        )
        self.assertFalse(result["ids"])
        self.assertIn("exceeds the credit line", result["messages"][0]["message"])
        self.env.invalidate_all()
        self.assertEqual(self.customer_orders(), order, "no confirmed import")

        # Not a blanket refusal: within the line the same paths confirm, once the check passed.
        within = self.env["sale.order"].browse(
            self.call("sale.order", "create", self.order_vals(3000, state="sale"))
        )
        self.assertEqual(within.state, "sale")
        small = self.new_order(1000)
        self.call("sale.order", "write", [small.id], {"state": "sale"})
        self.env.invalidate_all()
        self.assertEqual(small.state, "sale")
        # The line is now used: the next order over the rest is refused on every path.
        self.refused("exceeds the credit line", "sale.order", "copy", [within.id], default={"state": "sale"})

    def test_on_hold_refuses_the_state_write(self):
        self.customer.action_credit_hold()
        order = self.new_order(10)
        self.refused("on credit hold", "sale.order", "write", [order.id], {"state": "sale"})
        self.refused("on credit hold", "sale.order", "create", self.order_vals(10, state="sale"))
        self.assertEqual(order.state, "draft")

    def test_computed_amounts_cannot_be_forged(self):
        order = self.new_order(10000)
        line = order.order_line
        for model, record, vals in (
            ("sale.order", order, {"amount_total": 1}),
            ("sale.order", order, {"amount_untaxed": 1}),
            ("sale.order", order, {"amount_tax": -9999}),
            ("sale.order", order, {"currency_rate": 1e9}),
            ("sale.order", order, {"order_line": [(1, line.id, {"price_total": 1})]}),
            ("sale.order.line", line, {"price_total": 1}),
            ("sale.order.line", line, {"price_subtotal": 1}),
            ("sale.order.line", line, {"qty_invoiced": 1}),
            ("sale.order.line", line, {"state": "sale"}),
        ):
            with self.subTest(model=model, vals=vals):
                self.refused("computed and cannot be set", model, "write", [record.id], vals)
        self.refused(
            "computed and cannot be set", "sale.order", "create", self.order_vals(10000, amount_total=1)
        )
        self.refused(
            "computed and cannot be set",
            "sale.order",
            "copy",
            [order.id],
            default={"currency_rate": 1e9},
        )
        self.refused(
            "computed and cannot be set",
            "sale.order.line",
            "create",
            {"order_id": order.id, "product_id": self.product.id, "price_unit": 1, "price_total": -10000},
        )
        self.assertEqual(order.amount_total, 10000)
        self.assertEqual(order.currency_rate, 1.0)
        self.refused("exceeds the credit line", "sale.order", "action_confirm", [order.id])
        self.assertEqual(order.state, "draft")

    def test_figures_must_be_finite(self):
        order = self.new_order(100)
        line = order.order_line
        for vals in (
            {"price_unit": float("nan")},
            {"product_uom_qty": float("inf")},
            {"discount": float("-inf")},
        ):
            with self.subTest(vals=vals):
                response = self.jsonrpc("sale.order.line", "write", [line.id], vals)
                self.assertIn("must be a finite number", response["error"]["data"]["message"])
                self.assertEqual(response["error"]["data"]["name"], "odoo.exceptions.ValidationError")
        self.refused("must be a finite number", "sale.order", "create", self.order_vals(float("nan")))
        self.assertEqual(order.amount_total, 100)

    def test_confirmed_order_cannot_grow_beyond_the_line(self):
        order = self.new_order(4000, confirm=True)
        line = order.order_line
        self.refused(
            "exceeds the credit line", "sale.order.line", "write", [line.id], {"product_uom_qty": 1000}
        )
        self.refused(
            "exceeds the credit line",
            "sale.order",
            "write",
            [order.id],
            {"order_line": [(1, line.id, {"price_unit": 4_000_000})]},
        )
        self.refused(
            "exceeds the credit line",
            "sale.order",
            "write",
            [order.id],
            {"order_line": [(0, 0, {"product_id": self.product.id, "price_unit": 2000, "tax_id": []})]},
        )
        self.refused(
            "exceeds the credit line",
            "sale.order.line",
            "create",
            {"order_id": order.id, "product_id": self.product.id, "price_unit": 2000, "tax_id": []},
        )
        self.assertEqual(order.amount_total, 4000)
        self.assertEqual(len(order.order_line), 1)

        # Confirmed as a +10,000/-10,000 pair, then the negative line zeroed.
        pair = self.new_order(10000, -10000, confirm=True)
        negative = pair.order_line.filtered(lambda sol: sol.price_unit < 0)
        self.refused(
            "exceeds the credit line", "sale.order.line", "write", [negative.id], {"product_uom_qty": 0}
        )
        self.refused("exceeds the credit line", "sale.order.line", "write", [negative.id], {"price_unit": 0})
        response = self.jsonrpc("sale.order.line", "write", [negative.id], {"discount": 100})
        self.assertIn("exceeds the credit line", response["error"]["data"]["message"])
        self.assertEqual(pair.amount_total, 0)

        # Nor moved to a customer whose line it does not fit.
        small_customer = self.env["res.partner"].create({"name": "Small Credit Customer", "is_company": True})
        small_customer.write({"credit_limit_manual": True, "credit_limit_manual_base": 100})
        self.refused(
            "exceeds the credit line", "sale.order", "write", [order.id], {"partner_id": small_customer.id}
        )
        self.assertEqual(order.partner_id, self.customer)

        # Lowering is always allowed; raising within the line too, as a whole change.
        self.call("sale.order.line", "write", [line.id], {"price_unit": 3000})
        self.call(
            "sale.order",
            "write",
            [order.id],
            {
                "order_line": [
                    (1, line.id, {"price_unit": 4500}),
                    (0, 0, {"product_id": self.product.id, "price_unit": 1000, "tax_id": []}),
                    (0, 0, {"product_id": self.product.id, "price_unit": -1000, "tax_id": []}),
                ]
            },
        )
        self.env.invalidate_all()
        self.assertEqual(order.amount_total, 4500)

        # On hold, a confirmed order may shrink but not grow.
        self.customer.action_credit_hold()
        self.refused("on credit hold", "sale.order.line", "write", [line.id], {"price_unit": 4501})
        self.call("sale.order.line", "write", [line.id], {"price_unit": 100})
        self.env.invalidate_all()
        self.assertEqual(order.amount_total, 100)

    def test_release_covers_its_amount_once(self):
        order = self.new_order(8000)
        self.refused("exceeds the credit line", "sale.order", "action_confirm", [order.id])
        request_id = self.call(
            "credit.release.request", "create", {"order_id": order.id, "reason": "Payment promised"}
        )
        request = self.env["credit.release.request"].browse(request_id)
        request.action_approve()
        self.call("sale.order", "action_confirm", [order.id])
        self.env.invalidate_all()
        self.assertEqual(order.state, "sale")
        self.assertEqual(request.state, "used")

        line = order.order_line
        self.refused("exceeds the credit line", "sale.order.line", "write", [line.id], {"price_unit": 100000})
        # Up to the approved amount, the release still covers its order.
        self.call("sale.order.line", "write", [line.id], {"price_unit": 6000})
        self.call("sale.order.line", "write", [line.id], {"price_unit": 8000})
        self.env.invalidate_all()
        self.assertEqual(order.amount_total, 8000)
        # It does not cover a copy or a second confirmation of its order.
        self.refused("exceeds the credit line", "sale.order", "copy", [order.id], default={"state": "sale"})

    def test_used_release_ships_only_the_approved_amount(self):
        order = self.new_order(8000)
        request_id = self.call(
            "credit.release.request", "create", {"order_id": order.id, "reason": "Payment promised"}
        )
        self.env["credit.release.request"].browse(request_id).action_approve()
        self.call("sale.order", "action_confirm", [order.id])
        self.env.invalidate_all()
        line = order.order_line
        # Raised to 100,000 while enforcement was off: the used release no longer ships it.
        self.company.credit_control_enabled = False
        self.call("sale.order.line", "write", [line.id], {"price_unit": 100000})
        self.company.credit_control_enabled = True
        self.env.invalidate_all()
        picking = order.picking_ids
        picking.move_ids.quantity = 1
        with self.assertRaisesRegex(UserError, "cannot be validated"):
            picking.button_validate()
        self.assertNotEqual(picking.state, "done")
        # Back within the approved amount, its goods ship though the customer is beyond the line.
        line.price_unit = 8000
        picking.button_validate()
        self.assertEqual(picking.state, "done")
