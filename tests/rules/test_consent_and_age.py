"""INC-01 informed consent and INC-02 age >= 18 (criteria.md, inclusion table)."""

from __future__ import annotations

import pytest

from tests.builders import ABSENT, A, before, eligible_document, mentions, outcome_of

# --- INC-01 -------------------------------------------------------------------------
# Spec: signed = true and date <= A -> pass; signed = false -> fail; date > A -> fail
# (re-screen once consent precedes the assessment); signed or date absent -> missing.

INC_01_TABLE = [
    # signed, consent date,       expected
    (True, before(A, 8), "pass"),
    (True, before(A, 0), "pass"),  # consent on the assessment day precedes nothing: allowed
    (True, before(A, -1), "fail"),  # the day after the assessment
    (False, before(A, 8), "fail"),
    (False, None, "fail"),  # not signed decides it whatever the date
    (False, before(A, -1), "fail"),
    (None, before(A, 8), "missing"),
    (True, None, "missing"),
    (None, None, "missing"),
    (None, before(A, -1), "fail"),  # consent after the assessment decides it whatever `signed` says
]


@pytest.mark.criterion("INC-01")
@pytest.mark.parametrize(("signed", "date", "expected"), INC_01_TABLE)
def test_consent_decision_table(signed: bool | None, date: str | None, expected: str) -> None:
    doc = eligible_document(consent__signed=signed, consent__date=date)
    assert outcome_of(doc, "INC-01").outcome == expected


@pytest.mark.criterion("INC-01")
@pytest.mark.parametrize(("field"), ["signed", "date"])
def test_consent_field_absent_key_missing(field: str) -> None:
    doc = eligible_document(**{f"consent__{field}": ABSENT})
    assert outcome_of(doc, "INC-01").outcome == "missing"


@pytest.mark.criterion("INC-01")
def test_consent_part_absent_missing() -> None:
    assert outcome_of(eligible_document(consent=ABSENT), "INC-01").outcome == "missing"


@pytest.mark.criterion("INC-01")
def test_consent_signed_before_assessment_pass_reason_names_date() -> None:
    o = outcome_of(eligible_document(), "INC-01")
    assert o.outcome == "pass"
    assert mentions(o.reason, "2026-03-02")


@pytest.mark.criterion("INC-01")
def test_consent_after_assessment_fail_reason_says_rescreen() -> None:
    o = outcome_of(eligible_document(consent__date=before(A, -1)), "INC-01")
    assert o.outcome == "fail"
    assert mentions(o.reason, "2026-03-11", "2026-03-10")
    assert "re-screen" in o.reason


@pytest.mark.criterion("INC-01")
def test_consent_impartial_witness_allowed_and_shown() -> None:
    o = outcome_of(eligible_document(consent__impartial_witness=True), "INC-01")
    assert o.outcome == "pass"
    assert "impartial witness" in o.reason


@pytest.mark.criterion("INC-01")
@pytest.mark.parametrize("witness", [False, None])
def test_consent_without_impartial_witness_not_shown(witness: bool | None) -> None:
    o = outcome_of(eligible_document(consent__impartial_witness=witness), "INC-01")
    assert o.outcome == "pass"
    assert "witness" not in o.reason


# --- INC-02 -------------------------------------------------------------------------
# Spec: age at A >= 18 -> pass, else fail; no date of birth -> missing.

INC_02_TABLE = [
    # date of birth, assessment date, expected, age named
    ("2008-03-10", "2026-03-10", "pass", "18"),  # 18th birthday on the assessment day
    ("2008-03-11", "2026-03-10", "fail", "17"),  # the day before the 18th birthday
    ("2008-03-09", "2026-03-10", "pass", "18"),
    ("1981-07-14", "2026-03-10", "pass", "44"),
    ("1906-03-10", "2026-03-10", "pass", "120"),
    ("2026-03-10", "2026-03-10", "fail", "0"),
    # Born 29 February: the birthday is 1 March in a year that is not a leap year.
    ("2008-02-29", "2026-02-28", "fail", "17"),
    ("2008-02-29", "2026-03-01", "pass", "18"),
]


@pytest.mark.criterion("INC-02")
@pytest.mark.parametrize(("dob", "assessment", "expected", "age"), INC_02_TABLE)
def test_age_decision_table(dob: str, assessment: str, expected: str, age: str) -> None:
    doc = eligible_document(
        patient__date_of_birth=dob,
        assessment_date=assessment,
        planned_randomization_date=ABSENT,
        consent__date=assessment,
    )
    o = outcome_of(doc, "INC-02")
    assert o.outcome == expected
    assert mentions(o.reason, f"{age} y")


@pytest.mark.criterion("INC-02")
def test_age_is_taken_at_assessment_not_randomization() -> None:
    # 17 at the assessment, 18 at the planned randomization: the spec says age at A.
    doc = eligible_document(
        patient__date_of_birth="2008-03-11", assessment_date="2026-03-10", planned_randomization_date="2026-03-12"
    )
    assert outcome_of(doc, "INC-02").outcome == "fail"


@pytest.mark.criterion("INC-02")
@pytest.mark.parametrize("dob", [None, ABSENT])
def test_age_without_date_of_birth_missing(dob: object) -> None:
    assert outcome_of(eligible_document(patient__date_of_birth=dob), "INC-02").outcome == "missing"


@pytest.mark.criterion("INC-02")
def test_age_without_patient_part_missing() -> None:
    assert outcome_of(eligible_document(patient=ABSENT), "INC-02").outcome == "missing"
