"""The screening log's exports as tables: the rows first, whatever they are written as.

Each export is an :class:`Export`: a function making its rows (a header row, then a list
of cells per row) and what a spreadsheet needs to lay them out. :mod:`.renderers` writes
any of them as CSV or XLSX; nothing here knows either format.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Final

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from screening.models import Screening
from screening.reasons import STATUS_LABELS, localized_reason
from screening.reporting.screening_log import Counts, ScreeningLog, screenings_export_rows

# A row's cells: text, a number, a date, or "" for an empty cell.
Row = list[Any]

# Rows read per round trip by the screenings export.
EXPORT_CHUNK_ROWS: Final = 2000
# The XLSX column widths (in characters), one per column.
SCREENING_LOG_WIDTHS: Final = (34, 44, 12, 12, 12, 12, 12)
SCREENINGS_WIDTHS: Final = (16, 8, 14, 14, 9, 16, 28, 70, 28, 60, 12)


@dataclass(frozen=True, slots=True)
class Export:
    """One export: its rows and how a spreadsheet lays them out."""

    title: str  # the XLSX sheet's name
    filename: str  # without its extension
    # Called by the renderer, possibly while the response streams (CSV): rows are made then.
    rows: Callable[[], Iterator[Row]]
    widths: tuple[int, ...]  # the XLSX column widths, in characters
    # The first row heads the columns of every later row (frozen, with an autofilter);
    # otherwise several small tables one below the other, the title row frozen only.
    table: bool


def screening_log_export(screening_log: ScreeningLog, *, today: datetime.date) -> Export:
    """The log's counts on one sheet, its tables one below the other (:func:`screening_log_rows`)."""
    return Export(
        title=_("Screening log"),
        filename=f"alter-screening-log-{today.isoformat()}",
        rows=lambda: screening_log_rows(screening_log),
        widths=SCREENING_LOG_WIDTHS,
        table=False,
    )


def screenings_export(screenings: QuerySet[Screening, dict[str, Any]], *, today: datetime.date) -> Export:
    """The screenings of :func:`~.screening_log.screenings_for_export`, one row each (:func:`screenings_rows`)."""
    return Export(
        title=_("Screenings"),
        filename=f"alter-screenings-{today.isoformat()}",
        rows=lambda: screenings_rows(screenings),
        widths=SCREENINGS_WIDTHS,
        table=True,
    )


def _counts_header(first: str) -> Row:
    return [first, _("Screened"), _("Patients"), _("Eligible"), _("Ineligible"), _("Incomplete"), _("Signed")]


def _counts_cells(counts: Counts) -> Row:
    return [counts.screened, counts.patients, counts.eligible, counts.ineligible, counts.incomplete, counts.signed]


def screening_log_rows(screening_log: ScreeningLog) -> Iterator[Row]:
    """The log as the page shows it: the filter, per site, per ruleset, per month, the screen failures."""
    log_filter = screening_log.log_filter
    yield [_("ALTER screening log")]
    yield [_("Site"), log_filter.site.code if log_filter.site is not None else _("All sites")]
    yield [_("Ruleset"), log_filter.ruleset or _("All rulesets")]
    yield [_("Assessed from"), log_filter.date_from or ""]
    yield [_("Assessed until"), log_filter.date_to or ""]
    yield [_("Exported at"), timezone.localtime().strftime("%Y-%m-%d %H:%M")]
    yield []
    yield _counts_header(_("Site"))
    for site_row in screening_log.by_site:
        yield [site_row.site.code, *_counts_cells(site_row.counts)]
    yield [_("Total"), *_counts_cells(screening_log.total)]
    yield []
    # The rulesets the counts add up: a status under one is not a status under another.
    yield _counts_header(_("Ruleset"))
    for ruleset_row in screening_log.by_ruleset:
        yield [ruleset_row.ruleset, *_counts_cells(ruleset_row.counts)]
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


def _reasons(entries: Iterable[dict[str, Any]], outcome: str, ruleset: object) -> str:
    return " | ".join(
        f"{entry.get('id')}: {localized_reason(entry, ruleset)}" for entry in entries if entry.get("outcome") == outcome
    )


def screenings_rows(screenings: QuerySet[Screening, dict[str, Any]]) -> Iterator[Row]:
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
        # The latest evaluation's, which decided the status.
        _("Ruleset"),
    ]
    yes, no = _("yes"), _("no")
    statuses = {status: str(label) for status, label in STATUS_LABELS.items()}
    for row in screenings_export_rows(screenings, chunk_size=EXPORT_CHUNK_ROWS):
        entries = row["entries"] or []
        yield [
            row["number"],
            row["site__code"],
            row["assessment_date"],
            statuses[row["status"]],
            yes if row["locked"] else no,
            row["rescreening_of__number"] or "",
            "; ".join(row["failed_criteria"]),
            _reasons(entries, "fail", row["ruleset"]),
            "; ".join(row["missing_criteria"]),
            _reasons(entries, "missing", row["ruleset"]),
            row["ruleset"],
        ]
