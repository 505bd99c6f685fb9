"""Values the rules derive from the document: WOCBP status and Cockcroft-Gault CrCl."""

from __future__ import annotations

import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Final, NamedTuple

from screening.rules.dates import age_years
from screening.rules.document import Patient, Reproductive
from screening.rules.units import Number, exact, half_up, integer_ratio

# Registry: postmenopausal is "Age ≥ 60 years" or "≥ 12 continuous months of amenorrhea
# with no identified cause other than menopause".
POSTMENOPAUSAL_AGE_YEARS: Final = 60
AMENORRHEA_POSTMENOPAUSAL_MONTHS: Final = 12

# Written as the registry writes it (pages print it); the formula uses its exact value,
# read like any number of a document: 17/20.
COCKCROFT_GAULT_FEMALE_FACTOR: Final = 0.85
_FEMALE_NUMERATOR, _FEMALE_DENOMINATOR = integer_ratio(COCKCROFT_GAULT_FEMALE_FACTOR)
# Spec: "displays round (CrCl to 1 decimal)"; the inputs are shown as the rules show them.
CRCL_DISPLAY_DECIMALS: Final = 1
WEIGHT_DISPLAY_DECIMALS: Final = 1
CREATININE_DISPLAY_DECIMALS: Final = 2


class WocbpStatus(NamedTuple):
    """Whether the patient is a woman of childbearing potential, and why.

    ``wocbp`` is None when it cannot be decided. ``because`` names what decided it in
    English (the condition that makes her not WOCBP, "male", or the fields still unknown);
    ``ground`` and ``unknown`` say the same as data, for pages to word it (:meth:`values`).
    """

    wocbp: bool | None
    because: str
    # What decided: "sex_unknown", "male", "age", "hysterectomy", "bilateral_oophorectomy",
    # "amenorrhea", "not_postmenopausal"; None while conditions are unknown.
    ground: str | None = None
    # The conditions not known, when they leave the status undecided (same names).
    unknown: tuple[str, ...] = ()
    age_years: int | None = None
    amenorrhea_months: float | None = None

    def values(self) -> dict[str, object]:
        """The grounds as an outcome's values carry them."""
        return {
            "wocbp_ground": self.ground,
            "wocbp_unknown": list(self.unknown),
            "wocbp_age_years": self.age_years,
            "wocbp_amenorrhea_months": self.amenorrhea_months,
        }


def _and3(a: bool | None, b: bool | None) -> bool | None:
    """Three-valued AND: False as soon as one side is False."""
    if a is False or b is False:
        return False
    if a is None or b is None:
        return None
    return True


def wocbp_status(
    *,
    patient: Patient,
    reproductive: Reproductive,
    assessment_date: datetime.date,
    postmenopausal_age_years: int = POSTMENOPAUSAL_AGE_YEARS,
    amenorrhea_postmenopausal_months: int = AMENORRHEA_POSTMENOPAUSAL_MONTHS,
) -> WocbpStatus:
    """WOCBP at the assessment date, following the spec's three-valued reading.

    A woman is WOCBP unless one of these holds: age >= 60; hysterectomy; bilateral
    oophorectomy; amenorrhea >= 12 months with no other cause. One condition known
    true settles it whatever the others say; otherwise an unknown one leaves it unknown.
    """
    if patient.sex is None:
        return WocbpStatus(None, "sex unknown", "sex_unknown")
    if patient.sex == "male":
        return WocbpStatus(False, "male", "male")

    age: int | None = None
    if patient.date_of_birth is not None:
        age = age_years(patient.date_of_birth, assessment_date)
    months = reproductive.amenorrhea_months
    other_cause = reproductive.amenorrhea_other_cause
    amenorrhea = _and3(
        None if months is None else months >= amenorrhea_postmenopausal_months,
        None if other_cause is None else not other_cause,
    )
    conditions: list[tuple[str, str, bool | None]] = [
        (
            "age",
            f"age {age} y >= {postmenopausal_age_years}" if age is not None else "age",
            None if age is None else age >= postmenopausal_age_years,
        ),
        ("hysterectomy", "hysterectomy", reproductive.hysterectomy),
        ("bilateral_oophorectomy", "bilateral oophorectomy", reproductive.bilateral_oophorectomy),
        (
            "amenorrhea",
            f"amenorrhea {months} months with no other cause" if months is not None else "amenorrhea",
            amenorrhea,
        ),
    ]
    for ground, label, holds in conditions:
        if holds is True:
            return WocbpStatus(False, label, ground, (), age, months)
    unknown = [(ground, label) for ground, label, holds in conditions if holds is None]
    if unknown:
        return WocbpStatus(
            None,
            "unknown: " + ", ".join(label for _, label in unknown),
            None,
            tuple(g for g, _ in unknown),
            age,
            months,
        )
    return WocbpStatus(
        True,
        "female, not postmenopausal, no hysterectomy or bilateral oophorectomy",
        "not_postmenopausal",
        (),
        age,
        months,
    )


class CockcroftGault(NamedTuple):
    """A computed creatinine clearance with every value that went into it, exact, and the
    three numbers its reason shows, rounded half up once (:func:`cockcroft_gault`)."""

    crcl_ml_min: Fraction  # exact and unrounded: what the rule compares
    sex: str
    age_years: int
    weight_kg: Fraction
    creatinine_mg_dl: Fraction
    creatinine_date: datetime.date
    crcl_shown: Decimal  # spec: CrCl 148.75 -> 148.8, 174.25 -> 174.3
    weight_shown: Decimal
    creatinine_shown: Decimal

    @property
    def displayed(self) -> float:
        """CrCl as shown and reported (``crcl_ml_min`` of the result): the exact value
        rounded half up to 1 decimal."""
        return float(self.crcl_shown)

    @property
    def inputs_text(self) -> str:
        return (
            f"Cockcroft-Gault: {self.sex}, {self.age_years} y, {self.weight_shown:,f} kg, "
            f"creatinine {self.creatinine_shown:,f} mg/dL"
        )


def cockcroft_gault(
    *,
    sex: str,
    date_of_birth: datetime.date,
    weight_kg: Number,
    creatinine_mg_dl: Number,
    creatinine_date: datetime.date,
) -> CockcroftGault:
    """Registry: CrCl (mL/min) = [(140 - age in years) × weight in kg] /
    [72 × serum creatinine in mg/dL] (× 0.85 for females).

    Age is taken at the date of the creatinine result; actual body weight is used. The
    formula is evaluated exactly on the decimals written (``units.exact``).
    """
    age = age_years(date_of_birth, creatinine_date)
    weight = exact(weight_kg)
    creatinine = exact(creatinine_mg_dl)
    # (140 - age) × weight / (72 × creatinine) [× 0.85], on the integers of the fractions:
    # one exact division instead of four.
    numerator = (140 - age) * weight.numerator * creatinine.denominator
    denominator = 72 * weight.denominator * creatinine.numerator
    if sex == "female":
        numerator *= _FEMALE_NUMERATOR
        denominator *= _FEMALE_DENOMINATOR
    crcl = Fraction(numerator, denominator)
    return CockcroftGault(
        crcl_ml_min=crcl,
        sex=sex,
        age_years=age,
        weight_kg=weight,
        creatinine_mg_dl=creatinine,
        creatinine_date=creatinine_date,
        crcl_shown=half_up(crcl, CRCL_DISPLAY_DECIMALS),
        weight_shown=half_up(weight, WEIGHT_DISPLAY_DECIMALS),
        creatinine_shown=half_up(creatinine, CREATININE_DISPLAY_DECIMALS),
    )
