import io
import os
import struct
import zipfile
import zlib
from datetime import date, datetime
from unittest.mock import patch

import openpyxl
import xlsxwriter

from odoo.tests import BaseCase, tagged

from odoo.addons.customer_credit_management.tools import xlsx_row_stream
from odoo.addons.customer_credit_management.tools.xlsx_row_stream import (
    RowStreamWorkbook,
    RowStreamWorksheet,
)

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


def png_with_text(text):
    """A 1 x 1 PNG image that holds ``text`` (bytes) as it is, in a tEXt chunk."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return b"".join(
        [
            b"\x89PNG\r\n\x1a\n",
            chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)),
            chunk(b"tEXt", b"Comment\x00" + text),
            chunk(b"IDAT", zlib.compress(b"\x00\x00")),
            chunk(b"IEND", b""),
        ]
    )


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

    def _workbook(self, write, workbook_class=RowStreamWorkbook):
        output = io.BytesIO()
        workbook = workbook_class(
            output, {"constant_memory": True, "in_memory": False, "default_date_format": "yyyy-mm-dd"}
        )
        workbook.set_properties({"created": datetime(2024, 6, 30, 12, 0)})
        money = workbook.add_format({"num_format": "#,##0.00"})
        sheet = workbook.add_worksheet("Rows")
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
        reference = self._workbook(
            lambda sheet, columns: write_rows_cell_by_cell(sheet, 1, columns, ROWS), xlsxwriter.Workbook
        )
        with zipfile.ZipFile(io.BytesIO(streamed)) as one, zipfile.ZipFile(io.BytesIO(reference)) as other:
            # Every part of the package, the rows spliced in, is xlsxwriter's own.
            self.assertEqual(one.namelist(), other.namelist())
            for name in other.namelist():
                self.assertEqual(one.read(name), other.read(name), name)
            self.assertIsNone(one.testzip())  # every part's CRC-32 checks
            sheet_xml = one.read("xl/worksheets/sheet1.xml")
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

    def test_rows_deflated_in_chunks(self):
        """Rows deflated in many chunks, by two calls, make the XML xlsxwriter writes: the
        second one's strings need no escape (but one is too long), their batches' fast way."""
        many = ROWS * 300
        plain = [ROWS[0], ROWS[6], ROWS[7]] * 300 + [("x" * 40000, None, 1, 1)] + [ROWS[0]] * 1000

        def twice(sheet, columns, write_rows):
            return write_rows(sheet, write_rows(sheet, 1, columns, many) + 1, columns, plain)

        with patch.object(xlsx_row_stream, "CHUNK_SIZE", 4096):
            streamed = self._workbook(
                lambda sheet, columns: twice(sheet, columns, RowStreamWorksheet.write_rows)
            )
        reference = self._workbook(
            lambda sheet, columns: twice(sheet, columns, write_rows_cell_by_cell), xlsxwriter.Workbook
        )
        with zipfile.ZipFile(io.BytesIO(streamed)) as one, zipfile.ZipFile(io.BytesIO(reference)) as other:
            self.assertIsNone(one.testzip())
            self.assertEqual(one.read("xl/worksheets/sheet1.xml"), other.read("xl/worksheets/sheet1.xml"))

    def test_dimension_of_the_cells_written(self):
        """The sheet's dimension spans the cells written, as xlsxwriter's does: not the blank
        first row or first column of the rows given."""
        rows = [(None, None, None), (None, 5, "x"), (None, 7, None)]
        columns = [("string", None), ("number", None), ("string", None)]
        xml = {}
        for workbook_class, write in (
            (RowStreamWorkbook, RowStreamWorksheet.write_rows),
            (xlsxwriter.Workbook, write_rows_cell_by_cell),
        ):
            output = io.BytesIO()
            workbook = workbook_class(output, {"constant_memory": True, "in_memory": False})
            write(workbook.add_worksheet(), 2, columns, rows)
            workbook.close()
            with zipfile.ZipFile(output) as package:
                xml[workbook_class] = package.read("xl/worksheets/sheet1.xml")
        self.assertIn(b'<dimension ref="B4:C5"/>', xml[RowStreamWorkbook])
        self.assertEqual(xml[RowStreamWorkbook], xml[xlsxwriter.Workbook])

    def test_each_call_ends_its_rows(self):
        """A write_rows call ends its rows' stream: a sheet of many groups of rows (a subtotal
        below each) keeps neither rows nor a compressor per group until the workbook closes."""
        workbook = RowStreamWorkbook(io.BytesIO())
        sheet = workbook.add_worksheet()
        row = 0
        for group in range(50):
            row = sheet.write_rows(row, [("string", None)], [(f"group {group}",)] * 3) + 1
            sheet.write_string(row, 0, "subtotal")
            row += 1
        for deflation in workbook.deflations:
            deflation.result()
        self.assertEqual(len(workbook.row_streams), 50)
        for stream in workbook.row_streams:
            self.assertIsNone(stream.compressor)
            self.assertEqual(stream.buffer, [])
        workbook.close()

    def test_same_data_same_file(self):
        """Two exports of the same data are the same file, to the byte: the parts keep the fixed
        date xlsxwriter gives them, not the time of the export."""

        def write(sheet, columns):
            return sheet.write_rows(1, columns, iter(ROWS))

        content = self._workbook(write)
        reference = self._workbook(
            lambda sheet, columns: write_rows_cell_by_cell(sheet, 1, columns, ROWS), xlsxwriter.Workbook
        )
        with zipfile.ZipFile(io.BytesIO(content)) as one, zipfile.ZipFile(io.BytesIO(reference)) as other:
            dates = {info.date_time for info in one.infolist()}
            self.assertEqual(len(dates), 1)
            self.assertLess(max(dates), (1981,))
            self.assertEqual(dates, {info.date_time for info in other.infolist()})
        self.assertEqual(content, self._workbook(write))

    def test_no_zip64(self):
        """A part or a file beyond what a zip without zip64 holds is refused before a byte is
        written (the limit lowered here). The sheet's XML is 50 kB; the image, which does not
        compress, 100 kB, so the whole file is larger than any of its parts."""
        image = png_with_text(os.urandom(100_000))
        for limit in (40_000, 105_000):
            output = io.BytesIO()
            workbook = RowStreamWorkbook(output)
            sheet = workbook.add_worksheet()
            sheet.insert_image(0, 4, "noise.png", {"image_data": io.BytesIO(image)})
            sheet.write_rows(0, COLUMNS[:3], [row[:3] for row in ROWS] * 50)
            with (
                patch.object(xlsx_row_stream, "_ZIP_LIMIT", limit),
                self.assertRaisesRegex(ValueError, "zip64"),
            ):
                workbook.close()
            self.assertEqual(output.getvalue(), b"")

    def test_deflated_at_the_faster_level(self):
        many = ROWS[:6] * 2000
        streamed = self._workbook(lambda sheet, columns: sheet.write_rows(1, columns, iter(many)))
        with zipfile.ZipFile(io.BytesIO(streamed)) as package:
            sheet = package.getinfo("xl/worksheets/sheet1.xml")
            xml = package.read(sheet)
        self.assertGreater(len(xml), 1_000_000)
        # The rows are deflated apart from the XML around them: within 0.1 % of the whole part
        # deflated at level 1, far above it at level 6.
        size = {}
        for level in (1, 6):
            compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
            size[level] = len(compressor.compress(xml) + compressor.flush())
        self.assertLess(size[6], size[1] * 0.9)
        self.assertAlmostEqual(sheet.compress_size, size[1], delta=size[1] * 0.001)

    def test_only_worksheets_get_rows(self):
        """A part that is not a worksheet is copied as it is, whatever bytes it holds."""
        image = png_with_text(b"<!--streamed rows 0-->")
        output = io.BytesIO()
        workbook = RowStreamWorkbook(output)
        sheet = workbook.add_worksheet()
        sheet.insert_image(0, 2, "mark.png", {"image_data": io.BytesIO(image)})
        sheet.write_rows(0, [("string", None)], [("row 1",)])
        workbook.close()
        with zipfile.ZipFile(output) as package:
            self.assertEqual(package.read("xl/media/image1.png"), image)
            self.assertIn(b"row 1", package.read("xl/worksheets/sheet1.xml"))

    def test_rows_must_follow_the_written_ones(self):
        output = io.BytesIO()
        workbook = RowStreamWorkbook(output)
        sheet = workbook.add_worksheet()
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
        # Each call's rows are spliced where they were written.
        rows = list(openpyxl.load_workbook(output, read_only=True).active.iter_rows(values_only=True))
        self.assertEqual([row[0] for row in rows[5:]], ["row 6", "row 7", "row 8"])

    def test_needs_a_row_stream_workbook(self):
        workbook = xlsxwriter.Workbook(io.BytesIO(), {"constant_memory": True, "in_memory": False})
        sheet = workbook.add_worksheet(worksheet_class=RowStreamWorksheet)
        with self.assertRaisesRegex(ValueError, "RowStreamWorkbook"):
            sheet.write_rows(0, COLUMNS[:3], [row[:3] for row in ROWS])
        workbook.close()
