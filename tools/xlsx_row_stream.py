"""An xlsxwriter workbook and worksheet that stream many uniform rows at once.

xlsxwriter spends about 7 microseconds on each cell (a cell object, the dimension checks, the
XML attributes), which makes a details sheet of 200,000 documents take 15 seconds. In
constant_memory mode the rows go to a temporary file as XML anyway: `write_rows` formats each
row in one step, with the cell types fixed per column, and writes it to a file of its own.

xlsxwriter then deflates every part at zlib's default level, 6, with no option to change it:
1.1 s of the 4 s a 200,000-document file took. `RowStreamWorkbook` lets xlsxwriter package the
workbook with a marker where the streamed rows go, then writes the final file with the rows
spliced in at a faster level (1: 0.3 s, and a third larger).

The streamed rows are deflated as they are written, by a thread of the workbook's own (zlib lets
go of the interpreter while it compresses): the compression overlaps the formatting of the next
rows. Each piece of a part (xlsxwriter's XML around the rows, the rows of each `write_rows`) is
deflated on its own and ends on a byte boundary, so the pieces placed end to end are the part's
deflated data; ``zipfile`` cannot take data already deflated, so `_write_zip` writes the package.
"""

import functools
import io
import itertools
import re
import shutil
import struct
import tempfile
import zipfile
import zlib
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from itertools import islice

from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

EXCEL_EPOCH_ORDINAL = date(1899, 12, 30).toordinal()
MAX_STRING_LENGTH = 32767

# The same escapes as xlsxwriter's own inline strings.
_CONTROL_ESCAPED = re.compile("(_x[0-9a-fA-F]{4}_)")
_CONTROL_CHARS = re.compile("([\x00-\x08\x0b-\x1f])")
_NEEDS_WORK = re.compile("[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_|^\\s|\\s$")
# The same test over a batch of strings joined by newlines: it finds whatever it finds in each
# of them ("^" and "$" hold at each one's ends), and at worst a false alarm, which only sends the
# batch the slow way. Most batches need no work at all.
_BATCH_NEEDS_WORK = re.compile(_NEEDS_WORK.pattern, re.MULTILINE)


def _inline_string(string):
    string = string[:MAX_STRING_LENGTH]  # as xlsxwriter, which cuts and warns
    if not _NEEDS_WORK.search(string):
        return f"<is><t>{string}</t></is>"
    string = _CONTROL_ESCAPED.sub(r"_x005F\1", string)
    string = _CONTROL_CHARS.sub(lambda match: f"_x{ord(match.group(1)):04X}_", string)
    string = string.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
    preserve = ' xml:space="preserve"' if string != string.strip() else ""
    string = string.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f"<is><t{preserve}>{string}</t></is>"


# The rows go to the deflating thread 4 MB at a time. Each hand-over costs the formatting the
# interpreter lock for a while: 500 rows at a time (150 kB) gained nothing, 4 MB gains 0.3 s on a
# 200,000-document file (2.43 s to 2.14 s).
CHUNK_SIZE = 1 << 22

# Where the rows of the workbook's n-th ``write_rows`` go in its worksheet's XML. Cell text is
# escaped ("<" is "&lt;"), so no cell can hold it.
_ROWS_MARKER = re.compile(rb"<!--streamed rows (\d+)-->")


class _InlineStrings(dict):
    """The cell XML of each string, made once: a customer's name repeats on each document."""

    def __missing__(self, string):
        if len(self) > 10000:  # document numbers rarely repeat
            self.clear()
        xml = self[string] = _inline_string(string)
        return xml


def _cells(kind, name, style, numbers, values, strings):
    """The XML of one column's cells in the rows ``numbers``. A string or date cell is blank for a
    false value (None, "", Odoo's False), a number cell for None or "" (0 is a number)."""
    if kind == "string":
        present = [value for value in values if value]
        if max(map(len, present), default=0) <= MAX_STRING_LENGTH and not _BATCH_NEEDS_WORK.search(
            "\n".join(present)
        ):
            return [
                f'<c r="{name}{number}"{style} t="inlineStr"><is><t>{value}</t></is></c>' if value else ""
                for number, value in zip(numbers, values, strict=True)
            ]
        return [
            f'<c r="{name}{number}"{style} t="inlineStr">{strings[value]}</c>' if value else ""
            for number, value in zip(numbers, values, strict=True)
        ]
    if kind == "date":
        return [
            f'<c r="{name}{number}"{style}><v>{value.toordinal() - EXCEL_EPOCH_ORDINAL}</v></c>'
            if value
            else ""
            for number, value in zip(numbers, values, strict=True)
        ]
    return [
        f'<c r="{name}{number}"{style}><v>{value:.16G}</v></c>' if value is not None and value != "" else ""
        for number, value in zip(numbers, values, strict=True)
    ]


def _deflated(data, level, last):
    """``data`` deflated on its own (raw deflate), ending the part (``last``) or on a byte
    boundary, so that more deflated data can follow it."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH)


def _gf2_times(matrix, vector):
    """The 32 x 32 bit ``matrix`` (a tuple of its columns) times ``vector``, over GF(2)."""
    product = 0
    for column in matrix:
        if vector & 1:
            product ^= column
        vector >>= 1
    return product


@functools.cache
def _zero_bytes_operator(power):
    """The operator that carries a CRC-32 register over 2 ** ``power`` zero bytes."""
    if power:
        operator = _zero_bytes_operator(power - 1)
        return tuple(_gf2_times(operator, column) for column in operator)  # squared
    # One zero bit: the reflected register shifts right, folding in the polynomial when its
    # low bit falls out. Squared three times: one zero byte.
    operator = (0xEDB88320, *(1 << bit for bit in range(31)))
    for _square in range(3):
        operator = tuple(_gf2_times(operator, column) for column in operator)
    return operator


def _crc32_combine(crc1, crc2, length2):
    """The CRC-32 of ``a + b`` from ``crc1`` of ``a``, ``crc2`` of ``b`` and ``length2``, the length
    of ``b``: CRC-32 is linear, so it is ``crc1`` carried over ``length2`` zero bytes, plus ``crc2``.
    (zlib's crc32_combine, which Python's zlib module does not offer.)"""
    power = 0
    while length2:
        if length2 & 1:
            crc1 = _gf2_times(_zero_bytes_operator(power), crc1)
        length2 >>= 1
        power += 1
    return crc1 ^ crc2


class _DeflatedRows:
    """The rows of one ``write_rows`` call, deflated into a temporary file by the workbook's
    thread while the caller formats the next ones."""

    def __init__(self, workbook, tmpdir):
        self.workbook = workbook
        self.file = tempfile.TemporaryFile(dir=tmpdir)
        self.compressor = zlib.compressobj(workbook.compresslevel, zlib.DEFLATED, -zlib.MAX_WBITS)
        self.crc = self.size = self.deflated_size = 0
        self.buffer, self.buffered = [], 0

    def add(self, data):
        self.buffer.append(data)
        self.buffered += len(data)
        if self.buffered >= CHUNK_SIZE:
            self._hand_over(last=False)

    def end(self):
        """No more rows: the data is to end on a byte boundary, and the compressor is let go."""
        self._hand_over(last=True)

    def _hand_over(self, last):
        self.workbook._deflate_later(self._deflate, b"".join(self.buffer), last)
        self.buffer, self.buffered = [], 0

    def _deflate(self, data, last):
        self.crc = zlib.crc32(data, self.crc)
        self.size += len(data)
        self.file.write(self.compressor.compress(data))
        if last:
            self.file.write(self.compressor.flush(zlib.Z_SYNC_FLUSH))
            self.compressor = None
            self.deflated_size = self.file.tell()


class RowStreamWorksheet(Worksheet):
    rows_workbook = None  # the RowStreamWorkbook, which keeps the streamed rows

    def write_rows(self, first_row, columns, rows):
        """Write `rows` (sequences of values) from `first_row` down, from column A.

        `columns` gives each column's kind, "string", "number" or "date", and its format, or
        None (dates then take the workbook's default date format, as with write_datetime).
        None or "" leaves a cell blank, and so does False in a string or date column. Returns
        the row of the last of `rows`.
        Column formats apply as with xlsxwriter's own methods; row formats (set_row) do not.
        """
        if self.rows_workbook is None:
            raise ValueError("write_rows streams rows: the workbook must be a RowStreamWorkbook")

        # Flush the row xlsxwriter may still hold, exactly as its own write methods do.
        if first_row > self.previous_row:
            self._write_single_row(first_row)
        if first_row < self.previous_row or self.table:
            raise ValueError("write_rows must start below every row already written")

        cells = []
        for col, (kind, cell_format) in enumerate(columns):
            if kind == "date":
                cell_format = cell_format or self.default_date_format
            cell_format = cell_format or self._column_format(col)
            style = f' s="{cell_format._get_xf_index()}"' if cell_format else ""
            cells.append((kind, xl_col_to_name(col), style))
        strings = _InlineStrings()
        number, rows_stream = self.rows_workbook._open_rows(self.tmpdir)
        self.fh.write(f"<!--streamed rows {number}-->")
        # A few hundred rows at a time, column by column: one comprehension per column formats
        # its cells, without a Python call per cell.
        rows = iter(rows)
        last_row = written_row = first_row - 1
        first_written, used_columns = None, set()  # the sheet's dimension: the cells written
        try:
            while batch := list(islice(rows, 500)):
                numbers = range(last_row + 2, last_row + 2 + len(batch))
                last_row += len(batch)
                if last_row >= self.xls_rowmax:
                    raise ValueError(f"A worksheet holds at most {self.xls_rowmax} rows")
                formatted = [
                    _cells(kind, name, style, numbers, values, strings)
                    for (kind, name, style), values in zip(cells, zip(*batch, strict=True), strict=True)
                ]
                used_columns.update(col for col, column_cells in enumerate(formatted) if any(column_cells))
                pending = []
                for number, row in zip(numbers, zip(*formatted, strict=True), strict=True):
                    if body := "".join(row):  # as xlsxwriter, no element for an empty row
                        pending.append(f'<row r="{number}">{body}</row>')
                        written_row = number - 1
                        if first_written is None:
                            first_written = written_row
                rows_stream.add("".join(pending).encode())
        finally:
            # Rows formatted before an error stay, as with xlsxwriter's own methods.
            rows_stream.end()
        if used_columns:
            self._check_dimensions(first_written, min(used_columns))
            self._check_dimensions(written_row, max(used_columns))
        # The rows written are final: later writes into them are ignored, as xlsxwriter does.
        self.previous_row = max(self.previous_row, last_row + 1)
        return last_row

    def _column_format(self, col):
        """The format set on column ``col`` with set_column, or None.

        XlsxWriter keeps it in ``col_formats`` up to 3.0.5 (Odoo 18 pins 3.0.2 below Python 3.12)
        and in ``col_info`` from 3.0.6 on (3.1.9 from Python 3.12).
        """
        col_formats = getattr(self, "col_formats", None)
        if col_formats is not None:
            return col_formats.get(col)
        return (self.col_info.get(col) or [None, None])[1]


# The zip records written, as the zip format (PKWARE's APPNOTE) lays them out.
_LOCAL_HEADER = struct.Struct("<I5H3I2H")
_CENTRAL_HEADER = struct.Struct("<I6H3I5H2I")
_END_RECORD = struct.Struct("<I4H2IH")
# Beyond these, zipfile itself writes zip64 records, which are not written here: a full sheet of
# details is about 420 MB.
_ZIP_LIMIT = zipfile.ZIP64_LIMIT
_ZIP_PARTS_LIMIT = zipfile.ZIP_FILECOUNT_LIMIT


class RowStreamWorkbook(Workbook):
    """A constant_memory workbook of RowStreamWorksheets, written to ``filename`` (a path or a
    seekable binary file object, from its current position) at zlib level ``compresslevel`` when
    closed."""

    worksheet_class = RowStreamWorksheet

    def __init__(self, filename, options=None, compresslevel=1):
        options = {**(options or {}), "constant_memory": True, "in_memory": False}
        self.row_streams = []
        self.compresslevel = compresslevel
        self.target = filename
        # One thread deflates the streamed rows, in the order they are written.
        self.deflater = ThreadPoolExecutor(max_workers=1, thread_name_prefix="xlsx_rows")
        self.deflations = []
        # xlsxwriter's own package: small, since the streamed rows are not in it.
        self.package = io.BytesIO()
        super().__init__(self.package, options)

    def add_worksheet(self, name=None, worksheet_class=None):
        sheet = super().add_worksheet(name, worksheet_class)
        if isinstance(sheet, RowStreamWorksheet):
            sheet.rows_workbook = self
        return sheet

    def _open_rows(self, tmpdir):
        """A new stream of rows and its number, for the marker of its place."""
        self.row_streams.append(_DeflatedRows(self, tmpdir))
        return len(self.row_streams) - 1, self.row_streams[-1]

    def _deflate_later(self, function, *args):
        self.deflations.append(self.deflater.submit(function, *args))
        # Two chunks ahead at most: the memory stays flat if the thread falls behind.
        if len(self.deflations) > 2:
            self.deflations[-3].result()

    def close(self):
        if self.fileclosed:
            return super().close()
        try:
            super().close()
            # Every deflation to its end; one that failed fails the file, even if write_rows
            # raised its error already and the caller went on.
            for deflation in self.deflations:
                deflation.result()
            with zipfile.ZipFile(self.package) as package:
                entries = [self._zip_entry(info, package.read(info)) for info in package.infolist()]
            # Checked before a byte is written: where each record ends, the last one's end being
            # where the central directory starts.
            start = self.target.tell() if hasattr(self.target, "write") else 0
            ends = itertools.accumulate((entry["record_size"] for entry in entries), initial=start)
            sizes = (entry["size"] for entry in entries)
            if len(entries) > _ZIP_PARTS_LIMIT or max(itertools.chain(ends, sizes)) > _ZIP_LIMIT:
                raise ValueError("The workbook is too large for a zip file without zip64 (2 GiB).")
            if hasattr(self.target, "write"):
                self._write_zip(self.target, entries)
            else:
                with open(self.target, "wb") as output:
                    self._write_zip(output, entries)
        finally:
            self.deflater.shutdown()
            for stream in self.row_streams:
                stream.file.close()

    def _zip_entry(self, info, data):
        """The zip entry of the package's part ``info``: its data ``data`` deflated, with the
        streamed rows spliced in at their markers."""
        # Only worksheets hold streamed rows: images and other binary parts are copied as they are.
        pieces = _ROWS_MARKER.split(data) if info.filename.startswith("xl/worksheets/") else [data]
        texts = pieces[::2]
        rows = [self.row_streams[int(number)] for number in pieces[1::2]]
        crc = size = 0
        for text, stream in zip(texts, [*rows, None], strict=True):
            crc, size = zlib.crc32(text, crc), size + len(text)
            if stream:
                crc, size = _crc32_combine(crc, stream.crc, stream.size), size + stream.size
        deflated = [
            _deflated(text, self.compresslevel, last=index == len(rows)) for index, text in enumerate(texts)
        ]
        deflated_size = sum(map(len, deflated)) + sum(stream.deflated_size for stream in rows)
        name = info.filename.encode("utf-8")
        year, month, day, hour, minute, second = info.date_time
        return {
            "info": info,
            "name": name,
            "fields": (
                20,  # the version needed to extract: deflate
                0 if info.filename.isascii() else 0x800,  # a UTF-8 name
                zipfile.ZIP_DEFLATED,
                hour << 11 | minute << 5 | second // 2,
                (year - 1980) << 9 | month << 5 | day,
                crc,
                deflated_size,
                size,
                len(name),
            ),
            "pieces": list(zip(deflated, [*rows, None], strict=True)),
            "size": size,
            "record_size": _LOCAL_HEADER.size + len(name) + deflated_size,
        }

    def _write_zip(self, output, entries):
        directory = []
        for entry in entries:
            offset = output.tell()
            output.write(_LOCAL_HEADER.pack(0x04034B50, *entry["fields"], 0) + entry["name"])
            for chunk, stream in entry["pieces"]:
                output.write(chunk)
                if stream:
                    stream.file.seek(0)
                    shutil.copyfileobj(stream.file, output, 1 << 20)
            info = entry["info"]
            directory.append(
                _CENTRAL_HEADER.pack(
                    0x02014B50,
                    info.create_system << 8 | info.create_version,
                    *entry["fields"],
                    0,  # extra field
                    0,  # comment
                    0,  # disk
                    0,  # internal attributes
                    info.external_attr,
                    offset,
                )
                + entry["name"]
            )
        central = b"".join(directory)
        offset = output.tell()
        output.write(central)
        output.write(_END_RECORD.pack(0x06054B50, 0, 0, len(entries), len(entries), len(central), offset, 0))
