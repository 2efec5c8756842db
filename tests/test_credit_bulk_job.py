"""Issue 18, point 6: bulk actions with progress (``credit.bulk.job``), from the customer list's
selection at once or for all customers in batches by a cron."""

import xmlrpc.client

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common import (
    CREDIT_MANAGER,
    CUSTODIAN,
    SALESPERSON,
    QuietCase,
    new_role_users,
    new_user,
    xmlrpc_execute,
)


@tagged("post_install", "-at_install")
class TestCreditBulkJob(QuietCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.users = new_role_users(cls.env, "ccm_bulk")
        cls.manager = cls.users["credit_manager"]
        cls.custodian = cls.users["custodian"]
        cls.company = cls.env.company
        cls.customers = cls._customers(6)

    @classmethod
    def _customers(cls, count, prefix="Bulk"):
        customers = cls.env["res.partner"].create(
            [{"name": f"{prefix} Customer {i}", "is_company": True, "customer_rank": 1} for i in range(count)]
        )
        # A stale computed limit: the recompute (no order in the previous period) sets it to 0.
        customers[: count // 2].with_company(cls.company).write({"credit_limit_computed": 500.0})
        return customers

    def _job(self, action, partners=None, user=None, **vals):
        vals = {"action": action, "scope": "selection" if partners is not None else "all", **vals}
        if partners is not None:
            vals["partner_ids"] = [(6, 0, partners.ids)]
        return self.env["credit.bulk.job"].with_user(user or self.manager).create(vals)

    def test_selection_hold_and_lift_at_once(self):
        held = self.customers[0]
        held.credit_hold = True
        held.credit_hold_reason = "overdue"
        contact = self.env["res.partner"].create({"name": "Buyer", "parent_id": self.customers[1].id})
        # A contact selected stands for its company.
        job = self._job("hold", self.customers[:3] | contact, note="Bankruptcy rumours")
        action = job.action_start()
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(job.state, "done")
        self.assertEqual((job.total, job.processed, job.changed, job.failed), (3, 3, 3, 0))
        self.assertIn("3 changed", action["params"]["message"])
        self.assertTrue(all(self.customers[:3].mapped("credit_hold")))
        self.assertEqual(set(self.customers[:3].mapped("credit_hold_reason")), {"manual"})
        self.assertEqual(held.credit_hold_note, "Bankruptcy rumours")
        self.assertFalse(self.customers[3].credit_hold)
        self.assertIn("3 changed", job.message_ids[0].body)

        again = self._job("hold", self.customers[:4])
        again.action_start()
        self.assertEqual((again.changed, again.failed), (1, 0), "only the one not yet on manual hold")

        lift = self._job("lift", self.customers)
        lift.action_start()
        self.assertEqual((lift.processed, lift.changed), (6, 4))
        self.assertFalse(any(self.customers.mapped("credit_hold")))

    def test_limits_for_all_customers_in_batches(self):
        job = self._job("limits")
        action = job.action_start()
        self.assertEqual(action["res_model"], "credit.bulk.job")
        self.assertEqual(job.state, "queued")
        readable = self.env["res.partner"].with_user(self.manager).search_count(job._customer_domain())
        self.assertEqual(job.total, readable)
        job = job.sudo()
        while job.state != "done":
            job._process_batch(2)
            self.assertLessEqual(job.processed, job.total)
        self.assertEqual(job.processed, job.total)
        self.assertGreaterEqual(job.changed, 3)
        self.assertEqual(job.progress, 100.0)
        self.assertFalse(any(self.customers.with_company(self.company).mapped("credit_limit_computed")))
        self.assertTrue(all(self.customers.with_company(self.company).mapped("credit_limit_date")))

    def test_cron_reports_progress(self):
        job = self._job("categories", user=self.custodian)
        self.customers[:2].customer_has_intent = True
        job.action_start()
        cron = self.env.ref("customer_credit_management.ir_cron_credit_bulk_job")
        progress = self.env["ir.cron.progress"].create({"cron_id": cron.id})
        Job = self.env["credit.bulk.job"].with_context(ir_cron_progress_id=progress.id)
        while job.state != "done":
            Job._cron_process()
            self.assertEqual(progress.remaining, job.total - job.processed)
        self.assertEqual(progress.done, job.total % 200 or 200)
        self.assertGreaterEqual(job.changed, 2)
        self.assertEqual(set(self.customers[:2].mapped("customer_category")), {"potential"})
        summary = job.message_ids.filtered(lambda m: m.body and "customers processed" in m.body)
        self.assertIn(self.custodian.partner_id, summary.partner_ids, "the requester is notified")

    def test_failures_are_counted_with_their_reason(self):
        """The requester's right is checked as each customer is processed: a Credit Manager who
        lost the role while the job waited puts nobody on hold, and every customer is a failure
        with the reason."""
        job = self._job("hold")
        job.action_start()
        job = job.sudo()
        self.manager.groups_id -= self.env.ref(CREDIT_MANAGER)
        with mute_logger("odoo.addons.customer_credit_management.models.credit.credit_bulk_job"):
            job._process_batch(job.total)
        self.assertEqual(job.state, "done")
        self.assertEqual(job.failed, job.total)
        self.assertEqual(job.changed, 0)
        self.assertFalse(any(self.customers.mapped("credit_hold")))
        self.assertEqual(set(job.failure_ids.partner_id.ids) >= set(self.customers.ids), True)
        self.assertIn("Only a Credit Manager", job.failure_ids[0].reason)
        self.assertIn(f"{job.total} failed", job.summary)

    def test_roles(self):
        with self.assertRaises(AccessError):
            self._job("hold", self.customers, user=self.custodian)
        with self.assertRaises(AccessError):
            self._job("categories", self.customers, user=self.manager)
        job = self._job("categories", self.customers, user=self.custodian)
        with self.assertRaises(AccessError):
            job.with_user(self.custodian).write({"action": "hold"})
        with self.assertRaises(AccessError):
            job.with_user(self.custodian).write({"state": "done"})
        with self.assertRaises(AccessError):
            job.with_user(self.manager).action_start()
        with self.assertRaises(AccessError):
            self._job("lift", self.customers, user=self.users["salesperson"])

    def test_query_count_does_not_grow_per_customer(self):
        for action, user in (("limits", self.manager), ("categories", self.custodian)):
            counts = []
            # The first runs warm the caches (groups, fields, sequence): the last two are compared,
            # on customers alike but for their number.
            for count in (2, 2, 6, 12):
                partners = self._customers(count, prefix=f"{action} {count}")
                job = self._job(action, partners, user=user).sudo()
                job.write({"state": "queued", "total": len(partners)})
                self.env.flush_all()
                self.env.invalidate_all()
                before = self.env.cr.sql_log_count
                job._process_batch(len(partners) + 1)
                self.env.flush_all()
                counts.append(self.env.cr.sql_log_count - before)
                self.assertEqual(job.processed, len(partners))
            self.assertEqual(counts[2], counts[3], f"{action}: 6 and 12 customers cost the same queries")


@tagged("post_install", "-at_install")
class TestCreditBulkJobRpc(HttpCase):
    def test_non_credit_manager_cannot_hold_by_rpc(self):
        salesperson = new_user(self.env, "ccm_bulk_rpc_sales", SALESPERSON)
        custodian = new_user(self.env, "ccm_bulk_rpc_custodian", CUSTODIAN)
        customer = self.env["res.partner"].create({"name": "Bulk RPC Customer", "is_company": True})
        for user in (salesperson, custodian):
            with self.assertRaises(xmlrpc.client.Fault), mute_logger("odoo.http"):
                xmlrpc_execute(
                    self, user, "credit.bulk.job", "create",
                    [{"action": "hold", "scope": "selection", "partner_ids": [(6, 0, customer.ids)]}],
                )  # fmt: skip
            with self.assertRaises(xmlrpc.client.Fault), mute_logger("odoo.http"):
                xmlrpc_execute(self, user, "res.partner", "action_credit_hold", [customer.ids])
        job_id = xmlrpc_execute(
            self, custodian, "credit.bulk.job", "create",
            [{"action": "categories", "scope": "selection", "partner_ids": [(6, 0, customer.ids)]}],
        )  # fmt: skip
        with self.assertRaises(xmlrpc.client.Fault), mute_logger("odoo.http"):
            xmlrpc_execute(self, custodian, "credit.bulk.job", "write", [[job_id], {"action": "hold"}])
        with self.assertRaises(xmlrpc.client.Fault), mute_logger("odoo.http"):
            xmlrpc_execute(self, custodian, "credit.bulk.job", "_process_batch", [[job_id], 10])
        self.assertFalse(customer.credit_hold)
