"""Lab units: every accepted unit converts to the canonical unit (exchange-format.md,
"Lab tests and units"); unit strings are matched exactly, µ as U+00B5 or U+03BC."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import pytest

from screening.rules.units import (
    LAB_UNITS,
    accepted_units,
    exact,
    exact_canonical,
    half_up,
    is_accepted,
    is_plausible,
    number_text,
    shown_beside,
    to_canonical,
    unit_case_slip,
)
from tests.builders import LAB_DATE, eligible_document, lab, outcome_of, with_labs
from tests.spec_units import ACCEPTED_UNITS, MICRO, MU

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


@pytest.mark.parametrize("test", sorted(ACCEPTED_UNITS))
def test_accepted_units_as_in_the_spec(test: str) -> None:
    assert accepted_units(test) == ACCEPTED_UNITS[test]
    assert set(LAB_UNITS) == set(ACCEPTED_UNITS)


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


# --- exact values (criteria.md, "Arithmetic is exact") ----------------------------------------

EXACT_CONVERSIONS = [
    # test, value, unit, uln, exact canonical value
    ("hemoglobin", 5.5854, "mmol/L", None, "9"),  # 8.999999999999998 in binary floating point
    ("hemoglobin", 10, "mmol/L", None, "10/0.6206"),
    ("hemoglobin", 89.9999999999, "g/L", None, "8.99999999999"),
    ("anc", 1.4999999999, "G/L", None, "1499.9999999"),
    ("platelets", 0.1, "10^9/L", None, "100"),  # 0.1 × 1000: 100.00000000000001 in floats
    ("creatinine", 88.4, "umol/L", None, "1"),
    ("creatinine", 8.84, f"{MICRO}mol/L", None, "0.1"),  # 0.09999999999999999 in floats
    ("albumin", 24.9999999999, "g/L", None, "2.49999999999"),
    ("total_bilirubin", 1.8, "mg/dL", 1.2, "1.5"),  # 1.5000000000000002 in floats
    ("alt", 99.9, "U/L", 33.3, "3"),  # 3.0000000000000004 in floats
    ("ast", 166.5, "IU/L", 33.3, "5"),
]


def _fraction(text: str) -> Fraction:
    numerator, _, denominator = text.partition("/")
    return Fraction(numerator) / Fraction(denominator or "1")


@pytest.mark.criterion(
    "INC-07-HB", "INC-07-ANC", "INC-07-PLT", "INC-07-BILI", "INC-07-ALT", "INC-07-AST", "INC-07-ALB", "INC-07-CRCL"
)
@pytest.mark.parametrize(("test", "value", "unit", "uln", "expected"), EXACT_CONVERSIONS)
def test_exact_canonical_is_the_exact_decimal_conversion(
    test: str, value: float, unit: str, uln: float | None, expected: str
) -> None:
    assert exact_canonical(test, value, unit, uln) == _fraction(expected)
    # The float for storage is the one nearest to the exact value.
    assert to_canonical(test, value, unit, uln) == float(_fraction(expected))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (5.5854, "5.5854"),
        (0.1, "0.1"),
        (89.9999999999, "89.9999999999"),
        (100000.0000000001, "100000.0000000001"),
        (1e-05, "0.00001"),
        (231.0, "231"),
        (68, "68"),
        (Decimal("0.6206"), "0.6206"),
        (Fraction(1, 3), "1/3"),
    ],
)
def test_exact_reads_the_decimal_written(value: float, expected: str) -> None:
    assert exact(value) == _fraction(expected)


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        ("148.75", 1, "148.8"),  # the spec's examples
        ("174.25", 1, "174.3"),  # Python's round(174.25, 1) is 174.2
        ("174.2499999999", 1, "174.2"),
        ("2.0005", 3, "2.001"),  # the float 2.0005 is a hair below: round() gives 2.0
        ("0.6385", 3, "0.639"),
        ("-2.5", 0, "-3"),  # a tie away from zero, as Decimal's ROUND_HALF_UP
        ("-0.0004", 3, "0.000"),
        ("2/3", 2, "0.67"),
        ("10/0.6206", 3, "16.113"),
    ],
)
def test_half_up_rounds_the_exact_value(value: str, decimals: int, expected: str) -> None:
    got = half_up(_fraction(value), decimals)
    assert got == Decimal(expected)
    assert got == _fraction(value).__round__(decimals) or "5" in value or value.startswith("2/")
    assert str(got) == expected


def test_half_up_of_a_float_rounds_the_decimal_written() -> None:
    assert half_up(2.0005, 3) == Decimal("2.001")
    assert half_up(148.75, 1) == Decimal("148.8")


@pytest.mark.parametrize(
    ("value", "limits", "expected"),
    [
        ("8.99999999999", ("9",), 8.99999999999),  # never "9 < 9"
        ("8.9996", ("9",), 8.9996),
        ("8.99", ("9",), 8.99),
        ("9", ("9",), 9.0),  # on the limit: shown on it
        ("11.23456", ("9",), 11.235),
        ("3.000000000003", ("3", "5"), 3.000000000003),
        ("4.9999999", ("3", "5"), 4.9999999),
        ("1.49999999999999999999", ("1.5",), 1.5),  # beyond 15 significant digits: on it, never across
    ],
)
def test_shown_beside_never_shows_a_value_on_a_limit_it_is_not_on(
    value: str, limits: tuple[str, ...], expected: float
) -> None:
    assert shown_beside(Fraction(value), *map(Fraction, limits)) == expected


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (5.5854, None, "5.5854"),
        (100000.0, None, "100,000"),
        (1500, None, "1,500"),
        (0.77, None, "0.77"),
        (1e-05, None, "0.00001"),
        (Fraction(3, 2), None, "1.5"),
        (Fraction(100_000), None, "100,000"),
        (Decimal("8.99999999999"), None, "8.99999999999"),
        (Fraction("148.75"), 1, "148.8"),
        (52.25, 1, "52.3"),
        (0.775, 2, "0.78"),
        (1234.5, 1, "1,234.5"),
    ],
)
def test_number_text(value: float | Fraction | Decimal, decimals: int | None, expected: str) -> None:
    assert number_text(value, decimals) == expected


# --- plausible ranges (criteria.md, "Plausibility"): exact on their bounds ----------------------

PLAUSIBLE_BOUNDS = [
    # test, unit, uln, value exactly on a bound, just outside it
    ("hemoglobin", "g/dL", None, 2, 1.9999999999),
    ("hemoglobin", "g/dL", None, 25, 25.0000000001),
    ("hemoglobin", "g/L", None, 20, 19.9999999999),
    ("hemoglobin", "g/L", None, 250, 250.0000000001),
    ("hemoglobin", "mmol/L", None, 1.2412, 1.2411999999),
    ("hemoglobin", "mmol/L", None, 15.515, 15.5150000001),
    ("anc", "/mm3", None, 100_000, 100_000.0000000001),
    ("anc", "G/L", None, 100, 100.0000000001),
    ("platelets", "/uL", None, 1_000, 999.9999999999),
    ("platelets", "10^9/L", None, 1, 0.9999999999),
    ("platelets", "G/L", None, 2_000, 2_000.0000000001),
    ("creatinine", "mg/dL", None, 0.1, 0.0999999999),
    ("creatinine", "umol/L", None, 8.84, 8.8399999999),
    ("creatinine", f"{MICRO}mol/L", None, 1768, 1768.0000000001),
    ("albumin", "g/L", None, 5, 4.9999999999),
    ("albumin", "g/L", None, 70, 70.0000000001),
    ("total_bilirubin", "umol/L", 17.1, 1710, 1710.0000000001),
    ("alt", "U/L", 33.3, 3330, 3330.0000000001),
    ("ast", "IU/L", 33.3, 3330, 3330.0000000001),
]


@pytest.mark.parametrize(("test", "unit", "uln", "on", "outside"), PLAUSIBLE_BOUNDS)
def test_plausible_range_exact_on_its_bounds(
    test: str, unit: str, uln: float | None, on: float, outside: float
) -> None:
    assert is_plausible(test, to_canonical(test, on, unit, uln))
    assert not is_plausible(test, to_canonical(test, outside, unit, uln))


def test_to_canonical_not_finite_stays_not_finite() -> None:
    assert math.isnan(to_canonical("hemoglobin", math.nan, "g/L"))
    assert to_canonical("alt", math.inf, "U/L", 40) == math.inf
    assert to_canonical("alt", 1e300, "U/L", 1e-300) == math.inf
    assert not is_plausible("alt", to_canonical("alt", 1e300, "U/L", 1e-300))
