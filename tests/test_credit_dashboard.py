from ast import literal_eval
from datetime import date, datetime

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged

from odoo.addons.customer_credit_management.models.credit.credit_dashboard import (
    collection_effectiveness,
    dso_countback,
)

from .common import CREDIT_MANAGER, MODULE, CreditControlCommon, new_user, post_customer_invoice

TODAY = date(2026, 3, 15)
# The dashboard's queries for the credit manager, whatever the number of customers.
DASHBOARD_QUERIES = 32
# The same with the receivable figures stored for the user (credit.dashboard.figures).
DASHBOARD_STORED_QUERIES = 24


class DashboardData:
    @classmethod
    def _customer(cls, name, base, invoice=0.0, due=date(2026, 4, 30), level=None):
        """A customer without grade (factor 0.5: line = base / 2) owing ``invoice``."""
        partner = cls.env["res.partner"].create({"name": name, "is_company": True})
        partner.write(
            {
                "credit_limit_manual": True,
                "credit_limit_manual_base": base,
                "credit_limit_manual_reason": "Test",
            }
        )
        if invoice:
            post_customer_invoice(cls.env, partner, invoice, due)
        if level:
            # Customer service proposes, the Marketing Director approves: here the superuser does both.
            partner = partner.sudo()
            partner.write({"confidentiality_level_proposed_id": cls.env.ref(f"{MODULE}.{level}").id})
            partner.action_approve_confidentiality_level()
        return partner

    @classmethod
    def _pay(cls, invoice, amount, payment_date):
        return (
            cls.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create(
                {
                    "amount": amount,
                    "payment_date": payment_date,
                    "currency_id": invoice.currency_id.id,
                    "payment_difference_handling": "open",
                }
            )
            ._create_payments()
        )


@tagged("post_install", "-at_install")
class TestCreditDashboardFormulas(CreditControlCommon):
    def test_dso_countback_worked_example(self):
        # 15 March, receivables 1,500: March (15 days) sold 1,000, February (28 days) 1,000.
        self.assertAlmostEqual(dso_countback(1500, [(15, 1000), (28, 1000), (31, 1000)]), 29.0)
        # Older than every month: all the days; nothing owed: 0; a month without sales adds its days.
        self.assertAlmostEqual(dso_countback(5000, [(15, 1000), (28, 1000)]), 43.0)
        self.assertEqual(dso_countback(0, [(15, 1000)]), 0.0)
        self.assertAlmostEqual(dso_countback(500, [(15, 0), (28, 1000)]), 29.0)

    def test_cei_worked_example(self):
        # (1,000 + 500 - 900) / (1,000 + 500 - 300) = 600 / 1,200.
        self.assertAlmostEqual(collection_effectiveness(1000, 500, 900, 300), 50.0)
        self.assertIsNone(collection_effectiveness(0, 1000, 1000, 1000))


@tagged("post_install", "-at_install")
class TestCreditDashboard(DashboardData, CreditControlCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_user(cls.env, "ccm_dashboard_manager", CREDIT_MANAGER, cls.company)
        # What the database holds before (holds and levels are not per company): the tests compare
        # the difference.
        cls.base = cls.env["credit.dashboard"].with_user(cls.manager)._dashboard_data()
        cls.over = cls._customer("Dash Over Co", 100, invoice=100)  # line 50
        cls.near = cls._customer("Dash Near Co", 200, invoice=85)  # 85 %
        cls.low = cls._customer("Dash Low Co", 200, invoice=30)
        cls.mid = cls._customer("Dash Mid Co", 200, invoice=60)
        cls.secret = cls._customer(
            "Dash Zircon Secret", 100, invoice=500, level="confidentiality_level_secret"
        )
        cls.secret_near = cls._customer(
            "Dash Zircon Near", 200, invoice=90, level="confidentiality_level_secret"
        )
        cls.secret._credit_set_hold("manual", "Test")
        cls.overdue_hold = cls._customer("Dash Held Co", 0)
        cls.overdue_hold._credit_set_hold("overdue")

    def _dashboard(self, user=None):
        return self.env["credit.dashboard"].with_user(user or self.manager).browse(1)

    def _delta(self, data, key):
        return data[key] - self.base[key]

    def test_tiles_and_spread(self):
        data = self.env["credit.dashboard"].with_user(self.manager)._dashboard_data()
        self.assertEqual(self._delta(data, "over_line_count"), 1)
        self.assertEqual(self._delta(data, "near_line_count"), 1)
        self.assertEqual(data["near_line_ids"], [self.near.id])
        self.assertEqual(self._delta(data, "hold_count"), 1)
        self.assertEqual(self._delta(data, "hold_overdue_count"), 1)
        spread = {
            label: count - dict(self.base["utilisation_bands"])[label]
            for label, count in data["utilisation_bands"]
        }
        self.assertEqual(spread, {"0-50 %": 1, "50-80 %": 1, "80-100 %": 1, "> 100 %": 1})
        self.assertEqual(
            [row["partner"] for row in data["top_exposures"][:3]], [self.over, self.near, self.mid]
        )
        no_grade = next(grade for grade in data["grades"] if grade["name"] == "No grade")
        self.assertAlmostEqual(no_grade["exposure"], 100 + 85 + 30 + 60)

    def test_near_share_is_a_company_setting(self):
        self.assertEqual(self.company.credit_near_line_share, 0.8)
        self.company.credit_near_line_share = 0.9
        data = self.env["credit.dashboard"].with_user(self.manager)._dashboard_data()
        self.assertEqual(data["near_line_count"], self.base["near_line_count"])

    def test_clearance_counts_hidden_customers_only(self):
        """A credit manager at the default clearance (Internal) with Secret customers present: they
        are counted in their tiles, never named nor summed."""
        dashboard = self._dashboard()
        self.assertEqual(dashboard.over_line_count - self.base["over_line_count"], 1)
        self.assertEqual(dashboard.over_line_hidden - self.base["over_line_hidden"], 1)
        self.assertEqual(dashboard.near_line_hidden - self.base["near_line_hidden"], 1)
        self.assertEqual(dashboard.hold_hidden - self.base["hold_hidden"], 1)
        self.assertEqual(dashboard.hidden_count - self.base["hidden_count"], 2)
        html = str(dashboard.charts_html)
        self.assertIn("Dash Over Co", html)
        self.assertNotIn("Zircon", html)
        data = dashboard._dashboard_data()
        self.assertNotIn(self.secret, [row["partner"] for row in data["top_exposures"]])
        self.assertNotIn(self.secret.id, data["dso_by_partner"])
        self.assertAlmostEqual(data["total_receivable"], 100 + 85 + 30 + 60)
        # With the clearance, they are shown.
        self.manager.sudo().customer_clearance_level_id = self.env.ref(
            f"{MODULE}.confidentiality_level_secret"
        )
        self.env.invalidate_all()
        self.assertEqual(self._dashboard().over_line_count - self.base["over_line_count"], 2)
        self.assertIn("Zircon", str(self._dashboard().charts_html))

    def test_tiles_open_their_filtered_lists(self):
        dashboard = self._dashboard()
        Partner = self.env["res.partner"].with_user(self.manager)
        action = dashboard.action_open_over_line()
        self.assertEqual(action["res_model"], "res.partner")
        self.assertEqual(action["context"]["search_default_filter_credit_exceeded"], 1)
        self.assertEqual(
            Partner.search([*literal_eval(action["domain"]), ("credit_exceeded", "=", True)]), self.over
        )
        action = dashboard.action_open_near_line()
        self.assertEqual(Partner.search(action["domain"]), self.near)
        action = dashboard.with_context(credit_hold_reason="overdue").action_open_on_hold()
        held = Partner.search([*action["domain"], ("credit_hold", "=", True)])
        self.assertIn(self.overdue_hold, held)
        self.assertEqual(set(held.mapped("credit_hold_reason")), {"overdue"})
        self.assertEqual(dashboard.action_open_releases()["res_model"], "credit.release.request")
        self.assertEqual(dashboard.action_open_evaluations()["res_model"], "credit.evaluation")
        self.assertEqual(dashboard.action_open_letters()["context"], {"search_default_draft": 1})

    def test_others_may_not_read_it(self):
        salesperson = new_user(
            self.env, "ccm_dashboard_sales", "sales_team.group_sale_salesman", self.company
        )
        with self.assertRaises(AccessError):
            self._dashboard(salesperson).read(["over_line_count"])

    def test_query_count_does_not_depend_on_customers(self):
        """The same queries with 3 and with 30 customers owing something (the first run warms the
        caches of the templates and the user's groups)."""
        self.env.invalidate_all()
        self._dashboard().read(["over_line_count", "charts_html"])
        self.env.invalidate_all()
        with self.assertQueryCount(DASHBOARD_QUERIES):
            self._dashboard().read(["over_line_count", "charts_html"])
        for index in range(27):
            self._customer(f"Dash Bulk {index:02d}", 200, invoice=10 + index)
        self.env.invalidate_all()
        with self.assertQueryCount(DASHBOARD_QUERIES):
            dashboard = self._dashboard()
            dashboard.read(["over_line_count", "charts_html"])
        bands = dict(dashboard._dashboard_data()["utilisation_bands"])
        self.assertEqual(bands["0-50 %"] - dict(self.base["utilisation_bands"])["0-50 %"], 1 + 27)


@tagged("post_install", "-at_install")
class TestCreditDashboardFigures(DashboardData, CreditControlCommon):
    """The worked example of the README, on 15 March 2026.

    Invoices: 400 on 1 December 2025 (due 31 December, paid 10 January: 10 days late), 1,000 on
    10 February (due 12 March, 500 paid on 14 March: 2 days late), 1,000 on 5 March (due 4 April).
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_user(cls.env, "ccm_dashboard_figures", CREDIT_MANAGER, cls.company)
        customer = cls._customer("Dash Figures Co", 10000)
        with freeze_time(TODAY):
            december = post_customer_invoice(cls.env, customer, 400, date(2025, 12, 31))
            cls._pay(december, 400, date(2026, 1, 10))
            february = post_customer_invoice(cls.env, customer, 1000, date(2026, 3, 12))
            cls._pay(february, 500, date(2026, 3, 14))
            post_customer_invoice(cls.env, customer, 1000, date(2026, 4, 4))
        cls.customer = customer

    @freeze_time(TODAY)
    def test_dso_days_late_and_cei(self):
        data = self.env["credit.dashboard"].with_user(self.manager)._dashboard_data()
        # Receivables 1,500: March (15 days) sold 1,000, February (28 days) 1,000 → 15 + 14.
        self.assertAlmostEqual(data["dso_by_partner"][self.customer.id], 29.0)
        self.assertAlmostEqual(data["company_dso"], 29.0)
        # (400 * 10 + 500 * 2) / 900.
        self.assertAlmostEqual(data["average_days_late"], 5000 / 900)
        self.assertAlmostEqual(data["dso_rows"][0]["days_late"], 5000 / 900)
        cei = {month["month"]: month for month in data["cei_months"]}
        # December: nothing collectable (the invoice is not due); January: the 400 collected.
        self.assertIsNone(cei[date(2025, 12, 1)]["cei"])
        self.assertAlmostEqual(cei[date(2026, 1, 1)]["cei"], 100.0)
        self.assertIsNone(cei[date(2026, 2, 1)]["cei"])
        # March to date: (1,000 + 1,000 - 1,500) / (1,000 + 1,000 - 1,000 current).
        march = cei[date(2026, 3, 1)]
        self.assertEqual(
            (march["beginning"], march["sales"], march["ending"], march["current"]), (1000, 1000, 1500, 1000)
        )
        self.assertAlmostEqual(march["cei"], 50.0)
        self.assertEqual(len(data["cei_months"]), 12)


@tagged("post_install", "-at_install")
class TestCreditDashboardStoredFigures(DashboardData, CreditControlCommon):
    """The receivable figures kept per user (``credit.dashboard.figures``): read by the dashboard
    while they are the user's, of the day, at most an hour old and for the same hidden customers."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_user(cls.env, "ccm_dashboard_stored", CREDIT_MANAGER, cls.company)
        cls.other_manager = new_user(cls.env, "ccm_dashboard_stored_2", CREDIT_MANAGER, cls.company)
        with freeze_time(TODAY):
            cls.customer = cls._customer("Dash Stored Co", 10000)
            post_customer_invoice(cls.env, cls.customer, 1000, date(2026, 4, 4))

    def _dashboard(self, user=None):
        return (
            self.env["credit.dashboard"].with_user(user or self.manager).with_company(self.company).browse(1)
        )

    def _stored(self, user=None):
        return (
            self.env["credit.dashboard.figures"]
            .sudo()
            .search([("user_id", "=", (user or self.manager).id), ("company_id", "=", self.company.id)])
        )

    @freeze_time("2026-03-15 10:00:00")
    def test_reading_shows_the_refreshed_figures_and_live_tiles(self):
        dashboard = self._dashboard()
        dashboard.action_refresh_figures()
        stored = self._stored()
        self.assertEqual(stored.computed_at, datetime(2026, 3, 15, 10, 0))
        fresh = dashboard._dashboard_data()
        self.env.invalidate_all()
        self.assertEqual(dashboard.figures_computed_at, datetime(2026, 3, 15, 10, 0))
        self.assertAlmostEqual(dashboard.company_dso, fresh["company_dso"])
        data = dashboard._dashboard_data(stored_figures=True)
        self.assertEqual(data["cei_months"], fresh["cei_months"])
        self.assertEqual(data["dso_rows"], fresh["dso_rows"])
        self.assertEqual(data["aging_by_grade"], fresh["aging_by_grade"])
        # A new invoice: the tiles count it at once, the figures at the next refresh.
        over_before = dashboard.over_line_count
        post_customer_invoice(self.env, self.customer, 9000, date(2026, 3, 20))
        self.env.invalidate_all()
        self.assertEqual(dashboard.over_line_count, over_before + 1)
        self.assertEqual(
            dashboard._dashboard_data(stored_figures=True)["total_receivable"], fresh["total_receivable"]
        )
        dashboard.action_refresh_figures()
        self.env.invalidate_all()
        self.assertAlmostEqual(
            dashboard._dashboard_data(stored_figures=True)["total_receivable"],
            fresh["total_receivable"] + 9000,
        )

    def test_figures_of_another_day_age_or_clearance_are_not_shown(self):
        with freeze_time("2026-03-15 10:00:00"):
            self._dashboard().action_refresh_figures()
            # Stored figures that say so are shown: they are the ones read.
            self._stored().data = {**self._stored().data, "company_dso": 999.0}
            self.env.invalidate_all()
            self.assertEqual(self._dashboard().company_dso, 999.0)
            # Another user's are not.
            self.assertNotEqual(self._dashboard(self.other_manager).company_dso, 999.0)
        with freeze_time("2026-03-15 10:59:00"):
            self.env.invalidate_all()
            self.assertEqual(self._dashboard().company_dso, 999.0)
        with freeze_time("2026-03-15 11:01:00"):
            self.env.invalidate_all()
            self.assertNotEqual(self._dashboard().company_dso, 999.0)
        with freeze_time("2026-03-16 09:00:00"):
            self._dashboard().action_refresh_figures()
            self._stored().data = {**self._stored().data, "company_dso": 999.0}
            self.env.invalidate_all()
            self.assertEqual(self._dashboard().company_dso, 999.0)
            # A customer the manager may not read appears: the figures were not computed without it.
            self._customer("Dash Stored Zircon", 100, invoice=50, level="confidentiality_level_secret")
            self.env.invalidate_all()
            self.assertNotEqual(self._dashboard().company_dso, 999.0)

    def test_cron_refreshes_the_figures_of_each_credit_manager(self):
        salesperson = new_user(self.env, "ccm_dashboard_stored_sales", "sales_team.group_sale_salesman")
        with freeze_time("2026-03-10 10:00:00"):
            self._dashboard(self.other_manager).action_refresh_figures()
        old = self._stored(self.other_manager)
        with freeze_time("2026-03-15 10:00:00"):
            self.env["credit.dashboard.figures"]._cron_refresh()
            total = self._dashboard()._dashboard_data()["total_receivable"]
        self.assertFalse(old.exists(), "figures of another day are forgotten")
        for user in (self.manager, self.other_manager):
            stored = self._stored(user)
            self.assertEqual(
                (stored.date, stored.computed_at), (date(2026, 3, 15), datetime(2026, 3, 15, 10, 0))
            )
            self.assertEqual(stored.data["total_receivable"], total)
        self.assertFalse(self._stored(salesperson))

    def test_no_one_reads_the_stored_figures(self):
        self._dashboard().action_refresh_figures()
        for user in (self.manager, self.env.ref("base.user_admin")):
            with self.assertRaises(AccessError):
                self.env["credit.dashboard.figures"].with_user(user).search_read([], ["data"])
        salesperson = new_user(self.env, "ccm_dashboard_stored_sales", "sales_team.group_sale_salesman")
        with self.assertRaises(AccessError):
            self._dashboard(salesperson).action_refresh_figures()

    @freeze_time("2026-03-15 10:00:00")
    def test_stored_figures_spare_the_receivable_queries(self):
        dashboard = self._dashboard()
        dashboard.read(["over_line_count", "charts_html"])
        self.env.invalidate_all()
        with self.assertQueryCount(DASHBOARD_QUERIES):
            dashboard.read(["over_line_count", "charts_html"])
        dashboard.action_refresh_figures()
        self.env.invalidate_all()
        with self.assertQueryCount(DASHBOARD_STORED_QUERIES):
            dashboard.read(["over_line_count", "charts_html"])


@tagged("post_install", "-at_install")
class TestCreditDashboardTour(HttpCase):
    def test_dashboard_tour(self):
        """A credit manager opens Credit Control, lands on the dashboard and opens a tile."""
        manager = new_user(self.env, "ccm_dashboard_tour", CREDIT_MANAGER)
        customer = self.env["res.partner"].create({"name": "Dashboard Tour Over Co", "is_company": True})
        customer.write({"credit_limit_manual": True, "credit_limit_manual_base": 100})
        post_customer_invoice(self.env, customer, 500, date.today())
        self.start_tour("/odoo", "ccm_credit_dashboard", login=manager.login)
        stored = self.env["credit.dashboard.figures"].sudo().search([("user_id", "=", manager.id)])
        self.assertEqual(len(stored), 1, "refreshed from the dashboard")
