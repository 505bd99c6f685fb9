"""Lab units accepted by `alter-screening/1`, their conversion to canonical units, and
the plausible range of each value.

This is the one place where a unit is converted: the JSON import and the web form both
call :func:`to_canonical`. Canonical units are those of the registry record: g/dL for
hemoglobin and albumin, cells per mm³ for ANC and platelets, mg/dL for creatinine, and
multiples of the upper limit of normal (× ULN) for bilirubin, ALT and AST.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

MICRO_SIGN: Final = "\u00b5"  # µ as typed on a French keyboard
GREEK_MU: Final = "\u03bc"  # μ, which looks the same; the spec accepts both

# 1 mg/dL creatinine = 88.4 µmol/L (spec, Cockcroft-Gault section).
CREATININE_UMOL_L_PER_MG_DL: Final = 88.4
# 1 g/dL hemoglobin = 0.6206 mmol/L (spec, lab units table).
HEMOGLOBIN_MMOL_L_PER_G_DL: Final = 0.6206

# Conversions by division can land a hair off a boundary in binary floating point
# (5.5854 mmol/L / 0.6206 = 8.999999999999998 g/dL instead of 9). Canonical values are
# snapped to this many decimals, far below any clinical meaning, so that a value exactly
# on a boundary in decimal arithmetic compares as on it.
SNAP_DECIMALS: Final = 9


@dataclass(frozen=True, slots=True)
class LabUnits:
    canonical: str
    # accepted unit as written in a document -> factor: canonical = value / factor
    divisors: dict[str, float]
    needs_uln: bool
    # plausible range in the canonical unit (× ULN for the ULN-relative tests)
    plausible_min: float
    plausible_max: float
    label: str


def _micro(divisors: dict[str, float]) -> dict[str, float]:
    """Accept the Greek letter mu wherever the micro sign is accepted."""
    extra = {unit.replace(MICRO_SIGN, GREEK_MU): f for unit, f in divisors.items() if MICRO_SIGN in unit}
    return {**divisors, **extra}


CELLS = {"/mm3": 1.0, "/uL": 1.0, "/µL": 1.0, "10^9/L": 0.001, "G/L": 0.001}

LAB_UNITS: Final[dict[str, LabUnits]] = {
    "hemoglobin": LabUnits("g/dL", {"g/dL": 1.0, "g/L": 10.0, "mmol/L": HEMOGLOBIN_MMOL_L_PER_G_DL},
                           False, 2.0, 25.0, "hemoglobin"),
    "anc": LabUnits("/mm³", _micro(CELLS), False, 0.0, 100_000.0, "ANC"),
    "platelets": LabUnits("/mm³", _micro(CELLS), False, 1_000.0, 2_000_000.0, "platelets"),
    "creatinine": LabUnits("mg/dL", _micro({"mg/dL": 1.0, "umol/L": CREATININE_UMOL_L_PER_MG_DL,
                                            "µmol/L": CREATININE_UMOL_L_PER_MG_DL}),
                           False, 0.1, 20.0, "creatinine"),
    "albumin": LabUnits("g/dL", {"g/dL": 1.0, "g/L": 10.0}, False, 0.5, 7.0, "albumin"),
    # For these the canonical value is value / ULN, both in the same unit.
    "total_bilirubin": LabUnits("× ULN", _micro({"mg/dL": 1.0, "umol/L": 1.0, "µmol/L": 1.0}),
                                True, 0.0, 100.0, "total bilirubin"),
    "alt": LabUnits("× ULN", {"U/L": 1.0, "IU/L": 1.0}, True, 0.0, 100.0, "ALT"),
    "ast": LabUnits("× ULN", {"U/L": 1.0, "IU/L": 1.0}, True, 0.0, 100.0, "AST"),
}

# Units shown to people, in the order of the spec (the Greek-mu spellings are accepted
# but not offered).
def accepted_units(test: str) -> list[str]:
    return [u for u in LAB_UNITS[test].divisors if GREEK_MU not in u]


def is_accepted(test: str, unit: str) -> bool:
    return unit in LAB_UNITS[test].divisors


def to_canonical(test: str, value: float, unit: str, uln: float | None = None) -> float:
    """The value in the canonical unit of ``test`` (× ULN for bilirubin, ALT, AST).

    ``unit`` must be accepted for ``test`` and ``uln`` given (> 0) where the test needs
    it: exchange.py and the form check both before calling.
    """
    spec = LAB_UNITS[test]
    if spec.needs_uln:
        if uln is None:
            raise ValueError(f"{test} needs its ULN")
        return round(value / uln, SNAP_DECIMALS)
    divisor = spec.divisors[unit]
    if divisor == 1.0:
        return value
    return round(value / divisor, SNAP_DECIMALS)


def is_plausible(test: str, canonical_value: float) -> bool:
    spec = LAB_UNITS[test]
    return spec.plausible_min <= canonical_value <= spec.plausible_max


def unit_slip_hint(test: str, value: float, unit: str) -> list[str]:
    """Other accepted units in which ``value`` would be plausible (the likely slip)."""
    spec = LAB_UNITS[test]
    if spec.needs_uln:
        return []
    tried = {spec.divisors[unit]}
    hints = []
    for other in accepted_units(test):
        divisor = spec.divisors[other]
        if divisor not in tried and is_plausible(test, value / divisor):
            hints.append(other)
        tried.add(divisor)  # umol/L and µmol/L are one suggestion, not two
    return hints


def unit_case_slip(test: str, unit: str) -> str | None:
    """The accepted unit that ``unit`` differs from only by case (``mg/dl`` -> ``mg/dL``)."""
    folded = unit.casefold()
    for accepted in accepted_units(test):
        if accepted.casefold() == folded:
            return accepted
    return None


def plausible_range_text(test: str, *, unit: str | None = None) -> str:
    """``0.1 – 20 mg/dL``; ``unit`` replaces the canonical unit's text (a translated
    ``× ULN``: this module has no translations)."""
    spec = LAB_UNITS[test]
    return f"{plain_number_text(spec.plausible_min)} – {plain_number_text(spec.plausible_max)} {unit or spec.canonical}"


def plain_number_text(value: float) -> str:
    """A number for an error message, read in English and French alike: no exponent and no
    thousands separator ("5,000" is five thousand in English, five in French)."""
    return format(value, ".10g") if abs(value) < 1e10 else format(value, "g")


def number_text(value: float) -> str:
    """A number for a message: no exponent, thousands separated (2,000,000; 0.77; 1.5)."""
    return format(value, ",.10g") if abs(value) < 1e15 else format(value, "g")
