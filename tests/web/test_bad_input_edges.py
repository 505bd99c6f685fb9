"""Input that PostgreSQL could not store gets a message, never a 500, and stores nothing."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from screening.models import Screening, User
from tests.web.conftest import near, stored_state
from tests.web.formdata import form_data


def _upload(document: dict[str, Any]) -> SimpleUploadedFile:
    return SimpleUploadedFile("screening.json", json.dumps(document).encode(), content_type="application/json")


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/?q=a%00b", "/log/?site=%00", "/screenings/new/?site=%00"])
def test_nul_character_in_a_query_is_refused_with_400(client: Client, coordinator_ipc: User, url: str) -> None:
    client.force_login(coordinator_ipc)
    response = client.get(url)
    assert response.status_code == 400
    assert "NUL" in response.content.decode()


@pytest.mark.django_db
def test_nul_character_in_a_form_is_refused_and_nothing_stored(
    client: Client, coordinator_ipc: User, screening_ipc: Screening, example_document: dict[str, Any]
) -> None:
    client.force_login(coordinator_ipc)
    before = stored_state()
    data = form_data(example_document, version=screening_ipc.version)
    data["drugs-0-name"] = "pacli\x00taxel"
    response = client.post(reverse("screening:detail", args=[screening_ipc.number]), data)
    assert response.status_code == 400
    assert stored_state() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "change"),
    [
        ("/prior_therapy/drugs/1", lambda d: d["prior_therapy"]["drugs"].__setitem__(1, "pembro\x00lizumab")),
        ("/patient/initials", lambda d: d["patient"].__setitem__("initials", "M\x00")),
        ("/patient/initials", lambda d: d["patient"].__setitem__("initials", "ABCDEFGHIJKLM")),  # 13 > 12
        ("/prior_therapy/drugs/0", lambda d: d["prior_therapy"]["drugs"].__setitem__(0, "x" * 201)),
    ],
)
def test_import_of_text_the_record_cannot_keep_is_refused(
    client: Client, coordinator_ipc: User, example_document: dict[str, Any], path: str, change: Any
) -> None:
    client.force_login(coordinator_ipc)
    document = copy.deepcopy(example_document)
    change(document)
    before = stored_state()
    response = client.post(reverse("screening:import_new"), {"document": _upload(document)})
    assert response.status_code == 400
    assert path in response.content.decode()
    assert stored_state() == before


@pytest.mark.django_db
@pytest.mark.parametrize(("typed", "accepted"), [("MD", True), ("m-d", True), ("M2", False), ("M.D.", False)])
def test_initials_are_letters(
    client: Client, coordinator_ipc: User, *, example_document: dict[str, Any], typed: str, accepted: bool
) -> None:
    """Checked on a new screening: on an existing one, other initials would be another patient
    (an identity correction, tested with the identity check)."""
    client.force_login(coordinator_ipc)
    data = form_data({**example_document, "screening_id": None})
    data["initials"] = typed
    response = client.post(reverse("screening:create"), data)
    if accepted:
        assert response.status_code == 302
        assert Screening.objects.get().initials == typed.upper()
    else:
        assert response.status_code == 400
        assert "letters only" in near(response.content.decode(), "id_initials")
        assert not Screening.objects.exists()
