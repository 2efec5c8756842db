from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import SALES, ConfidentialityCommon, new_user


@tagged("post_install", "-at_install")
class TestCustomerHandover(ConfidentialityCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.head = new_user(cls.env, "ccm_handover_head", "customer_credit_management.group_department_head")
        cls.successor_a = new_user(cls.env, "ccm_handover_a", SALES)
        cls.successor_b = new_user(cls.env, "ccm_handover_b", SALES)
        Partner = cls.env["res.partner"]
        cls.second_customer = Partner.create(
            {"name": "Zircon Second Customer", "is_company": True, "user_id": cls.sales_owner.id}
        )
        cls.closed_order = cls._order(cls.sales_owner)
        cls.closed_order.action_confirm()
        cls.closed_order.action_lock()
        cls.cancelled_order = cls._order(cls.sales_owner)
        cls.cancelled_order._action_cancel()
        cls.second_order = cls._order(cls.sales_owner, cls.second_customer)
        cls.owner_order.action_confirm()  # confirmed, not locked: still open
        cls.activity = cls.secret_customer.activity_schedule(
            "mail.mail_activity_data_todo", user_id=cls.sales_owner.id, summary="Visit"
        )
        cls.order_activity = cls.second_order.activity_schedule(
            "mail.mail_activity_data_todo", user_id=cls.sales_owner.id, summary="Follow up"
        )
        cls.secret_customer.message_subscribe(partner_ids=cls.sales_owner.partner_id.ids)
        cls.grant = cls.env["customer.access.grant"].create(
            {
                "user_id": cls.sales_owner.id,
                "partner_ids": [Command.set(cls.internal_customer.ids)],
                "grant_type": "consult",
                "date_end": "2099-01-01 00:00:00",
            }
        )

        cls.pending_request = (
            cls.env["customer.access.request"]
            .with_user(cls.sales_owner)
            .create(
                {
                    "partner_ids": [Command.set(cls.internal_customer.ids)],
                    "purpose": "Quarterly review",
                    "request_type": "consult",
                }
            )
        )
        cls.pending_request.action_submit()

    def _handover(self, user, **vals):
        return (
            self.env["customer.handover"]
            .with_user(user)
            .create(
                {
                    "employee_id": self.sales_owner.id,
                    "successor_ids": [Command.set((self.successor_a + self.successor_b).ids)],
                    **vals,
                }
            )
        )

    def test_only_custodians_and_heads(self):
        with self.assertRaises(AccessError):
            self._handover(self.sales_secret)
        with self.assertRaises(AccessError):
            self._handover(self.head).with_user(self.sales_secret).action_confirm()

    def test_preview_leaves_out_own_contact_and_company_addresses(self):
        # Partners whose salesperson is the employee but who are no customers.
        self.sales_owner.partner_id.user_id = self.sales_owner
        company_address = self.env["res.partner"].create(
            {
                "name": "Our Warehouse",
                "parent_id": self.env.company.partner_id.id,
                "user_id": self.sales_owner.id,
            }
        )
        handover = self._handover(self.head)
        self.assertEqual(
            handover.preview_partner_ids.commercial_partner_id, self.secret_customer | self.second_customer
        )
        self.assertNotIn(company_address, handover.preview_partner_ids)

    def test_preview_then_handover(self):
        handover = self._handover(self.head, archive_user=True)
        self.assertEqual(
            handover.preview_partner_ids.commercial_partner_id, self.secret_customer | self.second_customer
        )
        self.assertIn("Zircon Second Customer", handover.preview)
        self.assertEqual(handover.preview_order_ids, self.owner_order | self.second_order)
        self.assertEqual(handover.preview_activity_count, 2)
        self.assertGreaterEqual(handover.preview_follower_count, 1)
        self.assertEqual(handover.preview_grant_count, 1)
        # The preview changed nothing.
        self.assertEqual(self.secret_customer.user_id, self.sales_owner)
        self.assertTrue(self._reads(self.sales_owner, self.secret_customer))

        handover.action_confirm()
        # Customers shared out in turn; open orders, activities and followers follow their customer.
        heir_secret = self.secret_customer.user_id
        heir_second = self.second_customer.user_id
        self.assertEqual(heir_secret | heir_second, self.successor_a | self.successor_b)
        self.assertEqual(self.owner_order.user_id, heir_secret)
        self.assertEqual(self.second_order.user_id, heir_second)
        self.assertEqual(self.activity.user_id, heir_secret)
        self.assertEqual(self.order_activity.user_id, heir_second)
        self.assertIn(heir_secret.partner_id, self.secret_customer.message_partner_ids)
        self.assertNotIn(self.sales_owner.partner_id, self.secret_customer.message_partner_ids)
        # Closed orders stay with the old salesperson.
        self.assertEqual(self.closed_order.user_id, self.sales_owner)
        self.assertEqual(self.cancelled_order.user_id, self.sales_owner)
        self.assertEqual(self.grant.state, "returned")
        self.assertEqual(self.pending_request.state, "rejected")
        self.assertFalse(self.sales_owner.active)
        self.assertEqual(handover.state, "done")
        self.assertIn("Zircon Secret Industries", handover.summary)
        self.assertIn(self.second_order.name, handover.summary)

    def test_departing_user_loses_customers_held_as_salesperson(self):
        self.assertTrue(self._reads(self.sales_owner, self.secret_customer))
        self._handover(self.custodian).action_confirm()
        self.assertFalse(self._reads(self.sales_owner, self.secret_customer))
        # Within their clearance, customers stay readable as before.
        self.assertTrue(self._reads(self.sales_owner, self.second_customer))
        self.assertTrue(self.sales_owner.active)

    def _reads(self, user, partner):
        self.env.invalidate_all()
        return bool(partner.with_user(user).search([("id", "=", partner.id)]))
