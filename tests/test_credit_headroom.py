from datetime import date, timedelta

from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged
from odoo.tools import format_amount, format_date

from .common import CreditControlCommon, post_customer_invoice

TODAY = date(2026, 6, 1)


def day(offset):
    return TODAY + timedelta(days=offset)


@tagged("post_install", "-at_install")
class TestCreditHeadroom(CreditControlCommon):
    """The dated headroom (issue #20): line 1,000 (manual limit 1,000, grade AA factor 1.0)."""

    def _pay(self, invoice, payment_date):
        with freeze_time(payment_date):
            self.env["account.payment.register"].with_context(
                active_model="account.move", active_ids=invoice.ids
            ).create({"payment_date": payment_date})._create_payments()

    def _history(self, delays):
        """One paid invoice of 100 per delay (payment date - due date), due 60, 50, 40... days ago."""
        for index, delay in enumerate(delays):
            due = day(-60 - 10 * index if delay <= 0 else -90 + 10 * index)
            invoice = post_customer_invoice(self.env, self.customer, 100, due)
            self._pay(invoice, due + timedelta(days=delay))

    def _projection(self):
        customer = self.customer.with_company(self.company)
        projection, median = customer._credit_headroom_projection(self.company)
        self.assertEqual(len(projection), 91)
        self.assertEqual(projection[0][0], TODAY)
        return dict(projection), median

    def _assert_steps(self, projection, steps):
        """``steps``: [(offset, headroom)] from which the headroom is that until the next step."""
        for (start, value), (end, _next) in zip(steps, [*steps[1:], (91, None)], strict=True):
            for offset in range(start, end):
                self.assertEqual(projection[day(offset)], value, f"day +{offset}")

    def test_no_history_due_date(self):
        with freeze_time(TODAY):
            post_customer_invoice(self.env, self.customer, 300, day(10))
            projection, median = self._projection()
        self.assertEqual(median, 0.0)
        self._assert_steps(projection, [(0, 700.0), (10, 1000.0)])

    def test_early_payer(self):
        self._history([-5, -6, -4])
        with freeze_time(TODAY):
            post_customer_invoice(self.env, self.customer, 300, day(20))
            projection, median = self._projection()
            self.assertEqual(self.customer.credit_payment_delay_median, -5.0)
        self.assertEqual(median, -5.0)
        self._assert_steps(projection, [(0, 700.0), (15, 1000.0)])

    def test_late_payer(self):
        self._history([10, 20, 30])
        with freeze_time(TODAY):
            post_customer_invoice(self.env, self.customer, 300, day(20))  # expected +40
            post_customer_invoice(self.env, self.customer, 200, day(-10))  # expected +10
            # Expected 10 days ago and still unpaid: not expected at any date of the projection.
            post_customer_invoice(self.env, self.customer, 100, day(-30))
            projection, median = self._projection()
        self.assertEqual(median, 20.0)
        self._assert_steps(projection, [(0, 400.0), (10, 600.0), (40, 900.0)])

    def test_orders_due_to_be_invoiced(self):
        """Confirmed orders are in the exposure once, and collected after invoicing + term."""
        self.customer.with_company(self.company).credit_term_days_override = 30
        with freeze_time(TODAY):
            soon = self._order(400)
            soon.commitment_date = day(10)
            soon.action_confirm()
            late = self._order(100)
            late.commitment_date = day(70)  # due +100: after the projection
            late.action_confirm()
            draft = self.env["account.move"].create(
                {
                    "move_type": "out_invoice",
                    "partner_id": self.customer.id,
                    "invoice_date": TODAY,
                    "invoice_date_due": day(5),
                    "invoice_line_ids": [
                        Command.create({"name": "Draft", "quantity": 1, "price_unit": 50, "tax_ids": []})
                    ],
                }
            )
            self.assertEqual(self.customer.with_company(self.company).credit_exposure, 550.0)
            projection, _median = self._projection()
        self.assertEqual(draft.state, "draft")
        self._assert_steps(projection, [(0, 450.0), (5, 500.0), (40, 900.0)])

    def test_refusal_banner_and_release_say_when_it_fits(self):
        currency = self.company.currency_id
        with freeze_time(TODAY):
            post_customer_invoice(self.env, self.customer, 1000, day(20))
            fits = self._order(100, user=self.salesperson)
            never = self._order(1001, user=self.salesperson)
            refusals = (fits + never).with_user(self.salesperson)._credit_check()
            zero = format_amount(self.env, 0.0, currency)
            expected = f"{zero} fits now; the whole order fits from {format_date(self.env, day(20))}."
            self.assertIn(expected, refusals[fits])
            self.assertIn(f"{zero} fits now; the whole order does not fit within 90 days.", refusals[never])
            # The quotation's banner is the refusal.
            self.assertIn(expected, fits.with_user(self.salesperson).credit_block_message)
            request = (
                self.env["credit.release.request"]
                .with_user(self.salesperson)
                .create({"order_id": fits.id, "reason": "Payment promised"})
            )
            self.assertEqual(request.customer_headroom, expected)
            self.assertIn(format_date(self.env, day(90)), request.customer_headroom_chart)
            chart = self.customer.with_user(self.credit_manager).credit_headroom_chart
            self.assertIn(format_date(self.env, day(90)), chart)

    def test_projection_query_count(self):
        """The projection of one quotation: one query, given the exposure the check read (and the
        two statements that plan it without JIT compilation, as the receivables query is)."""
        self._history([10])
        with freeze_time(TODAY):
            for offset in range(30):
                post_customer_invoice(self.env, self.customer, 10, day(offset))
            order = self._order(50)
            order.action_confirm()
            customer = self.customer.with_company(self.company)
            customer._credit_headroom_projection(self.company, 0.0, order.ids)  # warm the registry
            self.env.invalidate_all()
            # Read by the check before the projection.
            self.assertEqual(customer.credit_line, 1000.0)
            self.assertEqual(customer.credit_term_days, 0)
            with self.assertQueryCount(3):
                customer._credit_headroom_projection(self.company, 300.0, order.ids)
