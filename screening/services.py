"""What changes screenings: each service is one transaction, named <entity>_<action>.

Every save, whatever its origin (form, JSON import, ``screen --save``), goes through
:func:`screening_save`: the document is validated by the exchange format, stored in the
screening's rows, evaluated, and the evaluation appended. Nothing is stored from a
document that is refused.
"""

from __future__ import annotations

import datetime
import difflib
import json
import re
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import pghistory
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from screening import checklist, document_mapping, exchange, selectors
from screening.document_mapping import LIST_FIELDS
from screening.errors import DomainError
from screening.models import (
    LIST_MODELS,
    ChecklistPrint,
    Evaluation,
    LabResult,
    LabResultSource,
    LabTest,
    Role,
    SaveKind,
    SaveRequest,
    Screening,
    Sex,
    Signature,
    SignatureMeaning,
    Site,
    Status,
    Unlock,
    User,
    verbose_name_of,
)
from screening.rules import limits, units
from screening.rules.document import ScreeningDocument
from screening.rules.ruleset import CURRENT, EligibilityResult, evaluate


class StaleScreening(DomainError):
    """Someone saved the screening after this edit began: saving would overwrite their work."""

    code = "stale_screening"

    def __init__(self, screening: Screening, *, expected_version: int | None = None) -> None:
        super().__init__(
            _(
                "%(number)s was saved by %(user)s at %(time)s (now version %(version)s) after the "
                "version %(expected)s this change started from; nothing was stored."
            )
            % {
                "number": screening.number,
                "user": person_name(screening.updated_by),
                "time": timezone.localtime(screening.updated_at).strftime("%Y-%m-%d %H:%M %Z"),
                "version": screening.version,
                "expected": expected_version,
            }
        )
        self.screening = screening
        self.expected_version = expected_version


class VersionRequired(DomainError):
    """A document without ``record_version`` may create a screening, never overwrite one."""

    code = "version_required"

    def __init__(self, screening: Screening) -> None:
        super().__init__(
            _(
                "%(number)s already exists (version %(version)s): a document without record_version "
                "cannot overwrite it. Export the screening, change the export and import that."
            )
            % {"number": screening.number, "version": screening.version}
        )
        self.screening = screening


class ScreeningNumberRefused(DomainError):
    """An imported document names a screening number this site cannot take."""

    code = "screening_number_refused"


class ScreeningLocked(DomainError):
    """The screening is signed and locked: an investigator must unlock it (with a reason) first."""

    code = "screening_locked"

    def __init__(self, screening: Screening) -> None:
        super().__init__(
            _("%(number)s is signed and locked; an investigator must unlock it first.") % {"number": screening.number}
        )
        self.screening = screening


class SignatureRefused(DomainError):
    """A sign-off that cannot be made (wrong password, incomplete status, wrong meaning, ...)."""

    code = "signature_refused"


class UnlockRefused(DomainError):
    """An unlock that cannot be made (not an investigator, no reason given, not locked)."""

    code = "unlock_refused"


class RescreeningRefused(DomainError):
    """A re-screening that cannot be made (not a screen failure, or already re-screened)."""

    code = "rescreening_refused"

    def __init__(self, message: str, *, existing: Screening | None = None) -> None:
        super().__init__(message)
        self.existing = existing


class IdentityMismatch(DomainError):
    """The document names another patient than the stored screening (initials, date of birth, sex)."""

    code = "identity_mismatch"

    def __init__(self, screening: Screening, *, stored: dict[str, Any], given: dict[str, Any]) -> None:
        super().__init__(
            _(
                "%(number)s is the screening of %(stored)s; this document is of %(given)s. Nothing was "
                "stored. If this corrects the patient's identity, confirm the correction and give the "
                "reason; if it is another patient, create a new screening."
            )
            % {"number": screening.number, "stored": _identity_text(stored), "given": _identity_text(given)}
        )
        self.screening = screening
        self.stored = stored
        self.given = given


class ReasonRequired(DomainError):
    """Values stored by an earlier save change or go: the audit trail needs the reason."""

    code = "reason_required"

    def __init__(self, changes: list[StoredChange]) -> None:
        super().__init__(
            _("Give the reason for changing values saved before: %(changes)s.")
            % {"changes": "; ".join(str(c) for c in changes)}
        )
        self.changes = changes


class SaveKeyReused(DomainError):
    """The idempotency key of this form was used by another person's save or for another
    screening: the page is stale or was copied, and nothing is stored."""

    code = "save_key_reused"
    default_message = gettext_lazy("This form was already used for another save: reload the page.")


class AlreadySaved(DomainError):
    """This very request (same idempotency key) was already carried out: nothing is stored twice."""

    code = "already_saved"

    def __init__(self, request: SaveRequest) -> None:
        super().__init__(
            _("This was already saved (%(number)s, %(time)s); it was not stored a second time.")
            % {
                "number": request.screening.number,
                "time": timezone.localtime(request.created_at).strftime("%Y-%m-%d %H:%M"),
            }
        )
        self.request = request
        self.screening = request.screening
        self.evaluation = request.evaluation


def person_name(user: User) -> str:
    """The full name a page shows for a user, or the username when none is set."""
    return user.get_full_name() or user.username


IDENTITY_FIELDS: Final = ("initials", "date_of_birth", "sex")


def _identity_text(identity: dict[str, Any]) -> str:
    born = identity.get("date_of_birth")
    return _("%(initials)s, born %(born)s, %(sex)s") % {
        "initials": identity.get("initials") or "?",
        "born": born.isoformat() if isinstance(born, datetime.date) else "?",
        "sex": Sex(identity["sex"]).label if identity.get("sex") else "?",
    }


@dataclass(frozen=True)
class StoredChange:
    """A value stored by an earlier save that this save changes (``new``) or deletes (``new`` None)."""

    what: str
    old: str
    new: str | None

    def __str__(self) -> str:
        if self.new is None:
            return _("%(what)s: %(old)s deleted") % {"what": self.what, "old": self.old}
        return f"{self.what}: {self.old} → {self.new}"


def known_site_codes() -> set[str]:
    return set(Site.objects.values_list("code", flat=True))


def screening_document(*, screening: Screening, with_version: bool = False) -> dict[str, Any]:
    """The `alter-screening/1` document of a stored screening.

    An export (``with_version``) carries the record's version, so that importing it after
    someone else's save is refused; the document an evaluation keeps does not (the rules
    never read it).
    """
    lists = selectors.screening_rows(screening)
    labs = selectors.lab_rows(screening) if with_version else []
    if with_version:
        lists["labs"] = [row for row, _source in labs]
    document = document_mapping.build_document(
        site_code=screening.site.code,
        screening_id=screening.number,
        value_of=lambda field: getattr(screening, field),
        lists=lists,
    )
    if with_version:
        document["record_version"] = screening.version
        # Each lab row's source (fhir-labs.md, "Approval"): only in the export, the
        # evaluated document keeps its shape.
        for lab, (_row, source) in zip(document["labs"], labs, strict=True):
            if source is not None:
                lab["source"] = lab_source_document(source)
    return document


def lab_source_document(source: LabResultSource) -> dict[str, Any]:
    """A lab row's source as an export writes it (``labs[].source``; rules/document.py LabSource)."""
    return {
        "observation": source.observation,
        "loinc": source.loinc,
        "value": json.loads(source.value_received),
        "unit": source.unit_received,
        "origin": source.origin,
        "approved_by": source.approved_by.username,
        "approved_at": timezone.localtime(source.approved_at).isoformat(timespec="seconds"),
    }


def _blank(value: Any) -> bool:
    return value is None or value == ""


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float):
        return format(value, "g")
    return str(value)


@dataclass
class _RowPlan:
    """How one list of the screening becomes the document's list, keeping unchanged rows."""

    name: str
    keep: list[tuple[Any, int]] = field(default_factory=list)  # (row, position)
    update: list[tuple[Any, dict[str, Any], int]] = field(default_factory=list)  # (row, changed values, position)
    delete: list[Any] = field(default_factory=list)
    insert: list[tuple[dict[str, Any], int]] = field(default_factory=list)  # (values, position)
    stored_changes: list[StoredChange] = field(default_factory=list)


def _row_label(name: str, row: Any, position: int) -> str:
    model = LIST_MODELS[name]
    label = str(capfirst(model._meta.verbose_name))
    if name == "labs":
        return f"{label} {position + 1} ({LabTest(row.test).label}, {row.date.isoformat()})"
    if name == "drugs":
        return f"{label} {position + 1} ({row.name})"
    return f"{label} {position + 1}"


def _plan_rows(screening: Screening, name: str, rows: list[dict[str, Any]]) -> _RowPlan:
    """Match the stored rows of one list with the document's, in order (longest common
    run of equal rows): equal rows are kept, paired rows updated, the rest deleted or added.

    A stored value that changes or goes is a :class:`StoredChange` (it needs a reason);
    an added row, or a blank of a stored row being filled, is not.
    """
    model = LIST_MODELS[name]
    fields = LIST_FIELDS[name][1]
    existing = list(model._default_manager.filter(screening=screening).order_by("position", "id"))
    old_keys = [_row_key(name, fields, lambda f, row=row: getattr(row, f)) for row in existing]
    new_keys = [_row_key(name, fields, values.__getitem__) for values in rows]
    plan = _RowPlan(name)
    matcher = difflib.SequenceMatcher(a=old_keys, b=new_keys, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            plan.keep.extend((existing[i1 + k], j1 + k) for k in range(i2 - i1))
            continue
        paired = min(i2 - i1, j2 - j1) if tag == "replace" else 0
        for k in range(paired):
            row, values = existing[i1 + k], rows[j1 + k]
            changed = {f: values[f] for f in fields if not _same_value(name, row, f, values)}
            plan.update.append((row, changed, j1 + k))
            overwritten = [f for f in changed if not _blank(getattr(row, f))]
            if overwritten:
                plan.stored_changes.append(
                    StoredChange(
                        what=_row_label(name, row, i1 + k),
                        old=", ".join(f"{_field_label(model, f)} {_shown(getattr(row, f))}" for f in overwritten),
                        new=", ".join(f"{_field_label(model, f)} {_shown(values[f])}" for f in overwritten),
                    )
                )
        for k in range(i1 + paired, i2):
            plan.delete.append(existing[k])
            plan.stored_changes.append(
                StoredChange(what=_row_label(name, existing[k], k), old=_row_summary(name, existing[k]), new=None)
            )
        plan.insert.extend((rows[k], k) for k in range(j1 + paired, j2))
    return plan


def _row_key(name: str, fields: tuple[str, ...], value_of: Any) -> tuple[Any, ...]:
    """A row's values for matching stored rows with the document's: a lab's unit by the unit it
    is (``umol/L`` and ``µmol/L`` are one), so that a form offering one spelling per unit does
    not change a row stored with another."""
    key = [value_of(f) for f in fields]
    if name == "labs":
        unit = fields.index("unit")
        key[unit] = units.unit_option(key[unit])
    return tuple(key)


def _same_value(name: str, row: Any, field_name: str, values: dict[str, Any]) -> bool:
    old, new = getattr(row, field_name), values[field_name]
    if name == "labs" and field_name == "unit":
        return bool(units.same_unit(row.test, old, new)) if values["test"] == row.test else old == new
    return bool(old == new)


def _field_label(model: type[models.Model], name: str) -> str:
    return str(verbose_name_of(model, name))


def _row_summary(name: str, row: Any) -> str:
    fields = LIST_FIELDS[name][1]
    return " ".join(_shown(getattr(row, f)) for f in fields if not _blank(getattr(row, f)))


def _apply_rows(screening: Screening, plan: _RowPlan) -> None:
    """Carry out a row plan; rows that do not change are not written (the history records only real changes)."""
    model = LIST_MODELS[plan.name]

    def with_canonical(values: dict[str, Any], row: Any = None) -> dict[str, Any]:
        if plan.name != "labs":
            return values
        merged: dict[str, Any] = {f: values.get(f, getattr(row, f, None)) for f in ("test", "value", "unit", "uln")}
        return {
            **values,
            "value_canonical": units.to_canonical(merged["test"], merged["value"], merged["unit"], merged["uln"]),
        }

    for row in plan.delete:
        row.delete()
    for row, position in plan.keep:
        if row.position != position:
            row.position = position
            row.save(update_fields=["position"])
    for row, changed, position in plan.update:
        values = {**with_canonical(changed, row), "position": position}
        values = {f: v for f, v in values.items() if getattr(row, f) != v}
        for f, v in values.items():
            setattr(row, f, v)
        if values:
            row.save(update_fields=list(values))
    for values, position in plan.insert:
        model._default_manager.create(screening=screening, position=position, **with_canonical(values))


def _scalar_changes(screening: Screening, values: dict[str, Any]) -> list[StoredChange]:
    """Scalar values stored before that this save changes or clears (filling a blank is not one)."""
    changes = []
    for name, new in values.items():
        old = getattr(screening, name)
        if _blank(old) or old == new:
            continue
        changes.append(
            StoredChange(
                what=str(capfirst(_field_label(Screening, name))),
                old=_shown(old),
                new=None if _blank(new) else _shown(new),
            )
        )
    return changes


# Screening numbers (exchange format, "Limits"): the site code, "-", then 4 to 6 ASCII
# digits, not all zero. ``[0-9]``, not ``\d``: ``\d`` also matches Arabic-Indic and other
# digits, which int() reads (IPC-١٢٣٤ would be sequence 1234).
SEQUENCE_DIGITS: Final = re.compile(r"[0-9]{4,6}")
SEQUENCE_MAX: Final = limits.SCREENING_SEQUENCE_MAX
# An imported number moves the site's counter at most up to here, the last four-digit
# number: one import of IPC-999999 must not push every later new screening past what six
# digits hold. A larger imported number is kept as it is, and the counter steps over it
# when it gets there (README, "Limits").
COUNTER_MAX_FROM_IMPORT: Final = 9_999
# Taken sequences looked up per query when the counter steps over imported numbers.
_SEQUENCE_WINDOW: Final = 1_000


def _first_free_sequence(site: Site, start: int) -> int:
    """The first sequence from ``start`` that no screening of the site holds (imported
    numbers above :data:`COUNTER_MAX_FROM_IMPORT` did not move the counter)."""
    sequence = start
    while True:
        taken = set(
            Screening.objects.filter(
                site=site, sequence__gte=sequence, sequence__lt=sequence + _SEQUENCE_WINDOW
            ).values_list("sequence", flat=True)
        )
        end = sequence + _SEQUENCE_WINDOW
        while sequence in taken:
            sequence += 1
        if sequence < end:
            return sequence


def _next_number(site: Site) -> tuple[int, str]:
    """The next screening number of a site, never reused (the site row is locked).

    Four digits up to 9999, then five and six (the exchange format allows 4 to 6).
    """
    locked = Site.objects.select_for_update().get(pk=site.pk)
    sequence = _first_free_sequence(locked, locked.last_screening_sequence + 1)
    if sequence > SEQUENCE_MAX:
        raise ScreeningNumberRefused(
            _("Site %(site)s has used all its screening numbers (up to %(site)s-%(max)s); nothing was stored.")
            % {"site": locked.code, "max": SEQUENCE_MAX}
        )
    locked.last_screening_sequence = sequence
    locked.save(update_fields=["last_screening_sequence"])
    return sequence, f"{locked.code}-{sequence:04d}"


def _number_form_error(site_code: str, number: str) -> str | None:
    """Why ``number`` is not a screening number of site ``site_code``, or None.

    One message for every number that is not of the site, whether a screening exists
    under it or not: an import must not tell which numbers another site has.
    """
    prefix = f"{site_code}-"
    digits = number[len(prefix) :] if number.startswith(prefix) else None
    if digits is None or SEQUENCE_DIGITS.fullmatch(digits) is None or int(digits) == 0:
        return _(
            "screening number %(number)s is not a number of site %(site)s: %(site)s- then 4 to 6 digits 0-9, "
            "not all zero (%(site)s-0007)"
        ) % {"number": repr(number), "site": site_code}
    return None


def _claim_number(site: Site, number: str) -> int:
    """Take an imported document's own number (SITE- then 4 to 6 digits) for a new screening.

    Refused (:class:`ScreeningNumberRefused`) when the number is not of the site, or when
    its sequence is taken (IPC-00001 when IPC-0001 exists). The counter moves past it only
    up to :data:`COUNTER_MAX_FROM_IMPORT`.
    """
    error = _number_form_error(site.code, number)
    if error is not None:
        raise ScreeningNumberRefused(error)
    sequence = int(number[len(site.code) + 1 :])
    locked = Site.objects.select_for_update().get(pk=site.pk)
    holder = Screening.objects.filter(site=locked, sequence=sequence).values_list("number", flat=True).first()
    if holder is not None:
        raise ScreeningNumberRefused(
            _(
                "screening number %(number)s is the same number as %(holder)s, which exists: "
                "import into %(holder)s, or leave screening_id out for a new number"
            )
            % {"number": repr(number), "holder": holder}
        )
    if locked.last_screening_sequence < sequence <= COUNTER_MAX_FROM_IMPORT:
        locked.last_screening_sequence = sequence
        locked.save(update_fields=["last_screening_sequence"])
    return sequence


def _advisory_lock(key: uuid.UUID) -> None:
    """Serialise requests that carry the same idempotency key (until this transaction ends)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(key.bytes[:8], "big", signed=True)])


def _replayed(key: uuid.UUID | None, *, by: User, screening: Screening | None) -> None:
    """Raise :class:`AlreadySaved` when the request with this key was already carried out."""
    if key is None:
        return
    _advisory_lock(key)
    done = SaveRequest.objects.select_related("screening", "evaluation").filter(key=key).first()
    if done is None:
        return
    if done.created_by_id != by.pk or (screening is not None and done.screening_id != screening.pk):
        raise SaveKeyReused
    raise AlreadySaved(done)


def screening_save(
    *,
    screening: Screening | None,
    document: ScreeningDocument,
    expected_version: int | None,
    by: User,
    keep_number: bool = False,
    reason: str = "",
    identity_confirmed: bool = False,
    save_key: uuid.UUID | None = None,
) -> Evaluation:
    """Store a validated document as a screening (new when ``screening`` is None), evaluate
    it and append the evaluation.

    An update must name ``expected_version``, the version it started from: when someone
    saved since, :class:`StaleScreening`; without it, :class:`VersionRequired`. A document of
    another patient (initials, date of birth or sex differing from stored ones) is refused
    (:class:`IdentityMismatch`) unless ``identity_confirmed``. Changing or deleting a value
    an earlier save stored needs ``reason`` (:class:`ReasonRequired`); it is recorded with
    every change in the history. ``save_key`` makes the save idempotent: a request repeated
    with the same key raises :class:`AlreadySaved` and stores nothing. ``keep_number``
    creates a new screening under the document's own ``screening_id``. On any refusal
    nothing is stored.
    """
    reason = reason.strip()
    with transaction.atomic(), pghistory.context(user=by.pk):
        site = Site.objects.get(code=document.site)
        values = document_mapping.model_values(document)
        rows = document_mapping.list_rows(document)
        if screening is None:
            _replayed(save_key, by=by, screening=None)
            if keep_number and document.screening_id:
                sequence = _claim_number(site, document.screening_id)
                number = document.screening_id
            else:
                sequence, number = _next_number(site)
            screening = Screening(site=site, sequence=sequence, number=number, created_by=by, updated_by=by, **values)
            screening.save()
            plans = [_plan_rows(screening, name, list_rows) for name, list_rows in rows.items()]
            kind = SaveKind.CREATE
        else:
            current = Screening.objects.select_for_update().select_related("updated_by").get(pk=screening.pk)
            _replayed(save_key, by=by, screening=current)
            if current.locked:
                raise ScreeningLocked(current)
            # Another patient's data is refused first: it is the gravest mistake, whatever the version.
            stored = {f: getattr(current, f) for f in IDENTITY_FIELDS}
            given = {f: values[f] for f in IDENTITY_FIELDS}
            identity_changed = any(not _blank(stored[f]) and stored[f] != given[f] for f in IDENTITY_FIELDS)
            if identity_changed and not identity_confirmed:
                raise IdentityMismatch(current, stored=stored, given=given)
            if expected_version is None:
                raise VersionRequired(current)
            if current.version != expected_version:
                raise StaleScreening(current, expected_version=expected_version)
            plans = [_plan_rows(current, name, list_rows) for name, list_rows in rows.items()]
            changes = _scalar_changes(current, values) + [c for plan in plans for c in plan.stored_changes]
            if changes and not reason:
                raise ReasonRequired(changes)
            if changes:
                # Joins the save's history context: every event of this save carries the reason.
                pghistory.context(reason=reason, **({"identity_correction": True} if identity_changed else {}))
            screening = current
            for name, value in values.items():
                setattr(screening, name, value)
            screening.version += 1
            screening.updated_by = by
            screening.save()
            kind = SaveKind.UPDATE
        for plan in plans:
            _apply_rows(screening, plan)
        evaluation = _evaluate_and_append(screening, by=by)
        if save_key is not None:
            SaveRequest.objects.create(
                key=save_key, kind=kind, screening=screening, evaluation=evaluation, created_by=by
            )
        return evaluation


def evaluate_document(
    stored: dict[str, Any],
    *,
    ruleset_id: str,
    today: datetime.date,
    screening_id: str | None,
    known_sites: Collection[str] | None = None,
) -> tuple[EligibilityResult, dict[str, Any]]:
    """A stored input document evaluated under the ruleset ``ruleset_id`` as on ``today``
    (the day its dates are checked against): the result, and its result document as stored.
    What a save, a re-evaluation under an amendment and a reproduction all run. A caller
    evaluating many documents passes ``known_sites`` (the site codes, read once) to save
    a query per document."""
    sites = known_site_codes() if known_sites is None else known_sites
    parsed = exchange.parse_screening(stored, today=today, known_sites=sites)
    evaluation = evaluate(parsed, ruleset_id)
    result: dict[str, Any] = exchange.as_json_data(exchange.result_document(evaluation, screening_id=screening_id))
    return evaluation, result


def _evaluate_and_append(screening: Screening, *, by: User) -> Evaluation:
    """Evaluate the stored screening, exactly as exported, and append the evaluation."""
    stored = screening_document(screening=screening)
    evaluation, result = evaluate_document(
        stored, ruleset_id=CURRENT.id, today=timezone.localdate(), screening_id=screening.number
    )
    screening.status = evaluation.status
    screening.failed_count = len(evaluation.failed)
    screening.missing_count = len(evaluation.missing)
    screening.failed_criteria = list(evaluation.failed)
    screening.missing_criteria = list(evaluation.missing)
    screening.save(
        update_fields=["status", "failed_count", "missing_count", "failed_criteria", "missing_criteria", "updated_at"]
    )
    return Evaluation.objects.create(
        screening=screening,
        ruleset=evaluation.ruleset,
        input_document=stored,
        result_document=result,
        status=evaluation.status,
        created_by=by,
    )


def screening_import(
    *,
    raw: bytes | str | dict[str, Any],
    by: User,
    screening: Screening | None = None,
    expected_version: int | None = None,
    allowed_sites: set[str] | None = None,
    reason: str = "",
    identity_confirmed: bool = False,
    save_key: uuid.UUID | None = None,
) -> Evaluation:
    """Import one document: into ``screening`` when given (its data replaced, its number
    kept), else the screening named by the document's ``screening_id`` (created under
    that number when none exists yet, as ``screen --save`` does).

    Overwriting an existing screening takes the document's ``record_version`` (an export
    carries it) as the version the change started from: a stale export is refused
    (:class:`StaleScreening`), a document without one too (:class:`VersionRequired`),
    except into the ``screening`` of the importing page, whose ``expected_version`` (the
    version the page showed) then names the base; when both are given they must agree.

    Raises ``exchange.RefusedDocument`` (nothing stored) for an invalid document, a site
    not in ``allowed_sites``, or a ``screening_id`` that does not match ``screening``; the
    refusals of :func:`screening_save` pass through.
    """
    doc = exchange.parse_screening(raw, today=timezone.localdate(), known_sites=known_site_codes())
    # An int once parsed (the format accepts 1.0 for 1), although the document's type says a number.
    record_version = None if doc.record_version is None else int(doc.record_version)
    if allowed_sites is not None and doc.site not in allowed_sites:
        raise exchange.RefusedDocument(
            [exchange.DocumentError("/site", _("you cannot enter screenings for %(site)s") % {"site": doc.site})]
        )
    options: dict[str, Any] = {
        "by": by,
        "reason": reason,
        "identity_confirmed": identity_confirmed,
        "save_key": save_key,
    }
    if screening is not None:
        if doc.screening_id not in (None, screening.number) or doc.site != screening.site.code:
            raise exchange.RefusedDocument(
                [
                    exchange.DocumentError(
                        "/screening_id",
                        _("this document is %(document)s, not %(number)s")
                        % {"document": doc.screening_id or doc.site, "number": screening.number},
                    )
                ]
            )
        if expected_version is not None and record_version is not None and expected_version != record_version:
            # The page is newer than the file: the file was exported before someone's save.
            current = Screening.objects.select_related("updated_by").get(pk=screening.pk)
            raise StaleScreening(current, expected_version=record_version)
        # Into a screening chosen on its page: the page's version names the base when the
        # document (made elsewhere) carries none.
        base = record_version if record_version is not None else expected_version
        return screening_save(screening=screening, document=doc, expected_version=base, **options)
    # The number's form first, whether or not a screening holds it: the answer must not
    # tell which numbers another site has.
    number_error = _number_form_error(doc.site, doc.screening_id) if doc.screening_id is not None else None
    if number_error is not None:
        raise exchange.RefusedDocument([exchange.DocumentError("/screening_id", number_error)])
    existing = (
        Screening.objects.filter(site__code=doc.site, number=doc.screening_id).first() if doc.screening_id else None
    )
    try:
        return screening_save(
            screening=existing, document=doc, expected_version=record_version, keep_number=True, **options
        )
    except ScreeningNumberRefused as exc:
        path = "/screening_id" if doc.screening_id is not None else ""
        raise exchange.RefusedDocument([exchange.DocumentError(path, exc.message)]) from None


@dataclass(frozen=True)
class ApprovedLab:
    """A lab row a coordinator approved from a FHIR input (as corrected on the page), with its source."""

    test: str
    value: float
    unit: str
    date: datetime.date
    uln: float | None
    observation: str
    loinc: str
    value_received: str  # the number as written in the input
    unit_received: str
    origin_kind: str
    origin: str

    def row(self) -> dict[str, Any]:
        row: dict[str, Any] = {"test": self.test, "value": self.value, "unit": self.unit, "date": self.date.isoformat()}
        if self.uln is not None:
            row["uln"] = self.uln
        return row


class LabRowsRefused(DomainError):
    """Approved rows the exchange format refuses (an implausible value, a missing ULN...):
    nothing was stored. ``by_row`` holds the errors of each approved row, by its index
    among the approved rows, as (field, message); ``other`` the rest."""

    code = "lab_rows_refused"

    def __init__(self, by_row: dict[int, list[tuple[str | None, str]]], other: list[exchange.DocumentError]) -> None:
        super().__init__(_("Correct the lab results marked below before approving them; nothing was stored."))
        self.by_row = by_row
        self.other = other


class NoLabApproved(DomainError):
    """An approval of FHIR lab results that approves none of them."""

    code = "no_lab_approved"
    default_message = gettext_lazy("Approve at least one lab result to save.")


def lab_rows_refusal(errors: list[exchange.DocumentError], *, first: int) -> LabRowsRefused:
    """The exchange format's errors of a document whose rows from ``/labs/<first>`` on are the added ones."""
    by_row: dict[int, list[tuple[str | None, str]]] = {}
    other = []
    for error in errors:
        list_name, index, field_name = document_mapping.field_for_path(error.path)
        if list_name == "labs" and index is not None and index >= first:
            by_row.setdefault(index - first, []).append((field_name, error.message))
        else:
            other.append(error)
    return LabRowsRefused(by_row, other)


def screening_add_lab_results(
    *,
    screening: Screening,
    labs: Sequence[ApprovedLab],
    expected_version: int | None,
    by: User,
    save_key: uuid.UUID | None = None,
) -> Evaluation:
    """Add approved lab rows to a screening in one save, each keeping its source
    (fhir-labs.md, "Approval"); nothing else in the screening changes.

    The rows are added after the stored ones and saved by :func:`screening_save`, as the
    form's would be: validated by the exchange format (:class:`LabRowsRefused`), evaluated,
    recorded in the history, refused when someone saved since ``expected_version``
    (:class:`StaleScreening`) or the screening is locked; idempotent by ``save_key``. On
    any refusal nothing is stored.
    """
    if not labs:
        raise NoLabApproved
    with transaction.atomic(), pghistory.context(user=by.pk):
        current = Screening.objects.select_for_update().select_related("site", "updated_by").get(pk=screening.pk)
        # A repeated approval is answered before the version it changed is compared.
        _replayed(save_key, by=by, screening=current)
        if current.locked:
            raise ScreeningLocked(current)
        if expected_version is None:
            raise VersionRequired(current)
        if current.version != expected_version:
            raise StaleScreening(current, expected_version=expected_version)
        # Built from the locked row: exactly what is stored, with the approved rows added.
        document = screening_document(screening=current)
        first = len(document["labs"])
        document["labs"] = [*document["labs"], *(lab.row() for lab in labs)]
        try:
            parsed = exchange.parse_screening(document, today=timezone.localdate(), known_sites=known_site_codes())
        except exchange.RefusedDocument as refused:
            raise lab_rows_refusal(refused.errors, first=first) from None
        evaluation = screening_save(
            screening=current, document=parsed, expected_version=expected_version, by=by, save_key=save_key
        )
        added = list(LabResult.objects.filter(screening=current, position__gte=first).order_by("position", "id"))
        if [(r.test, r.date) for r in added] != [(lab.test, lab.date) for lab in labs]:
            # The stored rows are kept as they are and the approved ones appended, in order.
            raise AssertionError(f"added rows {added} are not the approved {labs}")
        LabResultSource.objects.bulk_create(
            LabResultSource(
                lab=row,
                screening=current,
                observation=lab.observation,
                loinc=lab.loinc,
                value_received=lab.value_received,
                unit_received=lab.unit_received,
                origin_kind=lab.origin_kind,
                origin=lab.origin,
                approved_by=by,
            )
            for row, lab in zip(added, labs, strict=True)
        )
        return evaluation


_MEANING_FOR_STATUS = {
    Status.ELIGIBLE: SignatureMeaning.ELIGIBILITY_CONFIRMED,
    Status.INELIGIBLE: SignatureMeaning.SCREEN_FAILURE_CONFIRMED,
}


def screening_sign(
    *, screening: Screening, by: User, password: str, meaning: str, evaluation_id: int | None = None
) -> Signature:
    """The investigator's electronic signature of the latest evaluation; locks the screening.

    Re-authentication: ``password`` must be the signer's own. Refused while the status is
    incomplete, when the stated meaning does not match the status, when the screening
    changed since the page showed ``evaluation_id``, or when it is already signed.
    """
    if by.role != Role.INVESTIGATOR:
        raise SignatureRefused(_("Only an investigator can sign eligibility."))
    if not by.check_password(password):
        raise SignatureRefused(_("Wrong password: the signature was not recorded."))
    with transaction.atomic(), pghistory.context(user=by.pk, action="sign"):
        current = Screening.objects.select_for_update().get(pk=screening.pk)
        latest = current.evaluations.order_by("-created_at", "-id").first()
        if latest is None or current.status == Status.INCOMPLETE:
            raise SignatureRefused(_("An incomplete screening cannot be signed: every criterion must be decided."))
        if evaluation_id is not None and latest.pk != evaluation_id:
            raise SignatureRefused(_("The screening changed since you opened it: review it again before signing."))
        if current.locked:
            raise SignatureRefused(_("This screening is already signed."))
        if _MEANING_FOR_STATUS.get(Status(current.status)) != meaning:
            raise SignatureRefused(
                _("The meaning of the signature must match the status (%(status)s).")
                % {"status": current.get_status_display()}
            )
        # An eligibility confirmation states that every judgment is answered: refuse it
        # while one is not (the status alone is not relied upon for what the text says).
        if current.status == Status.ELIGIBLE and any(
            getattr(current, name) is None for name in document_mapping.JUDGMENT_FIELDS
        ):
            raise SignatureRefused(_("Eligibility cannot be confirmed while an investigator judgment is not answered."))
        signature = Signature.objects.create(screening=current, evaluation=latest, meaning=meaning, signed_by=by)
        current.locked = True
        # The list's "last change" is this signature: its time and its signer.
        current.updated_by = by
        current.save(update_fields=["locked", "updated_at", "updated_by"])
        return signature


def screening_unlock(*, screening: Screening, by: User, reason: str) -> Unlock:
    """Unlock a signed screening for correction; the reason is recorded, and any new save
    will need a new signature."""
    if by.role != Role.INVESTIGATOR:
        raise UnlockRefused(_("Only an investigator can unlock a signed screening."))
    if not reason.strip():
        raise UnlockRefused(_("Give the reason for unlocking."))
    with transaction.atomic(), pghistory.context(user=by.pk, action="unlock", reason=reason.strip()):
        current = Screening.objects.select_for_update().get(pk=screening.pk)
        signature = current.signatures.order_by("-signed_at", "-id").first()
        if not current.locked or signature is None:
            raise UnlockRefused(_("This screening is not locked."))
        unlock = Unlock.objects.create(screening=current, signature=signature, reason=reason.strip(), unlocked_by=by)
        current.locked = False
        current.updated_by = by
        current.save(update_fields=["locked", "updated_at", "updated_by"])
        return unlock


# What stays true of the patient between two screenings: who they are, the tumour's
# pathology and the treatments already given. Dated results (labs, LVEF, ECOG, pregnancy
# tests), consent, judgments and the evaluation belong to one screening and start afresh.
RESCREENING_CARRIED_FIELDS: Final = (
    "initials",
    "sex",
    "date_of_birth",
    "histologically_confirmed",
    "bilateral",
    "prior_her2_or_trop2_adc",
)
RESCREENING_CARRIED_LISTS: Final = ("tumour_samples", "drugs")


def _display(row: models.Model, name: str) -> str:
    """A stored value as the pages show it (a choice by its label, in the active language)."""
    value = getattr(row, name)
    if _blank(value):
        return ""
    display = getattr(row, f"get_{name}_display", None)
    return str(display()) if display is not None else _shown(value)


def rescreening_carry_over(*, screening: Screening) -> list[tuple[str, str]]:
    """What a re-screening of ``screening`` starts from, as (label, value) for the confirmation page."""
    carried = [
        (str(capfirst(_field_label(Screening, name))), _display(screening, name))
        for name in RESCREENING_CARRIED_FIELDS
        if not _blank(getattr(screening, name))
    ]
    for name in RESCREENING_CARRIED_LISTS:
        model = LIST_MODELS[name]
        fields = LIST_FIELDS[name][1]
        for i, row in enumerate(model._default_manager.filter(screening=screening).order_by("position", "id")):
            summary = ", ".join(
                f"{_field_label(model, f)} {_display(row, f)}" if name != "drugs" else _display(row, f)
                for f in fields
                if not _blank(getattr(row, f))
            )
            carried.append((f"{capfirst(model._meta.verbose_name)} {i + 1}", summary))
    return carried


def screening_rescreen(*, screening: Screening, by: User, save_key: uuid.UUID | None = None) -> Evaluation:
    """Screen a screen-failed patient again: a new screening (new number) linked to the
    earlier one, carrying over only what stays true of the patient; the earlier screening
    and its history stay. Idempotent by ``save_key``; a screening is re-screened once."""
    with transaction.atomic():
        # Decided on the locked row: a save at the same moment cannot slip in between.
        earlier = Screening.objects.select_for_update().select_related("site").get(pk=screening.pk)
        if save_key is not None:
            _replayed(save_key, by=by, screening=None)
        if earlier.status != Status.INELIGIBLE:
            raise RescreeningRefused(_("Only a screen failure can be re-screened."))
        rows = selectors.screening_rows(earlier)
        kept = document_mapping.build_document(
            site_code=earlier.site.code,
            screening_id=None,
            value_of=lambda name: getattr(earlier, name) if name in RESCREENING_CARRIED_FIELDS else None,
            lists={name: rows[name] for name in RESCREENING_CARRIED_LISTS},
        )
        kept["assessment_date"] = timezone.localdate().isoformat()
        document = exchange.parse_screening(kept, today=timezone.localdate(), known_sites=known_site_codes())
        already = Screening.objects.filter(rescreening_of=earlier).first()
        if already is not None:
            raise RescreeningRefused(
                _("%(old)s was already re-screened as %(new)s.") % {"old": earlier.number, "new": already.number},
                existing=already,
            )
        evaluation = screening_save(screening=None, document=document, expected_version=None, by=by)
        new = evaluation.screening
        with pghistory.context(user=by.pk):
            new.rescreening_of = earlier
            new.save(update_fields=["rescreening_of", "updated_at"])
        if save_key is not None:
            SaveRequest.objects.create(
                key=save_key, kind=SaveKind.RESCREEN, screening=new, evaluation=evaluation, created_by=by
            )
        return evaluation


def checklist_print(*, screening: Screening, by: User) -> tuple[ChecklistPrint, bytes]:
    """The screening's eligibility checklist as a PDF, and the history row of its download.

    The PDF is built first (it only reads), then the row is appended in a transaction of
    its own: who printed which evaluation, signed or draft, in which language, with the
    hash printed on it and the time of its "generated" line.
    """
    printed_at = timezone.now()
    built = checklist.checklist_build(screening=screening, by=by, generated_at=printed_at)
    with transaction.atomic():
        record = ChecklistPrint.objects.create(
            screening=screening,
            evaluation=built.evaluation,
            signature=built.signature,
            language=built.language,
            result_sha256=built.sha256,
            printed_by=by,
            printed_at=printed_at,
        )
    return record, built.pdf
