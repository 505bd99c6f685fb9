"""The investigator's review queue (/review/: screening/selectors.py ``review_queue``).

Decided (eligible or ineligible) and unsigned screenings of the investigator's own sites,
oldest change first, each screen failure with the reasons of its failed criteria. An
incomplete screening has nothing to sign; a signed one is done. Only investigators have
a queue: coordinators and monitors get 403 (tests/web/test_permission_matrix.py).
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from screening import services
from screening.models import Screening, User
from screening.reasons import localized_reason
from tests.conftest import PASSWORD
from tests.web.conftest import igr_document, text

QUEUE = "screening:review_queue"


def _import(by: User, document: dict[str, Any], number: str, **changes: Any) -> Screening:
    evaluation = services.screening_import(raw={**document, "screening_id": number, **changes}, by=by)
    return Screening.objects.get(pk=evaluation.screening_id)


def _two_failures(example: dict[str, Any]) -> dict[str, Any]:
    """ECOG 3 (INC-05) and an LVEF of 40% (INC-08): a screen failure for two reasons."""
    document = copy.deepcopy(example)
    document["ecog"] = 3
    document["lvef"]["percent"] = 40
    return document


@pytest.fixture
def ipc_screenings(
    coordinator_ipc: User, investigator_ipc: User, example_document: dict[str, Any]
) -> dict[str, Screening]:
    """IPC screenings in every state, saved in this order (oldest first)."""
    made = {
        "eligible": _import(coordinator_ipc, example_document, "IPC-0007"),
        "ineligible": _import(coordinator_ipc, _two_failures(example_document), "IPC-0010"),
        "incomplete": _import(coordinator_ipc, example_document, "IPC-0011", ecog=None),
        "signed": _import(coordinator_ipc, example_document, "IPC-0012"),
        "eligible_later": _import(coordinator_ipc, example_document, "IPC-0013"),
    }
    signed = made["signed"]
    services.screening_sign(screening=signed, by=investigator_ipc, password=PASSWORD, meaning="eligibility_confirmed")
    assert [s.status for s in made.values()] == ["eligible", "ineligible", "incomplete", "eligible", "eligible"]
    return made


@pytest.fixture
def igr_screening(coordinator_igr: User, example_document: dict[str, Any]) -> Screening:
    return _import(coordinator_igr, igr_document(example_document), "IGR-0003")


@pytest.mark.django_db
def test_queue_lists_own_sites_decided_unsigned_screenings_oldest_first(
    client: Client, investigator_ipc: User, ipc_screenings: dict[str, Screening], igr_screening: Screening
) -> None:
    client.force_login(investigator_ipc)

    response = client.get(reverse(QUEUE))

    assert response.status_code == 200
    assert [s.number for s in response.context["page"]] == ["IPC-0007", "IPC-0010", "IPC-0013"]
    page = response.content.decode()
    for absent in ("IPC-0011", "IPC-0012", "IGR-0003"):
        assert absent not in page
    assert reverse("screening:sign", args=["IPC-0010"]) in page


@pytest.mark.django_db
def test_queue_of_the_other_sites_investigator(
    client: Client, investigator_igr: User, ipc_screenings: dict[str, Screening], igr_screening: Screening
) -> None:
    client.force_login(investigator_igr)

    response = client.get(reverse(QUEUE))

    assert [s.number for s in response.context["page"]] == ["IGR-0003"]
    assert "IPC-0" not in response.content.decode()


@pytest.mark.django_db
def test_queue_orders_by_the_last_change(
    client: Client, coordinator_ipc: User, investigator_ipc: User, ipc_screenings: dict[str, Screening]
) -> None:
    """A screening corrected after the others were saved waits behind them."""
    oldest = ipc_screenings["eligible"]
    # The coordinator corrects the weight in an export of the current version (still eligible).
    document = services.screening_document(screening=oldest, with_version=True)
    document["patient"]["weight_kg"] = 64.5
    services.screening_import(raw=document, by=coordinator_ipc, reason="weight misread from the nursing chart")
    oldest.refresh_from_db()
    assert (oldest.version, oldest.status) == (2, "eligible")
    client.force_login(investigator_ipc)

    response = client.get(reverse(QUEUE))

    assert [s.number for s in response.context["page"]] == ["IPC-0010", "IPC-0013", "IPC-0007"]


@pytest.mark.django_db
def test_queue_shows_the_reasons_of_the_failed_criteria(
    client: Client, investigator_ipc: User, ipc_screenings: dict[str, Screening]
) -> None:
    ineligible = ipc_screenings["ineligible"]
    latest = ineligible.evaluations.first()
    assert latest is not None
    failed = [c for c in latest.result_document["criteria"] if c["outcome"] == "fail"]
    assert [c["id"] for c in failed] == ["INC-05", "INC-08"]
    client.force_login(investigator_ipc)

    page = client.get(reverse(QUEUE)).content.decode()

    row = " ".join(text(page[page.index(">IPC-0010<") : page.index(">IPC-0013<")]).split())
    for criterion in failed:
        assert criterion["id"] in row
        assert " ".join(localized_reason(criterion).split()) in row
    assert "ECOG performance status 3 > 1" in row
    # An eligible screening has no failure to show.
    eligible_row = " ".join(text(page[page.index(">IPC-0007<") : page.index(">IPC-0010<")]).split())
    assert "INC-" not in eligible_row


@pytest.mark.django_db
def test_signed_screening_leaves_the_queue(
    client: Client, investigator_ipc: User, ipc_screenings: dict[str, Screening]
) -> None:
    client.force_login(investigator_ipc)
    ineligible = ipc_screenings["ineligible"]
    latest = ineligible.evaluations.first()
    assert latest is not None

    signed = client.post(
        reverse("screening:sign", args=[ineligible.number]),
        {"meaning": "screen_failure_confirmed", "password": PASSWORD, "evaluation": str(latest.pk)},
    )

    assert signed.status_code == 302
    response = client.get(reverse(QUEUE))
    assert [s.number for s in response.context["page"]] == ["IPC-0007", "IPC-0013"]


@pytest.mark.django_db
def test_empty_queue_says_so(client: Client, investigator_igr: User, ipc_screenings: dict[str, Screening]) -> None:
    client.force_login(investigator_igr)

    response = client.get(reverse(QUEUE))

    assert list(response.context["page"]) == []
    assert "Nothing to sign." in text(response.content.decode())


@pytest.mark.django_db
def test_queue_query_count_does_not_grow_with_the_queue(
    client: Client,
    coordinator_ipc: User,
    investigator_ipc: User,
    example_document: dict[str, Any],
    django_assert_num_queries: Any,
) -> None:
    for sequence in range(20, 32):
        _import(
            coordinator_ipc,
            _two_failures(example_document) if sequence % 2 else example_document,
            f"IPC-{sequence:04d}",
        )
    client.force_login(investigator_ipc)

    # 1. the session  2. the user  3. COUNT of the queue (paginator; the user's sites are a subquery)
    # 4. the page's screenings with their site, last editor and latest result document (a
    # subquery: no query per row)  5.-7. SAVEPOINT, UPDATE of the session (its expiry slides on
    # every request), RELEASE SAVEPOINT
    with django_assert_num_queries(7):
        response = client.get(reverse(QUEUE))

    assert len(response.context["page"]) == 12
