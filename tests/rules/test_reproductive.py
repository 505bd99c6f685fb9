"""WOCBP (derived), INC-06 contraception, INC-09 pregnancy test, EXC-10 pregnancy or
breast-feeding (criteria.md)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.builders import ABSENT, A, R, before, eligible_document, evaluate_dict, mentions, outcome_of

# The example patient is a woman of 44 at A (born 1981-07-14), not postmenopausal.
AGE_60_AT_A = "1966-03-10"  # 60th birthday on A
AGE_59_AT_A = "1966-03-11"  # 60 the day after A
AGE_65 = "1961-01-01"
NOT_WOCBP = {"reproductive__hysterectomy": True}  # a woman who is not WOCBP
WOCBP_UNKNOWN = {"reproductive__hysterectomy": None}  # the other conditions are false


def _tests(*tests: tuple[str, str]) -> list[dict[str, Any]]:
    """Pregnancy tests as (result, date), in the order listed."""
    return [{"result": result, "type": "urine", "date": date} for result, date in tests]


# --- WOCBP ---------------------------------------------------------------------------

WOCBP_TABLE = [
    # sex, date_of_birth, hysterectomy, bilateral_oophorectomy, amenorrhea_months, other_cause, wocbp
    ("male", "1981-07-14", False, False, 0, False, False),
    ("male", None, None, None, None, None, False),
    (None, "1981-07-14", False, False, 0, False, None),  # sex unknown
    ("female", "1981-07-14", False, False, 0, False, True),
    ("female", AGE_60_AT_A, False, False, 0, False, False),  # age >= 60 at A
    ("female", AGE_59_AT_A, False, False, 0, False, True),
    ("female", AGE_60_AT_A, None, None, None, None, False),  # one true condition settles it
    ("female", None, False, False, 0, False, None),  # age unknown
    ("female", None, True, None, None, None, False),
    ("female", "1981-07-14", None, False, 0, False, None),
    ("female", "1981-07-14", True, None, None, None, False),
    ("female", "1981-07-14", False, None, 0, False, None),
    ("female", "1981-07-14", None, True, None, None, False),
    ("female", "1981-07-14", False, False, 12, False, False),  # >= 12 months, no other cause
    ("female", "1981-07-14", False, False, 11, False, True),
    ("female", "1981-07-14", False, False, 600, False, False),
    ("female", "1981-07-14", False, False, 12, True, True),  # another cause: not postmenopausal
    ("female", "1981-07-14", False, False, None, True, True),  # other cause settles amenorrhea
    ("female", "1981-07-14", False, False, 11, None, True),  # < 12 months settles amenorrhea
    ("female", "1981-07-14", False, False, 0, None, True),
    ("female", "1981-07-14", False, False, 12, None, None),
    ("female", "1981-07-14", False, False, None, False, None),
    ("female", "1981-07-14", False, False, None, None, None),
    ("female", None, None, None, 24, False, False),
]


@pytest.mark.criterion("INC-06", "INC-09", "EXC-10")
@pytest.mark.parametrize(("sex", "dob", "hyst", "ooph", "months", "other_cause", "wocbp"), WOCBP_TABLE)
def test_wocbp_decision_table(
    *,
    sex: str | None,
    dob: str | None,
    hyst: bool | None,
    ooph: bool | None,
    months: int | None,
    other_cause: bool | None,
    wocbp: bool | None,
) -> None:
    doc = eligible_document(
        patient__sex=sex,
        patient__date_of_birth=dob,
        reproductive__hysterectomy=hyst,
        reproductive__bilateral_oophorectomy=ooph,
        reproductive__amenorrhea_months=months,
        reproductive__amenorrhea_other_cause=other_cause,
    )
    assert evaluate_dict(doc).wocbp is wocbp


@pytest.mark.criterion("INC-06", "INC-09", "EXC-10")
@pytest.mark.parametrize(
    ("assessment", "wocbp"),
    [
        ("2024-02-28", True),  # born 29 February 1964: 59 the day before her 60th birthday
        ("2024-02-29", False),
        ("2025-02-28", False),
    ],
)
def test_wocbp_age_60_born_29_february(assessment: str, wocbp: bool) -> None:
    doc = eligible_document(
        patient__date_of_birth="1964-02-29", assessment_date=assessment, planned_randomization_date=ABSENT
    )
    assert evaluate_dict(doc).wocbp is wocbp


@pytest.mark.criterion("INC-06", "INC-09", "EXC-10")
def test_wocbp_age_taken_at_assessment_not_randomization() -> None:
    # 59 at A (2026-03-10), 60 at R (2026-03-12): WOCBP is decided at A.
    doc = eligible_document(patient__date_of_birth="1966-03-11")
    assert evaluate_dict(doc).wocbp is True


@pytest.mark.criterion("INC-06", "INC-09", "EXC-10")
@pytest.mark.parametrize(
    ("sex", "dob", "wocbp"), [("female", "1981-07-14", None), ("female", AGE_65, False), ("male", "1981-07-14", False)]
)
def test_wocbp_without_reproductive_part(sex: str, dob: str, wocbp: bool | None) -> None:
    doc = eligible_document(patient__sex=sex, patient__date_of_birth=dob, reproductive=ABSENT)
    assert evaluate_dict(doc).wocbp is wocbp


# --- INC-06 contraception -----------------------------------------------------------

INC_06_TABLE: list[tuple[dict[str, Any], object, str]] = [
    # patient setup, contraception_agreed, expected
    ({"patient__sex": "male"}, True, "pass"),
    ({"patient__sex": "male"}, False, "fail"),
    ({"patient__sex": "male"}, None, "missing"),
    ({"patient__sex": "male"}, ABSENT, "missing"),
    ({"patient__sex": "male", "patient__date_of_birth": AGE_65}, True, "pass"),  # men: whatever the age
    ({}, True, "pass"),  # WOCBP
    ({}, False, "fail"),
    ({}, None, "missing"),
    (NOT_WOCBP, True, "not_applicable"),
    (NOT_WOCBP, False, "not_applicable"),
    (NOT_WOCBP, None, "not_applicable"),
    ({"patient__date_of_birth": AGE_60_AT_A}, False, "not_applicable"),
    (WOCBP_UNKNOWN, True, "missing"),  # WOCBP unknown: missing even when the answer would not change
    (WOCBP_UNKNOWN, False, "missing"),
    ({"patient__sex": None}, True, "missing"),
    ({"patient__sex": None}, False, "missing"),
]


@pytest.mark.criterion("INC-06")
@pytest.mark.parametrize(("setup", "agreed", "expected"), INC_06_TABLE)
def test_contraception_decision_table(setup: dict[str, Any], agreed: object, expected: str) -> None:
    doc = eligible_document(contraception_agreed=agreed, **setup)
    assert outcome_of(doc, "INC-06").outcome == expected


@pytest.mark.criterion("INC-06")
def test_contraception_not_applicable_reason_names_why() -> None:
    o = outcome_of(eligible_document(**NOT_WOCBP), "INC-06")
    assert o.outcome == "not_applicable"
    assert "hysterectomy" in o.reason


@pytest.mark.criterion("INC-06")
def test_contraception_male_refuses_fail_reason_names_male() -> None:
    o = outcome_of(eligible_document(patient__sex="male", contraception_agreed=False), "INC-06")
    assert o.outcome == "fail"
    assert "male" in o.reason.lower()


# --- INC-09 pregnancy test ------------------------------------------------------------
# R = 2026-03-12. The latest test with date <= R (ties: the one listed last): negative and
# (R - date).days <= 7 -> pass; positive, whatever its age -> fail; none or older -> missing.

INC_09_TABLE: list[tuple[list[tuple[str, str]], str]] = [
    ([("negative", before(R, 7))], "pass"),
    ([("negative", before(R, 8))], "missing"),
    ([("negative", before(R, 0))], "pass"),  # on R itself
    ([("negative", before(R, 1))], "pass"),
    ([("positive", before(R, 1))], "fail"),
    ([("positive", before(R, 8))], "fail"),  # positive whatever its age
    ([("positive", before(R, 200))], "fail"),
    ([], "missing"),
    ([("negative", before(R, 5)), ("positive", before(R, 2))], "fail"),  # newest counts
    ([("positive", before(R, 5)), ("negative", before(R, 2))], "pass"),  # an older positive is superseded
    ([("negative", before(R, 2)), ("positive", before(R, 5))], "pass"),  # by date, not by position
    ([("positive", before(R, 20)), ("negative", before(R, 10))], "missing"),  # newest is too old
    ([("negative", before(R, 10)), ("negative", before(R, 3))], "pass"),
    ([("positive", before(R, 3)), ("negative", before(R, 3))], "pass"),  # tie: the one listed last
    ([("negative", before(R, 3)), ("positive", before(R, 3))], "fail"),
]


@pytest.mark.criterion("INC-09")
@pytest.mark.parametrize(("tests", "expected"), INC_09_TABLE)
def test_pregnancy_test_decision_table(tests: list[tuple[str, str]], expected: str) -> None:
    doc = eligible_document(reproductive__pregnancy_tests=_tests(*tests))
    assert outcome_of(doc, "INC-09").outcome == expected


@pytest.mark.criterion("INC-09")
def test_pregnancy_test_7_days_before_r_pass_reason_names_date_and_days() -> None:
    o = outcome_of(eligible_document(reproductive__pregnancy_tests=_tests(("negative", "2026-03-05"))), "INC-09")
    assert o.outcome == "pass"
    assert mentions(o.reason, "negative", "2026-03-05", "7 days", "2026-03-12")


@pytest.mark.criterion("INC-09")
def test_pregnancy_test_8_days_before_r_missing_reason_says_repeat() -> None:
    o = outcome_of(eligible_document(reproductive__pregnancy_tests=_tests(("negative", "2026-03-04"))), "INC-09")
    assert o.outcome == "missing"
    assert mentions(o.reason, "2026-03-04", "8 days")


@pytest.mark.criterion("INC-09")
def test_pregnancy_test_window_counts_from_assessment_when_no_randomization_date() -> None:
    doc = eligible_document(
        planned_randomization_date=ABSENT, reproductive__pregnancy_tests=_tests(("negative", before(A, 7)))
    )
    assert outcome_of(doc, "INC-09").outcome == "pass"
    doc = eligible_document(
        planned_randomization_date=ABSENT, reproductive__pregnancy_tests=_tests(("negative", before(A, 8)))
    )
    assert outcome_of(doc, "INC-09").outcome == "missing"


@pytest.mark.criterion("INC-09")
@pytest.mark.parametrize("tests", [None, ABSENT])
def test_pregnancy_test_list_absent_missing(tests: object) -> None:
    assert outcome_of(eligible_document(reproductive__pregnancy_tests=tests), "INC-09").outcome == "missing"


INC_09_APPLICABILITY: list[tuple[dict[str, Any], str, str]] = [
    # setup, latest test result, expected
    (NOT_WOCBP, "positive", "not_applicable"),
    (NOT_WOCBP, "negative", "not_applicable"),
    ({"patient__date_of_birth": AGE_60_AT_A}, "negative", "not_applicable"),
    ({"patient__sex": "male"}, "negative", "not_applicable"),
    (WOCBP_UNKNOWN, "negative", "missing"),  # even when the answer would not change
    (WOCBP_UNKNOWN, "positive", "missing"),
    ({"patient__sex": None}, "negative", "missing"),
    ({"reproductive__amenorrhea_months": None}, "negative", "missing"),
]


@pytest.mark.criterion("INC-09")
@pytest.mark.parametrize(("setup", "result", "expected"), INC_09_APPLICABILITY)
def test_pregnancy_test_applies_to_wocbp_only(setup: dict[str, Any], result: str, expected: str) -> None:
    doc = eligible_document(reproductive__pregnancy_tests=_tests((result, before(R, 2))), **setup)
    assert outcome_of(doc, "INC-09").outcome == expected


# --- EXC-10 pregnancy or breast-feeding -------------------------------------------------

NEGATIVE_RECENT = [("negative", before(R, 3))]

EXC_10_TABLE: list[tuple[dict[str, Any], object, object, object, list[tuple[str, str]], str]] = [
    # setup, pregnant, breastfeeding, plans_pregnancy, tests, expected
    ({}, False, False, False, NEGATIVE_RECENT, "pass"),
    ({}, False, False, False, [], "pass"),  # a missing test is INC-09's business
    ({}, True, False, False, NEGATIVE_RECENT, "fail"),
    ({}, False, True, False, NEGATIVE_RECENT, "fail"),
    ({}, False, False, True, NEGATIVE_RECENT, "fail"),  # WOCBP planning a pregnancy
    ({}, False, False, None, NEGATIVE_RECENT, "missing"),
    ({}, None, False, False, NEGATIVE_RECENT, "missing"),
    ({}, False, None, False, NEGATIVE_RECENT, "missing"),
    ({}, None, True, None, NEGATIVE_RECENT, "fail"),  # a true condition settles it
    ({}, False, False, False, [("positive", before(R, 2))], "fail"),
    ({}, False, False, False, [("positive", before(R, 40))], "fail"),  # positive whatever its age
    ({}, False, False, False, [("positive", before(R, 9)), ("negative", before(R, 3))], "pass"),
    ({}, False, False, False, [("negative", before(R, 3)), ("positive", before(R, 3))], "fail"),  # tie: last
    ({"patient__date_of_birth": AGE_65}, False, True, False, NEGATIVE_RECENT, "fail"),  # whatever WOCBP
    ({"patient__date_of_birth": AGE_65}, True, False, False, [], "fail"),
    (NOT_WOCBP, False, False, False, [("positive", before(R, 2))], "fail"),
    (NOT_WOCBP, False, False, True, NEGATIVE_RECENT, "pass"),  # plans matter for WOCBP only
    (NOT_WOCBP, False, False, None, NEGATIVE_RECENT, "pass"),
    (NOT_WOCBP, False, False, False, [], "pass"),
    (WOCBP_UNKNOWN, False, False, False, NEGATIVE_RECENT, "pass"),
    (WOCBP_UNKNOWN, False, False, True, NEGATIVE_RECENT, "missing"),
    (WOCBP_UNKNOWN, False, False, None, NEGATIVE_RECENT, "missing"),
    (WOCBP_UNKNOWN, True, False, False, NEGATIVE_RECENT, "fail"),
    ({"patient__sex": None}, False, False, False, NEGATIVE_RECENT, "missing"),  # sex unknown, nothing fails
    ({"patient__sex": None}, True, False, False, NEGATIVE_RECENT, "fail"),
    ({"patient__sex": None}, False, True, False, NEGATIVE_RECENT, "fail"),
    ({"patient__sex": None}, False, False, False, [("positive", before(R, 2))], "fail"),
    ({"patient__sex": None}, False, False, True, NEGATIVE_RECENT, "missing"),
    ({"patient__sex": "male"}, False, False, False, NEGATIVE_RECENT, "not_applicable"),
    ({"patient__sex": "male"}, None, None, None, [], "not_applicable"),
]


@pytest.mark.criterion("EXC-10")
@pytest.mark.parametrize(("setup", "pregnant", "breastfeeding", "plans", "tests", "expected"), EXC_10_TABLE)
def test_pregnancy_or_breastfeeding_decision_table(
    *,
    setup: dict[str, Any],
    pregnant: object,
    breastfeeding: object,
    plans: object,
    tests: list[tuple[str, str]],
    expected: str,
) -> None:
    doc = eligible_document(
        reproductive__pregnant=pregnant,
        reproductive__breastfeeding=breastfeeding,
        reproductive__plans_pregnancy=plans,
        reproductive__pregnancy_tests=_tests(*tests),
        **setup,
    )
    assert outcome_of(doc, "EXC-10").outcome == expected


@pytest.mark.criterion("EXC-10")
def test_pregnancy_or_breastfeeding_without_reproductive_part_missing() -> None:
    assert outcome_of(eligible_document(reproductive=ABSENT), "EXC-10").outcome == "missing"


@pytest.mark.criterion("EXC-10")
@pytest.mark.parametrize(
    ("field", "named"), [("pregnant", "pregnant"), ("breastfeeding", "breast-feeding"), ("plans_pregnancy", "plan")]
)
def test_pregnancy_or_breastfeeding_fail_reason_names_condition(field: str, named: str) -> None:
    o = outcome_of(eligible_document(**{f"reproductive__{field}": True}), "EXC-10")
    assert o.outcome == "fail"
    assert named in o.reason.lower()


@pytest.mark.criterion("EXC-10")
def test_pregnancy_or_breastfeeding_positive_test_reason_names_test() -> None:
    doc = eligible_document(reproductive__pregnancy_tests=_tests(("positive", "2026-03-01")))
    o = outcome_of(doc, "EXC-10")
    assert o.outcome == "fail"
    assert mentions(o.reason, "positive", "2026-03-01")


@pytest.mark.criterion("INC-09", "EXC-10")
def test_positive_test_fails_both_inc_09_and_exc_10_for_wocbp() -> None:
    evaluation = evaluate_dict(eligible_document(reproductive__pregnancy_tests=_tests(("positive", before(R, 2)))))
    assert {"INC-09", "EXC-10"} <= set(evaluation.failed)
    assert evaluation.status == "ineligible"
