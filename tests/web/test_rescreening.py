"""Re-screening a screen failure (POST /screenings/<n>/rescreen/, ``screening_rescreen``).

A patient who failed screening may be screened again: a NEW screening, with a new number,
linked to the earlier one and starting from its data, evaluated at once. The earlier
screening stays as it was, with its evaluations, signature and history: a screen failure
stays in the screening log. Only a screen failure is re-screened.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from screening import services
from screening.models import Evaluation, Screening, Signature, User
from tests.conftest import PASSWORD
from tests.web.conftest import igr_document, stored_state, text


def _import(by: User, document: dict[str, Any], **changes: Any) -> Screening:
    evaluation = services.screening_import(raw={**document, **changes}, by=by)
    return Screening.objects.select_related("site").get(pk=evaluation.screening_id)


def _rescreen(client: Client, screening: Screening) -> Any:
    return client.post(reverse("screening:rescreen", args=[screening.number]))


def _without_id(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k != "screening_id"}


def _snapshot(screening: Screening) -> dict[str, Any]:
    """One screening as stored: its row, evaluations, signatures and rows of its lists."""
    return {
        "row": Screening.objects.filter(pk=screening.pk).values().get(),
        "document": services.screening_document(screening=screening),
        "evaluations": list(Evaluation.objects.filter(screening=screening).order_by("pk").values()),
        "signatures": list(Signature.objects.filter(screening=screening).order_by("pk").values()),
    }


def _history_rows(client: Client, screening: Screening) -> list[dict[str, Any]]:
    response = client.get(reverse("screening:history", args=[screening.number]))
    assert response.status_code == 200
    return list(response.context["rows"])


@pytest.fixture
def screen_failure_ipc(coordinator_ipc: User, example_document: dict[str, Any]) -> Screening:
    """IPC-0007 with ECOG 3: ineligible (INC-05)."""
    screening = _import(coordinator_ipc, example_document, ecog=3)
    assert screening.status == "ineligible"
    return screening


@pytest.fixture
def screen_failure_igr(coordinator_igr: User, example_document: dict[str, Any]) -> Screening:
    screening = _import(coordinator_igr, igr_document(example_document), ecog=3)
    assert screening.status == "ineligible"
    return screening


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["coordinator_ipc", "investigator_ipc"])
def test_rescreening_creates_a_linked_screening_from_the_earlier_data(
        request: pytest.FixtureRequest, client: Client, screen_failure_ipc: Screening, persona: str) -> None:
    user: User = request.getfixturevalue(persona)
    client.force_login(user)
    earlier = _snapshot(screen_failure_ipc)

    response = _rescreen(client, screen_failure_ipc)

    new = Screening.objects.exclude(pk=screen_failure_ipc.pk).get()
    assert response.status_code == 302
    assert response.url == reverse("screening:detail", args=[new.number])
    # The site's next number (IPC-0007 moved the counter to 7), linked to the earlier one.
    assert (new.number, new.site.code, new.rescreening_of) == ("IPC-0008", "IPC", screen_failure_ipc)
    assert (new.created_by, new.updated_by, new.version, new.locked) == (user, user, 1, False)
    # The data is copied: the same document under the new number.
    new_document = services.screening_document(screening=new)
    assert new_document["screening_id"] == "IPC-0008"
    assert _without_id(new_document) == _without_id(earlier["document"])
    # ... and evaluated at once: one evaluation, appended by this user.
    evaluation = new.evaluations.get()
    assert (evaluation.status, evaluation.created_by, new.status) == ("ineligible", user, "ineligible")
    assert _without_id(evaluation.input_document) == _without_id(earlier["document"])
    assert evaluation.result_document["screening_id"] == "IPC-0008"
    # The earlier screening and its evaluations are as they were.
    assert _snapshot(screen_failure_ipc) == earlier
    # The new screening's page names the one it re-screens.
    page = text(client.get(response.url).content.decode())
    assert "Re-screening of IPC-0007" in " ".join(page.split())


@pytest.mark.django_db
def test_rescreening_leaves_the_earlier_history_unchanged(client: Client, coordinator_ipc: User,
                                                          screen_failure_ipc: Screening) -> None:
    """The earlier screening's history page lists the same changes after its re-screening:
    the new screening's rows are the new screening's history, not the earlier one's."""
    client.force_login(coordinator_ipc)
    earlier_history = _history_rows(client, screen_failure_ipc)

    assert _rescreen(client, screen_failure_ipc).status_code == 302

    added = [row for row in _history_rows(client, screen_failure_ipc) if row not in earlier_history]
    assert added == []
    assert _history_rows(client, screen_failure_ipc) == earlier_history


@pytest.mark.django_db
def test_rescreening_a_signed_screen_failure_leaves_it_signed(client: Client, coordinator_ipc: User,
                                                              investigator_ipc: User,
                                                              screen_failure_ipc: Screening) -> None:
    services.screening_sign(screening=screen_failure_ipc, by=investigator_ipc, password=PASSWORD,
                            meaning="screen_failure_confirmed")
    client.force_login(coordinator_ipc)
    earlier = _snapshot(screen_failure_ipc)

    response = _rescreen(client, screen_failure_ipc)

    assert response.status_code == 302
    new = Screening.objects.get(rescreening_of=screen_failure_ipc)
    assert not new.locked
    assert not new.signatures.exists()
    assert _snapshot(screen_failure_ipc) == earlier
    assert earlier["row"]["locked"] is True


@pytest.mark.django_db
@pytest.mark.parametrize(("changes", "status"), [({}, "eligible"), ({"ecog": None}, "incomplete")])
@pytest.mark.parametrize("persona", ["coordinator_ipc", "investigator_ipc"])
def test_only_a_screen_failure_is_rescreened(request: pytest.FixtureRequest, client: Client, coordinator_ipc: User,
                                             example_document: dict[str, Any], *, persona: str,
                                             changes: dict[str, Any], status: str) -> None:
    screening = _import(coordinator_ipc, example_document, **changes)
    assert screening.status == status
    client.force_login(request.getfixturevalue(persona))
    before = stored_state()

    response = client.post(reverse("screening:rescreen", args=[screening.number]), follow=True)

    assert response.redirect_chain == [(reverse("screening:detail", args=[screening.number]), 302)]
    assert "Only a screen failure can be re-screened." in text(response.content.decode())
    assert stored_state() == before


@pytest.mark.django_db
def test_service_refuses_to_rescreen_an_eligible_screening(coordinator_ipc: User, screening_ipc: Screening) -> None:
    before = stored_state()

    with pytest.raises(services.SignatureRefused, match="Only a screen failure"):
        services.screening_rescreen(screening=screening_ipc, by=coordinator_ipc)

    assert stored_state() == before


@pytest.mark.django_db
def test_monitor_cannot_rescreen(client: Client, monitor: User, screen_failure_ipc: Screening) -> None:
    client.force_login(monitor)
    before = stored_state()

    response = _rescreen(client, screen_failure_ipc)

    assert response.status_code == 403
    assert stored_state() == before


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["coordinator_igr", "investigator_igr"])
def test_other_site_cannot_find_the_screening_to_rescreen(request: pytest.FixtureRequest, client: Client,
                                                          screen_failure_ipc: Screening, persona: str) -> None:
    client.force_login(request.getfixturevalue(persona))
    before = stored_state()

    response = _rescreen(client, screen_failure_ipc)

    assert response.status_code == 404
    assert stored_state() == before


@pytest.mark.django_db
def test_rescreen_needs_post(client: Client, coordinator_ipc: User, screen_failure_ipc: Screening) -> None:
    client.force_login(coordinator_ipc)
    before = stored_state()

    response = client.get(reverse("screening:rescreen", args=[screen_failure_ipc.number]))

    assert response.status_code == 405
    assert stored_state() == before


@pytest.mark.django_db
def test_rescreening_twice_gives_two_new_numbers(client: Client, coordinator_igr: User,
                                                 screen_failure_igr: Screening) -> None:
    """Each re-screening is a screening of its own; numbers are never reused."""
    client.force_login(coordinator_igr)

    first, second = _rescreen(client, screen_failure_igr), _rescreen(client, screen_failure_igr)

    assert (first.status_code, second.status_code) == (302, 302)
    assert list(Screening.objects.filter(rescreening_of=screen_failure_igr).order_by("sequence")
                .values_list("number", flat=True)) == ["IGR-0004", "IGR-0005"]
