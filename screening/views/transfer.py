"""A screening as an `alter-screening/1` JSON document: export, and import."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import OperationalError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from screening import exchange, selectors, services
from screening.forms import ImportForm
from screening.http import AuthenticatedHttpRequest


def screening_export(request: AuthenticatedHttpRequest, number: str) -> HttpResponse:
    screening = selectors.screening_visible_to(request.user, number)
    # The export carries the record's version: importing it after someone else's save is refused.
    document = services.screening_document(screening=screening, with_version=True)
    response = JsonResponse(document, json_dumps_params={"indent": 2})
    response["Content-Disposition"] = f'attachment; filename="{screening.number}-v{screening.version}.json"'
    return response


def _refused(
    request: AuthenticatedHttpRequest,
    errors: list[exchange.DocumentError],
    *,
    number: str | None,
    status: int = 400,
    form: ImportForm | None = None,
    changes: list[services.StoredChange] | None = None,
    identity: services.IdentityMismatch | None = None,
) -> HttpResponse:
    # Every error is reported (``manage.py screen`` prints them all); a page lists the first
    # ones, so that a hostile file of a million errors cannot make a page of a million rows.
    return render(
        request,
        "screening/import_refused.html",
        {
            "errors": errors[:ERRORS_SHOWN],
            "more_errors": max(0, len(errors) - ERRORS_SHOWN),
            "number": number,
            "form": form,
            "changes": changes or [],
            "identity": identity,
        },
        status=status,
    )


ERRORS_SHOWN = 200


@require_POST
def screening_import(request: AuthenticatedHttpRequest, number: str | None = None) -> HttpResponse:
    """Import into an existing screening (its number kept), or as a new one."""
    screening = None
    if number is not None:
        screening = selectors.screening_visible_to(request.user, number)
        if not selectors.can_edit(request.user, screening):
            raise PermissionDenied
    entry_sites = {s.code for s in selectors.sites_for_entry(request.user)}
    if not entry_sites:
        raise PermissionDenied
    form = ImportForm(request.POST, request.FILES)
    if screening is not None:
        # Replacing a screening's data names the version it replaces (no lost updates).
        form.fields["version"].required = True
    if not form.is_valid():
        errors = [exchange.DocumentError("", "; ".join(str(e) for e in errs)) for errs in form.errors.values()]
        return _refused(request, errors, number=number)
    raw = form.cleaned_data["document"]
    # Only the parser is inside this try: a ValueError raised by the import itself is a bug
    # to see, not a file "that is not JSON".
    try:
        json.loads(raw)
    except RecursionError:
        # Nested deeper than Python's parser goes: JSON or not, the exchange format refuses
        # it at its path ("nested more than 8 levels deep"), reading it without recursion.
        pass
    except ValueError:  # a clear message for a file that is not JSON at all
        return _refused(request, [exchange.DocumentError("", _("The file is not a JSON document."))], number=number)
    try:
        evaluation = services.screening_import(
            raw=raw,
            by=request.user,
            screening=screening,
            expected_version=form.cleaned_data.get("version"),
            allowed_sites=entry_sites,
            reason=form.cleaned_data["reason_for_change"],
            identity_confirmed=form.cleaned_data["confirm_identity_correction"],
            save_key=form.cleaned_data.get("save_key"),
        )
    except exchange.RefusedDocument as refused:
        return _refused(request, refused.errors, number=number)
    except services.AlreadySaved as done:
        messages.info(request, done.message)
        return redirect("screening:detail", number=done.screening.number)
    except (services.StaleScreening, services.VersionRequired) as stale:
        return _refused(request, [exchange.DocumentError("/record_version", stale.message)], number=number, status=409)
    except services.ScreeningLocked as locked:
        return _refused(request, [exchange.DocumentError("/screening_id", locked.message)], number=number, status=409)
    except services.SaveKeyReused as reused:
        return _refused(request, [exchange.DocumentError("", reused.message)], number=number, status=409)
    except services.IdentityMismatch as mismatch:
        return _refused(
            request,
            [exchange.DocumentError("/patient", mismatch.message)],
            number=number,
            status=409,
            form=form,
            identity=mismatch,
        )
    except services.ReasonRequired as needed:
        return _refused(
            request,
            [exchange.DocumentError("", _("Give the reason for changing values saved before."))],
            number=number,
            form=form,
            changes=needed.changes,
        )
    except OperationalError:
        response = _refused(
            request,
            [
                exchange.DocumentError(
                    "",
                    _("The database did not answer in time; nothing was imported. Import the file again in a moment."),
                )
            ],
            number=number,
            status=503,
        )
        response["Retry-After"] = "10"
        return response
    messages.success(
        request,
        _("Imported %(number)s: %(status)s.")
        % {"number": evaluation.screening.number, "status": evaluation.get_status_display()},
    )
    return redirect("screening:detail", number=evaluation.screening.number)
