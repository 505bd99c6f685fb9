"""Lab results from the hospital: a FHIR input's proposals, approved on a page (fhir-labs.md).

Upload (or, where ``FHIR_BASE_URL`` is set, fetch) shows every proposal beside the lab
rows on file, and every skipped Observation with its reason; nothing is stored. The
approval adds the approved rows, as corrected on the page, in one save through
``services.screening_add_lab_results``.
"""

from __future__ import annotations

import uuid
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import OperationalError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from screening import fhir_import, selectors, services
from screening.fhir.reading import InputError, RefusedInput
from screening.fhir.server import FetchFailed
from screening.forms import FhirLabsFetchForm, FhirLabsUploadForm, LabProposalForms, unit_label
from screening.http import AuthenticatedHttpRequest
from screening.models import LabSourceKind, LabTest, Screening


def _screening_to_change(request: AuthenticatedHttpRequest, number: str) -> Screening:
    screening = selectors.screening_visible_to(request.user, number)
    if not selectors.can_edit(request.user, screening):
        raise PermissionDenied
    return screening


def _locked(request: AuthenticatedHttpRequest, screening: Screening) -> HttpResponse:
    messages.error(
        request,
        _(
            "This screening is signed and locked: an investigator must unlock it, with a reason, "
            "before lab results can be added. Nothing was stored."
        ),
    )
    return redirect("screening:detail", number=screening.number)


def _refused(
    request: AuthenticatedHttpRequest, screening: Screening, errors: list[InputError], *, status: int = 400
) -> HttpResponse:
    return render(
        request,
        "screening/fhir_labs_refused.html",
        {"screening": screening, "errors": [(e.path, e.text.render(_)) for e in errors]},
        status=status,
    )


def _review_page(
    request: AuthenticatedHttpRequest,
    screening: Screening,
    review: fhir_import.Review,
    forms: LabProposalForms,
    *,
    save_key: uuid.UUID | None = None,
    version: int | None = None,
    status: int = 200,
    **extra: Any,
) -> HttpResponse:
    rows = []
    for i, (proposal, form) in enumerate(zip(review.proposed, forms.forms, strict=True)):
        problems = review.problems.get(i, [])
        rows.append(
            {
                "proposal": proposal,
                "form": form,
                "problems": [message for _field, message in problems],
                "test_label": LabTest(proposal.test).label,
                "unit_label": unit_label(proposal.unit),
                "ready": not problems and not form.errors,
            }
        )
    return render(
        request,
        "screening/fhir_labs.html",
        {
            "screening": screening,
            "review": review,
            "rows": rows,
            "on_file": [
                {**row, "test_label": LabTest(row["test"]).label, "source": source}
                for row, source in selectors.lab_rows(screening)
            ],
            "skipped": [
                {"observation": s.observation, "code": s.code, "reason": s.reason.render(_)} for s in review.skipped
            ],
            "payload": fhir_import.sign(review),
            "version": version if version is not None else screening.version,
            "save_key": save_key or uuid.uuid4(),
            "from_server": review.origin_kind == LabSourceKind.SERVER,
            **extra,
        },
        status=status,
    )


def _initial_forms(review: fhir_import.Review) -> LabProposalForms:
    return LabProposalForms([fhir_import.proposal_row(p) for p in review.proposed])


@require_POST
def fhir_labs_upload(request: AuthenticatedHttpRequest, number: str) -> HttpResponse:
    """The proposals of an uploaded FHIR file; stores nothing."""
    screening = _screening_to_change(request, number)
    if screening.locked:
        return _locked(request, screening)
    form = FhirLabsUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(
            request,
            "screening/fhir_labs_refused.html",
            {"screening": screening, "errors": [("", " ".join(str(e) for e in errs)) for errs in form.errors.values()]},
            status=400,
        )
    upload = request.FILES.get("file")
    name = PurePath((upload.name if upload is not None else None) or "").name[:255] or "upload.json"
    try:
        review = fhir_import.review_input(
            screening=screening, raw=form.cleaned_data["file"], origin_kind=LabSourceKind.FILE, origin=name
        )
    except RefusedInput as refused:
        return _refused(request, screening, refused.errors)
    return _review_page(request, screening, review, _initial_forms(review))


@require_POST
def fhir_labs_fetch(request: AuthenticatedHttpRequest, number: str) -> HttpResponse:
    """The proposals of the patient's recent Observations on the FHIR server; stores nothing
    (the identifier is not kept beyond this request)."""
    if not settings.FHIR_BASE_URL:
        raise Http404("No FHIR server is configured")
    screening = _screening_to_change(request, number)
    if screening.locked:
        return _locked(request, screening)
    form = FhirLabsFetchForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter the patient's identifier at the hospital (IPP)."))
        return redirect(reverse("screening:detail", args=[screening.number]) + "#section-labs")
    try:
        review = fhir_import.fetch_from_server(screening=screening, identifier=form.cleaned_data["identifier"])
    except FetchFailed as failed:
        return _refused(request, screening, [InputError("", failed.text)], status=502)
    except RefusedInput as refused:
        return _refused(request, screening, refused.errors)
    return _review_page(request, screening, review, _initial_forms(review))


def _version(request: AuthenticatedHttpRequest) -> int | None:
    text = request.POST.get("version", "")
    return int(text) if text.isdigit() else None


def _save_key(request: AuthenticatedHttpRequest) -> uuid.UUID | None:
    try:
        return uuid.UUID(request.POST.get("save_key", ""))
    except ValueError:
        return None


@require_POST
def fhir_labs_approve(request: AuthenticatedHttpRequest, number: str) -> HttpResponse:
    """Add the approved proposals, as corrected on the page, in one save."""
    screening = _screening_to_change(request, number)
    try:
        review = fhir_import.unsign(request.POST.get("payload", ""), screening=screening)
    except fhir_import.PayloadRefused as refused:
        messages.error(request, refused.message)
        return redirect("screening:detail", number=screening.number)
    data = request.POST.copy()
    if "approve_all" in data:
        for i in range(len(review.proposed)):
            data[f"proposal-{i}-approve"] = "on"
    forms = LabProposalForms([fhir_import.proposal_row(p) for p in review.proposed], data=data)
    version, save_key = _version(request), _save_key(request)

    def again(status: int, **extra: Any) -> HttpResponse:
        rows = forms.rows()
        complete = [i for i, row in enumerate(rows) if row is not None]
        found = fhir_import.problems(screening, [row for row in rows if row is not None])
        review.problems = {complete[j]: messages_ for j, messages_ in found.items()}
        return _review_page(
            request, screening, review, forms, save_key=save_key, version=version, status=status, **extra
        )

    approved = forms.approved()
    if "check" in data:
        return again(200)
    if screening.locked:
        return _locked(request, screening)
    if not approved:
        return again(400, refusal=_("Tick the lab results to approve, or approve them all."))
    if not all(forms.forms[i].is_valid() for i in approved):
        return again(400, refusal=_("Correct the lab results marked below before approving them; nothing was stored."))
    labs = [_approved_lab(review, forms, i) for i in approved]
    try:
        evaluation = services.screening_add_lab_results(
            screening=screening, labs=labs, expected_version=version, by=request.user, save_key=save_key
        )
    except services.AlreadySaved as done:
        messages.info(request, done.message)
        return redirect("screening:detail", number=screening.number)
    except services.SaveKeyReused as reused:
        return again(409, refusal=reused.message)
    except services.LabRowsRefused as refused:
        for j, errors in refused.by_row.items():
            form = forms.forms[approved[j]]
            for field_name, message in errors:
                form.add_error(field_name if field_name in form.fields else None, message)
        return again(400, refusal=refused.message, other_errors=[e.message for e in refused.other])
    except (services.StaleScreening, services.VersionRequired) as stale:
        return again(
            409,
            refusal=f"{stale.message} " + _("Import the lab results again to compare them with what is stored now."),
        )
    except services.ScreeningLocked:
        return _locked(request, screening)
    except OperationalError:
        response = again(
            503, refusal=_("The database did not answer in time; nothing was stored. Approve again in a moment.")
        )
        response["Retry-After"] = "10"
        return response
    messages.success(
        request,
        _("%(count)s lab result(s) added from %(origin)s: %(status)s.")
        % {"count": len(labs), "origin": review.origin, "status": evaluation.get_status_display()},
    )
    return redirect(reverse("screening:detail", args=[screening.number]) + "#section-labs")


def _approved_lab(review: fhir_import.Review, forms: LabProposalForms, index: int) -> services.ApprovedLab:
    proposal = review.proposed[index]
    cleaned = forms.forms[index].cleaned_data
    return services.ApprovedLab(
        test=proposal.test,
        value=cleaned["value"],
        unit=cleaned["unit"],
        date=cleaned["date"],
        uln=cleaned["uln"],
        observation=proposal.source.observation,
        loinc=proposal.source.loinc,
        value_received=fhir_import.number_text(proposal.source.value),
        unit_received=proposal.source.unit,
        origin_kind=review.origin_kind,
        origin=review.origin,
    )
