"""Plausibility ranges and the record's limits, stated once (exchange-format.md, "Limits").

The exchange format refuses a value outside these (``screening/exchange/checks.py``) and
the database's CHECK constraints refuse it too (``screening/models.py``), whatever the
path into the database; both read the numbers here. Plain Python: no Django. A lab
value's plausible range is its test's, in ``units.LAB_UNITS``.
"""

from __future__ import annotations

from typing import Final

from screening.rules import units

# "every number ... within the plausibility range of its field"
WEIGHT_KG_MIN: Final = 25.0
WEIGHT_KG_MAX: Final = 300.0
AGE_YEARS_MAX: Final = 120
# The performance statuses a patient screened can have (ECOG 5 is death); the criterion's
# own limit is parameters.ECOG_MAX.
ECOG_STATUS_MIN: Final = 0
ECOG_STATUS_MAX: Final = 4
AMENORRHEA_MONTHS_MIN: Final = 0
AMENORRHEA_MONTHS_MAX: Final = 600
LVEF_PERCENT_MIN: Final = 5.0
LVEF_PERCENT_MAX: Final = 90.0
RECEPTOR_PERCENT_MIN: Final = 0.0
RECEPTOR_PERCENT_MAX: Final = 100.0

# "patient.initials: 1 to 5 characters"
INITIALS_MAX_CHARS: Final = 5
# A screening number has 4 to 6 digits (Limits): the largest sequence a site can reach.
SCREENING_SEQUENCE_MAX: Final = 999_999

# "a lab's uln within the plausibility range of that test's value, in the same unit". For
# the tests judged in × ULN the spec gives the value's range only relative to the ULN, so
# the ULN's own range is chosen here, in each accepted unit: total bilirubin 0.1 – 20 mg/dL
# (1 mg/dL = 17.1 µmol/L), ALT and AST 1 – 1,000 U/L; far beyond any laboratory's ULN.
BILIRUBIN_UMOL_L_PER_MG_DL: Final = 17.1
_BILIRUBIN_ULN_MG_DL: Final = (0.1, 20.0)
_BILIRUBIN_ULN_UMOL_L: Final = (1.71, 342.0)  # 0.1 and 20 mg/dL × 17.1, written exactly (no float product)
_TRANSAMINASE_ULN_U_L: Final = (1.0, 1_000.0)
RELATIVE_ULN_RANGES: Final[dict[str, dict[str, tuple[float, float]]]] = {
    "total_bilirubin": {
        "mg/dL": _BILIRUBIN_ULN_MG_DL,
        "umol/L": _BILIRUBIN_ULN_UMOL_L,
        units.MICRO_SIGN + "mol/L": _BILIRUBIN_ULN_UMOL_L,
        units.GREEK_MU + "mol/L": _BILIRUBIN_ULN_UMOL_L,
    },
    "alt": {"U/L": _TRANSAMINASE_ULN_U_L, "IU/L": _TRANSAMINASE_ULN_U_L},
    "ast": {"U/L": _TRANSAMINASE_ULN_U_L, "IU/L": _TRANSAMINASE_ULN_U_L},
}
