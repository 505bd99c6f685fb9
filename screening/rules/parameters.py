"""The numbers of a ruleset: its thresholds and windows, declared once per ruleset.

The rule functions read them from the :class:`Parameters` of the ruleset that evaluates
(``Facts.parameters``), so that an amendment reuses a rule with other numbers (CrCl ≥ 40
instead of 30) without a new function. Each outcome's ``values`` carry the numbers its
rule used (:meth:`Parameters.values_of`), so that a page shows a stored result with its
own ruleset's numbers, never today's constants.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from types import MappingProxyType
from typing import Final

from screening.rules.dates import (
    BRAIN_METASTASIS_TREATMENT_MIN_DAYS,
    LAB_WINDOW_DAYS,
    OTHER_TRIAL_WINDOW_DAYS,
    PREGNANCY_TEST_WINDOW_DAYS,
    SUPPORT_WINDOW_DAYS,
)
from screening.rules.derived import AMENORRHEA_POSTMENOPAUSAL_MONTHS, POSTMENOPAUSAL_AGE_YEARS
from screening.rules.units import number_text

# alter-v1's thresholds (registry sentences quoted by the rules of inclusion.py). Exact
# (spec: "Arithmetic is exact"): each value is compared with them as a Fraction,
# unrounded. Ages and ECOG are integers.
ADULT_AGE_YEARS: Final = 18
HORMONE_RECEPTOR_MAX_PERCENT: Final = Fraction(10)  # ER and PR must be < 10 %
ECOG_MAX: Final = 1
HEMOGLOBIN_MIN_G_DL: Final = Fraction(9)
ANC_MIN_PER_MM3: Final = Fraction(1_500)
PLATELETS_MIN_PER_MM3: Final = Fraction(100_000)
BILIRUBIN_MAX_X_ULN: Final = Fraction("1.5")
BILIRUBIN_LIVER_OR_GILBERT_BELOW_X_ULN: Final = Fraction(3)
TRANSAMINASES_MAX_X_ULN: Final = Fraction(3)
TRANSAMINASES_LIVER_BELOW_X_ULN: Final = Fraction(5)
ALBUMIN_MIN_G_DL: Final = Fraction("2.5")
CRCL_MIN_ML_MIN: Final = Fraction(30)
LVEF_MIN_PERCENT: Final = Fraction(55)

JsonNumber = int | float
_NONE: Final[Mapping[str, JsonNumber]] = MappingProxyType({})


def json_number(value: Fraction | int) -> JsonNumber:
    """A threshold as the result document writes it: 100000, 1.5 (exact decimals only)."""
    if isinstance(value, int):
        return value
    return value.numerator if value.denominator == 1 else float(value)


@dataclass(frozen=True, slots=True)
class Parameters:
    """Every threshold and window a ruleset's rules compare with."""

    adult_age_years: int
    hormone_receptor_max_percent: Fraction
    ecog_max: int
    hemoglobin_min_g_dl: Fraction
    anc_min_per_mm3: Fraction
    platelets_min_per_mm3: Fraction
    bilirubin_max_x_uln: Fraction
    bilirubin_raised_below_x_uln: Fraction
    transaminases_max_x_uln: Fraction
    transaminases_raised_below_x_uln: Fraction
    albumin_min_g_dl: Fraction
    crcl_min_ml_min: Fraction
    lvef_min_percent: Fraction
    lab_window_days: int
    support_window_days: int
    pregnancy_test_window_days: int
    brain_metastasis_treatment_min_days: int
    other_trial_window_days: int
    postmenopausal_age_years: int
    amenorrhea_postmenopausal_months: int
    # Worked out once per ruleset, not for every screening (see __post_init__).
    limit_text: dict[str, str] = field(init=False, compare=False, repr=False)
    _values: dict[str, dict[str, JsonNumber]] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        # The thresholds as the English reasons write them.
        texts = {
            "INC-03-HR": self.hormone_receptor_max_percent,
            "INC-07-HB": self.hemoglobin_min_g_dl,
            "INC-07-ANC": self.anc_min_per_mm3,
            "INC-07-PLT": self.platelets_min_per_mm3,
            "INC-07-BILI": self.bilirubin_max_x_uln,
            "INC-07-BILI raised": self.bilirubin_raised_below_x_uln,
            "INC-07-ALT": self.transaminases_max_x_uln,
            "INC-07-ALT raised": self.transaminases_raised_below_x_uln,
            "INC-07-AST": self.transaminases_max_x_uln,
            "INC-07-AST raised": self.transaminases_raised_below_x_uln,
            "INC-07-ALB": self.albumin_min_g_dl,
            "INC-07-CRCL": self.crcl_min_ml_min,
            "INC-08": self.lvef_min_percent,
        }
        object.__setattr__(self, "limit_text", {key: number_text(v) for key, v in texts.items()})
        n = json_number
        lab: dict[str, JsonNumber] = {"window_days": self.lab_window_days}
        count: dict[str, JsonNumber] = {**lab, "support_window_days": self.support_window_days}
        wocbp: dict[str, JsonNumber] = {
            "postmenopausal_age_years": self.postmenopausal_age_years,
            "amenorrhea_min_months": self.amenorrhea_postmenopausal_months,
        }
        transaminases: dict[str, JsonNumber] = {
            "max_x_uln": n(self.transaminases_max_x_uln),
            "raised_below_x_uln": n(self.transaminases_raised_below_x_uln),
            **lab,
        }
        values: dict[str, dict[str, JsonNumber]] = {
            "INC-02": {"min": self.adult_age_years},
            "INC-03-HR": {"max": n(self.hormone_receptor_max_percent)},
            "INC-05": {"max": self.ecog_max},
            "INC-06": wocbp,
            "INC-07-HB": {"min": n(self.hemoglobin_min_g_dl), **count},
            "INC-07-ANC": {"min": n(self.anc_min_per_mm3), **count},
            "INC-07-PLT": {"min": n(self.platelets_min_per_mm3), **count},
            "INC-07-BILI": {
                "max_x_uln": n(self.bilirubin_max_x_uln),
                "raised_below_x_uln": n(self.bilirubin_raised_below_x_uln),
                **lab,
            },
            "INC-07-ALT": transaminases,
            "INC-07-AST": transaminases,
            "INC-07-ALB": {"min": n(self.albumin_min_g_dl), **lab},
            "INC-07-CRCL": {"min": n(self.crcl_min_ml_min), **lab},
            "INC-08": {"min": n(self.lvef_min_percent)},
            "INC-09": {"window_days": self.pregnancy_test_window_days, **wocbp},
            "EXC-03": {"min_days": self.brain_metastasis_treatment_min_days},
            "EXC-09": {"window_days": self.other_trial_window_days},
        }
        object.__setattr__(self, "_values", values)

    def values_of(self, criterion_id: str) -> Mapping[str, JsonNumber]:
        """The numbers criterion ``criterion_id`` compares with, as its outcome's values carry
        them (worked out once per ruleset: read-only)."""
        return self._values.get(criterion_id, _NONE)


ALTER_V1_PARAMETERS: Final = Parameters(
    adult_age_years=ADULT_AGE_YEARS,
    hormone_receptor_max_percent=HORMONE_RECEPTOR_MAX_PERCENT,
    ecog_max=ECOG_MAX,
    hemoglobin_min_g_dl=HEMOGLOBIN_MIN_G_DL,
    anc_min_per_mm3=ANC_MIN_PER_MM3,
    platelets_min_per_mm3=PLATELETS_MIN_PER_MM3,
    bilirubin_max_x_uln=BILIRUBIN_MAX_X_ULN,
    bilirubin_raised_below_x_uln=BILIRUBIN_LIVER_OR_GILBERT_BELOW_X_ULN,
    transaminases_max_x_uln=TRANSAMINASES_MAX_X_ULN,
    transaminases_raised_below_x_uln=TRANSAMINASES_LIVER_BELOW_X_ULN,
    albumin_min_g_dl=ALBUMIN_MIN_G_DL,
    crcl_min_ml_min=CRCL_MIN_ML_MIN,
    lvef_min_percent=LVEF_MIN_PERCENT,
    lab_window_days=LAB_WINDOW_DAYS,
    support_window_days=SUPPORT_WINDOW_DAYS,
    pregnancy_test_window_days=PREGNANCY_TEST_WINDOW_DAYS,
    brain_metastasis_treatment_min_days=BRAIN_METASTASIS_TREATMENT_MIN_DAYS,
    other_trial_window_days=OTHER_TRIAL_WINDOW_DAYS,
    postmenopausal_age_years=POSTMENOPAUSAL_AGE_YEARS,
    amenorrhea_postmenopausal_months=AMENORRHEA_POSTMENOPAUSAL_MONTHS,
)
