import binascii

from werkzeug.exceptions import NotFound

from odoo import http
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

PORTAL_STATES = ("sent", "confirmed", "disputed")


class StatementPortal(CustomerPortal):
    """The customer's contacts read their company's statements of account and confirm or dispute
    them. Only the statements of the logged-in contact's own commercial entity, once sent."""

    def _statement_domain(self):
        partner = request.env.user.partner_id.commercial_partner_id
        return [("partner_id", "=", partner.id), ("state", "in", PORTAL_STATES)]

    def _statement_sudo(self, statement_id):
        # Sudo after the check: contacts have no access right on the model itself.
        statement = (
            request.env["credit.statement"]
            .sudo()
            .search([("id", "=", statement_id), *self._statement_domain()])
        )
        if not statement:
            raise NotFound()
        return statement

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "statement_count" in counters:
            values["statement_count"] = (
                request.env["credit.statement"].sudo().search_count(self._statement_domain())
            )
        return values

    @http.route(["/my/statements", "/my/statements/page/<int:page>"], type="http", auth="user", website=True)
    def portal_my_statements(self, page=1, **kw):
        Statement = request.env["credit.statement"].sudo()
        domain = self._statement_domain()
        count = Statement.search_count(domain)
        pager = portal_pager(url="/my/statements", total=count, page=page, step=self._items_per_page)
        statements = Statement.search(domain, limit=self._items_per_page, offset=pager["offset"])
        values = self._prepare_portal_layout_values()
        values.update({"statements": statements, "pager": pager, "page_name": "credit_statement"})
        return request.render("customer_credit_management.portal_my_statements", values)

    @http.route(["/my/statements/<int:statement_id>"], type="http", auth="user", website=True)
    def portal_my_statement(self, statement_id, **kw):
        statement = self._statement_sudo(statement_id)
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "statement": statement,
                "data": statement.with_context(lang=request.env.lang)._statement_data(),
                "page_name": "credit_statement",
                "message": kw.get("message"),
            }
        )
        return request.render("customer_credit_management.portal_statement_page", values)

    @http.route(["/my/statements/<int:statement_id>/accept"], type="json", auth="user", website=True)
    def portal_statement_accept(self, statement_id, name=None, signature=None, **kw):
        try:
            statement = self._statement_sudo(statement_id)
        except NotFound:
            return {"error": request.env._("Invalid statement.")}
        if not signature:
            return {"error": request.env._("Signature is missing.")}
        if not (name or "").strip():
            return {"error": request.env._("Enter your name.")}
        try:
            statement._record_response("confirmed", name, signature=signature, channel="portal")
        except (TypeError, binascii.Error):
            return {"error": request.env._("Invalid signature data.")}
        return {"force_refresh": True, "redirect_url": f"/my/statements/{statement.id}?message=confirmed"}

    @http.route(
        ["/my/statements/<int:statement_id>/dispute"],
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def portal_statement_dispute(self, statement_id, name=None, note=None, **kw):
        statement = self._statement_sudo(statement_id)
        if (name or "").strip() and (note or "").strip():
            statement._record_response("disputed", name, note=note, channel="portal")
            return request.redirect(f"/my/statements/{statement.id}?message=disputed")
        return request.redirect(f"/my/statements/{statement.id}?message=incomplete")
