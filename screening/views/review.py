"""Investigator review: the queue of decided screenings, electronic sign-off, unlocking,
and re-screening of a screen failure."""

from __future__ import annotations

import uuid

from django import forms
from django.contrib import messages
from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from screening import selectors, services
from screening.models import Role, Screening, SignatureMeaning, Status, User
from screening.panel import panel_context, stored_anchor
from screening.reasons import localized_reason, row_used


def _investigator_of(request: HttpRequest, screening: Screening | None = None) -> User:
    """The request's user if an investigator (of the screening's site); 403 otherwise."""
    user: User = request.user  # type: ignore[assignment]
    if user.role != Role.INVESTIGATOR:
        raise PermissionDenied
    if screening is not None and not selectors.can_edit(user, screening):
        raise PermissionDenied
    return user


def review_queue(request: HttpRequest) -> HttpResponse:
    user = _investigator_of(request)
    page = Paginator(selectors.review_queue(user), 50).get_page(request.GET.get("page"))
    for screening in page:
        criteria = (screening.latest_result or {}).get("criteria", [])  # type: ignore[attr-defined]
        url = reverse("screening:detail", kwargs={"number": screening.number})
        # Each reason with the row it read (which creatinine) and a link to it on the screening page.
        screening.failed_reasons = [  # type: ignore[attr-defined]
            {
                "id": c["id"],
                "reason": localized_reason(c),
                "used": used[0] if (used := row_used(c)) else "",
                "href": f"{url}#{stored_anchor(c)}",
            }
            for c in criteria
            if c["outcome"] == "fail"
        ]
    return render(request, "screening/review_queue.html", {"page": page})


class SignForm(forms.Form):
    meaning = forms.ChoiceField(
        label=gettext_lazy("Meaning of my signature"), choices=SignatureMeaning.choices, widget=forms.RadioSelect
    )
    password = forms.CharField(
        label=gettext_lazy("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    evaluation = forms.IntegerField(widget=forms.HiddenInput)


@require_http_methods(["GET", "POST"])
def screening_sign(request: HttpRequest, number: str) -> HttpResponse:
    screening = selectors.screening_visible_to(request.user, number)  # type: ignore[arg-type]
    user = _investigator_of(request, screening)
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
                form.add_error(None, str(refused))
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


@require_POST
def screening_unlock(request: HttpRequest, number: str) -> HttpResponse:
    screening = selectors.screening_visible_to(request.user, number)  # type: ignore[arg-type]
    user = _investigator_of(request, screening)
    try:
        services.screening_unlock(screening=screening, by=user, reason=request.POST.get("reason", ""))
    except services.UnlockRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("Unlocked: any change will need a new signature."))
    return redirect("screening:detail", number=screening.number)


@require_http_methods(["GET", "POST"])
def screening_rescreen(request: HttpRequest, number: str) -> HttpResponse:
    """Confirm, then create, the re-screening of a screen failure (one new number, once)."""
    screening = selectors.screening_visible_to(request.user, number)  # type: ignore[arg-type]
    if not selectors.can_edit(request.user, screening):  # type: ignore[arg-type]
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
    except ValueError:
        save_key = None
    try:
        evaluation = services.screening_rescreen(
            screening=screening,
            by=request.user,  # type: ignore[arg-type]
            save_key=save_key,
        )
    except services.AlreadySaved as done:
        messages.info(request, done.message)
        return redirect("screening:detail", number=done.screening.number)
    except services.RescreeningRefused as refused:
        messages.error(request, refused.message)
        target = refused.existing or screening
        return redirect("screening:detail", number=target.number)
    messages.success(
        request,
        _(
            "Re-screening %(new)s created from %(old)s. Carried over: identity, pathology and "
            "prior therapies; enter the new results, consent and judgments."
        )
        % {"new": evaluation.screening.number, "old": screening.number},
    )
    return redirect("screening:detail", number=evaluation.screening.number)
