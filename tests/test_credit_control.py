import re
import xmlrpc.client
from datetime import date, datetime

from freezegun import freeze_time

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, tagged

from ..models.credit.res_partner import previous_period
from ..models.credit.res_partner_credit_alert import EXPOSURE_CHANGED
from .common import SALESPERSON, CreditControlCommon, logged_statements, new_user


@tagged("post_install", "-at_install")
class TestCreditLimit(CreditControlCommon):
    def test_previous_period(self):
        self.assertEqual(previous_period("quarter", date(2026, 5, 15)), (date(2026, 1, 1), date(2026, 4, 1)))
        self.assertEqual(previous_period("quarter", date(2026, 1, 1)), (date(2025, 10, 1), date(2026, 1, 1)))
        self.assertEqual(previous_period("month", date(2026, 5, 15)), (date(2026, 4, 1), date(2026, 5, 1)))
        self.assertEqual(previous_period("month", date(2026, 1, 31)), (date(2025, 12, 1), date(2026, 1, 1)))

    def _confirmed(self, amount, when, partner=None, cancel=False):
        order = self._order(amount, partner=partner, confirm=True)
        order.date_order = when
        if cancel:
            order._action_cancel()
        return order

    def test_limit_formula_both_periods(self):
        self.company.credit_control_enabled = False
        industry = self.env["res.partner.industry"].create(
            {"name": "Electronics test", "credit_term_days": 45}
        )
        customer = self.customer.with_company(self.company)
        customer.write({"industry_id": industry.id, "credit_limit_manual": False})
        self.assertEqual(customer.credit_term_days, 45)
        self._confirmed(1000, datetime(2026, 1, 10, 9))
        self._confirmed(2000, datetime(2026, 3, 31, 23))
        self._confirmed(500, datetime(2026, 2, 1), partner=self.contact)  # rolled up to the company
        self._confirmed(700, datetime(2026, 2, 2), cancel=True)  # cancelled: ignored
        self._confirmed(600, datetime(2026, 4, 20))  # last month
        self._confirmed(5000, datetime(2025, 12, 1))  # before the period
        self._order(9000)  # a quotation: ignored
        with freeze_time("2026-05-15"):
            customer.with_user(self.credit_manager).action_compute_credit_limit()
            self.assertEqual(customer.credit_limit_computed, 1750)  # 3,500 x 45 / 90
            self.assertEqual(customer.credit_limit_date, date(2026, 5, 15))
            customer.credit_limit_period = "month"
            self.contact.with_company(self.company).with_user(
                self.credit_manager
            ).action_compute_credit_limit()
            self.assertEqual(customer.credit_limit_computed, 900)  # 600 x 45 / 30
        # Credit line = limit x factor of the grade (AA: 1.0), Odoo's own limit follows.
        self.assertEqual(customer.credit_line, 900)
        self.assertEqual(customer.credit_limit, 900)
        self.assertTrue(customer.use_partner_credit_limit)
        customer.credit_score = 60  # grade C, factor 0.5
        self.assertEqual(customer.credit_line, 450)
        customer.credit_score_date = False  # no grade: the company's default factor
        self.company.credit_default_risk_factor = 0.2
        self.assertEqual(customer.with_company(self.company).credit_line, 180)

    def test_limit_counts_an_order_without_rate(self):
        """An order's company-currency amount is one conversion (``company_amount``): a confirmed
        order without a currency rate counts at rate 1 for the limit, as for the credit check and
        the classification and the exposure, instead of failing their queries with a division by zero."""
        self.company.credit_control_enabled = False
        customer = self.customer.with_company(self.company)
        customer.write({"credit_term_days_override": 90, "credit_limit_manual": False})
        order = self._confirmed(1000, datetime(2026, 2, 1))
        self.env.flush_all()
        self.env.cr.execute("UPDATE sale_order SET currency_rate = 0 WHERE id = %s", [order.id])
        self.env.invalidate_all()
        with freeze_time("2026-05-15"):
            customer.with_user(self.credit_manager).action_compute_credit_limit()
        self.assertEqual(customer.credit_limit_computed, 1000)
        self.assertEqual(order._credit_amount(), 1000)
        self.assertEqual(customer._customer_category_amounts()[0][customer.id][2026], (1000, 1000))
        exposure = self.env["credit.exposure"]
        self.assertEqual(exposure._exposure_by_partner(customer.ids, self.company)[customer.id], 1000)
        self.assertEqual(exposure._exposure_by_partner(None, self.company)[customer.id], 1000)

    def test_confirmed_order_date_stays_for_the_limit(self):
        """An old confirmed order moved into last quarter would count for the next computed limit:
        its date is not the salesperson's to change where credit lines are enforced."""
        customer = self.customer.with_company(self.company)
        customer.credit_term_days_override = 90
        with freeze_time("2025-06-01"):
            order = self._order(500, user=self.salesperson, confirm=True)
        with freeze_time("2026-05-15"):
            with self.assertRaisesRegex(UserError, "cannot be changed"):
                order.with_user(self.salesperson).write({"date_order": datetime(2026, 2, 1, 9)})
            customer.with_user(self.credit_manager).action_compute_credit_limit()
        self.assertEqual(customer.credit_limit_computed, 0)

    def test_term_from_payment_term(self):
        customer = self.customer.with_company(self.company)
        customer.property_payment_term_id = self.env.ref("account.account_payment_term_30days")
        self.assertEqual(customer.credit_term_days, 30)
        customer.credit_term_days_override = 60
        self.assertEqual(customer.credit_term_days, 60)

    def test_only_credit_managers_set_credit(self):
        customer = self.customer.with_user(self.salesperson)
        with self.assertRaises(AccessError):
            customer.action_compute_credit_limit()
        for vals in (
            {"credit_hold": False},
            {"credit_limit_manual_base": 10**9},
            {"credit_term_days_override": 365},
        ):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                customer.write(vals)


@tagged("post_install", "-at_install")
class TestCreditExposure(CreditControlCommon):
    def _exposure(self, partner=None):
        partner = (partner or self.customer).with_company(self.company)
        partner.invalidate_recordset(["credit_exposure"])
        # Given customers go through the database function, all customers through the plain
        # query: both give the same figure.
        every = self.env["credit.exposure"]._exposure_by_partner(None, self.company)
        self.assertEqual(every.get(partner.commercial_partner_id.id, 0.0), partner.credit_exposure)
        return partner.credit_exposure

    def _pay(self, invoice, amount, currency=None):
        vals = {"amount": amount}
        if currency:
            vals["currency_id"] = currency.id
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create(vals)._create_payments()

    def test_lifecycle(self):
        self.company.credit_control_enabled = False
        order = self._order(1000)
        self.assertEqual(self._exposure(), 0, "a quotation is no credit")
        order.action_confirm()
        self.assertEqual(self._exposure(), 1000)
        picking = order.picking_ids
        picking.move_ids.quantity = 0.4 * 1  # part of the goods leave
        self.assertEqual(self._exposure(), 1000, "delivering changes nothing")
        invoice = order._create_invoices()
        self.assertEqual(invoice.state, "draft")
        self.assertEqual(self._exposure(), 1000, "a draft invoice replaces the order's amount")
        invoice.action_post()
        self.assertEqual(self._exposure(), 1000, "the receivable replaces the draft")
        self._pay(invoice, 400)
        self.assertEqual(self._exposure(), 600)
        # A credit note outside the order (a goodwill discount). One reversing the order's
        # invoice re-opens the order's quantity to invoice, as Odoo's own "to invoice" does.
        refund = self.init_invoice("out_refund", partner=self.customer, amounts=[100], taxes=[])
        self.assertEqual(self._exposure(), 500, "a draft credit note deducts")
        refund.action_post()
        self.assertEqual(self._exposure(), 500, "an open credit note deducts")
        self._pay(invoice, 600)
        self.assertEqual(self._exposure(), -100, "the credit note is still open")

    def test_contacts_roll_up(self):
        self.company.credit_control_enabled = False
        self._order(300, partner=self.contact).action_confirm()
        self.init_invoice("out_invoice", partner=self.contact, amounts=[200], taxes=[], post=True)
        self.assertEqual(self._exposure(), 500)
        self.assertEqual(self._exposure(self.contact), 500, "a contact shows its company's exposure")

    def _down_payment(self, order, amount):
        self.env["sale.advance.payment.inv"].with_context(
            active_model="sale.order", active_ids=order.ids
        ).create({"advance_payment_method": "fixed", "fixed_amount": amount}).create_invoices()
        return order.invoice_ids.filtered(lambda move: move.state == "draft")

    def test_down_payment_counted_once(self):
        self.company.credit_control_enabled = False
        order = self._order(1000, confirm=True)
        down_payment = self._down_payment(order, 300)
        self.assertEqual(self._exposure(), 1000, "a draft down payment moves 300 out of the order")
        down_payment.action_post()
        self.assertEqual(self._exposure(), 1000, "the down payment is a receivable now")
        self._pay(down_payment, 300)
        self.assertEqual(self._exposure(), 700, "a paid down payment is no credit")
        final = order._create_invoices(final=True)
        self.assertEqual(final.amount_total, 700)
        self.assertEqual(self._exposure(), 700, "the final invoice deducts the down payment once")
        final.action_post()
        self.assertEqual(self._exposure(), 700)
        self._pay(final, 700)
        self.assertEqual(self._exposure(), 0)

    def test_unapplied_payment_and_other_currency(self):
        self.company.credit_control_enabled = False
        eur = self.setup_other_currency("EUR", rates=[("2000-01-01", 2.0)])
        self._order(1000, currency=eur, confirm=True)  # 1,000 EUR = 500 in the company currency
        self.assertEqual(self._exposure(), 500)
        payment = self.env["account.payment"].create(
            {
                "partner_id": self.customer.id,
                "payment_type": "inbound",
                "partner_type": "customer",
                "amount": 200,
            }
        )
        payment.action_post()
        self.assertEqual(self._exposure(), 300, "an unapplied payment deducts")

    def test_other_company_does_not_count(self):
        other = self.setup_other_company()["company"]
        order = (
            self.env["sale.order"]
            .with_company(other)
            .create(
                {
                    "partner_id": self.customer.id,
                    "company_id": other.id,
                    "order_line": [Command.create({"product_id": self.product.id, "price_unit": 5000})],
                }
            )
        )
        order.action_confirm()
        self.assertEqual(self._exposure(), 0)
        self.assertEqual(self.customer.with_company(other).credit_exposure, order.amount_total)


@tagged("post_install", "-at_install")
class TestCreditEnforcement(CreditControlCommon):
    def test_within_line_then_refused(self):
        first = self._order(800, user=self.salesperson)
        self.assertFalse(first.credit_block_message)
        self.assertEqual(first.credit_available_after, 200)
        first.action_confirm()
        self.assertEqual(first.state, "sale")
        second = self._order(300, user=self.salesperson)
        self.assertIn("exceeds the credit line", second.credit_block_message)
        with self.assertRaises(UserError) as caught:
            second.action_confirm()
        message = str(caught.exception)
        for figure in ("1,000.00", "800.00", "300.00", "100.00"):
            self.assertIn(figure, message)
        self.assertEqual(second.state, "draft")
        # Changing the payment term is no way around the line.
        second.payment_term_id = self.env.ref("account.account_payment_term_immediate")
        with self.assertRaises(UserError):
            second.action_confirm()

    def test_enforcement_off(self):
        self.company.credit_control_enabled = False
        order = self._order(5000, user=self.salesperson, confirm=True)
        self.assertEqual(order.state, "sale")

    def _confirm_reading_credit_tables(self, order):
        """Confirm ``order`` as the salesperson; the statements that touched the credit tables or
        the exposure function. The credit columns of Odoo's tables come with the rows Odoo reads
        anyway; the confidentiality rules are not switched off."""
        self.env.flush_all()
        self.env.invalidate_all()
        with logged_statements() as executed:
            order.with_user(self.salesperson).action_confirm()
            self.env.flush_all()
        self.assertEqual(order.state, "sale")
        return [query for query in executed if re.search(r'(FROM|JOIN|INTO|UPDATE) "?credit_', query)]

    def test_enforcement_off_adds_no_query(self):
        """With enforcement off, confirming an order reads none of the module's tables and leaves
        no re-evaluation for the commit: installing the module costs a confirmation nothing."""
        self.company.credit_control_enabled = False
        order = self._order(5000, user=self.salesperson)
        self.env.flush_all()
        self.env.cr.precommit.data.pop(EXPOSURE_CHANGED, None)  # what the set-up changed
        ours = self._confirm_reading_credit_tables(order)
        self.assertFalse(ours, "\n".join(ours))
        self.assertNotIn(EXPOSURE_CHANGED, self.env.cr.precommit.data)

    def test_enforcement_on_reads_the_exposure_only(self):
        """With enforcement on, confirming an order within its line reads one statement of the
        module's tables: the exposure (with the customer's lock), besides the customer's line
        columns and its grade's row (the risk factor); an order without an approved release reads
        no release."""
        order = self._order(500, user=self.salesperson)
        ours = [
            query
            for query in self._confirm_reading_credit_tables(order)
            if 'FROM "credit_grade"' not in query
        ]
        self.assertEqual(len(ours), 1, "\n".join(ours))
        self.assertIn("credit_exposure_by_partner", ours[0])

    def test_no_line_means_zero(self):
        stranger = self.env["res.partner"].create({"name": "Unknown customer"})
        with self.assertRaisesRegex(UserError, "exceeds the credit line"):
            self._order(1, partner=stranger, user=self.salesperson, confirm=True)

    def test_hold_refuses(self):
        self.customer.with_user(self.credit_manager).action_credit_hold()
        with self.assertRaisesRegex(UserError, "on credit hold"):
            self._order(10, user=self.salesperson, confirm=True)

    def test_overdue_receivables_hold_and_release(self):
        self.company.credit_overdue_hold_days = 90
        with freeze_time("2026-01-01"):
            invoice = self.init_invoice(
                "out_invoice",
                partner=self.customer,
                invoice_date=date(2026, 1, 1),
                amounts=[100],
                taxes=[],
                post=True,
            )
            self.env.flush_all()  # due dates are computed at flush: while the date is frozen
        self.assertEqual(invoice.line_ids.mapped("date_maturity"), [False, date(2026, 1, 1)])
        Partner = self.env["res.partner"]
        with freeze_time("2026-03-31"):  # 89 days after the due date
            Partner._cron_credit_hold_overdue()
            self.assertFalse(self.customer.credit_hold)
        with freeze_time("2026-04-02"):  # 91 days
            Partner._cron_credit_hold_overdue()
            self.assertTrue(self.customer.credit_hold)
            self.assertEqual(self.customer.credit_hold_reason, "overdue")
            with self.assertRaisesRegex(UserError, "on credit hold"):
                self._order(1, user=self.salesperson, confirm=True)
            self.env["account.payment.register"].with_context(
                active_model="account.move", active_ids=invoice.ids
            ).create({})._create_payments()
            Partner._cron_credit_hold_overdue()
            self.assertFalse(self.customer.credit_hold, "paying lifts the hold this rule set")
        # A hold set by a credit manager is not lifted by the rule.
        self.customer.with_user(self.credit_manager).action_credit_hold()
        Partner._cron_credit_hold_overdue()
        self.assertTrue(self.customer.credit_hold)

    def test_hold_precedence(self):
        """Every writer of the hold goes through one precedence (``_credit_set_hold`` /
        ``_credit_lift_hold``): the overdue rule neither replaces nor lifts a manual, hand-set or
        collection hold, and a payment lifts only the collection hold."""
        self.company.credit_overdue_hold_days = 90
        collection = self.env["res.partner"].create({"name": "In Collection", "is_company": True})
        by_hand = self.env["res.partner"].create({"name": "Held by Hand", "is_company": True})
        customers = self.customer + collection + by_hand
        with freeze_time("2026-01-01"):
            invoices = [
                self.init_invoice(
                    "out_invoice",
                    partner=partner,
                    invoice_date=date(2026, 1, 1),
                    amounts=[100],
                    taxes=[],
                    post=True,
                )
                for partner in customers
            ]
            self.env.flush_all()
        self.customer.with_user(self.credit_manager).action_credit_hold()
        self.customer.with_user(self.credit_manager).credit_hold_note = "Director's call"
        collection.sudo()._credit_set_hold("collection")
        by_hand.with_user(self.credit_manager).credit_hold = True  # the form, without a reason
        Partner = self.env["res.partner"]
        with freeze_time("2026-02-01"):  # nothing 90 days late: the rule lifts only its own holds
            Partner._cron_credit_hold_overdue()
            self.assertEqual(customers.mapped("credit_hold"), [True, True, True])
        with freeze_time("2026-04-02"):  # all 91 days late
            Partner._cron_credit_hold_overdue()
            self.assertEqual(customers.mapped("credit_hold_reason"), ["manual", "collection", False])
            self.assertEqual(self.customer.credit_hold_note, "Director's call")
            for invoice in invoices:
                self.env["account.payment.register"].with_context(
                    active_model="account.move", active_ids=invoice.ids
                ).create({})._create_payments()
            self.assertEqual(customers.mapped("credit_hold"), [True, False, True], "the payment hook")
            Partner._cron_credit_hold_overdue()
            self.assertEqual(customers.mapped("credit_hold"), [True, False, True])
        # The rules' own methods, the same way: overdue < collection/litigation < manual.
        collection.sudo()._credit_set_hold("overdue")
        collection.sudo()._credit_set_hold("collection")
        self.assertEqual(collection.credit_hold_reason, "collection", "collection replaces overdue")
        self.assertFalse(collection.sudo()._credit_set_hold("overdue"), "overdue does not replace collection")
        self.assertFalse(collection.sudo()._credit_lift_hold(["overdue"]))
        self.assertFalse(self.customer.sudo()._credit_set_hold("litigation"), "nothing replaces manual")
        self.assertFalse(self.customer.sudo()._credit_lift_hold(["overdue", "collection", "litigation"]))
        self.assertTrue(self.customer.credit_hold)
        with self.assertRaises(AccessError):
            self.customer.with_user(self.salesperson).action_credit_release_hold()
        self.customer.with_user(self.credit_manager).action_credit_release_hold()
        self.assertFalse(self.customer.credit_hold)
        self.assertFalse(self.customer.credit_hold_note)

    def test_one_refusal_for_order_delivery_and_flag(self):
        """The order, the delivery and "Over Credit Line" ask one decision
        (``res.partner._credit_refusal``): the same comparison, the hold first."""
        customer = self.customer.with_company(self.company)
        order = self._order(600, confirm=True)
        picking = order.picking_ids
        exposure = self.env["credit.exposure"]._exposure_by_partner(customer.ids, self.company)[customer.id]
        self.assertEqual(exposure, 600)
        self.assertIsNone(customer._credit_refusal(self.company, 400, order, exposure), "exactly the line")
        refusal = customer._credit_refusal(self.company, 400.01, order, exposure)
        self.assertIn("exceeds the credit line", refusal)
        self.assertIsNone(customer._credit_refusal(self.company, 0.0, picking))
        self.assertFalse(customer.credit_exceeded)
        customer.credit_limit_manual_base = 599.99
        self.assertTrue(customer.credit_exceeded)
        self.assertIn("beyond its credit line", customer._credit_refusal(self.company, 0.0, picking))
        customer.credit_limit_manual_base = 5000
        customer.with_user(self.credit_manager).action_credit_hold()
        refusal = customer._credit_refusal(self.company, 0.0, order)
        self.assertIn("on credit hold (Set by a Credit Manager)", refusal)
        self.assertIn("on credit hold", customer._credit_refusal(self.company, 0.0, picking))
        self.assertFalse(customer.credit_exceeded, "a hold is not being over the line")

    def test_batch_confirms_within_line_and_reports_others(self):
        orders = (
            self._order(400, user=self.salesperson)
            | self._order(400, user=self.salesperson)
            | self._order(400, user=self.salesperson)
        )
        action = orders.with_user(self.salesperson).action_confirm()
        self.assertEqual(orders.mapped("state"), ["sale", "sale", "draft"])
        self.assertTrue(orders[2].credit_blocked)
        self.assertEqual(action["tag"], "display_notification")
        self.assertIn(orders[2].name, action["params"]["message"])

    def test_portal_confirmation_flags_and_schedules(self):
        order = self._order(5000)
        portal = self.env.ref("base.public_user")
        order.with_user(portal).sudo().action_confirm()
        self.assertEqual(order.state, "draft")
        self.assertTrue(order.credit_blocked)
        self.assertTrue(order.activity_ids, "the credit manager is told")

    def test_cash_sale_passes(self):
        self.customer.with_user(self.credit_manager).action_credit_hold()
        order = self._order(5000, user=self.salesperson)
        provider = self.env["payment.provider"].create({"name": "Test", "code": "none", "state": "test"})
        method = self.env.ref("payment.payment_method_unknown")
        # As the portal's payment flow makes it (a caller may not link a transaction to an order).
        self.env["payment.transaction"].sudo().create(
            {
                "provider_id": provider.id,
                "payment_method_id": method.id,
                "reference": "CCM-CASH",
                "amount": 5000,
                "currency_id": order.currency_id.id,
                "partner_id": self.customer.id,
                "sale_order_ids": [Command.set(order.ids)],
                "state": "done",
            }
        )
        order.with_user(self.salesperson).action_confirm()
        self.assertEqual(order.state, "sale")

    def test_delivery_refused_beyond_line(self):
        order = self._order(900, confirm=True)
        Partner = self.env["res.partner"].with_company(self.company)
        self.assertNotIn(self.customer, Partner.search([("credit_exceeded", "=", True)]))
        self.customer.with_company(self.company).credit_limit_manual_base = 500
        self.assertIn(self.customer, Partner.search([("credit_exceeded", "=", True)]))
        self.assertIn(self.contact, Partner.search([("credit_exceeded", "=", True)]), "contacts follow")
        self.assertNotIn(self.customer, Partner.search([("credit_exceeded", "=", False)]))
        picking = order.picking_ids
        picking.move_ids.quantity = 1
        with self.assertRaisesRegex(UserError, "cannot be validated"):
            picking.with_user(self.salesperson).button_validate()
        self.assertNotEqual(picking.state, "done")

    def test_release(self):
        order = self._order(1500, user=self.salesperson)
        request = (
            self.env["credit.release.request"]
            .with_user(self.salesperson)
            .create({"order_id": order.id, "reason": "Payment promised", "order_amount": 10**9})
        )
        self.assertEqual(request.order_amount, 1500, "the amount comes from the order")
        self.assertEqual(request.excess_amount, 500)
        for attempt in (
            request.action_approve,
            lambda: request.write({"state": "approved"}),
            lambda: request.write({"order_amount": 10**9}),
            lambda: request.write({"order_id": self._order(5).id}),
            lambda: request.write({"approved_by_id": self.credit_manager.id}),
        ):
            with self.assertRaises(AccessError):
                attempt()
        request.write({"reason": "Payment promised by Friday"})  # the reason stays editable
        # A credit manager cannot approve their own request either.
        own = (
            self.env["credit.release.request"]
            .with_user(self.credit_manager)
            .create({"order_id": self._order(1200).id, "reason": "Mine"})
        )
        with self.assertRaises(AccessError):
            own.action_approve()
        request.with_user(self.credit_manager).action_approve()
        self.assertEqual(request.state, "approved")
        # Not for a higher amount.
        order.order_line.price_unit = 1600
        with self.assertRaisesRegex(UserError, "exceeds the credit line"):
            order.with_user(self.salesperson).action_confirm()
        order.order_line.price_unit = 1500
        order.with_user(self.salesperson).action_confirm()
        self.assertEqual(order.state, "sale")
        self.assertEqual(request.state, "used", "a release passes once")
        # Its goods ship though the customer is beyond the line.
        picking = order.picking_ids
        picking.move_ids.quantity = 1
        picking.with_user(self.salesperson).button_validate()
        self.assertEqual(picking.state, "done")
        other = self._order(10)
        with self.assertRaisesRegex(UserError, "exceeds the credit line"):
            other.with_user(self.salesperson).action_confirm()

    def test_release_request_status_and_snapshot(self):
        with freeze_time("2026-01-05"):
            self.init_invoice(
                "out_invoice",
                partner=self.customer,
                invoice_date=date(2026, 1, 5),
                amounts=[300],
                taxes=[],
                post=True,
            )
            self.env.flush_all()
        self.customer.with_company(self.company).write({"credit_hold": True, "credit_hold_reason": "manual"})
        with freeze_time("2026-03-02"):
            order = self._order(1500, user=self.salesperson).with_user(self.salesperson)
            self.assertEqual(order.credit_release_state, False)
            Request = self.env["credit.release.request"].with_user(self.salesperson)
            request = Request.create(
                {"order_id": order.id, "reason": "Payment promised", "customer_overdue": 0}
            )
            # The customer's credit as it stood, for the credit manager to decide on.
            self.assertRecordValues(
                request,
                [
                    {
                        "customer_grade_id": self.customer.credit_grade_id.id,
                        "customer_credit_line": self.customer.with_company(self.company).credit_line,
                        "customer_exposure": 300,
                        "customer_overdue": 300,
                        "customer_credit_hold": True,
                        "customer_hold_reason": "Set by a Credit Manager",
                    }
                ],
            )
            with self.assertRaises(AccessError):
                request.write({"customer_overdue": 0})
            order.invalidate_recordset()
            self.assertEqual(order.credit_release_state, "waiting")
            self.assertIn(f"by {self.salesperson.name}, waiting", order.credit_release_status)
            # A second request while one waits is refused, whatever the path.
            with self.assertRaisesRegex(UserError, "already waiting"):
                Request.create({"order_id": order.id, "reason": "Again"})
            with self.assertRaisesRegex(UserError, "already waiting"):
                Request.create(
                    [{"order_id": order.id, "reason": "Again"}, {"order_id": order.id, "reason": "Twice"}]
                )
            self.assertEqual(len(order.sudo().credit_release_ids), 1)
            request.with_user(self.credit_manager).action_approve()
            order.invalidate_recordset()
            self.assertEqual(order.credit_release_state, "released")
            self.assertIn(f"Released by {self.credit_manager.name} until", order.credit_release_status)

    def test_check_query_count(self):
        self.company.credit_control_enabled = False
        self.env["account.move"].create(
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": self.customer.id,
                    "invoice_date": "2026-01-01",
                    "invoice_line_ids": [Command.create({"name": "x", "price_unit": 1, "tax_ids": []})],
                }
                for _ in range(300)
            ]
        ).action_post()
        self.company.credit_control_enabled = True
        order = self._order(1)
        other_customer = self.env["res.partner"].create({"name": "Fresh", "credit_score": 90})
        other_customer.with_company(self.company).write(
            {"credit_limit_manual": True, "credit_limit_manual_base": 1000}
        )
        self.init_invoice("out_invoice", partner=other_customer, amounts=[1], taxes=[], post=True)
        fresh_order = self._order(1, partner=other_customer)
        for record in (fresh_order, order):  # warm the registry caches
            record._credit_check()
        for record in (fresh_order, order):  # 1 and 300 open invoices
            self.env.invalidate_all()
            with self.assertQueryCount(8):
                self.assertEqual(record._credit_check(), {})
        # Refused orders also read their payments, down payments and releases, and say when the
        # order fits (the dated headroom: the customer's term, its one query and the two
        # statements that plan it without JIT, 4 more than the 13 before it).
        big_orders = self._order(5000, partner=other_customer) + self._order(5000)
        for record in big_orders:
            record._credit_check()
        for record in big_orders:
            self.env.invalidate_all()
            with self.assertQueryCount(17):
                self.assertIn(record, record._credit_check())


@tagged("post_install", "-at_install")
class TestCreditWhoseCredit(CreditControlCommon):
    """Whose credit an order uses and what a delivery ships cannot be changed around the check:
    a release stays with its customer, a delivery is judged by its goods and their orders, a
    contact or an order moved elsewhere is checked where it goes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.credit_default_risk_factor = 1.0
        Partner = cls.env["res.partner"].with_company(cls.company)
        cls.good = Partner.create({"name": "Ample Line Co", "is_company": True})
        cls.good.write({"credit_limit_manual": True, "credit_limit_manual_base": 1_000_000})
        cls.held = Partner.create({"name": "Held Line Co", "is_company": True})
        cls.held.write({"credit_limit_manual": True, "credit_limit_manual_base": 1_000_000})
        cls.held.with_user(cls.credit_manager).action_credit_hold()
        cls.warehouse_user = new_user(cls.env, "ccm_whose_wh", "stock.group_stock_user", cls.company)

    def _release(self, order):
        request = (
            self.env["credit.release.request"]
            .with_user(self.salesperson)
            .create({"order_id": order.id, "reason": "Payment promised"})
        )
        request.with_user(self.credit_manager).action_approve()
        return request

    def _added_move(self, env, picking, sale_line, product, quantity=100):
        """A move of ``product`` on ``sale_line`` added to ``picking`` by the user of ``env``."""
        return env["stock.move"].create(
            {
                "name": "Added goods",
                "picking_id": picking.id,
                "sale_line_id": sale_line.id,
                "product_id": product.id,
                "product_uom": product.uom_id.id,
                "product_uom_qty": quantity,
                "location_id": picking.location_id.id,
                "location_dest_id": picking.location_dest_id.id,
                "company_id": self.company.id,
            }
        )

    def _refused(self, pattern, call):
        """``call`` raises a UserError matching ``pattern``; what it wrote is rolled back."""
        with self.assertRaises(UserError) as caught:
            call()
        self.assertRegex(str(caught.exception), pattern)

    def _ready(self, order):
        picking = order.picking_ids
        self.assertEqual(len(picking), 1)
        picking.move_ids.quantity = 1
        return picking.with_user(self.warehouse_user)

    def test_release_does_not_follow_the_quotation_to_another_customer(self):
        order = self._order(1500, user=self.salesperson).with_user(self.salesperson)
        request = self._release(order)
        self.assertEqual(request.partner_id, self.customer)
        order.write({"partner_id": self.held.id})
        self.assertEqual(request.partner_id, self.customer, "the release stays with its customer")
        self._refused("on credit hold", order.action_confirm)
        self.assertEqual(order.state, "draft")
        # Back with the customer it was approved for, it covers the order.
        order.write({"partner_id": self.contact.id})
        order.action_confirm()
        self.assertEqual(order.state, "sale")

    def test_used_release_does_not_follow_the_order_to_another_customer(self):
        order = self._order(1500, user=self.salesperson).with_user(self.salesperson)
        self._release(order)
        order.action_confirm()
        self.assertEqual(order.state, "sale")
        self._refused("on credit hold", lambda: order.write({"partner_id": self.held.id}))
        self.assertEqual(order.partner_id, self.customer)

    def test_release_expires_on_the_servers_day(self):
        """The expiry is read on the server's (UTC) day, whatever time zone the caller gives."""
        with freeze_time("2026-03-01 12:00:00"):
            order = self._order(1500, user=self.salesperson).with_user(self.salesperson)
            request = self._release(order)
        self.assertEqual(request.expiry_date, date(2026, 3, 8))
        with freeze_time("2026-03-09 03:00:00"):  # still March 8 in Los Angeles
            for tz in ("UTC", "America/Los_Angeles"):
                self._refused("exceeds the credit line", order.with_context(tz=tz).action_confirm)
        self.assertEqual(order.state, "draft")
        with freeze_time("2026-03-08 23:00:00"):  # the last day (UTC), already March 9 in Tokyo
            order.with_context(tz="Asia/Tokyo").action_confirm()
        self.assertEqual(order.state, "sale")

    def test_delivery_judges_the_order_customer_not_the_address(self):
        shipped_elsewhere = self._order(500, user=self.salesperson)
        shipped_elsewhere.with_user(self.salesperson).write({"partner_shipping_id": self.good.id})
        shipped_elsewhere.with_user(self.salesperson).action_confirm()
        readdressed = self._order(400, user=self.salesperson, confirm=True)
        self.customer.with_user(self.credit_manager).action_credit_hold()
        first = self._ready(shipped_elsewhere)
        self.assertEqual(first.partner_id, self.good)
        second = self._ready(readdressed)
        readdressed = readdressed.with_user(self.salesperson)
        readdressed.with_context(update_delivery_shipping_partner=True).write(
            {"partner_shipping_id": self.good.id}
        )
        self.assertEqual(second.partner_id, self.good)
        for picking in (first, second):
            self._refused("Credit Customer is on credit hold", picking.button_validate)
            self.assertNotEqual(picking.state, "done")

    def test_delivery_judges_the_goods_not_the_picking_fields(self):
        order = self._order(500, user=self.salesperson, confirm=True)
        released = self._order(1500, user=self.salesperson)
        self._release(released)
        released.with_user(self.salesperson).action_confirm()
        self.customer.with_user(self.credit_manager).action_credit_hold()
        picking = self._ready(order)
        internal = picking.picking_type_id.warehouse_id.int_type_id
        for vals in ({"partner_id": False}, {"sale_id": released.id}, {"picking_type_id": internal.id}):
            picking.write(vals)
            self._refused("on credit hold", picking.button_validate)
            self.assertNotEqual(picking.state, "done")
        self.assertEqual(picking.picking_type_code, "internal")
        self.assertEqual(set(picking.move_line_ids.mapped("location_dest_id.usage")), {"customer"})
        # The released order's own goods ship, as its release allows.
        released_picking = released.picking_ids - picking
        released_picking.move_ids.quantity = 1
        released_picking.with_user(self.warehouse_user).button_validate()
        self.assertEqual(released_picking.state, "done")

    def test_release_figures_only_written_with_their_step(self):
        """A release's figures are the steps' own: written again with the state it already has, or
        with the step only the confirmation takes (used), they are refused."""
        order = self._order(1500, user=self.salesperson)
        request = self._release(order).with_user(self.salesperson)
        forged = {"order_amount": 1_000_000, "expiry_date": date(2036, 1, 1)}
        with self.assertRaises(AccessError):
            request.write({"state": "approved", **forged})
        with self.assertRaisesRegex(UserError, "cannot change to that state"):
            request.write({"state": "used", **forged})
        with self.assertRaisesRegex(UserError, "cannot change to that state"):
            request.write({"state": "expired"})
        self.assertEqual((request.state, request.order_amount), ("approved", 1500))
        order.with_user(self.salesperson).action_confirm()
        self.assertEqual(request.state, "used")
        with self.assertRaises(AccessError):
            request.write({"state": "used", **forged})
        self.assertEqual(request.order_amount, 1500)

    def test_goods_stay_linked_to_their_order_line(self):
        order = self._order(500, user=self.salesperson, confirm=True)
        released = self._order(1500, user=self.salesperson)
        self._release(released)
        released.with_user(self.salesperson).action_confirm()
        self.customer.with_user(self.credit_manager).action_credit_hold()
        move = self._ready(order).move_ids
        for line in (released.order_line, self.env["sale.order.line"]):
            with self.assertRaisesRegex(AccessError, "stay linked to the order line"):
                move.write({"sale_line_id": line.id})
        self.assertEqual(move.sale_line_id, order.order_line)
        # Writing the same link, as a form saving the whole move does, changes nothing.
        move.write({"sale_line_id": order.order_line.id, "quantity": 1})
        self._refused("on credit hold", move.picking_id.button_validate)

    def test_goods_beyond_the_order_are_checked_and_counted(self):
        """A 1-unit line of 500 shipped as 100 units would put 50,000 on a line of 1,000; as 2
        units it ships, the second one counted until invoiced. A release covers its order, not
        goods beyond it."""
        order = self._order(500, user=self.salesperson, confirm=True)
        picking = order.picking_ids.with_user(self.warehouse_user)
        picking.move_ids.quantity = 100
        self._refused(r"beyond its credit line \(exposure .*50,000\.00", picking.button_validate)
        picking.move_ids.quantity = 2
        picking.button_validate()
        self.assertEqual(order.order_line.qty_delivered, 2)
        exposure = self.env["credit.exposure"]._exposure_by_partner(self.customer.ids, self.company)
        self.assertEqual(exposure[self.customer.id], 1000)

        released = self._order(900, user=self.salesperson)
        self._release(released)
        released.with_user(self.salesperson).action_confirm()
        released_picking = released.picking_ids.with_user(self.warehouse_user)
        released_picking.move_ids.quantity = 2
        self._refused("beyond its credit line", released_picking.button_validate)
        released_picking.move_ids.quantity = 1
        released_picking.button_validate()
        exposure = self.env["credit.exposure"]._exposure_by_partner(self.customer.ids, self.company)
        self.assertEqual(exposure[self.customer.id], 1900)

    def test_refunded_down_payment_is_no_cash_sale(self):
        """A 50% down payment invoiced, paid, then refunded: the order is not paid at all, and its
        goods do not ship while the customer is on hold."""
        order = self._order(1000, user=self.salesperson, confirm=True)
        self.env["sale.advance.payment.inv"].with_user(self.salesperson).create(
            {"advance_payment_method": "percentage", "amount": 50, "sale_order_ids": [Command.set(order.ids)]}
        ).create_invoices()
        invoice = order.invoice_ids.with_env(self.env)
        invoice.action_post()
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({}).action_create_payments()
        self.customer.with_user(self.credit_manager).action_credit_hold()
        picking = self._ready(order)
        self.env["account.move.reversal"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({"journal_id": invoice.journal_id.id, "reason": "deposit returned"}).reverse_moves()
        credit_note = invoice.reversal_move_ids
        credit_note.action_post()
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=credit_note.ids
        ).create({}).action_create_payments()
        self.assertIn(credit_note.payment_state, ("paid", "in_payment"))
        self.assertFalse(order._credit_is_cash_sale())
        self._refused("on credit hold", picking.button_validate)
        self.assertNotEqual(picking.state, "done")

    def test_contact_moved_with_confirmed_orders_is_checked(self):
        contact = self.env["res.partner"].create({"name": "Moving Buyer", "parent_id": self.good.id})
        self._order(5000, partner=contact, user=self.salesperson, confirm=True)
        contact = contact.with_user(self.salesperson)
        self._refused("on credit hold", lambda: contact.write({"parent_id": self.held.id}))
        # The customer's line is 1,000.
        self._refused("exceeds the credit line", lambda: contact.write({"parent_id": self.customer.id}))
        self.assertEqual(contact.commercial_partner_id, self.good)
        roomy = self.env["res.partner"].create({"name": "Roomy Co", "is_company": True})
        roomy.with_company(self.company).write(
            {"credit_limit_manual": True, "credit_limit_manual_base": 10_000}
        )
        contact.write({"parent_id": roomy.id})
        self.assertEqual(contact.commercial_partner_id, roomy)

    def test_order_moved_into_an_enforcing_company_is_checked(self):
        other = self.env["res.company"].create({"name": "Lax Co", "currency_id": self.company.currency_id.id})
        self.salesperson.company_ids = [Command.link(other.id)]
        self.assertFalse(other.credit_control_enabled)
        order = (
            self.env["sale.order"]
            .with_user(self.salesperson)
            .with_company(other)
            .create(
                {
                    "partner_id": self.held.id,
                    "company_id": other.id,
                    "order_line": [
                        Command.create(
                            {"product_id": self.product.id, "product_uom_qty": 1, "price_unit": 5000}
                        )
                    ],
                }
            )
        )
        order.action_confirm()
        self.assertEqual(order.state, "sale")
        warehouse = self.env["stock.warehouse"].search([("company_id", "=", self.company.id)], limit=1)
        moved = order.with_context(allowed_company_ids=[self.company.id, other.id])
        self._refused(
            "on credit hold",
            lambda: moved.write({"company_id": self.company.id, "warehouse_id": warehouse.id}),
        )
        self.assertEqual(order.company_id, other)

    def test_customer_with_its_own_credit_stays_its_own_customer(self):
        """A customer with credit decisions of its own (a hold, a manual limit) made a contact of
        another customer would be judged by the other's: its hold and its line no longer read.
        Only a Credit Manager may do it; other companies and contacts move as in Odoo."""
        Partner = self.env["res.partner"].with_company(self.company)
        limited = Partner.create({"name": "Own Line Co", "is_company": True})
        limited.write({"credit_limit_manual": True, "credit_limit_manual_base": 10})
        order = self._order(500, partner=self.held, user=self.salesperson)

        def make_contact(partner, user):
            partner.with_user(user).write({"is_company": False, "parent_id": self.good.id})

        for customer in (self.held, limited):
            self._refused("only a Credit Manager", lambda c=customer: make_contact(c, self.salesperson))
            self.assertEqual(customer.commercial_partner_id, customer)
        self._refused("on credit hold", order.with_user(self.salesperson).action_confirm)
        plain = Partner.create({"name": "Plain Co", "is_company": True})
        make_contact(plain, self.salesperson)
        self.assertEqual(plain.commercial_partner_id, self.good)
        contact = Partner.with_user(self.salesperson).create({"name": "Buyer", "parent_id": self.held.id})
        self.assertEqual(contact.commercial_partner_id, self.held)
        contact.write({"parent_id": self.good.id})
        self.assertEqual(contact.commercial_partner_id, self.good)
        make_contact(self.held, self.credit_manager)
        self.assertEqual(self.held.commercial_partner_id, self.good)

    def test_customer_keeps_its_own_credit_on_other_paths(self):
        """Its commercial entity is Odoo's computation, and Odoo's merge into a contact of another
        customer moves it there as surely as making it a contact."""
        sales = self.env(user=self.salesperson)
        for partner in (self.held, self.customer):
            with self.assertRaisesRegex(AccessError, "computed and cannot be set"):
                partner.with_env(sales).write({"commercial_partner_id": self.good.id})
        person = self.env["res.partner"].with_company(self.company).create({"name": "Held Person"})
        person.write({"credit_limit_manual": True, "credit_limit_manual_base": 1_000_000})
        person.with_user(self.credit_manager).action_credit_hold()
        order = self._order(500, partner=person, user=self.salesperson)
        buyer = self.env["res.partner"].create({"name": "Ample Buyer", "parent_id": self.good.id})
        (person | buyer | self.good).write({"email": False})
        wizard = sales["base.partner.merge.automatic.wizard"].create(
            {"partner_ids": [Command.set((person | buyer).ids)], "dst_partner_id": buyer.id}
        )
        self._refused("only a Credit Manager", wizard.action_merge)
        # Into the held customer, from a contact of another: Odoo copies the contact's parent.
        buyer.email = person.email = "buyer@example.com"
        wizard = sales["base.partner.merge.automatic.wizard"].create(
            {"partner_ids": [Command.set((person | buyer).ids)], "dst_partner_id": person.id}
        )
        self._refused("only a Credit Manager", wizard.action_merge)
        self.assertFalse(person.parent_id)
        self.assertEqual(order.partner_id, person)
        self._refused("on credit hold", order.with_env(sales).action_confirm)

    def test_payment_status_is_no_payment(self):
        """A down payment of the whole order, invoiced and not paid, marked paid by a billing
        user: the order is no cash sale, its goods do not ship while the customer is on hold."""
        billing = new_user(self.env, "ccm_whose_billing", "account.group_account_invoice", self.company)
        order = self._order(1000, user=self.salesperson, confirm=True)
        self.env["sale.advance.payment.inv"].with_user(self.salesperson).create(
            {
                "advance_payment_method": "percentage",
                "amount": 100,
                "sale_order_ids": [Command.set(order.ids)],
            }
        ).create_invoices()
        invoice = order.invoice_ids.with_env(self.env)
        invoice.action_post()
        invoice.with_user(billing).write({"payment_state": "paid"})
        self.customer.with_user(self.credit_manager).action_credit_hold()
        self.assertFalse(order._credit_is_cash_sale())
        self._refused("on credit hold", self._ready(order).button_validate)

    def test_delivered_quantity_of_goods_is_not_lowered(self):
        """What a line of goods delivered is Odoo's count of its done moves. Written lower by a
        stock user or a salesperson, 100 units would ship on a 1-unit line as nothing beyond the
        order (50,000 on a line of 1,000), or goods shipped beyond it would leave the exposure."""
        order = self._order(500, user=self.salesperson, confirm=True)
        line = order.order_line
        stock, sales = self.env(user=self.warehouse_user), self.env(user=self.salesperson)
        with self.assertRaisesRegex(AccessError, "cannot be lowered"):
            line.with_env(stock).write({"qty_delivered": -99})
        picking = order.picking_ids.with_env(stock)
        picking.move_ids.quantity = 2
        picking.button_validate()
        self.assertEqual(line.qty_delivered, 2)
        for env in (stock, sales):
            for value in (-99, 0, 1):
                with (
                    self.subTest(user=env.user.login, value=value),
                    self.assertRaisesRegex(AccessError, "cannot be lowered"),
                ):
                    line.with_env(env).write({"qty_delivered": value})
        exposure = self.env["credit.exposure"]._exposure_by_partner(self.customer.ids, self.company)
        self.assertEqual(exposure[self.customer.id], 1000)
        line.with_env(sales).write({"qty_delivered": 2})
        self.assertEqual(line.qty_delivered, 2)

    def test_goods_keep_their_line(self):
        """A line with moves keeps its product and stays delivered by its moves: another product
        (its moves then skipped as a kit's components) shipped 100 units of a 1-unit line of 500
        unchecked; flagged an expense, 2 units shipped left the exposure (1,000 -> 500)."""
        other = self.env["product.product"].create(
            {"name": "Other widget", "type": "consu", "list_price": 500}
        )
        stock, sales = self.env(user=self.warehouse_user), self.env(user=self.salesperson)
        order = self._order(500, user=self.salesperson, confirm=True)
        line = order.order_line
        with self.assertRaisesRegex(AccessError, "has deliveries"):
            line.with_env(sales).write({"product_id": other.id})
        with self.assertRaisesRegex(AccessError, "has deliveries"):
            order.with_env(sales).write({"order_line": [Command.update(line.id, {"product_id": other.id})]})
        picking = order.picking_ids.with_env(stock)
        picking.move_ids.quantity = 100
        self._refused("beyond its credit line", picking.button_validate)
        picking.move_ids.quantity = 2
        picking.button_validate()
        for env in (sales, stock):
            with self.subTest(user=env.user.login), self.assertRaisesRegex(AccessError, "has deliveries"):
                line.with_env(env).write({"is_expense": True})
        self.assertEqual(line.qty_delivered_method, "stock_move")
        exposure = self.env["credit.exposure"]._exposure_by_partner(self.customer.ids, self.company)
        self.assertEqual(exposure[self.customer.id], 1000)

    def test_delivered_beyond_the_order_is_checked_like_a_larger_order(self):
        """A service delivered by hand beyond its ordered quantity is owed as a larger order is."""
        service = self.env["product.product"].create(
            {"name": "Consulting", "type": "service", "list_price": 500, "taxes_id": [Command.clear()]}
        )
        order = (
            self.env["sale.order"]
            .with_user(self.salesperson)
            .create(
                {"partner_id": self.customer.id, "order_line": [Command.create({"product_id": service.id})]}
            )
        )
        order.action_confirm()
        line = order.order_line.with_user(self.salesperson)
        self.assertEqual(line.qty_delivered_method, "manual")
        self._refused("exceeds the credit line", lambda: line.write({"qty_delivered": 10}))
        line.write({"qty_delivered": 2})
        exposure = self.env["credit.exposure"]._exposure_by_partner(self.customer.ids, self.company)
        self.assertEqual(exposure[self.customer.id], 1000)
        # Delivered by hand, it is the user's to correct.
        line.write({"qty_delivered": 1})
        exposure = self.env["credit.exposure"]._exposure_by_partner(self.customer.ids, self.company)
        self.assertEqual(exposure[self.customer.id], 500)

    def test_added_goods_linked_only_to_their_own_order(self):
        """A stock user's move on the line of a released order, in another customer's delivery or
        of another product, would ship as the released order's goods."""
        released = self._order(1500, user=self.salesperson)
        self._release(released)
        released.with_user(self.salesperson).action_confirm()
        order = self._order(500, partner=self.good, user=self.salesperson, confirm=True)
        picking = order.picking_ids
        stock = self.env(user=self.warehouse_user)
        other = self.env["product.product"].create({"name": "Other widget", "type": "consu"})
        for product in (self.product, other):
            with (
                self.subTest(product=product.name),
                self.assertRaisesRegex(AccessError, "stay linked"),
                self.env.cr.savepoint(),
            ):
                self._added_move(stock, picking, released.order_line, product)

    def test_goods_of_a_line_ordered_without_quantity_are_checked(self):
        """A stock user adds 100 units of a 500 product to a delivery, on the order's line ordered
        without a quantity: 50,000 beyond a line of 1,000. One unit ships and counts."""
        product = self.env["product.product"].create(
            {
                "name": "Delivered widget",
                "type": "consu",
                "list_price": 500,
                "invoice_policy": "delivery",
                "taxes_id": [Command.clear()],
            }
        )
        order = (
            self.env["sale.order"]
            .with_user(self.salesperson)
            .create(
                {
                    "partner_id": self.customer.id,
                    "order_line": [
                        Command.create(
                            {"product_id": self.product.id, "product_uom_qty": 1, "price_unit": 100}
                        ),
                        Command.create({"product_id": product.id, "product_uom_qty": 0, "price_unit": 500}),
                    ],
                }
            )
        )
        order.action_confirm()
        stock = self.env(user=self.warehouse_user)
        picking = order.picking_ids.with_env(stock)
        picking.move_ids.write({"quantity": 1, "picked": True})
        move = self._added_move(
            stock, picking, order.order_line.filtered(lambda line: line.product_id == product), product
        )
        picking.action_confirm()
        move.write({"quantity": 100, "picked": True})
        self._refused(r"beyond its credit line \(exposure .*50,100\.00", picking.button_validate)
        move.write({"product_uom_qty": 1, "quantity": 1})
        picking.button_validate()
        self.assertEqual(picking.state, "done")
        exposure = self.env["credit.exposure"]._exposure_by_partner(self.customer.ids, self.company)
        self.assertEqual(exposure[self.customer.id], 600)

    def test_confirmed_order_keeps_its_date(self):
        """A confirmed order counts at the date it was confirmed: its currency rate, hence what it
        counts in the exposure, follows its date. A quotation's date is the salesperson's, Odoo's
        confirmation dates it today; the confirmed order's date stays where credit lines are
        enforced."""
        chf = self.setup_other_currency("CHF", rates=[("2000-01-01", 100.0), ("2020-01-01", 1.0)])
        order = self._order(900, currency=chf, user=self.salesperson).with_user(self.salesperson)
        order.write({"date_order": "2010-01-01 10:00:00"})
        order.action_confirm()
        self.assertEqual(order.date_order.date(), fields.Date.today())
        with self.assertRaisesRegex(UserError, "cannot be changed"):
            order.write({"date_order": "2010-01-01 10:00:00"})
        self.assertEqual(order.currency_rate, 1.0)
        exposure = self.env["credit.exposure"]._exposure_by_partner(self.customer.ids, self.company)
        self.assertEqual(exposure[self.customer.id], 900)
        # The same date again (a form saving the whole order) changes nothing.
        order.write({"date_order": order.date_order})
        # Confirmed by its state, not by Odoo's confirmation: dated today all the same.
        backdated = self._order(900, currency=chf, user=self.salesperson).with_user(self.salesperson)
        backdated.write({"date_order": "2010-01-01 10:00:00"})
        for confirm in (
            lambda: backdated.write({"state": "sale"}),
            lambda: backdated.copy({"state": "sale", "date_order": "2010-01-01 10:00:00"}),
        ):
            with self.assertRaisesRegex(UserError, "order date must be today's"), self.env.cr.savepoint():
                confirm()
        backdated.invalidate_recordset()
        self.assertEqual(backdated.state, "draft")
        self.company.credit_control_enabled = False
        order.write({"date_order": "2010-01-01 10:00:00"})
        self.assertEqual(order.currency_rate, 100.0)


@tagged("post_install", "-at_install")
class TestCreditEnforcementRpc(HttpCase):
    def test_refusals_over_rpc(self):
        company = self.env.company
        company.credit_control_enabled = True
        salesperson = new_user(self.env, "ccm_rpc_seller", SALESPERSON)
        customer = self.env["res.partner"].create({"name": "RPC Credit Customer", "is_company": True})
        customer.write({"credit_limit_manual": True, "credit_limit_manual_base": 100})
        product = self.env["product.product"].create({"name": "RPC widget", "taxes_id": [Command.clear()]})
        db = self.env.cr.dbname

        def call(model, method, *args):
            return self.xmlrpc_object.execute_kw(
                db, salesperson.id, salesperson.login, model, method, list(args)
            )

        order_id = call(
            "sale.order",
            "create",
            {
                "partner_id": customer.id,
                "order_line": [(0, 0, {"product_id": product.id, "price_unit": 500, "tax_id": [(5, 0, 0)]})],
            },
        )
        with self.assertRaises(xmlrpc.client.Fault) as caught:
            call("sale.order", "action_confirm", [order_id])
        self.assertIn("exceeds the credit line", caught.exception.faultString)
        order = self.env["sale.order"].browse(order_id)
        self.assertEqual(order.state, "draft")

        request_id = call("credit.release.request", "create", {"order_id": order_id, "reason": "Promised"})
        for method, args in (
            ("action_approve", [[request_id]]),
            ("write", [[request_id], {"state": "approved"}]),
        ):
            with self.subTest(method=method), self.assertRaises(xmlrpc.client.Fault) as caught:
                call("credit.release.request", method, *args)
            self.assertIn("Only a Credit Manager", caught.exception.faultString)
        # Nor through the order's context or a forged create.
        with self.assertRaises(xmlrpc.client.Fault):
            call(
                "credit.release.request", "create", {"order_id": order_id, "reason": "x", "state": "approved"}
            )
        with self.assertRaises(xmlrpc.client.Fault):
            call("sale.order", "action_confirm", [order_id])
        self.assertEqual(self.env["credit.release.request"].browse(request_id).state, "to_approve")

    def test_portal_signature_route_flags_the_order(self):
        """The customer signs on the portal: the route answers normally, the order stays a
        quotation, is flagged and the credit managers get an activity."""
        self.env.company.credit_control_enabled = True
        customer = self.env["res.partner"].create(
            {"name": "Portal Credit Customer", "is_company": True, "email": "buyer@example.com"}
        )
        customer.write({"credit_limit_manual": True, "credit_limit_manual_base": 100})
        product = self.env["product.product"].create({"name": "Portal widget", "taxes_id": [Command.clear()]})
        order = self.env["sale.order"].create(
            {
                "partner_id": customer.id,
                "require_signature": True,
                "require_payment": False,
                "order_line": [Command.create({"product_id": product.id, "price_unit": 500, "tax_id": []})],
            }
        )
        order.action_quotation_sent()
        order._portal_ensure_token()
        # A 1x1 transparent PNG.
        signature = (
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
        )
        result = self.make_jsonrpc_request(
            f"/my/orders/{order.id}/accept",
            {"access_token": order.access_token, "name": "Buyer", "signature": signature},
        )
        self.assertNotIn("error", result)
        self.assertEqual(order.state, "sent", "the signature does not confirm beyond the line")
        self.assertTrue(order.credit_blocked)
        self.assertTrue(order.activity_ids, "the credit managers are told")
