"""The eligibility checklist of a screening, as a PDF to file (screening/checklist.py builds it)."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.views.decorators.http import require_GET

from screening import checklist, selectors, services
from screening.http import AuthenticatedHttpRequest


@require_GET
def screening_checklist(request: AuthenticatedHttpRequest, number: str) -> HttpResponse:
    """Whoever may read the screening may print it (monitors too); the download is recorded."""
    screening = selectors.screening_visible_to(request.user, number)
    try:
        record, pdf = services.checklist_print(screening=screening, by=request.user)
    except checklist.NothingToPrint:
        raise Http404("No evaluation to print") from None
    response = HttpResponse(pdf, content_type="application/pdf")
    state = "signed" if record.signature_id is not None else "draft"
    response["Content-Disposition"] = f'attachment; filename="{screening.number}-checklist-{state}.pdf"'
    # A patient's record: no shared cache keeps it.
    response["Cache-Control"] = "private, no-store"
    return response
