"""Issue #19 points 1 and 2 in the aging: the customer lines show the disputed, promised and
broken-promise amounts, and the drill-down's items their flags, each with a filter."""

from datetime import timedelta

from freezegun import freeze_time

from odoo.tests import tagged

from .common import logged_statements
from .test_collection_workbench import DUE, CollectionCommon


@tagged("post_install", "-at_install")
class TestAgingCollectionFlags(CollectionCommon):
    def test_flags_on_aging_lines_and_drill_down_items(self):
        disputed = self._invoice(1000)
        promised = self._invoice(500)
        broken = self._invoice(300)
        plain = self._invoice(200)
        self._dispute(disputed, approver=self.manager)
        lines = {
            name: self._receivable_line(invoice)
            for name, invoice in (
                ("disputed", disputed),
                ("promised", promised),
                ("broken", broken),
                ("plain", plain),
            )
        }
        self._promise(
            DUE + timedelta(days=1), 300, DUE + timedelta(days=3), move_line_ids=[(6, 0, lines["broken"].ids)]
        )
        with freeze_time(DUE + timedelta(days=4)):
            self.env["credit.payment.promise"]._cron_check_promises()
        self._promise(
            DUE + timedelta(days=4),
            500,
            DUE + timedelta(days=30),
            move_line_ids=[(6, 0, lines["promised"].ids)],
        )
        day = DUE + timedelta(days=5)
        line = self._aging_line(day)
        self.assertEqual((line.total, line.blocked, line.promised), (2000, 1000, 500))
        # The customer's flag follows its latest promise (valid); the broken one shows on its item.
        self.assertFalse(line.promise_broken)
        Line = line.with_user(self.accountant)
        for domain in ([("promised", "!=", 0)], [("blocked", "!=", 0)]):
            self.assertEqual(Line.search([("wizard_id", "=", line.wizard_id.id), *domain]), line, domain)

        with freeze_time(day):
            action = line.with_user(self.accountant).action_open_items()
            Item = self.env["account.move.line"].with_user(self.accountant).with_context(**action["context"])
            items = Item.search(action["domain"])
            self.assertEqual(items, sum(lines.values(), Item))
            flags = {
                name: (
                    Item.browse(item.id).credit_blocked,
                    Item.browse(item.id).credit_promised,
                    Item.browse(item.id).credit_promise_broken,
                )
                for name, item in lines.items()
            }
            self.assertEqual(
                flags,
                {
                    "disputed": (True, False, False),
                    "promised": (False, True, False),
                    "broken": (False, False, True),
                    "plain": (False, False, False),
                },
            )
            for field, name in (
                ("credit_blocked", "disputed"),
                ("credit_promised", "promised"),
                ("credit_promise_broken", "broken"),
            ):
                self.assertEqual(
                    Item.search([*action["domain"], (field, "=", True)]),
                    lines[name].with_user(self.accountant),
                )
            self.assertEqual(len(Item.search([*action["domain"], ("credit_promised", "=", False)])), 3)
        # The views of the drill-down carry the flags and their filters.
        view = self.env.ref("customer_credit_management.credit_aging_item_view_search")
        self.assertIn("credit_promise_broken", view.arch)

    def test_flags_joined_only_on_a_date_with_flags(self):
        """The aging's scan joins the disputes and the promises only when some item is under one
        on its date: the same sums, without the joins' cost on a large book."""
        disputed = self._invoice(1000)
        promised = self._invoice(500)
        Receivable = self.env["credit.receivable"]

        def aging(day):
            with logged_statements() as queries:
                [row] = Receivable.get_aging_by_partner(day, self.company, partner_ids=self.customer.ids)
            [scan] = [query for query in queries if "contact_aging" in query]
            joined = [name for name in ("blocked_line blk", "promised_line prm") if name in scan]
            return (row["total"], row["blocked"], row["promised"]), joined

        day = DUE + timedelta(days=5)
        self.assertEqual(aging(day), ((1500, 0, 0), []))
        self._dispute(disputed, approver=self.manager)
        self.assertEqual(aging(day), ((1500, 1000, 0), ["blocked_line blk"]))
        self._promise(
            day, 500, DUE + timedelta(days=30), move_line_ids=[(6, 0, self._receivable_line(promised).ids)]
        )
        self.assertEqual(aging(day), ((1500, 1000, 500), ["blocked_line blk", "promised_line prm"]))
        # Outside the promise's validity, only the dispute is joined.
        self.assertEqual(aging(DUE + timedelta(days=31)), ((1500, 1000, 0), ["blocked_line blk"]))
