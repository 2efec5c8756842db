"""Huge finite figures (1e307) in the fields the credit computations read are refused with a
translated error, on every model (enumerated) and over RPC, never an OverflowError or an
infinite value in the database."""

import xmlrpc.client

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase, tagged

from ..models.evaluation.credit_indicators import MAX_FIGURE
from ..models.figure_bounds import MODULE, OWN_CHECK, bounded_figure, check_figures
from .common import EnforcingHttpCase, jsonrpc_execute, new_role_users, xmlrpc_execute

OUT_OF_RANGE = "must be a finite number of at most"
HUGE = 1e307


@tagged("post_install", "-at_install")
class TestFigureBoundsEnumeration(TransactionCase):
    def bounded(self):
        return {
            (model_name, fname)
            for model_name in self.env.registry
            for fname in self.env[model_name]._fields
            if bounded_figure(self.env[model_name], fname)
        }

    def test_every_figure_is_bounded(self):
        """Every float or monetary field of the module, and of what the check measures, is
        bounded: the next such field is too, without a list to keep."""
        bounded = self.bounded()
        for model_name in self.env.registry:
            for fname, field in self.env[model_name]._fields.items():
                if field.type in ("float", "monetary") and field._module == MODULE:
                    self.assertIn((model_name, fname), bounded | OWN_CHECK)
        for expected in (
            ("res.partner", "credit_limit_manual_base"),
            ("res.partner", "credit_limit"),
            ("res.partner", "credit_score"),
            ("res.partner", "customer_potential_demand"),
            ("credit.grade", "risk_factor"),
            ("res.company", "credit_default_risk_factor"),
            ("res.config.settings", "credit_default_risk_factor"),
            ("credit.reference.line", "low"),
            ("credit.reference.line", "weight"),
            ("customer.category.rule", "min_single_amount"),
            ("sale.order.line", "price_unit"),
            ("sale.order.line", "product_uom_qty"),
            ("sale.order.line", "discount"),
            ("sale.order.line", "qty_delivered"),
        ):
            self.assertIn(expected, bounded)
        for model_name, fname in bounded:
            model = self.env[model_name]
            for value in (HUGE, -HUGE, float("inf"), float("nan"), "1e307"):
                with self.subTest(model=model_name, field=fname, value=value):
                    with self.assertRaisesRegex(ValidationError, OUT_OF_RANGE):
                        check_figures(model, [{fname: value}])
            check_figures(model, [{fname: MAX_FIGURE}, {fname: -MAX_FIGURE}, {fname: 0}])

    def test_nothing_is_stored(self):
        """Through the ORM's write and create, nested lines included, for every caller."""
        customer = self.env["res.partner"].create({"name": "Bounds Customer", "is_company": True})
        with self.assertRaisesRegex(ValidationError, OUT_OF_RANGE):
            customer.write({"credit_limit_manual": True, "credit_limit_manual_base": HUGE})
        grade = self.env.ref("customer_credit_management.credit_grade_aa")
        with self.assertRaisesRegex(ValidationError, OUT_OF_RANGE):
            grade.write({"risk_factor": HUGE})
        with self.assertRaisesRegex(ValidationError, OUT_OF_RANGE):
            self.env.company.write({"credit_default_risk_factor": HUGE})
        with self.assertRaisesRegex(ValidationError, OUT_OF_RANGE):
            self.env["res.config.settings"].create({"credit_default_risk_factor": HUGE}).execute()
        product = self.env["product.product"].create({"name": "Bounds widget", "list_price": 10})
        with self.assertRaisesRegex(ValidationError, OUT_OF_RANGE):
            self.env["sale.order"].create(
                {
                    "partner_id": customer.id,
                    "order_line": [Command.create({"product_id": product.id, "product_uom_qty": HUGE})],
                }
            )
        self.assertLessEqual(grade.risk_factor, 1)
        self.assertLessEqual(self.env.company.credit_default_risk_factor, 1)

    def test_values_of_any_iterable(self):
        """Odoo's create takes any iterable of values, a generator too (Odoo's own tests pass
        them): the check reads it without using it up."""
        tags = self.env["account.account.tag"].create(
            {"name": f"Bounds tag {index}", "applicability": "taxes"} for index in range(2)
        )
        self.assertEqual(len(tags), 2)
        with self.assertRaisesRegex(ValidationError, OUT_OF_RANGE):
            self.env["credit.grade"].create(
                {"name": "Bounds grade", "code": "ZZ", "risk_factor": HUGE} for _index in range(1)
            )


@tagged("post_install", "-at_install")
class TestFigureBoundsRpc(EnforcingHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.users = new_role_users(cls.env, prefix="ccm_bounds")
        cls.customer = cls.env["res.partner"].create(
            {"name": "Bounds RPC Customer", "is_company": True, "user_id": cls.users["salesperson"].id}
        )
        cls.product = cls.env["product.product"].create(
            {"name": "Bounds RPC widget", "list_price": 10, "taxes_id": [Command.clear()]}
        )

    def refused(self, role, model, method, *args):
        with self.assertRaises(xmlrpc.client.Fault) as caught:
            xmlrpc_execute(self, self.users[role], model, method, args)
        self.assertIn(OUT_OF_RANGE, caught.exception.faultString)
        self.assertNotIn("OverflowError", caught.exception.faultString)
        self.env.invalidate_all()

    def test_credit_manager_figures(self):
        self.refused(
            "credit_manager",
            "res.partner",
            "write",
            [self.customer.id],
            {"credit_limit_manual": True, "credit_limit_manual_base": HUGE},
        )
        grade = self.env.ref("customer_credit_management.credit_grade_aa")
        self.refused("credit_manager", "credit.grade", "write", [grade.id], {"risk_factor": HUGE})
        self.assertFalse(self.customer.credit_limit_manual)
        self.assertLessEqual(grade.risk_factor, 1)

    def test_salesperson_order_figures(self):
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "user_id": self.users["salesperson"].id,
                "order_line": [Command.create({"product_id": self.product.id, "product_uom_qty": 1})],
            }
        )
        line = order.order_line
        self.refused("salesperson", "sale.order.line", "write", [line.id], {"price_unit": HUGE})
        self.refused(
            "salesperson",
            "sale.order",
            "write",
            [order.id],
            {"order_line": [[1, line.id, {"product_uom_qty": HUGE}]]},
        )
        response = jsonrpc_execute(
            self,
            self.users["salesperson"],
            "sale.order.line",
            "create",
            [
                {
                    "order_id": order.id,
                    "product_id": self.product.id,
                    "product_uom_qty": 2,
                    "price_unit": -HUGE,
                }
            ],
        )
        self.assertIn(OUT_OF_RANGE, response["error"]["data"]["message"])
        self.env.invalidate_all()
        self.assertEqual(order.order_line, line)
        self.assertEqual(order.amount_total, 10)
