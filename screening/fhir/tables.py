"""The spec's tables (fhir-labs.md), as data: which LOINC code is which test, and which
unit of a FHIR ``valueQuantity`` is which unit of the exchange format.

Every entry is tested one by one (tests/fhir/test_tables.py); a unit that maps here must
also be one the exchange format accepts for the test (``rules/units.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

LOINC_SYSTEM: Final = "http://loinc.org"
UCUM_SYSTEM: Final = "http://unitsofmeasure.org"

MICRO_SIGN: Final = "\u00b5"  # µ as the spec writes it
GREEK_MU: Final = "\u03bc"  # μ, which looks the same: the exchange format accepts both

# Spec, "Which Observation becomes which test": LOINC code -> test (what the code measures).
LOINC_TESTS: Final[dict[str, str]] = {
    "718-7": "hemoglobin",  # mass/volume, blood
    "59260-0": "hemoglobin",  # moles/volume, blood
    "20509-6": "hemoglobin",  # by calculation
    "751-8": "anc",  # automated count
    "753-4": "anc",  # manual count
    "26499-4": "anc",
    "777-3": "platelets",  # automated count
    "26515-7": "platelets",
    "1975-2": "total_bilirubin",  # mass/volume
    "14631-6": "total_bilirubin",  # moles/volume
    "1742-6": "alt",
    "1743-4": "alt",  # with P-5'-P
    "1920-8": "ast",
    "30239-8": "ast",  # with P-5'-P
    "1751-7": "albumin",
    "61151-7": "albumin",  # BCG
    "61152-5": "albumin",  # BCP
    "2160-0": "creatinine",  # mass/volume
    "14682-9": "creatinine",  # moles/volume
    "77140-2": "creatinine",  # moles/volume, serum, plasma or blood
}


@dataclass(frozen=True, slots=True)
class TestUnits:
    """How the unit of a FHIR quantity becomes the exchange format's unit, for one test."""

    __test__ = False  # not a pytest class, despite its name

    # UCUM code (valueQuantity.code, system UCUM) -> exchange unit
    ucum: dict[str, str]
    # printed unit (valueQuantity.unit, no UCUM system) -> exchange unit: "accepted only
    # when the last column lists it"
    printed: dict[str, str]


def _same(*units: str) -> dict[str, str]:
    return {unit: unit for unit in units}


def _with_greek_mu(printed: dict[str, str]) -> dict[str, str]:
    """The Greek letter mu wherever the micro sign is listed (they look the same)."""
    extra = {unit.replace(MICRO_SIGN, GREEK_MU): mapped for unit, mapped in printed.items() if MICRO_SIGN in unit}
    return {**printed, **extra}


_COUNTS: Final = TestUnits(
    ucum={"10*9/L": "10^9/L", "10*3/uL": "10^9/L", "/uL": "/uL", "/mm3": "/mm3"},
    printed=_with_greek_mu({"G/L": "G/L", "10^9/L": "10^9/L", "/mm3": "/mm3", "/µL": "/µL"}),
)
_MOLAR_OR_MASS: Final = TestUnits(
    ucum={"umol/L": "umol/L", "mg/dL": "mg/dL"},
    printed=_with_greek_mu({"µmol/L": "µmol/L"}),
)
_ENZYME: Final = TestUnits(
    ucum={"U/L": "U/L", "[IU]/L": "IU/L"},
    printed={"UI/L": "IU/L", "IU/L": "IU/L"},
)

# Spec, "Units".
UNITS: Final[dict[str, TestUnits]] = {
    "hemoglobin": TestUnits(ucum=_same("g/dL", "g/L", "mmol/L"), printed=_same("g/dL", "g/L", "mmol/L")),
    "anc": _COUNTS,
    "platelets": _COUNTS,
    "creatinine": _MOLAR_OR_MASS,
    "total_bilirubin": _MOLAR_OR_MASS,
    "albumin": TestUnits(ucum=_same("g/L", "g/dL"), printed=_same("g/L", "g/dL")),
    "alt": _ENZYME,
    "ast": _ENZYME,
}

# Spec, "Upper limit of normal": the tests whose rows carry a ULN from the reference range.
ULN_TESTS: Final = frozenset({"total_bilirubin", "alt", "ast"})

# Spec, "Skipped": statuses of a result; registered and preliminary are not one yet.
FINAL_STATUSES: Final = frozenset({"final", "amended", "corrected"})
NOT_YET_STATUSES: Final = frozenset({"registered", "preliminary"})

# Spec, "Input": a larger bundle is refused.
MAX_ENTRIES: Final = 2000


def loinc_codes() -> list[str]:
    """The table's LOINC codes, in the spec's order (what a server is asked for)."""
    return list(LOINC_TESTS)


def exchange_unit(test: str, unit: str, *, ucum: bool) -> str | None:
    """The exchange format's unit for a UCUM code (``ucum``) or a printed unit, or None."""
    table = UNITS[test].ucum if ucum else UNITS[test].printed
    return table.get(unit)


def ucum_codes(test: str) -> list[str]:
    return list(UNITS[test].ucum)


def printed_units(test: str) -> list[str]:
    """The printed units a test accepts, as the spec lists them (the Greek-mu spellings
    are accepted but not named)."""
    return [unit for unit in UNITS[test].printed if GREEK_MU not in unit]
