"""Lab results as a series, and the history page (screening/views/history.py).

Registry: "The most recent results available must be used". A newer result is a new row:
the older one stays (it was the basis of the earlier evaluation), and the rules read the
most recent. Every change is listed on the history page with who made it.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from screening import services
from screening.models import LabResult, Screening, User
from tests.web.conftest import text
from tests.web.formdata import form_data

# How the history names a row and its change: one phrase, a lab row by its test and date
# ("Lab result creatinine of 2026-03-09 created"); each person by their full name.
SCREENING = r"Screening"
LAB_RESULT = r"Lab result [^\d]+? of \d{4}-\d\d-\d\d"
CREATED, CHANGED, DELETED = r"created", r"changed", r"deleted"
COORD, INV = r"Coord Test", r"Inv Test"  # coord.ipc and inv.ipc (tests/conftest.py: make_user)


def _with_new_lab(screening: Screening, lab: dict[str, Any]) -> dict[str, str]:
    """The form of ``screening`` with one more lab row typed at the end."""
    document = services.screening_document(screening=screening)
    document["labs"].append(lab)
    return form_data(document, version=screening.version)


def _change_rows(page: str) -> list[str]:
    """The text of each row of the history's table of changes, newest first."""
    table = page.split('data-testid="history-changes"')[1].split("</table>", maxsplit=1)[0]
    return [re.sub(r"\s+", " ", text(row)).strip() for row in re.findall(r"<tr>(\s*<td.*?)</tr>", table, re.S)]


def _save(client: Client, screening: Screening, data: dict[str, str]) -> None:
    response = client.post(reverse("screening:detail", args=[screening.number]), data)
    assert response.status_code == 302, response.content.decode()
    screening.refresh_from_db()


@pytest.mark.django_db
@pytest.mark.criterion("INC-07-CRCL")
def test_newer_creatinine_is_added_beside_the_older_and_decides(
    client: Client, coordinator_ipc: User, screening_ipc: Screening
) -> None:
    client.force_login(coordinator_ipc)
    first = LabResult.objects.get(screening=screening_ipc, test="creatinine")

    # 300 µmol/L on 03-09 (before R = 03-12): CrCl about 21 mL/min < 30.
    _save(
        client,
        screening_ipc,
        _with_new_lab(screening_ipc, {"test": "creatinine", "value": 300, "unit": "umol/L", "date": "2026-03-09"}),
    )

    rows = list(LabResult.objects.filter(screening=screening_ipc, test="creatinine").order_by("id"))
    assert [(r.pk, r.value, r.date.isoformat()) for r in rows] == [
        (first.pk, 68, "2026-03-05"),
        (rows[1].pk, 300, "2026-03-09"),
    ]
    assert screening_ipc.status == "ineligible"
    latest = screening_ipc.evaluations.first()
    assert latest is not None and latest.result_document["failed"] == ["INC-07-CRCL"]
    assert latest.result_document["crcl_ml_min"] < 30

    # A yet newer normal result (03-11) is used in turn: eligible again, three rows kept.
    _save(
        client,
        screening_ipc,
        _with_new_lab(screening_ipc, {"test": "creatinine", "value": 70, "unit": "µmol/L", "date": "2026-03-11"}),
    )

    assert LabResult.objects.filter(screening=screening_ipc, test="creatinine").count() == 3
    assert screening_ipc.status == "eligible"
    assert screening_ipc.evaluations.count() == 3


@pytest.mark.django_db
@pytest.mark.criterion("INC-07-CRCL")
def test_an_older_creatinine_added_later_does_not_decide(
    client: Client, coordinator_ipc: User, screening_ipc: Screening
) -> None:
    """Entry order is not date order: a failing result dated before the current one is history."""
    client.force_login(coordinator_ipc)

    _save(
        client,
        screening_ipc,
        _with_new_lab(screening_ipc, {"test": "creatinine", "value": 300, "unit": "umol/L", "date": "2026-03-01"}),
    )

    assert LabResult.objects.filter(screening=screening_ipc, test="creatinine").count() == 2
    assert screening_ipc.status == "eligible"


@pytest.mark.django_db
def test_history_lists_each_change_with_who_made_it(
    client: Client, coordinator_ipc: User, investigator_ipc: User, screening_ipc: Screening
) -> None:
    client.force_login(investigator_ipc)
    data = _with_new_lab(screening_ipc, {"test": "creatinine", "value": 300, "unit": "umol/L", "date": "2026-03-09"})
    data["ecog"] = "0"
    data["reason_for_change"] = "ECOG reassessed at the visit"
    _save(client, screening_ipc, data)

    response = client.get(reverse("screening:history", args=[screening_ipc.number]))

    assert response.status_code == 200
    changes = _change_rows(response.content.decode())
    # Newest first: the edit by inv.ipc (the screening's ECOG, with the reason it changed; the new lab row)...
    assert any(
        re.search(
            rf"\b{INV} {SCREENING} {CHANGED} ECOG performance status: 1 → 0 .*"
            r"ECOG reassessed at the visit$",
            row,
        )
        for row in changes
    ), changes
    assert any(
        re.search(rf"\b{INV} Lab result creatinine of 2026-03-09 {CREATED} .*Value: 300 µmol/L\b", row)
        for row in changes
    ), changes
    # ...then the creation by coord.ipc, each row of it recorded.
    assert any(re.search(rf"{COORD} {SCREENING} {CREATED}", row) for row in changes), changes
    assert sum(bool(re.search(rf"{COORD} {LAB_RESULT} {CREATED}", row)) for row in changes) == 8
    assert all(re.search(rf"\b(?:{COORD}|{INV}) \w", row) for row in changes), changes
    # The reason belongs to inv.ipc's save alone: the creation needed none.
    assert not any("reassessed" in row for row in changes if COORD in row), changes
    evaluations = response.content.decode().split('data-testid="history-evaluations"')[1].split("</table>")[0]
    assert re.findall(r"<td>([^<]+)</td><td>(alter-v1)</td>", evaluations) == [
        ("Inv Test", "alter-v1"),
        ("Coord Test", "alter-v1"),
    ]


@pytest.mark.django_db
def test_history_records_a_removed_lab_row(client: Client, coordinator_ipc: User, screening_ipc: Screening) -> None:
    client.force_login(coordinator_ipc)
    data = form_data(
        services.screening_document(screening=screening_ipc),
        version=1,
        reason="creatinine entered for the wrong patient",
    )
    data["labs-7-DELETE"] = "on"

    _save(client, screening_ipc, data)

    assert not LabResult.objects.filter(screening=screening_ipc, test="creatinine").exists()
    assert screening_ipc.status == "incomplete"
    changes = _change_rows(client.get(reverse("screening:history", args=[screening_ipc.number])).content.decode())
    # The deleted row, with the reason it went.
    assert any(
        re.search(
            rf"^\S+ \S+ {COORD} Lab result creatinine of 2026-03-05 {DELETED} "
            r".*creatinine entered for the wrong patient$",
            row,
        )
        for row in changes
    ), changes
