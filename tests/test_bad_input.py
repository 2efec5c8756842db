import base64
import io

import openpyxl

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import CreditCommon


@tagged("post_install", "-at_install")
class TestBadInput(CreditCommon):
    """Bad input ends in a clear translated error and changes nothing."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.evaluation = cls.env["credit.evaluation"].create(
            {
                "partner_id": cls.customer.id,
                "figure_ids": [(0, 0, {"code": "prior_sales", "amount": 0.01})],
            }
        )

    def _figures(self):
        self.env.invalidate_all()
        return {figure.code: figure.amount for figure in self.evaluation.figure_ids}

    def _sales_growth(self):
        return self.evaluation.line_ids.filtered(lambda line: line.indicator == "sales_growth")

    def test_figures_whose_growth_overflows(self):
        evaluation = self.evaluation.with_user(self.salesperson)
        before = self._figures()
        for amount in (1e306, -1e306, 1e999, float("nan")):
            with self.assertRaisesRegex(ValidationError, "must be a number between"):
                evaluation.write({"figure_ids": [(0, 0, {"code": "net_sales", "amount": amount})]})
            with self.assertRaisesRegex(ValidationError, "must be a number between"):
                evaluation.figure_ids.write({"amount": amount})
        self.assertEqual(self._figures(), before)
        # The largest figure accepted still gives a finite growth over one cent.
        evaluation.write({"figure_ids": [(0, 0, {"code": "net_sales", "amount": 1e15})]})
        self.env.flush_all()
        self.assertAlmostEqual(self._sales_growth().value, (1e15 - 0.01) / 0.01 * 100, delta=1e6)
        self.assertTrue(self._sales_growth().is_scored)

    def _import(self, cells):
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.append(["Code", "Figure", "Amount"])
        for code, amount in cells:
            sheet.append([code, code, amount])
        buffer = io.BytesIO()
        workbook.save(buffer)
        wizard = (
            self.env["credit.evaluation.import"]
            .with_user(self.salesperson)
            .create(
                {
                    "evaluation_id": self.evaluation.id,
                    "file": base64.b64encode(buffer.getvalue()),
                    "filename": "figures.xlsx",
                }
            )
        )
        return wizard.action_import()

    def test_import_refuses_nan_and_infinite_cells(self):
        before = self._figures()
        for bad in ("nan", "1e999", "-inf", "1e306", 1e306):
            with self.assertRaisesRegex(
                UserError, "Row 3: the amount .* of net_sales is not a number between"
            ):
                self._import([("avg_inventory", 5), ("net_sales", bad)])
            self.assertEqual(self._figures(), before, bad)
        self._import([("avg_inventory", 5), ("net_sales", "1,000,000")])
        self.assertEqual(self._figures(), {**before, "avg_inventory": 5, "net_sales": 1_000_000})

    def test_unsupported_search_operators(self):
        Partner = self.env["res.partner"].with_user(self.salesperson)
        for field in ("credit_exceeded", "credit_reevaluation_due"):
            for operator, value in (("in", [True]), (">", 0), ("=", "yes"), ("ilike", "x")):
                with self.assertRaisesRegex(UserError, "Unsupported search"):
                    Partner.search([(field, operator, value)])
        # The supported ones still work.
        Partner.search([("credit_reevaluation_due", "=", True)])
