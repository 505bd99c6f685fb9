"""Investigator sign-off: the electronic signature of a screening's latest evaluation,
which re-authenticates, states its meaning and locks the record.

A signed screening whose outcome changed since its signature (a re-evaluation under a
protocol amendment appended an evaluation nobody signed) stays locked; this page shows what
changed and lets the investigator sign the new evaluation, or record why not."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import authenticate
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from screening import reevaluation, selectors, services
from screening.forms import OutcomeChangeReviewForm, SignForm
from screening.http import AuthenticatedHttpRequest
from screening.models import Evaluation, Screening, Signature
from screening.panel import change_rows, panel_context, status_label
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
    return _render(request, screening=screening, latest=latest, form=form, status=status)


def _render(
    request: AuthenticatedHttpRequest,
    *,
    screening: Screening,
    latest: Evaluation | None,
    form: SignForm,
    review_form: OutcomeChangeReviewForm | None = None,
    status: int = 200,
) -> HttpResponse:
    judgments = selectors.judgment_answers(screening)
    signature: Signature | None = (
        screening.signatures.select_related("signed_by", "evaluation").first() if screening.locked else None
    )
    changed = selectors.outcome_changed_since_signature(screening)
    outcome_change = None
    if changed is not None and signature is not None:
        signed = signature.evaluation.result_document
        diff = reevaluation.result_diff(signed, changed.result_document)
        outcome_change = {
            "signed_status": status_label(signature.evaluation.status),
            "signed_ruleset": signature.evaluation.ruleset,
            "status": status_label(changed.status),
            "ruleset": changed.ruleset,
            "rows": change_rows(signed, changed.result_document, diff.changed) if diff is not None else [],
            "review_form": review_form or OutcomeChangeReviewForm(initial={"evaluation": changed.pk}),
        }
    return render(
        request,
        "screening/sign.html",
        {
            "screening": screening,
            "form": form,
            "evaluation": latest,
            "judgments": judgments,
            "unanswered": [j for j in judgments if j.value is None],
            "signature": signature,
            "outcome_change": outcome_change,
            **panel_context(latest.result_document if latest else None, preview=False),
        },
        status=status,
    )


@require_POST
def screening_review_outcome_change(request: AuthenticatedHttpRequest, number: str) -> HttpResponse:
    """The investigator's reason for not signing the evaluation appended since their signature."""
    screening = selectors.screening_visible_to(request.user, number)
    user = investigator_of(request, screening)
    review_form = OutcomeChangeReviewForm(request.POST)
    if review_form.is_valid():
        try:
            services.screening_review_outcome_change(
                screening=screening,
                by=user,
                reason=review_form.cleaned_data["reason"],
                evaluation_id=review_form.cleaned_data["evaluation"],
            )
        except services.OutcomeReviewRefused as refused:
            review_form.add_error(None, refused.message)
        else:
            messages.success(
                request, _("Recorded: %(number)s stays signed as it was signed.") % {"number": screening.number}
            )
            return redirect("screening:detail", number=screening.number)
    latest = screening.evaluations.first()
    form = SignForm(initial={"evaluation": latest.pk if latest else None})
    return _render(request, screening=screening, latest=latest, form=form, review_form=review_form, status=400)
