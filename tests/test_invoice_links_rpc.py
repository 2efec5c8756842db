"""The links that make an order look invoiced or paid are Odoo's own: tried over XML-RPC and
JSON-RPC by a plain salesperson and a billing user, the exposure keeps the order and the next
order beyond the line is refused; Odoo's down payments and credit notes still link as before."""

import xmlrpc.client

from odoo import Command, fields
from odoo.tests import new_test_user, tagged

from .common import EnforcingHttpCase, jsonrpc_execute, post_customer_invoice, xmlrpc_execute

LINKS_REFUSED = "cannot be set or changed"


@tagged("post_install", "-at_install")
class TestInvoiceLinksRpc(EnforcingHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesperson = new_test_user(
            cls.env, login="ccm_links_seller", groups="base.group_user,sales_team.group_sale_salesman"
        )
        cls.biller = new_test_user(
            cls.env, login="ccm_links_biller", groups="base.group_user,account.group_account_invoice"
        )
        cls.customer = cls.env["res.partner"].create({"name": "Links Customer", "is_company": True})
        cls.customer.write({"credit_limit_manual": True, "credit_limit_manual_base": 5000})
        cls.other = cls.env["res.partner"].create({"name": "Links Other Customer", "is_company": True})
        cls.product = cls.env["product.product"].create(
            {
                "name": "Links widget",
                "type": "consu",
                "invoice_policy": "order",
                "list_price": 4000,
                "taxes_id": [Command.clear()],
            }
        )
        # Confirmed within the line: 4,000 of the 5,000 are used.
        cls.order = cls.new_order(4000)
        cls.order.action_confirm()
        cls.line = cls.order.order_line
        # Another customer's posted invoice of one unit.
        cls.other_invoice = post_customer_invoice(cls.env, cls.other, 1, fields.Date.today())
        cls.other_invoice_line = cls.other_invoice.invoice_line_ids

    @classmethod
    def new_order(cls, price):
        return cls.env["sale.order"].create(
            {
                "partner_id": cls.customer.id,
                "user_id": cls.salesperson.id,
                "order_line": [
                    Command.create(
                        {"product_id": cls.product.id, "price_unit": price, "tax_id": [Command.clear()]}
                    )
                ],
            }
        )

    def call(self, user, model, method, *args, **kwargs):
        return xmlrpc_execute(self, user, model, method, args, kwargs)

    def json_call(self, user, model, method, *args):
        """For methods returning an action, which XML-RPC cannot marshal (None values)."""
        response = jsonrpc_execute(self, user, model, method, args)
        self.assertNotIn("error", response)
        return response["result"]

    def refused(self, pattern, user, model, method, *args, **kwargs):
        with self.assertRaises(xmlrpc.client.Fault) as caught:
            self.call(user, model, method, *args, **kwargs)
        self.assertRegex(caught.exception.faultString, pattern)
        self.env.invalidate_all()

    def exposure(self):
        self.env.invalidate_all()
        return self.env["credit.exposure"]._exposure_by_partner(self.customer.ids, self.company)[
            self.customer.id
        ]

    def assert_no_room_made(self):
        """The order still counts, and a second order of 4,000 is refused."""
        self.assertEqual(self.exposure(), 4000)
        second = self.new_order(4000)
        self.refused("exceeds the credit line", self.salesperson, "sale.order", "action_confirm", [second.id])
        self.assertEqual(second.state, "draft")

    def test_order_line_invoice_links(self):
        """A salesperson links the order line to another customer's invoice line."""
        self.refused(
            LINKS_REFUSED,
            self.salesperson,
            "sale.order.line",
            "write",
            [self.line.id],
            {"invoice_lines": [[6, 0, self.other_invoice_line.ids]]},
        )
        self.refused(
            LINKS_REFUSED,
            self.salesperson,
            "sale.order",
            "write",
            [self.order.id],
            {"order_line": [[1, self.line.id, {"invoice_lines": [[4, self.other_invoice_line.id, 0]]}]]},
        )
        response = jsonrpc_execute(
            self,
            self.salesperson,
            "sale.order.line",
            "create",
            [
                {
                    "order_id": self.order.id,
                    "product_id": self.product.id,
                    "product_uom_qty": 1,
                    "price_unit": 0,
                    "invoice_lines": [[4, self.other_invoice_line.id, 0]],
                }
            ],
        )
        self.assertIn(LINKS_REFUSED, response["error"]["data"]["message"])
        self.assertFalse(self.line.invoice_lines)
        self.assert_no_room_made()

    def test_down_payment_flag(self):
        """An invoiced line flagged as a down payment would have its invoice deducted."""
        self.order._create_invoices().action_post()
        self.assertEqual(self.exposure(), 4000)
        self.refused(
            LINKS_REFUSED,
            self.salesperson,
            "sale.order.line",
            "write",
            [self.line.id],
            {"is_downpayment": True},
        )
        # A down payment made by hand with a quantity would be invoiced as a down payment.
        self.refused(
            "A down payment has no quantity",
            self.salesperson,
            "sale.order.line",
            "create",
            {
                "order_id": self.order.id,
                "name": "Fake",
                "is_downpayment": True,
                "product_uom_qty": 1,
                "price_unit": 0,
            },
        )
        self.assertFalse(self.order.order_line.filtered("is_downpayment"))
        self.assert_no_room_made()

    def test_invoice_line_order_links(self):
        """A billing user links another customer's invoice line, or a new one, to the order line."""
        self.refused(
            LINKS_REFUSED,
            self.biller,
            "account.move.line",
            "write",
            [self.other_invoice_line.id],
            {"sale_line_ids": [[4, self.line.id, 0]]},
        )
        self.refused(
            LINKS_REFUSED,
            self.biller,
            "account.move",
            "create",
            {
                "move_type": "out_invoice",
                "partner_id": self.other.id,
                "invoice_line_ids": [
                    [
                        0,
                        0,
                        {
                            "product_id": self.product.id,
                            "quantity": 1,
                            "price_unit": 1,
                            "sale_line_ids": [[6, 0, self.line.ids]],
                        },
                    ]
                ],
            },
        )
        self.assertFalse(self.line.invoice_lines)
        self.assert_no_room_made()

    def test_payment_transaction_link(self):
        """A done transaction of another order linked to a new order would make it a cash sale."""
        provider = self.env["payment.provider"].create({"name": "Links provider", "state": "test"})
        transaction = self.env["payment.transaction"].create(
            {
                "provider_id": provider.id,
                "payment_method_id": self.env.ref("payment.payment_method_unknown").id,
                "reference": "LINKS-TX",
                "amount": 100000,
                "currency_id": self.company.currency_id.id,
                "partner_id": self.other.id,
                "state": "done",
            }
        )
        second = self.new_order(4000)
        self.refused(
            LINKS_REFUSED,
            self.salesperson,
            "sale.order",
            "write",
            [second.id],
            {"transaction_ids": [[4, transaction.id, 0]]},
        )
        self.refused(
            LINKS_REFUSED,
            self.biller,
            "payment.transaction",
            "write",
            [transaction.id],
            {"sale_order_ids": [[4, second.id, 0]]},
        )
        self.assertFalse(second.transaction_ids)
        self.assert_no_room_made()

    def test_odoo_flows_still_link(self):
        """Down payment by the salesperson, invoice and credit note by the billing user: the
        links Odoo makes are made, and the exposure follows them."""
        wizard = self.call(
            self.salesperson,
            "sale.advance.payment.inv",
            "create",
            {
                "advance_payment_method": "percentage",
                "amount": 50,
                "sale_order_ids": [[6, 0, self.order.ids]],
            },
        )
        self.json_call(self.salesperson, "sale.advance.payment.inv", "create_invoices", [wizard])
        self.env.invalidate_all()
        down_payment = self.order.invoice_ids
        self.assertEqual(down_payment.amount_total, 2000)
        self.assertEqual(self.order.order_line.filtered("is_downpayment").invoice_lines.move_id, down_payment)
        self.assertEqual(self.exposure(), 4000, "the down payment's draft invoice carries half of the order")
        self.call(self.biller, "account.move", "action_post", [down_payment.id])
        reversal = self.call(
            self.biller,
            "account.move.reversal",
            "create",
            {
                "move_ids": [[6, 0, down_payment.ids]],
                "journal_id": down_payment.journal_id.id,
                "reason": "Links",
            },
        )
        self.json_call(self.biller, "account.move.reversal", "reverse_moves", [reversal])
        self.env.invalidate_all()
        credit_note = self.order.invoice_ids.filtered(lambda move: move.move_type == "out_refund")
        self.assertTrue(credit_note)
        self.assertEqual(
            credit_note.line_ids.sale_line_ids,
            self.order.order_line.filtered(lambda line: line.is_downpayment and not line.display_type),
        )
        self.assertEqual(self.exposure(), 4000)
