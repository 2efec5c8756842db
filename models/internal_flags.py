"""Switches that only the module's own code sets, around the call it makes.

A context key is in every caller's hands (RPC ``context``, the report routes' ``context``
parameter): a key that skips a check, a log entry or a to-do would let any client skip it. These
flags live in a context variable of the running request instead, set by ``with FLAG.on():``.
"""

import contextvars
from contextlib import contextmanager


class InternalFlag:
    def __init__(self, name):
        self._var = contextvars.ContextVar(name, default=False)

    def __bool__(self):
        return self._var.get()

    @contextmanager
    def on(self):
        token = self._var.set(True)
        try:
            yield
        finally:
            self._var.reset(token)


# Records read inside an opening, a list or a print are not opened by the user themselves.
NO_ACCESS_LOG = InternalFlag("customer_access_no_log")
# Proposals made by the classification in bulk: the directors find them under "Level to Approve".
NO_APPROVAL_TODO = InternalFlag("confidentiality_no_approval_todo")
# Odoo's own code assigning computed fields outside a computation (``account.move``'s tax totals
# inverse recomputes the amounts by hand): the credit check's computed inputs are its to write.
ODOO_COMPUTATION = InternalFlag("customer_credit_management_odoo_computation")
# Partial reconciles made by Odoo's reconciliation, not by a caller.
ODOO_RECONCILIATION = InternalFlag("customer_credit_management_odoo_reconciliation")
# Changes the module's own code logs itself in one batch (the category recompute): Odoo's
# field tracking, which a client's context cannot switch off (``models/tracking_audit.py``), is
# switched off for them.
NO_FIELD_TRACKING = InternalFlag("customer_credit_management_no_field_tracking")
