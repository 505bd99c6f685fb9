"""INC-07 labs: hemoglobin, ANC, platelets, bilirubin, ALT, AST, albumin; the result used
(latest dated <= R, ties: listed last; older than 28 days -> missing) and the support
window for transfusion and G-CSF (criteria.md, "Lab results used", "Derived: support window")."""

from __future__ import annotations

from typing import Any

import pytest

from tests.builders import (
    ABSENT,
    LAB_DATE,
    A,
    R,
    before,
    eligible_document,
    evaluate_dict,
    lab,
    mentions,
    outcome_of,
    with_labs,
)

MU = "\u03bc"  # Greek small letter mu
MICRO = "\u00b5"  # micro sign


def _with(test: str, *entries: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    return with_labs(eligible_document(**overrides), test, *entries)


# --- thresholds -----------------------------------------------------------------------

HEMOGLOBIN_TABLE = [
    # value, unit, expected, named in the reason
    (9, "g/dL", "pass", "9 g/dL"),
    (9.0, "g/dL", "pass", "9 g/dL"),
    (8.9, "g/dL", "fail", "8.9 g/dL"),
    (11.2, "g/dL", "pass", "11.2 g/dL"),
    (2, "g/dL", "fail", "2 g/dL"),
    (90, "g/L", "pass", "90 g/L"),
    (89, "g/L", "fail", "89 g/L"),
    (89.9, "g/L", "fail", "89.9 g/L"),
    (5.5854, "mmol/L", "pass", "5.5854 mmol/L"),  # 9 g/dL exactly in decimal arithmetic
    (5.585, "mmol/L", "fail", "5.585 mmol/L"),
]


@pytest.mark.criterion("INC-07-HB")
@pytest.mark.parametrize(("value", "unit", "expected", "named"), HEMOGLOBIN_TABLE)
def test_hemoglobin_decision_table(value: float, unit: str, expected: str, named: str) -> None:
    o = outcome_of(_with("hemoglobin", lab("hemoglobin", value, unit, LAB_DATE)), "INC-07-HB")
    assert o.outcome == expected
    assert mentions(o.reason, named)
    assert o.reason.endswith(" 9"), "the reason names the 9 g/dL threshold"


@pytest.mark.criterion("INC-07-HB")
def test_hemoglobin_at_9_pass() -> None:
    assert outcome_of(_with("hemoglobin", lab("hemoglobin", 9, "g/dL", LAB_DATE)), "INC-07-HB").outcome == "pass"


@pytest.mark.criterion("INC-07-HB")
def test_hemoglobin_at_8_9_fail() -> None:
    assert outcome_of(_with("hemoglobin", lab("hemoglobin", 8.9, "g/dL", LAB_DATE)), "INC-07-HB").outcome == "fail"


ANC_TABLE = [
    (1500, "/mm3", "pass", "1,500 /mm"),
    (1499, "/mm3", "fail", "1,499 /mm"),
    (0, "/mm3", "fail", "0 /mm"),  # 0 is a value, not "not answered"
    (1500, "/uL", "pass", "1,500 /mm"),
    (1499, "/uL", "fail", "1,499 /mm"),
    (1500, f"/{MICRO}L", "pass", "1,500 /mm"),
    (1499, f"/{MU}L", "fail", "1,499 /mm"),
    (1500, f"/{MU}L", "pass", "1,500 /mm"),
    (1.5, "10^9/L", "pass", "1.5 10^9/L"),
    (1.499, "10^9/L", "fail", "1.499 10^9/L"),
    (1.5, "G/L", "pass", "1.5 G/L"),
    (1.499, "G/L", "fail", "1.499 G/L"),
    (2.4, "10^9/L", "pass", "2,400 /mm"),
]


@pytest.mark.criterion("INC-07-ANC")
@pytest.mark.parametrize(("value", "unit", "expected", "named"), ANC_TABLE)
def test_anc_decision_table(value: float, unit: str, expected: str, named: str) -> None:
    o = outcome_of(_with("anc", lab("anc", value, unit, LAB_DATE)), "INC-07-ANC")
    assert o.outcome == expected
    assert mentions(o.reason, named, "1,500")


@pytest.mark.criterion("INC-07-ANC")
def test_anc_at_1500_pass() -> None:
    assert outcome_of(_with("anc", lab("anc", 1500, "/mm3", LAB_DATE)), "INC-07-ANC").outcome == "pass"


@pytest.mark.criterion("INC-07-ANC")
def test_anc_at_1499_fail() -> None:
    assert outcome_of(_with("anc", lab("anc", 1499, "/mm3", LAB_DATE)), "INC-07-ANC").outcome == "fail"


PLATELETS_TABLE = [
    (100_000, "/mm3", "pass", "100,000 /mm"),
    (99_999, "/mm3", "fail", "99,999 /mm"),
    (100_000, "/uL", "pass", "100,000 /mm"),
    (99_999, f"/{MICRO}L", "fail", "99,999 /mm"),
    (100_000, f"/{MU}L", "pass", "100,000 /mm"),
    (100, "10^9/L", "pass", "100 10^9/L"),
    (99.999, "10^9/L", "fail", "99.999 10^9/L"),
    (100, "G/L", "pass", "100 G/L"),
    (99.999, "G/L", "fail", "99.999 G/L"),
    (99, "G/L", "fail", "99,000 /mm"),
    (231, "10^9/L", "pass", "231,000 /mm"),
]


@pytest.mark.criterion("INC-07-PLT")
@pytest.mark.parametrize(("value", "unit", "expected", "named"), PLATELETS_TABLE)
def test_platelets_decision_table(value: float, unit: str, expected: str, named: str) -> None:
    o = outcome_of(_with("platelets", lab("platelets", value, unit, LAB_DATE)), "INC-07-PLT")
    assert o.outcome == expected
    assert mentions(o.reason, named, "100,000")


@pytest.mark.criterion("INC-07-PLT")
def test_platelets_at_100000_pass() -> None:
    o = outcome_of(_with("platelets", lab("platelets", 100_000, "/mm3", LAB_DATE)), "INC-07-PLT")
    assert o.outcome == "pass"


@pytest.mark.criterion("INC-07-PLT")
def test_platelets_at_99999_fail() -> None:
    o = outcome_of(_with("platelets", lab("platelets", 99_999, "/mm3", LAB_DATE)), "INC-07-PLT")
    assert o.outcome == "fail"


ALBUMIN_TABLE = [
    (2.5, "g/dL", "pass", "2.5 g/dL"),
    (2.49, "g/dL", "fail", "2.49 g/dL"),
    (25, "g/L", "pass", "25 g/L"),
    (24.9, "g/L", "fail", "24.9 g/L"),
    (24.99, "g/L", "fail", "24.99 g/L"),
    (38, "g/L", "pass", "3.8 g/dL"),
]


@pytest.mark.criterion("INC-07-ALB")
@pytest.mark.parametrize(("value", "unit", "expected", "named"), ALBUMIN_TABLE)
def test_albumin_decision_table(value: float, unit: str, expected: str, named: str) -> None:
    o = outcome_of(_with("albumin", lab("albumin", value, unit, LAB_DATE)), "INC-07-ALB")
    assert o.outcome == expected
    assert mentions(o.reason, named, "2.5")


@pytest.mark.criterion("INC-07-ALB")
def test_albumin_at_2_5_pass() -> None:
    assert outcome_of(_with("albumin", lab("albumin", 2.5, "g/dL", LAB_DATE)), "INC-07-ALB").outcome == "pass"


@pytest.mark.criterion("INC-07-ALB")
def test_albumin_at_2_49_fail() -> None:
    assert outcome_of(_with("albumin", lab("albumin", 2.49, "g/dL", LAB_DATE)), "INC-07-ALB").outcome == "fail"


# Bilirubin: <= 1.5 x ULN; < 3 x ULN with liver metastases or Gilbert's syndrome; either
# unknown and the value in (1.5, 3) x ULN -> missing.
BILIRUBIN_TABLE = [
    # value (umol/L, ULN 21), liver_metastases, gilbert_syndrome, expected
    (31.5, False, False, "pass"),  # exactly 1.5 x ULN
    (31.6, False, False, "fail"),
    (0, False, False, "pass"),
    (21, None, None, "pass"),
    (31.5, None, None, "pass"),  # the answer is the same either way
    (31.5, None, False, "pass"),
    (31.6, None, None, "missing"),
    (31.6, False, None, "missing"),
    (31.6, None, False, "missing"),
    (42, False, None, "missing"),
    (62.9, None, None, "missing"),
    (63, None, None, "fail"),  # exactly 3 x ULN: fails either way
    (63, False, None, "fail"),
    (80, None, None, "fail"),
    (62.9, True, False, "pass"),
    (62.9, False, True, "pass"),
    (62.9, True, True, "pass"),
    (62.9, True, None, "pass"),  # one true reason settles the raised limit
    (62.9, None, True, "pass"),
    (63, True, False, "fail"),
    (63, False, True, "fail"),
    (63, None, True, "fail"),
    (62.9, False, False, "fail"),
    (31.6, True, False, "pass"),
]


@pytest.mark.criterion("INC-07-BILI")
@pytest.mark.parametrize(("value", "liver", "gilbert", "expected"), BILIRUBIN_TABLE)
def test_bilirubin_decision_table(value: float, liver: bool | None, gilbert: bool | None, expected: str) -> None:
    doc = _with(
        "total_bilirubin",
        lab("total_bilirubin", value, "umol/L", LAB_DATE, uln=21),
        disease__liver_metastases=liver,
        gilbert_syndrome=gilbert,
    )
    o = outcome_of(doc, "INC-07-BILI")
    assert o.outcome == expected
    assert mentions(o.reason, f"{value:g} umol/L", "ULN 21")


@pytest.mark.criterion("INC-07-BILI")
def test_bilirubin_at_1_5_uln_pass() -> None:
    doc = _with("total_bilirubin", lab("total_bilirubin", 31.5, "umol/L", LAB_DATE, uln=21))
    assert outcome_of(doc, "INC-07-BILI").outcome == "pass"


@pytest.mark.criterion("INC-07-BILI")
def test_bilirubin_at_1_5_uln_in_mg_dl_pass() -> None:
    # 1.8 / 1.2 is 1.5000000000000002 in binary floating point; the spec's 1.5 x ULN is decimal.
    doc = _with("total_bilirubin", lab("total_bilirubin", 1.8, "mg/dL", LAB_DATE, uln=1.2))
    o = outcome_of(doc, "INC-07-BILI")
    assert o.outcome == "pass"
    assert mentions(o.reason, "1.8 mg/dL", "1.2")


@pytest.mark.criterion("INC-07-BILI")
@pytest.mark.parametrize("unit", ["mg/dL", "umol/L", f"{MICRO}mol/L", f"{MU}mol/L"])
def test_bilirubin_every_unit_relative_to_uln(unit: str) -> None:
    passing = _with("total_bilirubin", lab("total_bilirubin", 30, unit, LAB_DATE, uln=20))
    failing = _with("total_bilirubin", lab("total_bilirubin", 30.1, unit, LAB_DATE, uln=20))
    assert outcome_of(passing, "INC-07-BILI").outcome == "pass"
    assert outcome_of(failing, "INC-07-BILI").outcome == "fail"


@pytest.mark.criterion("INC-07-BILI")
def test_bilirubin_between_limits_with_disease_part_absent_missing() -> None:
    doc = _with("total_bilirubin", lab("total_bilirubin", 42, "umol/L", LAB_DATE, uln=21), disease=ABSENT)
    assert outcome_of(doc, "INC-07-BILI").outcome == "missing"


@pytest.mark.criterion("INC-07-BILI")
def test_bilirubin_missing_reason_names_the_unknown() -> None:
    doc = _with(
        "total_bilirubin", lab("total_bilirubin", 42, "umol/L", LAB_DATE, uln=21), disease__liver_metastases=None
    )
    o = outcome_of(doc, "INC-07-BILI")
    assert o.outcome == "missing"
    assert mentions(o.reason, "2 × ULN", "liver metastases")


TRANSAMINASES_TABLE = [
    # value (U/L, ULN 40), liver_metastases, expected
    (120, False, "pass"),  # exactly 3 x ULN
    (120, None, "pass"),
    (120, True, "pass"),
    (121, False, "fail"),
    (121, None, "missing"),
    (121, True, "pass"),
    (199, None, "missing"),
    (199, True, "pass"),
    (199, False, "fail"),
    (200, None, "fail"),  # exactly 5 x ULN: fails either way
    (200, True, "fail"),
    (200, False, "fail"),
    (0, False, "pass"),
    (25, None, "pass"),
]


@pytest.mark.criterion("INC-07-ALT", "INC-07-AST")
@pytest.mark.parametrize(("test", "criterion"), [("alt", "INC-07-ALT"), ("ast", "INC-07-AST")])
@pytest.mark.parametrize(("value", "liver", "expected"), TRANSAMINASES_TABLE)
@pytest.mark.parametrize("unit", ["U/L", "IU/L"])
def test_transaminases_decision_table(
    *, test: str, criterion: str, value: float, liver: bool | None, expected: str, unit: str
) -> None:
    doc = _with(test, lab(test, value, unit, LAB_DATE, uln=40), disease__liver_metastases=liver)
    o = outcome_of(doc, criterion)
    assert o.outcome == expected
    assert mentions(o.reason, f"{value:g} {unit}", "ULN 40")


@pytest.mark.criterion("INC-07-ALT", "INC-07-AST")
@pytest.mark.parametrize(("test", "criterion"), [("alt", "INC-07-ALT"), ("ast", "INC-07-AST")])
def test_transaminases_ignore_gilbert_syndrome(test: str, criterion: str) -> None:
    doc = _with(test, lab(test, 121, "U/L", LAB_DATE, uln=40), disease__liver_metastases=False, gilbert_syndrome=True)
    assert outcome_of(doc, criterion).outcome == "fail"


@pytest.mark.criterion("INC-07-ALT")
def test_alt_at_3_uln_pass() -> None:
    assert outcome_of(_with("alt", lab("alt", 120, "U/L", LAB_DATE, uln=40)), "INC-07-ALT").outcome == "pass"


@pytest.mark.criterion("INC-07-AST")
def test_ast_just_above_3_uln_without_liver_metastases_fail() -> None:
    assert outcome_of(_with("ast", lab("ast", 120.1, "U/L", LAB_DATE, uln=40)), "INC-07-AST").outcome == "fail"


# --- the result used --------------------------------------------------------------------

LAB_CRITERIA = [
    ("hemoglobin", "INC-07-HB", lab("hemoglobin", 11.2, "g/dL", LAB_DATE)),
    ("anc", "INC-07-ANC", lab("anc", 2.4, "10^9/L", LAB_DATE)),
    ("platelets", "INC-07-PLT", lab("platelets", 231, "10^9/L", LAB_DATE)),
    ("total_bilirubin", "INC-07-BILI", lab("total_bilirubin", 9, "umol/L", LAB_DATE, uln=21)),
    ("alt", "INC-07-ALT", lab("alt", 25, "U/L", LAB_DATE, uln=40)),
    ("ast", "INC-07-AST", lab("ast", 31, "U/L", LAB_DATE, uln=40)),
    ("albumin", "INC-07-ALB", lab("albumin", 38, "g/L", LAB_DATE)),
    ("creatinine", "INC-07-CRCL", lab("creatinine", 68, "umol/L", LAB_DATE)),
]


def _dated(entry: dict[str, Any], date: str) -> dict[str, Any]:
    return {**entry, "date": date}


@pytest.mark.criterion(
    "INC-07-HB", "INC-07-ANC", "INC-07-PLT", "INC-07-BILI", "INC-07-ALT", "INC-07-AST", "INC-07-ALB", "INC-07-CRCL"
)
@pytest.mark.parametrize(("test", "criterion", "entry"), LAB_CRITERIA)
@pytest.mark.parametrize(
    ("days", "expected"), [(0, "pass"), (27, "pass"), (28, "pass"), (29, "missing"), (60, "missing")]
)
def test_lab_window_28_days_before_r(
    test: str, criterion: str, entry: dict[str, Any], days: int, expected: str
) -> None:
    o = outcome_of(_with(test, _dated(entry, before(R, days))), criterion)
    assert o.outcome == expected
    if expected == "missing":
        assert mentions(o.reason, before(R, days), f"{days} days", "28")


@pytest.mark.criterion(
    "INC-07-HB", "INC-07-ANC", "INC-07-PLT", "INC-07-BILI", "INC-07-ALT", "INC-07-AST", "INC-07-ALB", "INC-07-CRCL"
)
@pytest.mark.parametrize(("test", "criterion", "entry"), LAB_CRITERIA)
@pytest.mark.parametrize(("days", "expected"), [(28, "pass"), (29, "missing")])
def test_lab_window_counts_from_assessment_without_randomization_date(
    test: str, criterion: str, entry: dict[str, Any], days: int, expected: str
) -> None:
    doc = _with(test, _dated(entry, before(A, days)), planned_randomization_date=ABSENT)
    assert outcome_of(doc, criterion).outcome == expected


@pytest.mark.criterion(
    "INC-07-HB", "INC-07-ANC", "INC-07-PLT", "INC-07-BILI", "INC-07-ALT", "INC-07-AST", "INC-07-ALB", "INC-07-CRCL"
)
@pytest.mark.parametrize(("test", "criterion", "entry"), LAB_CRITERIA)
def test_lab_absent_missing(test: str, criterion: str, entry: dict[str, Any]) -> None:
    assert outcome_of(_with(test), criterion).outcome == "missing"


@pytest.mark.criterion(
    "INC-07-HB", "INC-07-ANC", "INC-07-PLT", "INC-07-BILI", "INC-07-ALT", "INC-07-AST", "INC-07-ALB", "INC-07-CRCL"
)
@pytest.mark.parametrize(("test", "criterion", "entry"), LAB_CRITERIA)
@pytest.mark.parametrize("labs", [[], None, ABSENT])
def test_no_labs_at_all_missing(test: str, criterion: str, entry: dict[str, Any], labs: object) -> None:
    assert outcome_of(eligible_document(labs=labs), criterion).outcome == "missing"


@pytest.mark.criterion("INC-07-PLT")
def test_platelets_result_between_assessment_and_randomization_used() -> None:
    doc = _with("platelets", lab("platelets", 99, "G/L", before(R, 1)), lab("platelets", 231, "G/L", LAB_DATE))
    assert outcome_of(doc, "INC-07-PLT").outcome == "fail"


MOST_RECENT_TABLE = [
    # platelet results as (value in G/L, days before R), in the order listed; expected
    ([(150, 10), (90, 5)], "fail"),  # an older passing value never rescues a newer failing one
    ([(90, 5), (150, 10)], "fail"),  # by date, not by position in the list
    ([(90, 10), (150, 5)], "pass"),  # an older failing value does not count against a newer passing one
    ([(150, 5), (90, 10)], "pass"),
    ([(150, 5), (90, 5)], "fail"),  # same date: the one listed last
    ([(90, 5), (150, 5)], "pass"),
    ([(150, 40), (90, 30)], "missing"),  # the latest is too old: repeat, older ones do not help
    ([(150, 20), (90, 29)], "pass"),
    ([(90, 20), (150, 29)], "fail"),
    ([(150, 29), (150, 28)], "pass"),
]


@pytest.mark.criterion("INC-07-PLT")
@pytest.mark.parametrize(("results", "expected"), MOST_RECENT_TABLE)
def test_platelets_most_recent_result_used(results: list[tuple[float, int]], expected: str) -> None:
    doc = _with("platelets", *(lab("platelets", value, "G/L", before(R, days)) for value, days in results))
    assert outcome_of(doc, "INC-07-PLT").outcome == expected


@pytest.mark.criterion("INC-07-BILI")
def test_bilirubin_most_recent_result_used_with_its_own_uln() -> None:
    doc = _with(
        "total_bilirubin",
        lab("total_bilirubin", 20, "umol/L", before(R, 10), uln=21),
        lab("total_bilirubin", 2.0, "mg/dL", before(R, 3), uln=1.2),  # 1.67 x ULN
    )
    assert outcome_of(doc, "INC-07-BILI").outcome == "fail"


@pytest.mark.criterion("INC-07-PLT")
def test_platelets_too_old_reason_says_repeat() -> None:
    o = outcome_of(_with("platelets", lab("platelets", 231, "G/L", before(R, 29))), "INC-07-PLT")
    assert o.outcome == "missing"
    assert "repeat" in o.reason


# --- support window ---------------------------------------------------------------------
# S = min(L, A) with L the date of the result used (S = A without a usable result); a
# support date d is in the window when (S - d).days < 7 and d <= R. In window -> fail.

SUPPORTED = [
    ("hemoglobin", "INC-07-HB", "rbc_transfusion_date"),
    ("anc", "INC-07-ANC", "gcsf_date"),
    ("platelets", "INC-07-PLT", "platelet_transfusion_date"),
]
ENTRY = {test: entry for test, _, entry in LAB_CRITERIA}

SUPPORT_TABLE = [
    # lab date (None: no result), support date, expected. A = 2026-03-10, R = 2026-03-12.
    ("2026-03-05", "2026-02-26", "pass"),  # 7 days before S = L: outside
    ("2026-03-05", "2026-02-27", "fail"),  # 6 days before S: inside
    ("2026-03-05", "2026-03-05", "fail"),
    ("2026-03-05", "2026-03-10", "fail"),  # after the result, up to R
    ("2026-03-05", "2026-03-12", "fail"),  # on R
    ("2026-03-05", "2025-12-01", "pass"),
    ("2026-03-10", "2026-03-03", "pass"),  # L = A
    ("2026-03-10", "2026-03-04", "fail"),
    ("2026-03-11", "2026-03-03", "pass"),  # L after A: S = A
    ("2026-03-11", "2026-03-04", "fail"),
    ("2026-03-11", "2026-03-11", "fail"),
    (None, "2026-03-04", "fail"),  # no result: S = A, support in the window fails whatever the result
    (None, "2026-03-12", "fail"),
    (None, "2026-03-03", "missing"),
    ("2026-02-11", "2026-03-04", "fail"),  # result too old (29 days before R): S = A
    ("2026-02-11", "2026-03-03", "missing"),
    ("2026-02-11", "2026-02-11", "missing"),
]


@pytest.mark.criterion("INC-07-HB", "INC-07-ANC", "INC-07-PLT")
@pytest.mark.parametrize(("test", "criterion", "support_field"), SUPPORTED)
@pytest.mark.parametrize(("lab_date", "support_date", "expected"), SUPPORT_TABLE)
def test_support_window_decision_table(
    *, test: str, criterion: str, support_field: str, lab_date: str | None, support_date: str, expected: str
) -> None:
    entries = [] if lab_date is None else [_dated(ENTRY[test], lab_date)]
    doc = _with(test, *entries, **{f"support__{support_field}": support_date})
    o = outcome_of(doc, criterion)
    assert o.outcome == expected
    if expected == "fail":
        assert mentions(o.reason, support_date)


@pytest.mark.criterion("INC-07-PLT")
def test_platelet_transfusion_6_days_before_result_fail() -> None:
    o = outcome_of(eligible_document(support__platelet_transfusion_date=before(LAB_DATE, 6)), "INC-07-PLT")
    assert o.outcome == "fail"
    assert mentions(o.reason, "2026-02-27", "2026-03-05")


@pytest.mark.criterion("INC-07-PLT")
def test_platelet_transfusion_7_days_before_result_pass() -> None:
    o = outcome_of(eligible_document(support__platelet_transfusion_date=before(LAB_DATE, 7)), "INC-07-PLT")
    assert o.outcome == "pass"


@pytest.mark.criterion("INC-07-HB", "INC-07-ANC", "INC-07-PLT")
@pytest.mark.parametrize(("test", "criterion", "support_field"), SUPPORTED)
def test_support_fails_only_its_own_criterion(test: str, criterion: str, support_field: str) -> None:
    evaluation = evaluate_dict(eligible_document(**{f"support__{support_field}": "2026-03-08"}))
    assert evaluation.failed == (criterion,)


@pytest.mark.criterion("INC-07-HB", "INC-07-ANC", "INC-07-PLT")
@pytest.mark.parametrize(("test", "criterion", "support_field"), SUPPORTED)
@pytest.mark.parametrize("support", [None, ABSENT])
def test_support_absent_does_not_matter(test: str, criterion: str, support_field: str, support: object) -> None:
    assert outcome_of(eligible_document(support=support), criterion).outcome == "pass"
