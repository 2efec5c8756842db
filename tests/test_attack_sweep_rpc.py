"""Issue #14, tried as an attacker would beyond the listed examples: variants of each class over
XML-RPC, JSON-RPC and the HTTP routes, as a plain salesperson (``sales_team.group_sale_salesman``
or "All Documents", default clearance Internal)."""

import base64
import json
import xmlrpc.client
from contextlib import suppress

from odoo import Command, fields
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common import ConfidentialityCommon, jsonrpc_execute, new_user, xmlrpc_execute

# A 1x1 PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


@tagged("post_install", "-at_install")
class TestAttackSweepRpc(ConfidentialityCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company.credit_control_enabled = True
        cls.company.credit_default_risk_factor = 1.0
        cls.seller = new_user(cls.env, "ccm_sweep_seller", "base.group_user,sales_team.group_sale_salesman")
        cls.customer = cls.env["res.partner"].create({"name": "Sweep Credit Customer", "is_company": True})
        cls.customer.write({"credit_limit_manual": True, "credit_limit_manual_base": 5000})
        cls.widget = cls.env["product.product"].create(
            {"name": "Sweep widget", "type": "consu", "list_price": 4000, "taxes_id": [Command.clear()]}
        )

    # ------------------------------------------------------------------ helpers

    def call(self, model, method, *args, user=None, **kwargs):
        return xmlrpc_execute(self, user or self.seller, model, method, args, kwargs)

    def refused(self, pattern, model, method, *args, user=None, **kwargs):
        with self.assertRaises(xmlrpc.client.Fault) as caught, mute_logger("odoo.http"):
            self.call(model, method, *args, user=user, **kwargs)
        self.assertRegex(caught.exception.faultString, pattern)
        self.env.invalidate_all()
        return caught.exception.faultString

    def order_vals(self, *prices, **extra):
        return {
            "partner_id": self.customer.id,
            "order_line": [
                (0, 0, {"product_id": self.widget.id, "price_unit": price, "tax_id": [(5, 0, 0)]})
                for price in prices
            ],
            **extra,
        }

    def new_order(self, *prices, confirm=False, **extra):
        order = self.env["sale.order"].browse(
            self.call("sale.order", "create", self.order_vals(*prices, **extra))
        )
        if confirm:
            self.call("sale.order", "action_confirm", [order.id])
            self.env.invalidate_all()
            self.assertEqual(order.state, "sale")
        return order

    def customer_exposure(self):
        self.env.invalidate_all()
        return self.env["credit.exposure"]._exposure_by_partner(self.customer.ids, self.company)[
            self.customer.id
        ]

    # ------------------------------------------------------------------ 1. confirmation

    def test_context_defaults_do_not_forge_the_measured_amount(self):
        """``default_amount_total`` / ``default_currency_rate`` in the caller's context are values
        of those computed fields as much as the ``vals`` are."""
        for context in (
            {"default_amount_total": 1},
            {"default_currency_rate": 1e9},
            {"default_amount_untaxed": 1},
        ):
            self.refused(
                "computed|exceeds the credit line",
                "sale.order",
                "create",
                self.order_vals(10000, state="sale"),
                context=context,
            )
            self.assertFalse(self.env["sale.order"].search([("partner_id", "=", self.customer.id)]))
        order = self.new_order(10000)
        self.refused(
            "computed",
            "sale.order.line",
            "create",
            {"order_id": order.id, "product_id": self.widget.id, "price_unit": 1},
            context={"default_qty_invoiced": 1, "default_price_total": 0},
        )

    def test_state_written_on_several_orders_counts_them_together(self):
        first, second = self.new_order(3000), self.new_order(3000)
        self.refused(
            "exceeds the credit line", "sale.order", "write", [first.id, second.id], {"state": "sale"}
        )
        self.assertEqual((first + second).mapped("state"), ["draft", "draft"])
        # Through the default of a new order's state too.
        self.refused(
            "exceeds the credit line",
            "sale.order",
            "create",
            self.order_vals(6000),
            context={"default_state": "sale"},
        )

    def test_lines_brought_into_a_confirmed_order(self):
        confirmed = self.new_order(1000, confirm=True)
        draft = self.new_order(10000)
        line = draft.order_line
        self.refused(
            "beyond what credit control allows",
            "sale.order.line",
            "write",
            line.ids,
            {"order_id": confirmed.id},
        )
        self.refused(
            "beyond what credit control allows",
            "sale.order",
            "write",
            confirmed.ids,
            {"order_line": [(4, line.id, 0)]},
        )
        self.refused(
            "beyond what credit control allows",
            "sale.order",
            "web_save",
            confirmed.ids,
            {"order_line": [(1, confirmed.order_line.id, {"product_uom_qty": 1000})]},
            specification={"amount_total": {}},
        )
        self.assertEqual(confirmed.amount_total, 1000)
        self.assertEqual(line.order_id, draft)

    def test_confirmed_order_taxes_and_negative_line_removal(self):
        order = self.new_order(4000, 4000, -4000, confirm=True)
        positive, _other, negative = order.order_line
        tax = self.env["account.tax"].create({"name": "Sweep 200%", "amount": 200, "type_tax_use": "sale"})
        self.refused(
            "beyond what credit control allows",
            "sale.order.line",
            "write",
            positive.ids,
            {"tax_id": [(6, 0, tax.ids)]},
        )
        with self.assertRaises(xmlrpc.client.Fault), mute_logger("odoo.http"):
            self.call("sale.order", "write", order.ids, {"order_line": [(2, negative.id, 0)]})
        with self.assertRaises(xmlrpc.client.Fault), mute_logger("odoo.http"):
            self.call("sale.order", "write", order.ids, {"order_line": [(6, 0, (positive + _other).ids)]})
        self.env.invalidate_all()
        self.assertEqual(order.amount_total, 4000)

    def test_backdated_order_is_measured_at_its_confirmation_rate(self):
        """An order in another currency, dated back to a day when that currency was worth little,
        would pass the check at that day's rate while Odoo's confirmation dates it today."""
        currency = self.env.ref("base.EUR")
        if currency == self.company.currency_id:
            currency = self.env.ref("base.USD")
        currency.active = True
        Rate = self.env["res.currency.rate"]
        Rate.search(
            [("currency_id", "=", currency.id), ("company_id", "in", (False, self.company.id))]
        ).unlink()
        Rate.create(
            {"currency_id": currency.id, "name": "2020-01-01", "rate": 1000, "company_id": self.company.id}
        )
        Rate.create(
            {
                "currency_id": currency.id,
                "name": fields.Date.today(),
                "rate": 1,
                "company_id": self.company.id,
            }
        )
        pricelist = self.env["product.pricelist"].create(
            {"name": "Sweep foreign", "currency_id": currency.id}
        )
        order = self.new_order(10000, pricelist_id=pricelist.id, date_order="2020-01-02 10:00:00")
        self.assertEqual(order.currency_id, currency)
        self.refused("exceeds the credit line", "sale.order", "action_confirm", order.ids)
        self.assertEqual(order.state, "draft")
        self.assertEqual(self.customer_exposure(), 0)

    def test_portal_accept_confirms_within_the_line_only(self):
        order = self.new_order(10000)
        order.sudo().write({"require_signature": True, "require_payment": False, "state": "sent"})
        token = order.sudo()._portal_ensure_token()
        self.url_open(
            f"/my/orders/{order.id}/accept?access_token={token}",
            data=json.dumps({"params": {"name": "Mallory", "signature": base64.b64encode(PNG).decode()}}),
            headers={"Content-Type": "application/json"},
        )
        self.env.invalidate_all()
        self.assertNotEqual(order.state, "sale")
        self.assertTrue(order.credit_blocked)
        self.assertEqual(self.customer_exposure(), 0)

    def test_workflow_and_results_not_set_through_context_defaults(self):
        """Odoo applies a ``default_*`` key of the context at create like a value: a release created
        approved, or an evaluation created with its score, would step around the workflow."""
        order = self.new_order(10000)
        self.refused(
            "Credit Manager|credit manager|approval",
            "credit.release.request",
            "create",
            {"order_id": order.id, "reason": "Trust me"},
            context={"default_state": "approved", "default_expiry_date": "2099-12-31"},
        )
        self.assertFalse(order.credit_release_ids)
        self.refused("exceeds the credit line", "sale.order", "action_confirm", order.ids)
        self.refused(
            "computed",
            "credit.evaluation",
            "create",
            {"partner_id": self.customer.id},
            context={"default_final_score": 99.5, "default_is_scored": True},
        )
        self.refused(
            "Credit Manager|credit manager|approv",
            "credit.evaluation",
            "create",
            {"partner_id": self.customer.id},
            context={"default_state": "approved"},
        )
        self.assertFalse(self.env["credit.evaluation"].search([("partner_id", "=", self.customer.id)]))

    # ------------------------------------------------------------------ 3. confidentiality

    def test_chatter_attachments_and_activities_of_a_hidden_customer(self):
        secret = self.secret_customer
        message = secret.message_post(body="ZIRCON-CHATTER", message_type="comment")
        attachment = self.env["ir.attachment"].create(
            {"name": "zircon.txt", "raw": b"ZIRCON-FILE", "res_model": "res.partner", "res_id": secret.id}
        )
        activity = secret.activity_schedule(
            "mail.mail_activity_data_todo", summary="ZIRCON-TODO", user_id=self.env.uid
        )
        sales = self.sales_internal
        for model, domain in (
            ("mail.message", [("model", "=", "res.partner"), ("res_id", "=", secret.id)]),
            ("ir.attachment", [("res_model", "=", "res.partner"), ("res_id", "=", secret.id)]),
            ("mail.activity", [("res_model", "=", "res.partner"), ("res_id", "=", secret.id)]),
        ):
            self.assertEqual(self.call(model, "search_read", domain, ["id"], user=sales), [], model)
        for model, record in (
            ("mail.message", message),
            ("ir.attachment", attachment),
            ("mail.activity", activity),
        ):
            with self.assertRaises(xmlrpc.client.Fault, msg=model), mute_logger("odoo.http"):
                self.call(model, "read", record.ids, ["display_name"], user=sales)
        self.authenticate(sales.login, sales.login)
        with mute_logger("odoo.http"):
            content = self.url_open(f"/web/content/{attachment.id}")
            self.assertNotIn(b"ZIRCON-FILE", content.content)
            messages = self.url_open(
                "/mail/thread/messages",
                data=json.dumps({"params": {"thread_model": "res.partner", "thread_id": secret.id}}),
                headers={"Content-Type": "application/json"},
            )
        self.assertNotIn("ZIRCON-CHATTER", messages.text)

    def test_images_and_reports_of_hidden_records(self):
        secret = self.secret_customer
        secret.image_1920 = base64.b64encode(PNG)
        self.authenticate(self.sales_internal.login, self.sales_internal.login)
        with mute_logger("odoo.http", "odoo.addons.base.models.ir_binary"):
            for field in ("image_128", "avatar_128", "image_1920"):
                response = self.url_open(f"/web/image/res.partner/{secret.id}/{field}")
                self.assertNotEqual(response.content, PNG, field)
            for url in (
                f"/report/html/sale.report_saleorder/{self.owner_order.id}",
                f"/report/pdf/sale.report_saleorder/{self.owner_order.id}",
            ):
                response = self.url_open(url)
                self.assertNotIn(self.owner_order.name.encode(), response.content, url)

    def test_aggregates_and_searches_do_not_count_a_hidden_customer(self):
        sales, secret = self.sales_internal, self.secret_customer
        secret.write({"credit_limit_manual": True, "credit_limit_manual_base": 7777})
        domain = [("id", "=", secret.id)]
        self.assertEqual(self.call("res.partner", "search_count", domain, user=sales), 0)
        self.assertEqual(
            self.call("res.partner", "search_count", domain, user=sales, context={"active_test": False}), 0
        )
        self.assertEqual(
            self.call(
                "res.partner",
                "name_search",
                "Zircon Secret",
                args=[("credit_limit_manual_base", ">", 0)],
                user=sales,
            ),
            [],
        )
        groups = self.call(
            "res.partner",
            "web_read_group",
            domain,
            ["credit_limit_manual_base:sum"],
            ["is_company"],
            user=sales,
        )
        self.assertEqual(groups["length"], 0)
        groups = self.call(
            "sale.order",
            "read_group",
            [("partner_id", "=", secret.id)],
            ["amount_total:sum"],
            ["partner_id"],
            user=sales,
        )
        self.assertEqual([g["partner_id_count"] for g in groups], [1], "their own order only")
        self.refused(
            ".", "res.partner", "export_data", [secret.id], ["name", "credit_limit_manual_base"], user=sales
        )
        # A company the user does not hold, in the allowed companies of the context.
        other = self.env["res.company"].create({"name": "Sweep Other Company"})
        with self.assertRaises(xmlrpc.client.Fault), mute_logger("odoo.http"):
            self.call(
                "res.partner",
                "read",
                secret.ids,
                ["name"],
                user=sales,
                context={"allowed_company_ids": [other.id]},
            )

    def test_partner_merge_cannot_pull_in_a_hidden_customer(self):
        """Odoo's merge moves every document of the merged contacts in SQL: the wizard's contacts
        are read as the caller, so a hidden customer never reaches the merge."""
        sales = self.sales_internal
        mine = self.env["res.partner"].create({"name": "Zircon Mine", "is_company": True})
        self.secret_customer.email = False
        # Odoo drops the unreadable contact (a merge of one does nothing) or refuses: either holds.
        with suppress(xmlrpc.client.Fault):
            wizard = self.call(
                "base.partner.merge.automatic.wizard",
                "create",
                {
                    "partner_ids": [(6, 0, (mine + self.secret_customer).ids)],
                    "dst_partner_id": mine.id,
                    "state": "selection",
                },
                user=sales,
            )
            self.call("base.partner.merge.automatic.wizard", "action_merge", [wizard], user=sales)
        self.env.invalidate_all()
        self.assertTrue(self.secret_customer.exists())
        self.assertEqual(self.owner_order.partner_id, self.secret_customer)

    # ------------------------------------------------------------------ 2. protected fields

    def test_protected_fields_through_web_save_children_and_defaults(self):
        sales = self.sales_internal
        mine = self.env["res.partner"].create({"name": "Sweep Own", "is_company": True, "user_id": sales.id})
        self.refused(
            "credit|Credit",
            "res.partner",
            "web_save",
            mine.ids,
            {"credit_limit_manual_base": 1e9},
            specification={},
            user=sales,
        )
        self.refused(
            "credit|Credit",
            "res.partner",
            "create",
            {
                "name": "Sweep Child",
                "parent_id": mine.id,
                "credit_hold": False,
                "credit_limit_manual_base": 1e9,
            },
            user=sales,
        )
        self.refused(
            "credit|Credit",
            "res.partner",
            "write",
            mine.ids,
            {"child_ids": [(0, 0, {"name": "Nested", "credit_limit_manual_base": 1e9})]},
            user=sales,
        )
        self.refused(
            "credit|Credit",
            "res.partner",
            "name_create",
            "Sweep By Name",
            context={"default_credit_limit_manual_base": 1e9, "default_credit_limit_manual": True},
            user=sales,
        )
        self.env.invalidate_all()
        self.assertFalse(mine.credit_limit_manual_base)

    def test_clearance_and_grants_not_self_given(self):
        """A user's own clearance and access grants come from a custodian, whatever the path."""
        sales = self.sales_internal
        self.refused(
            ".",
            "res.users",
            "write",
            sales.ids,
            {"customer_clearance_level_id": self.level_secret.id},
            user=sales,
        )
        self.refused(
            ".",
            "customer.access.grant",
            "create",
            {
                "user_id": sales.id,
                "partner_ids": [(6, 0, self.secret_customer.ids)],
                "date_end": "2099-12-31 00:00:00",
            },
            user=sales,
        )
        self.assertEqual(sales.customer_clearance_level_id, self.level_internal)
        self.assertEqual(
            self.call("res.partner", "search", [("id", "=", self.secret_customer.id)], user=sales), []
        )

    # ------------------------------------------------------------------ 7. bad input

    def test_bad_input_gets_a_clear_error_and_writes_nothing(self):
        order = self.new_order(100)
        for vals in (
            {"order_line": [Command.update(order.order_line.id, {"price_unit": "abc"})]},
            {"order_line": [Command.update(order.order_line.id, {"product_uom_qty": 1e300})]},
            {"order_line": [Command.update(order.order_line.id, {"discount": -1e300})]},
            {"order_line": [Command.update(order.order_line.id, {"price_unit": "nan"})]},
            {"order_line": [Command.update(order.order_line.id, {"product_uom_qty": [1]})]},
            {"order_line": [Command.create({"product_id": self.widget.id, "price_unit": {"x": 1}})]},
        ):
            response = jsonrpc_execute(self, self.seller, "sale.order", "write", [order.ids, vals])
            self.assertIn("error", response, vals)
            self.assertNotIn(
                response["error"]["data"]["name"],
                (
                    "builtins.ValueError",
                    "builtins.TypeError",
                    "builtins.OverflowError",
                    "psycopg2.errors.NumericValueOutOfRange",
                ),
                vals,
            )
        for ids in ([2**40], [2**70]):
            response = jsonrpc_execute(self, self.seller, "sale.order", "write", [ids, {"note": "x"}])
            self.assertIn("error", response, ids)
            self.assertNotIn("psycopg2", response["error"]["data"]["name"], ids)
        self.env.invalidate_all()
        self.assertEqual(order.amount_total, 100)
