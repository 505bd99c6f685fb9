"""The screening log page (GCP screening log, the top box of a CONSORT diagram) and its exports.

Counts come from :mod:`screening.log`, scoped by :mod:`screening.selectors`. The charts
are inline SVG drawn here on the server with SVG attributes only (no script, no
``style=""``), so that the page keeps working under a Content-Security-Policy without
'unsafe-inline'. The exports are streamed: CSV row by row from a server-side cursor,
XLSX written by openpyxl in write-only mode to a temporary file that spills to disk.
"""

from __future__ import annotations

import csv
import datetime
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final, cast
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter

from screening import log, selectors
from screening.forms import DATE_INPUT_FORMATS
from screening.models import Site, User
from screening.reasons import STATUS_LABELS, localized_reason

CSV_CONTENT_TYPE: Final = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Rows read per round trip by the screenings export, and rows per chunk of the CSV stream.
EXPORT_CHUNK_ROWS: Final = 2000
CSV_ROWS_PER_WRITE: Final = 500
# The XLSX is assembled in memory up to this size, then in a temporary file on disk.
XLSX_MEMORY_BYTES: Final = 8 * 1024 * 1024

# The CSV separators offered. French Excel (and LibreOffice in French) splits a line on
# ";" and reads "11,2" as a number: "," would put a whole line in column A.
CSV_DELIMITERS: Final = {"semicolon": ";", "comma": ","}
# The XLSX column widths (in characters), set before the rows are streamed.
_LOG_WIDTHS: Final = (34, 44, 12, 12, 12, 12, 12)
_SCREENINGS_WIDTHS: Final = (16, 8, 14, 14, 9, 16, 28, 70, 28, 60)

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
_FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")

# Bootstrap 5's colours, as SVG fill attributes.
_GREY: Final = "#6c757d"
_BLUE: Final = "#0d6efd"
_GREEN: Final = "#198754"
_DARK_GREEN: Final = "#0f5132"
_RED: Final = "#dc3545"


def _user(request: HttpRequest) -> User:
    # LoginRequiredMiddleware: only signed-in users reach these views.
    return cast(User, request.user)


class LogFilterForm(forms.Form):
    """The log's filter: a site among the user's visible sites, and a range of assessment dates."""

    site = forms.ModelChoiceField(
        label=gettext_lazy("Site"),
        queryset=Site.objects.none(),
        required=False,
        to_field_name="code",
        empty_label=gettext_lazy("All sites"),
    )
    date_from = forms.DateField(
        label=gettext_lazy("Assessed from"),
        required=False,
        input_formats=DATE_INPUT_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    date_to = forms.DateField(
        label=gettext_lazy("Assessed until"),
        required=False,
        input_formats=DATE_INPUT_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, data: Any, *, sites: QuerySet[Site]) -> None:
        super().__init__(data)
        cast(forms.ModelChoiceField, self.fields["site"]).queryset = sites.order_by("code")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from is not None and date_to is not None and date_from > date_to:
            raise ValidationError(gettext_lazy("The start date is after the end date."), code="date_order")
        return cleaned

    def log_filter(self) -> log.LogFilter:
        return log.LogFilter(
            site=self.cleaned_data.get("site"),
            date_from=self.cleaned_data.get("date_from"),
            date_to=self.cleaned_data.get("date_to"),
        )


def _filter_form(request: HttpRequest) -> LogFilterForm:
    return LogFilterForm(request.GET, sites=selectors.sites_visible_to(_user(request)))


def _filter_query(log_filter: log.LogFilter) -> str:
    """The filter as a query string, for the export links."""
    params = {
        "site": log_filter.site.code if log_filter.site is not None else None,
        "date_from": log_filter.date_from.isoformat() if log_filter.date_from is not None else None,
        "date_to": log_filter.date_to.isoformat() if log_filter.date_to is not None else None,
    }
    return urlencode({k: v for k, v in params.items() if v is not None})


# --- charts: inline SVG geometry ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SvgBar:
    """One bar of a chart; coordinates are strings, never localized ("12,5" is no SVG length)."""

    label: str
    tooltip: str
    value_text: str
    x: str
    y: str
    width: str
    height: str
    fill: str
    label_x: str
    value_x: str
    text_y: str


@dataclass(frozen=True, slots=True)
class SvgChart:
    width: str
    height: str
    bars: list[SvgBar]


def _n(value: float) -> str:
    return f"{value:.1f}"


def _percent(part: int, whole: int) -> str:
    percent = formats.number_format(100 * part / whole if whole else 0, decimal_pos=1)
    return _("%(percent)s%%") % {"percent": percent}


_FAILURE_WIDTH: Final = 720
_FAILURE_LABEL: Final = 120
_FAILURE_VALUE: Final = 90
_FAILURE_ROW: Final = 24
_FAILURE_BAR: Final = 16


def failure_chart(failures: Sequence[log.FailureRow]) -> SvgChart:
    """Horizontal bars, one per failed criterion in spec order, length by screenings."""
    longest = max((row.screenings for row in failures), default=0)
    area = _FAILURE_WIDTH - _FAILURE_LABEL - _FAILURE_VALUE
    bars = []
    for i, row in enumerate(failures):
        width = area * row.screenings / longest if longest else 0
        top = i * _FAILURE_ROW + (_FAILURE_ROW - _FAILURE_BAR) / 2
        bars.append(
            SvgBar(
                label=row.criterion,
                tooltip=_("%(criterion)s %(title)s: %(screenings)s screenings, %(patients)s patients")
                % {
                    "criterion": row.criterion,
                    "title": row.title,
                    "screenings": row.screenings,
                    "patients": row.patients,
                },
                value_text=str(row.screenings),
                x=_n(_FAILURE_LABEL),
                y=_n(top),
                width=_n(width),
                height=_n(_FAILURE_BAR),
                fill=_RED,
                label_x=_n(_FAILURE_LABEL - 8),
                value_x=_n(_FAILURE_LABEL + width + 6),
                text_y=_n(i * _FAILURE_ROW + _FAILURE_ROW / 2),
            )
        )
    return SvgChart(width=str(_FAILURE_WIDTH), height=str(max(len(bars), 1) * _FAILURE_ROW), bars=bars)


_FUNNEL_WIDTH: Final = 720
_FUNNEL_LABEL: Final = 170
_FUNNEL_VALUE: Final = 150
_FUNNEL_ROW: Final = 40
_FUNNEL_BAR: Final = 30


def funnel_chart(total: log.Counts) -> SvgChart:
    """The screening funnel, bars centred: screened, decided, eligible, eligible and signed."""
    steps = [
        (_("Screened"), total.screened, _GREY),
        (_("Decided"), total.decided, _BLUE),
        (_("Eligible"), total.eligible, _GREEN),
        (_("Eligible and signed"), total.signed_eligible, _DARK_GREEN),
    ]
    area = _FUNNEL_WIDTH - _FUNNEL_LABEL - _FUNNEL_VALUE
    bars = []
    for i, (label, value, fill) in enumerate(steps):
        width = area * value / total.screened if total.screened else 0
        left = _FUNNEL_LABEL + (area - width) / 2
        text = _("%(count)s (%(percent)s)") % {"count": value, "percent": _percent(value, total.screened)}
        bars.append(
            SvgBar(
                label=label,
                tooltip=_("%(label)s: %(value)s") % {"label": label, "value": text},
                value_text=text,
                x=_n(left),
                y=_n(i * _FUNNEL_ROW + (_FUNNEL_ROW - _FUNNEL_BAR) / 2),
                width=_n(width),
                height=_n(_FUNNEL_BAR),
                fill=fill,
                label_x=_n(_FUNNEL_LABEL - 8),
                value_x=_n(_FUNNEL_LABEL + area + 8),
                text_y=_n(i * _FUNNEL_ROW + _FUNNEL_ROW / 2),
            )
        )
    return SvgChart(width=str(_FUNNEL_WIDTH), height=str(len(bars) * _FUNNEL_ROW), bars=bars)


# --- the page -----------------------------------------------------------------------------


def screening_log(request: HttpRequest) -> HttpResponse:
    form = _filter_form(request)
    context: dict[str, Any] = {"form": form, "log": None}
    if form.is_valid():
        log_filter = form.log_filter()
        screening_log = log.screening_log(user=_user(request), log_filter=log_filter)
        context.update(
            log=screening_log,
            query=_filter_query(log_filter),
            failure_chart=failure_chart(screening_log.failures),
            funnel_chart=funnel_chart(screening_log.total),
            csv_delimiters=sorted(CSV_DELIMITERS.items(), key=lambda item: item[1] != csv_delimiter(request)),
        )
    return render(request, "screening/log.html", context)


# --- exports ------------------------------------------------------------------------------


def _counts_header(first: str) -> list[Any]:
    return [first, _("Screened"), _("Patients"), _("Eligible"), _("Ineligible"), _("Incomplete"), _("Signed")]


def _counts_cells(counts: log.Counts) -> list[Any]:
    return [counts.screened, counts.patients, counts.eligible, counts.ineligible, counts.incomplete, counts.signed]


def _log_rows(screening_log: log.ScreeningLog) -> Iterator[list[Any]]:
    """The log as the page shows it: the filter, per site, per month, the screen failures."""
    log_filter = screening_log.log_filter
    yield [_("ALTER screening log")]
    yield [_("Site"), log_filter.site.code if log_filter.site is not None else _("All sites")]
    yield [_("Assessed from"), log_filter.date_from or ""]
    yield [_("Assessed until"), log_filter.date_to or ""]
    yield [_("Exported at"), timezone.localtime().strftime("%Y-%m-%d %H:%M")]
    yield []
    yield _counts_header(_("Site"))
    for site_row in screening_log.by_site:
        yield [site_row.site.code, *_counts_cells(site_row.counts)]
    yield [_("Total"), *_counts_cells(screening_log.total)]
    yield []
    yield _counts_header(_("Month"))
    for month_row in screening_log.by_month:
        yield [month_row.month.strftime("%Y-%m"), *_counts_cells(month_row.counts)]
    yield [_("Total"), *_counts_cells(screening_log.total)]
    yield []
    yield [_("Criterion"), _("Screen failures by criterion"), _("Screenings"), _("Patients")]
    for failure in screening_log.failures:
        yield [failure.criterion, failure.title, failure.screenings, failure.patients]
    yield [
        _("Any criterion"),
        _("Screen failures"),
        screening_log.total.ineligible,
        screening_log.total.failed_patients,
    ]


def _reasons(entries: Iterable[dict[str, Any]], outcome: str) -> str:
    return " | ".join(
        f"{entry.get('id')}: {localized_reason(entry)}" for entry in entries if entry.get("outcome") == outcome
    )


def _screening_rows(screenings: QuerySet[Any, dict[str, Any]]) -> Iterator[list[Any]]:
    """One row per screening: no more of the patient than the list page (the number)."""
    yield [
        _("Screening number"),
        _("Site"),
        _("Assessment date"),
        _("Status"),
        # One screening signed or not ("Signée" in French; the log's count column is "Signées").
        pgettext("one screening", "Signed"),
        _("Re-screening of"),
        _("Failed criteria"),
        _("Reasons for failure"),
        _("Missing criteria"),
        _("Missing data"),
    ]
    yes, no = _("yes"), _("no")
    statuses = {status: str(label) for status, label in STATUS_LABELS.items()}
    for row in log.screenings_export_rows(screenings, chunk_size=EXPORT_CHUNK_ROWS):
        entries = row["entries"] or []
        yield [
            row["number"],
            row["site__code"],
            row["assessment_date"],
            statuses[row["status"]],
            yes if row["locked"] else no,
            row["rescreening_of__number"] or "",
            "; ".join(row["failed_criteria"]),
            _reasons(entries, "fail"),
            "; ".join(row["missing_criteria"]),
            _reasons(entries, "missing"),
        ]


def _safe_text(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def _csv_cell(value: Any, *, decimal_comma: bool = False) -> Any:
    """A value as a CSV cell: dates in ISO (read as dates by a spreadsheet in any language),
    a decimal number with a comma when ``decimal_comma`` (the ";" files), text made safe."""
    if isinstance(value, datetime.date):
        return value.isoformat()
    if decimal_comma and isinstance(value, float | Decimal):
        return str(value).replace(".", ",")
    return _safe_text(value) if isinstance(value, str) else value


def _xlsx_cell(value: Any) -> Any:
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


def _csv_response(rows: Callable[[], Iterator[list[Any]]], filename: str, *, delimiter: str) -> StreamingHttpResponse:
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
            for row in rows():
                lines.append(writer.writerow([_csv_cell(value, decimal_comma=decimal_comma) for value in row]))
                if len(lines) >= CSV_ROWS_PER_WRITE:
                    yield "".join(lines)
                    lines = []
            yield "".join(lines)

    response = StreamingHttpResponse(content(), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def _xlsx_response(
    title: str, rows: Iterator[list[Any]], filename: str, *, widths: Sequence[int], table: bool
) -> FileResponse:
    """An XLSX of one sheet, its columns ``widths`` characters wide.

    With ``table`` (the first row heads the columns of every later row) the header row is
    frozen and carries an autofilter; the log, several small tables one below the other,
    keeps its title row frozen only.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    # Write-only: the widths and the frozen row are written before the rows, so set first.
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    count = 0
    for row in rows:
        sheet.append([_xlsx_cell(value) for value in row])
        count += 1
    if table and count:
        # The filter is written after the rows (the sheet's tail): its range is known by then.
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(widths))}{count}"
    # Write-only: each row goes to a temporary file as appended; the workbook itself is
    # kept in memory up to XLSX_MEMORY_BYTES, then on disk. FileResponse closes it.
    file = tempfile.SpooledTemporaryFile(max_size=XLSX_MEMORY_BYTES)
    workbook.save(file)
    file.seek(0)
    response = FileResponse(file, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)
    response["Cache-Control"] = "no-store"
    return response


def _export(request: HttpRequest, kind: str, fmt: str) -> HttpResponseBase:
    form = _filter_form(request)
    if not form.is_valid():
        # The page shows what is wrong with the filter.
        return redirect(f"{reverse('screening:log')}?{request.GET.urlencode()}")
    user, log_filter = _user(request), form.log_filter()
    today = timezone.localdate().isoformat()
    if kind == "log":
        screening_log = log.screening_log(user=user, log_filter=log_filter)
        filename = f"alter-screening-log-{today}.{fmt}"
        if fmt == "csv":
            return _csv_response(lambda: _log_rows(screening_log), filename, delimiter=csv_delimiter(request))
        return _xlsx_response(_("Screening log"), _log_rows(screening_log), filename, widths=_LOG_WIDTHS, table=False)
    screenings = log.screenings_for_export(user=user, log_filter=log_filter)
    filename = f"alter-screenings-{today}.{fmt}"
    if fmt == "csv":
        return _csv_response(lambda: _screening_rows(screenings), filename, delimiter=csv_delimiter(request))
    return _xlsx_response(_("Screenings"), _screening_rows(screenings), filename, widths=_SCREENINGS_WIDTHS, table=True)


def log_export_csv(request: HttpRequest) -> HttpResponseBase:
    return _export(request, "log", "csv")


def log_export_xlsx(request: HttpRequest) -> HttpResponseBase:
    return _export(request, "log", "xlsx")


def screenings_export_csv(request: HttpRequest) -> HttpResponseBase:
    return _export(request, "screenings", "csv")


def screenings_export_xlsx(request: HttpRequest) -> HttpResponseBase:
    return _export(request, "screenings", "xlsx")
