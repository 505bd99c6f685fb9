"""The screening log's counts (GCP): how many were screened, by whom, with what outcome and why not.

The top box of a CONSORT flow diagram, per site and overall, and per month of the
assessment date: screenings, patients, eligible, ineligible, incomplete and signed, and
the screen failures by criterion. Everything is counted by PostgreSQL (a handful of
``GROUP BY`` queries whatever the number of screenings) over the screenings that
:func:`screening.selectors.screenings_visible_to` lets the user see, and nothing else.

A *patient* is a chain of re-screenings: a re-screening (``rescreening_of``) is the same
patient as the screening it repeats, so patients are the distinct first screenings
(roots) of the chains. A screening failing two criteria counts under both criteria, and
once as a patient.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from django.db import connection, transaction
from django.db.models import (
    BigIntegerField,
    CharField,
    Count,
    F,
    Func,
    JSONField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import TruncMonth

from screening import selectors
from screening.models import Evaluation, Screening, Site, Status, User
from screening.reasons import criterion_title
from screening.rules import ruleset as rulesets

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.sql.compiler import SQLCompiler


def spec_order() -> dict[str, int]:
    """criterion id -> its place: the default ruleset's order (shared/spec/criteria.md), then
    the ids only other registered rulesets have, in their declarations' order."""
    ids = list(rulesets.DEFAULT.ids)
    for other in rulesets.RULESETS.values():
        ids.extend(cid for cid in other.ids if cid not in ids)
    return {cid: i for i, cid in enumerate(ids)}


def failure_title(criterion_id: str) -> str:
    """The title of a criterion counted across rulesets: the default ruleset's, else that of
    the first registered ruleset that has it (one id names one criterion in every ruleset)."""
    for declared in (rulesets.DEFAULT, *rulesets.RULESETS.values()):
        if criterion_id in declared.ids:
            return criterion_title(criterion_id, declared.id)
    return ""


# A chain of re-screenings longer than this is a data error (a cycle): it is not followed.
_MAX_CHAIN: Final = 1000


@dataclass(frozen=True, slots=True)
class LogFilter:
    """What the log counts: one site (None: every visible site), one ruleset (None: every
    ruleset, the log then says which it added up) and a range of assessment dates."""

    site: Site | None = None
    ruleset: str | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None


@dataclass(frozen=True, slots=True)
class Counts:
    screened: int = 0
    patients: int = 0
    eligible: int = 0
    ineligible: int = 0
    incomplete: int = 0
    signed: int = 0
    # The funnel's last step: eligible and signed (eligibility confirmed by the investigator).
    signed_eligible: int = 0
    # Patients with at least one screen failure (each counted once, however many criteria);
    # counted for the log's total only.
    failed_patients: int = 0

    @property
    def decided(self) -> int:
        """Eligible or ineligible: every criterion decided."""
        return self.eligible + self.ineligible


@dataclass(frozen=True, slots=True)
class SiteRow:
    site: Site
    counts: Counts


@dataclass(frozen=True, slots=True)
class RulesetRow:
    """The screenings whose latest evaluation was made under ``ruleset`` (their status is that
    ruleset's: a status under alter-v1 and one under an amendment are not the same count)."""

    ruleset: str
    counts: Counts


@dataclass(frozen=True, slots=True)
class MonthRow:
    month: datetime.date  # the first day of the month
    counts: Counts


@dataclass(frozen=True, slots=True)
class FailureRow:
    criterion: str
    title: str
    screenings: int
    patients: int


@dataclass(frozen=True, slots=True)
class ScreeningLog:
    log_filter: LogFilter
    total: Counts
    by_site: list[SiteRow] = field(default_factory=list)
    by_month: list[MonthRow] = field(default_factory=list)
    failures: list[FailureRow] = field(default_factory=list)
    # The rulesets of the screenings counted, in id order (one row each, even when filtered).
    by_ruleset: list[RulesetRow] = field(default_factory=list)

    @property
    def rulesets(self) -> list[str]:
        """The rulesets whose statuses the counts add up."""
        return [row.ruleset for row in self.by_ruleset]


class PatientRoot(Func):
    """The id of the first screening of the patient's chain of re-screenings.

    A screening that re-screens nobody is its own root, without a subquery; otherwise
    the chain is followed up ``rescreening_of`` by a recursive query (PostgreSQL runs a
    subquery in a ``CASE`` branch only for the rows that take the branch, so the cost
    grows with the re-screenings, not with the screenings).
    """

    output_field = BigIntegerField()

    def __init__(self) -> None:
        super().__init__(F("pk"), F("rescreening_of"))

    def as_sql(
        self,
        compiler: SQLCompiler,
        connection: BaseDatabaseWrapper,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> tuple[str, list[Any]]:
        pk_sql, pk_params = compiler.compile(self.source_expressions[0])
        parent_sql, parent_params = compiler.compile(self.source_expressions[1])
        qn = connection.ops.quote_name
        table = qn(Screening._meta.db_table)
        pk = qn(Screening._meta.pk.column)
        parent = qn(Screening._meta.get_field("rescreening_of").column)
        # Only quoted identifiers from the model's metadata and compiled columns: no user input.
        sql = (
            f"CASE WHEN {parent_sql} IS NULL THEN {pk_sql} ELSE ("  # noqa: S608 - identifiers, no user input
            f"WITH RECURSIVE chain(id, parent, depth) AS ("
            f"SELECT a.{pk}, a.{parent}, 1 FROM {table} a WHERE a.{pk} = {parent_sql} "
            f"UNION ALL SELECT a.{pk}, a.{parent}, chain.depth + 1 FROM {table} a "
            f"JOIN chain ON a.{pk} = chain.parent WHERE chain.depth < {_MAX_CHAIN:d}) "
            f"SELECT chain.id FROM chain WHERE chain.parent IS NULL LIMIT 1) END"
        )
        return sql, [*parent_params, *pk_params, *parent_params]


class Unnest(Func):
    """One row per element of an array (here: per failed criterion of a screening)."""

    function = "unnest"
    output_field = CharField()


class JsonbPathQueryArray(Func):
    """``jsonb_path_query_array(document, path)``: the items of a JSON document matching a path."""

    function = "jsonb_path_query_array"
    template = "%(function)s(%(expressions)s::jsonpath)"
    output_field = JSONField()


def _aggregates(*, failed_patients: bool = False) -> dict[str, Any]:
    """The counts of a group; the screen-failed patients only when asked (each distinct
    count sorts the group's rows: the log shows that one for the total only)."""
    aggregates = {
        "screened": Count("pk"),
        "patients": Count(PatientRoot(), distinct=True),
        "eligible": Count("pk", filter=Q(status=Status.ELIGIBLE)),
        "ineligible": Count("pk", filter=Q(status=Status.INELIGIBLE)),
        "incomplete": Count("pk", filter=Q(status=Status.INCOMPLETE)),
        "signed": Count("pk", filter=Q(locked=True)),
        "signed_eligible": Count("pk", filter=Q(locked=True, status=Status.ELIGIBLE)),
    }
    if failed_patients:
        aggregates["failed_patients"] = Count(PatientRoot(), distinct=True, filter=Q(status=Status.INELIGIBLE))
    return aggregates


def _counts(row: dict[str, Any]) -> Counts:
    return Counts(**{name: row[name] or 0 for name in Counts.__dataclass_fields__ if name in row})


def log_screenings(*, user: User, log_filter: LogFilter) -> QuerySet[Screening]:
    """The screenings the log counts: those the user may see, within the filter."""
    screenings = selectors.screenings_visible_to(user)
    if log_filter.site is not None:
        screenings = screenings.filter(site=log_filter.site)
    if log_filter.ruleset is not None:
        screenings = screenings.filter(ruleset=log_filter.ruleset)
    if log_filter.date_from is not None:
        screenings = screenings.filter(assessment_date__gte=log_filter.date_from)
    if log_filter.date_to is not None:
        screenings = screenings.filter(assessment_date__lte=log_filter.date_to)
    return screenings


def _without_jit() -> None:
    """Turn PostgreSQL's JIT compilation off for the current transaction.

    The planner prices the chain subquery of :class:`PatientRoot` for every row (it runs
    only for re-screenings), which puts a 100,000-screening count far above
    ``jit_above_cost``: compiling then takes about a second for a query that runs in a
    tenth of that. ``SET LOCAL`` ends with the transaction.
    """
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")


# The month table lists every month from the first to the last screening, a month without
# screenings included, when they span at most this many months (a trial's screening
# period); over a wider span (a mistyped year such as 0001-01-01 once made 24,000 rows)
# only the months that have screenings, so the table never has more rows than screenings.
MONTHS_FILLED_MAX: Final = 120


def _months(first: datetime.date, last: datetime.date) -> Iterator[datetime.date]:
    """The first day of each month from ``first``'s to ``last``'s (counted, so 9999-12 ends it)."""
    start = first.year * 12 + first.month - 1
    for index in range(start, last.year * 12 + last.month):
        yield datetime.date(index // 12, index % 12 + 1, 1)


def _month_span(first: datetime.date, last: datetime.date) -> int:
    return (last.year - first.year) * 12 + last.month - first.month + 1


def screening_log(*, user: User, log_filter: LogFilter) -> ScreeningLog:
    """The screening log of what ``user`` may see, within ``log_filter``.

    Queries: the visible sites (and, for a user of some sites, their ids), then in one
    transaction without JIT: per site, per ruleset, overall, per month, and per failed criterion.
    """
    sites = selectors.sites_visible_to(user)
    if log_filter.site is not None:
        sites = sites.filter(pk=log_filter.site.pk)
    sites_list = list(sites.order_by("code"))
    screenings = log_screenings(user=user, log_filter=log_filter).order_by()
    with transaction.atomic():
        _without_jit()
        per_site = {row["site"]: _counts(row) for row in screenings.values("site").annotate(**_aggregates())}
        per_ruleset = {row["ruleset"]: _counts(row) for row in screenings.values("ruleset").annotate(**_aggregates())}
        total = _counts(screenings.aggregate(**_aggregates(failed_patients=True)))
        per_month = {
            row["month"]: _counts(row)
            for row in screenings.annotate(month=TruncMonth("assessment_date"))
            .values("month")
            .annotate(**_aggregates())
        }
        failures = list(
            screenings.annotate(criterion=Unnest("failed_criteria"))
            .values("criterion")
            .annotate(screenings=Count("pk"), patients=Count(PatientRoot(), distinct=True))
        )
    # Every month between the first and the last, a month without screenings included,
    # unless they lie more than MONTHS_FILLED_MAX months apart: then the months with screenings.
    if per_month and _month_span(min(per_month), max(per_month)) <= MONTHS_FILLED_MAX:
        months: Iterable[datetime.date] = _months(min(per_month), max(per_month))
    else:
        months = sorted(per_month)
    by_month = [MonthRow(month, per_month.get(month, Counts())) for month in months]
    order = spec_order()
    failures.sort(key=lambda row: (order.get(row["criterion"], len(order)), row["criterion"]))
    return ScreeningLog(
        log_filter=log_filter,
        total=total,
        by_site=[SiteRow(site, per_site.get(site.pk, Counts())) for site in sites_list],
        by_month=by_month,
        by_ruleset=[RulesetRow(ruleset, counts) for ruleset, counts in sorted(per_ruleset.items())],
        failures=[
            FailureRow(
                criterion=row["criterion"],
                title=failure_title(row["criterion"]),
                screenings=row["screenings"],
                patients=row["patients"],
            )
            for row in failures
        ],
    )


# The entries of the latest result that the screenings export explains: failed and missing.
_FAILED_OR_MISSING: Final = '$.criteria[*] ? (@.outcome == "fail" || @.outcome == "missing")'


def screenings_for_export(*, user: User, log_filter: LogFilter) -> QuerySet[Screening, dict[str, Any]]:
    """One dict per screening, in site and number order, for the screenings export.

    Only what the list page shows of a patient (the number; no name, no date of birth).
    ``entries`` holds the failed and missing entries of the latest evaluation's result
    (id, outcome, code, values, reason), picked out by PostgreSQL so that the rest of each
    result document never leaves the database; they read with the words of ``ruleset``.
    """
    latest = (
        Evaluation.objects.filter(screening=OuterRef("pk"))
        .order_by("-created_at", "-id")
        .annotate(entries=JsonbPathQueryArray("result_document", Value(_FAILED_OR_MISSING)))
        .values("entries")[:1]
    )
    return (
        log_screenings(user=user, log_filter=log_filter)
        .annotate(entries=Subquery(latest, output_field=JSONField()))
        .order_by("site__code", "sequence")
        .values(
            "number",
            "site__code",
            "assessment_date",
            "status",
            "locked",
            "rescreening_of__number",
            "failed_criteria",
            "missing_criteria",
            "entries",
            "ruleset",
        )
    )


def screenings_export_rows(
    screenings: QuerySet[Screening, dict[str, Any]], *, chunk_size: int = 2000
) -> Iterator[dict[str, Any]]:
    """The export's rows, read in chunks from a server-side cursor, JIT off.

    Held in one transaction while the caller iterates: the cursor then streams, instead
    of being materialized by PostgreSQL as a cursor outside a transaction would be.
    """
    with transaction.atomic():
        _without_jit()
        yield from screenings.iterator(chunk_size=chunk_size)
