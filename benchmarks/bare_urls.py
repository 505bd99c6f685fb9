"""The application's URLs plus bare baseline views, for the page benchmarks.

``bare_list`` lists the same rows as the screening list (same scoping, filters, order and
page size) with nothing else: no paginator count, no template, no form. ``bare_detail``
reads one screening's row. Both run behind the same middleware as the real pages (session,
login required, CSRF, locale, history), so that a ratio measures what the pages add to the
least any Django page must do. Served only by the benchmarks (``list_page.py`` sets this
module as ROOT_URLCONF; ``load.py`` serves it through ``benchmarks/settings.py``).
"""

from __future__ import annotations

from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import include, path

from screening import selectors
from screening.models import Screening, Status

PAGE_SIZE = 50  # as screening/views/screening_list.py


def _visible(request: HttpRequest):  # type: ignore[no-untyped-def]
    return Screening.objects.filter(site__in=selectors.sites_visible_to(request.user))  # type: ignore[arg-type]


def bare_list(request: HttpRequest) -> HttpResponse:
    screenings = _visible(request)
    status = request.GET.get("status", "")
    if status in Status.values:
        screenings = screenings.filter(status=status)
    query = request.GET.get("q", "").strip()
    if query:
        screenings = screenings.filter(Q(number__icontains=query) | Q(initials__iexact=query))
    page = max(int(request.GET.get("page") or 1), 1)
    rows = screenings.order_by("-updated_at", "-id").values_list(
        "number", "initials", "assessment_date", "status", "failed_count", "missing_count", "updated_at"
    )[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    return HttpResponse("\n".join(" ".join(map(str, row)) for row in rows), content_type="text/plain")


def bare_detail(request: HttpRequest, number: str) -> HttpResponse:
    row = _visible(request).filter(number=number).values_list("number", "status", "version").first()
    if row is None:
        raise Http404("No such screening")
    return HttpResponse(" ".join(map(str, row)), content_type="text/plain")


urlpatterns = [
    path("bare/screenings/", bare_list, name="bare-list"),
    path("bare/screenings/<str:number>/", bare_detail, name="bare-detail"),
    path("", include("alter.urls")),
]
