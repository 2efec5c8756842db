from datetime import datetime, timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import ConfidentialityCommon

NOW = datetime(2025, 3, 10, 12, 0)


@tagged("post_install", "-at_install")
class TestAccessPolicy(ConfidentialityCommon):
    """Reading, exporting and the access log ask one policy (``customer.access.policy``): for a
    user above whose clearance a customer is, they agree on every kind of grant, and a change of
    the grant's validity in that one place changes all three."""

    def _grant(self, grant_type, start, end, state="active"):
        grant = self.env["customer.access.grant"].create(
            {
                "user_id": self.sales_internal.id,
                "partner_ids": [Command.set(self.secret_customer.ids)],
                "grant_type": grant_type,
                "date_start": start,
                "date_end": end,
            }
        )
        if state != "active":
            grant.state = state
        return grant

    def _answers(self, moment):
        """(reads, exports, grant logged on opening, grant logged on exporting) of the Secret
        customer for ``sales_internal`` at ``moment``."""
        user = self.sales_internal
        Log = self.env["customer.access.log"]
        with freeze_time(moment):
            self.env.invalidate_all()
            customer = self.secret_customer.with_user(user)
            reads = bool(customer.search([("id", "=", customer.id)]))
            opened = Log.browse()
            if reads:
                before = Log.search([]).ids
                customer.web_read({"name": {}})
                opened = Log.search([("id", "not in", before), ("action", "=", "open")])
                self.assertEqual(len(opened), 1, "opening a Secret customer one reads is logged")
            before = Log.search([]).ids
            try:
                with self.env.cr.savepoint():
                    customer.export_data(["name"])
                exports = True
            except AccessError:
                exports = False
            exported = Log.search([("id", "not in", before), ("action", "=", "export")])
        return reads, exports, opened.grant_id, exported.grant_id

    def test_read_export_and_log_agree_on_every_grant(self):
        empty = self.env["customer.access.grant"]
        # Without a grant: neither read nor exported.
        self.assertEqual(self._answers(NOW), (False, False, empty, empty))
        hour = timedelta(hours=1)
        cases = [
            # (grant type, start, end, state, reads and logs the grant, exports)
            ("consult", NOW - hour, NOW + hour, "active", True, False),
            ("copy", NOW - hour, NOW + hour, "active", True, True),
            ("external", NOW - hour, NOW + hour, "active", True, True),
            # Past its end, before the hourly expiry ran: no longer valid.
            ("copy", NOW - 2 * hour, NOW - hour, "active", False, False),
            ("copy", NOW - hour, NOW + hour, "returned", False, False),
            ("copy", NOW - hour, NOW + hour, "expired", False, False),
            # Not started yet.
            ("copy", NOW + hour, NOW + 2 * hour, "active", False, False),
        ]
        for index, (grant_type, start, end, state, valid, exports) in enumerate(cases):
            # A day apart: the log's five-minute deduplication of openings plays no part.
            moment = NOW + timedelta(days=index + 1)
            shift = moment - NOW
            with self.subTest(grant_type=grant_type, state=state, start=start - NOW):
                grant = self._grant(grant_type, start + shift, end + shift, state)
                logged = grant if valid else empty
                self.assertEqual(
                    self._answers(moment), (valid, exports, logged, logged if exports else empty)
                )
                grant.state = "returned"

    def test_expiry_follows_the_same_validity(self):
        hour = timedelta(hours=1)
        ended = self._grant("copy", NOW - 2 * hour, NOW - hour)
        running = self._grant("copy", NOW - hour, NOW + hour)
        future = self._grant("copy", NOW + hour, NOW + 2 * hour)
        with freeze_time(NOW):
            self.env["customer.access.grant"]._cron_expire_grants()
        self.assertEqual((ended.state, running.state, future.state), ("expired", "active", "active"))

    def test_validity_changed_in_one_place_changes_reading_exporting_and_logging(self):
        """Were validity derived again by the rule, the export check or the log, changing it in the
        policy would leave them behind."""
        grant = self._grant("copy", NOW - timedelta(minutes=30), NOW + timedelta(hours=2))
        self.assertEqual(self._answers(NOW), (True, True, grant, grant))
        Policy = type(self.env["customer.access.policy"])
        valid_grant_domain = Policy._valid_grant_domain

        def settled_for_an_hour(policy, at=None):
            # A stricter policy: a grant counts from an hour after its start.
            domain = valid_grant_domain(policy, at)
            return [*domain, ("date_start", "<=", (at or datetime.now()) - timedelta(hours=1))]

        empty = self.env["customer.access.grant"]
        with patch.object(Policy, "_valid_grant_domain", settled_for_an_hour):
            self.assertEqual(self._answers(NOW + timedelta(minutes=10)), (False, False, empty, empty))
            self.assertEqual(self._answers(NOW + timedelta(minutes=40)), (True, True, grant, grant))
