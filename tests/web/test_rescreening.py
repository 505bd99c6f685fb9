"""Re-screening a screen failure (/screenings/<n>/rescreen/, ``screening_rescreen``).

A patient who failed screening may be screened again: GET shows a confirmation page that
lists what is carried over, POST creates a NEW screening, with a new number, linked to the
earlier one and evaluated at once. Only what stays true of the patient is carried over
(identity, pathology, prior therapies); dated results, consent and judgments are not, so
the new screening starts incomplete. The earlier screening stays as it was, with its
evaluations, signature and history: a screen failure stays in the screening log. Only a
screen failure is re-screened, and only once; its re-screening may be re-screened in turn.
"""

from __future__ import annotations

import uuid
from typing import Any, Final

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from screening import services
from screening.document_mapping import LIST_FIELDS, SCALAR_FIELDS
from screening.models import Evaluation, SaveRequest, Screening, Signature, User
from tests.conftest import PASSWORD
from tests.web.conftest import igr_document, stored_state, text


def _import(by: User, document: dict[str, Any], **changes: Any) -> Screening:
    evaluation = services.screening_import(raw={**document, **changes}, by=by)
    return Screening.objects.select_related("site").get(pk=evaluation.screening_id)


# What stays true of the patient between two screenings (issue 8): who they are, the
# tumour's pathology and the treatments already given.
CARRIED_FIELDS: Final = (
    "initials",
    "sex",
    "date_of_birth",
    "histologically_confirmed",
    "bilateral",
    "prior_her2_or_trop2_adc",
)
CARRIED_LISTS: Final = ("tumour_samples", "drugs")


def _confirmation(client: Client, screening: Screening) -> Any:
    return client.get(reverse("screening:rescreen", args=[screening.number]))


def _rescreen(client: Client, screening: Screening) -> Any:
    """What the user does: open the confirmation page, then confirm with the page's key."""
    confirmation = _confirmation(client, screening)
    assert confirmation.status_code == 200
    assert 'data-testid="rescreen-form"' in confirmation.content.decode()
    return client.post(
        reverse("screening:rescreen", args=[screening.number]), {"save_key": str(confirmation.context["save_key"])}
    )


def _at(document: dict[str, Any], path: tuple[str, ...]) -> Any:
    node: Any = document
    for key in path:
        node = node[key]
    return node


def _carried_over(earlier: dict[str, Any], *, number: str) -> dict[str, tuple[Any, ...]]:
    """The document a re-screening of ``earlier`` starts from, field by field: the carried
    values, today's assessment date, and nothing else."""
    expected: dict[str, Any] = {}
    for field, path in SCALAR_FIELDS:
        if field == "assessment_date":
            expected[field] = timezone.localdate().isoformat()
        else:
            expected[field] = _at(earlier, path) if field in CARRIED_FIELDS else None
    for name, (path, _fields) in LIST_FIELDS.items():
        expected[name] = _at(earlier, path) if name in CARRIED_LISTS else []
    return {"screening_id": number, "site": earlier["site"], **expected}


def _fields_of(document: dict[str, Any]) -> dict[str, Any]:
    fields = {field: _at(document, path) for field, path in SCALAR_FIELDS}
    lists = {name: _at(document, path) for name, (path, _fields) in LIST_FIELDS.items()}
    return {"screening_id": document["screening_id"], "site": document["site"], **fields, **lists}


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
def test_rescreening_creates_a_linked_screening_carrying_over_only_what_stays_true_of_the_patient(
    request: pytest.FixtureRequest, client: Client, screen_failure_ipc: Screening, persona: str
) -> None:
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
    # Carried over: identity, pathology and prior therapies; not the labs, LVEF, ECOG,
    # consent, judgments... of the earlier screening. Assessed today.
    new_document = services.screening_document(screening=new)
    assert _fields_of(new_document) == _carried_over(earlier["document"], number="IPC-0008")
    assert (new.initials, new.date_of_birth.isoformat(), new.sex) == ("MD", "1981-07-14", "female")
    assert (
        new.tumoursample_set.count(),
        new.priordrug_set.count(),
        new.labresult_set.count(),
        new.pregnancytest_set.count(),
    ) == (1, 3, 0, 0)
    # ... and evaluated at once: one evaluation, appended by this user, incomplete (the old
    # ECOG 3 is not carried over, so nothing fails before the new results are entered).
    evaluation = new.evaluations.get()
    assert (evaluation.status, evaluation.created_by, new.status) == ("incomplete", user, "incomplete")
    assert (new.failed_count, new.failed_criteria) == (0, [])
    assert evaluation.input_document == new_document
    assert evaluation.result_document["screening_id"] == "IPC-0008"
    # The earlier screening and its evaluations are as they were.
    assert _snapshot(screen_failure_ipc) == earlier
    # The new screening's page names the one it re-screens, and what was carried over.
    page = " ".join(text(client.get(response.url).content.decode()).split())
    assert "Re-screening of IPC-0007" in page
    assert "Re-screening IPC-0008 created from IPC-0007. Carried over: identity, pathology and prior therapies" in page


@pytest.mark.django_db
def test_rescreening_leaves_the_earlier_history_unchanged(
    client: Client, coordinator_ipc: User, screen_failure_ipc: Screening
) -> None:
    """The earlier screening's history page lists the same changes after its re-screening:
    the new screening's rows are the new screening's history, not the earlier one's."""
    client.force_login(coordinator_ipc)
    earlier_history = _history_rows(client, screen_failure_ipc)

    assert _rescreen(client, screen_failure_ipc).status_code == 302

    added = [row for row in _history_rows(client, screen_failure_ipc) if row not in earlier_history]
    assert added == []
    assert _history_rows(client, screen_failure_ipc) == earlier_history


@pytest.mark.django_db
def test_rescreening_a_signed_screen_failure_leaves_it_signed(
    client: Client, coordinator_ipc: User, investigator_ipc: User, screen_failure_ipc: Screening
) -> None:
    services.screening_sign(
        screening=screen_failure_ipc, by=investigator_ipc, password=PASSWORD, meaning="screen_failure_confirmed"
    )
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
def test_only_a_screen_failure_is_rescreened(
    request: pytest.FixtureRequest,
    client: Client,
    coordinator_ipc: User,
    example_document: dict[str, Any],
    *,
    persona: str,
    changes: dict[str, Any],
    status: str,
) -> None:
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

    with pytest.raises(services.RescreeningRefused, match="Only a screen failure"):
        services.screening_rescreen(screening=screening_ipc, by=coordinator_ipc)

    assert stored_state() == before


@pytest.mark.django_db
def test_rescreen_get_asks_for_confirmation_listing_what_is_carried_over_and_changes_nothing(
    client: Client, coordinator_ipc: User, screen_failure_ipc: Screening
) -> None:
    """A GET (a link, a prefetch) only shows what the re-screening would start from."""
    client.force_login(coordinator_ipc)
    before = stored_state()

    response = _confirmation(client, screen_failure_ipc)

    assert response.status_code == 200
    assert stored_state() == before
    page = response.content.decode()
    assert 'data-testid="rescreen-form"' in page
    carried = " ".join(
        text(page[page.index('data-testid="carried-over"') : page.index('data-testid="not-carried"')]).split()
    )
    for value in (
        "MD",
        "1981-07-14",
        "Sex female",
        "paclitaxel",
        "pembrolizumab",
        "capecitabine",
        "sample site primary",
        "laterality left",
    ):
        assert value in carried, value
    # Dated results are not carried over: neither the ECOG that failed nor a lab value.
    for absent in ("ECOG", "2026-03-05", "2026-03-03", "Consent", "g/dL", "umol/L"):
        assert absent not in carried, absent


@pytest.mark.django_db
def test_a_screening_is_rescreened_once_and_its_rescreening_gives_the_next_number(
    client: Client, coordinator_igr: User, screen_failure_igr: Screening
) -> None:
    """A double POST of the confirmation gives one new screening; another attempt is sent
    to the existing re-screening; re-screening the re-screening takes the next number
    (numbers are never reused)."""
    client.force_login(coordinator_igr)
    url = reverse("screening:rescreen", args=[screen_failure_igr.number])
    key = str(_confirmation(client, screen_failure_igr).context["save_key"])

    first, repeated = client.post(url, {"save_key": key}), client.post(url, {"save_key": key})

    rescreening = Screening.objects.get(rescreening_of=screen_failure_igr)
    assert rescreening.number == "IGR-0004"
    assert (first.status_code, first.url) == (302, reverse("screening:detail", args=["IGR-0004"]))
    assert (repeated.status_code, repeated.url) == (302, reverse("screening:detail", args=["IGR-0004"]))
    assert SaveRequest.objects.filter(key=key, screening=rescreening).count() == 1

    # Once re-screened, the confirmation page says so and offers no form; a POST (another key)
    # is refused and sent to the existing re-screening.
    confirmation = _confirmation(client, screen_failure_igr).content.decode()
    assert 'data-testid="already-rescreened"' in confirmation
    assert 'data-testid="rescreen-form"' not in confirmation
    before = stored_state()
    again = client.post(url, {"save_key": str(uuid.uuid4())}, follow=True)
    assert again.redirect_chain == [(reverse("screening:detail", args=["IGR-0004"]), 302)]
    assert "IGR-0003 was already re-screened as IGR-0004." in text(again.content.decode())
    assert stored_state() == before
    with pytest.raises(services.RescreeningRefused, match="already re-screened as IGR-0004") as refused:
        services.screening_rescreen(screening=screen_failure_igr, by=coordinator_igr)
    assert refused.value.existing == rescreening
    assert stored_state() == before

    # The re-screening fails too (ECOG 3 entered in its blank): it is re-screened in turn.
    document = services.screening_document(screening=rescreening, with_version=True)
    document["ecog"] = 3
    services.screening_import(raw=document, by=coordinator_igr)
    rescreening.refresh_from_db()
    assert rescreening.status == "ineligible"
    assert _rescreen(client, rescreening).status_code == 302

    assert list(
        Screening.objects.filter(site__code="IGR").order_by("sequence").values_list("number", "rescreening_of__number")
    ) == [("IGR-0003", None), ("IGR-0004", "IGR-0003"), ("IGR-0005", "IGR-0004")]
