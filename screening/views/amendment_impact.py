"""The impact of a protocol amendment, per site: for a chosen ruleset, the screenings whose
outcome would change if re-evaluated today (pending: a dry run, computed on the fly from each
screening's latest input document, nothing stored) and those whose outcome changed when the
ruleset was applied to them (applied: their first evaluation under it, against the one
before). Counts by (old status → new status), and each screening with its changed criteria.

Everyone signed in reads it for the sites they may read (monitors: every site)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from screening import reevaluation, selectors
from screening.forms import AmendmentImpactForm
from screening.http import AuthenticatedHttpRequest
from screening.models import Site
from screening.panel import change_rows, status_label
from screening.rules.ruleset import RULESETS


def _summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    counts = Counter((row["before_status"], row["after_status"]) for row in rows)
    return {
        "counts": [
            {
                "before": status_label(before),
                "after": status_label(after),
                "before_status": before,
                "after_status": after,
                "count": n,
            }
            for (before, after), n in sorted(counts.items())
        ],
        "rows": rows,
    }


def _row(
    number: str, diff: reevaluation.Diff, before: dict[str, Any], after: dict[str, Any], **extra: Any
) -> dict[str, Any]:
    return {
        "number": number,
        "before_status": diff.before.status,
        "after_status": diff.after.status,
        "before_label": status_label(diff.before.status),
        "after_label": status_label(diff.after.status),
        "before_ruleset": diff.before.ruleset,
        "after_ruleset": diff.after.ruleset,
        "criteria": change_rows(before, after, diff.changed),
        **extra,
    }


def amendment_impact(request: AuthenticatedHttpRequest) -> HttpResponse:
    sites = list(selectors.sites_visible_to(request.user).order_by("code"))
    form = AmendmentImpactForm(request.GET or None, rulesets=sorted(RULESETS), sites=[s.code for s in sites])
    sections = []
    if form.is_valid():
        ruleset_id = form.cleaned_data["ruleset"]
        chosen = [s for s in sites if form.cleaned_data["site"] in ("", s.code)]
        today = timezone.localdate()
        for site in chosen:
            pending = [
                _row(change.number, change.diff, latest, change.result_document)
                for change, latest in reevaluation.changes_with_latest(ruleset_id=ruleset_id, today=today, site=site)
            ]
            applied = [
                _row(a.number, a.diff, a.before_document, a.after_document, data_changed=a.data_changed)
                for a in reevaluation.applied(ruleset_id=ruleset_id, sites=Site.objects.filter(pk=site.pk))
            ]
            sections.append({"site": site, "parts": [("pending", _summary(pending)), ("applied", _summary(applied))]})
    return render(
        request,
        "screening/amendment_impact.html",
        {"form": form, "sections": sections, "ruleset": form.cleaned_data["ruleset"] if form.is_valid() else None},
    )
