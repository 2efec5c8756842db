import base64
import io
import re
from datetime import timedelta

import xlsxwriter
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

# Set by the statement's own computation, sending and answer: never written by a caller.
PROTECTED_FIELDS = {
    "state",
    "sent_date",
    "response_date",
    "response_signature",
    "response_channel",
    "opening_balance",
    "invoiced_amount",
    "credited_amount",
    "paid_amount",
    "closing_balance",
    "overdue_amount",
    "interest_amount",
    "xlsx_file",
}

# Fields of the statement's spreadsheet per open item: the export counts them.
XLSX_ITEM_FIELDS = 8


class CreditStatement(models.Model):
    """A statement of account (对账单) sent to a customer for a period: the period's movements
    and the documents open at its end with their aging, and the customer's answer."""

    _name = "credit.statement"
    _description = "Statement of Account"
    _inherit = ["mail.thread", "mail.activity.mixin", "portal.mixin", "customer.access.logged.mixin"]
    _order = "date_to desc, id desc"
    _check_company_auto = True

    name = fields.Char(string="Number", readonly=True, copy=False, default="/")
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        ondelete="cascade",
        tracking=True,
        check_company=True,
        help="The commercial entity the statement is addressed to.",
    )
    contact_id = fields.Many2one(
        "res.partner", string="Addressee", help="The customer's invoice contact: it receives the e-mail."
    )
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related="company_id.currency_id")
    date_from = fields.Date(
        string="From",
        required=True,
        default=lambda self: self._default_period(fields.Date.context_today(self))[0],
        help="First day of the statement's period.",
    )
    date_to = fields.Date(
        string="To",
        required=True,
        default=lambda self: self._default_period(fields.Date.context_today(self))[1],
        help="Last day of the period: the open items are those of this day.",
    )
    bucket_set_id = fields.Many2one(
        "credit.aging.bucket.set",
        string="Aging Buckets",
        required=True,
        default=lambda self: self.env["credit.aging.bucket.set"].search([], limit=1),
    )
    opening_balance = fields.Monetary(readonly=True, help="Open receivables the day before the period.")
    invoiced_amount = fields.Monetary(string="Invoices", readonly=True)
    credited_amount = fields.Monetary(string="Credit Notes", readonly=True)
    paid_amount = fields.Monetary(
        string="Payments and Other",
        readonly=True,
        help="Payments and other receivable entries of the period.",
    )
    closing_balance = fields.Monetary(readonly=True, help="Open receivables at the end of the period.")
    overdue_amount = fields.Monetary(readonly=True, help="Part of the closing balance past its due date.")
    interest_amount = fields.Monetary(
        string="Late-Payment Interest",
        readonly=True,
        help="Interest on the overdue items at the period's end.",
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("sent", "Sent"),
            ("confirmed", "Confirmed"),
            ("disputed", "Disputed"),
        ],
        default="draft",
        required=True,
        readonly=True,
        tracking=True,
        copy=False,
    )
    sent_date = fields.Date(readonly=True, copy=False)
    response_name = fields.Char(
        string="Answered By", tracking=True, copy=False, help="Name of the customer's person who answered."
    )
    response_date = fields.Datetime(string="Answered On", readonly=True, copy=False)
    response_signature = fields.Image(
        string="Signature", readonly=True, copy=False, attachment=True, max_width=1024, max_height=1024
    )
    response_note = fields.Text(
        string="Customer's Remarks", copy=False, help="What the customer disagrees with, or remarks."
    )
    response_channel = fields.Selection(
        [("accountant", "Recorded by an accountant"), ("portal", "Customer portal")],
        readonly=True,
        copy=False,
    )
    xlsx_file = fields.Binary(string="Spreadsheet", readonly=True, attachment=True, copy=False)
    xlsx_filename = fields.Char(readonly=True, copy=False)

    _sql_constraints = [
        ("period_order", "CHECK(date_from <= date_to)", "A statement's period must start before it ends."),
    ]

    # ------------------------------------------------------------------ basics
    @api.model_create_multi
    def create(self, vals_list):
        self.env["credit.reminder"]._check_collection_access()
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = self.env["ir.sequence"].next_by_code("credit.statement") or "/"
        statements = super().create(vals_list)
        for statement in statements:
            if statement.partner_id != statement.partner_id.commercial_partner_id:
                statement.partner_id = statement.partner_id.commercial_partner_id
            if not statement.contact_id:
                statement.contact_id = statement.partner_id.address_get(["invoice"])["invoice"]
        statements._update_amounts()
        return statements

    def write(self, vals):
        self.env["credit.reminder"]._check_collection_access()
        computed = PROTECTED_FIELDS & set(vals)
        if computed and not self.env.su:
            raise UserError(
                self.env._(
                    "These fields of a statement of account are set by its computation, sending and "
                    "answer only: %(fields)s.",
                    fields=", ".join(sorted(computed)),
                )
            )
        frozen = {"partner_id", "company_id", "date_from", "date_to", "bucket_set_id"} & set(vals)
        if frozen and any(statement.state != "draft" for statement in self):
            raise UserError(self.env._("A sent statement of account cannot change its customer or period."))
        result = super().write(vals)
        if frozen:
            self._update_amounts()
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_only_draft(self):
        if any(statement.state != "draft" for statement in self):
            raise UserError(self.env._("A sent statement of account cannot be deleted."))

    def _compute_access_url(self):
        result = super()._compute_access_url()
        for statement in self:
            statement.access_url = f"/my/statements/{statement.id}"
        return result

    @api.depends("name", "partner_id")
    def _compute_display_name(self):
        for statement in self:
            statement.display_name = f"{statement.name} {statement.partner_id.name or ''}".strip()

    # ------------------------------------------------------------------ content
    def _statement_data(self):
        """Everything the PDF, the spreadsheet and the stored totals show, in company currency:
        the open items at the period's end with their aging and interest (the receivables query),
        the balance the day before the period (the same query), and the period's movements."""
        self.ensure_one()
        company = self.company_id
        currency = company.currency_id
        Receivable = self.env["credit.receivable"]
        bucket_set = self.bucket_set_id.sudo()
        buckets = bucket_set._ordered_buckets()
        items = Receivable.get_open_items(
            self.date_to,
            company,
            partner_ids=self.partner_id.ids,
            bucket_limits=bucket_set._bucket_limits(),
        )
        opening_items = Receivable.get_open_items(
            self.date_from - timedelta(days=1), company, partner_ids=self.partner_id.ids
        )
        interest = self.env["credit.interest"]._interest_by_line(items, self.date_to, company)
        for item in items:
            item["interest_days"], item["interest"] = interest.get(item["line_id"], (0, 0.0))
            item["bucket_name"] = buckets[item["bucket"] - 1].name
        bucket_totals = [
            currency.round(sum(item["residual"] for item in items if item["bucket"] == index))
            for index in range(1, len(buckets) + 1)
        ]
        movements = self._movements()
        totals = {
            kind: currency.round(sum(m["amount"] for m in movements if m["kind"] == kind))
            for kind in ("invoice", "refund", "payment")
        }
        return {
            "items": items,
            "bucket_names": buckets.mapped("name"),
            "bucket_totals": bucket_totals,
            "movements": movements,
            "opening_balance": currency.round(sum(item["residual"] for item in opening_items)),
            "invoiced": totals["invoice"],
            "credited": totals["refund"],
            "paid": totals["payment"],
            "closing_balance": currency.round(sum(item["residual"] for item in items)),
            "overdue": currency.round(sum(item["residual"] for item in items if item["days_overdue"] > 0)),
            "interest": currency.round(sum(item["interest"] for item in items)),
            "interest_rate": company.credit_interest_rate if interest else 0.0,
            "interest_basis": company.credit_interest_basis,
        }

    def _movements(self):
        """The customer's receivable entries dated in the period, in date order: invoices, credit
        notes and payments (with any other receivable entry)."""
        self.ensure_one()
        lines = (
            self.env["account.move.line"]
            .sudo()
            .search_fetch(
                [
                    ("account_id.account_type", "=", "asset_receivable"),
                    ("parent_state", "=", "posted"),
                    ("company_id", "=", self.company_id.id),
                    ("partner_id.commercial_partner_id", "=", self.partner_id.id),
                    ("date", ">=", self.date_from),
                    ("date", "<=", self.date_to),
                ],
                ["date", "move_name", "move_type", "balance", "ref", "date_maturity"],
                order="date, move_name, id",
            )
        )
        kinds = {"out_invoice": "invoice", "out_receipt": "invoice", "out_refund": "refund"}
        return [
            {
                "date": line.date,
                "name": line.move_name,
                "ref": line.ref or "",
                "kind": kinds.get(line.move_type, "payment"),
                "due_date": line.date_maturity if line.move_type in kinds else False,
                "amount": line.balance,
            }
            for line in lines
        ]

    def _movement_labels(self):
        return {
            "invoice": self.env._("Invoice"),
            "refund": self.env._("Credit Note"),
            "payment": self.env._("Payment"),
        }

    def _update_amounts(self):
        for statement in self:
            data = statement._statement_data()
            statement.sudo().write(
                {
                    "opening_balance": data["opening_balance"],
                    "invoiced_amount": data["invoiced"],
                    "credited_amount": data["credited"],
                    "paid_amount": data["paid"],
                    "closing_balance": data["closing_balance"],
                    "overdue_amount": data["overdue"],
                    "interest_amount": data["interest"],
                }
            )

    # ------------------------------------------------------------------ actions
    def action_refresh(self):
        if any(statement.state != "draft" for statement in self):
            raise UserError(self.env._("Only a draft statement of account is computed again."))
        self.env["credit.reminder"]._check_collection_access()
        self._update_amounts()
        return True

    def action_print(self):
        return self.env.ref("customer_credit_management.credit_statement_report_action").report_action(self)

    def action_send(self):
        """The mail composer with the statement's PDF; sending the mail marks it sent."""
        self.ensure_one()
        self.env["credit.reminder"]._check_collection_access()
        template = self.env.ref("customer_credit_management.mail_template_credit_statement")
        return {
            "type": "ir.actions.act_window",
            "res_model": "mail.compose.message",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                "default_model": self._name,
                "default_res_ids": self.ids,
                "default_template_id": template.id,
                "default_composition_mode": "comment",
                "default_email_layout_xmlid": "mail.mail_notification_light",
                "mark_statement_sent": True,
                "force_email": True,
            },
        }

    def message_post(self, **kwargs):
        # Sent from the composer opened by "Send": the statement is sent with its mail.
        if self.env.context.get("mark_statement_sent"):
            self.filtered(lambda statement: statement.state == "draft").action_mark_sent()
        return super().message_post(**kwargs)

    def action_mark_sent(self):
        self.env["credit.reminder"]._check_collection_access()
        drafts = self.filtered(lambda statement: statement.state == "draft")
        drafts.sudo().write({"state": "sent", "sent_date": fields.Date.context_today(self)})
        return True

    def _send_by_email(self):
        """E-mail sent statements' PDF to their invoice contact through the mail queue (batch)."""
        template = self.env.ref("customer_credit_management.mail_template_credit_statement")
        for statement in self.filtered(lambda statement: statement.contact_id.email):
            statement.message_post_with_source(
                template, message_type="comment", subtype_xmlid="mail.mt_comment", force_send=False
            )
        self.action_mark_sent()

    def _record_response(self, state, name, note=False, signature=False, channel="accountant"):
        if any(statement.state not in ("sent", "confirmed", "disputed") for statement in self):
            raise UserError(self.env._("Only a sent statement of account can be confirmed or disputed."))
        if not (name or "").strip():
            raise UserError(self.env._("Enter the name of the customer's person who answered."))
        if state == "disputed" and not (note or "").strip():
            raise UserError(self.env._("Write down what the customer disagrees with."))
        vals = {
            "state": state,
            "response_name": name.strip(),
            "response_date": fields.Datetime.now(),
            "response_channel": channel,
            "response_note": note or False,
        }
        if signature:
            vals["response_signature"] = signature
        self.sudo().write(vals)
        for statement in self:
            statement.message_post(
                body=self.env._(
                    "%(state)s by %(name)s.",
                    state=dict(self._fields["state"]._description_selection(self.env))[state],
                    name=name.strip(),
                )
            )
        return True

    def action_record_confirmation(self):
        """The accountant records the customer's confirmation (name in "Answered By")."""
        self.env["credit.reminder"]._check_collection_access()
        for statement in self:
            statement._record_response("confirmed", statement.response_name, statement.response_note)
        return True

    def action_record_dispute(self):
        """The accountant records the customer's disagreement (name and remarks)."""
        self.env["credit.reminder"]._check_collection_access()
        for statement in self:
            statement._record_response("disputed", statement.response_name, statement.response_note)
        return True

    def action_export_xlsx(self):
        self.ensure_one()
        data = self._statement_data()
        # An export of the customer's data: the same control and log as the aging's spreadsheet.
        field_count = XLSX_ITEM_FIELDS
        self.env["res.partner"]._check_customer_export(self.partner_id, field_count)
        content = self._xlsx_content(data)
        self.env["customer.access.policy"]._log_access(
            self.partner_id, "export", document=self, export_counts=(len(data["items"]), field_count)
        )
        name = re.sub(r"[^\w-]+", "_", self.name).strip("_")
        self.sudo().write({"xlsx_file": base64.b64encode(content), "xlsx_filename": f"Statement_{name}.xlsx"})
        return {
            "type": "ir.actions.act_url",
            "target": "self",
            "url": f"/web/content?model={self._name}&id={self.id}&field=xlsx_file"
            "&filename_field=xlsx_filename&download=true",
        }

    def _xlsx_content(self, data):
        """The spreadsheet in the customer's language: a summary, the movements, the open items."""
        self = self.with_context(lang=self.partner_id.lang or self.env.lang)
        output = io.BytesIO()
        workbook = xlsxwriter.Workbook(output, {"in_memory": True, "default_date_format": "yyyy-mm-dd"})
        money_format = self.env["credit.aging.wizard"]._xlsx_money_format(self.currency_id)
        header = workbook.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1})
        money = workbook.add_format({"num_format": money_format})
        bold_money = workbook.add_format({"num_format": money_format, "bold": True})
        date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
        try:
            sheet = workbook.add_worksheet(self.env._("Statement"))
            sheet.set_column(0, 0, 30)
            sheet.set_column(1, 1, 18)
            sheet.write_string(0, 0, self.env._("Statement of Account"), header)
            sheet.write_string(0, 1, self.name)
            sheet.write_string(1, 0, self.env._("Customer"))
            sheet.write_string(1, 1, self.partner_id.name)
            sheet.write_string(2, 0, self.env._("Period"))
            sheet.write_string(2, 1, f"{self.date_from.isoformat()} – {self.date_to.isoformat()}")
            summary = [
                (self.env._("Opening Balance"), data["opening_balance"]),
                (self.env._("Invoices"), data["invoiced"]),
                (self.env._("Credit Notes"), data["credited"]),
                (self.env._("Payments and Other"), data["paid"]),
                (self.env._("Closing Balance"), data["closing_balance"]),
                (self.env._("Overdue"), data["overdue"]),
                (self.env._("Late-Payment Interest"), data["interest"]),
            ]
            for row, (label, amount) in enumerate(summary, start=4):
                sheet.write_string(row, 0, label)
                sheet.write_number(row, 1, amount, bold_money)
            row = len(summary) + 5
            sheet.write_row(row, 0, [self.env._("Aging"), *data["bucket_names"]], header)
            sheet.write_string(row + 1, 0, self.env._("Open Items"))
            for column, amount in enumerate(data["bucket_totals"], start=1):
                sheet.write_number(row + 1, column, amount, money)

            movements = workbook.add_worksheet(self.env._("Movements"))
            movements.set_column(0, 4, 16)
            movements.write_row(
                0,
                0,
                [
                    self.env._("Date"),
                    self.env._("Document"),
                    self.env._("Type"),
                    self.env._("Due Date"),
                    self.env._("Amount"),
                ],
                header,
            )
            labels = self._movement_labels()
            for row, movement in enumerate(data["movements"], start=1):
                movements.write_datetime(row, 0, movement["date"], date_format)
                movements.write_string(row, 1, movement["name"] or "")
                movements.write_string(row, 2, labels[movement["kind"]])
                if movement["due_date"]:
                    movements.write_datetime(row, 3, movement["due_date"], date_format)
                movements.write_number(row, 4, movement["amount"], money)

            open_items = workbook.add_worksheet(self.env._("Open Items"))
            open_items.set_column(0, XLSX_ITEM_FIELDS - 1, 16)
            open_items.write_row(
                0,
                0,
                [
                    self.env._("Document"),
                    self.env._("Invoice Date"),
                    self.env._("Due Date"),
                    self.env._("Days Overdue"),
                    self.env._("Bucket"),
                    self.env._("Amount Due"),
                    self.env._("Interest Days"),
                    self.env._("Interest"),
                ],
                header,
            )
            for row, item in enumerate(data["items"], start=1):
                open_items.write_string(row, 0, item["move_name"] or "")
                open_items.write_datetime(row, 1, item["invoice_date"], date_format)
                open_items.write_datetime(row, 2, item["due_date"], date_format)
                open_items.write_number(row, 3, item["days_overdue"])
                open_items.write_string(row, 4, item["bucket_name"])
                open_items.write_number(row, 5, item["residual"], money)
                open_items.write_number(row, 6, item["interest_days"])
                open_items.write_number(row, 7, item["interest"], money)
        finally:
            workbook.close()
        return output.getvalue()

    # ------------------------------------------------------------------ schedule
    @api.model
    def _cron_send_monthly_statements(self):
        """On the first days of a month: create, and e-mail, last month's statement of every
        customer on a monthly schedule that had receivables in it (once per customer and month)."""
        today = fields.Date.context_today(self)
        date_to = today.replace(day=1) - timedelta(days=1)
        date_from = date_to.replace(day=1)
        partners = self.env["res.partner"].sudo().search([("credit_statement_schedule", "=", "monthly")])
        for company in self.env["res.company"].sudo().search([]):
            done = {
                partner.id
                for [partner] in self.sudo()._read_group(
                    [
                        ("company_id", "=", company.id),
                        ("date_to", "=", date_to),
                        ("partner_id", "in", partners.ids),
                    ],
                    ["partner_id"],
                )
            }
            balances = self.env["credit.receivable"].get_aging_by_partner(
                date_to, company, partner_ids=[pid for pid in partners.ids if pid not in done]
            )
            due = [row["partner_id"] for row in balances if row["partner_id"] and row["total"]]
            if not due:
                continue
            statements = self.sudo().create(
                [
                    {"partner_id": pid, "company_id": company.id, "date_from": date_from, "date_to": date_to}
                    for pid in due
                ]
            )
            statements._send_by_email()
        return True

    @api.model
    def _default_period(self, today):
        """Last month: the period of a statement made on ``today``."""
        first = today.replace(day=1)
        return first - relativedelta(months=1), first - timedelta(days=1)

    @api.model
    def _last_sent_statements(self, company, partner_ids):
        """{customer id: its most recent sent (or answered) statement in ``company``}, in one query."""
        if not partner_ids:
            return {}
        self.flush_model(["partner_id", "company_id", "state", "date_to"])
        rows = self.env.execute_query(
            SQL(
                """
                SELECT DISTINCT ON (partner_id) partner_id, id
                  FROM credit_statement
                 WHERE state != 'draft' AND company_id = %s AND partner_id = ANY(%s)
                 ORDER BY partner_id, date_to DESC, id DESC
                """,
                company.id,
                list(partner_ids),
            )
        )
        statements = self.browse([statement_id for _partner_id, statement_id in rows])
        return {statement.partner_id.id: statement for statement in statements}
