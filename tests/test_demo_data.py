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
        overdue_days = {(today - inv.invoice_date_due).days for inv in invoices}
        self.assertTrue({10, 45, 100, 200} <= overdue_days, overdue_days)

    def test_demo_customer_file(self):
        huaxin = self.env.ref("customer_credit_management.demo_partner_huaxin")
        self.assertEqual(huaxin.customer_category, "key")
        self.assertTrue(huaxin.customer_feedback_ids)
        prospect = self.env.ref("customer_credit_management.demo_partner_prospect")
        self.assertEqual(prospect.customer_category, "potential")
