from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_amount, format_date


class ResPartner(models.Model):
    """The customer's payment promises and disputes, as the collectors and the salesperson see them."""

    _inherit = "res.partner"

    credit_promise_state = fields.Selection(
        [("valid", "Valid"), ("kept", "Kept"), ("broken", "Broken")],
        string="Last Payment Promise",
        compute="_compute_credit_promise",
        help="The state of the customer's most recent payment promise (cancelled ones aside).",
    )
    credit_promise_broken = fields.Boolean(
        string="Broken Promise",
        compute="_compute_credit_promise",
        search="_search_credit_promise_broken",
        help="The customer's most recent payment promise was not kept.",
    )
    credit_promise_status = fields.Char(
        string="Payment Promise",
        compute="_compute_credit_promise",
        help="What the customer promised to pay, and by when, while the promise is valid.",
    )

    def _credit_last_promise_ids(self, partner_ids=None):
        """{customer id: id of its latest promise not cancelled}, in one query (superuser:
        the salesperson's banner reads it)."""
        self.env["credit.payment.promise"].flush_model(["partner_id", "state", "date", "company_id"])
        conditions = [SQL("state != 'cancel'"), SQL("company_id = %s", self.env.company.id)]
        if partner_ids is not None:
            conditions.append(SQL("partner_id = ANY(%s)", list(partner_ids)))
        rows = self.env.execute_query(
            SQL(
                """
                SELECT DISTINCT ON (partner_id) partner_id, id
                  FROM credit_payment_promise
                 WHERE %s
                 ORDER BY partner_id, date DESC, id DESC
                """,
                SQL(" AND ").join(conditions),
            )
        )
        return dict(rows)

    def _compute_credit_promise(self):
        self.credit_promise_state = self.credit_promise_status = False
        self.credit_promise_broken = False
        commercial = self.commercial_partner_id
        last = self._credit_last_promise_ids(commercial.ids) if commercial.ids else {}
        promises = self.env["credit.payment.promise"].sudo().browse(last.values())
        by_partner = {promise.partner_id.id: promise for promise in promises}
        for partner in self:
            promise = by_partner.get(partner.commercial_partner_id.id)
            if not promise:
                continue
            partner.credit_promise_state = promise.state
            partner.credit_promise_broken = promise.state == "broken"
            if promise.state == "valid":
                partner.credit_promise_status = self.env._(
                    "Promised %(amount)s by %(date)s",
                    amount=format_amount(self.env, promise.amount, promise.currency_id),
                    date=format_date(self.env, promise.promise_date),
                )

    def _search_credit_promise_broken(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on Broken Promise."))
        last = self._credit_last_promise_ids()
        broken = (
            self.env["credit.payment.promise"]
            .sudo()
            .browse(last.values())
            .filtered(lambda promise: promise.state == "broken")
        )
        domain = [("commercial_partner_id", "in", broken.partner_id.ids)]
        return domain if (operator == "=") == value else ["!", *domain]

    def action_record_payment_promise(self):
        """Record a payment promise of the customer (its commercial entity), from its form."""
        self.ensure_one()
        self.env["credit.reminder"]._check_collection_access()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Record a Payment Promise"),
            "res_model": "credit.payment.promise",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {"default_partner_id": self.commercial_partner_id.id},
        }
