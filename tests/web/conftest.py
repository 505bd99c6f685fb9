"""Fixtures of the web tests: a saved screening of each site, and a snapshot of what is stored.

A refused request must change nothing; :func:`stored_state` captures every table a
screening lives in (rows, versions, evaluations, the audit trail) so that a test can assert
the state after the request equals the state before it.
"""

from __future__ import annotations

import copy
import html
import re
from typing import Any

import pytest
from pghistory.models import Events

from screening import services
from screening.models import (
    Evaluation,
    LabResult,
    PregnancyTest,
    PriorDrug,
    Screening,
    Site,
    TumourSample,
    User,
)


def igr_document(example: dict[str, Any], *, screening_id: str | None = "IGR-0003") -> dict[str, Any]:
    """The spec's eligible patient, entered at Gustave Roussy."""
    doc = copy.deepcopy(example)
    doc["site"] = "IGR"
    doc["screening_id"] = screening_id
    doc["patient"]["initials"] = "JB"
    return doc


@pytest.fixture
def screening_ipc(coordinator_ipc: User, example_document: dict[str, Any]) -> Screening:
    """IPC-0007, the spec's eligible patient, saved once by coord.ipc (version 1)."""
    evaluation = services.screening_import(raw=example_document, by=coordinator_ipc)
    return Screening.objects.select_related("site").get(pk=evaluation.screening_id)


@pytest.fixture
def screening_igr(coordinator_igr: User, example_document: dict[str, Any]) -> Screening:
    """IGR-0003, the same patient data at the other site, saved once by coord.igr."""
    evaluation = services.screening_import(raw=igr_document(example_document), by=coordinator_igr)
    return Screening.objects.select_related("site").get(pk=evaluation.screening_id)


def stored_state() -> dict[str, Any]:
    """Everything a request could change: row counts, each screening's version and
    timestamps, the site counters, and the number of audit-trail events."""
    return {
        "screenings": list(
            Screening.objects.order_by("pk").values_list(
                "pk", "number", "version", "updated_at", "status", "initials", "updated_by_id"
            )
        ),
        "evaluations": Evaluation.objects.count(),
        "labs": list(LabResult.objects.order_by("pk").values_list("pk", "test", "value", "unit", "date")),
        "samples": TumourSample.objects.count(),
        "pregnancy_tests": PregnancyTest.objects.count(),
        "drugs": PriorDrug.objects.count(),
        "site_counters": list(Site.objects.order_by("code").values_list("code", "last_screening_sequence")),
        "audit_events": Events.objects.count(),
    }


def near(page: str, field_id: str) -> str:
    """The rendered text of one form field and its messages, unescaped.

    From the field's own tag to the next field's wrapper, the end of its table cell or the
    end of its section: where crispy-forms and the formset rows put the field's messages.
    """
    assert f'id="{field_id}"' in page, f"no field {field_id} on the page"
    start = page.rfind("<", 0, page.find(f'id="{field_id}"'))  # the field's own tag, with its value
    ends = [i for i in (page.find(marker, start) for marker in ('id="div_id_', "</td>", "</section>")) if i >= 0]
    return html.unescape(page[start : min(ends, default=len(page))])


def text(page: str) -> str:
    """The page's text with tags removed and entities unescaped (for messages)."""
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def without_csrf_tokens(content: bytes) -> bytes:
    """A page without the values of its CSRF tokens, which are masked anew on every page
    (the menu's language and log-out forms): to compare two pages' content."""
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b'name="csrfmiddlewaretoken" value=""', content)
