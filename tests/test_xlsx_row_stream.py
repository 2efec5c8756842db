import io
import zipfile
from datetime import date, datetime

import openpyxl
import xlsxwriter

from odoo.tests import BaseCase, tagged

from odoo.addons.customer_credit_management.tools.xlsx_row_stream import RowStreamWorksheet

COLUMNS = [("string", None), ("date", None), ("number", None), ("number", "money")]
ROWS = [
    ("Plain", date(2024, 6, 30), 15, 1234.5),
    (" leading", date(1900, 3, 1), -3, 0.1 + 0.2),
    ("trailing ", None, 0, -1e20),
    ('a & b <c> "d"', date(2099, 12, 31), 365, 12345678.91),
    ("control\x01char and _x0041_ literal", date(2024, 1, 1), 1, 2),
    ("中文客户\ufffe", date(2024, 2, 29), None, 3),
    ("", date(2024, 3, 1), 7, None),
    (None, None, None, None),
    ("line\nbreak", date(2024, 3, 2), 8, 4.25),
]


def write_rows_cell_by_cell(sheet, first_row, columns, rows):
    """``write_rows`` through xlsxwriter's own methods, one cell at a time: the reference."""
    last_row = first_row - 1
    for last_row, values in enumerate(rows, start=first_row):
        for col, ((kind, cell_format), value) in enumerate(zip(columns, values, strict=True)):
            if value is None or value == "":
                continue
            if kind == "date":
                sheet.write_datetime(last_row, col, value, cell_format)
            elif kind == "number":
                sheet.write_number(last_row, col, value, cell_format)
            else:
                sheet.write_string(last_row, col, value, cell_format)
    return last_row


@tagged("post_install", "-at_install")
class TestXlsxRowStream(BaseCase):
    """The streamed rows are the very XML xlsxwriter writes cell by cell."""

    def _workbook(self, write):
        output = io.BytesIO()
        workbook = xlsxwriter.Workbook(
            output, {"constant_memory": True, "in_memory": False, "default_date_format": "yyyy-mm-dd"}
        )
        money = workbook.add_format({"num_format": "#,##0.00"})
        sheet = workbook.add_worksheet("Rows", worksheet_class=RowStreamWorksheet)
        sheet.set_column(2, 2, 10, workbook.add_format({"num_format": "0"}))
        sheet.write_row(0, 0, ["Name", "Date", "Days", "Amount"])
        columns = [(kind, money if cell_format == "money" else cell_format) for kind, cell_format in COLUMNS]
        last_row = write(sheet, columns)
        sheet.write_string(last_row + 1, 0, "Total")
        sheet.write_number(last_row + 1, 3, 42)
        sheet.autofilter(0, 0, last_row, 3)
        workbook.close()
        return output.getvalue()

    def test_same_xml_as_xlsxwriter(self):
        streamed = self._workbook(lambda sheet, columns: sheet.write_rows(1, columns, iter(ROWS)))
        reference = self._workbook(lambda sheet, columns: write_rows_cell_by_cell(sheet, 1, columns, ROWS))
        with zipfile.ZipFile(io.BytesIO(streamed)) as one, zipfile.ZipFile(io.BytesIO(reference)) as other:
            sheet_xml = one.read("xl/worksheets/sheet1.xml")
            self.assertEqual(sheet_xml, other.read("xl/worksheets/sheet1.xml"))
        self.assertIn(b'<dimension ref="A1:D11"/>', sheet_xml)

        rows = list(
            openpyxl.load_workbook(io.BytesIO(streamed), read_only=True)["Rows"].iter_rows(values_only=True)
        )
        self.assertEqual(len(rows), 11)
        self.assertEqual(rows[1][:3], ("Plain", datetime(2024, 6, 30), 15))
        self.assertEqual(rows[2][0], " leading")
        self.assertEqual(rows[4][0], 'a & b <c> "d"')
        self.assertEqual(rows[6][0], "中文客户_xFFFE_")
        self.assertEqual(rows[8], (None, None, None, None))
        self.assertEqual(rows[10], ("Total", None, None, 42))

    def test_rows_must_follow_the_written_ones(self):
        workbook = xlsxwriter.Workbook(io.BytesIO(), {"constant_memory": True, "in_memory": False})
        sheet = workbook.add_worksheet(worksheet_class=RowStreamWorksheet)
        sheet.write_string(5, 0, "row 6")
        sheet.write_rows(6, [("string", None)], [("row 7",)])
        with self.assertRaises(ValueError):
            sheet.write_rows(3, [("string", None)], [("row 4",)])
        with self.assertRaises(ValueError):
            sheet.write_rows(6, [("string", None)], [("row 7 again",)])
        # As with xlsxwriter's own methods, a write into a finished row is ignored.
        self.assertEqual(sheet.write_string(6, 1, "late"), -1)
        sheet.write_rows(7, [("string", None)], [("row 8",)])
        with self.assertRaises(ValueError):
            sheet.write_rows(sheet.xls_rowmax - 1, [("string", None)], [("last",), ("beyond",)])
        workbook.close()

    def test_needs_constant_memory(self):
        workbook = xlsxwriter.Workbook(io.BytesIO(), {"in_memory": True})
        sheet = workbook.add_worksheet(worksheet_class=RowStreamWorksheet)
        with self.assertRaisesRegex(ValueError, "constant_memory"):
            sheet.write_rows(0, COLUMNS[:3], [row[:3] for row in ROWS])
        workbook.close()
