"""Lab units through the import (exchange-format.md, "Lab tests and units").

Spec: "The value is stored as entered, with its unit, and converted to the canonical
unit for the rules. Any other unit is refused, naming the accepted ones." and "Unit
strings are matched exactly as written here, case included (µ may be the micro sign
U+00B5 or the Greek letter mu U+03BC)". These tests go through the import
(``parse_screening``) and the evaluation: the conversion factors themselves are tested in
tests/rules/test_units.py. Every accepted unit, in every spelling, is shown converted to
the right scale by a threshold of criteria.md on both sides; the expected values are
written from the spec's table, not read from ``screening/rules/units.py``.
"""

from __future__ import annotations

from typing import Any

import pytest

from screening.exchange import result_document
from screening.rules.ruleset import evaluate
from tests.exchange.conftest import (
    ABSENT,
    evaluation_of,
    lab_index,
    only_error,
    outcome_of,
    parsed,
    with_lab,
)
from tests.spec_units import ACCEPTED_UNITS, MICRO, MU, ULN_TESTS


def _all_accepted() -> list[tuple[str, str]]:
    pairs = [(test, unit) for test, accepted in ACCEPTED_UNITS.items() for unit in accepted]
    return pairs + [(test, unit.replace(MICRO, MU)) for test, unit in pairs if MICRO in unit]


def _plausible_value(test: str, unit: str) -> tuple[float, float | None]:
    """A value (and ULN) that is plausible and passing in ``unit``."""
    if test in ULN_TESTS:
        return (0.5, 1.0) if unit == "mg/dL" else (10.0, 40.0)
    table = {
        ("hemoglobin", "g/dL"): 11.2,
        ("hemoglobin", "g/L"): 112,
        ("hemoglobin", "mmol/L"): 7.0,
        ("creatinine", "mg/dL"): 0.77,
        ("albumin", "g/dL"): 3.8,
        ("albumin", "g/L"): 38,
    }
    if (test, unit) in table:
        return table[(test, unit)], None
    if test == "creatinine":
        return 68, None  # µmol/L
    giga = unit in ("10^9/L", "G/L")
    if test == "anc":
        return (2.4, None) if giga else (2400, None)
    return (231, None) if giga else (231_000, None)


@pytest.mark.parametrize(("test", "unit"), _all_accepted())
def test_accepted_unit_accepted_and_stored_as_entered(test: str, unit: str) -> None:
    value, uln = _plausible_value(test, unit)
    doc = parsed(with_lab(test, {"value": value, "unit": unit, "uln": ABSENT if uln is None else uln}))
    assert doc.labs is not None
    entry = doc.labs[lab_index(test)]
    # Spec: "The value is stored as entered, with its unit".
    assert (entry.value, entry.unit) == (value, unit)


REFUSED_UNITS = [
    ("hemoglobin", "g/dl"),
    ("hemoglobin", "G/dL"),
    ("hemoglobin", "g/l"),
    ("hemoglobin", "G/L"),
    ("hemoglobin", "mmol/l"),
    ("hemoglobin", "mg/dL"),
    ("hemoglobin", "g/dL "),
    ("hemoglobin", " g/dL"),
    ("hemoglobin", "g / dL"),
    ("hemoglobin", ""),
    ("anc", "g/L"),
    ("anc", "/mm³"),
    ("anc", "/MM3"),
    ("anc", "/ul"),
    ("anc", f"/{MICRO}l"),
    ("anc", "10^9/l"),
    ("anc", "10*9/L"),
    ("anc", "10E9/L"),
    ("anc", "cells/mm3"),
    ("platelets", "g/L"),
    ("platelets", "g/l"),
    ("platelets", "/UL"),
    ("platelets", "10^3/uL"),
    ("creatinine", "mg/dl"),
    ("creatinine", "MG/DL"),
    ("creatinine", "umol/l"),
    ("creatinine", f"{MICRO}mol/l"),
    ("creatinine", f"{MU}mol/l"),
    ("creatinine", "mmol/L"),
    ("creatinine", "µM"),
    ("albumin", "G/L"),
    ("albumin", "g/l"),
    ("albumin", "mg/dL"),
    ("albumin", "mmol/L"),
    ("total_bilirubin", "mg/dl"),
    ("total_bilirubin", "mmol/L"),
    ("total_bilirubin", "umol/l"),
    ("total_bilirubin", "× ULN"),
    ("alt", "u/L"),
    ("alt", "UI/L"),
    ("alt", "iu/L"),
    ("alt", "IU/l"),
    ("alt", "U/l"),
    ("ast", "U/mL"),
    ("ast", "ukat/L"),
]


@pytest.mark.parametrize(("test", "unit"), REFUSED_UNITS)
def test_other_unit_refused_at_unit_naming_every_accepted_unit(test: str, unit: str) -> None:
    value, uln = _plausible_value(test, ACCEPTED_UNITS[test][0])
    error = only_error(with_lab(test, {"value": value, "unit": unit, "uln": ABSENT if uln is None else uln}))
    assert error.path == f"/labs/{lab_index(test)}/unit"
    for accepted in ACCEPTED_UNITS[test]:
        assert accepted in error.message, (accepted, error.message)


def test_unit_of_one_test_refused_for_another() -> None:
    # U/L is an enzyme unit: accepted for ALT, refused for hemoglobin.
    assert only_error(with_lab("hemoglobin", {"unit": "U/L"})).path == f"/labs/{lab_index('hemoglobin')}/unit"


# --- the converted value is what the rules compare ------------------------------------
# Boundaries written in another unit than the canonical one, on both sides.

CRITERION_OF = {
    "hemoglobin": "INC-07-HB",
    "anc": "INC-07-ANC",
    "platelets": "INC-07-PLT",
    "albumin": "INC-07-ALB",
    "total_bilirubin": "INC-07-BILI",
    "alt": "INC-07-ALT",
    "ast": "INC-07-AST",
}

BOUNDARIES = [
    # test, value, unit, uln, outcome
    ("hemoglobin", 9, "g/dL", None, "pass"),
    ("hemoglobin", 8.99, "g/dL", None, "fail"),
    ("hemoglobin", 5.5854, "mmol/L", None, "pass"),  # = 9 g/dL exactly
    ("hemoglobin", 5.5853, "mmol/L", None, "fail"),
    ("hemoglobin", 90, "g/L", None, "pass"),
    ("hemoglobin", 89.9, "g/L", None, "fail"),
    ("anc", 1.5, "G/L", None, "pass"),  # = 1,500 /mm³
    ("anc", 1.499, "G/L", None, "fail"),
    ("anc", 1.5, "10^9/L", None, "pass"),
    ("anc", 1.499, "10^9/L", None, "fail"),
    ("anc", 1500, f"/{MICRO}L", None, "pass"),
    ("anc", 1499, f"/{MU}L", None, "fail"),
    ("anc", 1500, "/uL", None, "pass"),
    ("anc", 1499, "/mm3", None, "fail"),
    ("platelets", 100, "G/L", None, "pass"),  # = 100,000 /mm³
    ("platelets", 99.999, "G/L", None, "fail"),
    ("platelets", 100, "10^9/L", None, "pass"),
    ("platelets", 99.9, "10^9/L", None, "fail"),
    ("platelets", 100_000, "/uL", None, "pass"),
    ("platelets", 99_999, f"/{MICRO}L", None, "fail"),
    ("platelets", 100_000, f"/{MU}L", None, "pass"),
    ("platelets", 99_999, f"/{MU}L", None, "fail"),
    ("platelets", 100_000, "/mm3", None, "pass"),
    ("platelets", 99_999, "/mm3", None, "fail"),
    ("albumin", 25, "g/L", None, "pass"),  # = 2.5 g/dL
    ("albumin", 24.9, "g/L", None, "fail"),
    ("albumin", 2.5, "g/dL", None, "pass"),
    ("albumin", 2.49, "g/dL", None, "fail"),
    ("total_bilirubin", 1.8, "mg/dL", 1.2, "pass"),  # = 1.5 × ULN
    ("total_bilirubin", 1.81, "mg/dL", 1.2, "fail"),
    ("total_bilirubin", 31.5, "umol/L", 21, "pass"),
    ("total_bilirubin", 31.6, "umol/L", 21, "fail"),
    ("total_bilirubin", 25.5, f"{MICRO}mol/L", 17, "pass"),
    ("total_bilirubin", 25.6, f"{MU}mol/L", 17, "fail"),
    ("alt", 120, "U/L", 40, "pass"),  # = 3 × ULN
    ("alt", 120.1, "U/L", 40, "fail"),
    ("alt", 105, "IU/L", 35, "pass"),
    ("alt", 105.1, "IU/L", 35, "fail"),
    ("ast", 99, "IU/L", 33, "pass"),
    ("ast", 99.1, "IU/L", 33, "fail"),
    ("ast", 120, "U/L", 40, "pass"),
    ("ast", 120.1, "U/L", 40, "fail"),
]


@pytest.mark.criterion("INC-07-HB", "INC-07-ANC", "INC-07-PLT", "INC-07-ALB", "INC-07-BILI", "INC-07-ALT", "INC-07-AST")
@pytest.mark.parametrize(("test", "value", "unit", "uln", "expected"), BOUNDARIES)
def test_boundary_in_another_unit_compared_after_conversion(
    test: str, value: float, unit: str, uln: float | None, expected: str
) -> None:
    doc = with_lab(test, {"value": value, "unit": unit, "uln": ABSENT if uln is None else uln})
    assert outcome_of(doc, CRITERION_OF[test]).outcome == expected


@pytest.mark.criterion("INC-07-HB")
def test_hemoglobin_5_5854_mmol_l_is_9_g_dl_and_passes_inc_07_hb() -> None:
    # 5.5854 / 0.6206 is 8.999999999999998 in binary floating point; the spec's
    # conversion makes it exactly 9 g/dL, on the threshold ("value >= 9 g/dL -> pass").
    doc = with_lab("hemoglobin", {"value": 5.5854, "unit": "mmol/L"})
    assert outcome_of(doc, "INC-07-HB").outcome == "pass"


@pytest.mark.criterion("INC-07-CRCL")
@pytest.mark.parametrize("unit", ["umol/L", f"{MICRO}mol/L", f"{MU}mol/L"])
def test_creatinine_88_4_umol_l_gives_the_crcl_of_1_mg_dl(unit: str) -> None:
    in_mg = evaluation_of(with_lab("creatinine", {"value": 1, "unit": "mg/dL"}))
    in_umol = evaluation_of(with_lab("creatinine", {"value": 88.4, "unit": unit}))
    assert in_umol.crcl_ml_min == in_mg.crcl_ml_min
    assert in_mg.crcl is not None
    assert in_umol.crcl is not None
    assert in_umol.crcl.crcl_ml_min == pytest.approx(in_mg.crcl.crcl_ml_min, rel=1e-9)


@pytest.mark.criterion("INC-07-CRCL")
@pytest.mark.parametrize("unit", ["umol/L", f"{MICRO}mol/L", f"{MU}mol/L"])
def test_creatinine_68_umol_l_spellings_give_crcl_93_6(unit: str) -> None:
    assert evaluation_of(with_lab("creatinine", {"unit": unit})).crcl_ml_min == 93.6


@pytest.mark.criterion("INC-07-ANC", "INC-07-PLT")
@pytest.mark.parametrize(
    ("test", "entries"),
    [
        (
            "anc",
            [(2400, "/mm3"), (2400, "/uL"), (2400, f"/{MICRO}L"), (2400, f"/{MU}L"), (2.4, "10^9/L"), (2.4, "G/L")],
        ),
        ("platelets", [(231_000, "/mm3"), (231_000, "/uL"), (231, "10^9/L"), (231, "G/L")]),
    ],
)
def test_cell_count_spellings_give_the_same_evaluation(test: str, entries: list[tuple[float, str]]) -> None:
    criterion = CRITERION_OF[test]
    outcomes = set()
    for value, unit in entries:
        ev = evaluate(parsed(with_lab(test, {"value": value, "unit": unit})))
        outcome = next(o for c, o in ev.outcomes if c.id == criterion)
        outcomes.add((outcome.outcome, result_document(ev, screening_id=None).status))
    assert outcomes == {("pass", "eligible")}


def _lab_edit(value: float, unit: str) -> dict[str, Any]:
    return {"value": value, "unit": unit}


def test_g_per_litre_and_giga_per_litre_are_different_units() -> None:
    # 38 g/L albumin is 3.8 g/dL; 38 G/L is not an albumin unit at all.
    parsed(with_lab("albumin", _lab_edit(38, "g/L")))
    assert only_error(with_lab("albumin", _lab_edit(38, "G/L"))).path == f"/labs/{lab_index('albumin')}/unit"
    # 231 G/L platelets is 231,000 /mm³; 231 g/L is not a platelet unit.
    parsed(with_lab("platelets", _lab_edit(231, "G/L")))
    assert only_error(with_lab("platelets", _lab_edit(231, "g/L"))).path == f"/labs/{lab_index('platelets')}/unit"
