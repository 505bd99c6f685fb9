"""Words by ruleset (issue 12, "Everything a result shows is versioned with its ruleset").

A stored alter-v1 evaluation reads the same, byte for byte, on every page and export, in
French and English, before and after another ruleset is registered with other words and
other numbers for the same criterion ids; an evaluation stored before the values carried
their thresholds reads with alter-v1's declared numbers, never another ruleset's; an
alter-test evaluation reads with alter-test's own numbers (CrCl ≥ 40, LVEF ≥ 50 %).
"""

from __future__ import annotations

import copy
import datetime
import io
import re
from collections.abc import Iterator
from typing import Any

import openpyxl
import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from screening import panel, services
from screening.document_mapping import JUDGMENT_FIELDS, LIST_FIELDS, SCALAR_FIELDS, judgment_fields
from screening.models import Evaluation, Screening, User
from screening.reasons import (
    criterion_title,
    localized_reason,
    register_words,
    registered_words,
    row_used,
    words_for,
    words_of,
)
from screening.reporting import screening_log
from screening.rules import ruleset as rulesets
from screening.rules.ruleset import ALTER_V1
from tests.builders import eligible_document
from tests.rulesets import ALTER_TEST, TEST_RULESET_ID

pytestmark = pytest.mark.django_db

NBSP = "\u00a0"
TODAY = datetime.date(2026, 6, 1)

# alter-test's words: the same criterion ids as alter-v1, other titles and reasons.
TEST_WORDS: dict[str, Any] = {
    "based_on": ALTER_V1.id,
    "titles": {
        "INC-05": "ECOG (test ruleset)",
        "INC-07-CRCL": "Creatinine clearance ≥ 40 mL/min (test ruleset)",
        "INC-08": "LVEF ≥ 50% (test ruleset)",
        "INC-04": "Eligible per indication (test ruleset)",
        "EXC-13": "Liver metastases (test ruleset)",
    },
    "templates": {
        ("INC-05", "ecog_too_high"): "ECOG %(ecog)s above %(max)s (test ruleset)",
        ("INC-07-CRCL", "at_least_min"): "CrCl %(crcl)s at least %(min)s (test ruleset)",
        ("INC-07-CRCL", "below_min"): "CrCl %(crcl)s below %(min)s (test ruleset)",
        ("INC-08", "below_min"): "LVEF %(percent)s below %(min)s (test ruleset)",
        ("INC-08", "at_least_min"): "LVEF %(percent)s at least %(min)s (test ruleset)",
        ("EXC-13", "absent"): "No liver metastases (test ruleset)",
    },
}

# What a result stored before the values carried their numbers and grounds lacks.
_ADDED_KEYS = {
    "matched_names",
    "female_factor",
    "wocbp_ground",
    "wocbp_unknown",
    "wocbp_age_years",
    "wocbp_amenorrhea_months",
}


def _as_stored_before(result: dict[str, Any]) -> dict[str, Any]:
    """``result`` as alter-v1 stored it before its values carried thresholds, windows and grounds."""
    old = copy.deepcopy(result)
    for criterion in old["criteria"]:
        added = _ADDED_KEYS | set(ALTER_V1.parameters.values_of(criterion["id"]))
        criterion["values"] = {k: v for k, v in criterion["values"].items() if k not in added}
    return old


@pytest.fixture
def test_ruleset_with_words() -> Iterator[None]:
    with rulesets.registered(ALTER_TEST), registered_words(TEST_RULESET_ID, **TEST_WORDS):
        yield


def _v1_document() -> dict[str, Any]:
    """The spec's patient with ECOG 2 and LVEF 52 %: a screen failure with reasons to show,
    and a judgment not answered yet (missing)."""
    return eligible_document(ecog=2, lvef__percent=52, judgment__eligible_for_sg_and_tdxd=None)


@pytest.fixture
def v1_screening(coordinator_ipc: User) -> Screening:
    evaluation = services.screening_import(raw=_v1_document(), by=coordinator_ipc)
    assert evaluation.ruleset == "alter-v1"
    return Screening.objects.get(pk=evaluation.screening_id)


@pytest.fixture
def old_v1_screening(v1_screening: Screening, coordinator_ipc: User) -> Screening:
    """The same screening whose latest evaluation was stored before the values carried their
    numbers (an evaluation is appended, never updated)."""
    latest = v1_screening.evaluations.order_by("-created_at", "-id").first()
    assert latest is not None
    Evaluation.objects.create(
        screening=v1_screening,
        ruleset=latest.ruleset,
        input_document=latest.input_document,
        result_document=_as_stored_before(latest.result_document),
        status=latest.status,
        created_by=coordinator_ipc,
    )
    return v1_screening


# What differs from one request to the next: CSRF tokens (64 letters and digits, masked) and
# the form's save key (a UUID).
_TOKENS = re.compile(r"\b[A-Za-z0-9]{64}\b|\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")


# The filters' ruleset lists offer every registered ruleset: registering one adds an option
# there by design, which is not how the evaluation reads (masked too).
_RULESET_FILTER = re.compile(r'<select name="ruleset".*?</select>', re.DOTALL)


def _page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return _RULESET_FILTER.sub("(ruleset filter)", _TOKENS.sub("(token)", response.content.decode()))


def _download(client: Client, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, url
    return b"".join(response.streaming_content)


def _cells(raw: bytes) -> list[list[Any]]:
    sheet = openpyxl.load_workbook(io.BytesIO(raw)).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def _everything(screening: Screening, investigator: User, monitor: User) -> dict[str, Any]:
    """Every page and export showing the screening's latest evaluation, in French and English."""
    shown: dict[str, Any] = {}
    number = screening.number
    for language in ("en", "fr"):
        investigator_client, monitor_client = Client(), Client()
        investigator_client.force_login(investigator)
        monitor_client.force_login(monitor)
        for client in (investigator_client, monitor_client):
            client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        evaluation = screening.evaluations.order_by("-created_at", "-id").first()
        assert evaluation is not None
        shown[f"{language} panel"] = _page(investigator_client, reverse("screening:detail", args=[number]))
        shown[f"{language} evaluation"] = _page(
            investigator_client, reverse("screening:evaluation", args=[number, evaluation.pk])
        )
        shown[f"{language} sign-off"] = _page(investigator_client, reverse("screening:sign", args=[number]))
        shown[f"{language} history"] = _page(investigator_client, reverse("screening:history", args=[number]))
        shown[f"{language} review queue"] = _page(investigator_client, reverse("screening:review_queue"))
        shown[f"{language} log"] = _page(monitor_client, reverse("screening:log"))
        shown[f"{language} screenings csv"] = _download(monitor_client, reverse("screening:log_screenings_csv"))
        shown[f"{language} screenings xlsx"] = _cells(
            _download(monitor_client, reverse("screening:log_screenings_xlsx"))
        )
        shown[f"{language} log csv"] = _download(monitor_client, reverse("screening:log_export_csv"))
        shown[f"{language} log xlsx"] = _cells(_download(monitor_client, reverse("screening:log_export_xlsx")))
    return shown


@pytest.mark.parametrize("stored", ["v1_screening", "old_v1_screening"])
def test_a_v1_evaluation_reads_the_same_after_another_ruleset_is_registered(
    stored: str, request: pytest.FixtureRequest, investigator_ipc: User, monitor: User
) -> None:
    screening: Screening = request.getfixturevalue(stored)
    before = _everything(screening, investigator_ipc, monitor)
    assert "CrCl" in before["en panel"] and "≥ 30" in before["en panel"]
    assert "ECOG performance status 2 &gt; 1" in before["en panel"]
    assert f"≥ 100{NBSP}000" in before["fr panel"]
    assert "ECOG" in before["en screenings csv"].decode("utf-8-sig")
    with rulesets.registered(ALTER_TEST), registered_words(TEST_RULESET_ID, **TEST_WORDS):
        # alter-test's own words are in use, for the same criterion ids...
        assert criterion_title("INC-07-CRCL", TEST_RULESET_ID) == "Creatinine clearance ≥ 40 mL/min (test ruleset)"
        after = _everything(screening, investigator_ipc, monitor)
    # ... and none of them reaches the alter-v1 evaluation: every text is byte-identical.
    assert after.keys() == before.keys()
    for name in before:
        assert after[name] == before[name], name
    assert not any("test ruleset" in str(text) for text in after.values())


def test_an_old_v1_evaluation_reads_as_a_new_one(v1_screening: Screening, test_ruleset_with_words: None) -> None:
    """Values stored before they carried thresholds, windows and WOCBP grounds read with
    alter-v1's declared numbers (CrCl ≥ 30, LVEF ≥ 55 %), not alter-test's."""
    latest = v1_screening.evaluations.order_by("-created_at", "-id").first()
    assert latest is not None
    new, old = latest.result_document, _as_stored_before(latest.result_document)
    assert old != new
    assert "min" not in next(c for c in old["criteria"] if c["id"] == "INC-07-CRCL")["values"]
    for language in ("en", "fr"):
        with translation.override(language):
            assert (
                panel.panel_context(old, preview=False)["criteria_groups"]
                == panel.panel_context(new, preview=False)["criteria_groups"]
            )
    with translation.override("en"):
        reasons = {c["id"]: localized_reason(c, old["ruleset"]) for c in old["criteria"]}
    assert "≥ 30" in reasons["INC-07-CRCL"]
    assert reasons["INC-08"].endswith("< 55%")


def _result(ruleset_id: str, **changes: Any) -> dict[str, Any]:
    document = eligible_document(**changes)
    _, result = services.evaluate_document(document, ruleset_id=ruleset_id, today=TODAY, screening_id=None)
    return result


def _criterion(result: dict[str, Any], cid: str) -> dict[str, Any]:
    return next(c for c in result["criteria"] if c["id"] == cid)


def test_values_carry_the_thresholds_of_their_ruleset(alter_test: rulesets.Ruleset) -> None:
    v1, test = _result("alter-v1"), _result(TEST_RULESET_ID)
    assert _criterion(v1, "INC-07-CRCL")["values"]["min"] == 30
    assert _criterion(test, "INC-07-CRCL")["values"]["min"] == 40
    assert _criterion(v1, "INC-08")["values"]["min"] == 55
    assert _criterion(test, "INC-08")["values"]["min"] == 50
    assert _criterion(v1, "INC-07-PLT")["values"]["min"] == 100_000
    assert _criterion(v1, "INC-07-PLT")["values"]["window_days"] == 28
    assert _criterion(v1, "INC-07-BILI")["values"]["max_x_uln"] == 1.5
    assert _criterion(v1, "INC-09")["values"]["window_days"] == 7


def test_an_alter_test_evaluation_shows_its_own_thresholds(test_ruleset_with_words: None) -> None:
    """The same patient: alter-v1 writes CrCl ≥ 30, alter-test CrCl ≥ 40 (its own number,
    from its values, in its own words); the LVEF of 52 % fails under alter-v1 (< 55 %) and
    passes under alter-test (≥ 50 %)."""
    v1 = _result("alter-v1", lvef__percent=52)
    test = _result(TEST_RULESET_ID, lvef__percent=52)
    with translation.override("en"):
        v1_panel = panel.panel_context(v1, preview=False)
        test_panel = panel.panel_context(test, preview=False)
    v1_rows = {r["id"]: r for _, rows in v1_panel["criteria_groups"] for r in rows}
    test_rows = {r["id"]: r for _, rows in test_panel["criteria_groups"] for r in rows}
    assert "≥ 30" in v1_rows["INC-07-CRCL"]["reason"]
    assert str(v1_rows["INC-07-CRCL"]["title"]) == "Creatinine clearance ≥ 30 mL/min (Cockcroft-Gault)"
    assert test_rows["INC-07-CRCL"]["reason"].endswith("at least 40 (test ruleset)")
    assert test_rows["INC-07-CRCL"]["title"] == "Creatinine clearance ≥ 40 mL/min (test ruleset)"
    assert v1_rows["INC-08"]["reason"].endswith("< 55%")
    assert test_rows["INC-08"]["reason"] == "LVEF 52% at least 50% (test ruleset)"
    assert test_rows["EXC-13"]["reason"] == "No liver metastases (test ruleset)"
    assert "EXC-13" not in v1_rows


def test_alter_test_words_fall_back_to_alter_v1_numbers_never(test_ruleset_with_words: None) -> None:
    """An alter-test entry whose values lack their numbers reads with alter-test's declared
    numbers (40), and an alter-v1 one with alter-v1's (30): each ruleset's own."""
    v1 = _as_stored_before(_result("alter-v1"))
    test = _as_stored_before(_result(TEST_RULESET_ID))
    with translation.override("en"):
        assert "≥ 30" in localized_reason(_criterion(v1, "INC-07-CRCL"), "alter-v1")
        assert localized_reason(_criterion(test, "INC-07-CRCL"), TEST_RULESET_ID).endswith("at least 40 (test ruleset)")


def test_a_ruleset_without_words_shows_the_records_own_sentences(alter_test: rulesets.Ruleset) -> None:
    result = _result(TEST_RULESET_ID)
    assert words_of(TEST_RULESET_ID) is None
    crcl = _criterion(result, "INC-07-CRCL")
    with translation.override("fr"):
        assert localized_reason(crcl, TEST_RULESET_ID) == crcl["reason"]
        assert criterion_title("EXC-13", TEST_RULESET_ID) == "EXC-13"
    assert row_used(crcl, TEST_RULESET_ID) is not None  # its values carry their lab window


def test_words_of_a_ruleset_are_given_once() -> None:
    with rulesets.registered(ALTER_TEST):
        with pytest.raises(ValueError, match="already has its words"):
            register_words(words_for("alter-v1"))
        with registered_words(TEST_RULESET_ID, **TEST_WORDS):
            with pytest.raises(ValueError, match="already has its words"):
                register_words(words_for(TEST_RULESET_ID, **TEST_WORDS))
        assert words_of(TEST_RULESET_ID) is None


def test_the_matched_adc_names_are_data(test_ruleset_with_words: None) -> None:
    """EXC-01 names the ADCs the rule matched from its values; an old result, without them,
    is read with alter-v1's matcher."""
    result = _result("alter-v1", prior_therapy__drugs=["Enhertu 5.4 mg/kg"])
    exc01 = _criterion(result, "EXC-01")
    assert exc01["values"]["matched_names"] == ["Enhertu"]
    renamed = exc01 | {"values": {**exc01["values"], "matched_names": ["a name the matcher never gives"]}}
    with translation.override("en"):
        assert "a name the matcher never gives" in localized_reason(renamed)
        assert localized_reason(_criterion(_as_stored_before(result), "EXC-01")) == localized_reason(exc01)


def test_the_log_orders_and_titles_criteria_by_the_declarations(alter_test: rulesets.Ruleset) -> None:
    order = screening_log.spec_order()
    assert list(order)[: len(ALTER_V1.ids)] == list(ALTER_V1.ids)
    assert order["EXC-13"] == len(ALTER_V1.ids)
    with translation.override("en"):
        assert screening_log.failure_title("INC-07-CRCL") == "Creatinine clearance ≥ 30 mL/min (Cockcroft-Gault)"


def test_judgments_and_fields_come_from_the_declaration() -> None:
    known = {field for field, _ in SCALAR_FIELDS} | set(LIST_FIELDS)
    for declared in (ALTER_V1, ALTER_TEST):
        assert all(c.field in known for c in declared.criteria), declared.id
    assert JUDGMENT_FIELDS == judgment_fields(ALTER_V1) == tuple(c.field for c in ALTER_V1.criteria if c.judgment)
    assert {c.id for c in ALTER_V1.judgments} == words_of("alter-v1").judgments  # type: ignore[union-attr]
    assert panel.CRITERION_FIELDS["INC-07-PLT"] == "section-labs"
    assert panel.CRITERION_FIELDS["INC-05"] == "id_ecog"


def test_a_result_naming_no_ruleset_reads_as_alter_v1(test_ruleset_with_words: None) -> None:
    result = _result("alter-v1")
    unnamed = {k: v for k, v in result.items() if k != "ruleset"}
    with translation.override("fr"):
        assert (
            panel.panel_context(unnamed, preview=False)["criteria_groups"]
            == panel.panel_context(result, preview=False)["criteria_groups"]
        )


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"reproductive__hysterectomy": None, "reproductive__amenorrhea_months": 14},
        {"reproductive__hysterectomy": None, "patient__date_of_birth": None},
        {"patient__date_of_birth": "1960-01-01"},
        {"prior_therapy__drugs": ["Enhertu 5.4 mg/kg", "capecitabine"]},
        {"patient__sex": "male"},
        {"ecog": 2, "lvef__percent": 40},
    ],
)
def test_results_stored_before_their_values_carried_numbers_read_the_same(
    changes: dict[str, Any], test_ruleset_with_words: None
) -> None:
    """Reasons, titles, links and the CrCl calculation of an alter-v1 result read the same
    from values stored before they carried thresholds, windows, WOCBP grounds and ADC names."""
    new = _result("alter-v1", **changes)
    old = _as_stored_before(new)
    for language in ("en", "fr"):
        with translation.override(language):
            shown_new, shown_old = panel.panel_context(new, preview=False), panel.panel_context(old, preview=False)
            assert shown_old["criteria_groups"] == shown_new["criteria_groups"]
            assert shown_old["crcl"] == shown_new["crcl"]
