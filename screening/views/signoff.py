"""Investigator sign-off: the electronic signature of a screening's latest evaluation,
which re-authenticates, states its meaning and locks the record."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import authenticate
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from screening import selectors, services
from screening.forms import SignForm
from screening.http import AuthenticatedHttpRequest
from screening.panel import panel_context
from screening.views.permissions import investigator_of


@require_http_methods(["GET", "POST"])
def screening_sign(request: AuthenticatedHttpRequest, number: str) -> HttpResponse:
    screening = selectors.screening_visible_to(request.user, number)
    user = investigator_of(request, screening)
    latest = screening.evaluations.first()
    form = SignForm(request.POST or None, initial={"evaluation": latest.pk if latest else None})
    status = 200
    if request.method == "POST":
        # Re-authentication goes through Django's authenticate() as well, so that wrong
        # passwords typed here count towards the account lockout (django-axes) like
        # failed logins; the service checks the password again itself.
        if (
            form.is_valid()
            and authenticate(request, username=user.username, password=form.cleaned_data["password"]) is None
        ):
            form.add_error("password", _("Wrong password: the signature was not recorded."))
        if form.is_valid():
            try:
                services.screening_sign(
                    screening=screening,
                    by=user,
                    password=form.cleaned_data["password"],
                    meaning=form.cleaned_data["meaning"],
                    evaluation_id=form.cleaned_data["evaluation"],
                )
            except services.SignatureRefused as refused:
                form.add_error(None, refused.message)
            else:
                messages.success(request, _("Signed: %(number)s is locked.") % {"number": screening.number})
                return redirect("screening:detail", number=screening.number)
        status = 400
    judgments = selectors.judgment_answers(screening)
    return render(
        request,
        "screening/sign.html",
        {
            "screening": screening,
            "form": form,
            "evaluation": latest,
            "judgments": judgments,
            "unanswered": [j for j in judgments if j.value is None],
            "signature": screening.signatures.select_related("signed_by").first() if screening.locked else None,
            **panel_context(latest.result_document if latest else None, preview=False),
        },
        status=status,
    )
