"""Locust load test of customer_credit_management over JSON-RPC, as the web client calls it.

Run by bench/load/run.sh (headless, bounded in users, time and requests, against 127.0.0.1 only):
- salespeople create orders for a few shared customers whose credit lines are nearly used up and
  confirm them (most are refused once the lines are full: a UserError, never a server error);
- accountants run the receivables aging (screen, and XLSX with details) and the collection run
  (the letters of most runs are cancelled again, so that later runs propose letters too);
- custodians open the forms of Confidential customers (each opening may write an access log
  entry) and now and then list them (which writes none).

Every call is recorded (time, name, duration, outcome) and written to $LOAD_RESULTS at the end,
with the customer forms each user opened, for bench/load/check.py.
"""

import itertools
import json
import os
import random
import time

from locust import User, between, events, task
from rpc import Client, RpcError, check_local

SCENARIO = json.load(open(os.environ["LOAD_SCENARIO"]))
DB = os.environ["LOAD_DB"]
MAX_REQUESTS = int(os.environ.get("LOAD_MAX_REQUESTS", "20000"))
RESULTS = []  # [start (epoch s), name, milliseconds, outcome, detail]
OPENED = []  # [start, login, partner id, answered without error] of each customer form opened
LOGINS = {
    role: itertools.cycle(SCENARIO[role]) if SCENARIO[role] else None
    for role in ("salespeople", "accountants", "custodians")
}


@events.init.add_listener
def _check_host(environment, **_kwargs):
    check_local(environment.host)


@events.quitting.add_listener
def _write_results(environment, **_kwargs):
    with open(os.environ["LOAD_RESULTS"], "w") as file:
        json.dump({"results": RESULTS, "opened": OPENED}, file)


class OdooUser(User):
    abstract = True
    role = None
    wait_time = between(5.0, 15.0)  # a salesperson's pace: an order every few seconds at most

    def on_start(self):
        self.login = next(LOGINS[self.role])
        self.client = Client(self.host, DB)
        self.measure("login", self.client.login, self.login, self.login)

    def measure(self, name, func, *args):
        """Calls func(*args), reports it to Locust and to RESULTS; returns its result or None."""
        if len(RESULTS) >= MAX_REQUESTS:
            self.environment.runner.quit()
            return None
        start = time.time()
        result, outcome, detail, exception = None, "ok", "", None
        try:
            result = func(*args)
        except RpcError as error:
            outcome = "refused" if error.expected else "server_error"
            detail = error.name if error.expected else str(error)[:300]
            exception = None if error.expected else error
            if error.name == "odoo.http.SessionExpiredException":
                try:  # logged out (as Odoo does when the database was unusable): log in again
                    self.client.login(self.login, self.login)
                except Exception:  # the next call reports it
                    pass
        except Exception as error:
            outcome, detail, exception = "http_error", f"{type(error).__name__}: {error}"[:300], error
        elapsed = (time.time() - start) * 1000
        RESULTS.append([start, name, elapsed, outcome, detail])
        self.environment.events.request.fire(
            request_type="RPC",
            name=name if outcome != "refused" else f"{name} (refused)",
            response_time=elapsed,
            response_length=0,
            exception=exception,
            context={},
        )
        return result if outcome == "ok" else None


class Salesperson(OdooUser):
    role = "salespeople"
    fixed_count = len(SCENARIO["salespeople"])

    def on_start(self):
        super().on_start()
        if self.login == SCENARIO["salespeople"][0]:
            # The order beyond its line that a credit manager released: it must pass.
            self.measure(
                "sale: confirm released order", self.client.confirm_order, SCENARIO["released_order_id"]
            )

    @task
    def sell(self):
        partner_id = random.choice(SCENARIO["shared_ids"])
        order_id = self.measure(
            "sale: create order",
            self.client.create_order,
            partner_id,
            SCENARIO["product_id"],
            random.randint(1, 4),
            random.choice((100.0, 150.0, 200.0)),
        )
        if order_id:
            self.measure("sale: confirm", self.client.confirm_order, order_id)


class Accountant(OdooUser):
    role = "accountants"
    fixed_count = len(SCENARIO["accountants"])
    wait_time = between(10.0, 30.0)

    @task(3)
    def aging_screen(self):
        self.measure("aging: screen", self.client.aging_screen)

    @task(2)
    def aging_xlsx(self):
        url = self.measure("aging: xlsx with details", self.client.aging_xlsx)
        if url:
            self.measure("aging: xlsx download", self.client.get, url)

    @task(2)
    def collection_run(self):
        letter_ids = self.measure("collection: run", self.client.collection_run)
        if letter_ids and random.random() < 0.7:
            self.measure(
                "collection: cancel",
                self.client.call,
                "credit.reminder",
                "action_cancel",
                [letter_ids],
            )


class Custodian(OdooUser):
    role = "custodians"
    fixed_count = len(SCENARIO["custodians"])
    wait_time = between(2.0, 6.0)

    @task(5)
    def open_customer(self):
        partner_id = random.choice(SCENARIO["confidential_ids"])
        start = time.time()
        opened = self.measure("custodian: open customer", self.client.open_customer, partner_id) is not None
        OPENED.append([start, self.login, partner_id, opened])

    @task(1)
    def list_customers(self):
        self.measure(
            "custodian: list customers",
            self.client.list_customers,
            random.sample(SCENARIO["confidential_ids"], 40),
        )
