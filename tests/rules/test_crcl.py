"""Cockcroft-Gault creatinine clearance and INC-07-CRCL >= 30 mL/min (criteria.md,
"Derived: Cockcroft-Gault creatinine clearance")."""

from __future__ import annotations

import datetime
from fractions import Fraction
from typing import Any

import pytest

from screening.rules.derived import cockcroft_gault
from tests.builders import (
    ABSENT,
    LAB_DATE,
    R,
    before,
    eligible_document,
    evaluate_dict,
    lab,
    mentions,
    outcome_of,
    with_labs,
)

MU = "\u03bc"
MICRO = "\u00b5"

# Born 1957-03-08: 68 on the creatinine date (2026-03-05), 69 at the assessment (2026-03-10).
DOB_68_AT_LAB = "1957-03-08"


def _patient(sex: str, dob: str, weight: float, creatinine: float, unit: str = "mg/dL", **more: Any) -> dict[str, Any]:
    doc = eligible_document(patient__sex=sex, patient__date_of_birth=dob, patient__weight_kg=weight, **more)
    return with_labs(doc, "creatinine", lab("creatinine", creatinine, unit, LAB_DATE))


def _formula(sex: str, age: int, weight: float, creatinine_mg_dl: float) -> float:
    crcl = (140 - age) * weight / (72 * creatinine_mg_dl)
    return crcl * 0.85 if sex == "female" else crcl


@pytest.mark.criterion("INC-07-CRCL")
def test_crcl_spec_example_93_6_pass() -> None:
    evaluation = evaluate_dict(eligible_document())
    assert evaluation.crcl_ml_min == 93.6
    outcome = dict((c.id, o) for c, o in evaluation.outcomes)["INC-07-CRCL"]
    assert outcome.outcome == "pass"
    assert outcome.reason == "CrCl 93.6 mL/min >= 30 (Cockcroft-Gault: female, 44 y, 63.5 kg, creatinine 0.77 mg/dL)"


CRCL_BOUNDARY = [
    # sex, weight kg, creatinine mg/dL, expected, CrCl shown
    ("male", 30, 1.0, "pass", "30.0"),  # (140 - 68) x 30 / (72 x 1.0) = 30 exactly
    ("male", 30, 1.0001, "fail", "30.0"),  # 29.997: displayed 30.0, compared unrounded
    ("male", 30, 1.0013, "fail", "30.0"),
    ("male", 29.99, 1.0, "fail", "30.0"),
    ("male", 30.01, 1.0, "pass", "30.0"),
    ("female", 30, 1.0, "fail", "25.5"),  # x 0.85 for a woman
    ("female", 30, 0.85, "pass", "30.0"),  # 30 x 0.85 / 0.85 = 30 exactly
    ("female", 30, 0.8501, "fail", "30.0"),
]


@pytest.mark.criterion("INC-07-CRCL")
@pytest.mark.parametrize(("sex", "weight", "creatinine", "expected", "shown"), CRCL_BOUNDARY)
def test_crcl_boundary_30(sex: str, weight: float, creatinine: float, expected: str, shown: str) -> None:
    o = outcome_of(_patient(sex, DOB_68_AT_LAB, weight, creatinine), "INC-07-CRCL")
    assert o.outcome == expected
    assert mentions(
        o.reason, f"CrCl {shown} mL/min", f"{sex}, 68 y", f"{weight:.1f} kg", f"creatinine {creatinine:.2f}"
    )


@pytest.mark.criterion("INC-07-CRCL")
def test_crcl_at_30_pass() -> None:
    doc = _patient("male", DOB_68_AT_LAB, 30, 1.0)
    assert outcome_of(doc, "INC-07-CRCL").outcome == "pass"
    assert evaluate_dict(doc).crcl_ml_min == 30.0


@pytest.mark.criterion("INC-07-CRCL")
def test_crcl_29_96_displayed_30_0_fail() -> None:
    # Comparisons use the unrounded value; the display rounds to 1 decimal.
    doc = _patient("male", DOB_68_AT_LAB, 30, 1.0013)
    assert outcome_of(doc, "INC-07-CRCL").outcome == "fail"
    assert evaluate_dict(doc).crcl_ml_min == 30.0


CRCL_FORMULA = [
    # sex, date of birth, weight kg, creatinine, unit, age at the creatinine date
    ("female", "1981-07-14", 63.5, 68, "umol/L", 44),
    ("female", "1981-07-14", 63.5, 68, f"{MICRO}mol/L", 44),
    ("female", "1981-07-14", 63.5, 68, f"{MU}mol/L", 44),
    ("female", "1981-07-14", 63.5, 0.77, "mg/dL", 44),
    ("male", "1981-07-14", 63.5, 0.77, "mg/dL", 44),
    ("female", "1955-01-20", 52.0, 1.10, "mg/dL", 71),
    ("male", "1990-12-31", 120, 0.6, "mg/dL", 35),
    ("female", "1940-06-01", 45, 2.5, "mg/dL", 85),
    ("male", "1940-06-01", 45, 221, "umol/L", 85),
]


@pytest.mark.criterion("INC-07-CRCL")
@pytest.mark.parametrize(("sex", "dob", "weight", "creatinine", "unit", "age"), CRCL_FORMULA)
def test_crcl_cockcroft_gault_formula(
    *, sex: str, dob: str, weight: float, creatinine: float, unit: str, age: int
) -> None:
    mg_dl = creatinine if unit == "mg/dL" else creatinine / 88.4
    expected = _formula(sex, age, weight, mg_dl)
    evaluation = evaluate_dict(_patient(sex, dob, weight, creatinine, unit))
    assert evaluation.crcl is not None
    assert evaluation.crcl.crcl_ml_min == pytest.approx(expected, rel=1e-9)
    assert evaluation.crcl_ml_min == round(expected, 1)
    assert evaluation.crcl.age_years == age
    o = dict((c.id, o) for c, o in evaluation.outcomes)["INC-07-CRCL"]
    assert o.outcome == ("pass" if expected >= 30 else "fail")
    assert mentions(
        o.reason, f"CrCl {expected:.1f} mL/min", f"{sex}, {age} y", f"{weight:.1f} kg", f"creatinine {mg_dl:.2f} mg/dL"
    )


@pytest.mark.criterion("INC-07-CRCL")
def test_crcl_female_is_085_of_male() -> None:
    female = evaluate_dict(_patient("female", "1981-07-14", 70, 0.9)).crcl
    male = evaluate_dict(_patient("male", "1981-07-14", 70, 0.9)).crcl
    assert female is not None and male is not None
    assert female.crcl_ml_min == male.crcl_ml_min * Fraction("0.85")  # exactly


@pytest.mark.criterion("INC-07-CRCL")
def test_crcl_age_taken_at_creatinine_date_not_assessment() -> None:
    # 68 on the creatinine date: CrCl 30 (pass); at the assessment she is 69 (29.58, would fail).
    doc = _patient("male", DOB_68_AT_LAB, 30, 1.0)
    evaluation = evaluate_dict(doc)
    assert evaluation.crcl is not None
    assert evaluation.crcl.age_years == 68
    assert dict((c.id, o) for c, o in evaluation.outcomes)["INC-07-CRCL"].outcome == "pass"


@pytest.mark.criterion("INC-07-CRCL")
def test_crcl_age_at_creatinine_date_born_29_february() -> None:
    got = cockcroft_gault(
        sex="male",
        date_of_birth=datetime.date(1956, 2, 29),
        weight_kg=70,
        creatinine_mg_dl=1.0,
        creatinine_date=datetime.date(2026, 2, 28),
    )
    assert got.age_years == 69  # the 70th birthday is 1 March in 2026
    assert got.crcl_ml_min == pytest.approx(71 * 70 / 72)


@pytest.mark.criterion("INC-07-CRCL")
def test_crcl_uses_most_recent_creatinine() -> None:
    doc = with_labs(
        eligible_document(),
        "creatinine",
        lab("creatinine", 68, "umol/L", before(R, 20)),
        lab("creatinine", 400, "umol/L", before(R, 2)),  # 4.52 mg/dL: 10.9 mL/min
    )
    evaluation = evaluate_dict(doc)
    assert evaluation.crcl is not None
    assert evaluation.crcl.creatinine_date == datetime.date(2026, 3, 10)
    assert "INC-07-CRCL" in evaluation.failed


CRCL_MISSING = [
    # overrides, what is absent
    ({"patient__sex": None}, "sex"),
    ({"patient__sex": ABSENT}, "sex"),
    ({"patient__date_of_birth": None}, "date of birth"),
    ({"patient__weight_kg": None}, "weight"),
    ({"patient__weight_kg": ABSENT}, "weight"),
]


@pytest.mark.criterion("INC-07-CRCL")
@pytest.mark.parametrize(("overrides", "absent"), CRCL_MISSING)
def test_crcl_input_absent_missing_and_not_computed(overrides: dict[str, Any], absent: str) -> None:
    evaluation = evaluate_dict(eligible_document(**overrides))
    o = dict((c.id, o) for c, o in evaluation.outcomes)["INC-07-CRCL"]
    assert o.outcome == "missing"
    assert absent in o.reason
    assert evaluation.crcl_ml_min is None


@pytest.mark.criterion("INC-07-CRCL")
def test_crcl_without_patient_part_missing() -> None:
    evaluation = evaluate_dict(eligible_document(patient=ABSENT))
    assert "INC-07-CRCL" in evaluation.missing
    assert evaluation.crcl_ml_min is None


@pytest.mark.criterion("INC-07-CRCL")
def test_crcl_without_creatinine_missing_and_not_computed() -> None:
    evaluation = evaluate_dict(with_labs(eligible_document(), "creatinine"))
    assert "INC-07-CRCL" in evaluation.missing
    assert evaluation.crcl_ml_min is None


@pytest.mark.criterion("INC-07-CRCL")
@pytest.mark.parametrize(("days", "expected", "computed"), [(28, "pass", True), (29, "missing", False)])
def test_crcl_creatinine_window(days: int, expected: str, computed: bool) -> None:
    doc = with_labs(eligible_document(), "creatinine", lab("creatinine", 68, "umol/L", before(R, days)))
    evaluation = evaluate_dict(doc)
    assert dict((c.id, o) for c, o in evaluation.outcomes)["INC-07-CRCL"].outcome == expected
    assert (evaluation.crcl_ml_min is not None) is computed


@pytest.mark.criterion("INC-07-CRCL")
@pytest.mark.parametrize(
    ("crcl", "shown"),
    [
        ("93.557", 93.6),
        ("93.549999999", 93.5),
        ("29.96", 30.0),
        ("30.04", 30.0),
        ("101.25", 101.3),  # half up: Python's round() would give 101.2
        ("148.75", 148.8),  # the spec's examples
        ("174.25", 174.3),
        ("174.2499999999", 174.2),
    ],
)
def test_crcl_shown_to_one_decimal_rounded_half_up(crcl: str, shown: float) -> None:
    # Spec: "A displayed number is the exact value rounded half up (CrCl 148.75 -> 148.8,
    # 174.25 -> 174.3)"; the rule itself compares the unrounded value. A man of 68 with a
    # creatinine of 1 mg/dL: (140 - 68) x weight / (72 x 1) is the weight itself.
    got = cockcroft_gault(
        sex="male",
        date_of_birth=datetime.date(1957, 3, 8),
        weight_kg=float(crcl),
        creatinine_mg_dl=1,
        creatinine_date=datetime.date(2026, 3, 5),
    )
    assert got.crcl_ml_min == Fraction(crcl)
    assert got.displayed == shown
