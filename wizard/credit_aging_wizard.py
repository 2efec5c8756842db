import io
import json
import re
from contextlib import closing
from itertools import chain, islice
from operator import itemgetter

from odoo import api, fields, models
from odoo.exceptions import RedirectWarning, UserError
from odoo.tools import SQL

from ..tools.xlsx_row_stream import RowStreamWorkbook
from .credit_aging_line import BUCKET_FIELDS

FULL_SCOPE_GROUPS = (
    "account.group_account_invoice",
    "customer_credit_management.group_credit_manager",
    "sales_team.group_sale_salesman_all_leads",
)

# Columns of the summary sheet besides the buckets: customer, salesperson, grade, total, overdue, %.
XLSX_SUMMARY_FIELDS = 6

XLSX_DETAIL_COLUMNS = [
    "partner_name",
    "move_name",
    "invoice_date",
    "due_date",
    "days_overdue",
    "bucket",
    "residual",
    "currency_id",
    "residual_currency",
]


class CreditAgingWizard(models.TransientModel):
    _name = "credit.aging.wizard"
    _description = "Receivables Aging"

    date_as_of = fields.Date(
        string="As of",
        required=True,
        default=fields.Date.context_today,
        help="Receivables as they stood at the end of this day: later invoices, payments and "
        "reconciliations are ignored.",
    )
    company_ids = fields.Many2many(
        "res.company",
        string="Companies",
        required=True,
        default=lambda self: self.env.companies,
        domain=lambda self: [("id", "in", self.env.user.company_ids.ids)],
    )
    partner_ids = fields.Many2many(
        "res.partner", string="Customers", help="Leave empty for every customer in scope."
    )
    user_ids = fields.Many2many("res.users", string="Salespeople", help="Salespeople of the customers.")
    grade_ids = fields.Many2many("credit.grade", string="Credit Grades")
    basis = fields.Selection(
        [("due_date", "Due Date"), ("invoice_date", "Invoice Date")],
        string="Aging Basis",
        required=True,
        default="due_date",
        help="Age documents by days past their due date, or by days since their invoice date.",
    )
    bucket_set_id = fields.Many2one(
        "credit.aging.bucket.set",
        string="Buckets",
        required=True,
        default=lambda self: self.env["credit.aging.bucket.set"].search([], limit=1),
    )
    show_details = fields.Boolean(
        help="List every open document under its customer (PDF) and on a Details sheet (XLSX).",
    )
    include_on_hold = fields.Boolean(
        string="Include Customers on Credit Hold",
        default=True,
    )
    own_customers_only = fields.Boolean(compute="_compute_own_customers_only")
    leave_out_unexportable = fields.Boolean(
        string="Leave Out Customers I May Not Export",
        help="The spreadsheet leaves out the customers above your clearance that no export grant covers.",
    )
    line_ids = fields.One2many("credit.aging.line", "wizard_id", string="Lines")
    # In the filestore, not on the wizard's row: /web/content streams the file from there to the
    # download (the wizard's read access applies), and the row never carries megabytes of base64.
    xlsx_file = fields.Binary(string="Spreadsheet", readonly=True, attachment=True)
    xlsx_filename = fields.Char(readonly=True)

    def _compute_own_customers_only(self):
        self.own_customers_only = self._is_restricted_to_own_customers()

    @api.model
    def _is_restricted_to_own_customers(self):
        # Whoever is neither accountant, credit manager nor sales manager sees only the
        # customers they are the salesperson of, whatever the form says.
        user = self.env.user
        return not any(user.has_group(group) for group in FULL_SCOPE_GROUPS)

    # ------------------------------------------------------------------ scope
    def _scope_companies(self):
        self.ensure_one()
        companies = self.company_ids & self.env.user.company_ids
        if not companies:
            raise UserError(self.env._("Choose at least one of your companies."))
        if len(companies.currency_id) > 1:
            raise UserError(
                self.env._(
                    "The companies %(companies)s keep their books in different currencies: run the "
                    "aging for companies sharing one currency.",
                    companies=", ".join(companies.mapped("name")),
                )
            )
        return companies

    def _scope_filters(self, partner_ids=None):
        self.ensure_one()
        if partner_ids is None and self.partner_ids:
            partner_ids = self.partner_ids.commercial_partner_id.ids
        user_ids = self.user_ids.ids or None
        if self._is_restricted_to_own_customers():
            user_ids = [self.env.uid] if not self.user_ids or self.env.user in self.user_ids else []
        return {
            "basis": self.basis,
            "partner_ids": partner_ids,
            "user_ids": user_ids,
            "grade_ids": self.grade_ids.ids or None,
            "exclude_on_hold": not self.include_on_hold,
        }

    def _query_filters(self):
        return {"bucket_limits": self.bucket_set_id._bucket_limits(), **self._scope_filters()}

    # ------------------------------------------------------------------- data
    def _aging_data(self, with_items=False, export=False):
        """Everything the screen, the PDF and the XLSX show, from one computation.

        Customers the user may not read are left out of all three; the spreadsheet, an export,
        also refuses (or leaves out) those the user may not export."""
        self.ensure_one()
        self.bucket_set_id._check_buckets()
        buckets = self.bucket_set_id._ordered_buckets()
        companies = self._scope_companies()
        currency = companies.currency_id
        Receivable = self.env["credit.receivable"]
        # Customers the user may not read are marked by the query itself, which saves sending
        # it back thousands of ids (the access rule's own test, ``customer_access_ok``).
        readable = (
            self.env["res.partner"]
            .with_context(active_test=False)
            ._search([("customer_access_ok", "=", True)])
        )
        rows = Receivable.get_aging_by_partner(
            self.date_as_of, companies, **self._query_filters(), readable=readable.subselect()
        )
        left_out = {row["partner_id"] for row in rows if not row["readable"]}
        if export:
            left_out |= self._unexportable_customers(rows, left_out, len(buckets))
        rows = [row for row in rows if row["partner_id"] not in left_out]
        items = []
        if with_items:
            items = Receivable.get_open_items(self.date_as_of, companies, **self._query_filters())
            items = [item for item in items if item["partner_id"] not in left_out]
        keys = [*BUCKET_FIELDS[: len(buckets)], "total", "overdue"]
        totals = {key: currency.round(sum(map(itemgetter(key), rows))) for key in keys}
        # Of what the customers who owe owe, the overdue part: credit balances of other customers
        # would push a plain overdue / total beyond 100 %.
        owing = [row for row in rows if row["total"] > 0]
        totals["overdue_percent"] = self._percent(
            sum(min(max(row["overdue"], 0.0), row["total"]) for row in owing),
            sum(row["total"] for row in owing),
        )
        unknown = self.env._("Unknown Customer")
        users = self.env["res.users"].browse({row["user_id"] for row in rows if row["user_id"]})
        grades = self.env["credit.grade"].browse({row["grade_id"] for row in rows if row["grade_id"]})
        user_names = dict(zip(users.ids, users.mapped("name"), strict=True))
        grade_codes = dict(zip(grades.ids, grades.mapped("code"), strict=True))
        for row in rows:
            row["partner_name"] = row["partner_name"] or unknown
            row["user_name"] = user_names.get(row["user_id"], "")
            row["grade_code"] = grade_codes.get(row["grade_id"], "")
            row["overdue_percent"] = self._percent(row["overdue"], row["total"])
        for item in items:
            item["partner_name"] = item["partner_name"] or unknown
        return {
            "date": self.date_as_of,
            "companies": companies,
            "currency": currency,
            "bucket_names": buckets.mapped("name"),
            "bucket_fields": BUCKET_FIELDS[: len(buckets)],
            "rows": rows,
            "totals": totals,
            "items": items,
            "left_out": left_out,
            "left_out_note": self._left_out_note(left_out),
        }

    def _unexportable_customers(self, rows, left_out, bucket_count):
        """Ids of the readable customers among ``rows`` the user may not export: refused by name
        unless the user chose to leave them out."""
        policy = self.env["customer.access.policy"]
        partners = self.env["res.partner"].browse(
            {row["partner_id"] for row in rows if row["partner_id"]} - left_out
        )
        refused = policy._export_refused(partners)
        if refused and not self.leave_out_unexportable:
            policy._log_export_refused(refused, len(partners), bucket_count + XLSX_SUMMARY_FIELDS)
            raise RedirectWarning(
                self.env._(
                    "You may not export these customers, their confidentiality level is above your "
                    "clearance: %(customers)s. Request export access, or export without them.",
                    customers=", ".join(refused.mapped("display_name")),
                ),
                self.env.ref("customer_credit_management.credit_aging_export_leaving_out_action").id,
                self.env._("Export Without Them"),
                {"active_model": self._name, "active_id": self.id, "active_ids": self.ids},
            )
        return set(refused.ids)

    def _customer_access_partners(self):
        """The customers a printed aging shows: the print is logged for them."""
        rows = self._aging_data()["rows"]
        return self.env["res.partner"].browse({row["partner_id"] for row in rows if row["partner_id"]})

    def _left_out_note(self, left_out):
        if not left_out:
            return ""
        return self.env._("%(count)s customers above your clearance left out", count=len(left_out))

    @api.model
    def _percent(self, part, whole):
        """The overdue share of a balance: none for a credit balance, at most 100 %."""
        if whole <= 0:
            return 0.0
        return round(100.0 * min(max(part, 0.0), whole) / whole, 1)

    # ---------------------------------------------------------------- outputs
    def action_view_aging(self):
        self.ensure_one()
        data = self._aging_data()
        currency = data["currency"]
        bucket_fields = data["bucket_fields"]
        values = [
            (
                row["partner_id"],
                row["partner_name"],
                row["user_id"],
                row["grade_id"],
                # Sums of amounts stored at the currency's precision: already rounded.
                *(row[fname] for fname in [*bucket_fields, "total", "overdue"]),
                row["overdue_percent"],
                row["blocked"],
                row["promised"],
            )
            for row in data["rows"]
        ]
        if data["left_out"]:
            values.append((None, data["left_out_note"], None, None, *[None] * (len(bucket_fields) + 5)))
        columns = ["partner_id", "partner_name", "user_id", "grade_id", *bucket_fields]
        self._replace_lines(
            currency, [*columns, "total", "overdue", "overdue_percent", "blocked", "promised"], values
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Receivables Aging on %(date)s", date=self.date_as_of),
            "res_model": "credit.aging.line",
            "view_mode": "list",
            "views": [(self.bucket_set_id._aging_list_view().id, "list")],
            "search_view_id": [self.env.ref("customer_credit_management.credit_aging_line_view_search").id],
            "domain": [("wizard_id", "=", self.id)],
            "target": "current",
        }

    def _replace_lines(self, currency, columns, values):
        """Replace the screen's lines by ``values`` (tuples of ``columns``, amounts in
        ``currency``) in two statements: the ORM took about 2 s to create the 5,000 lines of a
        large book one by one. The access checks of the ORM's unlink and create apply, the access
        rules evaluated in SQL rather than record by record, and the caches forget the old lines."""
        Line = self.env["credit.aging.line"]
        self.check_access("write")
        Line.check_access("unlink")
        Line.check_access("create")
        self.env.flush_all()
        self.env.execute_query(SQL("DELETE FROM credit_aging_line WHERE wizard_id = %s", self.id))
        line_ids = []
        if values:
            types = {"partner_name": "varchar", "partner_id": "int4", "user_id": "int4", "grade_id": "int4"}
            rows = self.env.execute_query(
                SQL(
                    """
                    INSERT INTO credit_aging_line (wizard_id, currency_id, create_uid, create_date,
                                                   write_uid, write_date, %(columns)s)
                    SELECT %(wizard)s, %(currency)s, %(uid)s, %(now)s, %(uid)s, %(now)s, %(columns)s
                      FROM jsonb_to_recordset(%(rows)s) AS line(%(definition)s)
                    RETURNING id
                    """,
                    columns=SQL(", ").join(SQL.identifier(column) for column in columns),
                    definition=SQL(", ").join(
                        SQL("%s %s", SQL.identifier(column), SQL(types.get(column, "numeric")))
                        for column in columns
                    ),
                    rows=json.dumps([dict(zip(columns, row, strict=True)) for row in values]),
                    wizard=self.id,
                    currency=currency.id,
                    uid=self.env.uid,
                    now=self.env.cr.now(),
                )
            )
            line_ids = [line_id for (line_id,) in rows]
        Line.invalidate_model()
        self.invalidate_recordset(["line_ids"])
        # The access rules on the new lines, as the ORM's create checks them.
        lines = Line.browse(line_ids)
        if domain := self.env["ir.rule"]._compute_domain(Line._name, "create"):
            (lines - Line.sudo().search([("id", "in", line_ids), *domain])).check_access("create")

    def action_print_pdf(self):
        self.ensure_one()
        return self.env.ref("customer_credit_management.credit_aging_report_action").report_action(self)

    def action_export_xlsx_leaving_out(self):
        """Export again without the customers the user may not export."""
        self.leave_out_unexportable = True
        return self.action_export_xlsx()

    def action_export_xlsx(self):
        self.ensure_one()
        data = self._aging_data(export=True)
        company_name = re.sub(r"[^\w-]+", "_", data["companies"][0].name).strip("_")
        self._store_xlsx_file(self._xlsx_content(data))
        self.xlsx_filename = f"Aging_{company_name}_{self.date_as_of.isoformat()}.xlsx"
        return {
            "type": "ir.actions.act_url",
            "target": "self",
            "url": f"/web/content?model={self._name}&id={self.id}&field=xlsx_file"
            "&filename_field=xlsx_filename&download=true",
        }

    def _store_xlsx_file(self, content):
        """Store ``content`` as the attachment of ``xlsx_file``, as writing the field does, but
        from the bytes: through the field the file is encoded in base64 and decoded three times
        (0.85 s for the 79 MB of a 2,000,000-line book). The attachment is written in sudo, as the
        field writes it, once the user's write access to the wizard is checked."""
        self.check_access("write")
        Attachment = self.env["ir.attachment"].sudo()
        domain = [("res_model", "=", self._name), ("res_id", "=", self.id), ("res_field", "=", "xlsx_file")]
        Attachment.search(domain).unlink()
        Attachment.create(
            {
                "name": "xlsx_file",
                "res_model": self._name,
                "res_id": self.id,
                "res_field": "xlsx_file",
                "raw": content,
            }
        )
        self.invalidate_recordset(["xlsx_file"])

    @api.model
    def _xlsx_money_format(self, currency):
        number = "#,##0" + ("." + "0" * currency.decimal_places if currency.decimal_places else "")
        symbol = '"{}"'.format(currency.symbol.replace('"', ""))
        return f"{symbol}{number}" if currency.position == "before" else f"{number} {symbol}"

    def _xlsx_content(self, data):
        # The spreadsheet is an export of customer data: same control and log as the list export.
        partners = self.env["res.partner"].browse(
            {row["partner_id"] for row in data["rows"] if row["partner_id"]}
        )
        field_count = len(data["bucket_fields"]) + XLSX_SUMMARY_FIELDS
        self.env["res.partner"]._check_customer_export(partners, field_count)
        output = io.BytesIO()
        # Rows are streamed to temporary files: the memory stays flat however many documents
        # the details sheet holds.
        workbook = RowStreamWorkbook(output, {"default_date_format": "yyyy-mm-dd"})
        try:
            self._xlsx_write(workbook, data)
        finally:
            workbook.close()
        self.env["customer.access.log"]._log_access(
            partners, "export", export_counts=(len(partners), field_count)
        )
        return output.getvalue()

    def _xlsx_write(self, workbook, data):
        header = workbook.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1})
        money = workbook.add_format({"num_format": self._xlsx_money_format(data["currency"])})
        money_total = workbook.add_format(
            {"num_format": self._xlsx_money_format(data["currency"]), "bold": True, "top": 1}
        )
        bold = workbook.add_format({"bold": True, "top": 1})
        percent = workbook.add_format({"num_format": "0.0"})
        bucket_fields = data["bucket_fields"]

        summary = workbook.add_worksheet(self.env._("Summary"))
        headers = [
            self.env._("Customer"),
            self.env._("Salesperson"),
            self.env._("Credit Grade"),
            *data["bucket_names"],
            self.env._("Total"),
            self.env._("Overdue"),
            self.env._("Overdue (%)"),
        ]
        summary.set_column(0, 0, 36)
        summary.set_column(1, 1, 22)
        summary.set_column(2, 2, 12)
        summary.set_column(3, len(headers) - 2, 16, money)
        summary.write_row(0, 0, headers, header)
        summary.freeze_panes(1, 1)
        amount_keys = [*bucket_fields, "total", "overdue"]
        # An empty salesperson or grade is a blank cell (for the autofilter), not an empty string.
        row_index = summary.write_rows(
            1,
            [("string", None)] * 3 + [("number", money)] * len(amount_keys) + [("number", percent)],
            (
                (
                    row["partner_name"],
                    row["user_name"],
                    row["grade_code"],
                    *(row[key] for key in amount_keys),
                    row["overdue_percent"],
                )
                for row in data["rows"]
            ),
        )
        summary.autofilter(0, 0, max(row_index, 1), len(headers) - 1)
        totals = data["totals"]
        total_row = row_index + 1
        summary.write_string(total_row, 0, self.env._("Total"), bold)
        for column, key in enumerate([*bucket_fields, "total", "overdue"], start=3):
            summary.write_number(total_row, column, totals[key], money_total)
        summary.write_number(total_row, len(headers) - 1, totals["overdue_percent"], percent)
        if data["left_out_note"]:
            summary.write_string(total_row + 2, 0, data["left_out_note"])

        if not self.show_details:
            return
        columns = [
            ("string", None),
            ("string", None),
            ("date", None),
            ("date", None),
            ("number", None),
            ("string", None),
            ("number", money),
            ("string", None),
            ("number", None),
        ]
        # A worksheet holds 1,048,576 rows: a larger book goes on to "Details (2)" and so on.
        with closing(self._xlsx_detail_rows(data)) as stream:
            rows, number = iter(stream), 1
            while True:
                name = self.env._("Details")
                if number > 1:
                    name = self.env._("Details (%(number)s)", number=number)
                details = self._xlsx_details_sheet(workbook, name, header, money)
                capacity = self._xlsx_rows_per_sheet(details)
                row_index = details.write_rows(1, columns, islice(rows, capacity))
                details.autofilter(0, 0, row_index, len(columns) - 1)
                following = next(rows, None) if row_index == capacity else None
                if following is None:
                    break
                rows, number = chain([following], rows), number + 1

    def _xlsx_rows_per_sheet(self, sheet):
        """The documents one details sheet takes: every row but the header's."""
        return sheet.xls_rowmax - 1

    def _xlsx_details_sheet(self, workbook, name, header, money):
        details = workbook.add_worksheet(name)
        detail_headers = [
            self.env._("Customer"),
            self.env._("Document"),
            self.env._("Invoice Date"),
            self.env._("Due Date"),
            self.env._("Days Overdue"),
            self.env._("Bucket"),
            self.env._("Residual"),
            self.env._("Currency"),
            self.env._("Residual in Currency"),
        ]
        details.set_column(0, 0, 36)
        details.set_column(1, 1, 22)
        details.set_column(2, 3, 12)
        details.set_column(6, 6, 16, money)
        details.set_column(8, 8, 16)
        details.write_row(0, 0, detail_headers, header)
        details.freeze_panes(1, 1)
        return details

    def _xlsx_detail_rows(self, data):
        """The details sheet's rows, streamed from the receivables query."""
        currencies = self.env["res.currency"].with_context(active_test=False).search_fetch([], ["name"])
        currency_names = dict(zip(currencies.ids, currencies.mapped("name"), strict=True))
        bucket_names = data["bucket_names"]
        unknown = self.env._("Unknown Customer")
        left_out = data["left_out"]
        values = self.env["credit.receivable"]._iter_open_item_values(
            self.date_as_of,
            data["companies"],
            ["partner_id", *XLSX_DETAIL_COLUMNS],
            **self._query_filters(),
        )
        with closing(values):
            for (
                partner_id,
                partner,
                move,
                invoice_date,
                due_date,
                days,
                bucket,
                residual,
                currency,
                residual_currency,
            ) in values:
                if partner_id in left_out:
                    continue
                yield (
                    partner or unknown,
                    move,
                    invoice_date,
                    due_date,
                    days,
                    bucket_names[bucket - 1],
                    residual,
                    currency_names.get(currency),
                    residual_currency,
                )
