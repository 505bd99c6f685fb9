"""Any :class:`~.exports.Export` written as CSV or XLSX; nothing here knows what the rows say.

Both are streamed: CSV row by row while the response is sent (the screenings' rows come
from a server-side cursor), XLSX written by openpyxl in write-only mode to a temporary
file that spills to disk.
"""

from __future__ import annotations

import csv
import datetime
import tempfile
from collections.abc import Iterator
from decimal import Decimal
from typing import Any, Final, Literal

from django.http import FileResponse, HttpRequest, StreamingHttpResponse
from django.utils import translation
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter

from screening.reporting.exports import Export

CSV_CONTENT_TYPE: Final = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Rows per chunk of the CSV stream.
CSV_ROWS_PER_WRITE: Final = 500
# The XLSX is assembled in memory up to this size, then in a temporary file on disk.
XLSX_MEMORY_BYTES: Final = 8 * 1024 * 1024

# The CSV separators offered. French Excel (and LibreOffice in French) splits a line on
# ";" and reads "11,2" as a number: "," would put a whole line in column A.
CSV_DELIMITERS: Final = {"semicolon": ";", "comma": ","}

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
_FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")


def render(export: Export, file_format: Literal["csv", "xlsx"], *, delimiter: str) -> StreamingHttpResponse:
    """The export as a download in ``file_format`` (``delimiter``: the CSV's separator)."""
    if file_format == "csv":
        return csv_response(export, delimiter=delimiter)
    return xlsx_response(export)


def _safe_text(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def csv_cell(value: Any, *, decimal_comma: bool = False) -> Any:
    """A value as a CSV cell: dates in ISO (read as dates by a spreadsheet in any language),
    a decimal number with a comma when ``decimal_comma`` (the ";" files), text made safe."""
    if isinstance(value, datetime.date):
        return value.isoformat()
    if decimal_comma and isinstance(value, float | Decimal):
        return str(value).replace(".", ",")
    return _safe_text(value) if isinstance(value, str) else value


def xlsx_cell(value: Any) -> Any:
    if value == "":
        return None  # no cell written at all: a third of the cells, and openpyxl's time is per cell
    if isinstance(value, str):
        return _safe_text(ILLEGAL_CHARACTERS_RE.sub("", value))
    return value


def csv_delimiter(request: HttpRequest) -> str:
    """The separator asked for (``?delimiter=semicolon`` or ``comma``), else the language's:
    ";" in French, as French Excel expects, "," in English."""
    asked = CSV_DELIMITERS.get(request.GET.get("delimiter", ""))
    if asked is not None:
        return asked
    return ";" if (translation.get_language() or "").startswith("fr") else ","


class _Echo:
    """A file whose write returns what it is given: csv.writer then makes lines to yield."""

    def write(self, value: str) -> str:
        return value


def csv_response(export: Export, *, delimiter: str) -> StreamingHttpResponse:
    """A streamed CSV in UTF-8 with a byte-order mark (so that Excel reads é, ≤, ³).

    With ";" the decimal numbers are written with a decimal comma: a file separated by
    semicolons is the French spreadsheet convention, and French Excel reads "11.2" as text
    (or a date) but "11,2" as a number. With "," numbers keep their decimal point.
    """
    language = translation.get_language()
    decimal_comma = delimiter == ";"

    def content() -> Iterator[str]:
        # Rows are made while the response streams, after the view returned: in the
        # request's language, whatever the thread's language is by then.
        with translation.override(language):
            writer = csv.writer(_Echo(), delimiter=delimiter)
            lines = ["\ufeff"]  # a byte-order mark: spreadsheets then read UTF-8 (é, ≤, ³)
            for row in export.rows():
                lines.append(writer.writerow([csv_cell(value, decimal_comma=decimal_comma) for value in row]))
                if len(lines) >= CSV_ROWS_PER_WRITE:
                    yield "".join(lines)
                    lines = []
            yield "".join(lines)

    response = StreamingHttpResponse(content(), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}.csv"'
    response["Cache-Control"] = "no-store"
    return response


def xlsx_response(export: Export) -> FileResponse:
    """An XLSX of one sheet, its columns ``export.widths`` characters wide.

    With ``export.table`` (the first row heads the columns of every later row) the header
    row is frozen and carries an autofilter; otherwise (several small tables one below the
    other) the title row is frozen only.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=export.title[:31])
    # Write-only: the widths and the frozen row are written before the rows, so set first.
    for index, width in enumerate(export.widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    count = 0
    for row in export.rows():
        sheet.append([xlsx_cell(value) for value in row])
        count += 1
    if export.table and count:
        # The filter is written after the rows (the sheet's tail): its range is known by then.
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(export.widths))}{count}"
    # Write-only: each row goes to a temporary file as appended; the workbook itself is
    # kept in memory up to XLSX_MEMORY_BYTES, then on disk. FileResponse closes it.
    file = tempfile.SpooledTemporaryFile(max_size=XLSX_MEMORY_BYTES)
    workbook.save(file)
    file.seek(0)
    response = FileResponse(
        file, as_attachment=True, filename=f"{export.filename}.xlsx", content_type=XLSX_CONTENT_TYPE
    )
    response["Cache-Control"] = "no-store"
    return response
