"""The screening log page (GCP screening log, the top box of a CONSORT diagram) and its exports.

The counts, charts and exports are made in :mod:`screening.reporting`; these views read the
filter, ask for the counts or the rows, and hand them to a renderer.
"""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from screening import selectors
from screening.forms import LogFilterForm
from screening.http import AuthenticatedHttpRequest
from screening.reporting import charts, exports, renderers
from screening.reporting.screening_log import screening_log as count_screening_log
from screening.reporting.screening_log import screenings_for_export


def _filter_form(request: AuthenticatedHttpRequest) -> LogFilterForm:
    return LogFilterForm(request.GET, sites=selectors.sites_visible_to(request.user))


def screening_log(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = _filter_form(request)
    context: dict[str, Any] = {"form": form, "log": None}
    if form.is_valid():
        counted = count_screening_log(user=request.user, log_filter=form.log_filter())
        delimiter = renderers.csv_delimiter(request)
        context.update(
            log=counted,
            query=form.query(),
            failure_chart=charts.failure_chart(counted.failures),
            funnel_chart=charts.funnel_chart(counted.total),
            # The language's separator first.
            csv_delimiters=sorted(renderers.CSV_DELIMITERS.items(), key=lambda item: item[1] != delimiter),
        )
    return render(request, "screening/log.html", context)


def _export(
    request: AuthenticatedHttpRequest, kind: Literal["log", "screenings"], file_format: Literal["csv", "xlsx"]
) -> HttpResponseBase:
    form = _filter_form(request)
    if not form.is_valid():
        # The page shows what is wrong with the filter.
        return redirect(f"{reverse('screening:log')}?{request.GET.urlencode()}")
    log_filter, today = form.log_filter(), timezone.localdate()
    if kind == "log":
        export = exports.screening_log_export(
            count_screening_log(user=request.user, log_filter=log_filter), today=today
        )
    else:
        export = exports.screenings_export(screenings_for_export(user=request.user, log_filter=log_filter), today=today)
    return renderers.render(export, file_format, delimiter=renderers.csv_delimiter(request))


def log_export_csv(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    return _export(request, "log", "csv")


def log_export_xlsx(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    return _export(request, "log", "xlsx")


def screenings_export_csv(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    return _export(request, "screenings", "csv")


def screenings_export_xlsx(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    return _export(request, "screenings", "xlsx")
