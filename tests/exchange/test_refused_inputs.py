"""Refused inputs of `alter-screening/1` (exchange-format.md; criteria.md, "Plausibility").

Spec: "Unknown keys, wrong types, unknown enum values, impossible dates and implausible
values are refused with a clear message naming the field by its JSON Pointer path ...
The path is always the offending field's own ... Every error of a document is reported,
not only the first." Each test changes the spec's example in one place and asserts the
path of the one error (and a key word of its message); every accepted neighbour of a
refused value is asserted accepted, so both sides of each edge are pinned.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from screening.exchange import DEFAULT_SITE_CODES
from tests.exchange.conftest import (
    ABSENT,
    ALL_DATES,
    OBSERVATION_DATES,
    TODAY,
    A,
    R,
    error_paths,
    errors_of,
    example,
    example_with,
    lab_index,
    only_error,
    outcome_of,
    parsed,
    with_lab,
)

# --- required keys and format --------------------------------------------------------


@pytest.mark.parametrize("key", ["format", "site", "assessment_date"])
def test_required_key_absent_refused_at_its_path(key: str) -> None:
    error = only_error(example_with({f"/{key}": ABSENT}))
    assert error.path == f"/{key}"
    assert "required" in error.message


def test_all_three_required_keys_absent_each_reported() -> None:
    doc = example_with({"/format": ABSENT, "/site": ABSENT, "/assessment_date": ABSENT})
    assert error_paths(doc) == {"/format", "/site", "/assessment_date"}


@pytest.mark.parametrize("key", ["format", "site", "assessment_date"])
def test_required_key_null_refused_at_its_path(key: str) -> None:
    assert only_error(example_with({f"/{key}": None})).path == f"/{key}"


def test_only_required_keys_accepted() -> None:
    # Spec: "Only format, site and assessment_date are required."
    doc = parsed({"format": "alter-screening/1", "site": "IPC", "assessment_date": A})
    assert doc.labs is None
    assert doc.patient is None


@pytest.mark.parametrize(
    "value", ["alter-screening/2", "alter-screening", "ALTER-SCREENING/1", "alter-screening-result/1"]
)
def test_wrong_format_value_refused_at_format(value: str) -> None:
    error = only_error(example_with({"/format": value}))
    assert error.path == "/format"
    assert "alter-screening/1" in error.message


# --- unknown keys ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pointer", "key_path"),
    [
        ("/age", "/age"),
        ("/patient/age", "/patient/age"),
        ("/labs/0/foo", "/labs/0/foo"),
        ("/labs/7/comment", "/labs/7/comment"),
        ("/disease/brain_metastases/size_mm", "/disease/brain_metastases/size_mm"),
        ("/tumour_samples/0/ki67", "/tumour_samples/0/ki67"),
        ("/reproductive/pregnancy_tests/0/hcg", "/reproductive/pregnancy_tests/0/hcg"),
        ("/judgment/investigator", "/judgment/investigator"),
        ("/lvef/value", "/lvef/value"),
        # RFC 6901: "/" in a key is written ~1, "~" is written ~0.
        ("/labs/0/unit~1ratio", "/labs/0/unit~1ratio"),
        ("/patient/a~0b", "/patient/a~0b"),
    ],
)
def test_unknown_key_refused_at_the_key_path(pointer: str, key_path: str) -> None:
    error = only_error(example_with({pointer: 1}))
    assert error.path == key_path
    assert "unknown" in error.message


def test_unknown_key_with_null_value_still_refused() -> None:
    assert only_error(example_with({"/patient/age": None})).path == "/patient/age"


# --- wrong types -----------------------------------------------------------------------

WRONG_TYPES = [
    # pointer, value, key word of the message
    # a string where a number is required
    ("/patient/weight_kg", "63.5", "number"),
    ("/labs/0/value", "11.2", "number"),
    ("/labs/3/uln", "21", "number"),
    ("/ecog", "1", "number"),
    ("/lvef/percent", "61", "number"),
    ("/tumour_samples/0/er_percent", "0", "number"),
    ("/reproductive/amenorrhea_months", "0", "number"),
    # JSON true/false is NOT a number
    ("/ecog", True, "number"),
    ("/ecog", False, "number"),
    ("/labs/0/value", True, "number"),
    ("/labs/4/uln", True, "number"),
    ("/patient/weight_kg", False, "number"),
    ("/lvef/percent", True, "number"),
    ("/tumour_samples/0/pr_percent", False, "number"),
    ("/reproductive/amenorrhea_months", True, "number"),
    # a number (or a string) where true/false is required
    ("/consent/signed", 1, "true"),
    ("/consent/signed", 0, "true"),
    ("/gilbert_syndrome", "false", "true"),
    ("/disease/histologically_confirmed", "yes", "true"),
    ("/judgment/eligible_for_sg_and_tdxd", 1, "true"),
    ("/reproductive/pregnant", 0, "true"),
    # a number where an enumerated string is required
    ("/patient/sex", 1, "female"),
    ("/tumour_samples/0/her2_ihc", 0, "ultralow"),
    ("/tumour_samples/0/her2_ihc", 1, "1+"),
    ("/disease/extent", 4, "metastatic"),
    ("/labs/0/test", 1, "hemoglobin"),
    # other JSON kinds
    ("/screening_id", 7, "string"),
    ("/site", 1, "string"),
    ("/labs/0/unit", 10, "string"),
    ("/patient/initials", ["M", "D"], "string"),
    ("/patient", "MD", "object"),
    ("/disease/brain_metastases", False, "object"),
    ("/labs", {"test": "hemoglobin"}, "list"),
    ("/prior_therapy/drugs", "paclitaxel", "list"),
    ("/prior_therapy/drugs/0", 5, "string"),
    ("/lvef/date", 20260303, "date"),
]


@pytest.mark.parametrize(("pointer", "value", "word"), WRONG_TYPES)
def test_wrong_type_refused_at_its_path(pointer: str, value: Any, word: str) -> None:
    error = only_error(example_with({pointer: value}))
    assert error.path == pointer
    assert word in error.message


# --- enumerations ----------------------------------------------------------------------

ENUMS = {
    "/patient/sex": ["female", "male"],
    "/disease/extent": ["metastatic", "locally_advanced_unresectable", "locally_advanced_resectable", "early"],
    "/tumour_samples/0/site": ["primary", "metastatic"],
    "/tumour_samples/0/laterality": ["left", "right"],
    "/tumour_samples/0/her2_ihc": ["0", "ultralow", "1+", "2+", "3+"],
    "/tumour_samples/0/her2_ish": ["negative", "positive", "equivocal", "not_done"],
    "/lvef/method": ["echocardiogram", "muga"],
    "/reproductive/pregnancy_tests/0/result": ["negative", "positive"],
    "/reproductive/pregnancy_tests/0/type": ["serum", "urine"],
}

UNKNOWN_ENUM_VALUES = [
    ("/patient/sex", "Female"),
    ("/patient/sex", "F"),
    ("/patient/sex", "other"),
    ("/disease/extent", "advanced"),
    ("/disease/extent", "locally advanced unresectable"),
    ("/tumour_samples/0/site", "lymph_node"),
    ("/tumour_samples/0/laterality", "bilateral"),
    ("/tumour_samples/0/laterality", "Left"),
    ("/tumour_samples/0/her2_ihc", "1"),
    ("/tumour_samples/0/her2_ihc", "low"),
    ("/tumour_samples/0/her2_ihc", "ULTRALOW"),
    ("/tumour_samples/0/her2_ihc", ""),
    ("/tumour_samples/0/her2_ish", "not done"),
    ("/tumour_samples/0/her2_ish", "amplified"),
    ("/lvef/method", "mri"),
    ("/lvef/method", "MUGA"),
    ("/reproductive/pregnancy_tests/0/result", "pending"),
    ("/reproductive/pregnancy_tests/0/type", "blood"),
]


@pytest.mark.parametrize(("pointer", "value"), UNKNOWN_ENUM_VALUES)
def test_unknown_enum_value_refused_naming_the_allowed_values(pointer: str, value: str) -> None:
    error = only_error(example_with({pointer: value}))
    assert error.path == pointer
    assert all(allowed in error.message for allowed in ENUMS[pointer])


@pytest.mark.parametrize(
    ("pointer", "value"), [(pointer, value) for pointer, values in ENUMS.items() for value in values]
)
def test_every_enum_value_of_the_spec_accepted(pointer: str, value: str) -> None:
    parsed(example_with({pointer: value}))


@pytest.mark.parametrize("test", ["ldh", "Hemoglobin", "bilirubin", "creatinine_clearance"])
def test_unknown_lab_test_refused_at_test(test: str) -> None:
    error = only_error(with_lab("hemoglobin", {"test": test}))
    assert error.path == f"/labs/{lab_index('hemoglobin')}/test"
    assert "hemoglobin" in error.message


# --- site ------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["XYZ", "", "Paoli-Calmettes"])
def test_unknown_site_code_refused_at_site(code: str) -> None:
    error = only_error(example_with({"/site": code}))
    assert error.path == "/site"
    assert "site" in error.message


@pytest.mark.parametrize("code", ["IPC", "IGR"])
def test_initial_site_codes_accepted(code: str) -> None:
    assert code in DEFAULT_SITE_CODES
    # Limits: the screening_id is the site's own code, '-', then digits.
    assert parsed(example_with({"/site": code, "/screening_id": f"{code}-0007"})).site == code


def test_site_known_to_the_application_accepted_and_unknown_one_refused() -> None:
    # The application passes its own list of sites (its Site table).
    doc = example_with({"/site": "CLB", "/screening_id": "CLB-0007"})
    assert parsed(doc, known_sites={"IPC", "CLB"}).site == "CLB"
    assert only_error(example_with({"/site": "IGR"}), known_sites={"IPC", "CLB"}).path == "/site"


# --- impossible and malformed dates ----------------------------------------------------


@pytest.mark.parametrize("pointer", ALL_DATES)
def test_impossible_date_2026_02_30_refused_at_its_path(pointer: str) -> None:
    error = only_error(example_with({pointer: "2026-02-30"}))
    assert error.path == pointer
    assert "2026-02-30" in error.message


@pytest.mark.parametrize("value", ["2025-02-29", "2026-04-31", "2026-13-01", "2026-00-10", "2026-03-00", "2026-03-32"])
def test_impossible_date_refused(value: str) -> None:
    assert only_error(example_with({"/lvef/date": value})).path == "/lvef/date"


def test_29_february_of_a_leap_year_accepted() -> None:
    assert str(parsed(example_with({"/patient/date_of_birth": "1980-02-29"})).patient.date_of_birth) == "1980-02-29"


@pytest.mark.parametrize(
    "value",
    [
        "2026-3-5",
        "2026-03-5",
        "05/03/2026",
        "05-03-2026",
        "2026/03/05",
        "20260305",
        "2026-03-05T10:00:00",
        "2026-03-05T10:00:00Z",
        "2026-03-05T10:00:00+01:00",
        "2026-03-05 10:00",
        " 2026-03-05",
        "2026-03-05 ",
        "2026-W10-4",
        "2026-064",
        "5 March 2026",
        "",
    ],
)
def test_malformed_date_refused(value: str) -> None:
    error = only_error(example_with({"/labs/0/date": value}))
    assert error.path == "/labs/0/date"
    assert "YYYY-MM-DD" in error.message or "date" in error.message


@pytest.mark.parametrize("pointer", ["/assessment_date", "/patient/date_of_birth", "/consent/date"])
def test_datetime_string_refused_for_a_date(pointer: str) -> None:
    assert only_error(example_with({pointer: "2026-03-02T09:30:00"})).path == pointer


# --- dates that are refused ------------------------------------------------------------
# Spec: "an observation dated after today: labs, tumour samples, LVEF, consent, pregnancy
# tests, support dates, brain-metastasis treatment, other_trial.last_date (the assessment
# and planned randomization dates may lie in the future); any of those dated after R".

# Assessment and randomization in the future, so that "after today" is the only thing wrong.
FUTURE_VISIT = {"/assessment_date": "2026-12-01", "/planned_randomization_date": "2026-12-10"}


def test_assessment_and_randomization_in_the_future_accepted() -> None:
    doc = parsed(example_with(FUTURE_VISIT))
    assert str(doc.assessment_date) == "2026-12-01"
    assert str(doc.planned_randomization_date) == "2026-12-10"


def test_assessment_in_the_future_without_randomization_date_accepted() -> None:
    parsed(example_with({"/assessment_date": "2027-01-04", "/planned_randomization_date": ABSENT}))


@pytest.mark.parametrize("pointer", OBSERVATION_DATES)
def test_observation_dated_after_today_refused(pointer: str) -> None:
    error = only_error(example_with({**FUTURE_VISIT, pointer: "2026-11-26"}))
    assert error.path == pointer
    assert "today" in error.message


@pytest.mark.parametrize("pointer", OBSERVATION_DATES)
def test_observation_dated_today_accepted(pointer: str) -> None:
    parsed(example_with({**FUTURE_VISIT, pointer: TODAY.isoformat()}))


@pytest.mark.parametrize("pointer", OBSERVATION_DATES)
def test_observation_dated_after_reference_date_refused(pointer: str) -> None:
    error = only_error(example_with({pointer: "2026-03-13"}))  # R = 2026-03-12
    assert error.path == pointer
    assert "reference" in error.message or "randomization" in error.message


@pytest.mark.parametrize("pointer", OBSERVATION_DATES)
def test_observation_dated_on_reference_date_accepted(pointer: str) -> None:
    parsed(example_with({pointer: R}))


@pytest.mark.parametrize("pointer", OBSERVATION_DATES)
def test_observation_after_assessment_date_refused_when_no_randomization_date(pointer: str) -> None:
    # Without planned_randomization_date, R = A = 2026-03-10.
    error = only_error(example_with({"/planned_randomization_date": ABSENT, pointer: "2026-03-11"}))
    assert error.path == pointer


@pytest.mark.parametrize("pointer", OBSERVATION_DATES)
def test_observation_after_today_and_after_reference_date_reported_at_its_path(pointer: str) -> None:
    assert error_paths(example_with({pointer: "2026-12-01"})) == {pointer}


def test_second_lab_dated_after_reference_date_refused_at_its_index() -> None:
    doc = example()
    doc["labs"].append({"test": "hemoglobin", "value": 10.9, "unit": "g/dL", "date": "2026-03-13"})
    error = only_error(doc)
    assert error.path == f"/labs/{len(doc['labs']) - 1}/date"


@pytest.mark.parametrize("list_pointer", ["/labs", "/tumour_samples", "/reproductive/pregnancy_tests"])
def test_every_item_of_a_list_dated_after_reference_date_named_by_its_index(list_pointer: str) -> None:
    doc = example()
    items = doc
    for key in list_pointer.strip("/").split("/"):
        items = items[key]
    items.append(dict(items[0], date="2026-03-14"))
    items[0]["date"] = "2026-03-13"
    assert error_paths(doc) == {f"{list_pointer}/0/date", f"{list_pointer}/{len(items) - 1}/date"}


@pytest.mark.criterion("INC-01")
def test_consent_after_assessment_but_not_after_reference_date_accepted_and_fails_inc_01() -> None:
    # A < consent <= R: not an input error (only "after R" is refused), a screen failure.
    doc = example_with({"/consent/date": "2026-03-11"})
    assert outcome_of(doc, "INC-01").outcome == "fail"


def test_planned_randomization_before_assessment_refused_at_planned_randomization_date() -> None:
    error = only_error(example_with({"/planned_randomization_date": "2026-03-09"}))
    assert error.path == "/planned_randomization_date"
    assert "before" in error.message


def test_planned_randomization_before_assessment_only_that_date_order_error() -> None:
    # R = 2026-03-01: the example's labs (03-05), LVEF (03-03), consent (03-02) and
    # pregnancy test (03-09) all lie after it, yet only the date-order error is reported.
    doc = example_with({"/planned_randomization_date": "2026-03-01"})
    assert [e.path for e in errors_of(doc)] == ["/planned_randomization_date"]


def test_planned_randomization_before_assessment_other_checks_still_apply() -> None:
    doc = example_with(
        {
            "/planned_randomization_date": "2026-03-01",
            "/labs/1/date": "2026-11-26",  # after today
            f"/labs/{lab_index('creatinine')}/unit": "mg/dl",
            "/ecog": 5,
            "/patient/date_of_birth": "2026-03-11",  # after the assessment date
        }
    )
    assert error_paths(doc) == {
        "/planned_randomization_date",
        "/labs/1/date",
        f"/labs/{lab_index('creatinine')}/unit",
        "/ecog",
        "/patient/date_of_birth",
    }


def test_planned_randomization_on_assessment_date_accepted() -> None:
    doc = example_with({"/planned_randomization_date": A, "/reproductive/pregnancy_tests/0/date": A})
    assert str(parsed(doc).planned_randomization_date) == A


def test_date_of_birth_after_assessment_date_refused() -> None:
    error = only_error(example_with({"/patient/date_of_birth": "2026-03-11"}))
    assert error.path == "/patient/date_of_birth"
    assert "assessment" in error.message


def test_date_of_birth_after_today_refused() -> None:
    error = only_error(example_with({**FUTURE_VISIT, "/patient/date_of_birth": "2026-11-26"}))
    assert error.path == "/patient/date_of_birth"
    assert "today" in error.message


def test_date_of_birth_on_assessment_date_accepted() -> None:
    parsed(example_with({"/patient/date_of_birth": A}))


# --- lab entries -----------------------------------------------------------------------


@pytest.mark.parametrize("key", ["test", "value", "unit", "date"])
@pytest.mark.parametrize("how", [ABSENT, None], ids=["absent", "null"])
def test_lab_entry_without_required_key_refused_at_the_key(key: str, how: Any) -> None:
    error = only_error(with_lab("hemoglobin", {key: how}))
    assert error.path == f"/labs/{lab_index('hemoglobin')}/{key}"
    assert key in error.message


def test_empty_lab_entry_reports_each_missing_key() -> None:
    doc = example_with({"/labs/-": {}})
    n = len(doc["labs"]) - 1
    assert error_paths(doc) == {f"/labs/{n}/test", f"/labs/{n}/value", f"/labs/{n}/unit", f"/labs/{n}/date"}


@pytest.mark.parametrize("test", ["total_bilirubin", "alt", "ast"])
@pytest.mark.parametrize("how", [ABSENT, None], ids=["absent", "null"])
def test_uln_missing_refused_at_uln(test: str, how: Any) -> None:
    error = only_error(with_lab(test, {"uln": how}))
    assert error.path == f"/labs/{lab_index(test)}/uln"
    assert "ULN" in error.message


@pytest.mark.parametrize("test", ["hemoglobin", "anc", "platelets", "creatinine", "albumin"])
def test_uln_not_required_for_other_tests(test: str) -> None:
    assert "uln" not in example()["labs"][lab_index(test)]
    parsed(with_lab(test, {"uln": None}))


@pytest.mark.parametrize("test", ["hemoglobin", "creatinine", "total_bilirubin", "alt", "ast"])
def test_uln_may_be_given_for_any_test(test: str) -> None:
    uln = {"hemoglobin": 16, "creatinine": 100, "total_bilirubin": 21, "alt": 40, "ast": 40}[test]
    parsed(with_lab(test, {"uln": uln}))


@pytest.mark.parametrize("test", ["hemoglobin", "creatinine", "total_bilirubin", "alt", "ast"])
@pytest.mark.parametrize("uln", [0, 0.0, -1, -40])
def test_uln_zero_or_negative_refused_at_uln(test: str, uln: float) -> None:
    error = only_error(with_lab(test, {"uln": uln}))
    assert error.path == f"/labs/{lab_index(test)}/uln"
    assert "0" in error.message


def test_uln_above_zero_but_implausible_refused_at_uln() -> None:
    # Limits: "a lab's uln within the plausibility range of that test's value" (ALT: 1 - 1000 U/L).
    error = only_error(with_lab("alt", {"value": 0.001, "uln": 0.001}))
    assert error.path == f"/labs/{lab_index('alt')}/uln"
    assert "implausible" in error.message


# --- units (the full accepted/refused matrix is in test_units.py) ---------------------


def test_creatinine_mg_dl_lowercase_refused_names_mg_dL() -> None:  # noqa: N802 - the unit is mg/dL
    error = only_error(with_lab("creatinine", {"value": 0.77, "unit": "mg/dl"}))
    assert error.path == f"/labs/{lab_index('creatinine')}/unit"
    assert "mg/dL" in error.message


def test_anc_g_per_litre_refused_grams_are_not_giga_cells() -> None:
    error = only_error(with_lab("anc", {"unit": "g/L"}))
    assert error.path == f"/labs/{lab_index('anc')}/unit"
    assert "G/L" in error.message


def test_anc_giga_per_litre_accepted() -> None:
    doc = parsed(with_lab("anc", {"unit": "G/L"}))
    assert doc.labs is not None
    assert doc.labs[lab_index("anc")].unit == "G/L"


# --- plausibility ----------------------------------------------------------------------
# criteria.md, "Plausibility (bad input)": both sides of every edge of the table.

LAB_PLAUSIBILITY = [
    # test, value, unit, uln, accepted
    ("hemoglobin", 2, "g/dL", None, True),
    ("hemoglobin", 1.99, "g/dL", None, False),
    ("hemoglobin", 25, "g/dL", None, True),
    ("hemoglobin", 25.01, "g/dL", None, False),
    ("anc", 0, "/mm3", None, True),
    ("anc", -1, "/mm3", None, False),
    ("anc", 100_000, "/mm3", None, True),
    ("anc", 100_001, "/mm3", None, False),
    ("platelets", 1_000, "/mm3", None, True),
    ("platelets", 999, "/mm3", None, False),
    ("platelets", 2_000_000, "/mm3", None, True),
    ("platelets", 2_000_001, "/mm3", None, False),
    ("creatinine", 0.1, "mg/dL", None, True),
    ("creatinine", 0.09, "mg/dL", None, False),
    ("creatinine", 20, "mg/dL", None, True),
    ("creatinine", 20.01, "mg/dL", None, False),
    ("albumin", 0.5, "g/dL", None, True),
    ("albumin", 0.49, "g/dL", None, False),
    ("albumin", 7, "g/dL", None, True),
    ("albumin", 7.01, "g/dL", None, False),
    ("total_bilirubin", 0, "umol/L", 21, True),
    ("total_bilirubin", -0.1, "umol/L", 21, False),
    ("total_bilirubin", 2100, "umol/L", 21, True),  # 100 × ULN
    ("total_bilirubin", 2100.1, "umol/L", 21, False),
    ("total_bilirubin", 120, "mg/dL", 1.2, True),
    ("total_bilirubin", 120.01, "mg/dL", 1.2, False),
    ("alt", 0, "U/L", 40, True),
    ("alt", -1, "U/L", 40, False),
    ("alt", 4000, "U/L", 40, True),
    ("alt", 4000.1, "U/L", 40, False),
    ("ast", 0, "IU/L", 40, True),
    ("ast", -1, "IU/L", 40, False),
    ("ast", 4000, "IU/L", 40, True),
    ("ast", 4001, "IU/L", 40, False),
]


@pytest.mark.parametrize(("test", "value", "unit", "uln", "accepted"), LAB_PLAUSIBILITY)
def test_lab_plausible_range_edges(test: str, value: float, unit: str, uln: float | None, accepted: bool) -> None:
    doc = with_lab(test, {"value": value, "unit": unit, "uln": ABSENT if uln is None else uln})
    if accepted:
        parsed(doc)
    else:
        error = only_error(doc)
        assert error.path == f"/labs/{lab_index(test)}/value"
        assert "implausible" in error.message


LAB_PLAUSIBILITY_OTHER_UNITS = [
    # edges in a unit other than the canonical one
    ("hemoglobin", 20, "g/L", True),
    ("hemoglobin", 19.9, "g/L", False),
    ("hemoglobin", 250, "g/L", True),
    ("hemoglobin", 250.1, "g/L", False),
    ("platelets", 1, "G/L", True),
    ("platelets", 0.999, "G/L", False),
    ("platelets", 2000, "10^9/L", True),
    ("platelets", 2000.01, "10^9/L", False),
    ("anc", 100, "G/L", True),
    ("anc", 100.01, "G/L", False),
    ("creatinine", 8.84, "umol/L", True),  # 0.1 mg/dL
    ("creatinine", 8.83, "umol/L", False),
    ("creatinine", 1768, "µmol/L", True),  # 20 mg/dL
    ("creatinine", 1768.1, "µmol/L", False),
    ("albumin", 5, "g/L", True),
    ("albumin", 4.9, "g/L", False),
    ("albumin", 70, "g/L", True),
    ("albumin", 70.1, "g/L", False),
]


@pytest.mark.parametrize(("test", "value", "unit", "accepted"), LAB_PLAUSIBILITY_OTHER_UNITS)
def test_lab_plausible_range_edges_in_other_units(test: str, value: float, unit: str, accepted: bool) -> None:
    doc = with_lab(test, {"value": value, "unit": unit})
    if accepted:
        parsed(doc)
    else:
        assert only_error(doc).path == f"/labs/{lab_index(test)}/value"


FIELD_PLAUSIBILITY = [
    # pointer, value, accepted
    ("/patient/weight_kg", 25, True),
    ("/patient/weight_kg", 24.9, False),
    ("/patient/weight_kg", 300, True),
    ("/patient/weight_kg", 300.1, False),
    ("/patient/weight_kg", 0, False),
    ("/ecog", 0, True),
    ("/ecog", -1, False),
    ("/ecog", 4, True),
    ("/ecog", 5, False),  # 5 = dead
    ("/ecog", 1.0, True),
    ("/ecog", 1.5, False),
    ("/ecog", 0.5, False),
    ("/reproductive/amenorrhea_months", 0, True),
    ("/reproductive/amenorrhea_months", -1, False),
    ("/reproductive/amenorrhea_months", 600, True),
    ("/reproductive/amenorrhea_months", 601, False),
    ("/reproductive/amenorrhea_months", 12.0, True),
    ("/reproductive/amenorrhea_months", 12.5, False),
    ("/lvef/percent", 5, True),
    ("/lvef/percent", 4.9, False),
    ("/lvef/percent", 90, True),
    ("/lvef/percent", 90.1, False),
    ("/lvef/percent", 0.61, False),  # a fraction, not a percentage
    ("/tumour_samples/0/er_percent", 0, True),
    ("/tumour_samples/0/er_percent", -0.1, False),
    ("/tumour_samples/0/er_percent", 100, True),
    ("/tumour_samples/0/er_percent", 100.1, False),
    ("/tumour_samples/0/pr_percent", 0, True),
    ("/tumour_samples/0/pr_percent", -1, False),
    ("/tumour_samples/0/pr_percent", 100, True),
    ("/tumour_samples/0/pr_percent", 100.1, False),
]


@pytest.mark.parametrize(("pointer", "value", "accepted"), FIELD_PLAUSIBILITY)
def test_field_plausible_range_edges(pointer: str, value: float, accepted: bool) -> None:
    doc = example_with({pointer: value})
    if accepted:
        parsed(doc)
    else:
        assert only_error(doc).path == pointer


@pytest.mark.parametrize(
    ("pointer", "value"), [("/ecog", 1.0), ("/ecog", 4.0), ("/reproductive/amenorrhea_months", 12.0)]
)
def test_whole_number_written_with_decimal_point_accepted_as_integer(pointer: str, value: float) -> None:
    doc = parsed(example_with({pointer: value}))
    stored = doc.ecog if pointer == "/ecog" else doc.reproductive.amenorrhea_months
    assert stored == int(value)
    assert type(stored) is int


@pytest.mark.parametrize(("pointer", "value"), [("/ecog", 1.5), ("/reproductive/amenorrhea_months", 12.5)])
def test_fractional_number_where_integer_required_refused_as_not_whole(pointer: str, value: float) -> None:
    error = only_error(example_with({pointer: value}))
    assert error.path == pointer
    assert "whole" in error.message or "integer" in error.message


AGE_TABLE = [
    # date_of_birth, age on A = 2026-03-10, accepted
    ("1906-03-10", 120, True),
    ("1905-03-11", 120, True),  # 121st birthday the day after A
    ("1905-03-10", 121, False),
    ("1900-01-01", 126, False),
]


@pytest.mark.parametrize(("dob", "age", "accepted"), AGE_TABLE)
def test_age_at_assessment_plausible_up_to_120(dob: str, age: int, accepted: bool) -> None:
    doc = example_with({"/patient/date_of_birth": dob})
    if accepted:
        parsed(doc)
    else:
        error = only_error(doc)
        assert error.path == "/patient/date_of_birth"
        assert str(age) in error.message


# --- unit slips -------------------------------------------------------------------------
# criteria.md: "where a unit slip is likely, the unit that would make it plausible (e.g.
# creatinine 70 mg/dL -> "did you mean µmol/L?")"; the path stays the value's own.

UNIT_SLIPS = [
    # test,       value, unit entered, any of these units named
    ("creatinine", 70, "mg/dL", ("µmol/L", "umol/L", "μmol/L")),
    ("hemoglobin", 112, "g/dL", ("g/L",)),
    ("platelets", 231, "/mm3", ("10^9/L", "G/L")),
    ("anc", 2400, "10^9/L", ("/mm3", "/uL", "/µL")),
    ("albumin", 38, "g/dL", ("g/L",)),
]


@pytest.mark.parametrize(("test", "value", "unit", "hints"), UNIT_SLIPS)
def test_unit_slip_refused_at_value_naming_the_plausible_unit(
    test: str, value: float, unit: str, hints: tuple[str, ...]
) -> None:
    error = only_error(with_lab(test, {"value": value, "unit": unit}))
    assert error.path == f"/labs/{lab_index(test)}/value"
    assert any(hint in error.message.replace(f"{value} {unit}", "") for hint in hints), error.message


def test_creatinine_70_mg_dl_refused_at_value_did_you_mean_umol_l() -> None:
    error = only_error(with_lab("creatinine", {"value": 70, "unit": "mg/dL"}))
    assert error.path == f"/labs/{lab_index('creatinine')}/value"
    assert "µmol/L" in error.message or "umol/L" in error.message


# --- pregnancy tests, null items, documents that are not documents ---------------------


@pytest.mark.parametrize("key", ["result", "date"])
@pytest.mark.parametrize("how", [ABSENT, None], ids=["absent", "null"])
def test_pregnancy_test_without_result_or_date_refused_at_the_key(key: str, how: Any) -> None:
    error = only_error(example_with({f"/reproductive/pregnancy_tests/0/{key}": how}))
    assert error.path == f"/reproductive/pregnancy_tests/0/{key}"
    assert key in error.message


def test_pregnancy_test_without_type_accepted() -> None:
    parsed(example_with({"/reproductive/pregnancy_tests/0/type": ABSENT}))


def test_empty_pregnancy_test_reports_result_and_date() -> None:
    doc = example_with({"/reproductive/pregnancy_tests/-": {}})
    assert error_paths(doc) == {"/reproductive/pregnancy_tests/1/result", "/reproductive/pregnancy_tests/1/date"}


@pytest.mark.parametrize(
    "pointer", ["/labs/0", "/labs/7", "/tumour_samples/0", "/reproductive/pregnancy_tests/0", "/prior_therapy/drugs/1"]
)
def test_null_item_inside_a_list_refused_at_the_item(pointer: str) -> None:
    error = only_error(example_with({pointer: None}))
    assert error.path == pointer
    assert "null" in error.message


def test_null_item_appended_to_a_list_refused_at_its_index() -> None:
    doc = example_with({"/labs/-": None})
    assert only_error(doc).path == f"/labs/{len(doc['labs']) - 1}"


@pytest.mark.parametrize("pointer", ["/patient", "/labs", "/tumour_samples", "/disease/brain_metastases", "/ecog"])
def test_null_part_means_not_known_and_is_accepted(pointer: str) -> None:
    parsed(example_with({pointer: None}))


@pytest.mark.parametrize("text", ["[]", "[{}]", '"alter-screening/1"', "42", "null", "true"])
def test_non_object_document_refused_at_the_root(text: str) -> None:
    error = only_error(text.encode())
    assert error.path == ""
    assert "object" in error.message


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "{",
        '{"format": "alter-screening/1",}',
        "{'format': 'alter-screening/1'}",
        "\xff",
        # malformed after a part that is well-formed but already invalid (unknown key, wrong type)
        '{"a": 1} x',
        '{"format": "alter-screening/1", "bogus": 1,',
        '{"format": 1, "site": ',
        "[1] x",
    ],
    ids=[
        "empty",
        "blank",
        "unclosed",
        "trailing-comma",
        "single-quotes",
        "not-utf8",
        "trailing-garbage-after-unknown-key",
        "truncated-after-unknown-key",
        "truncated-after-wrong-type",
        "trailing-garbage-after-list",
    ],
)
def test_malformed_json_refused_at_the_root(text: str) -> None:
    raw = b"\xff" if text == "\xff" else text.encode()
    error = only_error(raw)
    assert error.path == ""
    assert "JSON" in error.message


def _with_number_literal(pointer: str, literal: str) -> bytes:
    """The example as JSON text with ``literal`` written verbatim at ``pointer``."""
    text = json.dumps(example_with({pointer: "@number@"}))
    return text.replace('"@number@"', literal).encode()


@pytest.mark.parametrize("pointer", ["/patient/weight_kg", "/ecog", "/labs/0/value", "/lvef/percent"])
@pytest.mark.parametrize("literal", ["1e999", "-1e999"])
def test_number_beyond_float_range_refused_at_its_path(pointer: str, literal: str) -> None:
    # Valid JSON (the grammar has no limit), but no plausible value: refused, not a crash.
    error = only_error(_with_number_literal(pointer, literal))
    assert error.path == pointer


def test_text_input_accepted_like_bytes() -> None:
    assert parsed(json.dumps(example())).screening_id == "IPC-0007"


# --- every error of a document ---------------------------------------------------------


def test_document_with_several_structural_and_value_errors_reports_all() -> None:
    creatinine = lab_index("creatinine")
    doc = example_with(
        {
            "/site": ABSENT,  # missing required key
            "/patient/age": 44,  # unknown key
            "/labs/0/foo": 1,  # unknown nested key
            "/consent/signed": "yes",  # wrong type
            "/ecog": True,  # a bool is not a number
            "/disease/extent": "advanced",  # unknown enum value
            "/lvef/date": "2026-02-30",  # impossible date
            "/tumour_samples/0/date": "05/11/2024",  # malformed date
            "/tumour_samples/-": None,  # null item
            f"/labs/{creatinine}/unit": "mg/dl",  # unit not accepted
            "/labs/1/date": "2026-03-13",  # after R
            "/labs/2/value": 231_000,  # implausible in 10^9/L
            "/labs/4/uln": ABSENT,  # ALT without ULN
            "/patient/weight_kg": 24,  # implausible
            "/reproductive/pregnancy_tests/0/result": ABSENT,  # pregnancy test without result
        }
    )
    assert error_paths(doc) == {
        "/site",
        "/patient/age",
        "/labs/0/foo",
        "/consent/signed",
        "/ecog",
        "/disease/extent",
        "/lvef/date",
        "/tumour_samples/0/date",
        "/tumour_samples/1",
        f"/labs/{creatinine}/unit",
        "/labs/1/date",
        "/labs/2/value",
        "/labs/4/uln",
        "/patient/weight_kg",
        "/reproductive/pregnancy_tests/0/result",
    }


def test_well_typed_document_with_several_value_errors_reports_all() -> None:
    doc = example_with(
        {
            "/site": "XYZ",
            "/ecog": 5,
            "/patient/weight_kg": 630,
            "/lvef/percent": 0.61,
            "/tumour_samples/0/er_percent": 101,
            "/reproductive/amenorrhea_months": 1.5,
            "/labs/0/value": 112,
            "/labs/3/uln": 0,
            "/labs/5/date": "2026-11-26",
            "/consent/date": "2026-03-13",
            "/patient/date_of_birth": "1900-01-01",
        }
    )
    assert error_paths(doc) == {
        "/site",
        "/ecog",
        "/patient/weight_kg",
        "/lvef/percent",
        "/tumour_samples/0/er_percent",
        "/reproductive/amenorrhea_months",
        "/labs/0/value",
        "/labs/3/uln",
        "/labs/5/date",
        "/consent/date",
        "/patient/date_of_birth",
    }


def test_missing_assessment_date_does_not_hide_other_errors() -> None:
    doc = example_with({"/assessment_date": ABSENT, "/ecog": 7, "/labs/0/unit": "g/dl"})
    assert error_paths(doc) == {"/assessment_date", "/ecog", "/labs/0/unit"}


def test_spec_example_accepted() -> None:
    doc = parsed(example())
    assert doc.screening_id == "IPC-0007"
    assert doc.assessment_date.isoformat() == A
