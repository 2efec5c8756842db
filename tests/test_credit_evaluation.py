import base64
import io
import xmlrpc.client
from datetime import date

import openpyxl
from freezegun import freeze_time
from lxml import etree

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, HttpCase, tagged
from odoo.tools import format_amount

from .common import CREDIT_MANAGER, SALESPERSON, CreditCommon, new_user

# Figures at exactly the electronics industry's high standards (SPEC A3), computed by hand.
HIGH = {
    "net_profit": 18_900_000,  # ROE 15% of 126M
    "avg_net_assets": 126_000_000,
    "operating_profit": 15_000_000,  # total profit 15M
    "investment_income": 0,
    "subsidy_income": 0,
    "non_operating_income": 0,
    "non_operating_expense": 0,
    "interest_expense": 0,
    "avg_total_assets": 150_000_000,  # ROA 10%
    "net_sales": 90_000_000,  # asset turnover 60%
    "cost_of_sales": 67_500_000,  # gross margin 25%
    "avg_inventory": 8_437_500,  # inventory turnover 800%
    "avg_receivables": 15_000_000,  # receivables turnover 600%
    "total_liabilities": 88_000_000,  # debt ratio 40%
    "total_assets": 220_000_000,
    "current_assets": 84_000_000,  # current ratio 1.5
    "current_liabilities": 56_000_000,
    "cash_assets": 11_200_000,  # cash ratio 20%
    "prior_sales": 75_000_000,  # sales growth 20%
    "assets_start": 200_000_000,  # asset growth 10%
    "prior_total_profit": 12_500_000,  # profit growth 20%
    "equity_start": 120_000_000,  # capital accumulation 10%
    "equity_end": 132_000_000,  # working capital (84 - 56 + 132) / 2 = 80M
    "intangible_assets": 52_000_000,  # tangible net assets 132 - 52 = 80M
    "deferred_assets": 0,
    "startup_costs": 0,
}
# Figures at or below every low standard.
LOW = {
    "net_profit": 640_000,  # ROE 4%
    "avg_net_assets": 16_000_000,
    "operating_profit": 1_500_000,  # total profit 1.5M
    "investment_income": 0,
    "subsidy_income": 0,
    "non_operating_income": 0,
    "non_operating_expense": 0,
    "interest_expense": 0,
    "avg_total_assets": 75_000_000,  # ROA 2%
    "net_sales": 22_500_000,  # asset turnover 30%
    "cost_of_sales": 19_125_000,  # gross margin 15%
    "avg_inventory": 9_562_500,  # inventory turnover 200%
    "avg_receivables": 11_250_000,  # receivables turnover 200%
    "total_liabilities": 70_000_000,  # debt ratio 70%
    "total_assets": 100_000_000,
    "current_assets": 10_000_000,  # current ratio 0.95 (below 1)
    "current_liabilities": 10_480_000,
    "cash_assets": 1_048_000,  # cash ratio 10%
    "prior_sales": 22_500_000,  # sales growth 0
    "assets_start": 100_000_000,  # asset growth 0
    "prior_total_profit": 1_500_000,  # profit growth 0
    "equity_start": 16_000_000,  # capital accumulation 3%
    "equity_end": 16_480_000,  # working capital (10 - 10.48 + 16.48) / 2 = 8M
    "intangible_assets": 22_000_000,  # tangible net assets 30 - 22 = 8M
    "deferred_assets": 0,
    "startup_costs": 0,
}


@tagged("post_install", "-at_install")
class TestCreditEvaluation(CreditCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Evaluation = cls.env["credit.evaluation"]
        cls.electronics = cls.env.ref("customer_credit_management.credit_reference_set_electronics")
        cls.grade_b = cls.env.ref("customer_credit_management.credit_grade_b")

    def _evaluation(self, figures, points=None, partner=None, **vals):
        evaluation = self.Evaluation.create(
            {
                "partner_id": (partner or self.customer).id,
                "figure_ids": [(0, 0, {"code": code, "amount": amount}) for code, amount in figures.items()],
                **vals,
            }
        )
        if points is not None:
            for line in evaluation.qualitative_ids:
                line.points = line.max_points if points == "max" else points
        return evaluation

    def _line(self, evaluation, indicator):
        return evaluation.line_ids.filtered(lambda line: line.indicator == indicator)

    def test_fallback_set_and_snapshot(self):
        evaluation = self._evaluation(HIGH)
        self.assertEqual(evaluation.reference_set_id, self.electronics)
        self.assertEqual(len(evaluation.line_ids), 16)
        self.assertEqual(len(evaluation.qualitative_ids), 4)
        self.assertTrue(evaluation.name.startswith("EVAL/"))
        debt = self._line(evaluation, "debt_ratio")
        self.assertEqual((debt.high, debt.low, debt.lower_is_better), (40, 70, True))
        # Editing the reference set later does not rewrite the evaluation.
        self.electronics.line_ids.filtered(lambda line: line.indicator == "debt_ratio").high = 45
        self.assertEqual(self._line(evaluation, "debt_ratio").high, 40)

    def test_industry_set_preferred(self):
        industry = self.env["res.partner.industry"].create({"name": "Textiles"})
        copied = self.electronics.copy()
        self.assertEqual(copied.name, "Electronics industry (copy)")
        self.assertFalse(copied.is_fallback)
        self.assertFalse(copied.industry_ids)
        textiles = self.electronics.copy({"name": "Textiles", "industry_ids": [(6, 0, industry.ids)]})
        self.assertFalse(textiles.is_fallback)
        self.assertEqual(len(textiles.line_ids), 16)
        self.customer.industry_id = industry
        self.assertEqual(self._evaluation(HIGH).reference_set_id, textiles)

    def test_high_references_score_100_aa(self):
        evaluation = self._evaluation(HIGH, points="max")
        for line in evaluation.line_ids:
            with self.subTest(indicator=line.indicator):
                self.assertTrue(line.is_scored)
                self.assertAlmostEqual(line.score, line.weight, places=2)
        expected_values = {
            "roe": 15,
            "roa": 10,
            "gross_margin": 25,
            "asset_turnover": 60,
            "inventory_turnover": 800,
            "receivables_turnover": 600,
            "debt_ratio": 40,
            "current_ratio": 1.5,
            "cash_ratio": 20,
            "sales_growth": 20,
            "asset_growth": 10,
            "profit_growth": 20,
            "capital_accumulation": 10,
            "working_capital": 80_000_000,
            "total_profit": 15_000_000,
            "tangible_net_assets": 80_000_000,
        }
        for indicator, value in expected_values.items():
            self.assertAlmostEqual(self._line(evaluation, indicator).value, value, places=4)
        self.assertEqual(evaluation.quantitative_score, 100)
        self.assertEqual(evaluation.qualitative_score, 100)
        self.assertEqual(evaluation.final_score, 100)
        self.assertEqual(evaluation.grade_id, self.grade_aa)

    def test_indicators_displayed_with_units(self):
        evaluation = self._evaluation(HIGH).with_user(self.salesperson)
        currency = evaluation.currency_id
        self.assertEqual(self._line(evaluation, "roe").value_display, "15.00 %")
        self.assertEqual(self._line(evaluation, "current_ratio").value_display, "1.50")
        working_capital = self._line(evaluation, "working_capital")
        self.assertEqual(working_capital.value_display, format_amount(self.env, 80_000_000, currency))
        self.assertIn(currency.symbol, working_capital.value_display)
        self.assertIn(currency.symbol, working_capital.low_display)
        # The form shows these, in columns wide enough for the amounts.
        arch = etree.fromstring(evaluation.get_views([(False, "form")])["views"]["form"]["arch"])
        [indicators] = arch.xpath("//field[@name='line_ids']/list")
        shown = [f.get("name") for f in indicators.iter("field") if f.get("column_invisible") != "1"]
        self.assertIn("value_display", shown)
        self.assertNotIn("value", shown)
        for name in ("value_display", "low_display", "high_display"):
            self.assertTrue(indicators.xpath(f"field[@name='{name}']/@width"), name)
        [amount] = arch.xpath("//field[@name='figure_ids']/list/field[@name='amount']")
        self.assertGreaterEqual(int(amount.get("width", "0px")[:-2]), 150)
        # An indicator that cannot be computed shows no value rather than 0.
        evaluation = self._evaluation({"net_profit": 1})
        self.assertEqual(self._line(evaluation, "roe").value_display, "")

    def test_low_references_score_zero(self):
        evaluation = self._evaluation(LOW, points=0)
        self.assertTrue(all(evaluation.line_ids.mapped("is_scored")))
        self.assertEqual(evaluation.line_ids.mapped("score"), [0.0] * 16)
        self.assertEqual(evaluation.quantitative_score, 0)
        self.assertEqual(evaluation.final_score, 0)
        self.assertEqual(evaluation.grade_id, self.grade_e)

    def test_mixed_case(self):
        # Sales growth 10% (half of its 6 points), inventory missing (its 5 points spread),
        # qualitative 20 of 40 points:
        # quantitative = (100 - 5 - 3) / 95 * 100 = 96.8421; final = 0.7 * 96.8421 + 0.3 * 50 = 82.79 -> A
        figures = dict(HIGH, prior_sales=90_000_000 / 1.1)
        del figures["avg_inventory"]
        evaluation = self._evaluation(figures, points=5)
        self.assertFalse(self._line(evaluation, "inventory_turnover").is_scored)
        self.assertAlmostEqual(self._line(evaluation, "sales_growth").score, 3, places=2)
        self.assertAlmostEqual(evaluation.quantitative_score, 96.84, places=2)
        self.assertEqual(evaluation.qualitative_score, 50)
        self.assertEqual(evaluation.final_score, 82.79)
        self.assertEqual(evaluation.grade_id, self.grade_a)
        # The share is configurable: all-quantitative gives 96.84 -> AA.
        evaluation.quantitative_share = 100
        self.assertEqual(evaluation.final_score, 96.84)
        self.assertEqual(evaluation.grade_id, self.grade_aa)

    def test_zero_denominator_and_missing_figures(self):
        figures = dict(HIGH, avg_receivables=0, current_liabilities=0)
        del figures["subsidy_income"]
        evaluation = self._evaluation(figures, points="max")
        unscored = set(evaluation.line_ids.filtered(lambda line: not line.is_scored).mapped("indicator"))
        self.assertEqual(
            unscored,
            {
                "receivables_turnover",  # average receivables 0
                "current_ratio",  # current liabilities 0
                "cash_ratio",
                "total_profit",  # subsidy income missing
                "roa",
                "profit_growth",
            },
        )
        # Every scored indicator is at its high standard: the redistribution keeps 100.
        self.assertEqual(evaluation.quantitative_score, 100)
        self.assertEqual(evaluation.grade_id, self.grade_aa)

    def test_no_figures_no_score(self):
        evaluation = self._evaluation({})
        self.assertFalse(evaluation.is_scored)
        self.assertFalse(evaluation.grade_id)
        with self.assertRaisesRegex(UserError, "has no score yet"):
            evaluation.action_submit()

    def test_weights_must_add_up_to_100(self):
        with self.assertRaisesRegex(ValidationError, "add up to 90.0"):
            self.env["credit.reference.set"].create(
                {
                    "name": "Too light",
                    "line_ids": [
                        (0, 0, {"indicator": "roe", "high": 15, "low": 4, "weight": 50}),
                        (0, 0, {"indicator": "roa", "high": 10, "low": 2, "weight": 40}),
                    ],
                }
            )
        roe = self.electronics.line_ids.filtered(lambda line: line.indicator == "roe")
        with self.assertRaisesRegex(ValidationError, "add up to 105.0"):
            self.electronics.write({"line_ids": [(1, roe.id, {"weight": 15})]})
        with self.assertRaisesRegex(ValidationError, "below it when lower is better"):
            roe.write({"high": 2})

    def test_credit_user_cannot_approve(self):
        evaluation = self._evaluation(HIGH, points="max").with_user(self.salesperson)
        evaluation.action_submit()
        self.assertEqual(evaluation.submitted_by_id, self.salesperson)
        with self.assertRaises(AccessError):
            evaluation.action_approve()
        with self.assertRaises(AccessError):
            evaluation.write({"state": "approved"})
        with self.assertRaises(AccessError):
            evaluation.action_reject()
        with self.assertRaises(AccessError):
            evaluation.write({"approved_by_id": self.credit_manager.id, "approved_date": date(2026, 1, 1)})
        with self.assertRaises(UserError):
            self.Evaluation.with_user(self.salesperson).create(
                {"partner_id": self.customer.id, "state": "approved"}
            )
        self.assertEqual(evaluation.state, "submitted")
        self.assertFalse(self.customer.credit_score_date)

    def test_approval_updates_customer_and_later_supersedes(self):
        first = self._evaluation(HIGH, points="max", date=date(2026, 1, 10))
        first.action_submit()
        first.with_user(self.credit_manager).action_approve()
        self.assertEqual(first.state, "approved")
        self.assertEqual(first.approved_by_id, self.credit_manager)
        self.assertEqual(self.customer.credit_score, 100)
        self.assertEqual(self.customer.credit_score_date, date(2026, 1, 10))
        self.assertEqual(self.customer.credit_grade_id, self.grade_aa)
        self.assertEqual(self.contact.credit_grade_id, self.grade_aa)
        self.assertTrue(first.is_current)

        later = self._evaluation(HIGH, points=5, date=date(2026, 6, 1), quantitative_share=0)
        later.action_submit()
        later.with_user(self.credit_manager).action_approve()
        self.assertEqual(self.customer.credit_score, 50)
        self.assertEqual(
            self.customer.credit_grade_id, self.env.ref("customer_credit_management.credit_grade_d")
        )
        self.assertEqual(self.customer.credit_evaluation_id, later)
        self.assertFalse(first.is_current)

        # An older evaluation approved afterwards does not replace the newer one.
        older = self._evaluation(LOW, points=0, date=date(2025, 12, 1))
        older.action_submit()
        older.with_user(self.credit_manager).action_approve()
        self.assertEqual(self.customer.credit_evaluation_id, later)
        self.assertEqual(self.customer.credit_score, 50)
        self.assertEqual(self.customer.with_user(self.salesperson).credit_evaluation_count, 3)

    def test_approved_is_read_only(self):
        evaluation = self._evaluation(HIGH, points="max")
        evaluation.action_submit()
        with self.assertRaisesRegex(UserError, "no longer a draft"):
            evaluation.figure_ids[0].amount = 1
        evaluation.with_user(self.credit_manager).action_approve()
        for attempt in (
            lambda: evaluation.write({"date": date(2020, 1, 1)}),
            lambda: evaluation.figure_ids[0].write({"amount": 1}),
            lambda: evaluation.write({"figure_ids": [(0, 0, {"code": "startup_costs", "amount": 5})]}),
            lambda: evaluation.qualitative_ids[0].write({"points": 0}),
            lambda: evaluation.figure_ids[0].unlink(),
            lambda: evaluation.with_user(self.credit_manager).write({"state": "draft"}),
            lambda: evaluation.unlink(),
        ):
            with self.assertRaises(UserError):
                attempt()
        self.assertEqual(evaluation.final_score, 100)

    def test_rejected_back_to_draft(self):
        evaluation = self._evaluation(HIGH, points="max")
        evaluation.action_submit()
        evaluation.with_user(self.credit_manager).action_reject()
        self.assertFalse(self.customer.credit_score_date)
        evaluation.with_user(self.salesperson).action_reset_to_draft()
        evaluation.figure_ids.filtered(lambda f: f.code == "net_profit").amount = 1
        self.assertEqual(evaluation.state, "draft")

    def test_credit_user_drafts_and_deletes(self):
        evaluation = self._evaluation(HIGH).with_user(self.salesperson)
        other_set = self.electronics.copy({"name": "Other"})
        evaluation.reference_set_id = other_set
        self.assertEqual(len(evaluation.line_ids), 16)
        with self.assertRaises(AccessError):
            evaluation.line_ids[0].write({"weight": 100})
        lines = evaluation.line_ids
        evaluation.unlink()
        self.assertFalse(lines.exists())

    def test_points_bounded(self):
        evaluation = self._evaluation(HIGH)
        with self.assertRaisesRegex(ValidationError, "between 0 and 10"):
            evaluation.qualitative_ids[0].points = 11

    def test_contact_cannot_be_evaluated(self):
        with self.assertRaisesRegex(UserError, "not its contact"):
            self._evaluation(HIGH, partner=self.contact)

    def test_form_entry(self):
        with Form(self.Evaluation.with_user(self.salesperson)) as form:
            form.partner_id = self.customer
            self.assertEqual(form.reference_set_id, self.electronics)
            with form.figure_ids.new() as figure:
                figure.code = "net_profit"
                figure.amount = 9
            with form.figure_ids.new() as figure:
                figure.code = "avg_net_assets"
                figure.amount = 60
        evaluation = form.record
        self.assertAlmostEqual(self._line(evaluation, "roe").value, 15)
        self.assertTrue(evaluation.is_scored)

    def test_reevaluation_activity(self):
        self.env.company.credit_responsible_id = self.credit_manager
        self.customer.write({"credit_score": 80, "credit_score_date": date(2025, 1, 15)})
        fresh = self.env["res.partner"].create(
            {"name": "Fresh", "is_company": True, "credit_score": 80, "credit_score_date": date(2026, 1, 15)}
        )
        activity_type = self.env.ref("customer_credit_management.mail_activity_type_credit_reevaluation")
        with freeze_time("2026-02-01"):
            due = self.env["res.partner"].search([("credit_reevaluation_due", "=", True)])
            self.assertIn(self.customer, due)
            self.assertNotIn(fresh, due)
            self.assertNotIn(
                self.customer, self.env["res.partner"].search([("credit_reevaluation_due", "=", False)])
            )
            self.env["res.partner"]._cron_schedule_credit_reevaluations()
            self.env["res.partner"]._cron_schedule_credit_reevaluations()
        activities = self.env["mail.activity"].search(
            [("res_model", "=", "res.partner"), ("activity_type_id", "=", activity_type.id)]
        )
        self.assertEqual(
            activities.filtered(lambda a: a.res_id == self.customer.id).user_id, self.credit_manager
        )
        self.assertEqual(
            len(activities.filtered(lambda a: a.res_id == self.customer.id)), 1, "not duplicated"
        )
        self.assertFalse(activities.filtered(lambda a: a.res_id == fresh.id))

    def test_report_renders(self):
        evaluation = self._evaluation(HIGH, points="max")
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("customer_credit_management.credit_evaluation_report", evaluation.ids)[0]
            .decode()
        )
        self.assertIn(evaluation.name, html)
        self.assertIn("AA - Excellent", html)
        self.assertIn("Return on equity", html)
        self.assertIn("100.00", html)
        self.assertIn(self.grade_aa.recommendation[:40], html)


@tagged("post_install", "-at_install")
class TestCreditEvaluationImport(CreditCommon):
    def setUp(self):
        super().setUp()
        self.evaluation = self.env["credit.evaluation"].create(
            {
                "partner_id": self.customer.id,
                "figure_ids": [
                    (0, 0, {"code": "net_profit", "amount": 5}),
                    (0, 0, {"code": "avg_net_assets", "amount": 50}),
                    (0, 0, {"code": "cash_assets", "amount": 7}),
                ],
            }
        )
        self.wizard = (
            self.env["credit.evaluation.import"]
            .with_user(self.salesperson)
            .create({"evaluation_id": self.evaluation.id})
        )

    def _template(self):
        action = self.wizard.action_download_template()
        self.assertIn("/template_file/", action["url"])
        return openpyxl.load_workbook(io.BytesIO(base64.b64decode(self.wizard.template_file)))

    def _import(self, workbook):
        buffer = io.BytesIO()
        workbook.save(buffer)
        self.wizard.write({"file": base64.b64encode(buffer.getvalue()), "filename": "figures.xlsx"})
        return self.wizard.action_import()

    def _figures(self):
        return {figure.code: figure.amount for figure in self.evaluation.figure_ids}

    def test_round_trip(self):
        workbook = self._template()
        sheet = workbook.active
        rows = {
            sheet.cell(row, 1).value: row for row in range(2, sheet.max_row + 1) if sheet.cell(row, 1).value
        }
        self.assertEqual(len(rows), 26)
        self.assertEqual(sheet.cell(rows["net_profit"], 3).value, 5)
        self.assertIsNone(sheet.cell(rows["avg_inventory"], 3).value)
        wanted = {code: 1_000 * (i + 1) + 0.25 for i, code in enumerate(HIGH)}
        wanted["startup_costs"] = None  # left empty: missing
        wanted["cash_assets"] = None  # emptied: removed
        for code, amount in wanted.items():
            sheet.cell(rows[code], 3).value = amount
        sheet.cell(rows["avg_inventory"], 3).value = "1,234.50"  # text numbers are read too
        wanted["avg_inventory"] = 1234.5
        self._import(workbook)
        self.assertEqual(
            self._figures(), {code: amount for code, amount in wanted.items() if amount is not None}
        )
        # Download again: the same figures come back.
        sheet = self._template().active
        again = {sheet.cell(row, 1).value: sheet.cell(row, 3).value for row in range(2, 28)}
        self.assertEqual(
            {code: amount for code, amount in again.items() if amount is not None}, self._figures()
        )

    def test_malformed_file_changes_nothing(self):
        before = self._figures()
        workbook = self._template()
        sheet = workbook.active
        sheet.cell(2, 3).value = 99  # a good row first
        sheet.cell(5, 3).value = "twelve"
        with self.assertRaisesRegex(UserError, "Row 5: the amount twelve"):
            self._import(workbook)
        self.assertEqual(self._figures(), before)

        workbook = self._template()
        workbook.active.cell(3, 1).value = "not_a_figure"
        with self.assertRaisesRegex(UserError, "Row 3: not_a_figure is not a statement figure"):
            self._import(workbook)
        workbook = self._template()
        workbook.active.cell(4, 1).value = "net_profit"
        with self.assertRaisesRegex(UserError, "Row 4: the figure net_profit appears twice"):
            self._import(workbook)
        self.wizard.write({"file": base64.b64encode(b"not a spreadsheet"), "filename": "x.xlsx"})
        with self.assertRaisesRegex(UserError, "not an XLSX workbook"):
            self.wizard.action_import()
        self.assertEqual(self._figures(), before)

    def test_no_import_once_submitted(self):
        self.evaluation.action_submit()
        with self.assertRaisesRegex(UserError, "no longer a draft"):
            self._import(self._template())


@tagged("post_install", "-at_install")
class TestCreditEvaluationRpc(HttpCase):
    def test_approval_over_rpc(self):
        salesperson = new_user(self.env, "ccm_rpc_sales", SALESPERSON)
        manager = new_user(self.env, "ccm_rpc_manager", f"base.group_partner_manager,{CREDIT_MANAGER}")
        customer = self.env["res.partner"].create({"name": "RPC Customer", "is_company": True})
        evaluation = self.env["credit.evaluation"].create(
            {
                "partner_id": customer.id,
                "figure_ids": [(0, 0, {"code": c, "amount": a}) for c, a in HIGH.items()],
            }
        )
        evaluation.action_submit()
        db = self.env.cr.dbname

        def call(user, method, *args):
            return self.xmlrpc_object.execute_kw(
                db, user.id, user.login, "credit.evaluation", method, list(args)
            )

        for method, args in (
            ("action_approve", [[evaluation.id]]),
            ("write", [[evaluation.id], {"state": "approved"}]),
        ):
            with self.subTest(method=method), self.assertRaises(xmlrpc.client.Fault) as caught:
                call(salesperson, method, *args)
            self.assertIn("Only a Credit Manager", caught.exception.faultString)
        self.assertEqual(evaluation.state, "submitted")
        self.assertFalse(customer.credit_score_date)

        call(manager, "action_approve", [evaluation.id])
        evaluation.invalidate_recordset()
        customer.invalidate_recordset()
        self.assertEqual(evaluation.state, "approved")
        self.assertEqual(customer.credit_score, 70)  # quantitative 100 at 70%, no qualitative points
        self.assertEqual(customer.credit_grade_id.code, "B")
