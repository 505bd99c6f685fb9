"""The spec's tables, entry by entry (fhir-labs.md, "Which Observation becomes which test"
and "Units"): each LOINC code and each unit through the whole mapping."""

from __future__ import annotations

from typing import Final

import pytest

from screening.fhir import tables
from screening.rules import units
from tests.fhir.builders import observation, one, printed, quantity, skip_code

# Spec table, verbatim.
SPEC_LOINC: Final = {
    "hemoglobin": ["718-7", "59260-0", "20509-6"],
    "anc": ["751-8", "753-4", "26499-4"],
    "platelets": ["777-3", "26515-7"],
    "total_bilirubin": ["1975-2", "14631-6"],
    "alt": ["1742-6", "1743-4"],
    "ast": ["1920-8", "30239-8"],
    "albumin": ["1751-7", "61151-7", "61152-5"],
    "creatinine": ["2160-0", "14682-9", "77140-2"],
}
# A value and a UCUM code of each test that together are a plausible row.
PLAUSIBLE: Final = {
    "hemoglobin": (11.2, "g/dL"),
    "anc": (2.4, "10*9/L"),
    "platelets": (231, "10*9/L"),
    "total_bilirubin": (9, "umol/L"),
    "alt": (25, "U/L"),
    "ast": (31, "U/L"),
    "albumin": (38, "g/L"),
    "creatinine": (62, "umol/L"),
}
LOINC_CASES: Final = [(test, code) for test, codes in SPEC_LOINC.items() for code in codes]

# Spec "Units": (test, UCUM code, exchange unit).
UCUM_CASES: Final = [
    ("hemoglobin", "g/dL", "g/dL"),
    ("hemoglobin", "g/L", "g/L"),
    ("hemoglobin", "mmol/L", "mmol/L"),
    *[
        (test, code, unit)
        for test in ("anc", "platelets")
        for code, unit in (("10*9/L", "10^9/L"), ("10*3/uL", "10^9/L"), ("/uL", "/uL"), ("/mm3", "/mm3"))
    ],
    *[(test, code, code) for test in ("creatinine", "total_bilirubin") for code in ("umol/L", "mg/dL")],
    ("albumin", "g/L", "g/L"),
    ("albumin", "g/dL", "g/dL"),
    *[(test, code, unit) for test in ("alt", "ast") for code, unit in (("U/L", "U/L"), ("[IU]/L", "IU/L"))],
]
# Spec "Units", last column: (test, printed unit, exchange unit).
PRINTED_CASES: Final = [
    ("hemoglobin", "g/dL", "g/dL"),
    ("hemoglobin", "g/L", "g/L"),
    ("hemoglobin", "mmol/L", "mmol/L"),
    *[(test, unit, unit) for test in ("anc", "platelets") for unit in ("G/L", "10^9/L", "/mm3", "/µL")],
    ("anc", "/\u03bcL", "/µL"),  # the Greek letter mu, which looks the same
    *[(test, "µmol/L", "µmol/L") for test in ("creatinine", "total_bilirubin")],
    ("creatinine", "\u03bcmol/L", "µmol/L"),
    ("albumin", "g/L", "g/L"),
    ("albumin", "g/dL", "g/dL"),
    *[(test, unit, mapped) for test in ("alt", "ast") for unit, mapped in (("UI/L", "IU/L"), ("IU/L", "IU/L"))],
]
# Units the table does not list in that column: refused, case and system included.
NOT_ACCEPTED: Final = [
    ("creatinine", printed(62, "umol/L")),  # printed: only µmol/L is listed
    ("creatinine", printed(0.7, "mg/dL")),
    ("creatinine", quantity(62, "µmol/L")),  # as a UCUM code: only umol/L
    ("creatinine", quantity(0.7, "mg/dl")),
    ("alt", printed(25, "U/L")),  # printed: UI/L and IU/L only
    ("alt", quantity(25, "IU/L")),  # the UCUM code is [IU]/L
    ("anc", printed(2400, "/uL")),  # printed: /µL, not /uL
    ("anc", quantity(2.4, "G/L")),  # G/L is a printed unit, not a UCUM code
    ("platelets", quantity(231, "10^9/L")),
    ("hemoglobin", quantity(112, "g/l")),
    ("albumin", printed(3.8, "g/dl")),
    ("albumin", quantity(38, "mmol/L")),
    ("hemoglobin", {"value": 11.2, "system": "http://snomed.info/sct", "code": "g/dL"}),  # no printed unit
    ("hemoglobin", {"value": 11.2, "system": "http://unitsofmeasure.org", "unit": "g/dL"}),  # no UCUM code
    ("hemoglobin", {"value": 11.2}),
]
TEST_LOINC: Final = {test: codes[0] for test, codes in SPEC_LOINC.items()}


def _row(test: str, value_quantity: dict[str, object]) -> dict[str, object]:
    extra = {}
    if test in tables.ULN_TESTS:
        extra["referenceRange"] = [{"high": {**value_quantity, "value": 40}}]
    return one(observation(loinc=TEST_LOINC[test], value=value_quantity, **extra))


def test_the_loinc_table_is_the_spec_s() -> None:
    assert tables.LOINC_TESTS == {code: test for test, code in LOINC_CASES}


@pytest.mark.parametrize(("test", "code"), LOINC_CASES)
def test_each_loinc_code_proposes_its_test(test: str, code: str) -> None:
    value, ucum = PLAUSIBLE[test]
    extra = {"referenceRange": [{"high": quantity(40, ucum)}]} if test in tables.ULN_TESTS else {}

    row = one(observation(loinc=code, value=quantity(value, ucum), **extra))

    assert (row["test"], row["source"]["loinc"]) == (test, code)


@pytest.mark.parametrize(("test", "code", "unit"), UCUM_CASES)
def test_each_ucum_code_maps_to_its_exchange_unit(test: str, code: str, unit: str) -> None:
    row = _row(test, quantity(7, code))

    assert (row["unit"], row["value"], row["source"]["unit"]) == (unit, 7, code)
    assert units.is_accepted(test, unit)


@pytest.mark.parametrize(("test", "unit", "mapped"), PRINTED_CASES)
def test_each_printed_unit_maps_to_its_exchange_unit(test: str, unit: str, mapped: str) -> None:
    row = _row(test, printed(7, unit))

    assert (row["unit"], row["source"]["unit"]) == (mapped, unit)
    assert units.is_accepted(test, mapped)


@pytest.mark.parametrize(("test", "value_quantity"), NOT_ACCEPTED)
def test_a_unit_the_table_does_not_list_is_not_accepted(test: str, value_quantity: dict[str, object]) -> None:
    assert skip_code(observation(loinc=TEST_LOINC[test], value=value_quantity)) == "unit_not_accepted"


def test_every_mapped_unit_is_accepted_by_the_exchange_format() -> None:
    for test, table in tables.UNITS.items():
        for mapped in [*table.ucum.values(), *table.printed.values()]:
            assert units.is_accepted(test, mapped), (test, mapped)


def test_the_unit_tables_are_the_spec_s() -> None:
    assert {(t, c, u) for t, table in tables.UNITS.items() for c, u in table.ucum.items()} == set(UCUM_CASES)
    assert {(t, p, u) for t, table in tables.UNITS.items() for p, u in table.printed.items()} >= set(PRINTED_CASES)


def test_the_value_is_kept_exactly_as_given() -> None:
    # 10*3/uL is 10^9/L: the unit changes its spelling, the number does not.
    assert _row("platelets", quantity(231.25, "10*3/uL"))["value"] == 231.25
    assert _row("hemoglobin", quantity(11.20, "g/dL"))["value"] == 11.2
    assert isinstance(_row("creatinine", quantity(62, "umol/L"))["value"], int)
