"""The investigator's review queue: decided, unsigned screenings of their sites, each
with the reasons it failed and a link to the row each reason read, and the ruleset its
latest evaluation was made under (filterable: an amendment's screenings apart)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse

from screening import selectors
from screening.forms import ReviewQueueFilterForm
from screening.http import AuthenticatedHttpRequest
from screening.panel import stored_anchor
from screening.reasons import STORED_BEFORE_RULESETS, localized_reason, row_used
from screening.views.permissions import investigator_of


def review_queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = investigator_of(request)
    form = ReviewQueueFilterForm(request.GET)
    queue = selectors.review_queue(user)
    if (ruleset := form.chosen_ruleset()) is not None:
        queue = queue.filter(ruleset=ruleset)
    page = Paginator(queue, 50).get_page(request.GET.get("page"))
    for screening in page:
        result = screening.latest_result or {}  # type: ignore[attr-defined]  # the queue's annotation
        criteria, ruleset = result.get("criteria", []), result.get("ruleset", STORED_BEFORE_RULESETS)
        url = reverse("screening:detail", kwargs={"number": screening.number})
        # Each reason with the row it read (which creatinine) and a link to it on the screening page.
        screening.failed_reasons = [  # type: ignore[attr-defined]  # for the template only
            {
                "id": c["id"],
                "reason": localized_reason(c, ruleset),
                "used": used[0] if (used := row_used(c, ruleset)) else "",
                "href": f"{url}#{stored_anchor(c, ruleset)}",
            }
            for c in criteria
            if c["outcome"] == "fail"
        ]
    return render(
        request,
        "screening/review_queue.html",
        {"page": page, "filter": form, "extra_query": "&" + urlencode({"ruleset": ruleset}) if ruleset else ""},
    )
