import xmlrpc.client
from datetime import date

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import HttpCase, tagged
from odoo.tools.safe_eval import safe_eval

from .common import (
    SALESPERSON,
    CreditCommon,
    CreditControlCommon,
    new_user,
    post_customer_invoice,
    xmlrpc_execute,
)

WARNING = "customer_credit_management.mail_activity_type_credit_warning"
CONFIRMABLE = "customer_credit_management.mail_activity_type_credit_confirmable"


class HeldOrdersCommon(CreditControlCommon):
    """The customer of ``CreditControlCommon`` (credit line 1,000) has the salesperson; the
    company a credit manager in charge."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.credit_responsible_id = cls.credit_manager
        cls.customer.user_id = cls.salesperson
        cls.env.cr.flush()  # the set-up's own re-evaluation

    def _commit(self):
        """What the end of a request does before it commits: the re-evaluation of the customers
        whose exposure changed (a precommit hook)."""
        self.env.cr.flush()
        self.env.invalidate_all()

    def _activities(self, record, xmlid):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", record._name),
                ("res_id", "in", record.ids),
                ("activity_type_id", "=", self.env.ref(xmlid).id),
            ]
        )

    def _pay(self, invoice, amount):
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({"amount": amount})._create_payments()

    def _held(self, amount, other_amount=1, partner=None):
        """A quotation of ``amount`` refused in a batch confirmation by the salesperson (flagged,
        not raised), with another order after it (accepted unless refused too)."""
        order = self._order(amount, partner=partner, user=self.salesperson)
        other = self._order(other_amount, partner=partner, user=self.salesperson)
        (order + other).with_user(self.salesperson).action_confirm()
        self.assertEqual(order.state, "draft")
        return order


@tagged("post_install", "-at_install")
class TestCreditEarlyWarning(HeldOrdersCommon):
    def test_one_activity_per_crossing(self):
        customer = self.customer.with_company(self.company)
        first = self._order(850, user=self.salesperson, confirm=True)
        self._commit()
        self.assertEqual(customer.credit_alert_state, "near")
        activities = self._activities(customer, WARNING)
        self.assertEqual(activities.user_id, self.salesperson | self.credit_manager)
        self.assertEqual(len(activities), 2, "one for the salesperson, one for the credit manager")
        self.assertIn("reached 80 %", activities[0].note)
        # A second order while the customer stays above the threshold: no new activity.
        self._order(50, user=self.salesperson, confirm=True)
        self._commit()
        self.assertEqual(len(self._activities(customer, WARNING)), 2)
        # Beyond the line (an invoice outside the orders): one more each.
        invoice = post_customer_invoice(self.env, self.customer, 300, date(2026, 6, 30))
        self._commit()
        self.assertEqual(customer.credit_alert_state, "over")
        self.assertEqual(len(self._activities(customer, WARNING)), 4)
        # Below the threshold again (the invoice credited, the first order cancelled), then crossing again.
        self._pay(invoice, 300)
        first._action_cancel()
        self._commit()
        self.assertEqual(customer.credit_alert_state, "ok")
        self.assertEqual(len(self._activities(customer, WARNING)), 4, "falling sends nothing")
        self._order(800, user=self.salesperson, confirm=True)
        self._commit()
        self.assertEqual(customer.credit_alert_state, "near")
        self.assertEqual(len(self._activities(customer, WARNING)), 6)

    def test_threshold_is_the_company_share(self):
        self.company.credit_near_line_share = 0.9
        customer = self.customer.with_company(self.company)
        self._order(850, user=self.salesperson, confirm=True)
        self._commit()
        self.assertIn(customer.credit_alert_state, (False, "ok"))
        self.assertFalse(self._activities(customer, WARNING))
        with self.assertRaises(ValidationError):
            self.company.credit_near_line_share = 1.5

    def test_ribbon_state(self):
        customer = self.customer.with_company(self.company)
        self.assertFalse(customer.credit_alert_display)
        self._order(850, confirm=True)
        customer.invalidate_recordset()
        self.assertEqual(customer.credit_alert_display, "near")
        self.assertEqual(self.contact.with_company(self.company).credit_alert_display, "near")
        post_customer_invoice(self.env, self.customer, 300, date(2026, 6, 30))
        customer.invalidate_recordset()
        self.assertEqual(customer.credit_alert_display, "over")
        customer.action_credit_hold()
        customer.invalidate_recordset()
        self.assertEqual(customer.credit_alert_display, "hold")
        self.company.credit_control_enabled = False
        customer.invalidate_recordset()
        self.assertFalse(customer.credit_alert_display, "no ribbon where lines are not enforced")

    def test_quotation_shows_available_credit(self):
        self._order(300, confirm=True)
        order = self._order(100, user=self.salesperson).with_user(self.salesperson)
        self.assertEqual(order.credit_available, 700)
        arch = order.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('name="credit_available"', arch)


@tagged("post_install", "-at_install")
class TestHeldOrders(HeldOrdersCommon):
    def test_worklist_entry(self):
        order = self._held(1500)
        self.assertTrue(order.credit_blocked)
        self.assertEqual(order.credit_refusal_reason, "over_line")
        self.assertEqual(order.credit_refusal_excess, 500)
        self.assertTrue(order.credit_held_since)
        self.assertFalse(order.credit_confirmable)
        # The worklist is a plain search, the salesperson's own orders.
        action = self.env.ref("customer_credit_management.sale_order_action_credit_held_mine")
        domain = safe_eval(action.domain, {"uid": self.salesperson.id})
        listed = self.env["sale.order"].with_user(self.salesperson).search(domain)
        self.assertEqual(listed, order)

    def test_worklist_reason_of_a_hold(self):
        self.customer._credit_set_hold("collection")
        order = self._held(100)
        self.assertEqual(order.credit_refusal_reason, "collection")
        self.assertEqual(order.credit_refusal_excess, 0)

    def test_release_request_lists_the_order(self):
        order = self._order(1200, user=self.salesperson)
        with self.assertRaises(UserError):
            order.with_user(self.salesperson).action_confirm()
        self.env["credit.release.request"].with_user(self.salesperson).create(
            {"order_id": order.id, "reason": "Key account"}
        )
        self.assertEqual(order.credit_refusal_reason, "over_line")
        self.assertEqual(order.credit_refusal_excess, 200)
        order.sudo().credit_release_ids.with_user(self.credit_manager).action_approve()
        self.assertTrue(order.credit_release_expiry)

    def test_recheck_after_payment(self):
        invoice = post_customer_invoice(self.env, self.customer, 800, date(2026, 6, 30))
        order = self._held(500)
        self.assertEqual(order.credit_refusal_excess, 300)  # 800 + 500 - 1,000
        self._commit()
        self.assertFalse(order.credit_confirmable)
        self.assertFalse(self._activities(order, CONFIRMABLE))
        # A partial payment: still over, the excess follows.
        self._pay(invoice, 100)
        self._commit()
        self.assertFalse(order.credit_confirmable)
        self.assertEqual(order.credit_refusal_excess, 201)
        self._pay(invoice, 700)
        self._commit()
        self.assertTrue(order.credit_confirmable)
        self.assertEqual(order.credit_refusal_reason, "over_line", "the reason it was held stays")
        activity = self._activities(order, CONFIRMABLE)
        self.assertEqual(activity.user_id, self.salesperson)
        # One click confirms it through the credit check, which now passes.
        order.with_user(self.salesperson).action_credit_confirm_held()
        self.assertEqual(order.state, "sale")
        self.assertFalse(order.credit_refusal_reason or order.credit_blocked or order.credit_confirmable)
        self.assertFalse(self._activities(order, CONFIRMABLE))

    def test_recheck_after_line_raised(self):
        order = self._held(1500)
        self.customer.with_company(self.company).credit_limit_manual_base = 2000
        self._commit()
        self.assertTrue(order.credit_confirmable)

    def test_one_click_confirm_refuses_over_the_line(self):
        order = self._held(1500)
        with self.assertRaisesRegex(UserError, "exceeds the credit line"):
            order.with_user(self.salesperson).action_credit_confirm_held()
        self.assertEqual(order.state, "draft")
        # Marked confirmable, then the exposure rose again: the confirmation checks anew.
        self.customer.with_company(self.company).credit_limit_manual_base = 2000
        self._commit()
        self.assertTrue(order.credit_confirmable)
        post_customer_invoice(self.env, self.customer, 900, date(2026, 6, 30))
        with self.assertRaisesRegex(UserError, "exceeds the credit line"):
            order.with_user(self.salesperson).action_credit_confirm_held()
        self._commit()
        self.assertFalse(order.credit_confirmable)

    def _held_orders(self):
        return self.env["sale.order"].search(
            [("credit_refusal_reason", "!=", False), ("state", "in", ("draft", "sent"))]
        )

    def _reevaluate_queries(self, partner=None):
        """The queries of the re-evaluation that closes a transaction, run alone."""
        self.env.flush_all()
        self.env.cr.precommit.clear()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        self.env["res.partner"].sudo().with_company(self.company)._credit_reevaluate(
            [(partner or self.customer).id]
        )
        return self.env.cr.sql_log_count - before

    def test_recheck_query_count(self):
        """The re-check after a reconciliation: a fixed number of queries, whatever the number of
        held orders of the customer, whether they stay held or become confirmable."""
        invoice = post_customer_invoice(self.env, self.customer, 5000, date(2026, 6, 30))
        self._held(500)
        held = self._held_orders()
        self._reevaluate_queries()  # warm the caches
        self._pay(invoice, 10)
        excess = held.mapped("credit_refusal_excess")
        still_held_few = self._reevaluate_queries()
        self.assertEqual(held.mapped("credit_refusal_excess"), [amount - 10 for amount in excess])
        self._held(500)
        self._held(500)
        self._held(500)
        held = self._held_orders()
        self.assertEqual(len(held), 8)  # with the other order of each batch
        self._pay(invoice, 10)
        excess = held.mapped("credit_refusal_excess")
        still_held_many = self._reevaluate_queries()
        self.assertEqual(held.mapped("credit_refusal_excess"), [amount - 10 for amount in excess])
        self.assertEqual(still_held_many, still_held_few)
        self.assertLessEqual(still_held_few, 17)

    def _released_queries(self, batches):
        """The queries of the re-check that finds the held orders of ``batches`` batches (two
        orders each) of a new customer confirmable, after a payment in full."""
        customer = self.env["res.partner"].create(
            {
                "name": f"Held {batches}",
                "is_company": True,
                "credit_score": 90,
                "user_id": self.salesperson.id,
            }
        )
        customer.with_company(self.company).write(
            {"credit_limit_manual": True, "credit_limit_manual_base": 1000}
        )
        invoice = post_customer_invoice(self.env, customer, 5000, date(2026, 6, 30))
        for _ in range(batches):
            self._held(500, partner=customer)
        self._reevaluate_queries(customer)
        self._pay(invoice, 5000)
        count = self._reevaluate_queries(customer)
        held = self._held_orders().filtered(lambda order: order.partner_id == customer)
        self.assertEqual(len(held), 2 * batches)
        self.assertEqual(held.mapped("credit_confirmable"), [True] * len(held))
        self.assertEqual(len(self._activities(held, CONFIRMABLE)), len(held), "one activity per order")
        return count

    def test_release_query_count(self):
        """Held orders found confirmable, each with an activity: still a fixed number of queries."""
        self._released_queries(1)  # warm the caches
        self.assertEqual(self._released_queries(4), self._released_queries(1))


@tagged("post_install", "-at_install")
class TestHeldOrdersRpc(HttpCase):
    def test_salesperson_cannot_write_held_fields(self):
        company = self.env.company
        company.credit_control_enabled = True
        salesperson = new_user(self.env, "ccm_held_seller", SALESPERSON)
        customer = self.env["res.partner"].create({"name": "Held RPC Customer", "is_company": True})
        customer.write({"credit_limit_manual": True, "credit_limit_manual_base": 100})
        product = self.env["product.product"].create({"name": "Held widget", "taxes_id": [Command.clear()]})
        order = (
            self.env["sale.order"]
            .with_user(salesperson)
            .create(
                {
                    "partner_id": customer.id,
                    "order_line": [Command.create({"product_id": product.id, "price_unit": 500})],
                }
            )
        )
        order.sudo()._credit_hold_record({order.sudo(): order._credit_check()[order]})
        self.assertEqual(order.credit_refusal_reason, "over_line")
        for vals in (
            {"credit_refusal_reason": False},
            {"credit_confirmable": True},
            {"credit_refusal_excess": 0},
            {"credit_held_since": False},
            {"credit_blocked": True},
        ):
            with self.subTest(vals=vals), self.assertRaises(xmlrpc.client.Fault) as caught:
                xmlrpc_execute(self, salesperson, "sale.order", "write", [order.ids, vals])
            self.assertIn("computed and cannot be set", caught.exception.faultString)
        order.invalidate_recordset()
        self.assertEqual(order.credit_refusal_reason, "over_line")
        self.assertFalse(order.credit_confirmable)


@tagged("post_install", "-at_install")
class TestWorkbenchDemo(CreditCommon):
    def setUp(self):
        super().setUp()
        if not self.env.ref("customer_credit_management.demo_partner_haixing", raise_if_not_found=False):
            self.skipTest("the database was created without demo data")

    def test_demo_near_line_customer_and_held_orders(self):
        company = self.env.ref("base.main_company")
        haixing = self.env.ref("customer_credit_management.demo_partner_haixing").with_company(company)
        self.assertEqual(haixing.credit_alert_state, "near")
        self.assertEqual(haixing.credit_alert_display, "near")
        self.assertTrue(haixing.activity_ids.filtered(lambda a: a.activity_type_id == self.env.ref(WARNING)))
        over = self.env.ref("customer_credit_management.demo_order_haixing_2")
        held = self.env.ref("customer_credit_management.demo_order_taishan_held")
        self.assertEqual((over.state, over.credit_refusal_reason), ("draft", "over_line"))
        self.assertEqual(over.credit_refusal_excess, 12000)
        self.assertEqual((held.state, held.credit_refusal_reason), ("draft", "overdue"))
