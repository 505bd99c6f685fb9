"""``manage.py verify_evaluations``: every stored evaluation reproduced under its own ruleset,
as on the day it was made (screening/reproduction.py); a tampered result, an unknown ruleset
and a document refused on its own day are each reported, and the command exits 1.

Evaluations are append-only (a django-pgtrigger ``Protect``): the tests tamper with them as
the database owner, with ``pgtrigger.ignore``, as only the owner may (tests/web/test_db_roles.py).
"""

from __future__ import annotations

import copy
import datetime
import zoneinfo
from io import StringIO
from typing import Any

import pgtrigger
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from screening import exchange, services
from screening.models import Evaluation, Screening, User
from screening.reproduction import ABSENT, Difference, evaluation_day, json_differences
from screening.rules import ruleset as ruleset_registry
from tests.rulesets import ALTER_TEST
from tests.web.conftest import igr_document

PARIS = zoneinfo.ZoneInfo("Europe/Paris")  # settings.TIME_ZONE of the tests
# The spec's example (IPC-0007) has an observation dated 2026-03-09: a day before, it is refused.
LATEST_OBSERVATION = datetime.date(2026, 3, 9)


def _save(document: dict[str, Any], *, screening: Screening | None, by: User, reason: str = "") -> Evaluation:
    parsed = exchange.parse_screening(document, today=timezone.localdate(), known_sites=services.known_site_codes())
    version = None if screening is None else screening.version
    return services.screening_save(screening=screening, document=parsed, expected_version=version, by=by, reason=reason)


@pytest.fixture
def saved(coordinator_ipc: User, coordinator_igr: User, example_document: dict[str, Any]) -> dict[str, Evaluation]:
    """Five evaluations of three statuses at two sites, saved through the services."""
    eligible = _save(example_document, screening=None, by=coordinator_ipc)
    ineligible = _save(
        {**example_document, "ecog": 2}, screening=eligible.screening, by=coordinator_ipc, reason="ECOG re-assessed"
    )
    blank = copy.deepcopy(example_document)
    blank["screening_id"], blank["labs"] = None, []
    incomplete = _save(blank, screening=None, by=coordinator_ipc)
    igr = _save(igr_document(example_document), screening=None, by=coordinator_igr)
    liver = copy.deepcopy(example_document)
    liver["screening_id"] = None
    liver["disease"]["liver_metastases"] = True
    with_liver_metastases = _save(liver, screening=None, by=coordinator_ipc)
    assert {e.status for e in (eligible, ineligible, incomplete, igr)} == {"eligible", "ineligible", "incomplete"}
    return {
        "eligible": eligible,
        "ineligible": ineligible,
        "incomplete": incomplete,
        "igr": igr,
        "liver": with_liver_metastases,
    }


def _verify(*args: str) -> str:
    out = StringIO()
    call_command("verify_evaluations", *args, stdout=out)
    return out.getvalue()


def _verify_fails(*args: str) -> tuple[str, CommandError]:
    out = StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("verify_evaluations", *args, stdout=out)
    assert refused.value.returncode == 1
    return out.getvalue(), refused.value


def _tamper(evaluation: Evaluation, **values: Any) -> None:
    """Rewrite a stored evaluation as the owner (the runtime role may not: test_db_roles.py)."""
    with pgtrigger.ignore("screening.Evaluation:evaluation_append_only"):
        assert Evaluation.objects.filter(pk=evaluation.pk).update(**values) == 1


def _criterion(result: dict[str, Any], criterion_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(c for c in result["criteria"] if c["id"] == criterion_id)
    return found


@pytest.mark.django_db
def test_every_saved_evaluation_is_reproduced(saved: dict[str, Evaluation]) -> None:
    assert _verify() == "5 evaluations reproduced under their own ruleset (alter-v1 5); none differ\n"


@pytest.mark.django_db
def test_site_option_verifies_that_sites_evaluations_only(saved: dict[str, Evaluation]) -> None:
    assert (
        _verify("--site", "IGR")
        == "1 evaluations of IGR reproduced under their own ruleset (alter-v1 1); none differ\n"
    )
    # A tampered IPC evaluation is not IGR's.
    _tamper(saved["eligible"], status="ineligible")
    assert _verify("--site", "IGR").endswith("none differ\n")
    _verify_fails("--site", "IPC")


@pytest.mark.django_db
def test_an_unknown_site_is_refused(saved: dict[str, Evaluation]) -> None:
    with pytest.raises(CommandError, match="unknown site 'XYZ'; known: .*IGR.*IPC"):
        call_command("verify_evaluations", "--site", "XYZ", stdout=StringIO())


@pytest.mark.django_db
def test_a_tampered_result_is_caught(saved: dict[str, Evaluation]) -> None:
    tampered = saved["eligible"]
    result = copy.deepcopy(tampered.result_document)
    result["status"] = "ineligible"
    _criterion(result, "INC-08")["outcome"] = "fail"
    _criterion(result, "INC-08")["values"]["percent"] = 50.0
    _tamper(tampered, result_document=result)

    out, error = _verify_fails()

    number, day = tampered.screening.number, timezone.localdate(tampered.created_at).isoformat()
    assert out.splitlines() == [
        f"{number} evaluation {tampered.pk} (alter-v1, {day}): 3 path(s) differ",
        '  criteria[INC-08].outcome: stored "fail", recomputed "pass"',
        "  criteria[INC-08].values.percent: stored 50.0, recomputed 61.0",
        '  status: stored "ineligible", recomputed "eligible"',
    ]
    assert str(error) == "1 of 5 evaluations differ (rulesets: alter-v1 5)"


@pytest.mark.django_db
def test_a_tampered_status_of_the_evaluation_row_is_caught(saved: dict[str, Evaluation]) -> None:
    _tamper(saved["incomplete"], status="eligible")
    out, _error = _verify_fails()
    assert out.splitlines()[1:] == ['  (evaluation row) status: stored "eligible", recomputed "incomplete"']


@pytest.mark.django_db
def test_a_number_stored_as_another_json_type_is_a_difference(saved: dict[str, Evaluation]) -> None:
    # 61 and 61.0 are different JSON texts, and true is not 1: jsonb keeps each as written.
    result = copy.deepcopy(saved["igr"].result_document)
    _criterion(result, "INC-08")["values"]["percent"] = 61
    _tamper(saved["igr"], result_document=result)
    out, _error = _verify_fails()
    assert out.splitlines()[1:] == ["  criteria[INC-08].values.percent: stored 61, recomputed 61.0"]


@pytest.mark.django_db
def test_values_a_newer_version_records_besides_are_reported_only_with_exact(saved: dict[str, Evaluation]) -> None:
    # An evaluation stored before its criterion's values carried its threshold (issue 12):
    # every value it has is still reproduced; the threshold the newer rules add is not stored.
    result = copy.deepcopy(saved["igr"].result_document)
    del _criterion(result, "INC-07-PLT")["values"]["min"]
    _tamper(saved["igr"], result_document=result)

    assert _verify().endswith("none differ\n")
    out, _error = _verify_fails("--exact")
    assert out.splitlines()[1:] == ["  criteria[INC-07-PLT].values.min: stored (absent), recomputed 100000"]

    # A stored value that differs is reported with or without --exact.
    _criterion(result, "INC-07-PLT")["values"]["value"] = 1.0
    _tamper(saved["igr"], result_document=result)
    assert "criteria[INC-07-PLT].values.value" in _verify_fails()[0]


@pytest.mark.django_db
def test_a_removed_criterion_is_a_difference(saved: dict[str, Evaluation]) -> None:
    result = copy.deepcopy(saved["ineligible"].result_document)
    result["criteria"] = [c for c in result["criteria"] if c["id"] != "EXC-01"]
    _tamper(saved["ineligible"], result_document=result)
    out, _error = _verify_fails()
    assert out.splitlines()[1].startswith("  criteria[EXC-01]: stored (absent), recomputed {")


@pytest.mark.django_db
def test_an_evaluation_naming_an_unknown_ruleset_is_a_difference(saved: dict[str, Evaluation]) -> None:
    forged = Evaluation.objects.create(
        screening=saved["igr"].screening,
        ruleset="alter-v9",
        input_document=saved["igr"].input_document,
        result_document={**saved["igr"].result_document, "ruleset": "alter-v9"},
        status=saved["igr"].status,
        created_by=saved["igr"].created_by,
    )

    out, error = _verify_fails()

    day = timezone.localdate(forged.created_at).isoformat()
    assert out.splitlines() == [
        f"{forged.screening.number} evaluation {forged.pk} (alter-v9, {day}): ruleset 'alter-v9' is not known here",
    ]
    assert str(error) == "1 of 6 evaluations differ (rulesets: alter-v1 5, alter-v9 1)"


@pytest.mark.django_db
def test_an_evaluation_is_reproduced_under_its_own_ruleset_not_the_default(saved: dict[str, Evaluation]) -> None:
    # As an amendment's re-evaluation appends it: the alter-test result has EXC-13, which alter-v1 lacks.
    liver = saved["liver"]
    with ruleset_registry.registered(ALTER_TEST):
        result, document = services.evaluate_document(
            liver.input_document,
            ruleset_id=ALTER_TEST.id,
            today=timezone.localdate(),
            screening_id=liver.screening.number,
        )
        assert (liver.status, result.status) == ("eligible", "ineligible")
        amended = Evaluation.objects.create(
            screening=liver.screening,
            ruleset=ALTER_TEST.id,
            input_document=liver.input_document,
            result_document=document,
            status=result.status,
            created_by=liver.created_by,
        )
        assert _verify() == (
            "6 evaluations reproduced under their own ruleset (alter-test 1, alter-v1 5); none differ\n"
        )

    # Once alter-test is no longer registered, its evaluation cannot be reproduced here.
    out, _error = _verify_fails()
    assert out.splitlines() == [
        f"{liver.screening.number} evaluation {amended.pk} (alter-test, {evaluation_day(amended.created_at)}): "
        "ruleset 'alter-test' is not known here"
    ]


@pytest.mark.parametrize(
    ("created_at", "reproduced"),
    [
        # Midnight in Paris on the day of the latest observation is 23:00 UTC the day before.
        (datetime.datetime.combine(LATEST_OBSERVATION, datetime.time(0, 0), tzinfo=PARIS), True),
        (
            datetime.datetime.combine(LATEST_OBSERVATION, datetime.time(0, 0), tzinfo=PARIS)
            - datetime.timedelta(minutes=1),
            False,
        ),
    ],
)
@pytest.mark.django_db
def test_an_evaluation_is_reproduced_as_on_its_local_day(
    saved: dict[str, Evaluation], created_at: datetime.datetime, reproduced: bool
) -> None:
    _tamper(saved["eligible"], created_at=created_at)
    if reproduced:
        assert _verify().endswith("none differ\n")
        return
    out, _error = _verify_fails()
    assert out.splitlines() == [
        f"IPC-0001 evaluation {saved['eligible'].pk} (alter-v1, 2026-03-08): input document refused: "
        "/reproductive/pregnancy_tests/0/date: 2026-03-09 is after today (2026-03-08)"
    ]


def test_json_differences_are_exact_and_name_their_paths() -> None:
    assert json_differences({"a": [1, {"b": True}]}, {"a": [1, {"b": True}]}) == ()
    # Key order does not count (jsonb keeps none); list order, types and values do.
    assert json_differences({"a": 1, "b": 2}, {"b": 2, "a": 1}) == ()
    assert json_differences({"a": True}, {"a": 1}) == (Difference("a", True, 1),)
    assert json_differences({"a": 1}, {"a": 1.0}) == (Difference("a", 1, 1.0),)
    assert json_differences([1, 2], [2, 1]) == (Difference("[0]", 1, 2), Difference("[1]", 2, 1))
    assert json_differences({"a": 1}, {"a": 1, "b": None}) == (Difference("b", ABSENT, None),)
    criteria = [{"id": "INC-01", "outcome": "pass"}, {"id": "INC-02", "outcome": "fail"}]
    assert json_differences(criteria, criteria[::-1]) == (
        Difference(" (order)", ["INC-01", "INC-02"], ["INC-02", "INC-01"]),
    )
