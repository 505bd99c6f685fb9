"""Entering a screening: the form, its evaluation panel, and saving.

The panel is re-evaluated as the coordinator types (htmx posts the form to
``screening_evaluate``, which stores nothing); with JavaScript off, the form still
works and the panel shows the last saved evaluation.
"""

from __future__ import annotations

import functools
import json
import uuid
from typing import Any, TypedDict

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import OperationalError
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from screening import checklist, exchange, expiry, selectors, services, unit_doubts
from screening.forms import ScreeningEntry, unit_choices
from screening.http import AuthenticatedHttpRequest
from screening.models import Evaluation, LabResultSource, Role, Screening, Site, SiteDefaultUnit, Status
from screening.panel import panel_context, stored_panel
from screening.rules import units
from screening.rules.document import ScreeningDocument
from screening.rules.ruleset import DEFAULT, evaluate


def _entry_site(request: AuthenticatedHttpRequest) -> Site | None:
    """The site a new screening is entered for: the chosen one among the user's, or the only one."""
    sites = selectors.sites_for_entry(request.user)
    code = request.POST.get("site") or request.GET.get("site")
    if code:
        return sites.filter(code=code).first()
    return sites.first() if sites.count() == 1 else None


def _validated(entry: ScreeningEntry, *, site_code: str, number: str | None) -> ScreeningDocument | None:
    """The entry as a validated document, or None with the errors added to the form.

    Every error at once (issue 10): when fields fail to parse, the document of what did parse
    is still validated, and its errors join the fields that have none yet. The messages are
    written for the page: dates and numbers in the language's format, units as the form
    shows them, lab rows by their test and date.
    """
    valid = entry.is_valid()
    with exchange.message_style(exchange.LocalizedStyle()):
        try:
            document = exchange.parse_screening(
                entry.document(site_code=site_code, screening_id=number),
                today=timezone.localdate(),
                known_sites=services.known_site_codes(),
            )
        except exchange.RefusedDocument as refused:
            entry.add_document_errors(refused.errors)
            return None
    return document if valid else None


def _render(
    request: AuthenticatedHttpRequest,
    *,
    entry: ScreeningEntry,
    screening: Screening | None,
    site: Site | None,
    editable: bool,
    status: int = 200,
    conflict: Screening | None = None,
    lab_sources: list[LabResultSource | None] | None = None,
    may_edit: bool | None = None,
    **extra: Any,
) -> HttpResponse:
    if may_edit is None:  # (the caller may know it already: asked once per request)
        may_edit = screening is not None and selectors.can_edit(request.user, screening)
    if screening is not None and not entry.form.is_bound:
        # Each stored lab row with its source (fhir-labs.md): the formset's rows are the stored rows, in order.
        sources = lab_sources if lab_sources is not None else selectors.lab_sources(screening)
        for form, source in zip(entry.formsets["labs"].forms, sources, strict=False):
            form.lab_source = source
    # The signature is shown only on a locked screening (an unlock ends its effect).
    signature = screening.signatures.select_related("signed_by").first() if screening and screening.locked else None
    # Their dates, authors and statuses, not their documents (but the latest's result, for the
    # panel, in the same query); counted only when there are more than listed.
    evaluations = selectors.latest_evaluations(screening, 20) if screening is not None else []
    latest = evaluations[0] if evaluations else None
    latest_result = latest.latest_result_document if latest is not None else None
    if latest is not None and latest_result is not None and not entry.form.is_bound:
        panel = stored_panel(latest.pk, latest.created_at, latest_result, entry=entry)
    else:
        panel = panel_context(latest_result, preview=False, entry=entry)
    evaluations_total = (
        screening.evaluations.count() if screening is not None and len(evaluations) == 20 else len(evaluations)
    )
    user = request.user
    entry_sites = selectors.sites_for_entry(user)
    return render(
        request,
        "screening/form.html",
        {
            "signature": signature,
            # A signed screening re-evaluated since its signature (a protocol amendment), until reviewed.
            "outcome_changed": selectors.outcome_changed_since_signature(screening) if screening else None,
            "can_review": may_edit and user.role == Role.INVESTIGATOR,
            "can_rescreen": may_edit and screening is not None and screening.status == Status.INELIGIBLE,
            "entry": entry,
            "screening": screening,
            "site": site,
            "editable": editable,
            "entry_sites": entry_sites,
            "conflict": conflict,
            "import_key": uuid.uuid4(),
            "fhir_server": bool(settings.FHIR_BASE_URL),
            **extra,
            "units_json": _units_json(screening=screening, site=site, entry_sites=entry_sites),
            "evaluations": evaluations,
            "evaluations_total": evaluations_total,
            **panel,
            "expiry": expiry.screening_labs_expiry(
                screening=screening, result_document=latest_result, today=timezone.localdate()
            ),
        },
        status=status,
    )


class _Page(TypedDict):
    """What every rendering of one screening's page names (:func:`_render`'s arguments)."""

    screening: Screening | None
    site: Site | None


@functools.cache
def _unit_lists(language: str | None) -> dict[str, list[list[str]]]:
    """Each test's unit options (value, label) in ``language``: they never change."""
    with translation.override(language):
        return {test: [[u, str(label)] for u, label in unit_choices(test)] for test in units.LAB_UNITS}


def _units_json(*, screening: Screening | None, site: Site | None, entry_sites: QuerySet[Site]) -> str:
    """What the page's script needs for the unit lists: each test's options (value, label),
    and the default units of the sites the page may save for (a new row of a test starts with
    its site's unit, shown chosen; none where the site has no default)."""
    sites = [screening.site] if screening is not None else list(entry_sites)
    defaults: dict[str, dict[str, str]] = {s.code: {} for s in sites}
    for code, test, unit in SiteDefaultUnit.objects.filter(site__in=sites).values_list("site__code", "test", "unit"):
        defaults[code][test] = unit
    return json.dumps(
        {
            "units": _unit_lists(translation.get_language()),
            "defaults": defaults,
            "site": screening.site.code if screening is not None else (site.code if site is not None else None),
        }
    )


def _warn_unit_doubts(request: AuthenticatedHttpRequest, document: ScreeningDocument) -> None:
    # Saved as entered (the values are valid), and said where the coordinator looks next:
    # a unit that makes a usual result unusual (ANC 2,1 /mm³) is likely a slip.
    for doubt in unit_doubts.lab_unit_doubts(document):
        messages.warning(request, doubt)


def _already_saved(request: AuthenticatedHttpRequest, done: services.AlreadySaved) -> HttpResponse:
    # A repeated submission of a page whose save was stored: show what the first one stored.
    messages.info(request, done.message)
    return redirect("screening:detail", number=done.screening.number)


def _database_fault(request: AuthenticatedHttpRequest, entry: ScreeningEntry, **context: Any) -> HttpResponse:
    # A lock or statement timeout, or a lost connection, inside the save's transaction: it
    # was rolled back whole. Say so, and keep what was typed on screen to save again.
    messages.error(
        request,
        _(
            "The database did not answer in time; nothing was saved. Your entries are still "
            "below: save again in a moment."
        ),
    )
    response = _render(request, entry=entry, status=503, **context)
    response["Retry-After"] = "10"
    return response


@require_http_methods(["GET", "POST"])
def screening_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not selectors.sites_for_entry(request.user).exists():
        raise PermissionDenied
    site = _entry_site(request)
    if request.method == "GET":
        entry = ScreeningEntry(initial={"assessment_date": timezone.localdate()})
        return _render(request, entry=entry, screening=None, site=site, editable=True)
    entry = ScreeningEntry(data=request.POST)
    if site is None:
        entry.is_valid()
        entry.form.add_error(None, _("Choose the site of this screening."))
        return _render(request, entry=entry, screening=None, site=None, editable=True, status=400)
    document = _validated(entry, site_code=site.code, number=None)
    if document is None:
        return _render(request, entry=entry, screening=None, site=site, editable=True, status=400)
    try:
        evaluation = services.screening_save(
            screening=None, document=document, expected_version=None, by=request.user, save_key=entry.save_key
        )
    except services.AlreadySaved as done:
        return _already_saved(request, done)
    except services.SaveKeyReused as reused:
        entry.form.add_error(None, reused.message)
        return _render(request, entry=entry, screening=None, site=site, editable=True, status=409)
    except services.ScreeningNumberRefused as refused:
        entry.form.add_error(None, refused.message)
        return _render(request, entry=entry, screening=None, site=site, editable=True, status=409)
    except OperationalError:
        return _database_fault(request, entry, screening=None, site=site, editable=True)
    messages.success(
        request,
        _("Screening %(number)s created: %(status)s.")
        % {"number": evaluation.screening.number, "status": evaluation.get_status_display()},
    )
    _warn_unit_doubts(request, document)
    return redirect("screening:detail", number=evaluation.screening.number)


@require_http_methods(["GET", "POST"])
def screening_detail(request: AuthenticatedHttpRequest, number: str) -> HttpResponse:
    # Its creator and last editor are not shown on the page (a conflict shows the screening saved meanwhile).
    screening = selectors.screening_visible_to(request.user, number, with_authors=False)
    may_edit = selectors.can_edit(request.user, screening)
    editable = may_edit and not screening.locked
    if request.method == "GET":
        rows, sources = selectors.screening_page_rows(screening)
        entry = ScreeningEntry(screening=screening, rows=rows)
        return _render(
            request,
            entry=entry,
            screening=screening,
            site=screening.site,
            editable=editable,
            lab_sources=sources,
            may_edit=may_edit,
        )
    if not may_edit:
        raise PermissionDenied
    entry = ScreeningEntry(data=request.POST, screening=screening)
    page = _Page(screening=screening, site=screening.site)
    if screening.locked:
        entry.is_valid()
        messages.error(
            request,
            _(
                "This screening is signed and locked: an investigator must unlock it, with a "
                "reason, before it can change. Nothing was saved."
            ),
        )
        return _render(request, entry=entry, editable=False, status=409, **page)
    document = _validated(entry, site_code=screening.site.code, number=screening.number)
    if document is None:
        return _render(request, entry=entry, editable=True, status=400, **page)
    try:
        evaluation = services.screening_save(
            screening=screening,
            document=document,
            expected_version=entry.version,
            by=request.user,
            reason=entry.reason_for_change,
            identity_confirmed=entry.identity_confirmed,
            save_key=entry.save_key,
        )
    except services.AlreadySaved as done:
        return _already_saved(request, done)
    except services.SaveKeyReused as reused:
        entry.form.add_error(None, reused.message)
        return _render(request, entry=entry, editable=True, status=409, **page)
    except services.ScreeningLocked:
        messages.error(request, _("This screening was signed and locked meanwhile. Nothing was saved."))
        return _render(request, entry=entry, editable=False, status=409, **page)
    except services.StaleScreening as stale:
        # Keep what this person typed on screen, and say who saved in between.
        when = timezone.localtime(stale.screening.updated_at).strftime("%H:%M")
        if stale.screening.updated_by_id == request.user.pk:
            text = _(
                "You saved this screening at %(time)s in another window or tab, after this page was opened. "
                "Nothing of this page was saved: your entries are still below. Open the screening again to see "
                "that save, re-apply these entries, and save."
            )
        else:
            text = _(
                "%(user)s saved this screening at %(time)s, after you opened it. Nothing of yours was saved: "
                "your entries are still below. Open the screening again in another tab to see their changes, "
                "re-apply yours, and save."
            )
        messages.error(request, text % {"user": services.person_name(stale.screening.updated_by), "time": when})
        return _render(request, entry=entry, editable=True, status=409, conflict=stale.screening, **page)
    except services.IdentityMismatch as mismatch:
        # Said at the top, where the page opens, and again at the checkbox that answers it.
        messages.error(request, mismatch.message)
        entry.form.add_error("confirm_identity_correction", mismatch.message)
        return _render(request, entry=entry, editable=True, status=409, identity_mismatch=mismatch, **page)
    except services.ReasonRequired as needed:
        messages.error(
            request,
            _("Nothing was saved: give the reason for changing values saved before (at the bottom of the form)."),
        )
        entry.form.add_error("reason_for_change", _("Give the reason for changing values saved before."))
        return _render(request, entry=entry, editable=True, status=400, changes=needed.changes, **page)
    except OperationalError:
        return _database_fault(request, entry, editable=True, **page)
    messages.success(request, _("Saved: %(status)s.") % {"status": evaluation.get_status_display()})
    _warn_unit_doubts(request, document)
    return redirect("screening:detail", number=screening.number)


@require_POST
def screening_evaluate(request: AuthenticatedHttpRequest, number: str | None = None) -> HttpResponse:
    """The evaluation panel for the form as typed so far; stores nothing."""
    site: Site | None
    if number is not None:
        screening = selectors.screening_visible_to(request.user, number)
        site = screening.site
        site_code = site.code
    else:
        site = _entry_site(request)
        site_code = site.code if site is not None else next(iter(services.known_site_codes()), "IPC")
    entry = ScreeningEntry(data=request.POST)
    document = _validated(entry, site_code=site_code, number=number)
    if document is None:
        return render(request, "screening/_panel.html", {**panel_context(None, preview=True), "entry": entry})
    # The ruleset a save at this moment would evaluate under: the one in force at the site
    # today (no site chosen yet: the default one, as at a site without an amendment).
    today = timezone.localdate()
    in_force = DEFAULT if site is None else services.ruleset_for_evaluation(site=site, today=today)
    result = exchange.as_json_data(exchange.result_document(evaluate(document, in_force.id), screening_id=number))
    return render(
        request, "screening/_panel.html", {**panel_context(result, preview=True, entry=entry), "entry": entry}
    )


def evaluation_detail(request: AuthenticatedHttpRequest, number: str, pk: int) -> HttpResponse:
    """One stored evaluation, as it was: its input document and its result."""
    screening = selectors.screening_visible_to(request.user, number)
    evaluation = Evaluation.objects.select_related("created_by").filter(screening=screening, pk=pk).first()
    if evaluation is None:
        raise Http404
    # Its place among the screening's evaluations, oldest first: an old one is not "the last saved".
    order = list(screening.evaluations.order_by("created_at", "id").values_list("pk", flat=True))
    return render(
        request,
        "screening/evaluation.html",
        {
            "screening": screening,
            "evaluation": evaluation,
            "evaluation_position": {
                "n": order.index(evaluation.pk) + 1,
                "total": len(order),
                "created_at": evaluation.created_at,
            },
            "signatures": evaluation.signatures.select_related("signed_by").order_by("signed_at", "id"),
            "input_json": json.dumps(evaluation.input_document, indent=2, ensure_ascii=False),
            # What a printed checklist of this evaluation carries in its footer.
            "result_sha256": checklist.result_sha256(evaluation.result_document),
            **panel_context(evaluation.result_document, preview=False),
        },
    )
