"""The screening log (screening/reporting/, screening/views/screening_log.py): counts per site,
per month and per failed criterion checked against a hand-built set of screenings, site
scoping, filters, the inline SVG charts, and the CSV and XLSX exports opened and read."""

from __future__ import annotations

import copy
import csv
import datetime
import io
import re
from typing import Any, Final

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from screening import services
from screening.models import Screening, SignatureMeaning, User
from screening.reporting import renderers
from screening.reporting.screening_log import Counts, ScreeningLog
from tests.conftest import PASSWORD, make_user

CSV_NAMES: Final = ("comma", "semicolon")
EXPORTS: Final = ["log_export_csv", "log_export_xlsx", "log_screenings_csv", "log_screenings_xlsx"]
_ISO_DATE: Final = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DATE_OF_BIRTH: Final = "1981-07-14"  # the example patient's


def _shifted(node: Any, days: int) -> Any:
    """Every date of a document moved by ``days`` (the date of birth kept): the windows
    between the dates (labs, pregnancy test, consent) stay as in the eligible example."""
    if isinstance(node, dict):
        return {k: v if k == "date_of_birth" else _shifted(v, days) for k, v in node.items()}
    if isinstance(node, list):
        return [_shifted(v, days) for v in node]
    if isinstance(node, str) and _ISO_DATE.match(node):
        return (datetime.date.fromisoformat(node) + datetime.timedelta(days=days)).isoformat()
    return node


def _document(
    example: dict[str, Any],
    *,
    site: str,
    days: int,
    ecog: int | None = 1,
    platelets: float = 231,
    creatinine: float = 68,
) -> dict[str, Any]:
    """The spec's eligible patient (assessed 2026-03-10) at ``site``, ``days`` later, with
    ECOG, platelets (10^9/L) and creatinine (µmol/L) as given."""
    doc = _shifted(copy.deepcopy(example), days)
    doc.update(site=site, screening_id=None, ecog=ecog)
    doc["patient"]["initials"] = "MD" if site == "IPC" else "JB"
    for lab in doc["labs"]:
        if lab["test"] == "platelets":
            lab["value"] = platelets
        if lab["test"] == "creatinine":
            lab["value"] = creatinine
    return doc


def _new(document: dict[str, Any], by: User) -> Screening:
    return services.screening_import(raw=document, by=by).screening


def _rescreen(screening: Screening, document: dict[str, Any], by: User) -> Screening:
    """Re-screen a screen failure (a new number linked to it), then enter the new visit's data."""
    new = services.screening_rescreen(screening=screening, by=by).screening
    # The re-screening starts on today's date with the earlier sample: the visit's own data change them.
    return services.screening_import(
        raw=document, by=by, screening=new, expected_version=new.version, reason="Data of the re-screening visit"
    ).screening


@pytest.fixture
def screenings(
    coordinator_ipc: User,
    coordinator_igr: User,
    investigator_ipc: User,
    investigator_igr: User,
    example_document: dict[str, Any],
) -> dict[str, Screening]:
    """Seven screenings of five patients, two sites, three months, every status:

    ====  ====  ==========  ==========  ========================  ======
    name  site  assessed    status      failed                    signed
    ====  ====  ==========  ==========  ========================  ======
    a     IPC   2026-03-10  eligible                              yes
    b     IPC   2026-03-15  ineligible  INC-07-PLT, INC-07-CRCL
    c     IPC   2026-04-14  ineligible  INC-07-PLT                        re-screening of b
    g     IPC   2026-05-15  eligible                                      re-screening of c
    d     IPC   2026-04-19  incomplete  (INC-05 missing)
    e     IGR   2026-03-12  eligible
    f     IGR   2026-04-09  ineligible  INC-05                    yes
    ====  ====  ==========  ==========  ========================  ======
    """
    ex = example_document
    made = {
        "a": _new(_document(ex, site="IPC", days=0), coordinator_ipc),
        "b": _new(_document(ex, site="IPC", days=5, platelets=50, creatinine=400), coordinator_ipc),
        "d": _new(_document(ex, site="IPC", days=40, ecog=None), coordinator_ipc),
        "e": _new(_document(ex, site="IGR", days=2), coordinator_igr),
        "f": _new(_document(ex, site="IGR", days=30, ecog=2), coordinator_igr),
    }
    made["c"] = _rescreen(made["b"], _document(ex, site="IPC", days=35, platelets=50), coordinator_ipc)
    made["g"] = _rescreen(made["c"], _document(ex, site="IPC", days=66), coordinator_ipc)
    services.screening_sign(
        screening=made["a"], by=investigator_ipc, password=PASSWORD, meaning=SignatureMeaning.ELIGIBILITY_CONFIRMED
    )
    services.screening_sign(
        screening=made["f"], by=investigator_igr, password=PASSWORD, meaning=SignatureMeaning.SCREEN_FAILURE_CONFIRMED
    )
    for s in made.values():
        s.refresh_from_db()
    # The fixture is what its table says (the rules decided, not the test).
    assert {
        k: (s.site.code, s.assessment_date.isoformat(), s.status, s.failed_criteria, s.locked) for k, s in made.items()
    } == {
        "a": ("IPC", "2026-03-10", "eligible", [], True),
        "b": ("IPC", "2026-03-15", "ineligible", ["INC-07-PLT", "INC-07-CRCL"], False),
        "c": ("IPC", "2026-04-14", "ineligible", ["INC-07-PLT"], False),
        "g": ("IPC", "2026-05-15", "eligible", [], False),
        "d": ("IPC", "2026-04-19", "incomplete", [], False),
        "e": ("IGR", "2026-03-12", "eligible", [], False),
        "f": ("IGR", "2026-04-09", "ineligible", ["INC-05"], True),
    }
    assert made["d"].missing_criteria == ["INC-05"]
    assert (made["c"].rescreening_of, made["g"].rescreening_of) == (made["b"], made["c"])
    return made


def _counts(*counts: int) -> tuple[int, ...]:
    """Screened, patients, eligible, ineligible, incomplete, signed."""
    assert len(counts) == 6
    return counts


def _row(counts: Counts) -> tuple[int, ...]:
    return (counts.screened, counts.patients, counts.eligible, counts.ineligible, counts.incomplete, counts.signed)


def _log(response: Any) -> ScreeningLog:
    assert response.status_code == 200
    screening_log: ScreeningLog = response.context["log"]
    return screening_log


def _by_site(screening_log: ScreeningLog) -> dict[str, tuple[int, ...]]:
    return {row.site.code: _row(row.counts) for row in screening_log.by_site}


def _by_month(screening_log: ScreeningLog) -> dict[str, tuple[int, ...]]:
    return {row.month.strftime("%Y-%m"): _row(row.counts) for row in screening_log.by_month}


def _failures(screening_log: ScreeningLog) -> list[tuple[str, int, int]]:
    return [(row.criterion, row.screenings, row.patients) for row in screening_log.failures]


IPC_COUNTS: Final = _counts(5, 3, 2, 2, 1, 1)
IGR_COUNTS: Final = _counts(2, 2, 1, 1, 0, 1)
ALL_FAILURES: Final = [("INC-05", 1, 1), ("INC-07-PLT", 2, 1), ("INC-07-CRCL", 1, 1)]  # spec order


# --- counts ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_log_counts_per_site_month_and_criterion(
    client: Client, monitor: User, screenings: dict[str, Screening]
) -> None:
    client.force_login(monitor)

    screening_log = _log(client.get(reverse("screening:log")))

    assert _by_site(screening_log) == {"IGR": IGR_COUNTS, "IPC": IPC_COUNTS}
    # b, c and g are one patient: 7 screenings of 5 patients.
    assert _row(screening_log.total) == _counts(7, 5, 3, 3, 1, 2)
    assert _by_month(screening_log) == {
        "2026-03": _counts(3, 3, 2, 1, 0, 1),  # a, b, e
        "2026-04": _counts(3, 3, 0, 2, 1, 1),  # c, d, f
        "2026-05": _counts(1, 1, 1, 0, 0, 0),  # g
    }
    # b fails platelets and CrCl: under both; its re-screening c fails platelets again,
    # one patient under platelets.
    assert _failures(screening_log) == ALL_FAILURES
    assert [row.title for row in screening_log.failures] == [
        "ECOG performance status ≤ 1",
        "Platelets ≥ 100,000/mm³",
        "Creatinine clearance ≥ 30 mL/min (Cockcroft-Gault)",
    ]
    # Screen failures: 3 screenings (b, c, f) of 2 patients, each patient once.
    assert (screening_log.total.ineligible, screening_log.total.failed_patients) == (3, 2)
    # The funnel: 6 decided, 3 eligible, 1 eligible and signed (f is a signed screen failure).
    assert (screening_log.total.decided, screening_log.total.signed_eligible) == (6, 1)


@pytest.mark.django_db
def test_log_page_shows_the_tables_and_links_the_exports(
    client: Client, monitor: User, screenings: dict[str, Screening]
) -> None:
    client.force_login(monitor)

    page = client.get(reverse("screening:log")).content.decode()

    assert 'data-testid="log-by-site"' in page and 'data-testid="log-by-month"' in page
    assert (
        '<tr data-criterion="INC-07-PLT"><td><strong>INC-07-PLT</strong></td><td>Platelets ≥ 100,000/mm³</td>' in page
    )
    for name in EXPORTS:
        if name.endswith("csv"):
            # Both separators, the language's first (English: ",").
            comma, semicolon = (page.index(f'href="{reverse(f"screening:{name}")}?delimiter={d}"') for d in CSV_NAMES)
            assert comma < semicolon
        else:
            assert f'href="{reverse(f"screening:{name}")}?"' in page
    assert f'href="{reverse("screening:log")}"' in page  # the navigation link


@pytest.mark.django_db
def test_log_charts_are_inline_svg_without_inline_style_or_script(
    client: Client, monitor: User, screenings: dict[str, Screening]
) -> None:
    client.force_login(monitor)

    page = client.get(reverse("screening:log")).content.decode()

    # A Content-Security-Policy without 'unsafe-inline': no style attribute, no inline script.
    assert "style=" not in page
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)
    assert "cdn" not in page.lower()
    failure_chart = re.search(r'<svg[^>]*data-testid="failure-chart".*?</svg>', page, re.S)
    funnel = re.search(r'<svg[^>]*data-testid="funnel-chart".*?</svg>', page, re.S)
    assert failure_chart is not None and funnel is not None
    failure_bars = re.findall(
        r'<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)" height="[\d.]+" rx="2" '
        r'fill="#[0-9a-f]{6}">',
        failure_chart.group(),
    )
    # One bar per failed criterion; platelets (2 screenings) the longest, the others half.
    assert [float(width) for _, width in failure_bars] == [255.0, 510.0, 255.0]
    assert ">INC-07-PLT</text>" in failure_chart.group()
    funnel_bars = re.findall(r'<rect x="[\d.]+" y="[\d.]+" width="([\d.]+)"', funnel.group())
    # 7 screened, 6 decided, 3 eligible, 1 eligible and signed, over 400 units.
    assert [round(float(width)) for width in funnel_bars] == [
        400,
        round(400 * 6 / 7),
        round(400 * 3 / 7),
        round(400 / 7),
    ]
    assert "6 (85.7%)" in funnel.group()


@pytest.mark.django_db
def test_log_charts_keep_svg_numbers_unlocalized_in_french(
    client: Client, monitor: User, screenings: dict[str, Screening]
) -> None:
    monitor.language = "fr"
    monitor.save(update_fields=["language"])
    client.force_login(monitor)

    page = client.get(reverse("screening:log")).content.decode()

    funnel = re.search(r'<svg[^>]*data-testid="funnel-chart".*?</svg>', page, re.S)
    assert funnel is not None
    assert re.findall(r'width="([^"]+)"', funnel.group())[2] == "342.9"  # 400 × 6/7: a point, not a comma
    assert "85,7" in funnel.group()  # the text shown is French


@pytest.mark.django_db
def test_log_of_no_screening(client: Client, coordinator_ipc: User) -> None:
    client.force_login(coordinator_ipc)

    response = client.get(reverse("screening:log"))

    screening_log = _log(response)
    assert _by_site(screening_log) == {"IPC": _counts(0, 0, 0, 0, 0, 0)}
    assert screening_log.by_month == [] and screening_log.failures == []
    assert "No screening in this selection." in response.content.decode()


@pytest.mark.django_db
def test_log_queries_do_not_grow_with_screenings(
    client: Client,
    coordinator_ipc: User,
    screenings: dict[str, Screening],
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    client.force_login(coordinator_ipc)

    # 1. the session  2. the user  3. the user's sites (the rows of the log)
    # 4. the ids of the user's sites (screenings_visible_to)  5. SAVEPOINT  6. SET LOCAL jit = off
    # 7. per site  8. per ruleset  9. overall  10. per month  11. per failed criterion
    # 12. RELEASE SAVEPOINT  13. the user's sites again (the filter's choices, when the form
    # is rendered)  14.-16. the session's sliding expiry saved (SAVEPOINT, UPDATE, RELEASE SAVEPOINT)
    with django_assert_num_queries(16):
        response = client.get(reverse("screening:log"))

    assert _row(_log(response).total) == IPC_COUNTS


# --- scoping ---------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("coordinator_ipc", {"IPC": IPC_COUNTS}),
        ("investigator_ipc", {"IPC": IPC_COUNTS}),
        ("coordinator_igr", {"IGR": IGR_COUNTS}),
        ("investigator_igr", {"IGR": IGR_COUNTS}),
        ("monitor", {"IGR": IGR_COUNTS, "IPC": IPC_COUNTS}),
    ],
)
def test_log_counts_only_the_users_sites(
    request: pytest.FixtureRequest,
    client: Client,
    screenings: dict[str, Screening],
    persona: str,
    expected: dict[str, tuple[int, ...]],
) -> None:
    client.force_login(request.getfixturevalue(persona))

    response = client.get(reverse("screening:log"))

    screening_log = _log(response)
    assert _by_site(screening_log) == expected
    page = response.content.decode()
    for code in {"IPC", "IGR"} - set(expected):
        assert code not in page  # not even in the site filter
    if "IPC" not in expected:
        assert _failures(screening_log) == [("INC-05", 1, 1)]
        assert "INC-07-PLT" not in page


@pytest.mark.django_db
def test_another_sites_filter_is_refused_not_shown(
    client: Client, coordinator_igr: User, screenings: dict[str, Screening]
) -> None:
    client.force_login(coordinator_igr)

    response = client.get(reverse("screening:log"), {"site": "IPC"})

    assert response.status_code == 200
    assert response.context["log"] is None
    page = response.content.decode()
    assert 'data-testid="filter-error"' in page
    assert "Select a valid choice" in page
    # Nothing of IPC but the refused value, echoed back in the query string.
    assert "IPC" not in page.replace('value="IPC"', "").replace("site=IPC", "")
    for name in EXPORTS:
        export = client.get(reverse(f"screening:{name}"), {"site": "IPC"})
        assert export.status_code == 302
        assert export["Location"] == f"{reverse('screening:log')}?site=IPC"


@pytest.mark.django_db
def test_monitor_filters_one_site(client: Client, monitor: User, screenings: dict[str, Screening]) -> None:
    client.force_login(monitor)

    screening_log = _log(client.get(reverse("screening:log"), {"site": "IGR"}))

    assert _by_site(screening_log) == {"IGR": IGR_COUNTS}
    assert _row(screening_log.total) == IGR_COUNTS


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["log", *EXPORTS])
def test_anonymous_is_sent_to_login(client: Client, name: str) -> None:
    response = client.get(reverse(f"screening:{name}"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- filters ---------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("date_to", ["2026-04-30", "30/04/2026"])
def test_log_filters_by_assessment_date(
    client: Client, monitor: User, screenings: dict[str, Screening], date_to: str
) -> None:
    client.force_login(monitor)

    response = client.get(reverse("screening:log"), {"date_from": "2026-04-01", "date_to": date_to})

    screening_log = _log(response)
    # April: c (re-screening of b, counted as its patient), d, f.
    assert _row(screening_log.total) == _counts(3, 3, 0, 2, 1, 1)
    assert _by_site(screening_log) == {"IGR": _counts(1, 1, 0, 1, 0, 1), "IPC": _counts(2, 2, 0, 1, 1, 0)}
    assert list(_by_month(screening_log)) == ["2026-04"]
    assert _failures(screening_log) == [("INC-05", 1, 1), ("INC-07-PLT", 1, 1)]
    # The bounds are inclusive, and the export links carry the filter.
    assert 'value="2026-04-01"' in response.content.decode()
    assert "?date_from=2026-04-01&amp;date_to=2026-04-30" in response.content.decode()
    assert _row(
        _log(client.get(reverse("screening:log"), {"date_from": "2026-03-15", "date_to": "2026-03-15"})).total
    ) == _counts(1, 1, 0, 1, 0, 0)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"date_from": "2026-13-45"}, "Enter a valid date."),
        ({"date_to": "yesterday"}, "Enter a valid date."),
        ({"date_from": "2026-05-01", "date_to": "2026-04-01"}, "The start date is after the end date."),
    ],
)
def test_bad_dates_give_a_message_not_an_error(
    client: Client, monitor: User, screenings: dict[str, Screening], params: dict[str, str], message: str
) -> None:
    client.force_login(monitor)

    response = client.get(reverse("screening:log"), params)

    assert response.status_code == 200
    assert response.context["log"] is None
    page = response.content.decode()
    assert message in page and 'data-testid="filter-error"' in page
    assert 'data-testid="log-by-site"' not in page
    for name in EXPORTS:
        assert client.get(reverse(f"screening:{name}"), params).status_code == 302


# --- exports ---------------------------------------------------------------------------------


def _csv_rows(response: Any, *, delimiter: str = ",") -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="alter-')
    assert response["Cache-Control"] == "no-store"
    raw = b"".join(response.streaming_content)
    assert raw.startswith("\ufeff".encode())  # a byte-order mark: Excel then reads UTF-8
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=delimiter))


def _xlsx_rows(response: Any) -> list[list[Any]]:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"].startswith('attachment; filename="alter-')
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    assert len(workbook.worksheets) == 1
    rows = [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
    workbook.close()
    # Empty cells are not written: a row read back ends at its last value.
    width = max(len(row) for row in rows)
    return [row + [None] * (width - len(row)) if any(v is not None for v in row) else [] for row in rows]


def _section(rows: list[list[Any]], heading: str) -> dict[str, list[Any]]:
    """The rows under the header row that starts with ``heading``, up to the next blank row."""
    start = next(i for i, row in enumerate(rows) if len(row) > 2 and row[0] == heading and row[2] not in (None, ""))
    section = {}
    for row in rows[start + 1 :]:
        if not row or row[0] in (None, ""):
            break
        section[row[0]] = list(row[1:])
    return section


def _ints(values: list[Any]) -> tuple[int, ...]:
    return tuple(int(v) for v in values)


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_log_export_is_the_log_as_shown(
    client: Client, monitor: User, screenings: dict[str, Screening], fmt: str
) -> None:
    client.force_login(monitor)

    response = client.get(reverse(f"screening:log_export_{fmt}"))

    rows = _csv_rows(response) if fmt == "csv" else _xlsx_rows(response)
    assert rows[0][0] == "ALTER screening log"
    by_site = _section(rows, "Site")
    assert {k: _ints(v) for k, v in by_site.items()} == {
        "IGR": IGR_COUNTS,
        "IPC": IPC_COUNTS,
        "Total": _counts(7, 5, 3, 3, 1, 2),
    }
    by_month = _section(rows, "Month")
    assert {k: _ints(v) for k, v in by_month.items()} == {
        "2026-03": _counts(3, 3, 2, 1, 0, 1),
        "2026-04": _counts(3, 3, 0, 2, 1, 1),
        "2026-05": _counts(1, 1, 1, 0, 0, 0),
        "Total": _counts(7, 5, 3, 3, 1, 2),
    }
    failures = _section(rows, "Criterion")
    assert [(k, *_ints(v[1:3])) for k, v in failures.items()] == [*ALL_FAILURES, ("Any criterion", 3, 2)]
    assert failures["INC-07-PLT"][0] == "Platelets ≥ 100,000/mm³"


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_log_export_follows_the_filter(
    client: Client, coordinator_ipc: User, screenings: dict[str, Screening], fmt: str
) -> None:
    client.force_login(coordinator_ipc)

    response = client.get(reverse(f"screening:log_export_{fmt}"), {"date_from": "2026-04-01"})

    rows = _csv_rows(response) if fmt == "csv" else _xlsx_rows(response)
    assert {k: _ints(v) for k, v in _section(rows, "Site").items()} == {
        "IPC": _counts(3, 2, 1, 1, 1, 0),
        "Total": _counts(3, 2, 1, 1, 1, 0),
    }  # c, d, g
    assert any(row[0] == "Assessed from" and str(row[1])[:10] == "2026-04-01" for row in rows)


SCREENINGS_HEADER: Final = [
    "Screening number",
    "Site",
    "Assessment date",
    "Status",
    "Signed",
    "Re-screening of",
    "Failed criteria",
    "Reasons for failure",
    "Missing criteria",
    "Missing data",
    "Ruleset",
]


def _check_screening_rows(rows: list[list[Any]], screenings: dict[str, Screening], *, expected: str) -> None:
    """The export's rows are the screenings ``expected`` (fixture names), with their data."""
    assert rows[0] == SCREENINGS_HEADER
    data = {row[0]: row for row in rows[1:]}
    assert len(rows) - 1 == len(data) == len(expected)
    assert set(data) == {screenings[name].number for name in expected}
    by_name = {name: data[screenings[name].number] for name in expected}
    for name, row in by_name.items():
        s = screenings[name]
        assert row[1] == s.site.code
        assert str(row[2])[:10] == s.assessment_date.isoformat()
        assert row[3] == s.status
        assert row[4] == ("yes" if s.locked else "no")
        assert (row[5] or "") == (s.rescreening_of.number if s.rescreening_of else "")
        assert (row[6] or "") == "; ".join(s.failed_criteria)
        assert (row[8] or "") == "; ".join(s.missing_criteria)
        assert row[10] == s.ruleset == "alter-v1"
    if "b" in by_name:
        b = by_name["b"]
        assert b[7].startswith("INC-07-PLT: Platelets 50,000/mm³ (50 G/L on 2026-03-10) < 100,000")
        assert " | INC-07-CRCL: CrCl " in b[7]
        assert "< 30" in b[7]
    if "d" in by_name:
        assert by_name["d"][9] == "INC-05: ECOG performance status not given"
    # No more of the patient than the list page shows: the number, not even the initials.
    text = repr(rows)
    assert DATE_OF_BIRTH not in text and "14/07/1981" not in text and "1981" not in text
    assert "'MD'" not in text and "'JB'" not in text


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_screenings_export_has_one_row_per_screening(
    client: Client, monitor: User, screenings: dict[str, Screening], fmt: str
) -> None:
    client.force_login(monitor)

    response = client.get(reverse(f"screening:log_screenings_{fmt}"))

    rows = _csv_rows(response) if fmt == "csv" else _xlsx_rows(response)
    _check_screening_rows(rows, screenings, expected="abcdefg")
    # Site, then number order.
    assert [row[0] for row in rows[1:]] == sorted((row[0] for row in rows[1:]), key=lambda n: (n[:3] != "IGR", n))
    if fmt == "xlsx":
        assert all(isinstance(row[2], datetime.datetime) for row in rows[1:])  # dates, not text


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_screenings_export_is_scoped_and_filtered(
    client: Client, coordinator_ipc: User, coordinator_igr: User, screenings: dict[str, Screening], fmt: str
) -> None:
    client.force_login(coordinator_igr)
    igr = client.get(reverse(f"screening:log_screenings_{fmt}"))
    client.force_login(coordinator_ipc)
    ipc_april = client.get(
        reverse(f"screening:log_screenings_{fmt}"), {"date_from": "2026-04-01", "date_to": "2026-04-30"}
    )

    read = _csv_rows if fmt == "csv" else _xlsx_rows
    igr_rows = read(igr)
    _check_screening_rows(igr_rows, screenings, expected="ef")
    assert "IPC-" not in repr(igr_rows)
    _check_screening_rows(read(ipc_april), screenings, expected="cd")


@pytest.mark.django_db
def test_screenings_export_in_french(client: Client, monitor: User, screenings: dict[str, Screening]) -> None:
    monitor.language = "fr"
    monitor.save(update_fields=["language"])
    client.force_login(monitor)

    # In French the separator is ";" unless asked otherwise (French Excel splits on it).
    rows = _csv_rows(client.get(reverse("screening:log_screenings_csv")), delimiter=";")

    assert rows[0][4] == "Signée"  # one screening signed or not (the log's count column is "Signées")
    data = {row[0]: row for row in rows[1:]}
    b = data[screenings["b"].number]
    assert b[3] == "non éligible" and b[4] == "non"
    assert "< 100\xa0000" in b[7]  # the French reason, French number format
    assert data[screenings["a"].number][3:5] == ["éligible", "oui"]


@pytest.mark.parametrize(
    ("value", "csv_cell", "xlsx_cell"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1", "'+1", "'+1"),
        ("-1", "'-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)", "'@SUM(A1)"),
        ("INC-05: ECOG 2 > 1", "INC-05: ECOG 2 > 1", "INC-05: ECOG 2 > 1"),
        ("bell\x07", "bell\x07", "bell"),  # a control character openpyxl refuses
        ("", "", None),
        (3, 3, 3),
        (datetime.date(2026, 3, 10), "2026-03-10", datetime.date(2026, 3, 10)),
    ],
)
def test_exported_text_cannot_run_as_a_formula(value: Any, csv_cell: Any, xlsx_cell: Any) -> None:
    assert renderers.csv_cell(value) == csv_cell
    assert renderers.xlsx_cell(value) == xlsx_cell


@pytest.mark.django_db
def test_another_sites_screenings_never_appear_in_any_export(
    client: Client, coordinator_ipc: User, coordinator_igr: User, screenings: dict[str, Screening]
) -> None:
    other = make_user("coord.other", "coordinator")  # a coordinator of no site
    for user, hidden in ((coordinator_igr, "IPC"), (coordinator_ipc, "IGR"), (other, "IPC")):
        client.force_login(user)
        for name in EXPORTS:
            response = client.get(reverse(f"screening:{name}"))
            rows = _csv_rows(response) if name.endswith("csv") else _xlsx_rows(response)
            assert f"{hidden}-" not in repr(rows) and f"'{hidden}'" not in repr(rows)
