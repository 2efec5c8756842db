from datetime import datetime

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import SALES, ConfidentialityCommon, new_user

# 2026-03-02 10:00 in Shanghai (UTC+8): the day ends at 16:00 UTC.
MORNING = datetime(2026, 3, 2, 2, 0)


@tagged("post_install", "-at_install")
class TestCustomerAccessRequest(ConfidentialityCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.partner_id.tz = "Asia/Shanghai"
        cls.head = new_user(cls.env, "ccm_req_head", "customer_credit_management.group_department_head")
        cls.director_requester = new_user(
            cls.env, "ccm_req_director2", f"customer_credit_management.group_marketing_director,{SALES}"
        )

    def _request(self, user, request_type="consult", partners=None):
        request = (
            self.env["customer.access.request"]
            .with_user(user)
            .create(
                {
                    "partner_ids": [Command.set((partners or self.secret_customer).ids)],
                    "purpose": "Prepare the yearly visit",
                    "request_type": request_type,
                }
            )
        )
        request.action_submit()
        return request

    def _can_read(self, user, partner=None):
        partner = (partner or self.secret_customer).with_user(user)
        self.env.invalidate_all()
        return bool(partner.search([("id", "=", partner.id)]))

    def test_menu_opens_on_to_approve_for_approvers(self):
        menu_action = self.env.ref("customer_credit_management.menu_customer_access_request").action
        for user, default_filter in (
            (self.director, "search_default_filter_to_approve"),
            (self.head, "search_default_filter_to_approve"),
            (self.sales_internal, "search_default_filter_mine"),
        ):
            action = menu_action.with_user(user).run()
            self.assertEqual(action["res_model"], "customer.access.request")
            self.assertEqual(action["context"], {default_filter: 1}, user.login)

    def test_consult_grant_until_end_of_day(self):
        with freeze_time(MORNING):
            request = self._request(self.sales_internal)
            self.assertFalse(self._can_read(self.sales_internal))
            with self.assertRaises(AccessError):
                request.with_user(self.head).action_approve()
            self.assertEqual(request.state, "submitted")
            request.with_user(self.director).action_approve()
            self.assertEqual(request.state, "approved")
            self.assertRecordValues(
                request.grant_id,
                [
                    {
                        "user_id": self.sales_internal.id,
                        "grant_type": "consult",
                        "date_end": datetime(2026, 3, 2, 16, 0),
                        "request_id": request.id,
                    }
                ],
            )
            self.assertTrue(self._can_read(self.sales_internal))
            self.assertEqual(
                self.secret_customer.with_user(self.sales_internal).read(["name"])[0]["name"],
                "Zircon Secret Industries",
            )
        with freeze_time(datetime(2026, 3, 2, 15, 59)):
            self.assertTrue(self._can_read(self.sales_internal))
        with freeze_time(datetime(2026, 3, 2, 16, 1)):
            self.assertFalse(self._can_read(self.sales_internal))
            self.env["customer.access.grant"]._cron_expire_grants()
            self.assertEqual(request.grant_id.state, "expired")
            self.assertEqual(request.state, "expired")
        cron = self.env.ref("customer_credit_management.ir_cron_customer_access_grant_expiry")
        self.assertEqual(cron.code, "model._cron_expire_grants()")

    def test_configured_hours(self):
        self.env.company.customer_grant_hours_copy = 4
        with freeze_time(MORNING):
            request = self._request(self.sales_internal, "copy")
            request.with_user(self.director).action_approve()
        self.assertEqual(request.grant_id.date_end, datetime(2026, 3, 2, 6, 0))

    def test_return_ends_the_grant(self):
        with freeze_time(MORNING):
            request = self._request(self.sales_internal)
            request.with_user(self.director).action_approve()
            self.assertTrue(self._can_read(self.sales_internal))
            with self.assertRaises(AccessError):
                request.with_user(self.sales_owner).action_return()
            request.with_user(self.sales_internal).action_return()
            self.assertEqual(request.state, "returned")
            self.assertEqual(request.grant_id.state, "returned")
            self.assertFalse(self._can_read(self.sales_internal))

    def test_requester_cannot_approve_own_request(self):
        with freeze_time(MORNING):
            request = self._request(self.director_requester)
            with self.assertRaises(AccessError):
                request.with_user(self.director_requester).action_approve()
            self.assertEqual(request.state, "submitted")
            self.assertFalse(request.grant_id)
            # Nor through a write of the workflow fields.
            with self.assertRaises(AccessError):
                request.with_user(self.director_requester).write({"state": "approved"})
            with self.assertRaises(AccessError):
                self.env["customer.access.grant"].with_user(self.director_requester).create(
                    {
                        "user_id": self.director_requester.id,
                        "partner_ids": [Command.set(self.secret_customer.ids)],
                        "grant_type": "consult",
                        "date_end": datetime(2026, 3, 3),
                    }
                )

    def test_who_sees_a_grant(self):
        """Its holder, customer service and the approvers see a grant; another salesperson does not."""
        with freeze_time(MORNING):
            request = self._request(self.sales_internal)
            request.with_user(self.director).action_approve()
        grant = request.grant_id
        self.assertTrue(grant)
        Grant = self.env["customer.access.grant"]
        for user, sees in (
            (self.sales_internal, True),
            (self.custodian, True),
            (self.director, True),
            (self.head, True),
            (self.sales_owner, False),
        ):
            with self.subTest(user=user.login):
                self.assertEqual(
                    Grant.with_user(user).search([("id", "=", grant.id)]), grant if sees else Grant
                )

    def test_external_needs_head_and_director(self):
        with freeze_time(MORNING):
            request = self._request(self.sales_internal, "external")
            request.with_user(self.director).action_approve()
            self.assertEqual(request.state, "submitted")
            self.assertFalse(request.grant_id)
            self.assertFalse(self._can_read(self.sales_internal))
            # The same person cannot give both approvals.
            both = new_user(
                self.env,
                "ccm_req_both",
                "customer_credit_management.group_marketing_director,"
                "customer_credit_management.group_department_head",
            )
            request2 = self._request(self.sales_internal, "external")
            request2.with_user(both).action_approve()
            with self.assertRaises(UserError):
                request2.with_user(both).action_approve()
            self.assertFalse(request2.grant_id)
            request.with_user(self.head).action_approve()
            self.assertEqual(request.state, "approved")
            self.assertRecordValues(request, [{"director_id": self.director.id, "head_id": self.head.id}])
            self.assertEqual(request.grant_id.grant_type, "external")
            self.assertTrue(self._can_read(self.sales_internal))

    def test_reject_and_access_log_names_the_grant(self):
        with freeze_time(MORNING):
            rejected = self._request(self.sales_internal)
            with self.assertRaises(AccessError):
                rejected.with_user(self.sales_owner).action_reject()
            rejected.with_user(self.director).action_reject()
            self.assertEqual(rejected.state, "rejected")
            self.assertFalse(self._can_read(self.sales_internal))
            request = self._request(self.sales_internal)
            request.with_user(self.director).action_approve()
            self.secret_customer.with_user(self.sales_internal).web_read({"name": {}})
            log = self.env["customer.access.log"].search(
                [("user_id", "=", self.sales_internal.id), ("partner_id", "=", self.secret_customer.id)]
            )
            self.assertEqual(log.grant_id, request.grant_id)

    def test_requester_finds_and_sees_the_customer_asked_for(self):
        Partner = self.env["res.partner"].with_user(self.sales_internal)
        self.assertFalse(Partner.name_search("Zircon Secret"))
        Lookup = Partner.with_context(customer_access_request_lookup=True)
        found = Lookup.name_search("zircon secret industries", [("credit_limit", ">", 0)])
        self.assertEqual([row[0] for row in found], self.secret_customer.ids)
        # Only the exact name: the lookup is no way to browse customers one may not read.
        for probe in ("Zircon Secret", "Zircon%", "Zircon Secret Industrie_", ""):
            self.assertFalse(Lookup.name_search(probe), probe)
        request = self._request(self.sales_internal)
        values = request.with_user(self.director).web_read({"partner_ids": {"fields": {"display_name": {}}}})
        self.assertEqual(values[0]["partner_ids"][0]["display_name"], "Zircon Secret Industries")
        with self.assertRaises(AccessError):
            request.with_user(self.sales_owner).web_read({"partner_ids": {"fields": {"display_name": {}}}})

    def test_demo_requests_wait_for_approval(self):
        request = self.env.ref(
            "customer_credit_management.demo_access_request_external", raise_if_not_found=False
        )
        if not request:
            self.skipTest("the database was created without demo data")
        self.assertEqual(request.state, "submitted")
        admin = self.env.ref("base.user_admin")
        request.with_user(admin).action_approve()
        self.assertEqual(request.state, "submitted", "external provision waits for the second approver")
