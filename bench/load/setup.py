"""Prepares the load database (run inside `odoo-bin shell`, on a copy of a database with the module
and its demo data): users per role with passwords, shared customers whose credit lines are nearly
used up, Confidential customers, overdue receivables, and the module's housekeeping crons due
every minute. Writes what the load test and the checker need to $LOAD_SCENARIO (JSON).

Every user's password is its login. Nothing here is meant for a database that matters.
"""

import json
import os
import random
from datetime import timedelta

from odoo import Command, fields

SALESPEOPLE = int(os.environ.get("LOAD_SALESPEOPLE", "20"))
ACCOUNTANTS = int(os.environ.get("LOAD_ACCOUNTANTS", "3"))
CUSTODIANS = int(os.environ.get("LOAD_CUSTODIANS", "3"))
SHARED = 5  # customers every salesperson sells to
LINE = 20000.0  # their credit line
USED = 16000.0  # confirmed before the load: 4,000 left on each line
CONFIDENTIAL = 300
DEBTORS = 100  # customers with overdue invoices, three each
CRONS = (  # daily or hourly housekeeping: every minute during the load, on two cron workers
    "ir_cron_credit_hold_overdue",
    "ir_cron_credit_release_expiry",
    "ir_cron_credit_hold_collection",
    "ir_cron_customer_access_grant_expiry",
)


def user(env, login, groups):
    return (
        env["res.users"]
        .with_context(no_reset_password=True)
        .create(
            {
                "name": login.replace("_", " ").title(),
                "login": login,
                "password": login,
                "email": f"{login}@example.com",
                "groups_id": [Command.set([env.ref(group).id for group in ("base.group_user", *groups)])],
            }
        )
    )


def main(env):
    rng = random.Random(17)
    company = env.ref("base.main_company")
    company.credit_control_enabled = True
    env.user.company_id = company
    ccm = "customer_credit_management."
    admin = env.ref("base.user_admin")
    admin.groups_id = [Command.link(env.ref(ccm + "group_credit_manager").id)]
    salespeople = [
        user(env, f"load_sales_{n:02d}", ["sales_team.group_sale_salesman"]) for n in range(SALESPEOPLE)
    ]
    accountants = [user(env, f"load_acct_{n}", ["account.group_account_invoice"]) for n in range(ACCOUNTANTS)]
    # The aging XLSX with details is an export: accountants need a clearance for the Secret demo
    # customers with receivables (custodians give it).
    for accountant in accountants:
        accountant.customer_clearance_level_id = env.ref(ccm + "confidentiality_level_secret")
    custodians = [
        user(env, f"load_cust_{n}", [ccm + "group_customer_data_custodian"]) for n in range(CUSTODIANS)
    ]
    product = env["product.product"].create(
        {"name": "Load widget", "type": "consu", "list_price": 100.0, "taxes_id": [Command.clear()]}
    )

    def customers(prefix, count, **values):
        return env["res.partner"].create(
            [
                {"name": f"{prefix} {n:03d}", "is_company": True, "customer_rank": 1, **values}
                for n in range(count)
            ]
        )

    def order(partner, amount, salesperson=admin):
        return env["sale.order"].create(
            {
                "partner_id": partner.id,
                "user_id": salesperson.id,
                "order_line": [
                    Command.create({"product_id": product.id, "product_uom_qty": 1, "price_unit": amount})
                ],
            }
        )

    shared = customers("Load Shared", SHARED)
    shared.write({"credit_limit_manual": True, "credit_limit_manual_base": LINE, "credit_score": 90})
    for partner in shared:
        order(partner, USED).action_confirm()
    # One order beyond the line with a release approved by a credit manager: the load confirms it.
    released = order(shared[0], 6000.0, salespeople[0])
    request = (
        env["credit.release.request"]
        .with_user(salespeople[0])
        .create(
            {"order_id": released.id, "reason": "Load test: a large order released by the credit manager"}
        )
    )
    request.with_user(admin).action_approve()
    # Kept for the fault "a request beyond limit_time_real": its row is locked during the fault.
    stuck = customers("Load Timeout", 1)
    stuck.write({"credit_limit_manual": True, "credit_limit_manual_base": LINE, "credit_score": 90})
    stuck_order = order(stuck, 100.0, salespeople[-1])
    # A customer with room for the single-user figures, and one with none (refusals).
    roomy, full = customers("Load Single", 2)
    (roomy | full).write({"credit_limit_manual": True, "credit_score": 90})
    roomy.credit_limit_manual_base = 10_000_000.0
    full.credit_limit_manual_base = 100.0

    confidential = customers(
        "Load Confidential",
        CONFIDENTIAL,
        confidentiality_level_id=env.ref(ccm + "confidentiality_level_confidential").id,
    )

    debtors = customers("Load Debtor", DEBTORS)
    today = fields.Date.context_today(env["res.partner"])
    invoices = env["account.move"].create(
        [
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_date": today - timedelta(days=days + 30),
                "invoice_date_due": today - timedelta(days=days),
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Goods",
                            "quantity": 1,
                            "price_unit": rng.randrange(500, 5000),
                            "tax_ids": [],
                        }
                    )
                ],
            }
            for partner in debtors
            for days in (10, 45, 75)
        ]
    )
    invoices.action_post()

    for xmlid in CRONS:
        env.ref(ccm + xmlid).write(
            {
                "interval_number": 1,
                "interval_type": "minutes",
                "nextcall": fields.Datetime.now(),
                "active": True,
            }
        )
    env.cr.commit()
    scenario = {
        "company_id": company.id,
        "line": LINE,
        "shared_ids": shared.ids,
        "released_order_id": released.id,
        "stuck_partner_id": stuck.id,
        "stuck_order_id": stuck_order.id,
        "roomy_id": roomy.id,
        "full_id": full.id,
        "product_id": product.id,
        "confidential_ids": confidential.ids,
        "debtor_ids": debtors.ids,
        "salespeople": salespeople and [u.login for u in salespeople],
        "accountants": [u.login for u in accountants],
        "custodians": [u.login for u in custodians],
        # Every customer's exposure before the load: the demo data has customers beyond their
        # line on purpose; the load must not push anyone further.
        "exposure_before": {
            str(pid): amount
            for pid, amount in env["credit.exposure"]._exposure_by_partner(None, company).items()
        },
    }
    with open(os.environ["LOAD_SCENARIO"], "w") as file:
        json.dump(scenario, file)
    print(
        f"LOAD SETUP OK: {len(salespeople)} salespeople, {len(accountants)} accountants, "
        f"{len(custodians)} custodians; {SHARED} shared customers ({LINE - USED:.0f} left on each line), "
        f"{CONFIDENTIAL} Confidential customers, {len(invoices)} open invoices of {DEBTORS} debtors"
    )


main(env)  # noqa: F821 - provided by odoo-bin shell
