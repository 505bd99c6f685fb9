"""What changes screenings: each service is one transaction, named <entity>_<action>.

Every save, whatever its origin (form, JSON import, ``screen --save``), goes through
:func:`screening_save`: the document is validated by the exchange format, stored in the
screening's rows, evaluated, and the evaluation appended. Nothing is stored from a
document that is refused.
"""

from __future__ import annotations

import re
from typing import Any

import pghistory
from django.db import transaction
from django.utils import timezone

from screening import documents, exchange
from screening.models import (
    Evaluation,
    LabResult,
    PregnancyTest,
    PriorDrug,
    Screening,
    Site,
    TumourSample,
    User,
)
from screening.rules import units
from screening.rules.ruleset import CURRENT, evaluate


class StaleScreening(Exception):  # noqa: N818 - the domain's word
    """Someone saved the screening after this edit began: saving would overwrite their work."""

    def __init__(self, screening: Screening) -> None:
        super().__init__(f"{screening.number} changed since it was opened (now version {screening.version})")
        self.screening = screening


class ScreeningNumberRefused(Exception):  # noqa: N818
    """An imported document names a screening number this site cannot take."""


_LIST_MODELS: dict[str, type[Any]] = {
    "tumour_samples": TumourSample,
    "labs": LabResult,
    "pregnancy_tests": PregnancyTest,
    "drugs": PriorDrug,
}


def known_site_codes() -> set[str]:
    return set(Site.objects.values_list("code", flat=True))


def screening_document(*, screening: Screening) -> dict[str, Any]:
    """The `alter-screening/1` document of a stored screening (export)."""
    lists = {
        name: model.objects.filter(screening=screening).order_by("id").values(*documents.LIST_FIELDS[name][1])
        for name, model in _LIST_MODELS.items()
    }
    return documents.build_document(
        site_code=screening.site.code, screening_id=screening.number,
        value_of=lambda field: getattr(screening, field), lists=lists,
    )


def _sync_rows(screening: Screening, name: str, rows: list[dict[str, Any]]) -> None:
    """Make the screening's rows of one list equal ``rows``, position by position.

    Unchanged rows are left alone, so that the history records only real changes.
    """
    model = _LIST_MODELS[name]
    existing = list(model.objects.filter(screening=screening).order_by("id"))
    for i, row_values in enumerate(rows):
        values = row_values
        if name == "labs":
            values = {**row_values, "value_canonical": units.to_canonical(
                row_values["test"], row_values["value"], row_values["unit"], row_values["uln"])}
        if i < len(existing):
            row = existing[i]
            changed = {f: v for f, v in values.items() if getattr(row, f) != v}
            if changed:
                for f, v in changed.items():
                    setattr(row, f, v)
                row.save(update_fields=list(changed))
        else:
            model.objects.create(screening=screening, **values)
    for row in existing[len(rows):]:
        row.delete()


def _next_number(site: Site) -> tuple[int, str]:
    """The next screening number of a site, never reused (the site row is locked)."""
    locked = Site.objects.select_for_update().get(pk=site.pk)
    locked.last_screening_sequence += 1
    locked.save(update_fields=["last_screening_sequence"])
    return locked.last_screening_sequence, f"{locked.code}-{locked.last_screening_sequence:04d}"


def _claim_number(site: Site, number: str) -> int:
    """Take an imported document's own number (SITE-NNNN); the counter moves past it."""
    match = re.fullmatch(rf"{re.escape(site.code)}-(\d{{4,}})", number)
    if match is None:
        raise ScreeningNumberRefused(f"screening number {number!r} is not of the form {site.code}-NNNN")
    sequence = int(match.group(1))
    locked = Site.objects.select_for_update().get(pk=site.pk)
    if sequence > locked.last_screening_sequence:
        locked.last_screening_sequence = sequence
        locked.save(update_fields=["last_screening_sequence"])
    return sequence


def screening_save(
    *,
    screening: Screening | None,
    document: exchange.ScreeningDocument,
    expected_version: int | None,
    by: User,
    keep_number: bool = False,
) -> Evaluation:
    """Store a validated document as a screening (new when ``screening`` is None), evaluate
    it and append the evaluation.

    ``expected_version`` is the version the edit started from; if someone saved since,
    :class:`StaleScreening` is raised and nothing is stored. ``keep_number`` creates a new
    screening under the document's own ``screening_id`` (import of an exported record).
    """
    with transaction.atomic(), pghistory.context(user=by.pk):
        site = Site.objects.get(code=document.site)
        values = documents.model_values(document)
        if screening is None:
            if keep_number and document.screening_id:
                sequence = _claim_number(site, document.screening_id)
                number = document.screening_id
            else:
                sequence, number = _next_number(site)
            screening = Screening(site=site, sequence=sequence, number=number, created_by=by, updated_by=by,
                                  **values)
            screening.save()
        else:
            current = Screening.objects.select_for_update().get(pk=screening.pk)
            if expected_version is not None and current.version != expected_version:
                raise StaleScreening(current)
            screening = current
            for field, value in values.items():
                setattr(screening, field, value)
            screening.version += 1
            screening.updated_by = by
            screening.save()
        for name, rows in documents.list_rows(document).items():
            _sync_rows(screening, name, rows)
        return _evaluate_and_append(screening, by=by)


def _evaluate_and_append(screening: Screening, *, by: User) -> Evaluation:
    """Evaluate the stored screening, exactly as exported, and append the evaluation."""
    stored = screening_document(screening=screening)
    parsed = exchange.parse_screening(stored, today=timezone.localdate(), known_sites=known_site_codes())
    evaluation = evaluate(parsed, CURRENT.id)
    result = exchange.as_json_data(exchange.result_document(evaluation, screening_id=screening.number))
    screening.status = evaluation.status
    screening.failed_count = len(evaluation.failed)
    screening.missing_count = len(evaluation.missing)
    screening.save(update_fields=["status", "failed_count", "missing_count", "updated_at"])
    return Evaluation.objects.create(
        screening=screening, ruleset=evaluation.ruleset, input_document=stored, result_document=result,
        status=evaluation.status, created_by=by,
    )


def screening_import(
    *, raw: bytes | str | dict[str, Any], by: User, screening: Screening | None = None,
    expected_version: int | None = None, allowed_sites: set[str] | None = None,
) -> Evaluation:
    """Import one document: into ``screening`` when given (its data replaced, its number
    kept), else the screening named by the document's ``screening_id`` (created under
    that number when none exists yet, as ``screen --save`` does).

    Raises ``exchange.RefusedDocument`` (nothing stored) for an invalid document, a site
    not in ``allowed_sites``, or a ``screening_id`` that does not match ``screening``.
    """
    doc = exchange.parse_screening(raw, today=timezone.localdate(), known_sites=known_site_codes())
    if allowed_sites is not None and doc.site not in allowed_sites:
        raise exchange.RefusedDocument([exchange.DocumentError("/site", f"you cannot enter screenings for {doc.site}")])
    if screening is not None:
        if doc.screening_id not in (None, screening.number) or doc.site != screening.site.code:
            raise exchange.RefusedDocument([exchange.DocumentError(
                "/screening_id", f"this document is {doc.screening_id or doc.site}, not {screening.number}")])
        return screening_save(screening=screening, document=doc, expected_version=expected_version, by=by)
    existing = Screening.objects.filter(number=doc.screening_id).first() if doc.screening_id else None
    if existing is not None and existing.site.code != doc.site:
        raise exchange.RefusedDocument([exchange.DocumentError(
            "/screening_id", f"{doc.screening_id} belongs to site {existing.site.code}, not {doc.site}")])
    try:
        return screening_save(screening=existing, document=doc, expected_version=None, by=by, keep_number=True)
    except ScreeningNumberRefused as exc:
        raise exchange.RefusedDocument([exchange.DocumentError("/screening_id", str(exc))]) from None
