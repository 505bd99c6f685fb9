"""A doubtful unit is said, never assumed and never refused (issue 10, item 1).

PNN "2,1" saved with /mm³ chosen is a valid, failing ANC (the plausible range is 0 –
100 000 /mm³): the save goes through as entered, and the page says, after saving, beside the
row and in the live panel, that 2,1 /mm³ is unusual and would be usual in G/L.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from django.test import Client

from screening.models import LabResult, Screening, User
from tests.web.conftest import text
from tests.web.formdata import form_data

ANC = 1  # the example's ANC row (2.4 10^9/L)
FRENCH = {"Accept-Language": "fr-FR,fr;q=0.9"}


def _with_anc(document: dict[str, Any], value: float, unit: str) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    changed["screening_id"] = None
    changed["labs"][ANC].update({"value": value, "unit": unit})
    return changed


@pytest.mark.django_db
def test_anc_in_mm3_that_reads_as_g_l_is_saved_and_said(
    client: Client, coordinator_ipc: User, example_document: dict[str, Any]
) -> None:
    client.force_login(coordinator_ipc)

    response = client.post(
        "/screenings/new/", form_data(_with_anc(example_document, 2.1, "/mm3"), comma=True), headers=FRENCH, follow=True
    )

    assert response.status_code == 200
    screening = Screening.objects.get()
    stored = LabResult.objects.get(screening=screening, test="anc")
    assert (stored.value, stored.unit) == (2.1, "/mm3")  # as entered: a warning, not a correction
    assert screening.status == "ineligible"  # ANC 2.1 /mm³ < 1 500: the rules judge what was entered
    page = text(response.content.decode())
    warning = "PNN du 05/03/2026 : 2,1 /mm³ est inhabituel, et serait habituel en G/L."
    assert page.count(warning) == 2  # the message after saving, and the mark beside the row
    assert 'data-mark="unit_doubt"' in response.content.decode()


@pytest.mark.django_db
def test_the_same_count_in_g_l_is_not_doubted(
    client: Client, coordinator_ipc: User, example_document: dict[str, Any]
) -> None:
    client.force_login(coordinator_ipc)

    response = client.post(
        "/screenings/new/", form_data(_with_anc(example_document, 2.1, "G/L"), comma=True), headers=FRENCH, follow=True
    )

    assert response.status_code == 200
    assert Screening.objects.get().status == "eligible"
    assert "inhabituel" not in response.content.decode()
    assert 'data-mark="unit_doubt"' not in response.content.decode()


@pytest.mark.django_db
def test_the_live_panel_marks_the_row_while_typing(
    client: Client, coordinator_ipc: User, example_document: dict[str, Any]
) -> None:
    client.force_login(coordinator_ipc)

    doubted = client.post("/screenings/new/evaluate/", form_data(_with_anc(example_document, 2.1, "/mm3")))
    usual = client.post("/screenings/new/evaluate/", form_data(_with_anc(example_document, 2100, "/mm3")))

    assert "2.1 /mm³ is unusual, and would be usual in G/L" in text(doubted.content.decode())
    assert 'data-mark="unit_doubt"' not in usual.content.decode()
    assert not Screening.objects.exists()
