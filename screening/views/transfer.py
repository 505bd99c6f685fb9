"""A screening as an `alter-screening/1` JSON document: export, and import."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from screening import exchange, selectors, services
from screening.forms import ImportForm


def screening_export(request: HttpRequest, number: str) -> HttpResponse:
    screening = selectors.screening_visible_to(request.user, number)  # type: ignore[arg-type]
    response = JsonResponse(services.screening_document(screening=screening), json_dumps_params={"indent": 2})
    response["Content-Disposition"] = f'attachment; filename="{screening.number}.json"'
    return response


def _refused(request: HttpRequest, errors: list[exchange.DocumentError], *, number: str | None) -> HttpResponse:
    return render(request, "screening/import_refused.html", {"errors": errors, "number": number}, status=400)


@require_POST
def screening_import(request: HttpRequest, number: str | None = None) -> HttpResponse:
    """Import into an existing screening (its number kept), or as a new one."""
    screening = None
    if number is not None:
        screening = selectors.screening_visible_to(request.user, number)  # type: ignore[arg-type]
        if not selectors.can_edit(request.user, screening):  # type: ignore[arg-type]
            raise PermissionDenied
    entry_sites = {s.code for s in selectors.sites_for_entry(request.user)}  # type: ignore[arg-type]
    if not entry_sites:
        raise PermissionDenied
    form = ImportForm(request.POST, request.FILES)
    if screening is not None:
        # Replacing a screening's data names the version it replaces (no lost updates).
        form.fields["version"].required = True
    if not form.is_valid():
        errors = [exchange.DocumentError("", "; ".join(str(e) for e in errs)) for errs in form.errors.values()]
        return _refused(request, errors, number=number)
    try:
        json.loads(form.cleaned_data["document"])  # a clear message for a file that is not JSON at all
        evaluation = services.screening_import(
            raw=form.cleaned_data["document"], by=request.user, screening=screening,  # type: ignore[arg-type]
            expected_version=form.cleaned_data.get("version"), allowed_sites=entry_sites)
    except (ValueError, exchange.RefusedDocument) as exc:
        errors = exc.errors if isinstance(exc, exchange.RefusedDocument) else [
            exchange.DocumentError("", _("The file is not a JSON document."))]
        return _refused(request, errors, number=number)
    except services.StaleScreening:
        messages.error(request, _("Someone saved this screening after you opened it; nothing was imported. "
                                  "Reload it and import again."))
        return redirect("screening:detail", number=number)
    messages.success(request, _("Imported %(number)s: %(status)s.") % {
        "number": evaluation.screening.number, "status": evaluation.get_status_display()})
    return redirect("screening:detail", number=evaluation.screening.number)
