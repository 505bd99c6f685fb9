"""The labs-expiry warning (screening/expiry.py): valid_until before the planned
randomization date, or within 3 days of today; the same condition in Python (the screening
page, the list's column) and in the database (the list's filter)."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from screening import expiry
from screening.models import Evaluation, Screening, Site, Status, User

D = datetime.date
TODAY = D(2026, 3, 10)

# (valid_until, planned randomization date) -> warned?, days left, before randomization
EXPIRY_TABLE = [
    pytest.param(None, D(2026, 3, 20), None, id="not-eligible-no-valid-until"),
    pytest.param(D(2026, 3, 20), D(2026, 3, 20), None, id="valid-exactly-on-randomization"),
    pytest.param(D(2026, 3, 19), D(2026, 3, 20), (9, True), id="valid-until-the-day-before-randomization"),
    pytest.param(D(2026, 3, 13), None, (3, False), id="within-3-days"),
    pytest.param(D(2026, 3, 14), None, None, id="in-4-days"),
    pytest.param(D(2026, 3, 14), D(2026, 3, 12), None, id="in-4-days-randomized-before"),
    pytest.param(D(2026, 3, 13), D(2026, 3, 13), (3, False), id="within-3-days-on-randomization"),
    pytest.param(D(2026, 3, 10), None, (0, False), id="valid-today-only"),
    pytest.param(D(2026, 3, 9), None, (-1, False), id="expired"),
]


@pytest.mark.parametrize(("valid_until", "randomization", "expected"), EXPIRY_TABLE)
def test_labs_expiry(valid_until: D | None, randomization: D | None, expected: tuple[int, bool] | None) -> None:
    warning = expiry.labs_expiry(valid_until=valid_until, planned_randomization_date=randomization, today=TODAY)

    if expected is None:
        assert warning is None
    else:
        assert warning is not None
        assert (warning.days_left, warning.before_randomization) == expected
        assert warning.expired is (expected[0] < 0)


def _screening(site: Site, by: User, n: int, *, valid_until: D | None, randomization: D | None) -> Screening:
    screening = Screening.objects.create(
        site=site,
        sequence=900 + n,
        number=f"{site.code}-{900 + n:04d}",
        assessment_date=D(2026, 3, 1),
        planned_randomization_date=randomization,
        status=Status.ELIGIBLE if valid_until is not None else Status.INCOMPLETE,
        created_by=by,
        updated_by=by,
    )
    # An older evaluation first: the latest one is the one that counts.
    for document in ({"valid_until": "2000-01-01"}, {"valid_until": valid_until.isoformat() if valid_until else None}):
        Evaluation.objects.create(
            screening=screening,
            ruleset="alter-v1",
            input_document={},
            result_document=document,
            status=screening.status,
            created_by=by,
        )
    return screening


@pytest.mark.django_db
def test_the_database_filter_is_the_same_condition(coordinator_ipc: User) -> None:
    site = Site.objects.get(code="IPC")
    made = {
        case.id: _screening(site, coordinator_ipc, n, valid_until=case.values[0], randomization=case.values[1])
        for n, case in enumerate(EXPIRY_TABLE)
    }

    annotated = expiry.annotate_valid_until(Screening.objects.filter(pk__in=[s.pk for s in made.values()]))
    filtered = set(annotated.filter(expiry.expiring_q(today=TODAY)).values_list("number", flat=True))

    expected = {made[case.id].number for case in EXPIRY_TABLE if case.values[2] is not None}
    assert filtered == expected and len(expected) == 5
    # The annotation is the latest evaluation's valid_until, read as a date.
    assert {s.number: s.valid_until for s in annotated} == {made[c.id].number: c.values[0] for c in EXPIRY_TABLE}


def _set_valid_until(screening: Screening, valid_until: D, randomization: D | None) -> None:
    """A newer evaluation whose result is valid until ``valid_until`` (evaluations are
    append-only), and the screening's planned randomization date."""
    latest = screening.evaluations.first()
    assert latest is not None and latest.result_document["valid_until"] is not None
    Evaluation.objects.create(
        screening=screening,
        ruleset=latest.ruleset,
        input_document=latest.input_document,
        result_document={**latest.result_document, "valid_until": valid_until.isoformat()},
        status=latest.status,
        created_by=latest.created_by,
    )
    Screening.objects.filter(pk=screening.pk).update(planned_randomization_date=randomization)


def _warning(page: str) -> str | None:
    if 'data-testid="expiry-warning"' not in page:
        return None
    block = page.split('data-testid="expiry-warning"', 1)[1].split("</div>", 1)[0]
    return " ".join(block.replace("<strong>", "").replace("</strong>", "").split()).lstrip(">")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("days", "randomization_in", "language", "expected"),
    [
        (2, None, "en", "Labs expire in 2 days. The labs and pregnancy test are valid for randomization up to"),
        (1, None, "fr", "Les examens biologiques expirent dans 1 jour."),
        (10, 11, "en", "That is before the planned randomization date"),
        (10, 10, "en", None),
        (4, None, "en", None),
        (-1, None, "en", "Labs expired."),
    ],
)
def test_the_screening_page_warns(
    client: Client,
    coordinator_ipc: User,
    screening_ipc: Screening,
    *,
    days: int,
    randomization_in: int | None,
    language: str,
    expected: str | None,
) -> None:
    today = timezone.localdate()
    randomization = today + datetime.timedelta(days=randomization_in) if randomization_in is not None else None
    _set_valid_until(screening_ipc, today + datetime.timedelta(days=days), randomization)
    coordinator_ipc.language = language
    coordinator_ipc.save(update_fields=["language"])
    client.force_login(coordinator_ipc)

    warning = _warning(client.get(reverse("screening:detail", args=[screening_ipc.number])).content.decode())

    if expected is None:
        assert warning is None
    else:
        assert warning is not None and expected in warning, warning
        with translation.override(language):
            shown = (today + datetime.timedelta(days=days)).strftime("%d/%m/%Y" if language == "fr" else "%Y-%m-%d")
        assert shown in warning


def test_valid_until_of_a_result_document() -> None:
    assert expiry.valid_until_of({"valid_until": "2026-03-16"}) == D(2026, 3, 16)
    assert expiry.valid_until_of({"valid_until": None}) is None
    assert expiry.valid_until_of(None) is None
