"""The screening log's exports as spreadsheets open them (screening/reporting/renderers.py):
the CSV separator follows the language (";" in French, "," in English) unless asked, with a
byte-order mark and, with ";", decimal commas; the XLSX has column widths, a frozen header
row and, on the screenings table, an autofilter."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation

from screening.models import Screening, User
from screening.reporting import exports, renderers
from tests.web.test_screening_log import screenings  # noqa: F401  (the fixture)


def _raw(response: Any) -> bytes:
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def _lines(raw: bytes) -> list[str]:
    return raw.decode("utf-8-sig").splitlines()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "asked", "delimiter"),
    [
        ("en", None, ","),
        ("fr", None, ";"),
        ("fr", "comma", ","),
        ("en", "semicolon", ";"),
        ("fr", "tab", ";"),  # an unknown choice: the language's
    ],
)
@pytest.mark.parametrize("name", ["log_export_csv", "log_screenings_csv"])
def test_csv_separator_follows_the_language_unless_asked(
    client: Client,
    monitor: User,
    screenings: dict[str, Screening],  # noqa: F811
    *,
    language: str,
    asked: str | None,
    delimiter: str,
    name: str,
) -> None:
    monitor.language = language
    monitor.save(update_fields=["language"])
    client.force_login(monitor)

    raw = _raw(client.get(reverse(f"screening:{name}"), {"delimiter": asked} if asked else {}))

    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=delimiter))
    if name == "log_screenings_csv":
        assert len(rows) == 8 and all(len(row) == 11 for row in rows), rows[:2]
        assert {row[1] for row in rows[1:]} == {"IPC", "IGR"}
    else:
        # The per-site table: a first column and six counts, split where the separator is.
        assert sum(len(row) == 7 for row in rows) >= 6, rows


def test_decimal_numbers_take_a_comma_with_the_semicolon() -> None:
    assert renderers.csv_cell(11.2, decimal_comma=True) == "11,2"
    assert renderers.csv_cell(Decimal("0.70"), decimal_comma=True) == "0,70"
    assert renderers.csv_cell(11.2) == 11.2
    assert renderers.csv_cell(3, decimal_comma=True) == 3  # a count has no decimals
    assert renderers.csv_cell("INC-07: 1.5 × ULN", decimal_comma=True) == "INC-07: 1.5 × ULN"  # text kept


def test_a_semicolon_csv_writes_decimal_commas() -> None:
    request = RequestFactory().get("/", {"delimiter": "semicolon"})
    with translation.override("en"):
        export = exports.Export(
            title="x", filename="x", rows=lambda: iter([["value", "count"], [11.2, 3]]), widths=(10, 10), table=True
        )
        response = renderers.csv_response(export, delimiter=renderers.csv_delimiter(request))
        raw = b"".join(response.streaming_content)

    assert _lines(raw) == ["value;count", "11,2;3"]


def test_the_default_separator_by_language() -> None:
    request = RequestFactory().get("/")
    with translation.override("fr"):
        assert renderers.csv_delimiter(request) == ";"
    with translation.override("en"):
        assert renderers.csv_delimiter(request) == ","


def _sheet(response: Any) -> Any:
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return workbook.worksheets[0]


@pytest.mark.django_db
def test_screenings_xlsx_has_widths_a_frozen_header_and_a_filter(
    client: Client,
    monitor: User,
    screenings: dict[str, Screening],  # noqa: F811
) -> None:
    client.force_login(monitor)

    sheet = _sheet(client.get(reverse("screening:log_screenings_xlsx")))

    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:K8"  # the header and the 7 screenings
    widths = [sheet.column_dimensions[letter].width for letter in "ABCDEFGHIJK"]
    assert widths == list(exports.SCREENINGS_WIDTHS)
    assert sheet["E1"].value == "Signed" and sheet["A1"].value == "Screening number"


@pytest.mark.django_db
def test_log_xlsx_has_widths_and_a_frozen_title(
    client: Client,
    monitor: User,
    screenings: dict[str, Screening],  # noqa: F811
) -> None:
    client.force_login(monitor)

    sheet = _sheet(client.get(reverse("screening:log_export_xlsx")))

    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].value == "ALTER screening log"
    assert [sheet.column_dimensions[letter].width for letter in "ABCDEFG"] == list(exports.SCREENING_LOG_WIDTHS)
    # Several tables one below the other: no filter over the whole sheet.
    assert sheet.auto_filter.ref is None


@pytest.mark.django_db
def test_french_export_column_is_signee(
    client: Client,
    monitor: User,
    screenings: dict[str, Screening],  # noqa: F811
) -> None:
    monitor.language = "fr"
    monitor.save(update_fields=["language"])
    client.force_login(monitor)

    sheet = _sheet(client.get(reverse("screening:log_screenings_xlsx")))
    log_page = client.get(reverse("screening:log")).content.decode()

    assert sheet["E1"].value == "Signée"
    # The log's count of signed screenings keeps its plural.
    assert '<th class="text-end">Signées</th>' in log_page
