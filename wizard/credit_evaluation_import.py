import base64
import io
import zipfile

import openpyxl
import xlsxwriter

from odoo import Command, fields, models
from odoo.exceptions import UserError

from ..models.evaluation.credit_indicators import FIGURE_CODES, FIGURES, MAX_FIGURE_TEXT, figure_in_range


class CreditEvaluationImport(models.TransientModel):
    _name = "credit.evaluation.import"
    _description = "Import Statement Figures"

    evaluation_id = fields.Many2one("credit.evaluation", required=True, ondelete="cascade")
    file = fields.Binary(string="XLSX File", help="The template, filled in: one row per figure.")
    filename = fields.Char()
    template_file = fields.Binary(readonly=True, attachment=False)
    template_filename = fields.Char(readonly=True)

    def action_download_template(self):
        self.ensure_one()
        self.write(
            {
                "template_file": base64.b64encode(self._template_xlsx()),
                "template_filename": f"{self.evaluation_id.name.replace('/', '_')}_figures.xlsx",
            }
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self._name}/{self.id}/template_file/"
            f"{self.template_filename}?download=true",
            "target": "self",
        }

    def _template_xlsx(self):
        """An XLSX with one row per statement figure, holding the figures already entered."""
        labels = dict(self.env["credit.evaluation.figure"]._fields["code"]._description_selection(self.env))
        amounts = self.evaluation_id._figures_dict()
        buffer = io.BytesIO()
        workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
        sheet = workbook.add_worksheet(self.env._("Figures"))
        bold = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        money = workbook.add_format({"num_format": "#,##0.00"})
        sheet.write_row(0, 0, [self.env._("Code"), self.env._("Figure"), self.env._("Amount")], bold)
        for row, code in enumerate(FIGURE_CODES, start=1):
            sheet.write(row, 0, code)
            sheet.write(row, 1, labels[code])
            if code in amounts:
                sheet.write_number(row, 2, amounts[code], money)
        sheet.set_column(0, 0, 24)
        sheet.set_column(1, 1, 36)
        sheet.set_column(2, 2, 20)
        sheet.freeze_panes(1, 0)
        sheet.write(
            0,
            4,
            self.env._(
                "Amounts in %(currency)s. Leave an amount empty when the figure is not known.",
                currency=self.evaluation_id.currency_id.name,
            ),
        )
        workbook.close()
        return buffer.getvalue()

    def action_import(self):
        self.ensure_one()
        if not self.file:
            raise UserError(self.env._("Choose the XLSX file to import."))
        amounts = self._parse_xlsx(base64.b64decode(self.file))
        evaluation = self.evaluation_id
        evaluation._check_draft()
        existing = {figure.code: figure for figure in evaluation.figure_ids}
        commands = []
        for code, amount in amounts.items():
            figure = existing.get(code)
            if amount is None:
                if figure:
                    commands.append(Command.unlink(figure.id))
            elif figure:
                commands.append(Command.update(figure.id, {"amount": amount}))
            else:
                commands.append(Command.create({"code": code, "amount": amount}))
        evaluation.write({"figure_ids": commands})
        evaluation.message_post(
            body=self.env._("Statement figures imported from %(file)s.", file=self.filename or "XLSX")
        )
        return {"type": "ir.actions.act_window_close"}

    def _parse_xlsx(self, content):
        """Return {figure code: amount or None}; raise naming the first bad row, changing nothing."""
        try:
            workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
            raise UserError(self.env._("The file is not an XLSX workbook.")) from error
        sheet = workbook.worksheets[0]
        known = dict(FIGURES)
        amounts = {}
        for row_number, row in enumerate(sheet.iter_rows(min_row=2, max_col=3, values_only=True), start=2):
            code, _label, amount = (*row, None, None, None)[:3]
            if code is None and amount is None:
                continue
            code = str(code or "").strip()
            if code not in known:
                raise UserError(
                    self.env._(
                        "Row %(row)s: %(code)s is not a statement figure code.", row=row_number, code=code
                    )
                )
            if code in amounts:
                raise UserError(
                    self.env._("Row %(row)s: the figure %(code)s appears twice.", row=row_number, code=code)
                )
            amounts[code] = self._parse_amount(amount, row_number, code)
        if not amounts:
            raise UserError(self.env._("The file holds no statement figure."))
        return amounts

    def _parse_amount(self, amount, row_number, code):
        if amount is None or (isinstance(amount, str) and not amount.strip()):
            return None
        if isinstance(amount, bool):
            amount = str(amount)
        if isinstance(amount, int | float):
            value = float(amount)
        else:
            try:
                value = float(str(amount).replace(",", "").strip())
            except ValueError:
                raise UserError(
                    self.env._(
                        "Row %(row)s: the amount %(amount)s of %(code)s is not a number.",
                        row=row_number,
                        amount=amount,
                        code=code,
                    )
                ) from None
        if not figure_in_range(value):
            # float() reads "nan", "inf" and "1e999" too.
            raise UserError(
                self.env._(
                    "Row %(row)s: the amount %(amount)s of %(code)s is not a number between "
                    "-%(max)s and %(max)s.",
                    row=row_number,
                    amount=amount,
                    code=code,
                    max=MAX_FIGURE_TEXT,
                )
            )
        return value
