"""Who may review, sign, unlock and re-screen (the issue-5 URLs), in the manner of
test_views_permissions.py: every URL is requested by a coordinator and an investigator of
each site, by a monitor and anonymously, for a screening of each site.

Signing and unlocking are the investigator's (of the screening's own site); re-screening
(its confirmation page and the confirmed POST) is for whoever enters that site's
screenings; the review queue is the investigators'.
Another site's screening answers 404 (its existence does not leak), a role without the
right 403, anonymous users are sent to the login page, and no refused request changes
anything stored.
"""

from __future__ import annotations

import uuid
from typing import Any, Final

import pytest
from django.test import Client
from django.urls import reverse

from screening import services
from screening.models import Evaluation, Role, Screening, Signature, Unlock, User
from tests.conftest import PASSWORD
from tests.web.conftest import igr_document, stored_state, without_csrf_tokens

ANONYMOUS: Final = "anonymous"
LOGIN: Final = "login"  # expected: a redirect to the login page
PERSONAS: Final = ["coordinator_ipc", "investigator_ipc", "coordinator_igr", "investigator_igr", "monitor", ANONYMOUS]
CASES: Final = [(persona, target) for persona in PERSONAS for target in ("ipc", "igr")]

# action -> relation of the persona to the screening -> expected answer.
EXPECTED: Final[dict[str, dict[str, int | str]]] = {
    "sign_get": {"own_investigator": 200, "own_coordinator": 403, "other": 404, "monitor": 403, ANONYMOUS: LOGIN},
    "sign_post": {"own_investigator": 302, "own_coordinator": 403, "other": 404, "monitor": 403, ANONYMOUS: LOGIN},
    "unlock_post": {"own_investigator": 302, "own_coordinator": 403, "other": 404, "monitor": 403, ANONYMOUS: LOGIN},
    "rescreen_get": {"own_investigator": 200, "own_coordinator": 200, "other": 404, "monitor": 403, ANONYMOUS: LOGIN},
    "rescreen_post": {"own_investigator": 302, "own_coordinator": 302, "other": 404, "monitor": 403, ANONYMOUS: LOGIN},
}
# Requests that only show a page: they change nothing stored, even when allowed.
READ_ONLY: Final = {"sign_get", "rescreen_get"}

# The review queue has no screening in its URL: persona -> expected answer.
QUEUE_EXPECTED: Final[dict[str, int | str]] = {
    "coordinator_ipc": 403,
    "investigator_ipc": 200,
    "coordinator_igr": 403,
    "investigator_igr": 200,
    "monitor": 403,
    ANONYMOUS: LOGIN,
}


def _relation(persona: str, target: str) -> str:
    if persona in (ANONYMOUS, "monitor"):
        return persona
    role, _, site = persona.partition("_")
    return f"own_{role}" if site == target else "other"


def _state() -> dict[str, Any]:
    """The web tests' snapshot, with the sign-off rows and each screening's lock and link."""
    return {
        **stored_state(),
        "signatures": list(
            Signature.objects.order_by("pk").values_list(
                "pk", "screening_id", "evaluation_id", "meaning", "signed_by_id", "signed_at"
            )
        ),
        "unlocks": list(Unlock.objects.order_by("pk").values_list("pk", "screening_id", "reason", "unlocked_by_id")),
        "screening_flags": list(Screening.objects.order_by("pk").values_list("pk", "locked", "rescreening_of_id")),
    }


def _latest(screening: Screening) -> Evaluation:
    latest = screening.evaluations.order_by("-created_at", "-id").first()
    assert latest is not None
    return latest


@pytest.fixture
def world(
    *,
    coordinator_ipc: User,
    investigator_ipc: User,
    coordinator_igr: User,
    investigator_igr: User,
    monitor: User,
    example_document: dict[str, Any],
) -> dict[str, dict[str, Screening]]:
    """At each site: an eligible screening to sign, a signed one to unlock, a screen failure
    to re-screen. IPC-0007/0008/0009 and IGR-0003/0004/0005."""
    made: dict[str, dict[str, Screening]] = {}
    for site, coordinator, investigator, first in (
        ("ipc", coordinator_ipc, investigator_ipc, 7),
        ("igr", coordinator_igr, investigator_igr, 3),
    ):
        base = example_document if site == "ipc" else igr_document(example_document)
        code = site.upper()

        def save(
            sequence: int, *, by: User = coordinator, base: dict[str, Any] = base, code: str = code, **changes: Any
        ) -> Screening:
            raw = {**base, "screening_id": f"{code}-{sequence:04d}", **changes}
            return Screening.objects.get(pk=services.screening_import(raw=raw, by=by).screening_id)

        to_sign, to_unlock, to_rescreen = save(first), save(first + 1), save(first + 2, ecog=3)
        services.screening_sign(
            screening=to_unlock, by=investigator, password=PASSWORD, meaning="eligibility_confirmed"
        )
        made[site] = {"sign": to_sign, "unlock": to_unlock, "rescreen": to_rescreen}
        for screening in made[site].values():
            screening.refresh_from_db()
    return made


def _login(request: pytest.FixtureRequest, client: Client, persona: str) -> User | None:
    if persona == ANONYMOUS:
        return None
    user: User = request.getfixturevalue(persona)
    client.force_login(user)
    return user


def _target(action: str, screenings: dict[str, Screening]) -> Screening:
    return screenings[action.partition("_")[0]]


def _send(action: str, client: Client, screening: Screening, *, number: str | None = None) -> Any:
    number = number or screening.number
    if action == "sign_get":
        return client.get(reverse("screening:sign", args=[number]))
    if action == "sign_post":
        return client.post(
            reverse("screening:sign", args=[number]),
            {"meaning": "eligibility_confirmed", "password": PASSWORD, "evaluation": str(_latest(screening).pk)},
        )
    if action == "unlock_post":
        return client.post(reverse("screening:unlock", args=[number]), {"reason": "ECOG from the wrong visit"})
    if action == "rescreen_get":
        return client.get(reverse("screening:rescreen", args=[number]))
    if action == "rescreen_post":
        # As a user does: the confirmation page first, then its form with the page's key.
        # Whoever may not see that page posts a key of their own (a forged request).
        confirmation = client.get(reverse("screening:rescreen", args=[number]))
        key = confirmation.context["save_key"] if confirmation.status_code == 200 else uuid.uuid4()
        return client.post(reverse("screening:rescreen", args=[number]), {"save_key": str(key)})
    raise AssertionError(action)


def _assert_status(response: Any, expected: int | str) -> None:
    if expected == LOGIN:
        assert response.status_code == 302
        assert response.url == f"{reverse('login')}?next={response.request['PATH_INFO']}"
    else:
        assert response.status_code == expected


def _assert_done(action: str, response: Any, screening: Screening, user: User) -> None:
    """What an allowed request does, and nothing more."""
    screening.refresh_from_db()
    if action == "sign_get":
        assert 'data-testid="sign-form"' in response.content.decode()
        assert response.context["form"]["evaluation"].value() == _latest(screening).pk
    elif action == "sign_post":
        signature = Signature.objects.get(screening=screening)
        assert (signature.signed_by, signature.evaluation, signature.meaning) == (
            user,
            _latest(screening),
            "eligibility_confirmed",
        )
        assert screening.locked
    elif action == "unlock_post":
        unlock = Unlock.objects.get()
        assert (unlock.screening, unlock.unlocked_by, unlock.reason) == (screening, user, "ECOG from the wrong visit")
        assert not screening.locked
    elif action == "rescreen_get":
        assert 'data-testid="rescreen-form"' in response.content.decode()
        assert not Screening.objects.filter(rescreening_of=screening).exists()
    elif action == "rescreen_post":
        new = Screening.objects.get(rescreening_of=screening)
        assert response.url == reverse("screening:detail", args=[new.number])
        # A re-screening starts incomplete: the screen failure's dated results are not carried over.
        assert (new.site_id, new.created_by, new.status) == (screening.site_id, user, "incomplete")
    if action not in {"sign_get", "rescreen_get", "rescreen_post"}:
        assert response.url == reverse("screening:detail", args=[screening.number])


def _changed_only(before: dict[str, Any], after: dict[str, Any], action: str, screening: Screening) -> None:
    """Beyond the target screening (and, for a re-screening, the new one), nothing moved."""
    others = [row for row in after["screenings"] if row[0] != screening.pk]
    if action == "rescreen_post":
        others = [row for row in others if not Screening.objects.filter(pk=row[0], rescreening_of=screening).exists()]
    assert others == [row for row in before["screenings"] if row[0] != screening.pk]


@pytest.mark.django_db
@pytest.mark.parametrize("action", list(EXPECTED))
@pytest.mark.parametrize(("persona", "target"), CASES)
def test_issue5_urls_by_persona(
    request: pytest.FixtureRequest,
    client: Client,
    world: dict[str, dict[str, Screening]],
    *,
    action: str,
    persona: str,
    target: str,
) -> None:
    user = _login(request, client, persona)
    screening = _target(action, world[target])
    before = _state()

    response = _send(action, client, screening)

    expected = EXPECTED[action][_relation(persona, target)]
    _assert_status(response, expected)
    if expected in (200, 302):
        assert user is not None
        _assert_done(action, response, screening, user)
        after = _state()
        if action in READ_ONLY:
            assert after == before
        else:
            assert after != before
            _changed_only(before, after, action, screening)
    else:
        assert _state() == before


@pytest.mark.django_db
@pytest.mark.parametrize("action", list(EXPECTED))
@pytest.mark.parametrize("persona", ["coordinator_igr", "investigator_igr"])
def test_other_sites_screening_looks_like_no_screening(
    request: pytest.FixtureRequest, client: Client, world: dict[str, dict[str, Screening]], persona: str, action: str
) -> None:
    """404 with the same page as a number that does not exist: nothing tells them it exists."""
    _login(request, client, persona)
    screening = _target(action, world["ipc"])
    before = _state()

    existing_response = _send(action, client, screening)
    missing_response = _send(action, client, screening, number="IPC-9999")

    assert existing_response.status_code == missing_response.status_code == 404
    # The same page but for the CSRF tokens of the menu's forms (language, log out), masked anew on each page.
    assert without_csrf_tokens(existing_response.content.replace(screening.number.encode(), b"IPC-9999")) == (
        without_csrf_tokens(missing_response.content)
    )
    assert _state() == before


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_review_queue_by_persona(
    request: pytest.FixtureRequest, client: Client, world: dict[str, dict[str, Screening]], persona: str
) -> None:
    user = _login(request, client, persona)
    before = _state()

    response = client.get(reverse("screening:review_queue"))

    _assert_status(response, QUEUE_EXPECTED[persona])
    assert _state() == before
    if QUEUE_EXPECTED[persona] == 200:
        assert user is not None and user.role == Role.INVESTIGATOR
        own = world[persona.rpartition("_")[2]]
        # The eligible and the ineligible screening, unsigned, oldest first; not the signed one.
        assert [s.number for s in response.context["page"]] == [own["sign"].number, own["rescreen"].number]
        other = world["igr" if persona.endswith("_ipc") else "ipc"]
        page = response.content.decode()
        for screening in other.values():
            assert screening.number not in page
    else:
        for site in world.values():
            for screening in site.values():
                assert screening.number not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "method"), [("sign", "put"), ("unlock", "get"), ("rescreen", "put"), ("rescreen", "delete")]
)
def test_issue5_urls_refuse_the_wrong_method(
    client: Client, investigator_ipc: User, world: dict[str, dict[str, Screening]], name: str, method: str
) -> None:
    """Unlock changes the record: a GET (a link, a prefetch) must not. Re-screening answers
    GET with its confirmation page (see the matrix) and creates only on POST."""
    client.force_login(investigator_ipc)
    url = reverse(f"screening:{name}", args=[world["ipc"][name].number])
    before = _state()

    response = getattr(client, method)(url)

    assert response.status_code == 405
    assert _state() == before
