"""Who may do what on every screening URL (STYLE rule 8, "Deny by default").

A permission matrix in the manner of djangoproject.com: every screening URL is requested
by a coordinator and an investigator of the screening's own site, by the same roles of
the other site, by a monitor and anonymously, for a screening of each site. Another
site's screening answers 404 (its existence does not leak), monitors read every site but
change nothing (403), anonymous users are sent to the login page, and no refused request
changes anything stored.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Final

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from screening import services
from screening.models import Screening, User
from tests.web.conftest import igr_document, stored_state, without_csrf_tokens
from tests.web.formdata import form_data

ANONYMOUS: Final = "anonymous"

# persona -> relation to a screening of IPC, then of IGR
RELATIONS: Final[dict[str, dict[str, str]]] = {
    "coordinator_ipc": {"ipc": "own", "igr": "other"},
    "investigator_ipc": {"ipc": "own", "igr": "other"},
    "coordinator_igr": {"ipc": "other", "igr": "own"},
    "investigator_igr": {"ipc": "other", "igr": "own"},
    "monitor": {"ipc": "monitor", "igr": "monitor"},
    ANONYMOUS: {"ipc": ANONYMOUS, "igr": ANONYMOUS},
}
CASES: Final = [(persona, target) for persona in RELATIONS for target in ("ipc", "igr")]

LOGIN: Final = "login"  # expected: a redirect to the login page

# Views that only read a screening: relation -> status.
READ_EXPECTED: Final[dict[str, dict[str, int | str]]] = {
    "detail": {"own": 200, "other": 404, "monitor": 200, ANONYMOUS: LOGIN},
    "history": {"own": 200, "other": 404, "monitor": 200, ANONYMOUS: LOGIN},
    "export": {"own": 200, "other": 404, "monitor": 200, ANONYMOUS: LOGIN},
    "evaluation": {"own": 200, "other": 404, "monitor": 200, ANONYMOUS: LOGIN},
    # The checklist PDF: the screening page's rights (its download is recorded apart, in
    # screening_checklistprint, which stored_state leaves out: it changes no screening).
    "checklist": {"own": 200, "other": 404, "monitor": 200, ANONYMOUS: LOGIN},
    # The live panel is posted but stores nothing: it reads the screening like the detail
    # page (a monitor's page does not post it; its answer changes nothing either way).
    "evaluate": {"own": 200, "other": 404, "monitor": 200, ANONYMOUS: LOGIN},
}

# Views that change a screening: relation -> status; only "own" saves (302 to the detail).
WRITE_EXPECTED: Final[dict[str, dict[str, int | str]]] = {
    "detail_post": {"own": 302, "other": 404, "monitor": 403, ANONYMOUS: LOGIN},
    "import": {"own": 302, "other": 404, "monitor": 403, ANONYMOUS: LOGIN},
}


def _persona(request: pytest.FixtureRequest, client: Client, persona: str) -> User | None:
    if persona == ANONYMOUS:
        return None
    user: User = request.getfixturevalue(persona)
    client.force_login(user)
    return user


def _upload(document: dict[str, Any]) -> SimpleUploadedFile:
    return SimpleUploadedFile("screening.json", json.dumps(document).encode(), content_type="application/json")


EDIT_REASON: Final = "ECOG reassessed at the visit"


def _edited_document(screening: Screening) -> dict[str, Any]:
    """The screening's export (with its record_version) with ECOG 1 changed to 0: a valid
    edit of the same patient, which needs ``EDIT_REASON``."""
    document = services.screening_document(screening=screening, with_version=True)
    document["ecog"] = 0
    return document


def _send(view: str, client: Client, screening: Screening, *, number: str | None = None) -> Any:
    """Request ``view`` of ``screening`` (or, with ``number``, the same request for that number)."""
    number = number or screening.number
    if view == "detail":
        return client.get(reverse("screening:detail", args=[number]))
    if view == "history":
        return client.get(reverse("screening:history", args=[number]))
    if view == "export":
        return client.get(reverse("screening:export", args=[number]))
    if view == "evaluation":
        evaluation = screening.evaluations.get()
        return client.get(reverse("screening:evaluation", args=[number, evaluation.pk]))
    if view == "checklist":
        return client.get(reverse("screening:checklist", args=[number]))
    if view == "evaluate":
        data = form_data(services.screening_document(screening=screening), version=screening.version)
        return client.post(reverse("screening:evaluate", args=[number]), data)
    if view == "detail_post":
        data = form_data(_edited_document(screening), version=screening.version, reason=EDIT_REASON)
        return client.post(reverse("screening:detail", args=[number]), data)
    if view == "import":
        return client.post(
            reverse("screening:import", args=[number]),
            {
                "document": _upload(_edited_document(screening)),
                "version": str(screening.version),
                "reason_for_change": EDIT_REASON,
            },
        )
    raise AssertionError(view)


def _assert_status(response: Any, expected: int | str, path: str) -> None:
    if expected == LOGIN:
        assert response.status_code == 302
        assert response.url == f"{reverse('login')}?next={path}"
    else:
        assert response.status_code == expected


@pytest.fixture
def screenings(screening_ipc: Screening, screening_igr: Screening) -> dict[str, Screening]:
    return {"ipc": screening_ipc, "igr": screening_igr}


@pytest.mark.django_db
@pytest.mark.parametrize("view", list(READ_EXPECTED))
@pytest.mark.parametrize(("persona", "target"), CASES)
def test_read_views_by_persona(
    request: pytest.FixtureRequest,
    client: Client,
    screenings: dict[str, Screening],
    *,
    view: str,
    persona: str,
    target: str,
) -> None:
    _persona(request, client, persona)
    screening = screenings[target]
    before = stored_state()

    response = _send(view, client, screening)

    _assert_status(response, READ_EXPECTED[view][RELATIONS[persona][target]], response.request["PATH_INFO"])
    assert stored_state() == before


@pytest.mark.django_db
@pytest.mark.parametrize("view", list(WRITE_EXPECTED))
@pytest.mark.parametrize(("persona", "target"), CASES)
def test_write_views_by_persona(
    request: pytest.FixtureRequest,
    client: Client,
    screenings: dict[str, Screening],
    *,
    view: str,
    persona: str,
    target: str,
) -> None:
    user = _persona(request, client, persona)
    screening = screenings[target]
    before = stored_state()

    response = _send(view, client, screening)

    relation = RELATIONS[persona][target]
    _assert_status(response, WRITE_EXPECTED[view][relation], response.request["PATH_INFO"])
    screening.refresh_from_db()
    if relation == "own":
        assert response.url == reverse("screening:detail", args=[screening.number])
        assert (screening.version, screening.ecog, screening.updated_by) == (2, 0, user)
        assert screening.evaluations.count() == 2
    else:
        assert stored_state() == before
        assert (screening.version, screening.evaluations.count()) == (1, 1)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["coordinator_igr", "investigator_igr"])
@pytest.mark.parametrize("view", ["detail", "history", "export", "checklist", "evaluate", "detail_post", "import"])
def test_other_sites_screening_looks_like_no_screening(
    request: pytest.FixtureRequest, client: Client, screening_ipc: Screening, persona: str, view: str
) -> None:
    """404 with the same page as a number that does not exist: nothing tells them IPC-0007 exists."""
    _persona(request, client, persona)

    existing_response = _send(view, client, screening_ipc)
    missing_response = _send(view, client, screening_ipc, number="IPC-9999")

    assert existing_response.status_code == missing_response.status_code == 404
    # The same page but for the CSRF tokens of the menu's forms, masked anew on each page.
    assert without_csrf_tokens(existing_response.content.replace(b"IPC-0007", b"IPC-9999")) == without_csrf_tokens(
        missing_response.content
    )


@pytest.mark.django_db
def test_evaluation_of_another_screening_is_not_found_under_this_number(
    client: Client, coordinator_ipc: User, screening_ipc: Screening, screening_igr: Screening
) -> None:
    """An evaluation is only found under its own screening's number (no pk guessing across sites)."""
    client.force_login(coordinator_ipc)
    igr_evaluation = screening_igr.evaluations.get()

    response = client.get(reverse("screening:evaluation", args=[screening_ipc.number, igr_evaluation.pk]))

    assert response.status_code == 404


@pytest.mark.django_db
def test_monitor_reads_a_screening_with_the_form_disabled(
    client: Client, monitor: User, screening_igr: Screening
) -> None:
    client.force_login(monitor)

    page = client.get(reverse("screening:detail", args=[screening_igr.number])).content.decode()

    assert "You can read this screening but not change it." in page
    assert 'data-testid="save"' not in page
    assert "<fieldset disabled>" in page


# --- the list -------------------------------------------------------------------------

LIST_EXPECTED: Final[dict[str, set[str]]] = {
    "coordinator_ipc": {"IPC-0007"},
    "investigator_ipc": {"IPC-0007"},
    "coordinator_igr": {"IGR-0003"},
    "investigator_igr": {"IGR-0003"},
    "monitor": {"IPC-0007", "IGR-0003"},
}


@pytest.mark.django_db
@pytest.mark.parametrize("persona", list(LIST_EXPECTED))
def test_list_shows_the_sites_the_persona_may_read(
    request: pytest.FixtureRequest, client: Client, screenings: dict[str, Screening], persona: str
) -> None:
    _persona(request, client, persona)

    response = client.get(reverse("screening:list"))

    assert response.status_code == 200
    assert {s.number for s in response.context["page"]} == LIST_EXPECTED[persona]
    page = response.content.decode()
    for number in {"IPC-0007", "IGR-0003"} - LIST_EXPECTED[persona]:
        assert number not in page


@pytest.mark.django_db
def test_list_anonymous_is_sent_to_login(client: Client) -> None:
    response = client.get(reverse("screening:list"))

    _assert_status(response, LOGIN, reverse("screening:list"))


# --- creating: the form, the live panel, the JSON import ------------------------------

CREATE_EXPECTED: Final[dict[str, dict[str, int | str]]] = {
    # persona: GET, then POST of a screening of their own site
    "coordinator_ipc": {"get": 200, "post": 302},
    "investigator_ipc": {"get": 200, "post": 302},
    "coordinator_igr": {"get": 200, "post": 302},
    "investigator_igr": {"get": 200, "post": 302},
    "monitor": {"get": 403, "post": 403},
    ANONYMOUS: {"get": LOGIN, "post": LOGIN},
}


def _own_site(persona: str) -> str:
    return "IGR" if persona.endswith("_igr") else "IPC"


def _new_document(example: dict[str, Any], site: str) -> dict[str, Any]:
    document = igr_document(example, screening_id=None) if site == "IGR" else {**example, "screening_id": None}
    return document


@pytest.mark.django_db
@pytest.mark.parametrize("persona", list(CREATE_EXPECTED))
def test_create_by_persona(
    request: pytest.FixtureRequest,
    client: Client,
    screenings: dict[str, Screening],
    example_document: dict[str, Any],
    persona: str,
) -> None:
    _persona(request, client, persona)
    url = reverse("screening:create")
    site = _own_site(persona)
    before = stored_state()

    get_response = client.get(url)
    post_response = client.post(url, form_data(_new_document(example_document, site)))

    _assert_status(get_response, CREATE_EXPECTED[persona]["get"], url)
    _assert_status(post_response, CREATE_EXPECTED[persona]["post"], url)
    if CREATE_EXPECTED[persona]["post"] == 302:
        created = Screening.objects.exclude(pk__in=[s.pk for s in screenings.values()]).get()
        assert post_response.url == reverse("screening:detail", args=[created.number])
        assert created.site.code == site
        assert created.evaluations.count() == 1
    else:
        assert stored_state() == before


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["coordinator_igr", "investigator_igr"])
def test_create_for_another_site_is_refused(
    request: pytest.FixtureRequest,
    client: Client,
    screening_ipc: Screening,
    example_document: dict[str, Any],
    persona: str,
) -> None:
    """An IGR user who names IPC in the form gets their own form back, and nothing is stored."""
    _persona(request, client, persona)
    before = stored_state()
    data = form_data({**example_document, "screening_id": None})
    assert data["site"] == "IPC"

    response = client.post(reverse("screening:create"), data)

    assert response.status_code == 400
    assert "Choose the site of this screening." in response.content.decode()
    assert stored_state() == before


IMPORT_NEW_EXPECTED: Final[dict[str, dict[str, int | str]]] = {
    # persona: import of a document of their own site, then of the other site
    "coordinator_ipc": {"own": 302, "other": 400},
    "investigator_ipc": {"own": 302, "other": 400},
    "coordinator_igr": {"own": 302, "other": 400},
    "investigator_igr": {"own": 302, "other": 400},
    "monitor": {"own": 403, "other": 403},
    ANONYMOUS: {"own": LOGIN, "other": LOGIN},
}


@pytest.mark.django_db
@pytest.mark.parametrize("document_site", ["own", "other"])
@pytest.mark.parametrize("persona", list(IMPORT_NEW_EXPECTED))
def test_import_new_by_persona(
    request: pytest.FixtureRequest,
    client: Client,
    screenings: dict[str, Screening],
    example_document: dict[str, Any],
    *,
    persona: str,
    document_site: str,
) -> None:
    _persona(request, client, persona)
    own = _own_site(persona)
    site = own if document_site == "own" else ({"IPC", "IGR"} - {own}).pop()
    url = reverse("screening:import_new")
    before = stored_state()

    response = client.post(url, {"document": _upload(_new_document(example_document, site))})

    expected = IMPORT_NEW_EXPECTED[persona][document_site]
    _assert_status(response, expected, url)
    if expected == 302:
        created = Screening.objects.exclude(pk__in=[s.pk for s in screenings.values()]).get()
        assert created.site.code == site
    else:
        assert stored_state() == before
    if expected == 400:
        assert f"you cannot enter screenings for {site}" in response.content.decode()


EVALUATE_NEW_EXPECTED: Final[dict[str, int | str]] = {
    "coordinator_ipc": 200,
    "investigator_igr": 200,
    "monitor": 200,
    ANONYMOUS: LOGIN,
}


@pytest.mark.django_db
@pytest.mark.parametrize("persona", list(EVALUATE_NEW_EXPECTED))
def test_evaluate_new_stores_nothing(
    request: pytest.FixtureRequest,
    client: Client,
    screenings: dict[str, Screening],
    example_document: dict[str, Any],
    persona: str,
) -> None:
    _persona(request, client, persona)
    url = reverse("screening:evaluate_new")
    before = stored_state()

    response = client.post(url, form_data({**example_document, "screening_id": None}))

    _assert_status(response, EVALUATE_NEW_EXPECTED[persona], url)
    assert stored_state() == before


# --- anonymous, everywhere ---------------------------------------------------------------

ALL_URLS: Final[list[tuple[str, str, Callable[[Screening], list[Any]]]]] = [
    ("get", "screening:list", lambda s: []),
    ("get", "screening:create", lambda s: []),
    ("post", "screening:create", lambda s: []),
    ("post", "screening:evaluate_new", lambda s: []),
    ("post", "screening:import_new", lambda s: []),
    ("get", "screening:detail", lambda s: [s.number]),
    ("post", "screening:detail", lambda s: [s.number]),
    ("post", "screening:evaluate", lambda s: [s.number]),
    ("get", "screening:history", lambda s: [s.number]),
    ("get", "screening:export", lambda s: [s.number]),
    ("post", "screening:import", lambda s: [s.number]),
    ("get", "screening:evaluation", lambda s: [s.number, s.evaluations.get().pk]),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "name", "args"), ALL_URLS, ids=[f"{m}-{n}" for m, n, _ in ALL_URLS])
def test_anonymous_is_sent_to_login_and_changes_nothing(
    client: Client,
    screening_ipc: Screening,
    example_document: dict[str, Any],
    *,
    method: str,
    name: str,
    args: Callable[[Screening], list[Any]],
) -> None:
    url = reverse(name, args=args(screening_ipc))
    before = stored_state()

    response = getattr(client, method)(url, form_data(example_document, version=1) if method == "post" else None)

    _assert_status(response, LOGIN, url)
    assert stored_state() == before
