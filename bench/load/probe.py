"""Probes of the fault test (run.sh): `probe.py URL DB MODE SECONDS`.

ready: the server answers /web/health; serving: a user logs in and reads from the database;
stuck: confirms the order whose customer's row run.sh keeps locked, and says how that ended.
Prints what it saw; exits 1 when the server did not get there within SECONDS."""

import json
import os
import sys
import time

from rpc import Client

url, db, mode, seconds = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
scenario = json.load(open(os.environ["LOAD_SCENARIO"]))
login = scenario["salespeople"][-1]
start = time.time()

if mode == "stuck":
    client = Client(url, db, timeout=seconds)
    client.login(login, login)
    sent = time.time()
    try:
        client.confirm_order(scenario["stuck_order_id"])
        print(f"answered after {time.time() - sent:.1f} s")
    except Exception as error:  # how the request ended is the answer
        print(f"ended after {time.time() - sent:.1f} s by {type(error).__name__}")
    sys.exit(0)

while time.time() - start < seconds:
    try:
        client = Client(url, db, timeout=10)
        if mode == "ready":
            client.get("/web/health")
        else:
            client.login(login, login)
            client.call("res.partner", "search_count", [[]])
        print(f"{mode} after {time.time() - start:.1f} s")
        sys.exit(0)
    except Exception:  # not yet
        time.sleep(0.5)
print(f"not {mode} after {seconds:.0f} s")
sys.exit(1)
