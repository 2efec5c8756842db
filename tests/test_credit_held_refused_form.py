"""Issue 18, point 3: a quotation refused in its form (the UserError rolls the transaction back)
is on the held-order worklist all the same, derived from the one credit decision."""

from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from .test_credit_held_orders import HeldOrdersCommon


@tagged("post_install", "-at_install")
class TestHeldOrderRefusedInForm(HeldOrdersCommon):
    def _worklist(self, xmlid="sale_order_action_credit_held_mine", user=None):
        user = user or self.salesperson
        action = self.env.ref(f"customer_credit_management.{xmlid}")
        domain = safe_eval(action.domain, {"uid": user.id})
        self.env.invalidate_all()
        return self.env["sale.order"].with_user(user).search(domain)

    def test_refused_in_the_form_is_listed(self):
        order = self._order(1200, user=self.salesperson)
        within = self._order(300, user=self.salesperson)
        with self.assertRaisesRegex(UserError, "exceeds the credit line"):
            order.with_user(self.salesperson).action_confirm()
        self.assertEqual(order.state, "draft")
        self.assertFalse(order.credit_refusal_reason, "nothing stored: the transaction rolled back")
        self.assertEqual(self._worklist(), order)
        self.assertEqual(self._worklist("sale_order_action_credit_held", self.credit_manager), order)
        order.invalidate_recordset()
        self.assertTrue(order.credit_refused)
        self.assertEqual(order.credit_refused_reason, "over_line")
        self.assertEqual(order.credit_refused_excess, 200)
        self.assertFalse(within.credit_refused)
        # Allowed again once the line is raised: it leaves the list and confirms.
        self.customer.with_company(self.company).credit_limit_manual_base = 2000
        self.assertFalse(self._worklist())
        order.with_user(self.salesperson).action_credit_confirm_held()
        self.assertEqual(order.state, "sale")

    def test_hold_reason_and_release(self):
        order = self._order(100, user=self.salesperson)
        self.customer._credit_set_hold("collection")
        self.assertEqual(self._worklist(), order)
        self.assertEqual(order.credit_refused_reason, "collection")
        # A released quotation is allowed by the decision: listed as released, not as refused.
        self.customer._credit_lift_hold(["collection"])
        big = self._order(1500, user=self.salesperson)
        self.env["credit.release.request"].with_user(self.salesperson).create(
            {"order_id": big.id, "reason": "Key account"}
        ).with_user(self.credit_manager).action_approve()
        big.invalidate_recordset()
        self.assertFalse(big.credit_refused)
        self.assertIn(big, self._worklist(), "listed with its release")

    def test_worklist_query_count_does_not_grow_per_quotation(self):
        """The worklist's search decides every open quotation in one pass per company: as many
        queries for five refused quotations as for one."""
        counts = []
        for _more in (1, 4):
            for _index in range(_more):
                self._order(1200, user=self.salesperson)
            self._worklist()  # warm the registry caches
            self.env.invalidate_all()
            count = self.env.cr.sql_log_count
            self._worklist()
            counts.append(self.env.cr.sql_log_count - count)
        self.assertEqual(counts[0], counts[1])
