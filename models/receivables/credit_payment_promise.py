from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_amount, format_date

CHANNELS = [
    ("call", "Phone Call"),
    ("email", "E-mail"),
    ("visit", "Visit"),
    ("letter", "Letter"),
    ("other", "Other"),
]


class CreditPaymentPromise(models.Model):
    """A customer's promise to pay an amount by a date, for some of its open receivables or for
    all of them. While it is valid the collection run does not escalate the items it covers;
    past its date and not kept, it is broken and the chain of letters moves on."""

    _name = "credit.payment.promise"
    _description = "Payment Promise"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "promise_date desc, id desc"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        check_company=True,
        tracking=True,
        domain=[("is_company", "=", True)],
        help="The commercial entity that promised.",
    )
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related="company_id.currency_id")
    amount = fields.Monetary(required=True, tracking=True, help="The amount promised, company currency.")
    date = fields.Date(
        string="Promised On",
        required=True,
        default=fields.Date.context_today,
        readonly=True,
        help="The day the promise was made.",
    )
    promise_date = fields.Date(
        string="Promised By", required=True, tracking=True, help="The customer pays by this day."
    )
    contact_id = fields.Many2one(
        "res.partner",
        help="Who promised, at the customer.",
    )
    channel = fields.Selection(CHANNELS, required=True, default="call", help="How the promise was made.")
    note = fields.Text()
    move_line_ids = fields.Many2many(
        "account.move.line",
        "credit_payment_promise_move_line_rel",
        "promise_id",
        "move_line_id",
        string="Covered Items",
        check_company=True,
        help="The open receivables the promise covers; left empty, every item open when the promise "
        "is recorded.",
    )
    scope = fields.Selection(
        [("customer", "Whole Customer"), ("items", "Some Items")],
        readonly=True,
        default="items",
        help="Whether the promise was recorded for the customer or for chosen items.",
    )
    residual_at_promise = fields.Monetary(
        string="Owed When Promised",
        readonly=True,
        help="What the covered items owed when the promise was recorded.",
    )
    amount_paid = fields.Monetary(
        string="Paid Since",
        compute="_compute_amount_paid",
        help="How much of the covered items was paid since the promise.",
    )
    user_id = fields.Many2one(
        "res.users", string="Recorded By", readonly=True, default=lambda self: self.env.user
    )
    state = fields.Selection(
        [("valid", "Valid"), ("kept", "Kept"), ("broken", "Broken"), ("cancel", "Cancelled")],
        default="valid",
        required=True,
        readonly=True,
        tracking=True,
        copy=False,
    )

    _sql_constraints = [
        ("amount_positive", "CHECK(amount > 0)", "A promise is for a positive amount."),
    ]

    @api.constrains("date", "promise_date")
    def _check_dates(self):
        for promise in self:
            if promise.promise_date < promise.date:
                raise ValidationError(self.env._("A payment promise cannot be due before it was made."))

    @api.constrains("move_line_ids", "partner_id")
    def _check_items(self):
        for promise in self:
            foreign = promise.move_line_ids.filtered(
                lambda line, p=promise: (
                    line.partner_id.commercial_partner_id != p.partner_id
                    or line.account_id.account_type != "asset_receivable"
                )
            )
            if foreign:
                raise ValidationError(
                    self.env._("A payment promise covers receivable items of its own customer only.")
                )

    @api.depends("partner_id", "amount", "promise_date")
    def _compute_display_name(self):
        for promise in self:
            promise.display_name = self.env._(
                "%(customer)s: %(amount)s by %(date)s",
                customer=promise.partner_id.name or "",
                amount=format_amount(self.env, promise.amount, promise.currency_id),
                date=format_date(self.env, promise.promise_date),
            )

    @api.model_create_multi
    def create(self, vals_list):
        self.env["credit.reminder"]._check_collection_access()
        for vals in vals_list:
            vals["user_id"] = self.env.uid
            vals["date"] = fields.Date.context_today(self)
            vals.pop("residual_at_promise", None)
            if vals.get("state", "valid") != "valid":
                raise UserError(self.env._("A payment promise starts valid."))
        promises = super().create(vals_list)
        promises._snapshot_items()
        self.env["credit.collection.case"]._log_action(
            [
                (promise.partner_id, promise.company_id, "promise", promise.display_name)
                for promise in promises
            ]
        )
        return promises

    def write(self, vals):
        self.env["credit.reminder"]._check_collection_access()
        if not self.env.su and ({"state", "residual_at_promise", "scope", "date", "user_id"} & vals.keys()):
            raise UserError(self.env._("A payment promise changes state through its own actions only."))
        if not self.env.su and self.filtered(lambda promise: promise.state != "valid"):
            raise UserError(self.env._("Only a valid payment promise can be changed."))
        return super().write(vals)

    def _snapshot_items(self):
        """Fill the covered items (every open item of the customer when none was chosen) and what
        they owed, from the receivables query."""
        by_company = defaultdict(lambda: self.browse())
        for promise in self:
            by_company[promise.company_id] |= promise
        for company, promises in by_company.items():
            items = self.env["credit.receivable"].get_open_items(
                promises[0].date, company, partner_ids=promises.partner_id.ids
            )
            open_by_partner = defaultdict(dict)
            for item in items:
                open_by_partner[item["partner_id"]][item["line_id"]] = item["residual"]
            for promise in promises:
                owed = open_by_partner[promise.partner_id.id]
                chosen = promise.move_line_ids.ids
                vals = {"scope": "items" if chosen else "customer"}
                if not chosen:
                    chosen = [line_id for line_id, residual in owed.items() if residual > 0]
                    vals["move_line_ids"] = [fields.Command.set(chosen)]
                vals["residual_at_promise"] = sum(owed.get(line_id, 0.0) for line_id in chosen)
                promise.sudo().write(vals)

    def _owed_now(self, day):
        """{promise id: what its covered items owe on ``day``}, one receivables query per company."""
        owed = {}
        for company, promises in self.grouped("company_id").items():
            items = self.env["credit.receivable"].get_open_items(
                day, company, partner_ids=promises.partner_id.ids
            )
            residual = {item["line_id"]: item["residual"] for item in items}
            for promise in promises:
                owed[promise.id] = sum(residual.get(line.id, 0.0) for line in promise.move_line_ids)
        return owed

    @api.depends("move_line_ids", "residual_at_promise")
    def _compute_amount_paid(self):
        promises = self.filtered("id")
        owed = promises.sudo()._owed_now(fields.Date.context_today(self)) if promises else {}
        for promise in self:
            promise.amount_paid = max(promise.residual_at_promise - owed.get(promise.id, 0.0), 0.0)

    def action_cancel(self):
        self.env["credit.reminder"]._check_collection_access()
        self.filtered(lambda promise: promise.state == "valid").sudo().write({"state": "cancel"})
        return True

    @api.model
    def _cron_check_promises(self):
        """Daily: a valid promise whose covered items were paid by the promised amount is kept;
        one past its date and not kept is broken: the customer is flagged, the collection run
        escalates its items again and the worklist asks for a call today."""
        today = fields.Date.context_today(self)
        valid = self.sudo().search([("state", "=", "valid")])
        if not valid:
            return True
        owed = valid._owed_now(today)
        kept = valid.filtered(
            lambda p: p.currency_id.compare_amounts(p.residual_at_promise - owed[p.id], p.amount) >= 0
        )
        broken = (valid - kept).filtered(lambda p: p.promise_date < today)
        kept.write({"state": "kept"})
        broken.write({"state": "broken"})
        for promise in broken:
            promise.partner_id.message_post(
                body=self.env._(
                    "Payment promise broken: %(amount)s promised by %(date)s was not paid.",
                    amount=format_amount(self.env, promise.amount, promise.currency_id),
                    date=format_date(self.env, promise.promise_date),
                )
            )
        self.env["credit.collection.case"]._log_action(
            [
                (promise.partner_id, promise.company_id, "promise", self.env._("Promise broken"))
                for promise in broken
            ],
            next_action_date=today,
        )
        return True
