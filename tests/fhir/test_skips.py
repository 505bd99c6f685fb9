"""Skip reasons (fhir-labs.md, "Skipped, with a reason code"): each code, its reason, and
the first that applies when two do, in the spec's order."""

from __future__ import annotations

from typing import Any, Final

import pytest

from screening.fhir.labs import SKIP_CODES
from tests.fhir.builders import bundle, observation, output, printed, quantity, skip_code

# One Observation that each code (alone) applies to.
SKIPPED: Final[dict[str, dict[str, Any]]] = {
    "not_a_screening_test": observation(loinc="2951-2", value=quantity(140, "mmol/L")),  # sodium
    "ambiguous_code": observation(loinc=["718-7", "2160-0"]),
    "not_final": observation(status="preliminary"),
    "no_value": observation(value=None, valueString="see report"),
    "censored_value": observation(value=quantity(5, "umol/L", comparator="<")),
    "unit_not_accepted": observation(value=quantity(0.7, "mg/dl")),
    "no_date": observation(when=None),
    "dated_after_today": observation(when="2026-11-26T09:00:00+01:00"),
}

# What makes each code apply, to stack two of them on one Observation.
CAUSES: Final[dict[str, dict[str, Any]]] = {
    "not_a_screening_test": {"code": {"coding": [{"system": "http://loinc.org", "code": "2951-2"}]}},
    "ambiguous_code": {
        "code": {
            "coding": [
                {"system": "http://loinc.org", "code": "1742-6"},
                {"system": "http://loinc.org", "code": "1920-8"},
            ]
        }
    },
    "not_final": {"status": "registered"},
    "no_value": {"valueQuantity": {"unit": "umol/L"}},
    "censored_value": {"valueQuantity": quantity(5, "umol/L", comparator="<=")},
    "unit_not_accepted": {"valueQuantity": quantity(62, "mmol/L")},
    "no_date": {"effectiveDateTime": None},
    "dated_after_today": {"effectiveDateTime": "2027-01-01"},
}
PAIRS: Final = [
    (SKIP_CODES[i], SKIP_CODES[j])
    for i in range(len(SKIP_CODES) - 1)
    for j in range(i + 1, len(SKIP_CODES) - 1)
    # one valueQuantity cannot both lack a value and be censored or in another unit
    if {SKIP_CODES[i], SKIP_CODES[j]} & {"no_value"} == set()
    or {SKIP_CODES[i], SKIP_CODES[j]} & {"censored_value", "unit_not_accepted"} == set()
]


def _with(*codes: str) -> dict[str, Any]:
    obs = observation(id="obs-x")
    for code in reversed(codes):  # the earlier code's cause wins where two touch the same element
        for key, value in CAUSES[code].items():
            if value is None:
                obs.pop(key, None)
            else:
                obs[key] = value
    return obs


def test_the_codes_are_the_spec_s_in_its_order() -> None:
    assert SKIP_CODES == (
        "not_a_screening_test",
        "ambiguous_code",
        "not_final",
        "no_value",
        "censored_value",
        "unit_not_accepted",
        "no_date",
        "dated_after_today",
        "duplicate",
    )


@pytest.mark.parametrize("code", list(SKIPPED))
def test_each_code_alone(code: str) -> None:
    assert skip_code(SKIPPED[code]) == code


@pytest.mark.parametrize("code", list(CAUSES))
def test_each_cause_alone(code: str) -> None:
    assert skip_code(_with(code)) == code


@pytest.mark.parametrize(("first", "second"), PAIRS)
def test_the_earlier_code_wins_when_two_apply(first: str, second: str) -> None:
    assert skip_code(_with(first, second)) == first


@pytest.mark.parametrize("code", ["dated_after_today", "no_date", "unit_not_accepted", "not_final"])
def test_an_earlier_code_wins_over_duplicate(code: str) -> None:
    """The same Observation twice: the second is a duplicate only when it would be proposed."""
    result = output(bundle(observation(id="obs-1"), _with(code) | {"id": "obs-1"}))

    assert [s["code"] for s in result["skipped"]] == [code]


def test_skipped_lists_every_other_observation_in_input_order() -> None:
    # FHIR ids have no underscore.
    result = output(
        bundle(*(obs | {"id": code.replace("_", "-")} for code, obs in SKIPPED.items()), observation(id="kept"))
    )

    assert [(s["observation"], s["code"]) for s in result["skipped"]] == [(c.replace("_", "-"), c) for c in SKIPPED]
    assert [p["source"]["observation"] for p in result["proposed"]] == ["kept"]


@pytest.mark.parametrize(
    ("obs", "reason"),
    [
        (observation(status="preliminary"), "status preliminary: not yet a final result"),
        (observation(status="registered"), "status registered: not yet a final result"),
        (observation(status="cancelled"), "status cancelled: not a result"),
        (observation(status="entered-in-error"), "status entered-in-error: not a result"),
        (observation(status="unknown"), "status unknown: not a result"),
        (observation(loinc="2951-2"), "LOINC 2951-2: not a screening test"),
        (
            observation(code={"coding": [{"system": "http://snomed.info/sct", "code": "70901006"}]}),
            "no LOINC code: not a screening test",
        ),
        (
            observation(loinc=["718-7", "2160-0"]),
            "LOINC codes of different tests: 718-7 (hemoglobin), 2160-0 (creatinine)",
        ),
        (
            observation(value=None, dataAbsentReason={"text": "haemolysed sample"}),
            "no value (data absent: haemolysed sample)",
        ),
        (observation(value=None, valueCodeableConcept={"text": "positive"}), "no numeric value (valueCodeableConcept)"),
        (observation(value=None), "no value"),
        (observation(value=quantity(None)), "valueQuantity has no value"),
        (observation(value=quantity(5, comparator="<")), "censored value < 5: not a number the rules can compare"),
        (
            observation(value=quantity(5, "mmol/L")),
            "UCUM code mmol/L is not accepted for creatinine; accepted: umol/L, mg/dL",
        ),
        (
            observation(value=printed(62, "umol/L")),
            "printed unit umol/L is not accepted for creatinine; accepted: µmol/L",
        ),
        (observation(when=None), "no effectiveDateTime or effectivePeriod.start"),
        (observation(when="2026-03"), "date 2026-03 has no day"),
        (observation(when="2026-11-26"), "dated 2026-11-26, after today (2026-11-25)"),
    ],
)
def test_reasons_name_what_was_found(obs: dict[str, Any], reason: str) -> None:
    [skipped] = output(obs)["skipped"]

    assert skipped["reason"] == reason


def test_codings_of_one_test_are_not_ambiguous_and_the_first_is_the_source() -> None:
    obs = observation(loinc=["2951-2", "14682-9", "2160-0"])  # sodium is not in the table

    [row] = output(obs)["proposed"]

    assert (row["test"], row["source"]["loinc"]) == ("creatinine", "14682-9")


def test_only_loinc_codings_count() -> None:
    obs = observation(code={"coding": [{"system": "http://example.org/local", "code": "14682-9"}]})

    assert skip_code(obs) == "not_a_screening_test"


@pytest.mark.parametrize("status", ["final", "amended", "corrected"])
def test_final_amended_and_corrected_results_are_proposed(status: str) -> None:
    assert skip_code(observation(status=status)) is None


@pytest.mark.parametrize("comparator", ["<", "<=", ">=", ">"])
def test_every_comparator_is_censored(comparator: str) -> None:
    assert skip_code(observation(value=quantity(5, comparator=comparator))) == "censored_value"


def test_an_observation_without_id_is_named_by_its_pointer() -> None:
    result = output(
        bundle(observation(id="a"), observation(id=None, status="preliminary"), observation(id=None, when="2026-03-06"))
    )

    assert result["skipped"][0]["observation"] == "/entry/1/resource"
    assert result["proposed"][1]["source"]["observation"] == "/entry/2/resource"


def test_resources_other_than_observations_and_patients_are_ignored() -> None:
    encounter = {
        "resourceType": "Encounter",
        "id": "e1",
        "status": "finished",
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
    }
    report = {
        "resourceType": "DiagnosticReport",
        "id": "r1",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "24323-8"}]},
    }

    result = output(bundle(encounter, observation(), report))

    assert [p["source"]["observation"] for p in result["proposed"]] == ["obs-1"]
    assert result["skipped"] == []
