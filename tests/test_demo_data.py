from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import CreditCommon


@tagged("post_install", "-at_install")
class TestDemoData(CreditCommon):
    def setUp(self):
        super().setUp()
        if not self.env.ref("customer_credit_management.demo_partner_huaxin", raise_if_not_found=False):
            self.skipTest("the database was created without demo data")

    def test_demo_customers_are_graded(self):
        partners = self.env["res.partner"].concat(
            *(
                self.env.ref(f"customer_credit_management.demo_partner_{name}")
                for name in ("huaxin", "dongfang", "xinghe", "lianhua", "beichen", "minsheng")
            )
        )
        self.assertEqual(set(partners.credit_grade_id.mapped("code")), {"AA", "A", "B", "C", "D", "E"})
        self.assertFalse(self.env.ref("customer_credit_management.demo_partner_kunlun").credit_grade_id)

    def test_demo_orders_and_overdue_invoices(self):
        today = fields.Date.today()
        orders = self.env["sale.order"].search(
            [("partner_id.country_id", "=", self.env.ref("base.cn").id), ("state", "=", "sale")]
        )
        self.assertGreaterEqual(len(orders), 20)
        oldest = min(orders.mapped("date_order")).date()
        self.assertLess(oldest, today - timedelta(days=150), "orders spread over two quarters")
        invoices = self.env["account.move"].search(
            [
                ("partner_id.country_id", "=", self.env.ref("base.cn").id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
            ]
        )
        # Counted from the day the demo data was loaded: a run may pass midnight after it.
        loaded = min(invoices.mapped("create_date")).date()
        overdue_days = {(loaded - inv.invoice_date_due).days for inv in invoices}
        self.assertTrue({10, 45, 100, 200} <= overdue_days, overdue_days)

    def test_demo_customer_file(self):
        huaxin = self.env.ref("customer_credit_management.demo_partner_huaxin")
        self.assertEqual(huaxin.customer_category, "key")
        self.assertTrue(huaxin.customer_feedback_ids)
        prospect = self.env.ref("customer_credit_management.demo_partner_prospect")
        self.assertEqual(prospect.customer_category, "potential")

    def test_demo_users_per_role(self):
        """One demo user per role, with only its role's groups."""
        roles = {
            "demo_user_salesperson": "sales_team.group_sale_salesman",
            "demo_user_accountant": "account.group_account_user",
            "demo_user_credit_manager": "customer_credit_management.group_credit_manager",
            "demo_user_custodian": "customer_credit_management.group_customer_data_custodian",
            "demo_user_director": "customer_credit_management.group_marketing_director",
        }
        level = self.env["customer.confidentiality.level"]._default_level()
        for xmlid, group in roles.items():
            user = self.env.ref(f"customer_credit_management.{xmlid}")
            self.assertTrue(user.has_group(group), xmlid)
            self.assertFalse(user.has_group("base.group_partner_manager"), xmlid)
            self.assertFalse(user.has_group("base.group_system"), xmlid)
            self.assertEqual(user.customer_clearance_level_id, level, xmlid)
        self.assertFalse(
            self.env.ref("customer_credit_management.demo_user_credit_manager").has_group(
                "sales_team.group_sale_salesman"
            )
        )

    def test_demo_credit_lines(self):
        """The lines come from the demo orders: most customers are within theirs, a few are not."""
        names = ("huaxin", "jinghong", "dongfang", "haitong", "xinghe", "changjiang", "lianhua", "taishan")
        names += ("beichen", "minsheng", "kunlun", "wang_li")
        partners = self.env["res.partner"].concat(
            *(self.env.ref(f"customer_credit_management.demo_partner_{name}") for name in names)
        )
        over = partners.filtered("credit_exceeded")
        self.assertTrue(over)
        self.assertGreater(len(partners - over), len(over))
        self.assertTrue(all(partner.credit_limit_computed > 0 for partner in partners - over))

    def test_demo_temporary_line_and_credit_group(self):
        huaxin = self.env.ref("customer_credit_management.demo_partner_huaxin")
        request = self.env.ref("customer_credit_management.demo_credit_limit_request_huaxin")
        self.assertEqual(request.state, "approved")
        self.assertEqual(request.user_id, self.env.ref("customer_credit_management.demo_user_salesperson"))
        self.assertLess(huaxin.credit_limit_base * huaxin.credit_risk_factor, 150000)
        self.assertEqual(huaxin.credit_line, 150000, "the temporary line is in force")
        group = self.env.ref("customer_credit_management.demo_credit_group_jinghong")
        self.assertEqual(len(group.member_ids), 2)
        self.assertEqual(group.credit_line, 30000)

    def test_demo_bulk_job(self):
        job = self.env.ref("customer_credit_management.demo_credit_bulk_job_limits")
        self.assertEqual(job.state, "done")
        self.assertEqual((job.total, job.processed, job.changed, job.failed), (2, 2, 1, 0))
        self.assertIn("1 changed", job.summary)

    def test_demo_policy_simulation(self):
        """The demo proposal was replayed at installation: the results compare both policies."""
        simulation = self.env.ref("customer_credit_management.demo_policy_simulation_tighter_c")
        self.assertEqual(simulation.state, "done")
        self.assertTrue(simulation.line_ids)
        grade_c = self.env.ref("customer_credit_management.credit_grade_c")
        self.assertEqual(simulation.grade_ids.filtered(lambda g: g.grade_id == grade_c).risk_factor, 0.25)
        self.assertGreaterEqual(simulation.refused_proposed_count, simulation.refused_current_count)
