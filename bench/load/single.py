"""The single-user figures beside the load's: one user at a time, on the idle server, the same calls
as the load test. Writes its records to $LOAD_SINGLE_RESULTS (the format of locustfile.py)."""

import json
import os
import sys
import time

from rpc import Client, RpcError

base_url, db = sys.argv[1], sys.argv[2]
scenario = json.load(open(os.environ["LOAD_SCENARIO"]))
results = []


def measure(name, func, *args):
    start = time.time()
    outcome = "ok"
    try:
        result = func(*args)
    except RpcError as error:
        result, outcome = None, "refused" if error.expected else "server_error"
    results.append([start, name, (time.time() - start) * 1000, outcome, ""])
    return result


seller = Client(base_url, db)
seller.login(scenario["salespeople"][-1], scenario["salespeople"][-1])
for index in range(30):
    # Two confirmations in three pass (a customer with room), the third is refused (no room).
    partner_id = scenario["full_id"] if index % 3 == 2 else scenario["roomy_id"]
    order_id = measure(
        "sale: create order", seller.create_order, partner_id, scenario["product_id"], 2, 150.0
    )
    measure("sale: confirm", seller.confirm_order, order_id)
accountant = Client(base_url, db)
accountant.login(scenario["accountants"][-1], scenario["accountants"][-1])
for _ in range(10):
    measure("aging: screen", accountant.aging_screen)
for _ in range(5):
    url = measure("aging: xlsx with details", accountant.aging_xlsx)
    if url:
        measure("aging: xlsx download", accountant.get, url)
for _ in range(3):
    # Each run proposes the letters of every debtor, then they are cancelled for the next one.
    letter_ids = measure("collection: run", accountant.collection_run)
    if letter_ids:
        measure("collection: cancel", accountant.call, "credit.reminder", "action_cancel", [letter_ids])
custodian = Client(base_url, db)
custodian.login(scenario["custodians"][-1], scenario["custodians"][-1])
opened = []
for partner_id in scenario["confidential_ids"][:20]:
    start = time.time()
    opened.append(
        [
            start,
            custodian.login_name,
            partner_id,
            bool(measure("custodian: open customer", custodian.open_customer, partner_id)),
        ]
    )
with open(os.environ["LOAD_SINGLE_RESULTS"], "w") as file:
    json.dump({"results": results, "opened": opened}, file)
bad = [row for row in results if row[3] not in ("ok", "refused")]
print(f"single user: {len(results)} calls, {len(bad)} errors")
