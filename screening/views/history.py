"""The change history of a screening: every row change, by whom and when."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from pghistory.models import MiddlewareEvents

from screening import selectors

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
_LABELS = {"insert": _("created"), "update": _("changed"), "delete": _("deleted")}


def _field_label(model: type[models.Model] | None, name: str) -> str:
    if model is None:
        return name
    try:
        return str(capfirst(model._meta.get_field(name).verbose_name))  # type: ignore[union-attr]
    except FieldDoesNotExist:
        return name


def _tracked_model(event: Any) -> type[models.Model] | None:
    try:
        return apps.get_model(event.pgh_obj_model)
    except (LookupError, ValueError):
        return None


def screening_history(request: HttpRequest, number: str) -> HttpResponse:
    screening = selectors.screening_visible_to(request.user, number)  # type: ignore[arg-type]
    # The database triggers record every insert, update and delete of the screening and
    # of the rows that reference it (labs, samples, tests, drugs), with the request's user.
    events = (
        MiddlewareEvents.objects.references(screening).select_related("user").order_by("-pgh_created_at", "-pgh_id")
    )
    rows = []
    for event in events:
        if event.pgh_obj_model == "screening.Screening" and event.pgh_obj_id != str(screening.pk):
            continue  # another screening pointing here (a re-screening): its history is its own
        changes = {k: v for k, v in (event.pgh_diff or {}).items() if k not in _QUIET}
        if event.pgh_label == "update" and not changes:
            continue
        model = _tracked_model(event)
        rows.append(
            {
                "when": event.pgh_created_at,
                "who": event.user,
                "what": capfirst(model._meta.verbose_name) if model is not None else event.pgh_obj_model,
                "label": _LABELS.get(event.pgh_label, event.pgh_label),
                # The reason for change given with the save (GCP: a correction carries its reason).
                "reason": (event.pgh_context or {}).get("reason"),
                "identity_correction": bool((event.pgh_context or {}).get("identity_correction")),
                "changes": [(_field_label(model, name), change) for name, change in sorted(changes.items())],
                "data": None
                if event.pgh_label == "update"
                else {
                    _field_label(model, k): v
                    for k, v in (event.pgh_data or {}).items()
                    if k not in _QUIET and k not in ("id", "screening", "screening_id", "created_at")
                },
            }
        )
    evaluations = screening.evaluations.select_related("created_by")
    # Signatures and unlocks are append-only rows of their own: listed together, newest first.
    sign_offs = sorted(
        [
            ("signature", s.signed_at, s.signed_by, s.get_meaning_display(), s.evaluation_id)
            for s in screening.signatures.select_related("signed_by")
        ]
        + [
            ("unlock", u.unlocked_at, u.unlocked_by, u.reason, None)
            for u in screening.unlocks.select_related("unlocked_by")
        ],
        key=lambda item: item[1],
        reverse=True,
    )
    # Which evaluation each printed checklist showed, by its place among the evaluations.
    numbers = {
        pk: n
        for n, pk in enumerate(screening.evaluations.order_by("created_at", "id").values_list("pk", flat=True), start=1)
    }
    prints = [(p, numbers.get(p.evaluation_id)) for p in screening.checklist_prints.select_related("printed_by")]
    return render(
        request,
        "screening/history.html",
        {
            "screening": screening,
            "rows": rows,
            "evaluations": evaluations,
            "sign_offs": sign_offs,
            "checklist_prints": prints,
            "evaluation_total": len(numbers),
        },
    )
