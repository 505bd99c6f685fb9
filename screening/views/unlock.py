"""Unlocking a signed screening for correction: the investigator's, with a reason."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from screening import selectors, services
from screening.http import AuthenticatedHttpRequest
from screening.views.permissions import investigator_of


@require_POST
def screening_unlock(request: AuthenticatedHttpRequest, number: str) -> HttpResponse:
    screening = selectors.screening_visible_to(request.user, number)
    user = investigator_of(request, screening)
    try:
        services.screening_unlock(screening=screening, by=user, reason=request.POST.get("reason", ""))
    except services.UnlockRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("Unlocked: any change will need a new signature."))
    return redirect("screening:detail", number=screening.number)
