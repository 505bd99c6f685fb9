"""The screening list: every screening of the user's sites, newest change first."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from screening import selectors
from screening.models import Status

PAGE_SIZE = 50


def screening_list(request: HttpRequest) -> HttpResponse:
    screenings = (
        selectors.screenings_visible_to(request.user)  # type: ignore[arg-type]
        .select_related("site", "updated_by")
        .only(
            "number",
            "initials",
            "assessment_date",
            "status",
            "failed_count",
            "missing_count",
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
    page = Paginator(screenings, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "screening/list.html",
        {
            "page": page,
            "status": status,
            "query": query,
            "statuses": Status.choices,
            "can_create": selectors.sites_for_entry(request.user).exists(),  # type: ignore[arg-type]
        },
    )
