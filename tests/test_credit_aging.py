import base64
import io
import itertools
from datetime import date, timedelta
from unittest.mock import patch

import lxml.html
import openpyxl
from freezegun import freeze_time
from lxml import etree

from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import SQL

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

from ..wizard.credit_aging_line import BUCKET_FIELDS
from .common import new_user

TODAY = date(2024, 6, 30)


@tagged("post_install", "-at_install")
class TestCreditAging(AccountTestInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.currency = cls.company_data["currency"]
        cls.eur = cls.setup_other_currency("EUR")  # 2 EUR for 1 company currency since 2017
        cls.other_company_data = cls.setup_other_company(currency_id=cls.currency.id)
        # As in the web client: the companies selected in the switcher are in the context.
        cls.env = cls.env(context=dict(cls.env.context, allowed_company_ids=cls.env.company.ids))
        cls.bucket_set = cls.env.ref("customer_credit_management.credit_aging_bucket_set_default")
        cls.salesperson = new_user(
            cls.env, "aging_salesperson", "sales_team.group_sale_salesman", cls.env.company
        )
        cls.other_salesperson = new_user(
            cls.env, "aging_other_salesperson", "sales_team.group_sale_salesman", cls.env.company
        )
        cls.accountant = new_user(
            cls.env, "aging_accountant", "account.group_account_invoice", cls.env.company
        )
        cls.credit_manager = new_user(
            cls.env,
            "aging_credit_manager",
            "customer_credit_management.group_credit_manager",
            cls.env.company,
        )
        cls.customer = cls._customer("Aging Customer", user=cls.salesperson)

    @classmethod
    def _customer(cls, name, user=None):
        return cls.env["res.partner"].create(
            {"name": name, "is_company": True, "user_id": user.id if user else False}
        )

    @classmethod
    def _invoice(
        cls,
        partner,
        amount,
        invoice_date,
        due_date=None,
        move_type="out_invoice",
        currency=None,
        company=None,
    ):
        move = (
            cls.env["account.move"]
            .with_company(company or cls.env.company)
            .create(
                {
                    "move_type": move_type,
                    "partner_id": partner.id,
                    "invoice_date": invoice_date,
                    "date": invoice_date,
                    "invoice_date_due": due_date or invoice_date,
                    "currency_id": (currency or cls.currency).id,
                    "invoice_line_ids": [
                        Command.create({"name": "Goods", "quantity": 1, "price_unit": amount, "tax_ids": []})
                    ],
                }
            )
        )
        move.action_post()
        return move

    @classmethod
    def _pay(cls, invoice, amount, payment_date, currency=None):
        return (
            cls.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create(
                {
                    "amount": amount,
                    "payment_date": payment_date,
                    "currency_id": (currency or invoice.currency_id).id,
                    "payment_difference_handling": "open",
                }
            )
            ._create_payments()
        )

    def _wizard(self, user=None, **values):
        env = self.env(user=user) if user else self.env
        return env["credit.aging.wizard"].create({"date_as_of": TODAY, **values})

    def _aging(self, partners=None, user=None, **values):
        """The screen lines of the aging, by customer name."""
        if partners is not None:
            values["partner_ids"] = [Command.set(partners.ids)]
        wizard = self._wizard(user=user, **values)
        action = wizard.action_view_aging()
        lines = wizard.env["credit.aging.line"].search(action["domain"])
        return {line.partner_name: line for line in lines}

    def _buckets(self, line):
        return [line[f"b{index}"] for index in range(1, 8)]

    @freeze_time(TODAY)
    def test_bucket_boundaries_due_date(self):
        for days, amount in ((0, 1), (1, 2), (30, 4), (31, 8), (365, 16), (366, 32)):
            due = TODAY - timedelta(days=days)
            # The invoice date is far older: the due date alone decides.
            self._invoice(self.customer, amount, due - timedelta(days=400), due_date=due)
        line = self._aging(self.customer)["Aging Customer"]
        # not due, 1-30, 31-60, 61-90, 91-180, 181-365, over 365
        self.assertEqual(self._buckets(line), [1, 6, 8, 0, 0, 16, 32])
        self.assertEqual(line.total, 63)
        self.assertEqual(line.overdue, 62)

    @freeze_time(TODAY)
    def test_bucket_boundaries_invoice_date(self):
        for days, amount in ((0, 1), (1, 2), (30, 4), (31, 8), (365, 16), (366, 32)):
            invoice_date = TODAY - timedelta(days=days)
            self._invoice(self.customer, amount, invoice_date, due_date=invoice_date + timedelta(days=45))
        line = self._aging(self.customer, basis="invoice_date")["Aging Customer"]
        self.assertEqual(self._buckets(line), [1, 6, 8, 0, 0, 16, 32])
        by_due_date = self._aging(self.customer)["Aging Customer"]
        # Due 45 days later: 0, 1 and 30 days old are not due, 31 days old is not due either.
        self.assertEqual(self._buckets(by_due_date), [15, 0, 0, 0, 0, 48, 0])

    @freeze_time(TODAY)
    def test_payments_credit_notes_and_as_of(self):
        invoice = self._invoice(self.customer, 1000, date(2024, 5, 1), due_date=date(2024, 5, 31))
        self._pay(invoice, 400, date(2024, 6, 15))
        self._invoice(self.customer, 300, date(2024, 6, 20), move_type="out_refund")
        unapplied = self.init_payment(250, post=True, date=date(2024, 6, 25), partner=self.customer)
        self.assertEqual(unapplied.state, "in_process")

        line = self._aging(self.customer)["Aging Customer"]
        # 600 left on the invoice, 30 days overdue; the credit note (-300, due 10 days ago) and
        # the unapplied payment (-250, 5 days ago) are open credits.
        self.assertEqual(self._buckets(line), [0, 50, 0, 0, 0, 0, 0])
        self.assertEqual(line.total, 50)

        items = self.env["credit.receivable"].get_open_items(
            TODAY, self.env.company, partner_ids=self.customer.ids
        )
        self.assertEqual(sorted(item["residual"] for item in items), [-300, -250, 600])

        # Before the payment was made the invoice was open in full.
        before = self._aging(self.customer, date_as_of=date(2024, 6, 10))["Aging Customer"]
        self.assertEqual(self._buckets(before), [0, 1000, 0, 0, 0, 0, 0])
        self.assertEqual(before.total, 1000)
        # Before the invoice, nothing.
        self.assertFalse(self._aging(self.customer, date_as_of=date(2024, 4, 30)))

    @freeze_time(TODAY)
    def test_fully_paid_after_as_of(self):
        invoice = self._invoice(self.customer, 500, date(2024, 5, 1))
        self._pay(invoice, 500, date(2024, 6, 20))
        self.assertFalse(self._aging(self.customer))
        self.assertEqual(
            self._aging(self.customer, date_as_of=date(2024, 6, 19))["Aging Customer"].total, 500
        )

    @freeze_time(TODAY)
    def test_other_currency(self):
        # An invoice in EUR: 1000 EUR is 500 in company currency.
        eur_invoice = self._invoice(self.customer, 1000, date(2024, 6, 1), currency=self.eur)
        self._pay(eur_invoice, 200, date(2024, 6, 10))
        # A company-currency invoice paid in part in EUR: 300 EUR is 150.
        invoice = self._invoice(self.customer, 400, date(2024, 6, 1))
        self._pay(invoice, 300, date(2024, 6, 10), currency=self.eur)

        items = self.env["credit.receivable"].get_open_items(
            TODAY, self.env.company, partner_ids=self.customer.ids
        )
        by_move = {item["move_id"]: item for item in items}
        self.assertAlmostEqual(by_move[eur_invoice.id]["residual"], 400, places=2)
        self.assertAlmostEqual(by_move[eur_invoice.id]["residual_currency"], 800, places=2)
        self.assertEqual(by_move[eur_invoice.id]["currency_id"], self.eur.id)
        self.assertAlmostEqual(by_move[invoice.id]["residual"], 250, places=2)
        self.assertAlmostEqual(by_move[invoice.id]["residual_currency"], 250, places=2)
        self.assertAlmostEqual(self._aging(self.customer)["Aging Customer"].total, 650, places=2)

    @freeze_time(TODAY)
    def test_totals_match_open_residuals(self):
        customers = self.customer + self._customer("Second Customer") + self._customer("Third Customer")
        amounts = [123.45, 678.9, 0.01, 1000.1, 33.33, 66.67, 250.55]
        for index, amount in enumerate(amounts):
            invoice = self._invoice(
                customers[index % 3], amount, TODAY - timedelta(days=40 * index), due_date=TODAY
            )
            if index % 2:
                self._pay(invoice, round(amount / 3, 2), TODAY - timedelta(days=1))
        self._invoice(customers[1], 99.99, TODAY, move_type="out_refund")
        lines = self._aging(customers)
        open_lines = self.env["account.move.line"].search(
            [
                ("account_type", "=", "asset_receivable"),
                ("parent_state", "=", "posted"),
                ("reconciled", "=", False),
                ("partner_id", "in", customers.ids),
            ]
        )
        expected = self.currency.round(sum(open_lines.mapped("amount_residual")))
        total = self.currency.round(sum(line.total for line in lines.values()))
        self.assertEqual(total, expected)
        for line in lines.values():
            self.assertEqual(self.currency.round(sum(self._buckets(line)) - line.total), 0)

    @freeze_time(TODAY)
    def test_bucket_totals_of_a_built_book(self):
        """The aging's sums per customer and per bucket, whatever the query groups by: every
        bucket, a contact, a partial payment, one after the date, a credit note, a currency."""
        second = self._customer("Second Customer")
        third = self._customer("Third Customer")
        third.sudo().credit_score = 90
        contact = self.env["res.partner"].create({"name": "Buyer", "parent_id": self.customer.id})

        def due(days, amount, partner=self.customer, **values):
            when = TODAY - timedelta(days=days)
            return self._invoice(partner, amount, when - timedelta(days=20), due_date=when, **values)

        due(-10, 100)  # not due
        due(15, 200)
        self._pay(due(45, 300), 120, TODAY - timedelta(days=1))
        due(75, 50, partner=contact)
        self._pay(due(100, 400, partner=second), 400, TODAY + timedelta(days=5))  # paid after the date
        due(200, 30, partner=second, move_type="out_refund")
        due(400, 800, partner=third, currency=self.eur)  # 400 in company currency

        wizard = self._wizard(user=self.accountant)
        data = wizard._aging_data()
        sums = {
            row["partner_name"]: (
                [row[fname] for fname in data["bucket_fields"]],
                row["total"],
                row["overdue"],
                row["user_id"],
                row["grade_id"],
            )
            for row in data["rows"]
        }
        grade_aa = self.env.ref("customer_credit_management.credit_grade_aa")
        self.assertEqual(
            sums,
            {
                "Aging Customer": ([100, 200, 180, 50, 0, 0, 0], 530, 430, self.salesperson.id, None),
                "Second Customer": ([0, 0, 0, 0, 400, -30, 0], 370, 370, None, None),
                "Third Customer": ([0, 0, 0, 0, 0, 0, 400], 400, 400, None, grade_aa.id),
            },
        )
        self.assertEqual(
            {key: data["totals"][key] for key in [*data["bucket_fields"], "total", "overdue"]},
            {"b1": 100, "b2": 200, "b3": 180, "b4": 50, "b5": 400, "b6": -30, "b7": 400, "total": 1300}
            | {"overdue": 1200},
        )
        # The same sums as the open documents' residuals per customer and bucket.
        items = self.env["credit.receivable"].get_open_items(
            TODAY, self.env.company, bucket_limits=self.bucket_set._bucket_limits()
        )
        by_bucket = {}
        for item in items:
            key = (item["partner_name"], item["bucket"])
            by_bucket[key] = by_bucket.get(key, 0) + item["residual"]
        self.assertEqual(
            {key: amount for key, amount in by_bucket.items() if amount},
            {
                (name, index): amount
                for name, (buckets, *_rest) in sums.items()
                for index, amount in enumerate(buckets, start=1)
                if amount
            },
        )
        # The screen shows the same lines, and again the same after a second "View".
        for _run in range(2):
            wizard.action_view_aging()
            self.assertEqual(
                {
                    line.partner_name: ([line[f] for f in data["bucket_fields"]], line.total, line.overdue)
                    for line in wizard.line_ids
                },
                {name: values[:3] for name, values in sums.items()},
            )

    @freeze_time(TODAY)
    def test_contacts_count_for_their_company(self):
        contact = self.env["res.partner"].create({"name": "Buyer", "parent_id": self.customer.id})
        self._invoice(contact, 70, TODAY)
        self._invoice(self.customer, 30, TODAY)
        lines = self._aging(self.customer)
        self.assertEqual(list(lines), ["Aging Customer"])
        self.assertEqual(lines["Aging Customer"].total, 100)

    @freeze_time(TODAY)
    def test_rows_say_whether_readable(self):
        """Given the partners a user may read (a query), each customer's row says whether it is
        one of them: the aging leaves out the others without sending their ids back."""
        second = self._customer("Second Customer")
        self._invoice(self.customer, 100, TODAY)
        self._invoice(second, 50, TODAY)
        Receivable = self.env["credit.receivable"]
        first_only = self.env["res.partner"]._search([("name", "=", "Aging Customer")])
        rows = Receivable.get_aging_by_partner(TODAY, self.env.company, readable=first_only.subselect())
        self.assertEqual(
            {row["partner_id"]: row["readable"] for row in rows}, {self.customer.id: True, second.id: False}
        )
        rows = Receivable.get_aging_by_partner(TODAY, self.env.company)
        self.assertEqual(
            {row["partner_id"]: row["readable"] for row in rows}, {self.customer.id: True, second.id: True}
        )

    @freeze_time(TODAY)
    def test_aging_sums_equal_the_open_documents(self):
        """The aging sums the open items per contact first and adds those matched after the date
        on their own: per customer and bucket it must equal the open documents' residuals, at
        any date, on either basis, with the filters on the commercial entity."""
        contact = self.env["res.partner"].create({"name": "Buyer", "parent_id": self.customer.id})
        second = self._customer("Second Customer", user=self.other_salesperson)
        balanced = self._customer("Balanced Customer")
        settled = self._customer("Settled Customer")
        days = timedelta(days=1)
        # A contact's invoice paid in part before the date and in part after it, open today.
        invoice = self._invoice(contact, 500, TODAY - 60 * days, due_date=TODAY - 30 * days)
        self._pay(invoice, 100, TODAY - 10 * days)
        self._pay(invoice, 150, TODAY + 3 * days)
        # The company's own invoice paid in full after the date: open on the date only.
        self._pay(self._invoice(self.customer, 80, TODAY - 100 * days), 80, TODAY + 2 * days)
        self._pay(self._invoice(second, 300, TODAY - 400 * days), 120, TODAY + days)
        self._invoice(second, 40, TODAY - 5 * days, move_type="out_refund")
        # An invoice and a credit note that cancel out: the customer owes nothing, still listed.
        self._invoice(balanced, 70, TODAY - 20 * days)
        self._invoice(balanced, 70, TODAY - 20 * days, move_type="out_refund")
        self._pay(self._invoice(settled, 90, TODAY - 50 * days), 90, TODAY - 40 * days)

        Receivable = self.env["credit.receivable"]
        # The company's buckets (the first for what is not yet due: the overdue sum is theirs),
        # and buckets whose first also holds items overdue by up to 20 days.
        bucket_limits = (self.bucket_set._bucket_limits(), [20, 45])
        self.assertEqual(bucket_limits[0][0], 0)
        for as_of in (TODAY, TODAY - 5 * days, TODAY - 45 * days):
            for basis, limits in itertools.product(("due_date", "invoice_date"), bucket_limits):
                width = len(limits) + 3  # the buckets, total, overdue
                for filters in ({}, {"partner_ids": second.ids}, {"user_ids": self.other_salesperson.ids}):
                    args = (as_of, self.env.company)
                    kwargs = {"basis": basis, "bucket_limits": limits, **filters}
                    expected = {}
                    for item in Receivable.get_open_items(*args, **kwargs):
                        sums = expected.setdefault(item["partner_id"], [0.0] * width)
                        sums[item["bucket"] - 1] += item["residual"]
                        sums[-2] += item["residual"]
                        if item["days_overdue"] > 0:
                            sums[-1] += item["residual"]
                    rows = Receivable.get_aging_by_partner(*args, **kwargs)
                    expected = {key: [round(amount, 2) for amount in sums] for key, sums in expected.items()}
                    self.assertEqual(
                        {
                            row["partner_id"]: [
                                round(row[key], 2)
                                for key in [*(f"b{i}" for i in range(1, len(limits) + 2)), "total", "overdue"]
                            ]
                            for row in rows
                        },
                        expected,
                        f"as of {as_of}, {basis}, {limits}, {filters}",
                    )
        rows = {row["partner_id"]: row for row in Receivable.get_aging_by_partner(TODAY, self.env.company)}
        self.assertEqual(rows[self.customer.id]["total"], 80 + 500 - 100)
        self.assertEqual(rows[second.id]["total"], 300 - 40)
        self.assertEqual(rows[balanced.id]["total"], 0)
        self.assertNotIn(settled.id, rows)
        self.assertNotIn(contact.id, rows)

    @freeze_time(TODAY)
    def test_salesperson_sees_own_customers_only(self):
        other = self._customer("Other Customer", user=self.other_salesperson)
        self._invoice(self.customer, 100, TODAY)
        self._invoice(other, 200, TODAY)
        self.assertEqual(set(self._aging()), {"Aging Customer", "Other Customer"})

        self.assertEqual(list(self._aging(user=self.salesperson)), ["Aging Customer"])
        # Asking for someone else's customers on the form does not widen the scope.
        self.assertFalse(
            self._aging(other, user=self.salesperson, user_ids=[Command.set(self.other_salesperson.ids)])
        )
        wizard = self._wizard(user=self.salesperson)
        self.assertTrue(wizard.own_customers_only)
        wizard.show_details = True
        workbook = self._open_xlsx(wizard)
        self.assertEqual(
            [row[0] for row in workbook["Details"].iter_rows(min_row=2, values_only=True)], ["Aging Customer"]
        )
        # Accountants see everyone.
        self.assertEqual(set(self._aging(user=self.accountant)), {"Aging Customer", "Other Customer"})

    @freeze_time(TODAY)
    def test_other_company_never_appears(self):
        other_company = self.other_company_data["company"]
        self._invoice(self.customer, 100, TODAY)
        self._invoice(self.customer, 5000, TODAY, company=other_company)
        self.assertEqual(self._aging(self.customer)["Aging Customer"].total, 100)
        # Even when asked for, a company the user may not access is left out.
        lines = self._aging(
            self.customer,
            user=self.accountant,
            company_ids=[Command.set((self.env.company + other_company).ids)],
        )
        self.assertEqual(lines["Aging Customer"].total, 100)
        items = self.env["credit.receivable"].get_open_items(TODAY, self.env.company)
        self.assertNotIn(other_company.id, {item["company_id"] for item in items})

    @freeze_time(TODAY)
    def test_filters_grade_and_salesperson(self):
        other = self._customer("Other Customer", user=self.other_salesperson)
        self._invoice(self.customer, 100, TODAY)
        self._invoice(other, 200, TODAY)
        other.sudo().credit_score = 90
        grade_aa = self.env.ref("customer_credit_management.credit_grade_aa")
        self.assertEqual(list(self._aging(grade_ids=[Command.set(grade_aa.ids)])), ["Other Customer"])
        self.assertEqual(list(self._aging(user_ids=[Command.set(self.salesperson.ids)])), ["Aging Customer"])
        line = self._aging(other)["Other Customer"]
        self.assertEqual((line.user_id, line.grade_id), (self.other_salesperson, grade_aa))

    def _list_columns(self, action, user):
        """The bucket headers and the hidden bucket columns of the action's list, asked for as
        the web client does: by view id, with no context but the language."""
        views = (
            self.env["credit.aging.line"]
            .with_user(user)
            .with_context(lang="en_US")
            .get_views(action["views"])["views"]["list"]["arch"]
        )
        columns = [
            node for node in etree.fromstring(views).iter("field") if node.get("name") in BUCKET_FIELDS
        ]
        shown = [node.get("string") for node in columns if node.get("column_invisible") != "1"]
        hidden = [node.get("name") for node in columns if node.get("column_invisible") == "1"]
        return shown, hidden

    @freeze_time(TODAY)
    def test_screen_columns_and_drill_down(self):
        invoice = self._invoice(self.customer, 100, TODAY - timedelta(days=10))
        self._invoice(self.customer, 50, TODAY)
        self._pay(invoice, 100, TODAY)
        wizard = self._wizard(
            user=self.accountant,
            partner_ids=[Command.set(self.customer.ids)],
            date_as_of=TODAY - timedelta(days=1),
        )
        action = wizard.action_view_aging()
        self.assertEqual(
            self._list_columns(action, self.accountant)[0],
            ["Not Due"] + [bucket.name for bucket in self.bucket_set._ordered_buckets()[1:]],
        )
        self.assertEqual(self._list_columns(action, self.accountant)[0][-1], "Over 365 Days")
        self.assertEqual(self._list_columns(action, self.accountant)[1], ["b8"])
        # Another set, its own headers, however the views were cached.
        short_set = (
            self.env["credit.aging.bucket.set"]
            .with_user(self.credit_manager)
            .create(
                {
                    "name": "Short",
                    "bucket_ids": [
                        Command.create({"name": "Current", "day_from": 0, "day_to": 0}),
                        Command.create({"name": "Late", "day_from": 1, "day_to": 0}),
                    ],
                }
            )
        )
        wizard.bucket_set_id = short_set
        short_action = wizard.action_view_aging()
        self.assertEqual(
            self._list_columns(short_action, self.accountant), (["Current", "Late"], BUCKET_FIELDS[2:])
        )
        self.assertEqual(self._list_columns(action, self.accountant)[0][0], "Not Due")
        # The drill-down lists the invoice paid after the as-of date, not the later one.
        drill = wizard.line_ids.action_open_items()
        self.assertEqual(self.env["account.move.line"].search(drill["domain"]).move_id, invoice)

    def test_bucket_set_validation(self):
        BucketSet = self.env["credit.aging.bucket.set"].with_user(self.credit_manager)
        good = [("Not Due", 0, 0), ("1-60", 1, 60), ("Older", 61, 0)]
        cases = {
            "overlap": ([("Not Due", 0, 0), ("1-60", 1, 60), ("50+", 50, 0)], "overlap or leave a gap"),
            "gap": ([("Not Due", 0, 0), ("1-60", 1, 60), ("70+", 70, 0)], "overlap or leave a gap"),
            "no not due": ([("1-60", 1, 60), ("61+", 61, 0)], "'not due' bucket"),
            "closed": ([("Not Due", 0, 0), ("1-60", 1, 60)], "must be open-ended"),
        }

        def vals(rows):
            return {
                "name": "Test",
                "bucket_ids": [
                    Command.create({"name": name, "day_from": start, "day_to": end})
                    for name, start, end in rows
                ],
            }

        self.assertEqual(BucketSet.create(vals(good))._bucket_limits(), [0, 60])
        for case, (rows, message) in cases.items():
            with self.subTest(case=case), self.assertRaisesRegex(ValidationError, message):
                BucketSet.create(vals(rows))

    @freeze_time(TODAY)
    def test_custom_bucket_set(self):
        bucket_set = (
            self.env["credit.aging.bucket.set"]
            .with_user(self.credit_manager)
            .create(
                {
                    "name": "Quarterly",
                    "bucket_ids": [
                        Command.create({"name": "Current", "day_from": 0, "day_to": 0}),
                        Command.create({"name": "1-90", "day_from": 1, "day_to": 90}),
                        Command.create({"name": "90+", "day_from": 91, "day_to": 0}),
                    ],
                }
            )
        )
        for days in (0, 90, 91):
            self._invoice(self.customer, 10 + days, TODAY - timedelta(days=days))
        line = self._aging(self.customer, bucket_set_id=bucket_set.id)["Aging Customer"]
        self.assertEqual([line.b1, line.b2, line.b3, line.b4], [10, 100, 101, 0])

    def _open_xlsx(self, wizard):
        action = wizard.action_export_xlsx()
        self.assertIn("download=true", action["url"])
        return openpyxl.load_workbook(io.BytesIO(base64.b64decode(wizard.xlsx_file)), read_only=True)

    @freeze_time(TODAY)
    def test_xlsx_export(self):
        second = self._customer("Second Customer", user=self.salesperson)
        self._invoice(self.customer, 100, TODAY - timedelta(days=45), due_date=TODAY - timedelta(days=15))
        self._invoice(self.customer, 40, TODAY)
        self._invoice(second, 60, TODAY - timedelta(days=400))
        wizard = self._wizard(partner_ids=[Command.set((self.customer + second).ids)], show_details=True)
        workbook = self._open_xlsx(wizard)
        self.assertEqual(
            wizard.xlsx_filename, f"Aging_{self.env.company.name.replace(' ', '_')}_2024-06-30.xlsx"
        )
        self.assertEqual(workbook.sheetnames, ["Summary", "Details"])
        rows = list(workbook["Summary"].iter_rows(values_only=True))
        self.assertEqual(
            rows[0],
            (
                "Customer",
                "Salesperson",
                "Credit Grade",
                "Not Due",
                "1-30 Days",
                "31-60 Days",
                "61-90 Days",
                "91-180 Days",
                "181-365 Days",
                "Over 365 Days",
                "Total",
                "Overdue",
                "Overdue (%)",
            ),
        )
        self.assertEqual(rows[1][:3], ("Aging Customer", self.salesperson.name, None))
        self.assertEqual(rows[1][3:12], (40, 100, 0, 0, 0, 0, 0, 140, 100))
        self.assertEqual(rows[2][0], "Second Customer")
        self.assertEqual(rows[2][3:12], (0, 0, 0, 0, 0, 0, 60, 60, 60))
        self.assertEqual(rows[3][0], "Total")
        self.assertEqual(rows[3][3:12], (40, 100, 0, 0, 0, 0, 60, 200, 160))
        self.assertEqual(len(rows), 4)

        details = list(workbook["Details"].iter_rows(values_only=True))
        self.assertEqual(
            details[0],
            (
                "Customer",
                "Document",
                "Invoice Date",
                "Due Date",
                "Days Overdue",
                "Bucket",
                "Residual",
                "Currency",
                "Residual in Currency",
            ),
        )
        self.assertEqual(len(details), 4)
        self.assertEqual(details[1][0], "Aging Customer")
        self.assertEqual(details[1][2].date(), TODAY - timedelta(days=45))
        self.assertEqual(details[1][3].date(), TODAY - timedelta(days=15))
        self.assertEqual(details[1][4:8], (15, "1-30 Days", 100, self.currency.name))
        self.assertEqual(details[3][4:7], (400, "Over 365 Days", 60))

        wizard.show_details = False
        self.assertEqual(self._open_xlsx(wizard).sheetnames, ["Summary"])

    @freeze_time(TODAY)
    def test_streamed_items_are_the_open_items(self):
        second = self._customer("Second Customer")
        for days in (0, 10, 40, 100, 400):
            self._invoice(self.customer, 10 + days, TODAY - timedelta(days=days))
        self._invoice(second, 60, TODAY - timedelta(days=5))
        Receivable = self.env["credit.receivable"]
        items = Receivable.get_open_items(TODAY, self.env.company, bucket_limits=(0, 30))
        # Batches of 2 rows: several fetches, one of them partial.
        columns = ["partner_name", "move_name", "due_date", "bucket", "residual"]
        streamed = list(
            Receivable._iter_open_item_values(
                TODAY, self.env.company, columns, batch_size=2, bucket_limits=(0, 30)
            )
        )
        self.assertEqual(len(items), 6)
        self.assertEqual(streamed, [tuple(item[column] for column in columns) for item in items])
        # Two streams at once, one stopped early: each has its own cursor on the server.
        first = Receivable._iter_open_item_values(TODAY, self.env.company, ["line_id"], batch_size=4)
        second = Receivable._iter_open_item_values(TODAY, self.env.company, ["line_id"], batch_size=4)
        self.assertEqual(next(first), next(second))
        first.close()
        self.assertEqual(len(list(second)), 5)
        self.env.cr.execute("SELECT count(*) FROM pg_cursors WHERE name LIKE 'credit_open_items%%'")
        self.assertEqual(self.env.cr.fetchone()[0], 0)

    def test_jit_setting_restored(self):
        Receivable = self.env["credit.receivable"]
        for setting in ("on", "off"):
            self.env.cr.execute(SQL("SELECT set_config('jit', %s, true)", setting))
            with Receivable._without_jit():
                self.env.cr.execute("SELECT current_setting('jit')")
                self.assertEqual(self.env.cr.fetchone()[0], "off")
            Receivable.get_aging_by_partner(TODAY, self.env.company)
            list(Receivable._iter_open_item_values(TODAY, self.env.company, ["line_id"]))
            self.env.cr.execute("SELECT current_setting('jit')")
            self.assertEqual(self.env.cr.fetchone()[0], setting)

    @freeze_time(TODAY)
    def test_xlsx_details_sheet_without_documents(self):
        wizard = self._wizard(partner_ids=[Command.set(self.customer.ids)], show_details=True)
        workbook = self._open_xlsx(wizard)
        self.assertEqual(workbook.sheetnames, ["Summary", "Details"])
        self.assertEqual(len(list(workbook["Details"].iter_rows(values_only=True))), 1)

    @freeze_time(TODAY)
    def test_xlsx_details_go_on_to_further_sheets(self):
        """A book larger than a worksheet (1,048,576 rows) goes on to "Details (2)" and so on; here a
        sheet takes two documents."""
        for days in range(5):
            self._invoice(self.customer, 10 + days, TODAY - timedelta(days=days))
        wizard = self._wizard(partner_ids=[Command.set(self.customer.ids)], show_details=True)
        with patch.object(type(wizard), "_xlsx_rows_per_sheet", lambda self, sheet: 2):
            workbook = self._open_xlsx(wizard)
        self.assertEqual(workbook.sheetnames, ["Summary", "Details", "Details (2)", "Details (3)"])
        sheets = [list(workbook[name].iter_rows(values_only=True)) for name in workbook.sheetnames[1:]]
        self.assertEqual([len(rows) for rows in sheets], [3, 3, 2])
        self.assertTrue(all(rows[0][0] == "Customer" for rows in sheets))
        amounts = sorted(row[6] for rows in sheets for row in rows[1:])
        self.assertEqual(amounts, [10, 11, 12, 13, 14])

    @freeze_time(TODAY)
    def test_xlsx_details_fill_one_sheet_exactly(self):
        for days in range(2):
            self._invoice(self.customer, 10 + days, TODAY - timedelta(days=days))
        wizard = self._wizard(partner_ids=[Command.set(self.customer.ids)], show_details=True)
        with patch.object(type(wizard), "_xlsx_rows_per_sheet", lambda self, sheet: 2):
            workbook = self._open_xlsx(wizard)
        self.assertEqual(workbook.sheetnames, ["Summary", "Details"])

    @freeze_time(TODAY)
    def test_pdf_renders(self):
        invoice = self._invoice(self.customer, 100, TODAY - timedelta(days=45))
        wizard = self._wizard(partner_ids=[Command.set(self.customer.ids)], show_details=True)
        html, _ = self.env["ir.actions.report"]._render_qweb_html(
            "customer_credit_management.credit_aging_report_action", wizard.ids
        )
        html = html.decode()
        self.assertIn("Receivables Aging", html)
        self.assertIn("Aging Customer", html)
        self.assertIn("Over 365 Days", html)
        self.assertIn(invoice.name, html)
        self.assertIn("Open Documents", html)
        wizard.show_details = False
        html, _ = self.env["ir.actions.report"]._render_qweb_html(
            "customer_credit_management.credit_aging_report_action", wizard.ids
        )
        self.assertNotIn(invoice.name, html.decode())

    @freeze_time(TODAY)
    def test_pdf_landscape_blank_zeros_and_overdue_share(self):
        self._invoice(self.customer, 100, TODAY - timedelta(days=45))
        self._invoice(self.customer, 100, TODAY - timedelta(days=5), due_date=TODAY + timedelta(days=10))
        # A customer with a credit balance (an open credit note) lowers the total, not the share.
        creditor = self._customer("Creditor Customer")
        self._invoice(creditor, 120, TODAY - timedelta(days=45), move_type="out_refund")
        wizard = self._wizard(user=self.accountant, partner_ids=[Command.set((self.customer + creditor).ids)])
        data = wizard._aging_data()
        self.assertEqual(data["totals"]["total"], 80)
        self.assertEqual(data["totals"]["overdue_percent"], 50.0)
        by_name = {row["partner_name"]: row for row in data["rows"]}
        self.assertEqual(by_name["Aging Customer"]["overdue_percent"], 50.0)
        self.assertEqual(by_name["Creditor Customer"]["overdue_percent"], 0.0)
        report = self.env.ref("customer_credit_management.credit_aging_report_action")
        self.assertEqual(report.paperformat_id.orientation, "Landscape")
        html, _ = (
            self.env["ir.actions.report"]
            .with_user(self.accountant)
            ._render_qweb_html("customer_credit_management.credit_aging_report_action", wizard.ids)
        )
        [table] = lxml.html.fromstring(html).xpath("//table[hasclass('o_main_table')]")
        [row] = [tr for tr in table.xpath(".//tbody/tr") if "Aging Customer" in tr.text_content()]
        cells = [" ".join(td.text_content().split()) for td in row.xpath("td")]
        bucket_cells = cells[3 : 3 + len(data["bucket_names"])]
        # Not due 100, 31-60 days 100: the other buckets are blank, not 0.00.
        self.assertEqual(sum(1 for cell in bucket_cells if cell), 2)
        self.assertEqual(cells[-1], "50.0 %")
        [total_row] = table.xpath(".//tr[hasclass('o_total')]")
        self.assertEqual(" ".join(total_row.xpath("td")[-1].text_content().split()), "50.0 %")

    @freeze_time(TODAY)
    def test_query_count_independent_of_customers(self):
        salespeople = self.salesperson + self.other_salesperson
        customers = self.env["res.partner"].create(
            [
                {
                    "name": f"Bulk Customer {index:02}",
                    "is_company": True,
                    "user_id": salespeople[index % 2].id,
                }
                for index in range(20)
            ]
        )
        customers[::3].sudo().write({"credit_score": 75})
        for index, customer in enumerate(customers):
            self._invoice(customer, 100 + index, TODAY - timedelta(days=index * 20))

        def run(partners):
            wizard = self._wizard(partner_ids=[Command.set(partners.ids)])
            self.env.invalidate_all()
            self.env.flush_all()
            start = self.cr.sql_log_count
            wizard.action_view_aging()
            self.env.flush_all()
            self.assertEqual(len(wizard.line_ids), len(partners))
            return self.cr.sql_log_count - start

        run(customers[:1])  # warms the registry caches (xml ids, views)
        count_2 = run(customers[:2])
        self.assertEqual(run(customers), count_2)
        wizard = self._wizard(partner_ids=[Command.set(customers.ids)])
        self.env.invalidate_all()
        with self.assertQueryCount(count_2):
            wizard.action_view_aging()


@tagged("post_install", "-at_install")
class TestCreditAgingDownload(AccountTestInvoicingCommon, HttpCase):
    """The spreadsheet goes from the filestore to the download, not through the wizard's row."""

    def test_xlsx_streamed_from_the_filestore(self):
        accountant = new_test_user(
            self.env,
            login="aging_download_accountant",
            groups="account.group_account_invoice",
            company_id=self.env.company.id,
            company_ids=[Command.set(self.env.company.ids)],
        )
        customer = self.env["res.partner"].create({"name": "Download Customer", "is_company": True})
        self.init_invoice(
            "out_invoice", customer, date.today() - timedelta(days=40), amounts=[100.0], post=True
        )
        wizard = (
            self.env["credit.aging.wizard"]
            .with_user(accountant)
            .with_context(allowed_company_ids=self.env.company.ids)
            .create({"show_details": True, "partner_ids": [Command.set(customer.ids)]})
        )

        def stored():
            return (
                self.env["ir.attachment"]
                .sudo()
                .search(
                    [
                        ("res_model", "=", wizard._name),
                        ("res_id", "=", wizard.id),
                        ("res_field", "=", "xlsx_file"),
                    ]
                )
            )

        action = wizard.action_export_xlsx()
        self.assertEqual(len(stored()), 1)
        self.assertTrue(stored().store_fname)
        # Stored from the file's bytes, as the field stores it; a new export replaces the file.
        self.assertEqual(
            stored().mimetype, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        first = stored()
        wizard.action_export_xlsx()
        self.assertEqual(len(stored()), 1)
        self.assertFalse(first.exists())
        self.assertEqual(stored().raw, base64.b64decode(wizard.xlsx_file))
        self.authenticate(accountant.login, accountant.login)
        response = self.url_open(action["url"])
        self.assertEqual(response.status_code, 200)
        self.assertIn(wizard.xlsx_filename, response.headers["Content-Disposition"])
        workbook = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
        self.assertIn(
            "Download Customer", [row[0] for row in workbook["Details"].iter_rows(values_only=True)]
        )
        # Another export replaces the file.
        wizard.action_export_xlsx()
        self.assertEqual(len(stored()), 1)
        # Another accountant reads neither the file nor the wizard, even by id (the lines list
        # every customer within its creator's clearance).
        wizard.action_view_aging()
        colleague = new_test_user(
            self.env,
            login="aging_download_colleague",
            groups="account.group_account_invoice",
            company_id=self.env.company.id,
            company_ids=[Command.set(self.env.company.ids)],
        )
        self.authenticate(colleague.login, colleague.login)
        self.assertNotEqual(self.url_open(action["url"]).status_code, 200)
        as_colleague = wizard.with_user(colleague).with_context(allowed_company_ids=self.env.company.ids)
        with self.assertRaises(AccessError):
            as_colleague.read(["xlsx_filename"])
        self.assertTrue(wizard.line_ids)
        lines = self.env["credit.aging.line"].with_user(colleague)
        self.assertFalse(lines.search([("wizard_id", "=", wizard.id)]))
