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
from django.utils.translation import gettext as _

from screening import documents, exchange, selectors
from screening.models import (
    DRUG_NAME_MAX_LENGTH,
    INITIALS_MAX_LENGTH,
    LIST_MODELS,
    Evaluation,
    Role,
    Screening,
    Signature,
    SignatureMeaning,
    Site,
    Status,
    Unlock,
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


class ScreeningLocked(Exception):  # noqa: N818
    """The screening is signed and locked: an investigator must unlock it (with a reason) first."""

    def __init__(self, screening: Screening) -> None:
        super().__init__(f"{screening.number} is signed and locked")
        self.screening = screening


class SignatureRefused(Exception):  # noqa: N818
    """A sign-off that cannot be made (wrong password, incomplete status, wrong meaning, ...)."""


def known_site_codes() -> set[str]:
    return set(Site.objects.values_list("code", flat=True))


def screening_document(*, screening: Screening) -> dict[str, Any]:
    """The `alter-screening/1` document of a stored screening (export)."""
    return documents.build_document(
        site_code=screening.site.code, screening_id=screening.number,
        value_of=lambda field: getattr(screening, field), lists=selectors.screening_rows(screening),
    )


def _sync_rows(screening: Screening, name: str, rows: list[dict[str, Any]]) -> None:
    """Make the screening's rows of one list equal ``rows``, position by position.

    Unchanged rows are left alone, so that the history records only real changes.
    """
    model = LIST_MODELS[name]
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
            if current.locked:
                raise ScreeningLocked(current)
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
    screening.failed_criteria = list(evaluation.failed)
    screening.missing_criteria = list(evaluation.missing)
    screening.save(update_fields=["status", "failed_count", "missing_count", "failed_criteria", "missing_criteria",
                                  "updated_at"])
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
    too_long = _too_long_to_store(doc)
    if too_long:
        raise exchange.RefusedDocument(too_long)
    if allowed_sites is not None and doc.site not in allowed_sites:
        raise exchange.RefusedDocument([exchange.DocumentError("/site", f"you cannot enter screenings for {doc.site}")])
    if screening is not None:
        if doc.screening_id not in (None, screening.number) or doc.site != screening.site.code:
            raise exchange.RefusedDocument([exchange.DocumentError(
                "/screening_id", f"this document is {doc.screening_id or doc.site}, not {screening.number}")])
        try:
            return screening_save(screening=screening, document=doc, expected_version=expected_version, by=by)
        except ScreeningLocked:
            raise exchange.RefusedDocument([exchange.DocumentError(
                "", f"{screening.number} is signed and locked; an investigator must unlock it first")]) from None
    existing = Screening.objects.filter(number=doc.screening_id).first() if doc.screening_id else None
    if existing is not None and existing.site.code != doc.site:
        raise exchange.RefusedDocument([exchange.DocumentError(
            "/screening_id", f"{doc.screening_id} belongs to site {existing.site.code}, not {doc.site}")])
    try:
        return screening_save(screening=existing, document=doc, expected_version=None, by=by, keep_number=True)
    except ScreeningNumberRefused as exc:
        raise exchange.RefusedDocument([exchange.DocumentError("/screening_id", str(exc))]) from None
    except ScreeningLocked as exc:
        raise exchange.RefusedDocument([exchange.DocumentError(
            "/screening_id", f"{exc.screening.number} is signed and locked; an investigator must unlock it first")
        ]) from None


def _too_long_to_store(doc: exchange.ScreeningDocument) -> list[exchange.DocumentError]:
    """Free text longer than the record keeps (the format sets no limit; the database does)."""
    errors = []
    initials = doc.patient.initials if doc.patient is not None else None
    if initials is not None and len(initials) > INITIALS_MAX_LENGTH:
        errors.append(exchange.DocumentError(
            "/patient/initials", _("at most %(n)s characters") % {"n": INITIALS_MAX_LENGTH}))
    drugs = doc.prior_therapy.drugs if doc.prior_therapy is not None else None
    for i, drug in enumerate(drugs or ()):
        if len(drug) > DRUG_NAME_MAX_LENGTH:
            errors.append(exchange.DocumentError(
                f"/prior_therapy/drugs/{i}", _("at most %(n)s characters") % {"n": DRUG_NAME_MAX_LENGTH}))
    return errors


_MEANING_FOR_STATUS = {
    Status.ELIGIBLE: SignatureMeaning.ELIGIBILITY_CONFIRMED,
    Status.INELIGIBLE: SignatureMeaning.SCREEN_FAILURE_CONFIRMED,
}


def screening_sign(*, screening: Screening, by: User, password: str, meaning: str,
                   evaluation_id: int | None = None) -> Signature:
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
            raise SignatureRefused(_("The meaning of the signature must match the status (%(status)s).") % {
                "status": current.get_status_display()})
        signature = Signature.objects.create(screening=current, evaluation=latest, meaning=meaning, signed_by=by)
        current.locked = True
        current.save(update_fields=["locked", "updated_at"])
        return signature


def screening_unlock(*, screening: Screening, by: User, reason: str) -> Unlock:
    """Unlock a signed screening for correction; the reason is recorded, and any new save
    will need a new signature."""
    if by.role != Role.INVESTIGATOR:
        raise SignatureRefused(_("Only an investigator can unlock a signed screening."))
    if not reason.strip():
        raise SignatureRefused(_("Give the reason for unlocking."))
    with transaction.atomic(), pghistory.context(user=by.pk, action="unlock", reason=reason.strip()):
        current = Screening.objects.select_for_update().get(pk=screening.pk)
        signature = current.signatures.order_by("-signed_at", "-id").first()
        if not current.locked or signature is None:
            raise SignatureRefused(_("This screening is not locked."))
        unlock = Unlock.objects.create(screening=current, signature=signature, reason=reason.strip(), unlocked_by=by)
        current.locked = False
        current.save(update_fields=["locked", "updated_at"])
        return unlock


def screening_rescreen(*, screening: Screening, by: User) -> Evaluation:
    """Screen a screen-failed patient again: a new screening (new number) linked to the
    earlier one, starting from its data; the earlier screening and its history stay."""
    if screening.status != Status.INELIGIBLE:
        raise SignatureRefused(_("Only a screen failure can be re-screened."))
    document = exchange.parse_screening(
        {**screening_document(screening=screening), "screening_id": None},
        today=timezone.localdate(), known_sites=known_site_codes())
    with transaction.atomic():
        evaluation = screening_save(screening=None, document=document, expected_version=None, by=by)
        new = evaluation.screening
        with pghistory.context(user=by.pk):
            new.rescreening_of = screening
            new.save(update_fields=["rescreening_of", "updated_at"])
        return evaluation

