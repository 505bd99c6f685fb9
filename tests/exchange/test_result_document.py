"""The result document `alter-screening-result/1` (exchange-format.md, "Result format").

Spec: "criteria lists every criterion of criteria.md, in its order, exactly once";
"failed / missing: the ids whose outcome is fail / missing, in that order"; "crcl_ml_min:
the computed CrCl rounded to 1 decimal, or null when it cannot be computed"; "wocbp: true,
false or null"; "valid_until: for an eligible result, the last reference date on which the
same data would still be within every window ... null otherwise". And: "exporting a stored
screening and importing it again yields the same evaluation."
"""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest

from screening.exchange import RESULT_FORMAT, as_json_data, encode, result_document, screen
from screening.rules.ruleset import evaluate
from tests.exchange.conftest import (
    ABSENT,
    EXAMPLE_PATH,
    TODAY,
    example,
    example_with,
    lab_index,
    parsed,
)

# criteria.md, in its order: 20 inclusion then 12 exclusion criteria.
SPEC_CRITERIA = [
    "INC-01", "INC-02", "INC-03-DISEASE", "INC-03-HER2", "INC-03-HR", "INC-04", "INC-05", "INC-06",
    "INC-07-HB", "INC-07-ANC", "INC-07-PLT", "INC-07-BILI", "INC-07-ALT", "INC-07-AST", "INC-07-ALB",
    "INC-07-CRCL", "INC-08", "INC-09", "INC-10", "INC-11",
    "EXC-01", "EXC-02", "EXC-03", "EXC-04", "EXC-05", "EXC-06", "EXC-07", "EXC-08", "EXC-09", "EXC-10",
    "EXC-11", "EXC-12",
]  # fmt: skip

OUTCOMES = {"pass", "fail", "missing", "not_applicable"}


def result_of(doc: dict[str, Any]) -> dict[str, Any]:
    """The result document of ``doc`` as plain JSON data (what the command prints)."""
    screening = parsed(doc)
    data = as_json_data(result_document(evaluate(screening), screening_id=screening.screening_id))
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def example_result() -> dict[str, Any]:
    return result_of(example())


def test_example_result_header(example_result: dict[str, Any]) -> None:
    assert example_result["format"] == "alter-screening-result/1" == RESULT_FORMAT
    assert example_result["ruleset"] == "alter-v1"
    assert example_result["screening_id"] == "IPC-0007"
    assert example_result["status"] == "eligible"
    assert example_result["reference_date"] == "2026-03-12"
    assert example_result["valid_until"] == "2026-03-16"
    assert example_result["wocbp"] is True
    assert example_result["crcl_ml_min"] == 93.6
    assert example_result["failed"] == []
    assert example_result["missing"] == []


def test_example_result_has_every_key_of_the_spec(example_result: dict[str, Any]) -> None:
    assert {
        "format",
        "ruleset",
        "screening_id",
        "status",
        "reference_date",
        "valid_until",
        "wocbp",
        "crcl_ml_min",
        "failed",
        "missing",
        "criteria",
    } <= example_result.keys()


def test_criteria_are_the_32_of_the_spec_in_order_once_each(example_result: dict[str, Any]) -> None:
    ids = [c["id"] for c in example_result["criteria"]]
    assert len(ids) == 32
    assert ids == SPEC_CRITERIA


def test_each_criterion_has_id_kind_outcome_reason(example_result: dict[str, Any]) -> None:
    for entry in example_result["criteria"]:
        assert {"id", "kind", "outcome", "reason"} <= entry.keys(), entry
        assert entry["kind"] == ("inclusion" if entry["id"].startswith("INC-") else "exclusion")
        assert entry["outcome"] == "pass"
        assert isinstance(entry["reason"], str)
        assert entry["reason"].strip()


@pytest.mark.criterion("INC-01")
def test_example_consent_reason_as_in_spec(example_result: dict[str, Any]) -> None:
    entry = example_result["criteria"][0]
    assert (entry["id"], entry["kind"], entry["outcome"]) == ("INC-01", "inclusion", "pass")
    assert entry["reason"] == "Consent signed 2026-03-02"


@pytest.mark.criterion("INC-07-CRCL")
def test_example_crcl_reason_as_in_spec(example_result: dict[str, Any]) -> None:
    entry = next(c for c in example_result["criteria"] if c["id"] == "INC-07-CRCL")
    assert (entry["kind"], entry["outcome"]) == ("inclusion", "pass")
    assert entry["reason"] == ("CrCl 93.6 mL/min >= 30 (Cockcroft-Gault: female, 44 y, 63.5 kg, creatinine 0.77 mg/dL)")


# --- status, failed, missing ------------------------------------------------------------


@pytest.mark.criterion("INC-01", "INC-05", "EXC-02")
def test_ineligible_lists_failed_ids_in_spec_order() -> None:
    doc = example_with(
        {
            "/judgment/significant_cardiovascular_disease": True,  # EXC-02
            "/ecog": 2,  # INC-05
            "/consent/signed": False,  # INC-01
        }
    )
    result = result_of(doc)
    assert result["status"] == "ineligible"
    assert result["failed"] == ["INC-01", "INC-05", "EXC-02"]
    assert result["missing"] == []
    assert result["valid_until"] is None


@pytest.mark.criterion(
    "INC-04", "INC-10", "INC-11", "EXC-02", "EXC-05", "EXC-06", "EXC-07", "EXC-08", "EXC-11", "EXC-12"
)
def test_incomplete_lists_missing_ids_in_spec_order() -> None:
    result = result_of(example_with({"/judgment": ABSENT}))
    assert result["status"] == "incomplete"
    assert result["failed"] == []
    assert result["missing"] == [
        "INC-04",
        "INC-10",
        "INC-11",
        "EXC-02",
        "EXC-05",
        "EXC-06",
        "EXC-07",
        "EXC-08",
        "EXC-11",
        "EXC-12",
    ]
    assert result["valid_until"] is None


@pytest.mark.criterion("INC-05", "INC-08")
def test_failed_and_missing_match_the_criteria_outcomes() -> None:
    result = result_of(example_with({"/ecog": 3, "/lvef": ABSENT}))
    assert result["status"] == "ineligible"
    assert result["failed"] == [c["id"] for c in result["criteria"] if c["outcome"] == "fail"] == ["INC-05"]
    assert result["missing"] == [c["id"] for c in result["criteria"] if c["outcome"] == "missing"] == ["INC-08"]


def test_minimal_document_is_incomplete_with_every_outcome_known() -> None:
    result = result_of({"format": "alter-screening/1", "site": "IGR", "assessment_date": "2026-03-10"})
    assert result["status"] == "incomplete"
    assert result["screening_id"] is None
    assert result["reference_date"] == "2026-03-10"  # R = A without a planned date
    assert result["wocbp"] is None
    assert result["crcl_ml_min"] is None
    assert result["valid_until"] is None
    assert [c["id"] for c in result["criteria"]] == SPEC_CRITERIA
    assert {c["outcome"] for c in result["criteria"]} <= OUTCOMES
    assert result["failed"] == []


# --- derived values ----------------------------------------------------------------------


def test_reference_date_is_assessment_date_without_planned_randomization() -> None:
    assert result_of(example_with({"/planned_randomization_date": ABSENT}))["reference_date"] == "2026-03-10"


@pytest.mark.criterion("INC-07-CRCL")
@pytest.mark.parametrize(
    ("edits", "why"),
    [
        ({f"/labs/{lab_index('creatinine')}": ABSENT}, "no creatinine"),
        ({f"/labs/{lab_index('creatinine')}/date": "2026-02-11"}, "creatinine 29 days before R"),
        ({"/patient/weight_kg": ABSENT}, "no weight"),
        ({"/patient/sex": ABSENT}, "no sex"),
        ({"/patient/date_of_birth": ABSENT}, "no date of birth"),
    ],
)
def test_crcl_null_when_it_cannot_be_computed(edits: dict[str, Any], why: str) -> None:
    result = result_of(example_with(edits))
    assert result["crcl_ml_min"] is None, why


@pytest.mark.criterion("INC-06", "INC-09")
@pytest.mark.parametrize(
    ("edits", "wocbp"),
    [
        ({}, True),
        ({"/patient/sex": "male"}, False),
        ({"/reproductive/hysterectomy": True}, False),
        ({"/patient/sex": ABSENT}, None),
        ({"/patient/sex": None}, None),
    ],
)
def test_wocbp_true_false_or_null(edits: dict[str, Any], wocbp: bool | None) -> None:
    assert result_of(example_with(edits))["wocbp"] is wocbp


@pytest.mark.criterion("INC-09")
def test_valid_until_is_pregnancy_test_plus_7_when_it_is_the_first_window_to_close() -> None:
    # Labs 2026-03-05 + 28 = 2026-04-02; pregnancy test 2026-03-09 + 7 = 2026-03-16.
    assert result_of(example())["valid_until"] == "2026-03-16"


@pytest.mark.criterion("INC-09")
def test_valid_until_ignores_pregnancy_test_when_inc_09_does_not_apply() -> None:
    result = result_of(example_with({"/patient/sex": "male"}))
    assert result["status"] == "eligible"
    assert result["valid_until"] == "2026-04-02"


def test_valid_until_is_the_earliest_lab_date_plus_28() -> None:
    result = result_of(example_with({"/labs/0/date": "2026-02-20", "/patient/sex": "male"}))
    assert result["status"] == "eligible"
    assert result["valid_until"] == "2026-03-20"


# --- encoding ----------------------------------------------------------------------------


def test_encode_gives_one_line_of_json() -> None:
    screening = parsed(example())
    line = encode(result_document(evaluate(screening), screening_id=screening.screening_id))
    assert isinstance(line, bytes)
    assert b"\n" not in line
    assert b"\r" not in line
    data = json.loads(line)
    assert data == result_of(example())
    assert data["format"] == "alter-screening-result/1"


def test_encode_of_a_refusal_gives_one_line_of_json() -> None:
    result, doc = screen(b'{"format": "alter-screening/1"}', today=TODAY, file="x.json")
    assert doc is None
    line = encode(result)
    assert b"\n" not in line
    data = json.loads(line)
    assert data["format"] == "alter-screening-result/1"
    assert data["file"] == "x.json"
    assert {e["path"] for e in data["errors"]} == {"/site", "/assessment_date"}
    assert all(e["message"] for e in data["errors"])


def test_screen_returns_the_result_document_and_the_parsed_document() -> None:
    result, doc = screen(EXAMPLE_PATH.read_bytes(), today=TODAY, file=str(EXAMPLE_PATH))
    assert doc is not None
    assert doc.screening_id == "IPC-0007"
    assert json.loads(encode(result)) == result_of(example())


# --- round trip ----------------------------------------------------------------------------
# "The same document round-trips: exporting a stored screening and importing it again
# yields the same evaluation." The export is the parsed document encoded back to JSON.

ROUND_TRIP_DOCUMENTS = {
    "example": {},
    "ecog 1.0 and amenorrhea 12.0": {"/ecog": 1.0, "/reproductive/amenorrhea_months": 12.0},
    "other units": {
        "/labs/0/value": 5.5854,
        "/labs/0/unit": "mmol/L",
        "/labs/1/value": 2400,
        "/labs/1/unit": "/\u03bcL",
        "/labs/2/unit": "G/L",
        f"/labs/{lab_index('creatinine')}/unit": "\u00b5mol/L",
        f"/labs/{lab_index('alt')}/unit": "IU/L",
    },
    "incomplete with nulls and absent parts": {"/judgment": ABSENT, "/patient/sex": None, "/lvef": None},
    "ineligible": {"/ecog": 2, "/other_trial": {"enrolled": True, "last_date": "2026-03-01"}},
    "brain metastases treated": {
        "/disease/brain_metastases": {
            "present": True,
            "treated": True,
            "symptomatic": False,
            "corticosteroids_ongoing": False,
            "stable_on_mri": True,
            "last_local_treatment_date": "2026-02-20",
        }
    },
    "bilateral, two samples": {
        "/disease/bilateral": True,
        "/tumour_samples/-": {
            "site": "primary",
            "laterality": "right",
            "date": "2024-11-05",
            "er_percent": 1.5,
            "pr_percent": 0,
            "her2_ihc": "2+",
            "her2_ish": "negative",
        },
    },
    "minimal": None,
}


@pytest.mark.parametrize("name", list(ROUND_TRIP_DOCUMENTS))
def test_round_trip_export_import_gives_the_same_evaluation(name: str) -> None:
    edits = ROUND_TRIP_DOCUMENTS[name]
    doc = (
        {"format": "alter-screening/1", "site": "IPC", "assessment_date": "2026-03-10"}
        if edits is None
        else example_with(edits)
    )
    first = parsed(doc)
    exported = msgspec.json.encode(first)
    second = parsed(exported)
    assert second == first
    first_result = encode(result_document(evaluate(first), screening_id=first.screening_id))
    second_result = encode(result_document(evaluate(second), screening_id=second.screening_id))
    assert second_result == first_result
    # The export is itself a document that exports unchanged.
    assert msgspec.json.encode(second) == exported


def test_exported_document_keeps_values_and_units_as_entered() -> None:
    exported = json.loads(msgspec.json.encode(parsed(example())))
    assert exported["labs"] == [{k: v for k, v in entry.items() if v is not None} for entry in example()["labs"]]
    assert exported["format"] == "alter-screening/1"
