"""Lab units: every accepted unit converts to the canonical unit (exchange-format.md,
"Lab tests and units"); unit strings are matched exactly, µ as U+00B5 or U+03BC."""

from __future__ import annotations

import pytest

from screening.rules.units import LAB_UNITS, accepted_units, is_accepted, to_canonical, unit_case_slip
from tests.builders import LAB_DATE, eligible_document, lab, outcome_of, with_labs

MICRO = "\u00b5"  # micro sign
MU = "\u03bc"  # Greek small letter mu

CONVERSIONS = [
    # test, value, unit, uln, canonical value
    ("hemoglobin", 11.2, "g/dL", None, 11.2),
    ("hemoglobin", 112, "g/L", None, 11.2),
    ("hemoglobin", 90, "g/L", None, 9.0),
    ("hemoglobin", 6.206, "mmol/L", None, 10.0),
    ("hemoglobin", 5.5854, "mmol/L", None, 9.0),
    ("anc", 1500, "/mm3", None, 1500),
    ("anc", 1500, "/uL", None, 1500),
    ("anc", 1500, f"/{MICRO}L", None, 1500),
    ("anc", 1500, f"/{MU}L", None, 1500),
    ("anc", 1.5, "10^9/L", None, 1500),
    ("anc", 1.5, "G/L", None, 1500),
    ("anc", 2.4, "10^9/L", None, 2400),
    ("platelets", 100_000, "/mm3", None, 100_000),
    ("platelets", 100_000, "/uL", None, 100_000),
    ("platelets", 100_000, f"/{MICRO}L", None, 100_000),
    ("platelets", 100_000, f"/{MU}L", None, 100_000),
    ("platelets", 100, "10^9/L", None, 100_000),
    ("platelets", 100, "G/L", None, 100_000),
    ("platelets", 231, "10^9/L", None, 231_000),
    ("platelets", 99.999, "G/L", None, 99_999),
    ("creatinine", 0.77, "mg/dL", None, 0.77),
    ("creatinine", 88.4, "umol/L", None, 1.0),
    ("creatinine", 88.4, f"{MICRO}mol/L", None, 1.0),
    ("creatinine", 88.4, f"{MU}mol/L", None, 1.0),
    ("creatinine", 68, "umol/L", None, 68 / 88.4),
    ("albumin", 2.5, "g/dL", None, 2.5),
    ("albumin", 25, "g/L", None, 2.5),
    ("albumin", 38, "g/L", None, 3.8),
    ("total_bilirubin", 31.5, "umol/L", 21, 1.5),
    ("total_bilirubin", 31.5, f"{MICRO}mol/L", 21, 1.5),
    ("total_bilirubin", 31.5, f"{MU}mol/L", 21, 1.5),
    ("total_bilirubin", 1.8, "mg/dL", 1.2, 1.5),
    ("alt", 120, "U/L", 40, 3.0),
    ("alt", 120, "IU/L", 40, 3.0),
    ("ast", 200, "U/L", 40, 5.0),
    ("ast", 200, "IU/L", 40, 5.0),
]


@pytest.mark.criterion(
    "INC-07-HB", "INC-07-ANC", "INC-07-PLT", "INC-07-BILI", "INC-07-ALT", "INC-07-AST", "INC-07-ALB", "INC-07-CRCL"
)
@pytest.mark.parametrize(("test", "value", "unit", "uln", "canonical"), CONVERSIONS)
def test_unit_converts_to_canonical(test: str, value: float, unit: str, uln: float | None, canonical: float) -> None:
    assert is_accepted(test, unit)
    assert to_canonical(test, value, unit, uln) == pytest.approx(canonical, rel=1e-9, abs=1e-9)


@pytest.mark.parametrize(
    ("test", "value", "unit", "uln", "canonical"),
    [
        ("hemoglobin", 5.5854, "mmol/L", None, 9.0),
        ("total_bilirubin", 1.8, "mg/dL", 1.2, 1.5),
        ("platelets", 100, "G/L", None, 100_000),
        ("albumin", 25, "g/L", None, 2.5),
    ],
)
def test_unit_conversion_lands_exactly_on_decimal_boundaries(
    test: str, value: float, unit: str, uln: float | None, canonical: float
) -> None:
    assert to_canonical(test, value, unit, uln) == canonical


ACCEPTED = {
    "hemoglobin": ["g/dL", "g/L", "mmol/L"],
    "anc": ["/mm3", "/uL", f"/{MICRO}L", "10^9/L", "G/L"],
    "platelets": ["/mm3", "/uL", f"/{MICRO}L", "10^9/L", "G/L"],
    "creatinine": ["mg/dL", "umol/L", f"{MICRO}mol/L"],
    "albumin": ["g/dL", "g/L"],
    "total_bilirubin": ["mg/dL", "umol/L", f"{MICRO}mol/L"],
    "alt": ["U/L", "IU/L"],
    "ast": ["U/L", "IU/L"],
}


@pytest.mark.parametrize("test", sorted(ACCEPTED))
def test_accepted_units_as_in_the_spec(test: str) -> None:
    assert accepted_units(test) == ACCEPTED[test]
    assert set(LAB_UNITS) == set(ACCEPTED)


@pytest.mark.parametrize(
    ("test", "unit"),
    [
        ("anc", f"/{MU}L"),
        ("platelets", f"/{MU}L"),
        ("creatinine", f"{MU}mol/L"),
        ("total_bilirubin", f"{MU}mol/L"),
    ],
)
def test_greek_mu_accepted_like_micro_sign(test: str, unit: str) -> None:
    assert is_accepted(test, unit)
    assert is_accepted(test, unit.replace(MU, MICRO))


REFUSED = [
    # G/L (10^9 cells per litre) and g/L (grams per litre) are different units.
    ("hemoglobin", "G/L"),
    ("albumin", "G/L"),
    ("anc", "g/L"),
    ("platelets", "g/L"),
    # Matched exactly, case included.
    ("creatinine", "mg/dl"),
    ("hemoglobin", "g/dl"),
    ("anc", "/ul"),
    ("platelets", "10^9/l"),
    ("alt", "u/l"),
    ("creatinine", "umol/l"),
    ("anc", "/mm\u00b3"),
    ("hemoglobin", "mg/dL"),
    ("albumin", "mmol/L"),
    ("creatinine", "mmol/L"),
    ("alt", "mg/dL"),
    ("total_bilirubin", "U/L"),
    ("anc", "/ÂµL"),  # mojibake of the micro sign
    ("anc", ""),
]


@pytest.mark.parametrize(("test", "unit"), REFUSED)
def test_unit_not_accepted(test: str, unit: str) -> None:
    assert not is_accepted(test, unit)


@pytest.mark.parametrize(
    ("test", "unit", "suggested"),
    [("creatinine", "mg/dl", "mg/dL"), ("hemoglobin", "G/DL", "g/dL"), ("creatinine", "UMOL/L", "umol/L")],
)
def test_unit_case_slip_names_accepted_unit(test: str, unit: str, suggested: str) -> None:
    assert unit_case_slip(test, unit) == suggested


@pytest.mark.criterion("INC-07-PLT", "INC-07-HB")
def test_g_per_l_and_giga_per_l_read_as_different_units() -> None:
    # 100 G/L of platelets is 100,000/mm3; 100 g/L of hemoglobin is 10 g/dL.
    platelets = with_labs(eligible_document(), "platelets", lab("platelets", 100, "G/L", LAB_DATE))
    hemoglobin = with_labs(eligible_document(), "hemoglobin", lab("hemoglobin", 100, "g/L", LAB_DATE))
    assert outcome_of(platelets, "INC-07-PLT").values["value"] == 100_000
    assert outcome_of(hemoglobin, "INC-07-HB").values["value"] == 10.0


@pytest.mark.criterion("INC-07-ANC", "INC-07-PLT", "INC-07-CRCL", "INC-07-BILI")
@pytest.mark.parametrize(
    ("test", "criterion", "value", "unit", "uln"),
    [
        ("anc", "INC-07-ANC", 1499, "/{}L", None),
        ("platelets", "INC-07-PLT", 99_999, "/{}L", None),
        ("total_bilirubin", "INC-07-BILI", 31.6, "{}mol/L", 21),
    ],
)
def test_micro_sign_and_greek_mu_give_the_same_outcome(
    test: str, criterion: str, value: float, unit: str, uln: float | None
) -> None:
    outcomes = {
        outcome_of(
            with_labs(eligible_document(), test, lab(test, value, unit.format(mu), LAB_DATE, uln)), criterion
        ).outcome
        for mu in (MICRO, MU)
    }
    assert outcomes == {"fail"}
