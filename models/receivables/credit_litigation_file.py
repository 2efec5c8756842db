import base64
import hashlib
import json

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import format_amount

# PRC Civil Code art. 188: three years, from the due date or (art. 195) the last acknowledgment.
LIMITATION_YEARS = 3
LIMITATION_WARNING_DAYS = 90

# What the chatter and the followers may still change on an issued file.
MAIL_FIELDS = {"message_follower_ids", "message_main_attachment_id", "activity_ids", "message_ids"}


def sha256(data):
    if isinstance(data, str):
        data = data.encode()
    return hashlib.sha256(data).hexdigest()


def canonical(values):
    """The content of a document as it is printed, in one reproducible text: what its hash covers."""
    return json.dumps(values, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))


class CreditLitigationFile(models.Model):
    """The litigation file (诉讼证据包) of a customer who received the final demand before
    litigation: its orders, deliveries, invoices, confirmed statements, collection letters with
    their sending proof, payments and the interest computation, in one PDF with a SHA-256
    manifest. Issued once; then nothing of it changes, on any path."""

    _name = "credit.litigation.file"
    _description = "Litigation File"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(string="Number", readonly=True, copy=False, default="/")
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
        domain=[("is_company", "=", True)],
        help="The commercial entity sued: it must have received the final demand before litigation.",
    )
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related="company_id.currency_id")
    date = fields.Date(
        string="As Of",
        readonly=True,
        copy=False,
        help="The day the file was assembled: its open items and interest.",
    )
    state = fields.Selection(
        [("draft", "Draft"), ("issued", "Issued")],
        default="draft",
        required=True,
        readonly=True,
        tracking=True,
        copy=False,
    )
    content = fields.Text(
        readonly=True, copy=False, help="The documents of the file as assembled (JSON): what the PDF prints."
    )
    document_count = fields.Integer(compute="_compute_summary", string="Documents")
    manifest_html = fields.Html(compute="_compute_summary", string="Manifest", sanitize=False)
    amount_due = fields.Monetary(readonly=True, copy=False, help="Open receivables on the file's date.")
    amount_interest = fields.Monetary(
        string="Late-Payment Interest", readonly=True, copy=False, help="Interest on the file's date."
    )
    limitation_date = fields.Date(
        string="Limitation Ends",
        readonly=True,
        copy=False,
        help="The earliest day an open item's three-year limitation period ends (PRC Civil Code art. 188), "
        "counted from its due date or the customer's last acknowledgment (a confirmed statement, a payment "
        "promise).",
    )
    limitation_warning = fields.Boolean(
        readonly=True, copy=False, help="The limitation period of an open item ends in less than 90 days."
    )
    pdf_attachment_id = fields.Many2one("ir.attachment", string="Issued File", readonly=True, copy=False)
    manifest_attachment_id = fields.Many2one(
        "ir.attachment", string="Manifest File", readonly=True, copy=False
    )
    file_sha256 = fields.Char(
        string="SHA-256 of the File", readonly=True, copy=False, help="Hash of the issued PDF, as stored."
    )
    issued_by_id = fields.Many2one("res.users", readonly=True, copy=False)
    issued_on = fields.Datetime(readonly=True, copy=False)

    # ------------------------------------------------------------------ basics
    @api.model
    def _check_litigation_access(self):
        """Accountants prepare litigation files, Credit Managers too; on every path."""
        user = self.env.user
        if not (
            self.env.su
            or user.has_group("account.group_account_invoice")
            or user.has_group("customer_credit_management.group_credit_manager")
        ):
            raise AccessError(self.env._("Only accountants and credit managers handle litigation files."))

    @api.model_create_multi
    def create(self, vals_list):
        self._check_litigation_access()
        for vals in vals_list:
            if vals.get("state", "draft") != "draft":
                raise UserError(
                    self.env._("A litigation file starts as a draft and is issued by its action.")
                )
            for fname in ("content", "pdf_attachment_id", "manifest_attachment_id", "file_sha256"):
                vals.pop(fname, None)
            vals["name"] = self.env["ir.sequence"].next_by_code("credit.litigation.file") or "/"
        files = super().create(vals_list)
        files._check_final_demand()
        return files

    def write(self, vals):
        self._check_litigation_access()
        if set(vals) - MAIL_FIELDS and any(file.state == "issued" for file in self):
            raise UserError(self.env._("An issued litigation file is frozen: nothing of it can be changed."))
        protected = {
            "state",
            "content",
            "date",
            "pdf_attachment_id",
            "manifest_attachment_id",
            "file_sha256",
            "issued_by_id",
            "issued_on",
            "amount_due",
            "amount_interest",
            "limitation_date",
            "limitation_warning",
        } & set(vals)
        if protected and not self.env.su:
            raise UserError(self.env._("A litigation file is assembled and issued by its own actions only."))
        result = super().write(vals)
        if {"partner_id", "company_id"} & set(vals):
            self._check_final_demand()
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_only_draft(self):
        if any(file.state == "issued" for file in self):
            raise UserError(self.env._("An issued litigation file cannot be deleted."))

    @api.depends("name", "partner_id")
    def _compute_display_name(self):
        for file in self:
            file.display_name = f"{file.name} {file.partner_id.name or ''}".strip()

    def _check_final_demand(self):
        """A litigation file only for a customer who received the final demand (level 5)."""
        for file in self:
            if file.partner_id != file.partner_id.commercial_partner_id:
                raise UserError(
                    self.env._("A litigation file is made for the customer's company, not a contact.")
                )
            sent = (
                self.env["credit.reminder"]
                .sudo()
                .search_count(
                    [
                        ("partner_id", "=", file.partner_id.id),
                        ("company_id", "=", file.company_id.id),
                        ("state", "=", "sent"),
                        ("level_id.effect", "=", "litigation"),
                    ],
                    limit=1,
                )
            )
            if not sent:
                raise UserError(
                    self.env._(
                        "%(customer)s has not been sent the final demand before litigation: a litigation "
                        "file is only made after it.",
                        customer=file.partner_id.display_name,
                    )
                )

    def _compute_summary(self):
        for file in self:
            data = file._data()
            file.document_count = len(data.get("documents", []))
            file.manifest_html = (
                self.env["ir.qweb"]._render(
                    "customer_credit_management.credit_litigation_manifest", {"doc": file, "data": data}
                )
                if data
                else False
            )

    @api.model
    def _kind_labels(self):
        """The kinds of documents, in the order the file prints them, with their titles."""
        return [
            ("order", self.env._("Sales Orders")),
            ("delivery", self.env._("Validated Deliveries")),
            ("invoice", self.env._("Invoices")),
            ("statement", self.env._("Confirmed Statements of Account")),
            ("letter", self.env._("Collection Letters and Their Sending Proof")),
            ("payment", self.env._("Payments")),
            ("interest", self.env._("Late-Payment Interest")),
        ]

    def _data(self):
        self.ensure_one()
        return json.loads(self.content) if self.content else {}

    # ------------------------------------------------------------------ assembling
    def _assemble(self, day):
        """The file's content on ``day``: every document in the order the PDF prints them, each
        with the SHA-256 of its printed content (or of its stored PDF), the interest computation
        and the limitation period."""
        self.ensure_one()
        partner = self.partner_id
        company = self.company_id
        currency = company.currency_id
        env = self.sudo().env
        documents = []

        def add(kind, record, reference, date, values, attachment=None):
            values = {"kind": kind, "reference": reference, "date": date and str(date), **values}
            if attachment:
                values["basis"] = "attachment"
                values["sha256"] = sha256(attachment.raw or b"")
            else:
                values["basis"] = "content"
                values["sha256"] = sha256(canonical(values))
            values.update(model=record._name, res_id=record.id)
            documents.append(values)

        customer_domain = [("partner_id", "child_of", partner.id), ("company_id", "=", company.id)]
        orders = env["sale.order"].search([*customer_domain, ("state", "=", "sale")], order="date_order, id")
        for order in orders:
            add(
                "order",
                order,
                order.name,
                order.date_order.date(),
                {
                    "amount": format_amount(self.env, order.amount_total, order.currency_id),
                    "signed_by": order.signed_by or "",
                    "signed_on": (order.signed_on and str(order.signed_on)) or "",
                    "signature_sha256": sha256(base64.b64decode(order.signature)) if order.signature else "",
                },
            )
        pickings = env["stock.picking"].search(
            [*customer_domain, ("picking_type_code", "=", "outgoing"), ("state", "=", "done")],
            order="date_done, id",
        )
        for picking in pickings:
            add(
                "delivery",
                picking,
                picking.name,
                picking.date_done.date(),
                {
                    "origin": picking.origin or "",
                    "validated_on": str(picking.date_done),
                    "signed": bool(picking.signature),
                    "signature_sha256": sha256(base64.b64decode(picking.signature))
                    if picking.signature
                    else "",
                },
            )
        invoices = env["account.move"].search(
            [
                ("commercial_partner_id", "=", partner.id),
                ("company_id", "=", company.id),
                ("move_type", "in", ("out_invoice", "out_refund")),
                ("state", "=", "posted"),
            ],
            order="invoice_date, id",
        )
        for invoice in invoices:
            add(
                "invoice",
                invoice,
                invoice.name,
                invoice.invoice_date,
                {
                    "due_date": str(invoice.invoice_date_due or ""),
                    "amount": format_amount(self.env, invoice.amount_total_signed, currency),
                    "residual": format_amount(self.env, invoice.amount_residual_signed, currency),
                },
                attachment=invoice.invoice_pdf_report_id,
            )
        statements = env["credit.statement"].search(
            [("partner_id", "=", partner.id), ("company_id", "=", company.id), ("state", "=", "confirmed")],
            order="date_to, id",
        )
        for statement in statements:
            add(
                "statement",
                statement,
                statement.name,
                statement.response_date.date() if statement.response_date else statement.date_to,
                {
                    "period": f"{statement.date_from} - {statement.date_to}",
                    "closing_balance": format_amount(self.env, statement.closing_balance, currency),
                    "confirmed_by": statement.response_name or "",
                    "confirmed_on": str(statement.response_date or ""),
                    "channel": statement.response_channel or "",
                    "signature_sha256": sha256(base64.b64decode(statement.response_signature))
                    if statement.response_signature
                    else "",
                },
            )
        letters = env["credit.reminder"].search(
            [("partner_id", "=", partner.id), ("company_id", "=", company.id), ("state", "=", "sent")],
            order="date, id",
        )
        proofs = self._sending_proofs(letters)
        for letter in letters:
            add(
                "letter",
                letter,
                letter.name,
                letter.date,
                {
                    "level": letter.level_id.name,
                    "amount": format_amount(self.env, letter.amount_overdue, currency),
                    "sending_proof": proofs[letter.id],
                },
            )
        payments = env["account.payment"].search(
            [
                ("partner_id", "child_of", partner.id),
                ("company_id", "=", company.id),
                ("partner_type", "=", "customer"),
                ("state", "in", ("in_process", "paid")),
            ],
            order="date, id",
        )
        for payment in payments:
            add(
                "payment",
                payment,
                payment.name,
                payment.date,
                {
                    "amount": format_amount(self.env, payment.amount, payment.currency_id),
                    "direction": payment.payment_type,
                    "memo": payment.memo or "",
                },
            )
        items = [
            item
            for item in env["credit.receivable"].get_open_items(day, company, partner_ids=partner.ids)
            if item["residual"]
        ]
        interest = env["credit.interest"]._interest_by_line(items, day, company)
        interest_rows = [
            {
                "document": item["move_name"],
                "due_date": str(item["due_date"]),
                "days_late": interest.get(item["line_id"], (0, 0.0))[0],
                "residual": currency.round(item["residual"]),
                "interest": interest.get(item["line_id"], (0, 0.0))[1],
            }
            for item in items
        ]
        amount_interest = currency.round(sum(row["interest"] for row in interest_rows))
        add(
            "interest",
            self,
            self.env._("Interest on %(date)s", date=day),
            day,
            {
                "rate": company.credit_interest_rate if interest else 0.0,
                "basis_days": company.credit_interest_basis,
                "rows": interest_rows,
                "total": amount_interest,
            },
        )
        limitation = self._limitation(items, day)
        return {
            "customer": partner.display_name,
            "vat": partner.vat or "",
            "company": company.name,
            "date": str(day),
            "amount_due": currency.round(sum(item["residual"] for item in items)),
            "amount_interest": amount_interest,
            "limitation": limitation,
            "documents": documents,
        }

    def _sending_proofs(self, letters):
        """{letter id: its sending proof}: the e-mails (mail.mail id and state, or the delivery
        status of its notifications once the mail is gone), the posted letters, and the
        registered-mail number entered by hand."""
        env = self.sudo().env
        messages = env["mail.message"].search(
            [
                ("model", "=", "credit.reminder"),
                ("res_id", "in", letters.ids),
                ("message_type", "!=", "notification"),
            ]
        )
        mails = env["mail.mail"].search([("mail_message_id", "in", messages.ids)])
        notifications = env["mail.notification"].search(
            [("mail_message_id", "in", messages.ids), ("notification_type", "=", "email")]
        )
        posted = env["snailmail.letter"].search(
            [("model", "=", "credit.reminder"), ("res_id", "in", letters.ids)]
        )
        proofs = {}
        for letter in letters:
            letter_messages = messages.filtered(lambda m, letter=letter: m.res_id == letter.id)
            proofs[letter.id] = {
                "mails": [
                    {"id": mail.id, "state": mail.state, "to": mail.email_to or ""}
                    for mail in mails.filtered(lambda m, ms=letter_messages: m.mail_message_id in ms)
                ],
                "notifications": [
                    {
                        "mail_id": n.mail_mail_id.id or 0,
                        "to": n.res_partner_id.email or n.res_partner_id.display_name or "",
                        "status": n.notification_status,
                    }
                    for n in notifications.filtered(lambda n, ms=letter_messages: n.mail_message_id in ms)
                ],
                "post": [
                    {"id": post.id, "state": post.state}
                    for post in posted.filtered(lambda p, letter=letter: p.res_id == letter.id)
                ],
                "registered_mail": letter.registered_mail_number or "",
            }
        return proofs

    def _limitation(self, items, day):
        """The earliest end of the three-year limitation period among the open debit ``items`` on
        ``day`` (PRC Civil Code art. 188): from the item's due date, or from the customer's last
        acknowledgment of it (art. 195): a statement it confirmed whose period's end the item was
        invoiced by, or a payment promise covering the item."""
        partner = self.partner_id
        env = self.sudo().env
        debit = [item for item in items if item["residual"] > 0]
        if not debit:
            return {}
        statements = env["credit.statement"].search(
            [
                ("partner_id", "=", partner.id),
                ("company_id", "=", self.company_id.id),
                ("state", "=", "confirmed"),
            ]
        )
        promises = env["credit.payment.promise"].search(
            [
                ("partner_id", "=", partner.id),
                ("company_id", "=", self.company_id.id),
                ("state", "!=", "cancel"),
            ]
        )
        ends = []
        for item in debit:
            start, reason = item["due_date"], "due_date"
            for statement in statements:
                acknowledged = (
                    statement.response_date and statement.response_date.date()
                ) or statement.date_to
                if item["invoice_date"] <= statement.date_to and acknowledged > start:
                    start, reason = acknowledged, statement.name
            for promise in promises:
                if item["line_id"] in promise.move_line_ids.ids and promise.date > start:
                    start, reason = promise.date, promise.display_name
            ends.append((start + relativedelta(years=LIMITATION_YEARS), item["move_name"], start, reason))
        end, document, start, reason = min(ends)
        return {
            "end": str(end),
            "document": document,
            "start": str(start),
            "from": reason,
            "days_left": (end - day).days,
            "warning": (end - day).days < LIMITATION_WARNING_DAYS,
        }

    # ------------------------------------------------------------------ actions
    def action_assemble(self):
        """Assemble a draft file as of today (what its PDF would print)."""
        self._check_litigation_access()
        for file in self:
            if file.state != "draft":
                raise UserError(
                    self.env._("An issued litigation file is frozen: nothing of it can be changed.")
                )
            file._check_final_demand()
            day = fields.Date.context_today(self)
            data = file._assemble(day)
            file.sudo().write(
                {
                    "date": day,
                    "content": json.dumps(data, ensure_ascii=False),
                    "amount_due": data["amount_due"],
                    "amount_interest": data["amount_interest"],
                    "limitation_date": data["limitation"].get("end") or False,
                    "limitation_warning": bool(data["limitation"].get("warning")),
                }
            )
        return True

    def action_issue(self):
        """Assemble the file, print it as one PDF, hash it, store the PDF and the manifest as
        attachments and freeze the file. Credit Managers only."""
        self._check_litigation_access()
        if not (self.env.su or self.env.user.has_group("customer_credit_management.group_credit_manager")):
            raise AccessError(self.env._("Only a Credit Manager issues a litigation file."))
        for file in self.filtered(lambda f: f.state == "draft"):
            file.action_assemble()
            content, report_type = (
                self.env["ir.actions.report"]
                .sudo()
                ._render_qweb_pdf("customer_credit_management.credit_litigation_file_report_action", file.ids)
            )
            if isinstance(content, str):
                content = content.encode()
            extension = "pdf" if report_type == "pdf" else "html"
            file_hash = sha256(content)
            data = file._data()
            manifest = {
                "file": file.name,
                "customer": data["customer"],
                "company": data["company"],
                "date": data["date"],
                "documents": [
                    {key: document[key] for key in ("kind", "reference", "date", "basis", "sha256")}
                    for document in data["documents"]
                ],
                "file_name": f"{file._file_basename()}.{extension}",
                "file_sha256": file_hash,
            }
            Attachment = self.env["ir.attachment"].sudo()
            pdf = Attachment.create(
                {
                    "name": manifest["file_name"],
                    "raw": content,
                    "res_model": file._name,
                    "res_id": file.id,
                    "mimetype": "application/pdf" if report_type == "pdf" else "text/html",
                }
            )
            manifest_attachment = Attachment.create(
                {
                    "name": f"{file._file_basename()}.manifest.json",
                    "raw": json.dumps(manifest, ensure_ascii=False, indent=2).encode(),
                    "res_model": file._name,
                    "res_id": file.id,
                    "mimetype": "application/json",
                }
            )
            file.sudo().write(
                {
                    "state": "issued",
                    "pdf_attachment_id": pdf.id,
                    "manifest_attachment_id": manifest_attachment.id,
                    "file_sha256": file_hash,
                    "issued_by_id": self.env.uid,
                    "issued_on": fields.Datetime.now(),
                }
            )
            file.message_post(
                body=self.env._("Litigation file issued. SHA-256 of the file: %(hash)s", hash=file_hash),
                attachment_ids=[],
            )
        return True

    def _file_basename(self):
        return f"Litigation_File_{(self.name or '').replace('/', '_')}"

    def _verify(self):
        """True when the stored file still has the hash recorded on the file and in the manifest,
        and the manifest's document hashes are those of the assembled content."""
        self.ensure_one()
        if self.state != "issued":
            return False
        pdf = self.pdf_attachment_id.sudo()
        manifest = json.loads(self.manifest_attachment_id.sudo().raw or b"{}")
        documents = self._data()["documents"]
        return (
            sha256(pdf.raw or b"") == self.file_sha256 == manifest.get("file_sha256")
            and [d["sha256"] for d in manifest["documents"]] == [d["sha256"] for d in documents]
            and all(
                d["basis"] == "attachment"
                or d["sha256"]
                == sha256(canonical({k: v for k, v in d.items() if k not in ("sha256", "model", "res_id")}))
                for d in documents
            )
        )

    def action_verify(self):
        self.ensure_one()
        self._check_litigation_access()
        ok = self._verify()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success" if ok else "danger",
                "message": self.env._("The issued file matches its SHA-256 manifest.")
                if ok
                else self.env._("The issued file does NOT match its SHA-256 manifest."),
                "sticky": not ok,
            },
        }


class CreditLitigationFileReport(models.AbstractModel):
    _name = "report.customer_credit_management.credit_litigation_file_report"
    _description = "Litigation File Report"

    @api.model
    def _get_report_values(self, docids, data=None):
        files = self.env["credit.litigation.file"].browse(docids)
        files._check_litigation_access()
        for file in files.filtered(lambda f: f.state == "draft" and not f.content):
            file.action_assemble()
        return {
            "doc_ids": docids,
            "doc_model": "credit.litigation.file",
            "docs": files,
            "kinds": files._kind_labels(),
        }
