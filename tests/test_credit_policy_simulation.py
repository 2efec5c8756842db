import base64
import io
from datetime import date, datetime

import openpyxl
from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import CREDIT_MANAGER, CreditControlCommon, new_user, post_customer_invoice

TODAY = date(2026, 6, 15)


@tagged("post_install", "-at_install")
class TestCreditPolicySimulation(CreditControlCommon):
    """A built history whose differences are known (issue #20), replayed over five month-ends
    (31 January - 31 May 2026):

    - Credit Customer (AA, factor 1.0, manual limit 1,000: line 1,000; proposed AA factor 0.5:
      line 500) confirms 400 on 10 April and 300 on 20 April: the current line lets both through,
      the proposed one refuses the second (400 + 300 > 500).
    - Unscored (default factor 0.5, manual limit 1,000: line 500 both ways) owes 200 due on
      1 December 2025: 61 days overdue on 31 January, held after 45 days (proposed), not after 90
      (current); its order of 100 on 10 February is refused by the proposal only. Invoiced on
      10 February, due 12 March, still open: 95 days overdue today, what the proposal avoided.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_user(
            cls.env, "ccm_simulation_manager", f"base.group_user,{CREDIT_MANAGER}", cls.company
        )
        cls.company.credit_overdue_hold_days = 90
        cls.unscored = cls.env["res.partner"].create({"name": "Unscored", "is_company": True})
        cls.unscored.with_company(cls.company).write(
            {"credit_limit_manual": True, "credit_limit_manual_base": 1000}
        )
        cls.aa = cls.env.ref("customer_credit_management.credit_grade_aa")
        post_customer_invoice(cls.env, cls.unscored, 200, date(2025, 12, 1))
        post_customer_invoice(cls.env, cls.unscored, 100, date(2026, 3, 12))  # dated 10 February
        for partner, amount, when in (
            (cls.customer, 400, datetime(2026, 4, 10, 10)),
            (cls.customer, 300, datetime(2026, 4, 20, 10)),
            (cls.unscored, 100, datetime(2026, 2, 10, 10)),
        ):
            order = cls._order(amount, partner=partner)
            order.action_confirm()
            # As superuser: a confirmed order's date is no user's to change where lines are enforced.
            order.sudo().date_order = when

    def _simulation(self, **vals):
        with freeze_time(TODAY):
            simulation = (
                self.env["credit.policy.simulation"]
                .with_user(self.manager)
                .create(
                    {"name": "Halve AA, hold after 45 days", "months": 5, "overdue_hold_days": 45, **vals}
                )
            )
            simulation.grade_ids.filtered(lambda g: g.grade_id == self.aa).risk_factor = 0.5
            simulation.action_simulate()
        return simulation

    def test_backtest_known_differences(self):
        simulation = self._simulation()
        self.assertEqual(simulation.state, "done")
        lines = simulation.line_ids
        self.assertEqual(
            sorted(set(lines.mapped("month_end"))),
            [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30), date(2026, 5, 31)],
        )

        def line(partner, month_end):
            return lines.filtered(lambda r: r.partner_id == partner and r.month_end == month_end)

        customer_march = line(self.customer, date(2026, 3, 31))
        self.assertRecordValues(
            customer_march,
            [
                {
                    "grade_current_id": self.aa.id,
                    "line_current": 1000.0,
                    "line_proposed": 500.0,
                    "order_count": 2,
                    "order_amount": 700.0,
                    "refused_current_count": 0,
                    "refused_proposed_count": 1,
                    "refused_proposed_amount": 300.0,
                    "stopped_overdue_amount": 0.0,
                }
            ],
        )
        unscored_january = line(self.unscored, date(2026, 1, 31))
        self.assertRecordValues(
            unscored_january,
            [
                {
                    "grade_current_id": False,
                    "line_current": 500.0,
                    "line_proposed": 500.0,
                    "exposure": 200.0,
                    "held_current": False,
                    "held_proposed": True,
                    "order_count": 1,
                    "refused_current_count": 0,
                    "refused_proposed_count": 1,
                    "refused_proposed_amount": 100.0,
                    "stopped_overdue_amount": 100.0,
                }
            ],
        )
        # 28 February: 89 days overdue, held by the proposal only; on 31 March both hold.
        self.assertRecordValues(
            line(self.unscored, date(2026, 2, 28)) + line(self.unscored, date(2026, 3, 31)),
            [{"held_current": False, "held_proposed": True}, {"held_current": True, "held_proposed": True}],
        )
        self.assertRecordValues(
            simulation,
            [
                {
                    "order_count": 3,
                    "refused_current_count": 0,
                    "refused_proposed_count": 2,
                    "refused_proposed_amount": 400.0,
                    "stopped_overdue_amount": 100.0,
                }
            ],
        )

    def test_apply_writes_the_proposal_once(self):
        simulation = self._simulation(limit_period="month")
        a_grade = self.env.ref("customer_credit_management.credit_grade_a")
        # Ranges that move: AA from 86 to 88, A up to 87.99 (never overlapping on the way).
        simulation.grade_ids.filtered(lambda g: g.grade_id == self.aa).score_min = 88
        simulation.grade_ids.filtered(lambda g: g.grade_id == a_grade).score_max = 87.99
        simulation.with_user(self.manager).action_apply()
        self.assertEqual(simulation.state, "applied")
        self.assertRecordValues(
            self.aa + a_grade,
            [
                {"score_min": 88, "score_max": 100, "risk_factor": 0.5},
                {"score_min": 71, "score_max": 87.99, "risk_factor": 0.9},
            ],
        )
        # The customer (score 90) keeps AA; the grades follow the new table.
        self.assertEqual(self.customer.credit_grade_id, self.aa)
        self.assertEqual(self.company.credit_overdue_hold_days, 45)
        self.assertEqual(self.customer.with_company(self.company).credit_limit_period, "month")
        self.assertIn("Policy applied", simulation.message_ids[0].body)
        with self.assertRaises(UserError):
            simulation.with_user(self.manager).write({"months": 3})

    def test_credit_manager_only(self):
        with self.assertRaises(AccessError):
            self.env["credit.policy.simulation"].with_user(self.salesperson).create({"name": "Mine"})
        simulation = self._simulation()
        with self.assertRaises(AccessError):
            simulation.with_user(self.salesperson).action_apply()
        with self.assertRaises(UserError):
            simulation.with_user(self.manager).write({"state": "applied"})

    def test_comparison_xlsx(self):
        simulation = self._simulation()
        simulation.with_user(self.manager).action_export_xlsx()
        workbook = openpyxl.load_workbook(io.BytesIO(base64.b64decode(simulation.xlsx_file)))
        comparison = list(workbook.worksheets[0].iter_rows(values_only=True))
        header = comparison[0]
        refused = header.index("Refused Proposed (Amount)")
        self.assertEqual(sum(row[refused] for row in comparison[1:]), 400.0)
        customers = list(workbook.worksheets[1].iter_rows(values_only=True))
        self.assertEqual(len(customers) - 1, len(simulation.line_ids))
        march = next(row for row in customers[1:] if row[1] == "Credit Customer" and row[0].month == 3)
        self.assertEqual(march[header.index("Line Proposed") + 2], 500.0)
