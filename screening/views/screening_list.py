"""The screening list: every screening of the user's sites, newest change first.

Filters: number or initials, status, site (for a user of several sites), signed or not,
labs expiring (screening/expiry.py), a failed criterion, the ruleset of the latest
evaluation and a range of assessment dates (the screening log's failure counts link here
with the log's filter).
"""

from __future__ import annotations

import datetime
from typing import TypeVar
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from screening import expiry, selectors
from screening.forms import YES, ListFilterForm
from screening.http import AuthenticatedHttpRequest
from screening.models import Screening, Status

PAGE_SIZE = 50


_Listed = TypeVar("_Listed", bound=Screening)


def _filtered(screenings: QuerySet[_Listed], form: ListFilterForm, *, today: datetime.date) -> QuerySet[_Listed]:
    form.is_valid()  # the fields that clean are used; the others are ignored
    if (site := form.value("site")) is not None:
        screenings = screenings.filter(site__code=site)
    if (signed := form.value("signed")) is not None:
        screenings = screenings.filter(locked=signed == YES)
    if form.value("expiring") == YES:
        screenings = screenings.filter(expiry.expiring_q(today=today))
    if (ruleset := form.value("ruleset")) is not None:
        # The ruleset of the latest evaluation, which decided the status shown.
        screenings = screenings.filter(ruleset=ruleset)
    if (criterion := form.value("criterion")) is not None:
        # The criteria the latest evaluation failed, as the log counts them.
        screenings = screenings.filter(failed_criteria__contains=[criterion])
    if (date_from := form.value("date_from")) is not None:
        screenings = screenings.filter(assessment_date__gte=date_from)
    if (date_to := form.value("date_to")) is not None:
        screenings = screenings.filter(assessment_date__lte=date_to)
    return screenings


def _extra_query(form: ListFilterForm) -> str:
    """The filters other than status and search, for the page links ("" or "&site=IPC...")."""
    params = {}
    for name in ("site", "signed", "expiring", "criterion", "ruleset", "date_from", "date_to"):
        value = form.value(name)
        if value is not None:
            params[name] = value.isoformat() if isinstance(value, datetime.date) else value
    return "&" + urlencode(params) if params else ""


def screening_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    sites, visible = selectors.sites_and_screenings_visible_to(request.user)
    today = timezone.localdate()
    screenings = (
        expiry.annotate_valid_until(visible)
        .select_related("site", "updated_by")
        .only(
            "number",
            "initials",
            "assessment_date",
            "planned_randomization_date",
            "ruleset",
            "status",
            "failed_count",
            "missing_count",
            "locked",
            "updated_at",
            "site__code",
            "updated_by__username",
            "updated_by__first_name",
            "updated_by__last_name",
        )
        .order_by("-updated_at", "-id")
    )
    status = request.GET.get("status", "")
    if status in Status.values:
        screenings = screenings.filter(status=status)
    query = request.GET.get("q", "").strip()
    if query:
        screenings = screenings.filter(Q(number__icontains=query) | Q(initials__iexact=query))
    form = ListFilterForm(request.GET, sites=sites)
    screenings = _filtered(screenings, form, today=today)
    page = Paginator(screenings, PAGE_SIZE).get_page(request.GET.get("page"))
    # Each screening of the page with the same warning as on its own page, from the
    # valid_until read with the row.
    rows = [
        (
            screening,
            expiry.labs_expiry(
                valid_until=screening.valid_until,
                planned_randomization_date=screening.planned_randomization_date,
                today=today,
            ),
        )
        for screening in page
    ]
    return render(
        request,
        "screening/list.html",
        {
            "page": page,
            "rows": rows,
            "status": status,
            "query": query,
            "statuses": Status.choices,
            "filter": form,
            "extra_query": _extra_query(form),
            # A site column for whoever sees several sites (monitors, a user of two sites).
            "show_site": len(sites) > 1,
            "can_create": selectors.sites_for_entry(request.user).exists(),
        },
    )
