"""Two users confirm two orders for one customer at the same moment: together they exceed the
credit line, so exactly one may pass. Run inside `odoo-bin shell` on a database with the module
(`make test` does, on its test database); prints CONCURRENCY OK or raises.

Each confirmation runs in its own cursor, as two HTTP requests would, through Odoo's own
`retrying` (the server retries a request that hit a serialisation failure).
"""

import threading
from functools import partial

from odoo import Command, api
from odoo.exceptions import UserError
from odoo.service.model import retrying


def main(env):
    registry = env.registry
    company = env.company
    enforced = company.credit_control_enabled
    company.credit_control_enabled = True
    admin = env.ref("base.user_admin")
    customer = env["res.partner"].create({"name": "Concurrency customer", "is_company": True})
    customer.write({"credit_limit_manual": True, "credit_limit_manual_base": 1000, "credit_score": 90})
    product = env["product.product"].create({"name": "Concurrency widget", "taxes_id": [Command.clear()]})
    orders = env["sale.order"].create(
        [
            {
                "partner_id": customer.id,
                "order_line": [Command.create({"product_id": product.id, "price_unit": 600, "tax_id": []})],
            }
            for _ in range(2)
        ]
    )
    env.cr.commit()
    barrier = threading.Barrier(2)
    outcome = {}

    def confirm(order_id):
        with registry.cursor() as cr:
            user_env = api.Environment(cr, admin.id, {})
            order = user_env["sale.order"].browse(order_id)
            order.state  # noqa: B018 - both transactions take their snapshot before either confirms
            barrier.wait()
            try:
                retrying(partial(order.action_confirm), user_env)
                outcome[order_id] = "confirmed"
            except UserError:
                cr.rollback()
                outcome[order_id] = "refused"

    threads = [threading.Thread(target=confirm, args=(order_id,)) for order_id in orders.ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    env.invalidate_all()
    states = sorted(orders.mapped("state"))
    print(f"outcome: {outcome}, states: {states}")
    assert sorted(outcome.values()) == ["confirmed", "refused"], outcome
    assert states == ["draft", "sale"], states
    print("CONCURRENCY OK: one order confirmed, the other refused")
    # Leave the check's data harmless: the order cancelled, enforcement as it was.
    orders.filtered(lambda o: o.state == "sale")._action_cancel()
    company.credit_control_enabled = enforced
    env.cr.commit()


main(env)  # noqa: F821 - provided by odoo-bin shell
