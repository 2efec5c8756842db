from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

ACTION_TYPES = [
    ("call", "Call"),
    ("email", "E-mail"),
    ("visit", "Visit"),
    ("promise", "Promise"),
    ("letter", "Letter"),
    ("dispute", "Dispute"),
]
# Days of age that weigh as much as the amount itself in the priority: 1,000 overdue for 30 days
# weighs 2,000, for 90 days 4,000.
PRIORITY_AGE_DAYS = 30


class CreditCollectionCase(models.Model):
    """The collector's worklist: one line per customer (commercial entity) and company with
    overdue receivables, its responsible collector, next action date, last action and result, and
    a priority from the amount and age overdue. The collection run fills it."""

    _name = "credit.collection.case"
    _description = "Collection Worklist Entry"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "priority_score desc, id"
    _check_company_auto = True
    _rec_name = "partner_id"

    # A worklist line is nothing without its customer: it goes with it.
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        readonly=True,
        index=True,
        check_company=True,
        ondelete="cascade",
    )
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    user_id = fields.Many2one(
        "res.users", string="Responsible", tracking=True, index=True, help="The collector in charge."
    )
    salesperson_id = fields.Many2one(related="partner_id.user_id", string="Salesperson")
    next_action_date = fields.Date(tracking=True, index=True, help="When the customer is to be chased next.")
    last_action_date = fields.Date(readonly=True)
    last_action_type = fields.Selection(ACTION_TYPES, readonly=True)
    last_action_result = fields.Char(readonly=True, help="What the last action gave.")
    amount_overdue = fields.Monetary(
        readonly=True, help="Overdue receivables on the last collection run, disputed items excluded."
    )
    days_overdue = fields.Integer(
        string="Days Late", readonly=True, help="Days the oldest overdue item was late on the last run."
    )
    priority_score = fields.Float(
        string="Priority",
        readonly=True,
        digits=(16, 0),
        aggregator="max",
        help="Amount overdue weighted by age: amount × (1 + days late / 30). Highest first.",
    )
    refreshed_date = fields.Date(string="Updated On", readonly=True, help="Date of the last collection run.")
    promise_state = fields.Selection(related="partner_id.credit_promise_state")
    promise_broken = fields.Boolean(related="partner_id.credit_promise_broken")

    _sql_constraints = [
        (
            "partner_company_uniq",
            "UNIQUE(partner_id, company_id)",
            "One worklist line per customer and company.",
        ),
    ]

    @api.model_create_multi
    def create(self, vals_list):
        self.env["credit.reminder"]._check_collection_access()
        return super().create(vals_list)

    def write(self, vals):
        self.env["credit.reminder"]._check_collection_access()
        return super().write(vals)

    @api.model
    def _priority(self, amount, days):
        return round(max(amount, 0.0) * (1 + max(days, 0) / PRIORITY_AGE_DAYS))

    # --------------------------------------------------------------- filled by others
    @api.model
    def _cases_for(self, pairs):
        """{(partner id, company id): case}, creating the missing ones (as superuser: the caller
        is an accountant or the system)."""
        pairs = {(partner.id, company.id) for partner, company in pairs if partner}
        if not pairs:
            return {}
        # Made in bulk by the runs: no creation note and no follower (5,000 at once on a large book).
        Case = self.sudo().with_context(
            tracking_disable=True, mail_create_nolog=True, mail_create_nosubscribe=True
        )
        existing = Case.search(
            [
                ("partner_id", "in", list({partner_id for partner_id, _c in pairs})),
                ("company_id", "in", list({company_id for _p, company_id in pairs})),
            ]
        )
        cases = {(case.partner_id.id, case.company_id.id): case for case in existing}
        missing = sorted(pairs - cases.keys())
        if missing:
            created = Case.create(
                [{"partner_id": partner_id, "company_id": company_id} for partner_id, company_id in missing]
            )
            cases.update(zip(missing, created, strict=True))
        return cases

    @api.model
    def _log_action(self, entries, next_action_date=None):
        """Note ``entries`` [(customer, company, action type, result)] as the customers' last action
        today; with ``next_action_date``, chase them then."""
        entries = [entry for entry in entries if entry[0]]
        if not entries:
            return
        today = fields.Date.context_today(self)
        cases = self._cases_for([(partner, company) for partner, company, _t, _r in entries])
        for partner, company, action_type, result in entries:
            vals = {"last_action_date": today, "last_action_type": action_type, "last_action_result": result}
            if next_action_date:
                vals["next_action_date"] = next_action_date
            cases[partner.id, company.id].write(vals)

    @api.model
    def _fill_from_run(self, date, company, overdue, letters, partial=False, still_overdue_ids=()):
        """The collection run's part: every customer it found overdue (``overdue``: {customer id:
        open overdue rows}) gets its amount, age and priority; those without a collector get the
        user who ran it, those without a next action date the run's date; a proposed letter is
        their last action, to be followed up on its pay-by date. Unless the run was limited to
        some customers (``partial``), customers no longer overdue (not in ``overdue`` nor in
        ``still_overdue_ids``, those the user may not read) drop to zero. A constant
        number of queries (one UPDATE for all)."""
        Partner = self.env["res.partner"]
        cases = self._cases_for([(Partner.browse(partner_id), company) for partner_id in overdue])
        letter_by_partner = {letter.partner_id.id: letter for letter in letters}
        rows = []
        for partner_id, items in overdue.items():
            amount = company.currency_id.round(sum(item["residual"] for item in items))
            days = max((item["days_overdue"] for item in items if item["residual"] > 0), default=0)
            letter = letter_by_partner.get(partner_id)
            rows.append(
                SQL(
                    "(%s, %s::numeric, %s, %s::float, %s::date, %s::date, %s, %s)",
                    cases[partner_id, company.id].id,
                    amount,
                    days,
                    self._priority(amount, days),
                    letter.pay_by_date + timedelta(days=1) if letter else None,
                    date if letter else None,
                    letter and f"{letter.name} ({letter.level_id.name})",
                    bool(letter),
                )
            )
        self.flush_model()
        if rows:
            self.env.cr.execute(
                SQL(
                    """
                    UPDATE credit_collection_case c
                       SET amount_overdue = v.amount, days_overdue = v.days, priority_score = v.priority,
                           refreshed_date = %(date)s,
                           user_id = COALESCE(c.user_id, %(uid)s),
                           next_action_date = CASE WHEN v.has_letter THEN v.next_date
                                                   ELSE COALESCE(c.next_action_date, %(date)s) END,
                           last_action_date = CASE WHEN v.has_letter THEN v.last_date
                                                   ELSE c.last_action_date END,
                           last_action_type = CASE WHEN v.has_letter THEN 'letter'
                                                   ELSE c.last_action_type END,
                           last_action_result = CASE WHEN v.has_letter THEN v.result
                                                     ELSE c.last_action_result END,
                           write_date = NOW() AT TIME ZONE 'UTC', write_uid = %(uid)s
                      FROM (VALUES %(rows)s)
                           AS v(id, amount, days, priority, next_date, last_date, result, has_letter)
                     WHERE c.id = v.id
                    """,
                    rows=SQL(", ").join(rows),
                    date=date,
                    uid=self.env.uid,
                )
            )
        if not partial:
            self.env.cr.execute(
                SQL(
                    """
                    UPDATE credit_collection_case
                       SET amount_overdue = 0, days_overdue = 0, priority_score = 0, refreshed_date = %s
                     WHERE company_id = %s AND amount_overdue != 0 AND NOT (partner_id = ANY(%s))
                    """,
                    date,
                    company.id,
                    list(set(overdue) | set(still_overdue_ids)),
                )
            )
        self.invalidate_model()

    # --------------------------------------------------------------- actions
    def action_log_call(self):
        """The two-click call log: this opens a small form, saving it logs the call."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Log a Call"),
            "res_model": "credit.collection.log",
            "view_mode": "form",
            "target": "new",
            "context": {"default_case_id": self.id},
        }

    def action_open_partner(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "res.partner",
            "res_id": self.partner_id.id,
            "view_mode": "form",
        }

    def action_open_letters(self):
        self.ensure_one()
        return self.partner_id.action_open_credit_reminders()
