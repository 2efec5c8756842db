"""No client context switches the module's chatter record off, and letters by post follow the
recipient's level: tried over XML-RPC by the least-privileged user who could try it."""

import xmlrpc.client

from odoo.tests import HttpCase, tagged

from .common import ConfidentialityCommon, new_role_users, xmlrpc_execute


@tagged("post_install", "-at_install")
class TestTrackingNotSwitchedOffRpc(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.users = new_role_users(cls.env, prefix="ccm_track")
        cls.customer = cls.env["res.partner"].create({"name": "Tracked Customer", "is_company": True})

    def tracked(self, fname):
        """The tracking values of ``fname`` in the customer's chatter."""
        self.env.invalidate_all()
        return self.env["mail.tracking.value"].search(
            [
                ("field_id", "=", self.env["ir.model.fields"]._get("res.partner", fname).id),
                ("mail_message_id.model", "=", "res.partner"),
                ("mail_message_id.res_id", "=", self.customer.id),
            ]
        )

    def test_client_keys_do_not_silence_credit_tracking(self):
        manager = self.users["credit_manager"]
        for key in ("tracking_disable", "mail_notrack"):
            with self.subTest(key=key):
                context = {key: True}
                xmlrpc_execute(
                    self,
                    manager,
                    "res.partner",
                    "action_credit_hold",
                    [[self.customer.id]],
                    {"context": context},
                )
                self.assertTrue(self.tracked("credit_hold"), "the hold is in the chatter")
                xmlrpc_execute(
                    self,
                    manager,
                    "res.partner",
                    "action_credit_release_hold",
                    [[self.customer.id]],
                    {"context": context},
                )
                self.assertEqual(len(self.tracked("credit_hold")), 2, "and its release")
                xmlrpc_execute(
                    self,
                    manager,
                    "res.partner",
                    "write",
                    [[self.customer.id], {"credit_score": 77.5}],
                    {"context": context},
                )
                self.assertTrue(self.tracked("credit_score"))
                self.tracked("credit_hold").mail_message_id.unlink()
                self.tracked("credit_score").mail_message_id.unlink()
                self.customer.credit_score = 0


@tagged("post_install", "-at_install")
class TestSnailmailLetterScopeRpc(ConfidentialityCommon, HttpCase):
    def test_letters_follow_the_recipient(self):
        invoice = self.env["account.move"].create(
            {"move_type": "out_invoice", "partner_id": self.secret_customer.id}
        )
        letter = self.env["snailmail.letter"].create(
            {"partner_id": self.secret_customer.id, "model": "account.move", "res_id": invoice.id}
        )
        plain = self.env["snailmail.letter"].create(
            {"partner_id": self.internal_customer.id, "model": "account.move", "res_id": invoice.id}
        )
        found = xmlrpc_execute(
            self, self.sales_internal, "snailmail.letter", "search", [[("id", "in", (letter | plain).ids)]]
        )
        self.assertEqual(found, plain.ids)
        with self.assertRaises(xmlrpc.client.Fault) as caught:
            xmlrpc_execute(
                self, self.sales_internal, "snailmail.letter", "read", [letter.ids, ["street", "partner_id"]]
            )
        self.assertIn("doesn't have 'read' access", caught.exception.faultString)
        self.assertEqual(
            xmlrpc_execute(self, self.sales_secret, "snailmail.letter", "search", [[("id", "=", letter.id)]]),
            letter.ids,
        )
