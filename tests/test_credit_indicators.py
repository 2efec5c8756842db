from odoo.tests import BaseCase, tagged

from ..models.evaluation.credit_indicators import combine_scores, compute_indicators, score_indicator


@tagged("post_install", "-at_install")
class TestCreditIndicators(BaseCase):
    """The formulas of SPEC A3 on hand-computed figures (no database needed)."""

    def test_formulas(self):
        figures = {
            "net_profit": 9,
            "avg_net_assets": 60,
            "operating_profit": 10,
            "investment_income": 2,
            "subsidy_income": 1,
            "non_operating_income": 3,
            "non_operating_expense": 4,
            "interest_expense": 3,
            "avg_total_assets": 500,
            "net_sales": 400,
            "cost_of_sales": 300,
            "avg_inventory": 50,
            "avg_receivables": 80,
            "total_liabilities": 200,
            "total_assets": 500,
            "current_assets": 120,
            "current_liabilities": 80,
            "cash_assets": 12,
            "prior_sales": 320,
            "assets_start": 400,
            "prior_total_profit": -6,
            "equity_start": 250,
            "equity_end": 300,
            "intangible_assets": 50,
            "deferred_assets": 20,
            "startup_costs": 10,
        }
        expected = {
            "roe": 15.0,  # 9 / 60
            "roa": 3.0,  # (12 + 3) / 500
            "gross_margin": 25.0,  # (400 - 300) / 400
            "asset_turnover": 80.0,  # 400 / 500
            "inventory_turnover": 600.0,  # 300 / 50
            "receivables_turnover": 500.0,  # 400 / 80
            "debt_ratio": 40.0,  # 200 / 500
            "current_ratio": 1.5,  # 120 / 80
            "cash_ratio": 15.0,  # 12 / 80
            "sales_growth": 25.0,  # (400 - 320) / 320
            "asset_growth": 25.0,  # (500 - 400) / 400
            "profit_growth": 300.0,  # (12 - -6) / |-6|: a rise from a loss is growth
            "capital_accumulation": 20.0,  # (300 - 250) / 250
            "working_capital": 170.0,  # (120 - 80 + 300) / 2
            "total_profit": 12.0,  # 10 + 2 + 1 + 3 - 4
            "tangible_net_assets": 220.0,  # (500 - 200) - 50 - 20 - 10
        }
        values = compute_indicators(figures)
        self.assertEqual(set(values), set(expected))
        for code, value in expected.items():
            with self.subTest(indicator=code):
                self.assertAlmostEqual(values[code], value, places=9)

    def test_missing_and_zero_denominators(self):
        values = compute_indicators({"net_profit": 5, "avg_net_assets": 0, "net_sales": 100})
        self.assertIsNone(values["roe"], "zero denominator")
        self.assertIsNone(values["gross_margin"], "cost of sales missing")
        self.assertIsNone(values["total_profit"], "a missing part leaves the total unknown")
        self.assertIsNone(values["roa"])
        # A figure entered as zero is a figure: zero intangible assets are fine.
        values = compute_indicators(
            {
                "total_assets": 100,
                "total_liabilities": 40,
                "intangible_assets": 0,
                "deferred_assets": 0,
                "startup_costs": 0,
            }
        )
        self.assertEqual(values["tangible_net_assets"], 60)

    def test_score_indicator(self):
        self.assertEqual(score_indicator(15, 15, 4, 10), 10)
        self.assertEqual(score_indicator(30, 15, 4, 10), 10)
        self.assertEqual(score_indicator(4, 15, 4, 10), 0)
        self.assertEqual(score_indicator(-3, 15, 4, 10), 0)
        self.assertAlmostEqual(score_indicator(9.5, 15, 4, 10), 5)
        # Lower is better: the debt ratio's high standard 40 is below its low standard 70.
        self.assertEqual(score_indicator(40, 40, 70, 8), 8)
        self.assertEqual(score_indicator(30, 40, 70, 8), 8)
        self.assertEqual(score_indicator(70, 40, 70, 8), 0)
        self.assertAlmostEqual(score_indicator(55, 40, 70, 8), 4)
        self.assertIsNone(score_indicator(None, 40, 70, 8))

    def test_combine_scores(self):
        # Unscored weight (the None) is spread: 6 of 8 scored points -> 75.
        quantitative, qualitative, final = combine_scores([(6, 8), (None, 2)], [(5, 10)], 70)
        self.assertEqual((quantitative, qualitative, final), (75.0, 50.0, 67.5))
        self.assertEqual(combine_scores([(None, 10)], [(5, 10)], 70), (None, 50.0, None))
        self.assertEqual(combine_scores([(3, 4)], [], 70), (75.0, None, 75.0))
