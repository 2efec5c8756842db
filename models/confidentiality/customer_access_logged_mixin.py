from odoo import api, models

from ..internal_flags import NO_ACCESS_LOG


class CustomerAccessLoggedMixin(models.AbstractModel):
    """Logs the opening and the export of a document of a confidential customer.

    Add it to a model whose records belong to a customer (``_customer_access_partner_field``):
    opening records in their form (the web client's ``web_read``: each record read) and exporting
    records make entries in the customer access log. Lists and field reads do not.
    """

    _name = "customer.access.logged.mixin"
    _description = "Customer Access Logging"

    _customer_access_partner_field = "partner_id"
    _customer_access_open_action = "document"

    def _customer_access_partners(self):
        return self.sudo()[self._customer_access_partner_field]

    def web_read(self, specification):
        if NO_ACCESS_LOG:
            return super().web_read(specification)
        # Records read inside this one (x2many lines, related forms) are not opened by the user.
        with NO_ACCESS_LOG.on():
            result = super().web_read(specification)
        # Each record read is an opening, one or several (an RPC web_read of N ids shows what N
        # forms show). New records (an onchange's values) are no opening of a customer's record.
        policy = self.env["customer.access.policy"]
        action = self._customer_access_open_action
        records = self.filtered("id")
        if action == "document":
            for record in records:
                policy._log_access(record._customer_access_partners(), action, document=record)
        elif records:
            policy._log_access(records._customer_access_partners(), action)
        return result

    # Read/write cursor for the web client's call (Odoo's web_read is read-only): opening a form
    # may write an access log entry. The web client's router looks for this attribute.
    web_read._readonly = False

    @api.model
    @api.readonly
    def web_search_read(self, domain, specification, offset=0, limit=None, order=None, count_limit=None):
        # A list or kanban view is no opening, even with one row.
        with NO_ACCESS_LOG.on():
            return super().web_search_read(
                domain, specification, offset=offset, limit=limit, order=order, count_limit=count_limit
            )
