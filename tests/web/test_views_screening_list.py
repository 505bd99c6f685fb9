"""The screening list (screening/views/screening_list.py): filter, search, pages, and a
number of queries that does not grow with the page or with each screening's history."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from screening.models import Evaluation, LabResult, Screening, Site, Status, User

STATUSES = [Status.ELIGIBLE, Status.INELIGIBLE, Status.INCOMPLETE]
INITIALS = ["MD", "JB", "AL", "PQ"]


def _make_screenings(
    count: int, *, by: User, site_code: str = "IPC", evaluations: int = 3, labs: int = 4
) -> list[Screening]:
    """``count`` screenings of one site, each with a history of evaluations and lab rows.

    Stored directly (bulk): the list reads these rows, not how they were evaluated.
    """
    site = Site.objects.get(code=site_code)
    start = site.last_screening_sequence
    screenings = Screening.objects.bulk_create(
        [
            Screening(
                site=site,
                sequence=start + i,
                number=f"{site_code}-{start + i:04d}",
                assessment_date=datetime.date(2026, 3, 1) + datetime.timedelta(days=i % 20),
                initials=INITIALS[i % len(INITIALS)],
                status=STATUSES[i % len(STATUSES)],
                failed_count=i % 2,
                missing_count=i % 3,
                created_by=by,
                updated_by=by,
            )
            for i in range(1, count + 1)
        ]
    )
    Site.objects.filter(pk=site.pk).update(last_screening_sequence=start + count)
    Evaluation.objects.bulk_create(
        [
            Evaluation(
                screening=s,
                ruleset="alter-v1",
                input_document={},
                result_document={"status": s.status},
                status=s.status,
                created_by=by,
            )
            for s in screenings
            for _ in range(evaluations)
        ]
    )
    LabResult.objects.bulk_create(
        [
            LabResult(
                screening=s,
                test="creatinine",
                value=60 + j,
                unit="umol/L",
                value_canonical=(60 + j) / 88.4,
                date=datetime.date(2026, 2, 1) + datetime.timedelta(days=j),
            )
            for s in screenings
            for j in range(labs)
        ]
    )
    return screenings


def _numbers(response: Any) -> list[str]:
    return [s.number for s in response.context["page"]]


@pytest.mark.django_db
@pytest.mark.parametrize(("count", "history", "rows"), [(5, 1, 5), (60, 1, 50), (60, 6, 50)])
def test_list_queries_do_not_grow_with_rows_or_history(
    client: Client,
    coordinator_ipc: User,
    django_assert_num_queries: DjangoAssertNumQueries,
    *,
    count: int,
    history: int,
    rows: int,
) -> None:
    _make_screenings(count, by=coordinator_ipc, evaluations=history, labs=2 * history)
    client.force_login(coordinator_ipc)

    # 1. the session  2. the user  3. the user's sites (their ids scope the screenings)
    # 4. COUNT of those sites' screenings (paginator)
    # 5. whether the user may create screenings (the "New screening" button)
    # 6. the page's screenings, with their site and last editor (one join) and the latest
    #    evaluation's valid_until (a subquery of the same query)
    # 7-9. SAVEPOINT, UPDATE django_session, RELEASE SAVEPOINT: the session's first request
    #    renews its 30 idle minutes (then at most once a minute: SessionRenewalMiddleware)
    with django_assert_num_queries(9):
        response = client.get(reverse("screening:list"))

    assert response.status_code == 200
    assert len(_numbers(response)) == rows


@pytest.mark.django_db
def test_list_queries_for_a_monitor_of_every_site(
    client: Client,
    coordinator_ipc: User,
    coordinator_igr: User,
    monitor: User,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    _make_screenings(30, by=coordinator_ipc)
    _make_screenings(30, by=coordinator_igr, site_code="IGR")
    client.force_login(monitor)

    # 1. the session  2. the user  3. the sites (a monitor sees every site: the site
    # column and filter)  4. COUNT of every site's screenings
    # 5. the page's screenings, with their site, last editor and labs' valid_until (a subquery)
    # (whether a monitor may create screenings needs no query: the role enters nothing)
    # 6-8. SAVEPOINT, UPDATE django_session, RELEASE SAVEPOINT (the session's first request renews it)
    with django_assert_num_queries(8):
        response = client.get(reverse("screening:list"))

    assert len(_numbers(response)) == 50
    assert 'data-testid="new-screening"' not in response.content.decode()


@pytest.mark.django_db
def test_list_pages_newest_change_first(client: Client, coordinator_ipc: User) -> None:
    _make_screenings(60, by=coordinator_ipc)
    client.force_login(coordinator_ipc)

    first = client.get(reverse("screening:list"))
    second = client.get(reverse("screening:list"), {"page": 2})
    beyond = client.get(reverse("screening:list"), {"page": 99})

    # Created in one statement (same updated_at): newest id first.
    assert _numbers(first) == [f"IPC-{n:04d}" for n in range(60, 10, -1)]
    assert _numbers(second) == [f"IPC-{n:04d}" for n in range(10, 0, -1)]
    assert _numbers(beyond) == _numbers(second)
    assert "Page 2 of 2 (60 screenings)" in second.content.decode()
    assert 'href="?page=2&amp;status=&amp;q="' in first.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("status", STATUSES)
def test_list_filters_by_status(client: Client, coordinator_ipc: User, status: str) -> None:
    screenings = _make_screenings(9, by=coordinator_ipc)
    client.force_login(coordinator_ipc)

    response = client.get(reverse("screening:list"), {"status": status})

    expected = {s.number for s in screenings if s.status == status}
    assert set(_numbers(response)) == expected and len(expected) == 3
    assert f'<option value="{status}" selected>' in response.content.decode()


@pytest.mark.django_db
def test_list_ignores_an_unknown_status(client: Client, coordinator_ipc: User) -> None:
    _make_screenings(9, by=coordinator_ipc)
    client.force_login(coordinator_ipc)

    response = client.get(reverse("screening:list"), {"status": "'; drop table"})

    assert len(_numbers(response)) == 9


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("IPC-0007", ["IPC-0007"]),
        ("0007", ["IPC-0007"]),
        ("ipc-000", [f"IPC-{n:04d}" for n in range(9, 0, -1)]),
        ("jb", ["IPC-0009", "IPC-0005", "IPC-0001"]),  # initials: exact, any case
        ("  JB ", ["IPC-0009", "IPC-0005", "IPC-0001"]),
        ("J", []),
        ("IGR-0001", []),  # the other site's screening is not searched
    ],
)
def test_list_searches_by_number_or_initials(
    client: Client, coordinator_ipc: User, coordinator_igr: User, query: str, expected: list[str]
) -> None:
    _make_screenings(9, by=coordinator_ipc)
    _make_screenings(2, by=coordinator_igr, site_code="IGR")
    client.force_login(coordinator_ipc)

    response = client.get(reverse("screening:list"), {"q": query})

    assert _numbers(response) == expected


@pytest.mark.django_db
def test_list_search_and_filter_combine_and_the_page_links_keep_them(client: Client, coordinator_ipc: User) -> None:
    _make_screenings(200, by=coordinator_ipc, evaluations=0, labs=0)
    client.force_login(coordinator_ipc)

    # Statuses cycle by three (eligible when i % 3 == 0), initials by four (JB when i % 4 == 1).
    combined = client.get(reverse("screening:list"), {"q": "jb", "status": "eligible"})
    second = client.get(reverse("screening:list"), {"q": "ipc", "status": "eligible", "page": 2})

    assert _numbers(combined) == [f"IPC-{i:04d}" for i in range(200, 0, -1) if i % 3 == 0 and i % 4 == 1]
    assert second.context["page"].paginator.count == 66
    assert len(_numbers(second)) == 16
    assert all(int(n[-4:]) % 3 == 0 for n in _numbers(second))
    assert 'href="?page=1&amp;status=eligible&amp;q=ipc"' in second.content.decode()


@pytest.mark.django_db
def test_list_with_no_screening(client: Client, investigator_igr: User) -> None:
    client.force_login(investigator_igr)

    response = client.get(reverse("screening:list"))

    assert "No screening yet." in response.content.decode()
    assert 'data-testid="new-screening"' in response.content.decode()
