"""When a screening's labs (and pregnancy test) stop counting for randomization.

An eligible result carries ``valid_until``: the last reference date on which the same labs
and pregnancy test are within their windows (labs 28 days, pregnancy test 7 days). A
screening is warned about when that date falls before its planned randomization date (the
patient cannot be randomized on these results), or within EXPIRY_WARNING_DAYS of today
(time to plan new samples). :func:`labs_expiry` decides it for one screening (the screening
page, the list's column); :func:`expiring_q` is the same condition for the database (the
list's filter), over the ``valid_until`` annotation of :func:`annotate_valid_until`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, TypeAlias, TypedDict

from django.db.models import DateField, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.fields.json import KT
from django.db.models.functions import Cast

from screening.models import Evaluation, Screening

# Warned this many days ahead: valid until today + 3 days is warned about, + 4 is not.
EXPIRY_WARNING_DAYS: Final = 3


@dataclass(frozen=True, slots=True)
class LabsExpiry:
    valid_until: datetime.date
    # Days from today to valid_until: 0 valid today only, negative expired.
    days_left: int
    planned_randomization_date: datetime.date | None
    # valid_until falls before the planned randomization date.
    before_randomization: bool

    @property
    def expired(self) -> bool:
        return self.days_left < 0


def labs_expiry(
    *, valid_until: datetime.date | None, planned_randomization_date: datetime.date | None, today: datetime.date
) -> LabsExpiry | None:
    """The warning to show, or None: no ``valid_until`` (not eligible), or valid on the
    planned randomization date and for more than EXPIRY_WARNING_DAYS from today."""
    if valid_until is None:
        return None
    before_randomization = planned_randomization_date is not None and valid_until < planned_randomization_date
    days_left = (valid_until - today).days
    if not before_randomization and days_left > EXPIRY_WARNING_DAYS:
        return None
    return LabsExpiry(
        valid_until=valid_until,
        days_left=days_left,
        planned_randomization_date=planned_randomization_date,
        before_randomization=before_randomization,
    )


def valid_until_of(result_document: dict[str, Any] | None) -> datetime.date | None:
    """The ``valid_until`` of a result document (an ISO date, or null when not eligible)."""
    value = (result_document or {}).get("valid_until")
    return datetime.date.fromisoformat(value) if isinstance(value, str) else None


def screening_labs_expiry(
    *, screening: Screening | None, result_document: dict[str, Any] | None, today: datetime.date
) -> LabsExpiry | None:
    """The warning for ``screening`` from its latest evaluation's ``result_document`` (the screening page)."""
    if screening is None or result_document is None:
        return None
    return labs_expiry(
        valid_until=valid_until_of(result_document),
        planned_randomization_date=screening.planned_randomization_date,
        today=today,
    )


class _ValidUntil(TypedDict):
    valid_until: datetime.date | None


if TYPE_CHECKING:  # (WithAnnotations cannot be subscripted at run time on Python 3.11)
    from django_stubs_ext import WithAnnotations

    # A screening read by annotate_valid_until.
    ScreeningWithValidUntil: TypeAlias = WithAnnotations[Screening, _ValidUntil]


def annotate_valid_until(screenings: QuerySet[Screening]) -> QuerySet[ScreeningWithValidUntil]:
    """Each screening with ``valid_until``: its latest evaluation's, read by PostgreSQL from
    the result document (a subquery in the same query: no query per screening)."""
    latest = (
        Evaluation.objects.filter(screening=OuterRef("pk"))
        .order_by("-created_at", "-id")
        .annotate(valid_until=Cast(KT("result_document__valid_until"), DateField()))
        .values("valid_until")[:1]
    )
    return screenings.annotate(valid_until=Subquery(latest, output_field=DateField()))


def expiring_q(*, today: datetime.date) -> Q:
    """:func:`labs_expiry`'s condition over the ``valid_until`` annotation."""
    return Q(valid_until__lt=F("planned_randomization_date")) | Q(
        valid_until__lte=today + datetime.timedelta(days=EXPIRY_WARNING_DAYS)
    )
