"""The screening list's columns and filters (screening/views/screening_list.py): the site
for a user of several sites, signed, labs valid until (and expiring), a failed criterion
and assessment dates; and the screening log's failure counts, each a link to the list of
exactly the screenings it counts (templates/screening/log.html)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from screening.models import Screening, User
from tests.web.test_screening_log import screenings  # noqa: F401  (the fixture: a to g, two sites)


def _numbers(response: Any) -> set[str]:
    assert response.status_code == 200
    return {s.number for s in response.context["page"]}


def _names(made: dict[str, Screening], names: str) -> set[str]:
    return {made[n].number for n in names}


def _cells(page: str, testid: str) -> dict[str, str]:
    """Each row's cell ``testid``, by screening number."""
    rows = re.findall(r'<tr data-number="([^"]+)">(.*?)</tr>', page, re.S)
    found = {}
    for number, row in rows:
        match = re.search(rf'<td data-testid="{testid}">(.*?)</td>', row, re.S)
        if match:
            found[number] = " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())
    return found


@pytest.mark.django_db
def test_the_site_column_is_for_users_of_several_sites(
    client: Client,
    monitor: User,
    coordinator_ipc: User,
    screenings: dict[str, Screening],  # noqa: F811
) -> None:
    client.force_login(monitor)
    page = client.get(reverse("screening:list")).content.decode()
    client.force_login(coordinator_ipc)
    own = client.get(reverse("screening:list")).content.decode()

    assert _cells(page, "site") == {s.number: s.site.code for s in screenings.values()}
    assert 'name="site"' in page
    assert _cells(own, "site") == {} and 'name="site"' not in own


@pytest.mark.django_db
@pytest.mark.parametrize(("site", "expected"), [("IPC", "abcdg"), ("IGR", "ef"), ("", "abcdefg"), ("XYZ", "abcdefg")])
def test_monitor_filters_by_site(
    client: Client,
    monitor: User,
    screenings: dict[str, Screening],  # noqa: F811
    site: str,
    expected: str,
) -> None:
    client.force_login(monitor)

    assert _numbers(client.get(reverse("screening:list"), {"site": site})) == _names(screenings, expected)


@pytest.mark.django_db
def test_a_coordinator_cannot_list_another_site_by_its_filter(
    client: Client,
    coordinator_ipc: User,
    screenings: dict[str, Screening],  # noqa: F811
) -> None:
    client.force_login(coordinator_ipc)

    # IGR is not among the choices: ignored, and the list stays the user's own sites.
    assert _numbers(client.get(reverse("screening:list"), {"site": "IGR"})) == _names(screenings, "abcdg")


@pytest.mark.django_db
@pytest.mark.parametrize(("signed", "expected"), [("yes", "af"), ("no", "bcdeg"), ("", "abcdefg")])
def test_signed_column_and_filter(
    client: Client,
    monitor: User,
    screenings: dict[str, Screening],  # noqa: F811
    signed: str,
    expected: str,
) -> None:
    client.force_login(monitor)

    response = client.get(reverse("screening:list"), {"signed": signed})

    assert _numbers(response) == _names(screenings, expected)
    shown = _cells(response.content.decode(), "signed")
    assert shown == {s.number: "yes" if s.locked else "no" for s in screenings.values() if s.number in shown}


@pytest.mark.django_db
def test_labs_valid_until_column_and_expiring_filter(
    client: Client,
    monitor: User,
    screenings: dict[str, Screening],  # noqa: F811
) -> None:
    """The fixture's eligible screenings (a, e, g) were valid in 2026-03 to 2026-05: expired
    by now; the others have no valid_until (not eligible)."""
    client.force_login(monitor)

    every = client.get(reverse("screening:list"))
    expiring = client.get(reverse("screening:list"), {"expiring": "yes"})

    assert _numbers(expiring) == _names(screenings, "aeg")
    cells = _cells(every.content.decode(), "valid-until")
    for name, screening in screenings.items():
        valid_until = screening.evaluations.first().result_document["valid_until"]  # type: ignore[union-attr]
        if name in "aeg":
            assert cells[screening.number] == f"{valid_until} expired"
        else:
            assert valid_until is None and cells[screening.number] == "—"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("criterion", "expected"), [("INC-07-PLT", "bc"), ("INC-07-CRCL", "b"), ("INC-05", "f"), ("INC-01", "")]
)
def test_criterion_filter(
    client: Client,
    monitor: User,
    screenings: dict[str, Screening],  # noqa: F811
    criterion: str,
    expected: str,
) -> None:
    """Failed criteria only: d misses INC-05 (incomplete), it has not failed it."""
    client.force_login(monitor)

    response = client.get(reverse("screening:list"), {"criterion": criterion})

    assert _numbers(response) == _names(screenings, expected)
    assert ("No screening matches the filter." in response.content.decode()) is (not expected)


def _failure_links(page: str) -> dict[str, tuple[str, str]]:
    """Each failure count's link on the log page: criterion -> (count, href)."""
    links = {}
    for criterion, cell in re.findall(r'<tr[^>]*data-criterion="([^"]+)">(.*?)</tr>', page, re.S):
        match = re.search(r'<a href="([^"]+)" data-testid="failure-screenings[^"]*"[^>]*>(\d+)</a>', cell)
        if match:
            links[criterion] = (match.group(2), match.group(1).replace("&amp;", "&"))
    return links


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "log_filter", "expected"),
    [
        ("monitor", {}, {"INC-05": "f", "INC-07-PLT": "bc", "INC-07-CRCL": "b", "any": "bcf"}),
        ("monitor", {"site": "IPC"}, {"INC-07-PLT": "bc", "INC-07-CRCL": "b", "any": "bc"}),
        ("coordinator_ipc", {"date_from": "2026-04-01"}, {"INC-07-PLT": "c", "any": "c"}),
        ("monitor", {"date_to": "2026-03-31", "site": "IPC"}, {"INC-07-PLT": "b", "INC-07-CRCL": "b", "any": "b"}),
    ],
)
def test_each_failure_count_links_to_exactly_its_screenings(
    client: Client,
    request: pytest.FixtureRequest,
    screenings: dict[str, Screening],  # noqa: F811
    *,
    persona: str,
    log_filter: dict[str, str],
    expected: dict[str, str],
) -> None:
    client.force_login(request.getfixturevalue(persona))

    links = _failure_links(client.get(reverse("screening:log"), log_filter).content.decode())

    assert set(links) == set(expected)
    for criterion, (count, href) in links.items():
        listed = _numbers(client.get(href))
        assert listed == _names(screenings, expected[criterion]), (criterion, href)
        assert int(count) == len(listed)
