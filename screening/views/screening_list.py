"""The screening list: every screening of the user's sites, newest change first.

Filters: number or initials, status, site (for a user of several sites), signed or not,
labs expiring (screening/expiry.py), a failed criterion and a range of assessment dates
(the screening log's failure counts link here with the log's filter).
"""

from __future__ import annotations

import datetime
from typing import Any, TypeVar, cast
from urllib.parse import urlencode

from django import forms
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from screening import expiry, selectors
from screening.forms import DATE_INPUT_FORMATS
from screening.http import AuthenticatedHttpRequest
from screening.models import Screening, Site, Status
from screening.reasons import CRITERION_TITLES
from screening.rules.ruleset import ALTER_V1

PAGE_SIZE = 50
YES, NO = "yes", "no"


class ListFilterForm(forms.Form):
    """The list's filters; a value that does not clean (an unknown status) is ignored."""

    site = forms.ChoiceField(label=_("Site"), required=False)
    signed = forms.ChoiceField(
        label=pgettext_lazy("one screening", "Signed"),
        required=False,
        choices=[("", _("Signed or not")), (YES, pgettext_lazy("one screening", "Signed")), (NO, _("Not signed"))],
    )
    expiring = forms.ChoiceField(
        label=_("Labs"),
        required=False,
        choices=[("", _("Any labs")), (YES, _("Labs expiring (before randomization or within 3 days)"))],
    )
    criterion = forms.ChoiceField(label=_("Failed criterion"), required=False)
    date_from = forms.DateField(label=_("Assessed from"), required=False, input_formats=DATE_INPUT_FORMATS)
    date_to = forms.DateField(label=_("Assessed until"), required=False, input_formats=DATE_INPUT_FORMATS)

    def __init__(self, data: Any, *, sites: list[Site]) -> None:
        super().__init__(data)
        # (The fields' copies of the choice fields declared above.)
        cast(forms.ChoiceField, self.fields["site"]).choices = [
            ("", _("All sites")),
            *((s.code, s.code) for s in sites),
        ]
        cast(forms.ChoiceField, self.fields["criterion"]).choices = [
            ("", _("Any criterion")),
            *((cid, f"{cid} {CRITERION_TITLES.get(cid, '')}".strip()) for cid in ALTER_V1.ids),
        ]
        for name in ("site", "signed", "expiring", "criterion"):
            self.fields[name].widget.attrs["class"] = "form-select"

    def value(self, name: str) -> Any:
        """The cleaned value, or None when it was not given or did not clean."""
        value = getattr(self, "cleaned_data", {}).get(name)
        return None if value is None or value == "" else value


_Listed = TypeVar("_Listed", bound=Screening)


def _filtered(screenings: QuerySet[_Listed], form: ListFilterForm, *, today: datetime.date) -> QuerySet[_Listed]:
    form.is_valid()  # the fields that clean are used; the others are ignored
    if (site := form.value("site")) is not None:
        screenings = screenings.filter(site__code=site)
    if (signed := form.value("signed")) is not None:
        screenings = screenings.filter(locked=signed == YES)
    if form.value("expiring") == YES:
        screenings = screenings.filter(expiry.expiring_q(today=today))
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
    for name in ("site", "signed", "expiring", "criterion", "date_from", "date_to"):
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
