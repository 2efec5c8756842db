"""A small JSON-RPC client that calls Odoo as its web client does (session cookie, /web/dataset/call_kw),
shared by the load test (locustfile.py) and the single-user figures (single.py)."""

import time
from urllib.parse import urlsplit

import requests

# Errors that reach the user as a message: the credit refusals (UserError) and validations.
EXPECTED_ERRORS = ("odoo.exceptions.UserError", "odoo.exceptions.ValidationError")

# The aging screen as the web client opens it: the wizard, its action, then the list of lines.
AGING_LINE_SPEC = {
    "partner_name": {},
    "user_id": {"fields": {"display_name": {}}},
    "total": {},
    "overdue": {},
    "overdue_percent": {},
    "currency_id": {"fields": {}},
}
# The customer form's first read (a part of the web client's specification).
PARTNER_FORM_SPEC = {
    "display_name": {},
    "name": {},
    "email": {},
    "phone": {},
    "vat": {},
    "user_id": {"fields": {"display_name": {}}},
    "credit_line": {},
    "credit_exposure": {},
    "credit_hold": {},
    "confidentiality_level_id": {"fields": {"display_name": {}}},
    "confidentiality_effective_level_id": {"fields": {"display_name": {}}},
}


class RpcError(Exception):
    """An error answer of Odoo: ``name`` is the exception's class, ``expected`` says whether it is one
    that reaches the user as a message (UserError) rather than a server error."""

    def __init__(self, name, message):
        super().__init__(f"{name}: {message}")
        self.name = name
        self.expected = name in EXPECTED_ERRORS


def check_local(base_url):
    host = urlsplit(base_url).hostname
    if host != "127.0.0.1":
        raise SystemExit(f"The load test only sends traffic to 127.0.0.1, not to {host}.")


class Client:
    def __init__(self, base_url, db, timeout=60):
        check_local(base_url)
        self.base_url = base_url.rstrip("/")
        self.db = db
        self.timeout = timeout
        self.session = requests.Session()
        self.uid = None
        self.login_name = None
        self.context = {}

    def _post(self, path, params):
        response = self.session.post(
            self.base_url + path,
            json={"jsonrpc": "2.0", "method": "call", "id": int(time.time() * 1000), "params": params},
            timeout=self.timeout,
        )
        response.raise_for_status()
        body = response.json()
        if body.get("error"):
            data = body["error"].get("data") or {}
            raise RpcError(data.get("name", "unknown"), data.get("message", body["error"].get("message")))
        return body["result"]

    def login(self, login, password):
        result = self._post(
            "/web/session/authenticate", {"db": self.db, "login": login, "password": password}
        )
        self.uid = result["uid"]
        self.login_name = login
        self.context = result.get("user_context", {})
        return self.uid

    def call(self, model, method, args=(), **kwargs):
        kwargs.setdefault("context", self.context)
        return self._post(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )

    def get(self, path):
        response = self.session.get(self.base_url + path, timeout=self.timeout)
        response.raise_for_status()
        return response.content

    # ---------------------------------------------------------------- the users' actions
    def create_order(self, partner_id, product_id, quantity, price):
        return self.call(
            "sale.order",
            "create",
            [
                {
                    "partner_id": partner_id,
                    "order_line": [
                        [0, 0, {"product_id": product_id, "product_uom_qty": quantity, "price_unit": price}]
                    ],
                }
            ],
        )

    def confirm_order(self, order_id):
        return self.call("sale.order", "action_confirm", [[order_id]])

    def aging_screen(self):
        wizard_id = self.call("credit.aging.wizard", "create", [{}])
        action = self.call("credit.aging.wizard", "action_view_aging", [[wizard_id]])
        return self.call(
            "credit.aging.line",
            "web_search_read",
            [],
            domain=action["domain"],
            specification=AGING_LINE_SPEC,
            limit=80,
            count_limit=10001,
        )

    def aging_xlsx(self):
        wizard_id = self.call("credit.aging.wizard", "create", [{"show_details": True}])
        action = self.call("credit.aging.wizard", "action_export_xlsx", [[wizard_id]])
        return action["url"]

    def collection_run(self):
        run_id = self.call("credit.reminder.run", "create", [{}])
        self.call("credit.reminder.run", "action_propose", [[run_id]])
        [run] = self.call("credit.reminder.run", "read", [[run_id], ["reminder_ids"]])
        return run["reminder_ids"]

    def open_customer(self, partner_id):
        return self.call("res.partner", "web_read", [[partner_id]], specification=PARTNER_FORM_SPEC)

    def list_customers(self, partner_ids):
        return self.call(
            "res.partner",
            "web_search_read",
            [],
            domain=[("id", "in", partner_ids)],
            specification={"display_name": {}, "email": {}},
            limit=80,
        )
