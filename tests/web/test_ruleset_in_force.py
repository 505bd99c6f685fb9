"""The ruleset in force per site, from a date (issue 12, item 2).

A screening is evaluated under the ruleset in force at its site on the day of the
evaluation (models.SiteRuleset, selectors.ruleset_in_force): every appended evaluation
(form save, JSON import, FHIR lab approval, re-screening) and the form's live preview. The
screening keeps the ruleset of its latest evaluation; the list, the review queue and the
screening log show it and filter by it.

The test ruleset ``alter-test`` (tests/rulesets.py) lowers LVEF to ≥ 50 %: the spec's
patient with an LVEF of 52 % is ineligible under alter-v1 (INC-08) and eligible under
alter-test, which also has a criterion alter-v1 lacks (EXC-13). "Today" is the real day:
the effective date is put on both sides of it (tomorrow: not yet in force; today: in force).
"""

from __future__ import annotations

import copy
import datetime
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from screening import selectors, services
from screening.models import Evaluation, Role, Screening, Site, SiteRuleset, User
from screening.rules.ruleset import DEFAULT, Ruleset
from tests.conftest import make_user
from tests.rulesets import TEST_RULESET_ID
from tests.web.formdata import form_data
from tests.web.test_screening_log import _csv_rows, _section, _xlsx_rows

V1 = DEFAULT.id
TEST = TEST_RULESET_ID
# The spec's patient with LVEF 52 %: INC-08 fails under alter-v1 (≥ 55), passes under alter-test (≥ 50).
STATUS_UNDER = {V1: "ineligible", TEST: "eligible"}


def _today() -> datetime.date:
    return timezone.localdate()


def _in_force(site_code: str, *, days_from_today: int, ruleset: str = TEST) -> SiteRuleset:
    """The ruleset ``ruleset`` in force at the site from today + ``days_from_today``."""
    return SiteRuleset.objects.create(
        site=Site.objects.get(code=site_code),
        ruleset=ruleset,
        effective_from=_today() + datetime.timedelta(days=days_from_today),
    )


def _the_day_comes(row: SiteRuleset) -> None:
    """The row's date reached: what passing midnight does to a row dated tomorrow."""
    SiteRuleset.objects.filter(pk=row.pk).update(effective_from=_today())


def _lvef_52(example: dict[str, Any], *, site: str = "IPC", screening_id: str | None = None) -> dict[str, Any]:
    doc = copy.deepcopy(example)
    doc["lvef"]["percent"] = 52
    doc["site"] = site
    doc["screening_id"] = screening_id
    return doc


def _criteria(evaluation: Evaluation) -> list[str]:
    return [c["id"] for c in evaluation.result_document["criteria"]]


def _assert_under(evaluation: Evaluation, ruleset: str) -> None:
    """The evaluation, its result document and its screening all say ``ruleset``, and the
    outcome is that ruleset's (not only its label)."""
    screening = Screening.objects.get(pk=evaluation.screening_id)
    assert (evaluation.ruleset, evaluation.result_document["ruleset"], screening.ruleset) == (ruleset,) * 3
    assert ("EXC-13" in _criteria(evaluation)) == (ruleset == TEST)
    assert screening.status == evaluation.status


# --- the selector ---------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.usefixtures("alter_test")
def test_the_ruleset_in_force_is_the_latest_row_on_or_before_the_day() -> None:
    ipc = Site.objects.get(code="IPC")
    d = datetime.date(2027, 6, 1)
    SiteRuleset.objects.create(site=ipc, ruleset=TEST, effective_from=d)
    SiteRuleset.objects.create(site=ipc, ruleset=V1, effective_from=d + datetime.timedelta(days=30))
    day = datetime.timedelta(days=1)

    def in_force(site: Site, on: datetime.date) -> str:
        found: Ruleset = selectors.ruleset_in_force(site, on)
        return found.id

    assert in_force(ipc, d - day) == V1  # before any row: the default
    assert in_force(ipc, d) == TEST
    assert in_force(ipc, d + 29 * day) == TEST
    assert in_force(ipc, d + 30 * day) == V1  # a later row (back to alter-v1) supersedes it
    assert in_force(Site.objects.get(code="IGR"), d) == V1  # another site: its own rows (none)


# --- every evaluation appended ----------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("days_from_today", "expected"), [(1, V1), (0, TEST), (-1, TEST)])
def test_an_import_is_evaluated_under_the_ruleset_in_force_at_its_site_that_day(
    alter_test: Ruleset, coordinator_ipc: User, example_document: dict[str, Any], days_from_today: int, expected: str
) -> None:
    _in_force("IPC", days_from_today=days_from_today)

    evaluation = services.screening_import(raw=_lvef_52(example_document), by=coordinator_ipc)

    _assert_under(evaluation, expected)
    assert evaluation.status == STATUS_UNDER[expected]


@pytest.mark.django_db
def test_another_site_stays_on_alter_v1(
    alter_test: Ruleset, coordinator_igr: User, example_document: dict[str, Any]
) -> None:
    _in_force("IPC", days_from_today=0)

    evaluation = services.screening_import(raw=_lvef_52(example_document, site="IGR"), by=coordinator_igr)

    _assert_under(evaluation, V1)
    assert evaluation.status == "ineligible"


@pytest.mark.django_db
@pytest.mark.parametrize(("days_from_today", "expected"), [(1, V1), (0, TEST)])
def test_a_form_save_is_evaluated_under_the_ruleset_in_force(
    client: Client,
    *,
    alter_test: Ruleset,
    coordinator_ipc: User,
    example_document: dict[str, Any],
    days_from_today: int,
    expected: str,
) -> None:
    _in_force("IPC", days_from_today=days_from_today)
    client.force_login(coordinator_ipc)

    response = client.post(reverse("screening:create"), form_data(_lvef_52(example_document)))

    assert response.status_code == 302
    screening = Screening.objects.get()
    _assert_under(screening.evaluations.get(), expected)
    assert screening.status == STATUS_UNDER[expected]


@pytest.mark.django_db
def test_a_screening_follows_the_ruleset_of_its_latest_evaluation(
    alter_test: Ruleset, coordinator_ipc: User, example_document: dict[str, Any]
) -> None:
    row = _in_force("IPC", days_from_today=1)
    first = services.screening_import(raw=_lvef_52(example_document), by=coordinator_ipc)
    _assert_under(first, V1)

    _the_day_comes(row)
    screening = first.screening
    screening.refresh_from_db()
    second = services.screening_import(
        raw=_lvef_52(example_document, screening_id=screening.number) | {"ecog": 0},
        by=coordinator_ipc,
        screening=screening,
        expected_version=screening.version,
        reason="ECOG reassessed",
    )

    _assert_under(second, TEST)
    assert second.status == "eligible"
    # The earlier evaluation keeps the ruleset it was made under.
    first.refresh_from_db()
    assert (first.ruleset, first.status) == (V1, "ineligible")


@pytest.mark.django_db
def test_a_fhir_lab_approval_is_evaluated_under_the_ruleset_in_force(
    alter_test: Ruleset, coordinator_ipc: User, example_document: dict[str, Any]
) -> None:
    row = _in_force("IPC", days_from_today=1)
    screening = services.screening_import(raw=_lvef_52(example_document), by=coordinator_ipc).screening
    _the_day_comes(row)
    screening.refresh_from_db()
    approved = services.ApprovedLab(
        test="platelets",
        value=250.0,
        unit="10^9/L",
        date=datetime.date.fromisoformat(example_document["assessment_date"]),
        uln=None,
        observation="Observation/plt-1",
        loinc="777-3",
        value_received="250",
        unit_received="10*9/L",
        origin_kind="file",
        origin="labs.json",
    )

    evaluation = services.screening_add_lab_results(
        screening=screening, labs=[approved], expected_version=screening.version, by=coordinator_ipc
    )

    _assert_under(evaluation, TEST)
    assert evaluation.status == "eligible"


@pytest.mark.django_db
def test_a_rescreening_is_evaluated_under_the_ruleset_in_force(
    alter_test: Ruleset, coordinator_ipc: User, example_document: dict[str, Any]
) -> None:
    row = _in_force("IPC", days_from_today=1)
    failed = services.screening_import(raw=_lvef_52(example_document), by=coordinator_ipc).screening
    assert failed.status == "ineligible"
    _the_day_comes(row)

    evaluation = services.screening_rescreen(screening=failed, by=coordinator_ipc)

    _assert_under(evaluation, TEST)
    failed.refresh_from_db()
    assert failed.ruleset == V1  # not evaluated again: it keeps its own


# --- the live preview -------------------------------------------------------------------------


def _previewed_ruleset(response: Any) -> str:
    assert response.status_code == 200
    result = response.context["result"]
    assert result is not None, "the preview refused the form"
    ruleset: str = result["ruleset"]
    return ruleset


@pytest.mark.django_db
@pytest.mark.parametrize(("days_from_today", "expected"), [(1, V1), (0, TEST)])
def test_the_preview_of_a_stored_screening_uses_the_ruleset_a_save_would(
    client: Client,
    *,
    alter_test: Ruleset,
    coordinator_ipc: User,
    example_document: dict[str, Any],
    days_from_today: int,
    expected: str,
) -> None:
    screening = services.screening_import(raw=_lvef_52(example_document), by=coordinator_ipc).screening
    _in_force("IPC", days_from_today=days_from_today)
    client.force_login(coordinator_ipc)
    data = form_data(services.screening_document(screening=screening), version=screening.version)

    previewed = client.post(reverse("screening:evaluate", args=[screening.number]), data)
    assert _previewed_ruleset(previewed) == expected
    assert previewed.context["result"]["status"] == STATUS_UNDER[expected]

    saved = client.post(reverse("screening:detail", args=[screening.number]), data)
    assert saved.status_code == 302
    assert screening.evaluations.order_by("-created_at", "-id")[0].ruleset == expected


@pytest.mark.django_db
def test_the_preview_of_a_new_screening_uses_the_chosen_sites_ruleset(
    client: Client, alter_test: Ruleset, example_document: dict[str, Any]
) -> None:
    _in_force("IPC", days_from_today=0)
    coordinator = make_user("coord.both", Role.COORDINATOR, "IPC", "IGR")
    client.force_login(coordinator)

    for site, expected in (("IPC", TEST), ("IGR", V1)):
        data = {**form_data(_lvef_52(example_document, site=site)), "site": site}
        assert _previewed_ruleset(client.post(reverse("screening:evaluate_new"), data)) == expected


# --- the list, the review queue, the screening log ----------------------------------------------


@pytest.fixture
def two_rulesets(
    alter_test: Ruleset, coordinator_ipc: User, coordinator_igr: User, example_document: dict[str, Any]
) -> dict[str, Screening]:
    """IPC under alter-test from today, IGR on alter-v1: the LVEF 52 % patient at each site
    (``ipc``: eligible under alter-test; ``igr``: ineligible under alter-v1), and the spec's
    patient at IGR (``igr_ok``: eligible under alter-v1). All three decided and unsigned."""
    _in_force("IPC", days_from_today=0)
    made = {
        "ipc": services.screening_import(raw=_lvef_52(example_document), by=coordinator_ipc).screening,
        "igr": services.screening_import(raw=_lvef_52(example_document, site="IGR"), by=coordinator_igr).screening,
        "igr_ok": services.screening_import(
            raw={**copy.deepcopy(example_document), "site": "IGR", "screening_id": None}, by=coordinator_igr
        ).screening,
    }
    for s in made.values():
        s.refresh_from_db()
    assert {k: (s.ruleset, s.status) for k, s in made.items()} == {
        "ipc": (TEST, "eligible"),
        "igr": (V1, "ineligible"),
        "igr_ok": (V1, "eligible"),
    }
    return made


def _rows(page: str) -> dict[str, str]:
    """Each list row's ruleset cell, by screening number."""
    return dict(re.findall(r'<tr data-number="([^"]+)">.*?<td data-testid="ruleset">([^<]*)</td>', page, re.S))


@pytest.mark.django_db
def test_the_list_shows_and_filters_by_ruleset(
    client: Client, monitor: User, two_rulesets: dict[str, Screening]
) -> None:
    client.force_login(monitor)
    numbers = {k: s.number for k, s in two_rulesets.items()}

    every = client.get(reverse("screening:list"))
    only_test = client.get(reverse("screening:list"), {"ruleset": TEST})
    only_v1 = client.get(reverse("screening:list"), {"ruleset": V1})
    unknown = client.get(reverse("screening:list"), {"ruleset": "alter-v9"})

    page = every.content.decode()
    assert _rows(page) == {numbers["ipc"]: TEST, numbers["igr"]: V1, numbers["igr_ok"]: V1}
    assert f'<option value="{TEST}">{TEST}</option>' in page and 'name="ruleset"' in page
    assert {s.number for s in only_test.context["page"]} == {numbers["ipc"]}
    assert {s.number for s in only_v1.context["page"]} == {numbers["igr"], numbers["igr_ok"]}
    assert {s.number for s in unknown.context["page"]} == set(numbers.values())  # ignored, as any unknown filter
    # The filter is kept by the page links (as the other filters are).
    assert only_test.context["extra_query"] == f"&ruleset={TEST}"


@pytest.mark.django_db
def test_the_review_queue_shows_and_filters_by_ruleset(
    client: Client, two_rulesets: dict[str, Screening], example_document: dict[str, Any]
) -> None:
    investigator = make_user("inv.both", Role.INVESTIGATOR, "IPC", "IGR")
    client.force_login(investigator)
    numbers = {k: s.number for k, s in two_rulesets.items()}

    every = client.get(reverse("screening:review_queue"))
    only_test = client.get(reverse("screening:review_queue"), {"ruleset": TEST})
    only_v1 = client.get(reverse("screening:review_queue"), {"ruleset": V1})

    page = every.content.decode()
    cells = dict(
        re.findall(
            r'<a href="/screenings/([^/]+)/">[^<]*</a></td>\s*<td>.*?</td>\s*<td data-testid="ruleset">([^<]*)<', page
        )
    )
    assert cells == {numbers["ipc"]: TEST, numbers["igr"]: V1, numbers["igr_ok"]: V1}
    assert {s.number for s in only_test.context["page"]} == {numbers["ipc"]}
    assert {s.number for s in only_v1.context["page"]} == {numbers["igr"], numbers["igr_ok"]}
    assert f'<option value="{TEST}" selected>{TEST}</option>' in only_test.content.decode()


@pytest.mark.django_db
def test_the_log_counts_per_ruleset_and_says_when_they_are_added_up(
    client: Client, monitor: User, two_rulesets: dict[str, Screening]
) -> None:
    client.force_login(monitor)

    every = client.get(reverse("screening:log"))
    only_v1 = client.get(reverse("screening:log"), {"ruleset": V1})
    only_test = client.get(reverse("screening:log"), {"ruleset": TEST})

    log = every.context["log"]
    by_ruleset = {
        row.ruleset: (row.counts.screened, row.counts.eligible, row.counts.ineligible) for row in log.by_ruleset
    }
    assert by_ruleset == {V1: (2, 1, 1), TEST: (1, 1, 0)}
    assert (log.total.screened, log.total.eligible, log.total.ineligible) == (3, 2, 1)
    page = " ".join(every.content.decode().split())
    assert f"evaluated under different rulesets ({TEST}, {V1})" in page  # the sum of both is said to be one
    assert 'data-testid="log-by-ruleset"' in page

    v1_log = only_v1.context["log"]
    assert (v1_log.total.screened, v1_log.total.eligible, v1_log.total.ineligible) == (2, 1, 1)
    assert v1_log.rulesets == [V1]
    assert f"last evaluated under the ruleset {V1}." in " ".join(only_v1.content.decode().split())
    assert "different rulesets" not in only_v1.content.decode()
    assert only_test.context["log"].total.screened == 1
    # The failure counts link to the list with the log's filter, the ruleset included.
    assert f"ruleset={V1}" in only_v1.context["query"]


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_log_exports_follow_the_ruleset_filter_and_name_each_screenings_ruleset(
    client: Client, monitor: User, two_rulesets: dict[str, Screening], fmt: str
) -> None:
    client.force_login(monitor)
    read = _csv_rows if fmt == "csv" else _xlsx_rows

    log_rows = read(client.get(reverse(f"screening:log_export_{fmt}")))
    filtered = read(client.get(reverse(f"screening:log_export_{fmt}"), {"ruleset": TEST}))
    screenings = read(client.get(reverse(f"screening:log_screenings_{fmt}"), {"ruleset": V1}))

    assert {k: [int(v) for v in values[:4]] for k, values in _section(log_rows, "Ruleset").items()} == {
        TEST: [1, 1, 1, 0],
        V1: [2, 2, 1, 1],
        "Total": [3, 3, 2, 1],
    }
    # The filter, said in the export (before its tables): its first "Ruleset" row.
    assert next(row for row in filtered if row and row[0] == "Ruleset")[1] == TEST
    assert next(row for row in log_rows if row and row[0] == "Ruleset")[1] == "All rulesets"
    assert {k: int(v[0]) for k, v in _section(filtered, "Site").items()} == {"IGR": 0, "IPC": 1, "Total": 1}
    assert screenings[0][-1] == "Ruleset"
    assert {(row[0], row[-1]) for row in screenings[1:]} == {
        (two_rulesets["igr"].number, V1),
        (two_rulesets["igr_ok"].number, V1),
    }


@pytest.mark.django_db
def test_a_criterion_only_an_amendment_has_is_a_list_filter(
    client: Client,
    monitor: User,
    coordinator_ipc: User,
    two_rulesets: dict[str, Screening],
    example_document: dict[str, Any],
) -> None:
    with_liver_metastases = copy.deepcopy(example_document) | {"screening_id": None}
    with_liver_metastases["disease"]["liver_metastases"] = True
    failed = services.screening_import(raw=with_liver_metastases, by=coordinator_ipc).screening
    assert (failed.ruleset, failed.status, failed.failed_criteria) == (TEST, "ineligible", ["EXC-13"])
    client.force_login(monitor)

    # The log's failure count of EXC-13 links to the list filtered on it: the list knows it.
    log_page = client.get(reverse("screening:log")).content.decode()
    listed = client.get(reverse("screening:list"), {"criterion": "EXC-13"})

    assert "criterion=EXC-13" in log_page
    assert {s.number for s in listed.context["page"]} == {failed.number}
