import json
from collections import defaultdict
from datetime import timedelta

from babel.dates import format_skeleton
from babel.lists import format_list
from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, format_amount, format_date
from odoo.tools.misc import babel_locale_parse

from .credit_reminder_level import PLACEHOLDER_RE

CN_DIGITS = "零壹贰叁肆伍陆柒捌玖"
CN_UNITS = ["", "拾", "佰", "仟"]
CN_SECTIONS = ["", "万", "亿", "万亿"]


# The unit of the amount in words of a currency in Chinese letters (人民币 amounts in 元).
CN_CURRENCY_UNITS = {
    "CNY": "元",
    "USD": "美元",
    "EUR": "欧元",
    "HKD": "港元",
    "MOP": "澳门元",
    "TWD": "新台币元",
    "JPY": "日元",
    "GBP": "英镑",
    "AUD": "澳元",
    "CAD": "加元",
    "SGD": "新加坡元",
    "KRW": "韩元",
    "CHF": "瑞士法郎",
}


def amount_in_chinese(amount, unit="元"):
    """Amount in the capital numerals of Chinese financial documents (大写), e.g.
    1234.5 -> 壹仟贰佰叁拾肆元伍角整; ``unit`` names the currency (美元 for dollars)."""
    integer, cents = divmod(round(abs(amount) * 100), 100)
    digits = str(integer)
    words, zero = "", False
    for index, char in enumerate(digits):
        position = len(digits) - 1 - index
        if char == "0":
            zero = True
        else:
            words += ("零" if zero else "") + CN_DIGITS[int(char)] + CN_UNITS[position % 4]
            zero = False
        # A section (万, 亿) is named when one of its four digits is not zero.
        if position % 4 == 0 and position and int(digits[max(0, index - 3) : index + 1]):
            words += CN_SECTIONS[position // 4]
    words = (words or "零") + unit
    jiao, fen = divmod(cents, 10)
    if jiao:
        words += CN_DIGITS[jiao] + "角"
    if fen:
        words += ("零" if not jiao and integer else "") + CN_DIGITS[fen] + "分"
    else:
        words += "整"
    return ("负" if amount < 0 else "") + words


class CreditReminder(models.Model):
    """A collection letter sent to a customer (its commercial entity) for its overdue receivables."""

    _name = "credit.reminder"
    _description = "Collection Letter"
    _inherit = ["mail.thread", "mail.activity.mixin", "customer.access.logged.mixin"]
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(string="Letter Number", readonly=True, copy=False, default="/")
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        ondelete="cascade",
        readonly=True,
        tracking=True,
        check_company=True,
        help="The commercial entity the letter is addressed to.",
    )
    contact_id = fields.Many2one(
        "res.partner",
        string="Addressee",
        help="The customer's invoice contact: it receives the e-mail.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    # Cascades only reach letters when the module is uninstalled: a customer with letters has
    # posted invoices and cannot be deleted, and a level in use refuses deletion.
    level_id = fields.Many2one(
        "credit.reminder.level", required=True, readonly=True, tracking=True, ondelete="cascade"
    )
    level_sequence = fields.Integer(related="level_id.sequence", store=True, string="Level Number")
    date = fields.Date(required=True, readonly=True, default=fields.Date.context_today, tracking=True)
    pay_by_date = fields.Date(string="Pay By", help="The date the customer is asked to pay by.")
    amount_overdue = fields.Monetary(
        readonly=True, help="Overdue receivables of the customer on the letter's date, company currency."
    )
    days_overdue = fields.Integer(
        string="Days Late", readonly=True, help="Days the oldest overdue document is past its due date."
    )
    credit_term_days = fields.Integer(
        string="Credit Term (Days)", readonly=True, help="The agreed credit term on the letter's date."
    )
    oldest_due_date = fields.Date(readonly=True)
    line_ids = fields.One2many(
        "credit.reminder.line", "reminder_id", string="Overdue Documents", readonly=True
    )
    previous_id = fields.Many2one(
        "credit.reminder",
        string="Previous Letter",
        readonly=True,
        index="btree_not_null",
        help="The letter this one escalates; the chain restarts once the customer has paid.",
    )
    law_firm = fields.Char(help="Named in the final demand before litigation.")
    filing_date = fields.Date(
        string="Planned Filing Date", help="Named in the final demand before litigation."
    )
    asks_legal_details = fields.Boolean(related="level_id.asks_legal_details")
    statement_id = fields.Many2one(
        "credit.statement",
        string="Last Statement",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        help="The last statement of account sent to the customer before the first letter: the "
        "letter refers to it.",
    )
    amount_interest = fields.Monetary(
        string="Late-Payment Interest",
        readonly=True,
        help="Interest on the overdue documents on the letter's date (letters that itemise it).",
    )
    amount_fee = fields.Monetary(
        string="Collection Fee", readonly=True, help="The collection fee of the letter's level."
    )
    charge_move_id = fields.Many2one(
        "account.move",
        string="Interest Invoice",
        readonly=True,
        copy=False,
        check_company=True,
        help="The customer invoice charging this letter's interest and fee.",
    )
    promise_id = fields.Many2one(
        "credit.payment.promise",
        string="Payment Promise",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        help="The payment promise this letter reminds the customer of (a promise reminder).",
    )
    registered_mail_number = fields.Char(
        string="Registered Mail No.",
        tracking=True,
        copy=False,
        help="The number of the registered letter (挂号信) the letter was posted by, entered by hand: its "
        "sending proof in a litigation file.",
    )
    state = fields.Selection(
        [("draft", "Draft"), ("sent", "Sent"), ("cancel", "Cancelled")],
        default="draft",
        required=True,
        readonly=True,
        tracking=True,
        copy=False,
    )

    @api.model_create_multi
    def create(self, vals_list):
        self._check_collection_access()
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = self.env["ir.sequence"].next_by_code("credit.reminder") or "/"
        return super().create(vals_list)

    def write(self, vals):
        self._check_collection_access()
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_only_draft(self):
        if any(letter.state == "sent" for letter in self):
            raise UserError(self.env._("A sent collection letter cannot be deleted; cancel it instead."))

    @api.model
    def _check_collection_access(self):
        """Letters are the accountants' and credit managers' business, on every path."""
        user = self.env.user
        if not (
            self.env.su
            or user.has_group("account.group_account_invoice")
            or user.has_group("customer_credit_management.group_credit_manager")
        ):
            raise AccessError(self.env._("Only accountants and credit managers handle collection letters."))

    @api.depends("name", "partner_id", "level_id")
    def _compute_display_name(self):
        for letter in self:
            letter.display_name = f"{letter.name} {letter.partner_id.name or ''}".strip()

    # ------------------------------------------------------------------ actions
    def action_print(self):
        self._check_ready_to_send()
        return self.env.ref("customer_credit_management.credit_reminder_report_action").report_action(self)

    def action_mark_sent(self):
        self._check_collection_access()
        drafts = self.filtered(lambda letter: letter.state == "draft")
        drafts._check_ready_to_send()
        drafts.write({"state": "sent"})
        drafts._apply_credit_effect()
        return True

    def action_send_email(self):
        """E-mail each draft letter (the PDF attached) to the customer's invoice contact, then mark
        them sent. The mails go through the mail queue."""
        self._check_collection_access()
        drafts = self.filtered(lambda letter: letter.state == "draft")
        drafts._check_ready_to_send()
        missing = drafts.filtered(lambda letter: not letter.contact_id.email)
        if missing:
            raise UserError(
                self.env._(
                    "These customers have no e-mail address on their invoice contact: %s. "
                    "Print their letters instead.",
                    ", ".join(missing.partner_id.mapped("display_name")),
                )
            )
        no_template = drafts.filtered(lambda letter: not letter.level_id.mail_template_id)
        if no_template:
            raise UserError(
                self.env._(
                    "The letter level %s has no e-mail template.",
                    ", ".join(no_template.level_id.mapped("name")),
                )
            )
        for letter in drafts:
            letter.message_post_with_source(
                letter.level_id.mail_template_id,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
                # Through the mail queue: a run may e-mail hundreds of letters.
                force_send=False,
            )
        return drafts.action_mark_sent()

    def _check_ready_to_send(self):
        incomplete = self.filtered(
            lambda letter: letter.level_id.asks_legal_details and not (letter.law_firm and letter.filing_date)
        )
        if incomplete:
            raise UserError(
                self.env._(
                    "Enter the law firm and the planned filing date of the letters %s before printing or "
                    "sending them.",
                    ", ".join(incomplete.mapped("name")),
                )
            )

    def action_cancel(self):
        self._check_collection_access()
        self.filtered(lambda letter: letter.state == "draft").write({"state": "cancel"})
        return True

    def action_reset_draft(self):
        self._check_collection_access()
        self.filtered(lambda letter: letter.state == "cancel").write({"state": "draft"})
        return True

    def _apply_credit_effect(self):
        """Level 4 puts the customer on credit hold "in collection", level 5 "pre-litigation".
        An overdue hold is replaced by the collection one; a Credit Manager's manual hold stays
        (it must not be lifted by a payment): ``res.partner._credit_set_hold``."""
        for letter in self.filtered(lambda letter: letter.level_id.effect != "none"):
            partner = letter.partner_id.sudo()
            reason = letter.level_id.effect
            if not partner._credit_set_hold(reason):
                continue
            partner.message_post(
                body=self.env._(
                    "Put on credit hold (%(reason)s) by the collection letter %(letter)s.",
                    reason=dict(partner._fields["credit_hold_reason"]._description_selection(self.env))[
                        reason
                    ],
                    letter=letter.name,
                )
            )

    def action_invoice_charges(self):
        """A draft customer invoice charging the letter's interest and fee, on the products of the
        settings (their income accounts)."""
        self._check_collection_access()
        moves = self.env["account.move"]
        for letter in self:
            if letter.state != "sent":
                raise UserError(
                    self.env._(
                        "Only a sent letter's interest and fee are invoiced: %(letter)s.", letter=letter.name
                    )
                )
            if letter.charge_move_id and letter.charge_move_id.state != "cancel":
                raise UserError(self.env._("The letter %(letter)s is already invoiced.", letter=letter.name))
            company = letter.company_id
            charges = [
                (
                    company.credit_interest_product_id,
                    letter.amount_interest,
                    self.env._("Late-payment interest"),
                ),
                (company.credit_fee_product_id, letter.amount_fee, self.env._("Collection fee")),
            ]
            charges = [charge for charge in charges if not letter.currency_id.is_zero(charge[1])]
            if not charges:
                raise UserError(
                    self.env._("The letter %(letter)s charges no interest and no fee.", letter=letter.name)
                )
            if any(not product for product, _amount, _label in charges):
                raise UserError(
                    self.env._(
                        "Choose the interest and collection fee products in the settings before "
                        "invoicing them."
                    )
                )
            move = (
                self.env["account.move"]
                .with_company(company)
                .create(
                    {
                        "move_type": "out_invoice",
                        "partner_id": letter.contact_id.id or letter.partner_id.id,
                        "company_id": company.id,
                        "currency_id": letter.currency_id.id,
                        "invoice_origin": letter.name,
                        "invoice_line_ids": [
                            fields.Command.create(
                                {
                                    "product_id": product.id,
                                    "name": f"{label} ({letter.name})",
                                    "quantity": 1,
                                    "price_unit": amount,
                                    "tax_ids": [fields.Command.clear()],
                                }
                            )
                            for product, amount, label in charges
                        ],
                    }
                )
            )
            letter.write({"charge_move_id": move.id})
            moves |= move
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.move",
            "view_mode": "form",
            "res_id": moves[:1].id,
            "target": "current",
        }

    # ------------------------------------------------------------------ collection run
    @api.model
    def _propose(self, date, company, partners=None, law_firm=False, filing_date=False):
        """Create the draft letters due on ``date`` in ``company``: one per customer with overdue
        receivables, at the next level of its current chain of letters. A chain goes on while a
        document of its last sent letter is still open, else it restarts at the first level; a
        customer with a draft letter gets none. A bounded number of queries whatever the number
        of customers (one receivables query)."""
        return self._propose_letters(date, company, partners, law_firm, filing_date)[0]

    @api.model
    def _propose_letters(self, date, company, partners=None, law_firm=False, filing_date=False):
        """``_propose``, and the number of customers with overdue receivables left out because the
        user may not read them (above the clearance, no grant): (letters, count)."""
        self._check_collection_access()
        levels = self.env["credit.reminder.level"].search([("sequence", ">", 0)])
        if not levels:
            raise UserError(self.env._("Define the collection letter levels first."))
        # Two runs of one company at the same moment would both see no draft letter and both
        # propose one. A no-op UPDATE of the company's row serialises them: under REPEATABLE READ
        # the second fails with a serialisation error, Odoo retries its request, and the retry
        # sees the first run's drafts.
        self.env.cr.execute(SQL("UPDATE res_company SET id = id WHERE id = %s", company.id))
        currency = company.currency_id
        # Disputed and blocked items are out of collection: the receivables query leaves them out.
        items = self.env["credit.receivable"].get_open_items(
            date,
            company,
            partner_ids=partners.commercial_partner_id.ids if partners else None,
            exclude_blocked=True,
        )
        overdue = defaultdict(list)
        for item in items:
            if item["partner_id"] and item["days_overdue"] > 0:
                overdue[item["partner_id"]].append(item)
        overdue = {
            partner_id: rows
            for partner_id, rows in overdue.items()
            if currency.compare_amounts(sum(row["residual"] for row in rows), 0) > 0
        }
        pre_due_level, pre_due = self._pre_due_items(items, company, overdue)
        # A letter shows the customer's address and invoices: only for customers the user may
        # read. The others are counted, for someone with the clearance or a grant.
        readable = set(
            self.env["res.partner"]
            .with_context(active_test=False)
            .search([("id", "in", list(overdue.keys() | pre_due.keys()))])
            .ids
        )
        hidden_count = len(overdue.keys() - readable)
        all_overdue_ids = list(overdue)
        overdue = {partner_id: rows for partner_id, rows in overdue.items() if partner_id in readable}
        pre_due = {partner_id: rows for partner_id, rows in pre_due.items() if partner_id in readable}
        # The worklist counts the promised items (the collector follows the promise up); the
        # letters do not escalate them while the promise is valid.
        worklist = overdue
        overdue = {
            partner_id: kept
            for partner_id, rows in overdue.items()
            if (kept := [row for row in rows if not row["promised"]])
            and currency.compare_amounts(sum(row["residual"] for row in kept), 0) > 0
        }
        promised = {
            partner_id: kept
            for partner_id, rows in worklist.items()
            if (kept := [row for row in rows if row["promised"] and row["residual"] > 0])
        }
        letters = self._propose_letter_records(
            date, company, items, overdue, pre_due, pre_due_level, levels, law_firm, filing_date, promised
        )
        self.env["credit.collection.case"]._fill_from_run(
            date, company, worklist, letters, partial=bool(partners), still_overdue_ids=all_overdue_ids
        )
        return letters, hidden_count

    def _propose_letter_records(
        self,
        date,
        company,
        items,
        overdue,
        pre_due,
        pre_due_level,
        levels,
        law_firm,
        filing_date,
        promised=None,
    ):
        """The draft letters of ``_propose_letters`` for ``overdue`` ({customer id: its overdue
        rows to collect}), the courtesy reminders of ``pre_due`` (see ``_pre_due_items``) and the
        promise reminders of ``promised`` ({customer id: its overdue rows under a valid promise});
        ``items`` are the open items the interest is computed on."""
        promised = promised if company.credit_promise_reminder_days else {}
        if not overdue and not pre_due and not promised:
            return self.browse()
        with_draft = {
            partner.id
            for [partner] in self._read_group(
                [
                    ("state", "=", "draft"),
                    ("company_id", "=", company.id),
                    ("partner_id", "in", list(overdue.keys() | pre_due.keys() | promised.keys())),
                ],
                ["partner_id"],
            )
        }
        last_sent = self._last_sent_letters(company, [pid for pid in overdue if pid not in with_draft])
        customers = self.env["res.partner"].with_company(company).browse(list(overdue))
        interest = (
            self.env["credit.interest"]._interest_by_line(items, date, company)
            if levels.filtered("show_interest")
            else {}
        )
        statements = self.env["credit.statement"]._last_sent_statements(
            company, [pid for pid in overdue if pid not in with_draft]
        )
        # Numbered here, from one sequence looked up once: one query per letter.
        sequence = (
            self.env["ir.sequence"]
            .sudo()
            .search(
                [("code", "=", "credit.reminder"), ("company_id", "in", [company.id, False])],
                order="company_id",
                limit=1,
            )
        )
        vals_list = []
        for partner in customers:
            if partner.id in with_draft:
                continue
            rows = overdue[partner.id]
            owed = {row["line_id"] for row in rows if row["residual"] > 0}
            oldest = max(row["days_overdue"] for row in rows if row["residual"] > 0)
            previous = last_sent.get(partner.id)
            if previous and owed & set(previous.line_ids.move_line_id.ids):
                level = levels.filtered(lambda lv, prev=previous: lv.sequence > prev.level_sequence)[:1]
                if not level or (date - previous.date).days < level.min_days_since_previous:
                    continue
            else:
                previous, level = self.browse(), levels[0]
            if oldest < level.min_days_overdue:
                continue
            vals = self._letter_vals(partner, rows, level, date, company, sequence, interest)
            vals.update(
                {
                    "days_overdue": oldest,
                    "oldest_due_date": min(row["due_date"] for row in rows if row["residual"] > 0),
                    "previous_id": previous.id,
                    "law_firm": law_firm if level.asks_legal_details else False,
                    "filing_date": filing_date if level.asks_legal_details else False,
                    # The first letter refers to the statement of account we sent.
                    "statement_id": statements.get(partner.id, self.env["credit.statement"]).id
                    if level == levels[0]
                    else False,
                }
            )
            vals_list.append(vals)
        for partner in self.env["res.partner"].with_company(company).browse(list(pre_due)):
            if partner.id in with_draft:
                continue
            rows = pre_due[partner.id]
            vals = self._letter_vals(partner, rows, pre_due_level, date, company, sequence, {})
            vals["oldest_due_date"] = min(row["due_date"] for row in rows)
            vals["pay_by_date"] = vals["oldest_due_date"]
            vals_list.append(vals)
        # One letter per customer and run: a customer escalated for other items gets no promise
        # reminder this time.
        lettered = with_draft | {vals["partner_id"] for vals in vals_list}
        vals_list += self._promise_reminder_vals(
            date, company, {pid: rows for pid, rows in promised.items() if pid not in lettered}, sequence
        )
        # The letters through the ORM (numbers, chatter), their documents in one statement.
        documents = [[command[2] for command in vals.pop("line_ids")] for vals in vals_list]
        letters = self.create(vals_list)
        self._create_letter_lines(letters, documents)
        return letters

    @api.model
    def _create_letter_lines(self, letters, documents):
        """Create the documents of ``letters`` (``documents``: per letter, its lines' values) in
        one INSERT: the ORM took most of a run of thousands of customers creating the 170,000
        lines one by one. The access checks of the ORM's create apply, the access rules evaluated
        in SQL on the new lines rather than record by record, and the caches forget the letters'
        lines."""
        Line = self.env["credit.reminder.line"]
        Line.check_access("create")
        columns = {
            "reminder_id": "int4",
            "move_line_id": "int4",
            "move_id": "int4",
            "name": "varchar",
            "invoice_date": "date",
            "due_date": "date",
            "days_overdue": "int4",
            "residual": "numeric",
            "interest_days": "int4",
            "interest": "numeric",
        }
        rows = [
            {**line, "reminder_id": letter.id}
            for letter, lines in zip(letters, documents, strict=True)
            for line in lines
        ]
        if not rows:
            return
        # One run, one company: one currency.
        currency = letters.currency_id.ensure_one()
        self.env.flush_all()
        line_ids = [
            line_id
            for (line_id,) in self.env.execute_query(
                SQL(
                    """
                    INSERT INTO credit_reminder_line (create_uid, create_date, write_uid, write_date,
                                                      %(columns)s)
                    SELECT %(uid)s, %(now)s, %(uid)s, %(now)s, %(values)s
                      FROM jsonb_to_recordset(%(rows)s) AS line(%(definition)s)
                    RETURNING id
                    """,
                    columns=SQL(", ").join(SQL.identifier(column) for column in columns),
                    # Amounts rounded to the currency, as the ORM stores a monetary field.
                    values=SQL(", ").join(
                        SQL("round(%s, %s)", SQL.identifier(column), currency.decimal_places)
                        if kind == "numeric"
                        else SQL.identifier(column)
                        for column, kind in columns.items()
                    ),
                    definition=SQL(", ").join(
                        SQL("%s %s", SQL.identifier(column), SQL(kind)) for column, kind in columns.items()
                    ),
                    rows=json.dumps(rows, default=str),
                    uid=self.env.uid,
                    now=self.env.cr.now(),
                )
            )
        ]
        Line.invalidate_model()
        letters.invalidate_recordset(["line_ids"])
        # The access rules on the new lines, as the ORM's create checks them: the letters are
        # new, their lines are the new lines; counted first, listed only when some fail.
        domain = self.env["ir.rule"]._compute_domain(Line._name, "create")
        allowed = [("reminder_id", "in", letters.ids), *domain]
        if domain and Line.sudo().search_count(allowed) != len(line_ids):
            (Line.browse(line_ids) - Line.sudo().search(allowed)).check_access("create")

    @api.model
    def _letter_vals(self, partner, rows, level, date, company, sequence, interest):
        """The values of a letter of ``level`` to ``partner`` for its open items ``rows``, with the
        late-payment interest of those items when the level itemises it."""
        currency = company.currency_id
        interest = interest if level.show_interest else {}
        lines = [
            {
                "move_line_id": row["line_id"],
                "move_id": row["move_id"],
                "name": row["move_name"],
                "invoice_date": row["invoice_date"],
                "due_date": row["due_date"],
                "days_overdue": row["days_overdue"],
                "residual": row["residual"],
                "interest_days": interest.get(row["line_id"], (0, 0.0))[0],
                "interest": interest.get(row["line_id"], (0, 0.0))[1],
            }
            for row in rows
        ]
        return {
            "name": sequence._next(sequence_date=date) if sequence else "/",
            "partner_id": partner.id,
            "contact_id": partner.address_get(["invoice"])["invoice"],
            "company_id": company.id,
            "level_id": level.id,
            "date": date,
            "pay_by_date": date + timedelta(days=level.days_to_pay),
            "amount_overdue": currency.round(sum(row["residual"] for row in rows)),
            "credit_term_days": partner.credit_term_days,
            "amount_interest": currency.round(sum(line["interest"] for line in lines)),
            "amount_fee": level.fee_amount,
            "line_ids": [fields.Command.create(line) for line in lines],
        }

    @api.model
    def _promise_reminder_vals(self, date, company, promised, sequence):
        """The values of the promise reminders due on ``date``: for each customer of ``promised``
        ({customer id: its overdue rows under a valid promise}), its earliest valid promise whose
        date falls within the company's promise reminder days and that no letter reminded yet.
        Two queries whatever the number of customers."""
        days = company.credit_promise_reminder_days
        level = (
            days
            and promised
            and self.env["credit.reminder.level"]
            .with_context(active_test=False)
            .search([("promise_reminder", "=", True)], order="active desc, id", limit=1)
        )
        if not level:
            return []
        promises = (
            self.env["credit.payment.promise"]
            .sudo()
            .search(
                [
                    ("state", "=", "valid"),
                    ("company_id", "=", company.id),
                    ("partner_id", "in", list(promised)),
                    ("date", "<=", date),
                    ("promise_date", ">=", date),
                    ("promise_date", "<=", date + timedelta(days=days)),
                ],
                order="promise_date, id",
            )
        )
        reminded = {
            promise.id
            for [promise] in self.sudo()._read_group(
                [("promise_id", "in", promises.ids), ("state", "!=", "cancel")], ["promise_id"]
            )
        }
        vals_list, done = [], set()
        for promise in promises:
            partner_id = promise.partner_id.id
            if promise.id in reminded or partner_id in done:
                continue
            covered = set(promise.move_line_ids.ids)
            rows = [row for row in promised[partner_id] if row["line_id"] in covered]
            if not rows:
                continue
            done.add(partner_id)
            partner = self.env["res.partner"].with_company(company).browse(partner_id)
            vals = self._letter_vals(partner, rows, level, date, company, sequence, {})
            vals.update(
                {
                    "promise_id": promise.id,
                    "pay_by_date": promise.promise_date,
                    "days_overdue": max(row["days_overdue"] for row in rows),
                    "oldest_due_date": min(row["due_date"] for row in rows),
                }
            )
            vals_list.append(vals)
        return vals_list

    @api.model
    def _pre_due_items(self, items, company, overdue):
        """The courtesy reminder's level (level 0) and {customer id: its open invoices falling due
        within the company's reminder days}, for customers with nothing overdue, leaving out the
        documents a level-0 letter already covers. Nothing when the setting is zero. The level
        ships archived (the five letters of the policy are the active levels): the setting is the
        switch."""
        Level = self.env["credit.reminder.level"]
        days = company.credit_pre_due_days
        level = days and Level.with_context(active_test=False).search(
            [("sequence", "=", 0), ("promise_reminder", "=", False)], order="active desc, id", limit=1
        )
        if not level:
            return Level, {}
        coming = defaultdict(list)
        for item in items:
            if (
                item["partner_id"]
                and item["partner_id"] not in overdue
                and item["residual"] > 0
                and -days <= item["days_overdue"] <= 0
            ):
                coming[item["partner_id"]].append(item)
        if not coming:
            return level, {}
        reminded = {
            line.id
            for [line] in self.env["credit.reminder.line"]
            .sudo()
            ._read_group(
                [
                    ("move_line_id", "in", [item["line_id"] for rows in coming.values() for item in rows]),
                    ("reminder_id.level_sequence", "=", 0),
                    ("reminder_id.state", "!=", "cancel"),
                ],
                ["move_line_id"],
            )
        }
        coming = {
            partner_id: [row for row in rows if row["line_id"] not in reminded]
            for partner_id, rows in coming.items()
        }
        return level, {partner_id: rows for partner_id, rows in coming.items() if rows}

    @api.model
    def _last_sent_letters(self, company, partner_ids):
        """{customer id: its most recent sent letter in ``company``}, in one query."""
        if not partner_ids:
            return {}
        self.flush_model(["partner_id", "company_id", "state", "date", "level_sequence"])
        rows = self.env.execute_query(
            SQL(
                """
                SELECT DISTINCT ON (partner_id) partner_id, id
                  FROM credit_reminder
                 WHERE state = 'sent' AND company_id = %s AND partner_id = ANY(%s)
                   AND level_sequence > 0
                 ORDER BY partner_id, date DESC, id DESC
                """,
                company.id,
                partner_ids,
            )
        )
        letters = self.browse([letter_id for _partner_id, letter_id in rows])
        return {letter.partner_id.id: letter for letter in letters}

    # ------------------------------------------------------------------ letter text
    def _previous_letters(self):
        """The earlier letters of this letter's chain, oldest first."""
        self.ensure_one()
        letters = self.env["credit.reminder"]
        previous = self.previous_id
        while previous:
            letters = previous + letters
            previous = previous.previous_id
        return letters

    def _amount_in_words(self):
        self.ensure_one()
        if (self.env.lang or "").startswith("zh"):
            # Chinese letters write amounts in capital numerals (num2words has no Chinese), with
            # the currency's own unit (美元 for dollars); a currency without one is named by its code.
            code = self.currency_id.name
            unit = CN_CURRENCY_UNITS.get(code)
            if unit:
                return amount_in_chinese(self.amount_overdue, unit)
            return f"{code} {amount_in_chinese(self.amount_overdue)}"
        return self.currency_id.amount_to_text(self.amount_overdue)

    def _salutation(self):
        """The policy's 尊敬的 ___ 先生/女士: the addressee (the invoice contact) by name, with
        their title when known; a company or no contact at all gets Sir or Madam."""
        self.ensure_one()
        contact = self.contact_id
        if not contact or contact.is_company or contact == self.partner_id:
            return self.env._("Dear Sir or Madam,")
        title = contact.title.with_context(lang=self.env.lang)
        if title:
            return self.env._(
                "Dear %(title)s %(name)s,", title=title.shortcut or title.name, name=contact.name
            )
        return self.env._("Dear %(name)s,", name=contact.name)

    def _closing(self):
        """After the itemised documents, before the signature."""
        return self.env._("Yours faithfully,")

    def _letter_values(self):
        """The values a letter body may quote, formatted in the language of the environment."""
        self.ensure_one()
        lang = self.env.lang or "en_US"
        locale = babel_locale_parse(lang)
        previous = [
            format_date(self.env, letter.date, lang_code=lang, date_format="long")
            for letter in self._previous_letters()
        ]
        return {
            "partner": self.partner_id.name,
            "company": self.company_id.name,
            "amount": format_amount(self.env, self.amount_overdue, self.currency_id, lang_code=lang),
            "amount_words": self._amount_in_words(),
            "credit_term": str(self.credit_term_days),
            "days_late": str(self.days_overdue),
            "period": format_skeleton("yMMMM", self.oldest_due_date, locale=locale)
            if self.oldest_due_date
            else "",
            "previous_dates": format_list(previous, locale=locale) if previous else "",
            "pay_by": format_date(self.env, self.pay_by_date, lang_code=lang, date_format="long"),
            "law_firm": self.law_firm or "",
            "filing_date": format_date(self.env, self.filing_date, lang_code=lang, date_format="long"),
            "promised_amount": format_amount(
                self.env, self.promise_id.amount, self.currency_id, lang_code=lang
            )
            if self.promise_id
            else "",
        }

    def _letter_body(self):
        """The level's text in the environment's language with the letter's values filled in."""
        self.ensure_one()
        values = {name: escape(value) for name, value in self._letter_values().items()}
        body = self.level_id.with_context(lang=self.env.lang).body or ""
        return Markup(PLACEHOLDER_RE.sub(lambda match: values.get(match.group(1), match.group(0)), str(body)))


class CreditReminderReport(models.AbstractModel):
    _name = "report.customer_credit_management.credit_reminder_report"
    _description = "Collection Letter Report"

    @api.model
    def _get_report_values(self, docids, data=None):
        # Whatever the path (print menu, run, e-mail): a final demand never leaves without its
        # law firm and filing date.
        letters = self.env["credit.reminder"].browse(docids)
        letters._check_ready_to_send()
        return {"doc_ids": docids, "doc_model": "credit.reminder", "docs": letters}
