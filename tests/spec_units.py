"""The spec's table of accepted lab units (exchange-format.md, "Lab tests and units"), stated
once for the tests: written from the spec, not read from ``screening/rules/units.py``, so
that the tests check the code against it (tests/rules/test_units.py, the table itself;
tests/exchange/test_units.py, every unit through the import)."""

from __future__ import annotations

from typing import Final

MICRO: Final = "\u00b5"  # µ MICRO SIGN
MU: Final = "\u03bc"  # μ GREEK SMALL LETTER MU: "µ may be the micro sign U+00B5 or the Greek letter mu U+03BC"

# Every accepted unit, in the spec's spelling and order (µ written as the micro sign).
ACCEPTED_UNITS: Final = {
    "hemoglobin": ["g/dL", "g/L", "mmol/L"],
    "anc": ["/mm3", "/uL", f"/{MICRO}L", "10^9/L", "G/L"],
    "platelets": ["/mm3", "/uL", f"/{MICRO}L", "10^9/L", "G/L"],
    "creatinine": ["mg/dL", "umol/L", f"{MICRO}mol/L"],
    "albumin": ["g/dL", "g/L"],
    "total_bilirubin": ["mg/dL", "umol/L", f"{MICRO}mol/L"],
    "alt": ["U/L", "IU/L"],
    "ast": ["U/L", "IU/L"],
}

# The tests judged in × ULN, whose rows need their ULN.
ULN_TESTS: Final = frozenset({"total_bilirubin", "alt", "ast"})
