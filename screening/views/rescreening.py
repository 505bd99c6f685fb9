"""Re-screening a screen failure: a confirmation page, then a new screening (new number)
linked to the earlier one, made once."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from screening import selectors, services
from screening.http import AuthenticatedHttpRequest
from screening.models import Status


@require_http_methods(["GET", "POST"])
def screening_rescreen(request: AuthenticatedHttpRequest, number: str) -> HttpResponse:
    """Confirm, then create, the re-screening of a screen failure (one new number, once)."""
    screening = selectors.screening_visible_to(request.user, number)
    if not selectors.can_edit(request.user, screening):
        raise PermissionDenied
    existing = screening.rescreenings.first()
    if request.method == "GET":
        return render(
            request,
            "screening/rescreen.html",
            {
                "screening": screening,
                "existing": existing,
                "save_key": uuid.uuid4(),
                "refused": screening.status != Status.INELIGIBLE,
                "carried": services.rescreening_carry_over(screening=screening),
            },
        )
    try:
        save_key = uuid.UUID(request.POST.get("save_key", ""))
    except ValueError:  # a missing or forged key: the re-screening is still made once (on the locked row)
        save_key = None
    try:
        evaluation = services.screening_rescreen(screening=screening, by=request.user, save_key=save_key)
    except services.AlreadySaved as done:
        messages.info(request, done.message)
        return redirect("screening:detail", number=done.screening.number)
    except services.RescreeningRefused as refused:
        messages.error(request, refused.message)
        target = refused.existing or screening
        return redirect("screening:detail", number=target.number)
    except services.SaveKeyReused as reused:
        messages.error(request, reused.message)
        return redirect("screening:detail", number=screening.number)
    messages.success(
        request,
        _(
            "Re-screening %(new)s created from %(old)s. Carried over: identity, pathology and "
            "prior therapies; enter the new results, consent and judgments."
        )
        % {"new": evaluation.screening.number, "old": screening.number},
    )
    return redirect("screening:detail", number=evaluation.screening.number)
