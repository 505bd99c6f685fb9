"""Who may do what on every URL of the application (STYLE rule 8, "Deny by default").

One permission matrix in the manner of djangoproject.com, built from the URL resolver: a
URL added to the application without a row in :data:`MATRIX` fails
:func:`test_every_url_of_the_app_is_in_the_matrix`. Each row is requested by every
persona: a coordinator and an investigator of the screening's own site, the same roles of
the other site, a monitor, a superuser (staff: the admin's, not a role of the trial) and
an anonymous visitor, for a screening of each site.

Another site's screening answers 404 (its existence does not leak), a role without the
right 403, anonymous visitors are sent to the login page, a wrong method is 405, and no
refused request changes anything stored; an allowed change does what it says and nothing
more.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any, Final

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from pytest_django.fixtures import Settings

from screening import reevaluation, services
from screening.models import (
    Evaluation,
    LabResultSource,
    OutcomeChangeReview,
    Role,
    Screening,
    Signature,
    Unlock,
    User,
)
from tests.conftest import PASSWORD
from tests.fhir.builders import bundle, observation, patient, quantity
from tests.rulesets import TEST_RULESET_ID
from tests.web.conftest import igr_document, stored_state, text, without_csrf_tokens
from tests.web.formdata import form_data

LOGIN: Final = "login"  # expected: a redirect to the login page, back to the URL asked for
Expected = int | str

# The columns of the matrix: the persona's relation to the screening (or, for a new one,
# to the site the document names). A URL without a screening answers a persona of the
# other site as one of the own site.
RELATIONS: Final = (
    "own coordinator",
    "own investigator",
    "other coordinator",
    "other investigator",
    "monitor",
    "superuser",
    "anonymous",
)
PERSONAS: Final = (
    "coordinator_ipc",
    "investigator_ipc",
    "coordinator_igr",
    "investigator_igr",
    "monitor",
    "superuser",
    "anonymous",
)

#                                                      own          other
#                                                      coord inv    coord inv    monitor super anonymous
MATRIX: Final[dict[tuple[str, str], tuple[Expected, ...]]] = {
    # Django's account pages and the language switch (alter/urls.py).
    ("login", "get"): (200, 200, 200, 200, 200, 200, 200),
    ("logout", "post"): (302, 302, 302, 302, 302, 302, LOGIN),
    ("logout", "get"): (405, 405, 405, 405, 405, 405, LOGIN),
    ("password_change", "get"): (200, 200, 200, 200, 200, 200, LOGIN),
    ("password_change_done", "get"): (200, 200, 200, 200, 200, 200, LOGIN),
    ("set_language", "post"): (302, 302, 302, 302, 302, 302, 302),
    # The list: everyone signed in, each seeing their sites (test_list_shows_...).
    ("screening:list", "get"): (200, 200, 200, 200, 200, 200, LOGIN),
    # A new screening: whoever enters screenings, for their own site only (the document's
    # site is the column's "own" or "other"). The live panel stores nothing: open to all.
    ("screening:create", "get"): (200, 200, 200, 200, 403, 403, LOGIN),
    ("screening:create", "post"): (302, 302, 400, 400, 403, 403, LOGIN),
    ("screening:evaluate_new", "post"): (200, 200, 200, 200, 200, 200, LOGIN),
    ("screening:evaluate_new", "get"): (405, 405, 405, 405, 405, 405, LOGIN),
    ("screening:import_new", "post"): (302, 302, 400, 400, 403, 403, LOGIN),
    ("screening:import_new", "get"): (405, 405, 405, 405, 405, 405, LOGIN),
    # Reading a screening: its site's people, monitors and superusers (every site).
    ("screening:detail", "get"): (200, 200, 404, 404, 200, 200, LOGIN),
    ("screening:history", "get"): (200, 200, 404, 404, 200, 200, LOGIN),
    ("screening:export", "get"): (200, 200, 404, 404, 200, 200, LOGIN),
    ("screening:evaluation", "get"): (200, 200, 404, 404, 200, 200, LOGIN),
    # The checklist PDF: the screening page's rights (its download is recorded apart, in
    # screening_checklistprint, which the snapshot leaves out: it changes no screening).
    ("screening:checklist", "get"): (200, 200, 404, 404, 200, 200, LOGIN),
    # The live panel is posted but stores nothing: it reads the screening like the detail
    # page (a monitor's page does not post it; its answer changes nothing either way).
    ("screening:evaluate", "post"): (200, 200, 404, 404, 200, 200, LOGIN),
    # Changing a screening: its site's coordinators and investigators only.
    ("screening:detail", "post"): (302, 302, 404, 404, 403, 403, LOGIN),
    ("screening:import", "post"): (302, 302, 404, 404, 403, 403, LOGIN),
    ("screening:import", "get"): (405, 405, 405, 405, 405, 405, LOGIN),
    # Lab results from the hospital (fhir-labs.md): the upload and the fetch store nothing
    # but are for who may change the screening; the approval adds the rows.
    ("screening:fhir_labs_upload", "post"): (200, 200, 404, 404, 403, 403, LOGIN),
    ("screening:fhir_labs_upload", "get"): (405, 405, 405, 405, 405, 405, LOGIN),
    ("screening:fhir_labs_fetch", "post"): (302, 302, 404, 404, 403, 403, LOGIN),
    ("screening:fhir_labs_fetch", "get"): (405, 405, 405, 405, 405, 405, LOGIN),
    ("screening:fhir_labs_approve", "post"): (302, 302, 404, 404, 403, 403, LOGIN),
    ("screening:fhir_labs_approve", "get"): (405, 405, 405, 405, 405, 405, LOGIN),
    # The investigator's: the review queue, signing and unlocking (of their own site).
    ("screening:review_queue", "get"): (403, 200, 403, 200, 403, 403, LOGIN),
    ("screening:sign", "get"): (403, 200, 404, 404, 403, 403, LOGIN),
    ("screening:sign", "post"): (403, 302, 404, 404, 403, 403, LOGIN),
    ("screening:sign", "put"): (405, 405, 405, 405, 405, 405, LOGIN),
    # Unlock changes the record: a GET (a link, a prefetch) must not.
    ("screening:unlock", "post"): (403, 302, 404, 404, 403, 403, LOGIN),
    ("screening:unlock", "get"): (405, 405, 405, 405, 405, 405, LOGIN),
    # Why a signed screening whose outcome changed since its signature (a re-evaluation under
    # an amendment) is not signed again: its site's investigators.
    ("screening:outcome_change_review", "post"): (403, 302, 404, 404, 403, 403, LOGIN),
    ("screening:outcome_change_review", "get"): (405, 405, 405, 405, 405, 405, LOGIN),
    # The impact of an amendment: everyone signed in, for the sites they read.
    ("screening:amendment_impact", "get"): (200, 200, 200, 200, 200, 200, LOGIN),
    # Re-screening: whoever enters the site's screenings; GET is the confirmation page.
    ("screening:rescreen", "get"): (200, 200, 404, 404, 403, 403, LOGIN),
    ("screening:rescreen", "post"): (302, 302, 404, 404, 403, 403, LOGIN),
    ("screening:rescreen", "put"): (405, 405, 405, 405, 405, 405, LOGIN),
    ("screening:rescreen", "delete"): (405, 405, 405, 405, 405, 405, LOGIN),
    # The screening log and its exports: everyone signed in, counting their sites only
    # (tests/web/test_screening_log.py checks the scoping).
    ("screening:log", "get"): (200, 200, 200, 200, 200, 200, LOGIN),
    ("screening:log_export_csv", "get"): (200, 200, 200, 200, 200, 200, LOGIN),
    ("screening:log_export_xlsx", "get"): (200, 200, 200, 200, 200, 200, LOGIN),
    ("screening:log_screenings_csv", "get"): (200, 200, 200, 200, 200, 200, LOGIN),
    ("screening:log_screenings_xlsx", "get"): (200, 200, 200, 200, 200, 200, LOGIN),
}

# Left out of the matrix, with the reason: the Django admin, whose pages are for staff and
# guarded by the admin's own login and model permissions (tests/web/test_production.py).
EXCLUDED_NAMESPACES: Final = {"admin": "the Django admin: staff only, by the admin's own permissions"}

# Rows whose request does not depend on a screening or a site: asked once, not per site.
SITELESS: Final = {
    "login",
    "logout",
    "password_change",
    "password_change_done",
    "set_language",
    "screening:list",
    "screening:review_queue",
    "screening:log",
    "screening:log_export_csv",
    "screening:log_export_xlsx",
    "screening:log_screenings_csv",
    "screening:log_screenings_xlsx",
    "screening:amendment_impact",
}
# Allowed requests that change nothing stored.
READ_ONLY: Final = {
    ("login", "get"),
    ("logout", "post"),
    ("password_change", "get"),
    ("password_change_done", "get"),
    ("set_language", "post"),
    ("screening:list", "get"),
    ("screening:create", "get"),
    ("screening:evaluate_new", "post"),
    ("screening:detail", "get"),
    ("screening:history", "get"),
    ("screening:export", "get"),
    ("screening:evaluation", "get"),
    ("screening:checklist", "get"),
    ("screening:evaluate", "post"),
    ("screening:fhir_labs_upload", "post"),
    ("screening:fhir_labs_fetch", "post"),
    ("screening:review_queue", "get"),
    ("screening:sign", "get"),
    ("screening:rescreen", "get"),
    ("screening:log", "get"),
    ("screening:log_export_csv", "get"),
    ("screening:log_export_xlsx", "get"),
    ("screening:log_screenings_csv", "get"),
    ("screening:log_screenings_xlsx", "get"),
    ("screening:amendment_impact", "get"),
}
# What a refused document of the other site says (400), so that the 400 is that refusal.
REFUSAL_TEXTS: Final = {
    ("screening:create", "post"): "Choose the site of this screening.",
    ("screening:import_new", "post"): "you cannot enter screenings for {site}",
}
# What an allowed page shows (the right page, not only a 200).
SHOWN: Final = {
    ("screening:sign", "get"): 'data-testid="sign-form"',
    ("screening:rescreen", "get"): 'data-testid="rescreen-form"',
}
# The screening each row acts on: an eligible one to sign, a signed one to unlock, a
# screen failure to re-screen, a signed one re-evaluated since (under the test ruleset) to
# review; the eligible one (version 1, one evaluation) for the rest.
SCREENING_FOR: Final = {
    "screening:unlock": "signed",
    "screening:rescreen": "failure",
    "screening:outcome_change_review": "flagged",
}

EDIT_REASON: Final = "ECOG reassessed at the visit"
UNLOCK_REASON: Final = "ECOG from the wrong visit"
REVIEW_REASON: Final = "Randomised before the amendment took effect"
# One ALT of the hospital, with its reference range: a proposal to approve.
ALT_FILE: Final = bundle(
    patient("p1"),
    observation(
        "alt-0309",
        loinc="1742-6",
        when="2026-03-09T07:45:00+01:00",
        value=quantity(30, "U/L"),
        subject="Patient/p1",
        referenceRange=[{"high": quantity(40, "U/L")}],
    ),
)


def _url_names(patterns: list[URLPattern | URLResolver], namespace: str | None = None) -> Iterator[str]:
    """The name of every URL pattern, walking includes; an unnamed one as its route."""
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            if inner is not None and inner.partition(":")[0] in EXCLUDED_NAMESPACES:
                continue
            yield from _url_names(entry.url_patterns, inner)
        else:
            name = entry.name or f"<unnamed {entry.pattern}>"
            yield f"{namespace}:{name}" if namespace else name


def test_every_url_of_the_app_is_in_the_matrix() -> None:
    names = set(_url_names(get_resolver().url_patterns))
    in_matrix = {name for name, _method in MATRIX}

    assert sorted(names - in_matrix) == [], "URLs without a row in the permission matrix"
    assert sorted(in_matrix - names) == [], "rows of the matrix for URLs that do not exist"
    assert SITELESS | set(SCREENING_FOR) <= names
    assert all(len(row) == len(RELATIONS) for row in MATRIX.values())


def _relation(persona: str, target: str) -> str:
    if persona in ("monitor", "superuser", "anonymous"):
        return persona
    role, _, site = persona.partition("_")
    return f"{'own' if site == target else 'other'} {role}"


def _expected(name: str, method: str, persona: str, target: str) -> Expected:
    return MATRIX[name, method][RELATIONS.index(_relation(persona, target))]


CASES: Final = [
    pytest.param(name, method, persona, target, id=f"{name}-{method}-{persona}-{target}")
    for (name, method) in MATRIX
    for persona in PERSONAS
    for target in (("ipc",) if name in SITELESS else ("ipc", "igr"))
]


def _state() -> dict[str, Any]:
    """The web tests' snapshot, with the sign-off rows, each screening's lock and link, and
    the lab rows' sources."""
    return {
        **stored_state(),
        "signatures": list(
            Signature.objects.order_by("pk").values_list(
                "pk", "screening_id", "evaluation_id", "meaning", "signed_by_id", "signed_at"
            )
        ),
        "unlocks": list(Unlock.objects.order_by("pk").values_list("pk", "screening_id", "reason", "unlocked_by_id")),
        "screening_flags": list(Screening.objects.order_by("pk").values_list("pk", "locked", "rescreening_of_id")),
        "lab_sources": LabResultSource.objects.count(),
        "outcome_change_reviews": list(
            OutcomeChangeReview.objects.order_by("pk").values_list("pk", "evaluation_id", "reviewed_by_id", "reason")
        ),
    }


@pytest.fixture
def superuser(db: Any) -> User:
    return User.objects.create_superuser("admin", password=PASSWORD)


def _login(request: pytest.FixtureRequest, client: Client, persona: str) -> User | None:
    if persona == "anonymous":
        return None
    user: User = request.getfixturevalue(persona)
    client.force_login(user)
    return user


def _document(example: dict[str, Any], site: str, **changes: Any) -> dict[str, Any]:
    """The spec's eligible patient entered at ``site`` (IPC-0007 or IGR-0003)."""
    document = igr_document(example) if site == "igr" else dict(example)
    return {**document, **changes}


def _screening(request: pytest.FixtureRequest, example: dict[str, Any], kind: str, site: str) -> Screening:
    """A screening of ``site`` as the row needs it: ``eligible``, ``signed``, ``failure``
    (ECOG 3) or ``flagged`` (signed, then re-evaluated under the test ruleset), saved by the
    site's coordinator (and signed by its investigator)."""
    coordinator: User = request.getfixturevalue(f"coordinator_{site}")
    raw = _document(example, site, **({"ecog": 3} if kind == "failure" else {}))
    screening = Screening.objects.get(pk=services.screening_import(raw=raw, by=coordinator).screening_id)
    if kind in ("signed", "flagged"):
        investigator: User = request.getfixturevalue(f"investigator_{site}")
        services.screening_sign(
            screening=screening, by=investigator, password=PASSWORD, meaning="eligibility_confirmed"
        )
        screening.refresh_from_db()
    if kind == "flagged":
        request.getfixturevalue("alter_test")
        today = timezone.localdate()
        [change] = reevaluation.changes(ruleset_id=TEST_RULESET_ID, today=today, site=screening.site)
        reevaluation.screening_reevaluate(
            change=change, ruleset_id=TEST_RULESET_ID, today=today, by=coordinator, reason="amendment"
        )
        screening.refresh_from_db()
    return screening


def _upload(document: dict[str, Any], name: str = "screening.json") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, json.dumps(document).encode(), content_type="application/json")


def _edited_document(screening: Screening) -> dict[str, Any]:
    """The screening's export (with its record_version) with ECOG 1 changed to 0: a valid
    edit of the same patient, which needs ``EDIT_REASON``."""
    document = services.screening_document(screening=screening, with_version=True)
    document["ecog"] = 0
    return document


def _latest(screening: Screening) -> Evaluation:
    latest = screening.evaluations.order_by("-created_at", "-id").first()
    assert latest is not None
    return latest


def _approval(request: pytest.FixtureRequest, screening: Screening) -> dict[str, str]:
    """The approval of the hospital's ALT, as the screening's coordinator's upload page sends
    it; posted by another persona, a forged request."""
    coordinator = Client()
    coordinator.force_login(request.getfixturevalue(f"coordinator_{screening.site.code.lower()}"))
    page = coordinator.post(
        reverse("screening:fhir_labs_upload", args=[screening.number]),
        {"file": _upload(ALT_FILE, "hospital-labs.json")},
    )
    assert page.status_code == 200
    data = {"payload": page.context["payload"], "version": str(page.context["version"]), "save": ""}
    data["save_key"] = str(page.context["save_key"])
    for i, row in enumerate(page.context["rows"]):
        for field in ("value", "unit", "uln", "date"):
            value = row["form"][field].value()
            data[f"proposal-{i}-{field}"] = "" if value is None else str(value)
    data["proposal-0-approve"] = "on"
    return data


def _prepare(
    name: str, method: str, request: pytest.FixtureRequest, example: dict[str, Any], target: str
) -> tuple[Screening | None, dict[str, Any]]:
    """The screening a row acts on, and what its request sends, made before the snapshot."""
    if name in SITELESS or name in ("screening:create", "screening:evaluate_new", "screening:import_new"):
        return None, {}
    screening = _screening(request, example, SCREENING_FOR.get(name, "eligible"), target)
    if (name, method) == ("screening:fhir_labs_approve", "post"):
        return screening, _approval(request, screening)
    return screening, {}


def _send(
    client: Client,
    name: str,
    method: str,
    *,
    screening: Screening | None,
    example: dict[str, Any],
    target: str,
    prepared: dict[str, Any],
    number: str | None = None,
) -> Any:
    """Request a row of the matrix (with ``number``, the same request for that number)."""
    args: list[Any] = []
    if screening is not None:
        args = [number or screening.number]
        if name == "screening:evaluation":
            args.append(_latest(screening).pk)
    url = reverse(name, args=args)
    data: dict[str, Any] | None = None
    if (name, method) == ("screening:create", "post"):
        data = form_data(_document(example, target, screening_id=None))
    elif (name, method) == ("screening:evaluate_new", "post"):
        data = form_data(_document(example, target, screening_id=None))
    elif (name, method) == ("screening:import_new", "post"):
        data = {"document": _upload(_document(example, target, screening_id=None))}
    elif (name, method) == ("screening:evaluate", "post"):
        assert screening is not None
        data = form_data(services.screening_document(screening=screening), version=screening.version)
    elif (name, method) == ("screening:detail", "post"):
        assert screening is not None
        data = form_data(_edited_document(screening), version=screening.version, reason=EDIT_REASON)
    elif (name, method) == ("screening:import", "post"):
        assert screening is not None
        data = {
            "document": _upload(_edited_document(screening)),
            "version": str(screening.version),
            "reason_for_change": EDIT_REASON,
        }
    elif (name, method) == ("screening:fhir_labs_upload", "post"):
        data = {"file": _upload(ALT_FILE, "hospital-labs.json")}
    elif (name, method) == ("screening:fhir_labs_approve", "post"):
        data = prepared
    elif (name, method) == ("screening:sign", "post"):
        assert screening is not None
        data = {"meaning": "eligibility_confirmed", "password": PASSWORD, "evaluation": str(_latest(screening).pk)}
    elif (name, method) == ("screening:unlock", "post"):
        data = {"reason": UNLOCK_REASON}
    elif (name, method) == ("screening:outcome_change_review", "post"):
        assert screening is not None
        data = {"reason": REVIEW_REASON, "evaluation": str(_latest(screening).pk)}
    elif (name, method) == ("screening:rescreen", "post"):
        # As a user does: the confirmation page first, then its form with the page's key.
        # Whoever may not see that page posts a key of their own (a forged request).
        confirmation = client.get(url)
        key = confirmation.context["save_key"] if confirmation.status_code == 200 else uuid.uuid4()
        data = {"save_key": str(key)}
    elif (name, method) == ("set_language", "post"):
        data = {"language": "fr", "next": "/"}
    response = getattr(client, method)(url, data) if data is not None else getattr(client, method)(url)
    if response.streaming:
        # Read to its end, as a browser does: the XLSX export closes its temporary file there.
        b"".join(response.streaming_content)
    return response


def _assert_status(response: Any, expected: Expected) -> None:
    if expected == LOGIN:
        assert response.status_code == 302
        assert response.url == f"{reverse('login')}?next={response.request['PATH_INFO']}"
    else:
        assert response.status_code == expected


def _assert_done(name: str, method: str, response: Any, *, screening: Screening | None, user: User, site: str) -> None:
    """What an allowed change does, and nothing more."""
    if screening is not None:
        screening.refresh_from_db()
    created = Screening.objects.exclude(pk__in=[screening.pk] if screening else []).order_by("pk")
    if (name, method) in (("screening:create", "post"), ("screening:import_new", "post")):
        [new] = created
        assert response.url == reverse("screening:detail", args=[new.number])
        assert (new.site.code, new.created_by, new.evaluations.count()) == (site.upper(), user, 1)
        return
    assert screening is not None
    if (name, method) in (("screening:detail", "post"), ("screening:import", "post")):
        assert response.url == reverse("screening:detail", args=[screening.number])
        assert (screening.version, screening.ecog, screening.updated_by) == (2, 0, user)
        assert screening.evaluations.count() == 2
    elif (name, method) == ("screening:fhir_labs_approve", "post"):
        assert response.url == reverse("screening:detail", args=[screening.number]) + "#section-labs"
        source = LabResultSource.objects.get()
        assert (source.screening, source.observation, source.approved_by) == (screening, "alt-0309", user)
    elif (name, method) == ("screening:sign", "post"):
        signature = Signature.objects.get(screening=screening)
        assert (signature.signed_by, signature.evaluation, signature.meaning) == (
            user,
            _latest(screening),
            "eligibility_confirmed",
        )
        assert screening.locked
    elif (name, method) == ("screening:unlock", "post"):
        unlock = Unlock.objects.get()
        assert (unlock.screening, unlock.unlocked_by, unlock.reason) == (screening, user, UNLOCK_REASON)
        assert not screening.locked
    elif (name, method) == ("screening:outcome_change_review", "post"):
        review = OutcomeChangeReview.objects.get()
        assert (review.screening, review.evaluation, review.reviewed_by, review.reason) == (
            screening,
            _latest(screening),
            user,
            REVIEW_REASON,
        )
        assert screening.locked
    elif (name, method) == ("screening:rescreen", "post"):
        [new] = created
        assert new.rescreening_of == screening
        assert response.url == reverse("screening:detail", args=[new.number])
        # A re-screening starts incomplete: the screen failure's dated results are not carried over.
        assert (new.site_id, new.created_by, new.status) == (screening.site_id, user, "incomplete")
    else:
        raise AssertionError(f"no check of what {method.upper()} {name} does")
    if name != "screening:rescreen":
        assert list(created) == [], "a change of one screening made another"


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method", "persona", "target"), CASES)
def test_permission_matrix(
    request: pytest.FixtureRequest,
    client: Client,
    settings: Settings,
    example_document: dict[str, Any],
    *,
    name: str,
    method: str,
    persona: str,
    target: str,
) -> None:
    # A FHIR server is configured (else the fetch is 404 for everyone); the fetch below
    # sends no identifier, so nothing reaches it.
    settings.FHIR_BASE_URL = "http://127.0.0.1:9/fhir"
    screening, prepared = _prepare(name, method, request, example_document, target)
    user = _login(request, client, persona)
    before = _state()

    response = _send(
        client, name, method, screening=screening, example=example_document, target=target, prepared=prepared
    )

    expected = _expected(name, method, persona, target)
    _assert_status(response, expected)
    if expected in (200, 302) and (name, method) not in READ_ONLY:
        assert user is not None
        assert _state() != before
        _assert_done(name, method, response, screening=screening, user=user, site=target)
        return
    assert _state() == before
    if expected == 200 and (name, method) in SHOWN:
        assert SHOWN[name, method] in response.content.decode()
    if (name, method) == ("screening:sign", "get") and expected == 200:
        assert screening is not None
        assert response.context["form"]["evaluation"].value() == _latest(screening).pk
    if expected == 400:
        other_site = target.upper()
        assert REFUSAL_TEXTS[name, method].format(site=other_site) in text(response.content.decode())


OTHER_SITE_CASES: Final = [
    pytest.param(name, method, persona, id=f"{name}-{method}-{persona}")
    for (name, method), row in MATRIX.items()
    if row[RELATIONS.index("other coordinator")] == 404
    for persona in ("coordinator_igr", "investigator_igr")
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method", "persona"), OTHER_SITE_CASES)
def test_other_sites_screening_looks_like_no_screening(
    request: pytest.FixtureRequest,
    client: Client,
    settings: Settings,
    example_document: dict[str, Any],
    *,
    name: str,
    method: str,
    persona: str,
) -> None:
    """404 with the same page as a number that does not exist: nothing tells them it exists."""
    settings.FHIR_BASE_URL = "http://127.0.0.1:9/fhir"
    screening, prepared = _prepare(name, method, request, example_document, "ipc")
    assert screening is not None
    _login(request, client, persona)
    before = _state()

    def send(number: str | None = None) -> Any:
        return _send(
            client,
            name,
            method,
            screening=screening,
            example=example_document,
            target="ipc",
            prepared=prepared,
            number=number,
        )

    existing_response, missing_response = send(), send("IPC-9999")

    assert existing_response.status_code == missing_response.status_code == 404
    # The same page but for the CSRF tokens of the menu's forms (language, log out), masked anew on each page.
    assert without_csrf_tokens(existing_response.content.replace(screening.number.encode(), b"IPC-9999")) == (
        without_csrf_tokens(missing_response.content)
    )
    assert _state() == before


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


# --- what an allowed page shows: the persona's sites only ---------------------------------

LIST_EXPECTED: Final[dict[str, set[str]]] = {
    "coordinator_ipc": {"IPC-0007"},
    "investigator_ipc": {"IPC-0007"},
    "coordinator_igr": {"IGR-0003"},
    "investigator_igr": {"IGR-0003"},
    "monitor": {"IPC-0007", "IGR-0003"},
    "superuser": {"IPC-0007", "IGR-0003"},
}


@pytest.mark.django_db
@pytest.mark.parametrize("persona", list(LIST_EXPECTED))
def test_list_shows_the_sites_the_persona_may_read(
    request: pytest.FixtureRequest, client: Client, screening_ipc: Screening, screening_igr: Screening, persona: str
) -> None:
    _login(request, client, persona)

    response = client.get(reverse("screening:list"))

    assert response.status_code == 200
    assert {s.number for s in response.context["page"]} == LIST_EXPECTED[persona]
    page = response.content.decode()
    for number in {"IPC-0007", "IGR-0003"} - LIST_EXPECTED[persona]:
        assert number not in page


@pytest.fixture
def queue_world(
    request: pytest.FixtureRequest, example_document: dict[str, Any], monitor: User, superuser: User
) -> dict[str, dict[str, Screening]]:
    """At each site: an eligible screening, a signed one, a screen failure. IPC-0007/0008/0009
    and IGR-0003/0004/0005."""
    made: dict[str, dict[str, Screening]] = {}
    for site, first in (("ipc", 7), ("igr", 3)):
        coordinator: User = request.getfixturevalue(f"coordinator_{site}")
        investigator: User = request.getfixturevalue(f"investigator_{site}")
        code = site.upper()

        def save(
            sequence: int, *, site: str = site, code: str = code, by: User = coordinator, **changes: Any
        ) -> Screening:
            raw = _document(example_document, site, screening_id=f"{code}-{sequence:04d}", **changes)
            return Screening.objects.get(pk=services.screening_import(raw=raw, by=by).screening_id)

        eligible, signed, failure = save(first), save(first + 1), save(first + 2, ecog=3)
        services.screening_sign(screening=signed, by=investigator, password=PASSWORD, meaning="eligibility_confirmed")
        made[site] = {"eligible": eligible, "signed": signed, "failure": failure}
    return made


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_review_queue_shows_only_the_investigators_own_sites(
    request: pytest.FixtureRequest, client: Client, queue_world: dict[str, dict[str, Screening]], persona: str
) -> None:
    user = _login(request, client, persona)
    before = _state()

    response = client.get(reverse("screening:review_queue"))

    assert _state() == before
    page = response.content.decode()
    if response.status_code == 200:
        assert user is not None and user.role == Role.INVESTIGATOR
        own = queue_world[persona.rpartition("_")[2]]
        # The eligible and the ineligible screening, unsigned, oldest first; not the signed one.
        assert [s.number for s in response.context["page"]] == [own["eligible"].number, own["failure"].number]
        other = queue_world["igr" if persona.endswith("_ipc") else "ipc"]
        for screening in other.values():
            assert screening.number not in page
    else:
        for site in queue_world.values():
            for screening in site.values():
                assert screening.number not in page
