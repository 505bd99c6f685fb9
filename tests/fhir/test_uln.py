"""The upper limit of normal (fhir-labs.md): for total bilirubin, ALT and AST, the high of
the first reference range in the unit of the value; for other tests no ULN."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fhir.builders import observation, one, printed, quantity

ALT = "1742-6"
BILIRUBIN = "14631-6"


def _alt(value: dict[str, Any], *ranges: dict[str, Any]) -> dict[str, Any]:
    return one(observation(loinc=ALT, value=value, referenceRange=list(ranges)))


def test_high_in_the_same_ucum_code() -> None:
    row = _alt(quantity(25, "U/L"), {"low": quantity(5, "U/L"), "high": quantity(40, "U/L")})

    assert row["uln"] == 40


def test_high_in_the_same_printed_unit() -> None:
    row = _alt(printed(25, "UI/L"), {"high": printed(35, "UI/L")})

    assert (row["unit"], row["uln"]) == ("IU/L", 35)


def test_high_in_another_unit_is_not_the_uln() -> None:
    row = one(
        observation(loinc=BILIRUBIN, value=quantity(9, "umol/L"), referenceRange=[{"high": quantity(1.2, "mg/dL")}])
    )

    assert row.get("code") is None
    assert "uln" not in row


def test_the_first_range_in_the_unit_of_the_value() -> None:
    row = one(
        observation(
            loinc=BILIRUBIN,
            value=quantity(9, "umol/L"),
            referenceRange=[
                {"high": quantity(1.2, "mg/dL")},
                {"low": quantity(3, "umol/L")},
                {"high": quantity(21, "umol/L")},
                {"high": quantity(17, "umol/L")},
            ],
        )
    )

    assert row["uln"] == 21


def test_a_printed_high_of_the_same_unit_counts_for_a_ucum_value() -> None:
    # The value's printed unit is "U/L" too: "the same printed unit".
    row = _alt(quantity(25, "U/L"), {"high": printed(45, "U/L")})

    assert row["uln"] == 45


def test_no_reference_range_means_no_uln() -> None:
    row = _alt(quantity(25, "U/L"))

    assert "uln" not in row


@pytest.mark.parametrize("loinc", ["14682-9", "718-7", "777-3", "1751-7", "751-8"])
def test_other_tests_do_not_use_the_reference_range(loinc: str) -> None:
    units = {"14682-9": "umol/L", "718-7": "g/dL", "777-3": "10*9/L", "1751-7": "g/L", "751-8": "10*9/L"}
    row = one(
        observation(
            loinc=loinc, value=quantity(10, units[loinc]), referenceRange=[{"high": quantity(100, units[loinc])}]
        )
    )

    assert "uln" not in row


def test_the_uln_is_kept_as_given() -> None:
    assert _alt(quantity(25, "U/L"), {"high": quantity(40.50, "U/L")})["uln"] == 40.5
