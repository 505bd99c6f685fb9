"""The ruleset alter-v1: every criterion once in spec order, the overall status from the
outcomes, valid_until, and the spec's example result (criteria.md, exchange-format.md)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from screening.rules.ruleset import ALTER_V1, RULESETS, evaluate
from tests.builders import (
    ABSENT,
    A,
    R,
    before,
    eligible_document,
    evaluate_dict,
    lab,
    to_document,
    with_lab,
    with_labs,
)

ALL_IDS = (
    "INC-01", "INC-02", "INC-03-DISEASE", "INC-03-HER2", "INC-03-HR", "INC-04", "INC-05", "INC-06",
    "INC-07-HB", "INC-07-ANC", "INC-07-PLT", "INC-07-BILI", "INC-07-ALT", "INC-07-AST", "INC-07-ALB",
    "INC-07-CRCL", "INC-08", "INC-09", "INC-10", "INC-11",
    "EXC-01", "EXC-02", "EXC-03", "EXC-04", "EXC-05", "EXC-06", "EXC-07", "EXC-08", "EXC-09", "EXC-10",
    "EXC-11", "EXC-12",
)  # fmt: skip

MINIMAL = {"format": "alter-screening/1", "site": "IPC", "assessment_date": "2026-03-10"}


def test_ruleset_id_is_alter_v1() -> None:
    assert ALTER_V1.id == "alter-v1"
    assert RULESETS["alter-v1"] is ALTER_V1
    assert evaluate_dict(eligible_document()).ruleset == "alter-v1"
    assert evaluate(to_document(eligible_document()), "alter-v1").status == "eligible"


def test_ruleset_lists_32_criteria_in_spec_order() -> None:
    assert len(ALL_IDS) == 32
    assert ALTER_V1.ids == ALL_IDS


@pytest.mark.parametrize("doc", [eligible_document(), MINIMAL], ids=["eligible", "minimal"])
def test_evaluation_lists_every_criterion_once_in_spec_order(doc: dict[str, Any]) -> None:
    evaluation = evaluate_dict(doc)
    assert tuple(c.id for c, _ in evaluation.outcomes) == ALL_IDS
    assert tuple(o.id for _, o in evaluation.outcomes) == ALL_IDS
    for criterion, outcome in evaluation.outcomes:
        assert criterion.kind == ("inclusion" if criterion.id.startswith("INC-") else "exclusion")
        assert outcome.outcome in {"pass", "fail", "missing", "not_applicable"}
        assert outcome.reason
        assert outcome.code


def test_spec_example_result() -> None:
    evaluation = evaluate_dict(eligible_document())
    assert evaluation.status == "eligible"
    assert evaluation.reference_date == datetime.date(2026, 3, 12)
    assert evaluation.valid_until == datetime.date(2026, 3, 16)
    assert evaluation.wocbp is True
    assert evaluation.crcl_ml_min == 93.6
    assert evaluation.failed == ()
    assert evaluation.missing == ()
    reasons = {o.id: o.reason for _, o in evaluation.outcomes}
    assert reasons["INC-01"] == "Consent signed 2026-03-02"
    assert reasons["INC-07-CRCL"] == (
        "CrCl 93.6 mL/min >= 30 (Cockcroft-Gault: female, 44 y, 63.5 kg, creatinine 0.77 mg/dL)"
    )


def test_minimal_document_is_incomplete_without_fail() -> None:
    evaluation = evaluate_dict(MINIMAL)
    assert evaluation.status == "incomplete"
    assert evaluation.failed == ()
    assert set(evaluation.missing) == set(ALL_IDS)
    assert evaluation.missing == ALL_IDS
    assert evaluation.valid_until is None
    assert evaluation.wocbp is None
    assert evaluation.crcl_ml_min is None


STATUS_TABLE: list[tuple[dict[str, Any], str, tuple[str, ...], tuple[str, ...]]] = [
    # overrides, status, failed, missing
    ({}, "eligible", (), ()),
    ({"ecog": 2}, "ineligible", ("INC-05",), ()),
    ({"ecog": None}, "incomplete", (), ("INC-05",)),
    ({"ecog": 2, "lvef": None}, "ineligible", ("INC-05",), ("INC-08",)),  # fail outranks missing
    ({"judgment__incompatible_condition": None, "consent__signed": None}, "incomplete", (), ("INC-01", "EXC-05")),
    ({"judgment__incompatible_condition": True, "consent__signed": False}, "ineligible", ("INC-01", "EXC-05"), ()),
    ({"patient__sex": "male"}, "eligible", (), ()),  # not_applicable does not stand in the way
    ({"reproductive__hysterectomy": True}, "eligible", (), ()),
]


@pytest.mark.parametrize(("overrides", "status", "failed", "missing"), STATUS_TABLE)
def test_status_from_outcomes(
    overrides: dict[str, Any], status: str, failed: tuple[str, ...], missing: tuple[str, ...]
) -> None:
    evaluation = evaluate_dict(eligible_document(**overrides))
    assert evaluation.status == status
    assert evaluation.failed == failed
    assert evaluation.missing == missing


@pytest.mark.criterion("INC-06", "INC-09", "EXC-10")
def test_male_patient_not_applicable_outcomes() -> None:
    evaluation = evaluate_dict(eligible_document(patient__sex="male"))
    outcomes = {o.id: o.outcome for _, o in evaluation.outcomes}
    assert outcomes["INC-06"] == "pass"
    assert outcomes["INC-09"] == "not_applicable"
    assert outcomes["EXC-10"] == "not_applicable"
    assert evaluation.wocbp is False


@pytest.mark.parametrize(("planned", "reference"), [("2026-03-12", datetime.date(2026, 3, 12)), (ABSENT, A), (None, A)])
def test_reference_date_is_planned_randomization_else_assessment(planned: object, reference: datetime.date) -> None:
    assert evaluate_dict(eligible_document(planned_randomization_date=planned)).reference_date == reference


def test_evaluation_is_reproducible() -> None:
    doc = to_document(eligible_document(ecog=None))
    assert evaluate(doc) == evaluate(doc)


# --- valid_until ------------------------------------------------------------------------
# For an eligible result: the last reference date on which the same data stay within every
# window (each lab used: date + 28; the pregnancy test used by INC-09 when it applies: + 7).

VALID_UNTIL_TABLE: list[tuple[dict[str, Any], datetime.date]] = [
    ({}, datetime.date(2026, 3, 16)),  # pregnancy test 2026-03-09 + 7
    ({"patient__sex": "male"}, datetime.date(2026, 4, 2)),  # labs 2026-03-05 + 28
    ({"reproductive__hysterectomy": True}, datetime.date(2026, 4, 2)),  # INC-09 does not apply
    ({"reproductive__pregnancy_tests": [{"result": "negative", "date": "2026-03-12"}]}, datetime.date(2026, 3, 19)),
    ({"reproductive__pregnancy_tests": [{"result": "negative", "date": "2026-03-05"}]}, datetime.date(2026, 3, 12)),
]


@pytest.mark.criterion("INC-09")
@pytest.mark.parametrize(("overrides", "valid_until"), VALID_UNTIL_TABLE)
def test_valid_until(overrides: dict[str, Any], valid_until: datetime.date) -> None:
    evaluation = evaluate_dict(eligible_document(**overrides))
    assert evaluation.status == "eligible"
    assert evaluation.valid_until == valid_until


@pytest.mark.criterion("INC-07-ALB")
def test_valid_until_oldest_lab_counts() -> None:
    doc = with_lab(eligible_document(patient__sex="male"), "albumin", date=before(R, 20))
    evaluation = evaluate_dict(doc)
    assert evaluation.status == "eligible"
    assert evaluation.valid_until == datetime.date(2026, 3, 20)  # 2026-02-20 + 28


@pytest.mark.criterion("INC-07-PLT")
def test_valid_until_counts_the_lab_used_not_older_ones() -> None:
    doc = with_labs(
        eligible_document(patient__sex="male"),
        "platelets",
        lab("platelets", 231, "G/L", before(R, 27)),
        lab("platelets", 231, "G/L", "2026-03-05"),
    )
    assert evaluate_dict(doc).valid_until == datetime.date(2026, 4, 2)


@pytest.mark.parametrize("overrides", [{"ecog": 2}, {"ecog": None}], ids=["ineligible", "incomplete"])
def test_valid_until_null_unless_eligible(overrides: dict[str, Any]) -> None:
    assert evaluate_dict(eligible_document(**overrides)).valid_until is None


@pytest.mark.criterion("INC-07-HB", "INC-09")
@pytest.mark.parametrize("overrides", [{}, {"patient__sex": "male"}], ids=["wocbp", "male"])
def test_valid_until_is_the_last_eligible_reference_date(overrides: dict[str, Any]) -> None:
    valid_until = evaluate_dict(eligible_document(**overrides)).valid_until
    assert valid_until is not None
    on_last_day = evaluate_dict(eligible_document(planned_randomization_date=valid_until.isoformat(), **overrides))
    day_after = valid_until + datetime.timedelta(days=1)
    too_late = evaluate_dict(eligible_document(planned_randomization_date=day_after.isoformat(), **overrides))
    assert on_last_day.status == "eligible"
    assert too_late.status == "incomplete"
