"""The change history of a screening: every row change, by whom and when, in words.

The audit trail stores each row as the database wrote it (field names, ``true``, ISO
dates, unit codes). This page reads it for people: each field by its label in the active
language, each value as the form shows it (yes/no, the language's date format, numbers
with the language's decimal mark and a lab value with its unit, choices by their label),
each row named (the lab row's test and date), each person by their full name.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any, Final

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import formats, timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pghistory.models import MiddlewareEvents

from screening import selectors
from screening.http import AuthenticatedHttpRequest
from screening.models import LabResult, LabResultSource, LabTest, PregnancyTest, PriorDrug, Screening, TumourSample
from screening.unit_display import display_unit

# Fields the history does not show: bookkeeping that changes on every save, and raw ids
# (who saved is the row's "Who"; the site is the screening's).
_QUIET = {
    "updated_at",
    "updated_by",
    "updated_by_id",
    "created_by",
    "created_by_id",
    "site_id",
    "version",
    "position",
    "status",
    "failed_count",
    "missing_count",
    "value_canonical",
    "failed_criteria",
    "missing_criteria",
    "lab",
    "lab_id",
    "approved_by",
    "approved_by_id",
}
# Not listed among a created or deleted row's values either: the row's own ids and its time.
_NOT_VALUES = {"id", "screening", "screening_id", "created_at", "sequence"}
# A re-screening names the screening it repeats by id: shown by its number.
_SCREENING_REFERENCE: Final = "rescreening_of_id"
# A lab row's numbers are in the row's own unit, shown after them.
_IN_ROW_UNIT: Final = {"value", "uln"}
# A created row with more values than this lists them folded (a screening has dozens).
_VALUES_SHOWN_OPEN: Final = 6

# What happened, named as one phrase per kind of row so that the translation can agree
# ("Sélection créée", "Résultat biologique … créé").
_EVENT_TITLES: Final[dict[type[models.Model], dict[str, Promise]]] = {
    Screening: {
        "insert": gettext_lazy("Screening created"),
        "update": gettext_lazy("Screening changed"),
        "delete": gettext_lazy("Screening deleted"),
    },
    LabResult: {
        "insert": gettext_lazy("Lab result %(test)s of %(date)s created"),
        "update": gettext_lazy("Lab result %(test)s of %(date)s changed"),
        "delete": gettext_lazy("Lab result %(test)s of %(date)s deleted"),
    },
    LabResultSource: {
        "insert": gettext_lazy("Source of the lab result %(test)s of %(date)s recorded"),
        "update": gettext_lazy("Source of the lab result %(test)s of %(date)s changed"),
        "delete": gettext_lazy("Source of the lab result %(test)s of %(date)s deleted"),
    },
    TumourSample: {
        "insert": gettext_lazy("Tumour sample of %(date)s created"),
        "update": gettext_lazy("Tumour sample of %(date)s changed"),
        "delete": gettext_lazy("Tumour sample of %(date)s deleted"),
    },
    PregnancyTest: {
        "insert": gettext_lazy("Pregnancy test of %(date)s created"),
        "update": gettext_lazy("Pregnancy test of %(date)s changed"),
        "delete": gettext_lazy("Pregnancy test of %(date)s deleted"),
    },
    PriorDrug: {
        "insert": gettext_lazy("Prior drug %(drug)s created"),
        "update": gettext_lazy("Prior drug %(drug)s changed"),
        "delete": gettext_lazy("Prior drug %(drug)s deleted"),
    },
}
# Any other kind of row: its name, then what happened.
_LABELS = {"insert": gettext_lazy("created"), "update": gettext_lazy("changed"), "delete": gettext_lazy("deleted")}
_NO_VALUE: Final = "—"


def _field(model: type[models.Model] | None, name: str) -> models.Field[Any, Any] | None:
    if model is None:
        return None
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        # The audit trail names a foreign key by its column ("rescreening_of_id").
        by_column = {f.attname: f for f in model._meta.concrete_fields}
        return by_column.get(name)
    return field if isinstance(field, models.Field) else None


def _field_label(model: type[models.Model] | None, name: str) -> str:
    field = _field(model, name)
    return name if field is None else str(capfirst(field.verbose_name))


def number_text(value: float | int | Decimal) -> str:
    """A number as the form shows it: no trailing ``.0``, the active language's decimal mark."""
    if isinstance(value, float):
        value = Decimal(repr(value))
        if value == value.to_integral_value():
            value = value.quantize(Decimal(1))
    return formats.number_format(value)


def date_text(value: datetime.date) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT")


def value_text(field: models.Field[Any, Any] | None, value: Any, *, unit: str | None = None) -> str:
    """A stored value (as the audit trail holds it, JSON) as the form shows it."""
    if value is None or value == "":
        return _NO_VALUE
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(field, models.DateTimeField) and isinstance(value, str):
        moment = parse_datetime(value)
        if moment is not None:
            return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")
    elif isinstance(field, models.DateField) and isinstance(value, str):
        day = parse_date(value)
        if day is not None:
            return date_text(day)
    if isinstance(value, int | float | Decimal):
        text = number_text(value)
        return f"{text} {display_unit(unit)}" if unit else text
    return str(value)


def _row_unit(model: type[models.Model] | None, name: str, data: dict[str, Any]) -> str | None:
    return data.get("unit") or None if model is LabResult and name in _IN_ROW_UNIT else None


def _tracked_model(event: Any) -> type[models.Model] | None:
    try:
        return apps.get_model(event.pgh_obj_model)
    except (LookupError, ValueError):
        return None


def _lab_name(data: dict[str, Any]) -> dict[str, str]:
    """The test and date that name a lab row ("créatinine", "28/11/2026")."""
    test = data.get("test")
    day = parse_date(data["date"]) if isinstance(data.get("date"), str) else None
    return {
        "test": str(LabTest(test).label if test in LabTest.values else test or _NO_VALUE),
        "date": date_text(day) if day is not None else _NO_VALUE,
    }


def _title(model: type[models.Model] | None, event: Any, labs: dict[int, dict[str, Any]]) -> str:
    data = event.pgh_data or {}
    titles = _EVENT_TITLES.get(model) if model is not None else None
    if titles is None or event.pgh_label not in titles:
        what = capfirst(model._meta.verbose_name) if model is not None else event.pgh_obj_model
        return f"{what} {_LABELS.get(event.pgh_label, event.pgh_label)}"
    if model is LabResult:
        names = _lab_name(data)
    elif model is LabResultSource:
        lab = data.get("lab", data.get("lab_id"))
        names = _lab_name(labs.get(lab, {}) if isinstance(lab, int) else {})
    elif model is PriorDrug:
        names = {"drug": data.get("name") or _NO_VALUE}
    else:
        day = parse_date(data["date"]) if isinstance(data.get("date"), str) else None
        names = {"date": date_text(day) if day is not None else _NO_VALUE}
    return str(titles[event.pgh_label]) % names


def _full_name(user: Any) -> str:
    return (user.get_full_name() or user.username) if user is not None else _NO_VALUE


def _shown(
    model: type[models.Model] | None, name: str, value: Any, data: dict[str, Any], numbers: dict[int, str]
) -> str:
    if name == _SCREENING_REFERENCE and isinstance(value, int):
        return numbers.get(value, str(value))
    return value_text(_field(model, name), value, unit=_row_unit(model, name, data))


def _changes(model: type[models.Model] | None, event: Any, numbers: dict[int, str]) -> list[tuple[str, str, str]]:
    """Each changed field: its label, the value before and the value after."""
    diff = {k: v for k, v in (event.pgh_diff or {}).items() if k not in _QUIET}
    data = event.pgh_data or {}
    unit_change = (event.pgh_diff or {}).get("unit")
    before = {**data, "unit": unit_change[0]} if unit_change else data
    rows = []
    for name, (old, new) in sorted(diff.items(), key=lambda item: _field_label(model, item[0])):
        rows.append(
            (
                _field_label(model, name),
                _shown(model, name, old, before, numbers),
                _shown(model, name, new, data, numbers),
            )
        )
    return rows


def _values(model: type[models.Model] | None, event: Any, numbers: dict[int, str]) -> list[tuple[str, str]]:
    """A created or deleted row's values (those given), in the model's field order."""
    data = event.pgh_data or {}
    order = {f.name: i for i, f in enumerate(model._meta.fields)} if model is not None else {}
    names = sorted(
        (k for k, v in data.items() if k not in _QUIET and k not in _NOT_VALUES and v is not None and v != ""),
        key=lambda k: (order.get(k, len(order)), k),
    )
    # A lab value carries its unit: the unit is not listed again.
    shown = [k for k in names if not (model is LabResult and k == "unit" and "value" in names)]
    return [(_field_label(model, k), _shown(model, k, data[k], data, numbers)) for k in shown]


def screening_history(request: AuthenticatedHttpRequest, number: str) -> HttpResponse:
    screening = selectors.screening_visible_to(request.user, number)
    # The database triggers record every insert, update and delete of the screening and
    # of the rows that reference it (labs, samples, tests, drugs), with the request's user.
    events = list(
        MiddlewareEvents.objects.references(screening).select_related("user").order_by("pgh_created_at", "pgh_id")
    )
    # A lab source names its lab row by id: its test and date, from the lab row's own events.
    labs: dict[int, dict[str, Any]] = {}
    for event in events:
        if event.pgh_obj_model == "screening.LabResult" and event.pgh_data:
            labs[int(event.pgh_obj_id)] = event.pgh_data
    # The screenings a re-screening repeats, by number (one query).
    referenced = {
        e.pgh_data[_SCREENING_REFERENCE]
        for e in events
        if e.pgh_obj_model == "screening.Screening" and (e.pgh_data or {}).get(_SCREENING_REFERENCE) is not None
    }
    numbers = dict(Screening.objects.filter(pk__in=referenced).values_list("pk", "number")) if referenced else {}
    rows = []
    for event in reversed(events):
        if event.pgh_obj_model == "screening.Screening" and event.pgh_obj_id != str(screening.pk):
            continue  # another screening pointing here (a re-screening): its history is its own
        model = _tracked_model(event)
        changes = _changes(model, event, numbers) if event.pgh_label == "update" else []
        if event.pgh_label == "update" and not changes:
            continue
        values = [] if event.pgh_label == "update" else _values(model, event, numbers)
        rows.append(
            {
                "when": event.pgh_created_at,
                "who": _full_name(event.user) if event.user is not None else _NO_VALUE,
                "title": _title(model, event, labs),
                "action": event.pgh_label,
                # The reason for change given with the save (GCP: a correction carries its reason).
                "reason": (event.pgh_context or {}).get("reason"),
                "identity_correction": bool((event.pgh_context or {}).get("identity_correction")),
                "changes": changes,
                "values": values,
                "values_folded": len(values) > _VALUES_SHOWN_OPEN,
            }
        )
    evaluations = screening.evaluations.select_related("created_by")
    # Signatures, unlocks and outcome reviews are append-only rows of their own: listed together, newest first.
    sign_offs = sorted(
        [
            ("signature", s.signed_at, s.signed_by, s.get_meaning_display(), s.evaluation_id)
            for s in screening.signatures.select_related("signed_by")
        ]
        + [
            ("unlock", u.unlocked_at, u.unlocked_by, u.reason, None)
            for u in screening.unlocks.select_related("unlocked_by")
        ]
        # Why an evaluation appended since the signature (an amendment) was not signed again.
        + [
            ("outcome_review", r.reviewed_at, r.reviewed_by, r.reason, r.evaluation_id)
            for r in screening.outcome_change_reviews.select_related("reviewed_by")
        ],
        key=lambda item: item[1],
        reverse=True,
    )
    # Which evaluation each printed checklist showed, by its place among the evaluations.
    positions = {
        pk: n
        for n, pk in enumerate(screening.evaluations.order_by("created_at", "id").values_list("pk", flat=True), start=1)
    }
    prints = [(p, positions.get(p.evaluation_id)) for p in screening.checklist_prints.select_related("printed_by")]
    return render(
        request,
        "screening/history.html",
        {
            "screening": screening,
            "rows": rows,
            "evaluations": evaluations,
            "sign_offs": sign_offs,
            "checklist_prints": prints,
            "evaluation_total": len(positions),
        },
    )
