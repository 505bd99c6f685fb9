"""Lab units accepted by `alter-screening/1`, their conversion to canonical units, and
the plausible range of each value; exact numbers and how they are shown.

This is the one place where a unit is converted: the JSON import and the web form both
call :func:`to_canonical`, the rules :func:`exact_canonical`. Canonical units are those
of the registry record: g/dL for hemoglobin and albumin, cells per mm³ for ANC and
platelets, mg/dL for creatinine, and multiples of the upper limit of normal (× ULN) for
bilirubin, ALT and AST.

Spec ("Arithmetic is exact"): values are the decimal numbers written in the document;
conversions, ratios to the ULN and the Cockcroft-Gault formula are computed exactly and
compared unrounded; a displayed number is the exact value rounded half up. Binary floating
point is not exact (5.5854 mmol/L / 0.6206 is 8.999999999999998 g/dL in floats, 9 exactly
in decimal), so the rules compute with :class:`fractions.Fraction`: ÷ 0.6206 and ÷ 88.4
are rationals, and so is every ratio of two decimals.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from typing import Final

# A number as the rules receive it: a float or int decoded from JSON, or an exact value.
Number = int | float | Decimal | Fraction

MICRO_SIGN: Final = "\u00b5"  # µ as typed on a French keyboard
GREEK_MU: Final = "\u03bc"  # μ, which looks the same; the spec accepts both

# 1 mg/dL creatinine = 88.4 µmol/L (spec, Cockcroft-Gault section).
CREATININE_UMOL_L_PER_MG_DL: Final = Fraction("88.4")
# 1 g/dL hemoglobin = 0.6206 mmol/L (spec, lab units table).
HEMOGLOBIN_MMOL_L_PER_G_DL: Final = Fraction("0.6206")

_EXACT_INTEGERS: Final = 2.0**53  # below this every integer is a float of its own
_FLOAT_OVERFLOW: Final = 2**1024 - 2**970  # an exact value from here on rounds to infinity


def exact(value: Number) -> Fraction:
    """The exact value of a number of the document: the decimal as it was written.

    A document's numbers reach the rules as Python floats (or ints) decoded from JSON: the
    binary float nearest to the decimal written. ``repr`` of a float is the shortest
    decimal that reads back as that float, and two decimals of at most 15 significant
    digits never share a float (``sys.float_info.dig`` is 15), so for every number
    written with at most 15 significant digits ``repr`` gives back the very decimal that
    was written. We assume documents carry no more than that (a lab value, a weight or a
    percentage with 16 significant digits is not a measurement); beyond it, the value is
    the shortest decimal of its float, which still orders numbers as the floats do.
    A Decimal or Fraction is taken as it is.
    """
    if isinstance(value, Fraction):
        return value
    return Fraction(*integer_ratio(value))


def integer_ratio(value: Number) -> tuple[int, int]:
    """``(numerator, denominator)`` of the exact value of ``value`` (see :func:`exact`),
    without building a Fraction: the rules compare and round with these integers."""
    if type(value) is float:
        if value.is_integer() and abs(value) < _EXACT_INTEGERS:
            return int(value), 1  # the same as reading the text, faster
        return _written_ratio(value)
    if isinstance(value, int):
        return value, 1
    return value.as_integer_ratio()


# Reading a float's decimal is the costly step, and the same numbers are read by the
# import's checks and again by the rules: read once (a pure function of the float; 0.0
# and -0.0, equal keys, are both 0). Finite floats only.
@lru_cache(maxsize=4096)
def _written_ratio(value: float) -> tuple[int, int]:
    return Decimal(repr(value)).as_integer_ratio()


def exact_decimal(value: Number) -> Decimal:
    """``value`` as an exact Decimal (the decimal written, see :func:`exact`); a Fraction
    must have a finite decimal expansion."""
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, int | Decimal):
        return Decimal(value)
    n, d = value.numerator, value.denominator
    twos, fives = _multiplicity(d, 2), _multiplicity(d, 5)
    if d != 2**twos * 5**fives:
        raise ValueError(f"{value} has no finite decimal expansion: round it (half_up)")
    places = max(twos, fives)
    return Decimal(n * 10**places // d).scaleb(-places)


def _multiplicity(n: int, p: int) -> int:
    k = 0
    while n % p == 0:
        n //= p
        k += 1
    return k


def _half_up_scaled(n: int, d: int, scale: int) -> int:
    """round(n / d × scale), a tie away from zero, in integers (d > 0)."""
    quotient, remainder = divmod(abs(n) * scale, d)
    if 2 * remainder >= d:
        quotient += 1
    return -quotient if n < 0 else quotient


def at_least(value: Number, limit: Fraction) -> bool:
    """``exact(value) >= limit``, in integers (no Fraction to build)."""
    n, d = integer_ratio(value)
    return n * limit.denominator >= limit.numerator * d


def half_up(value: Number, decimals: int) -> Decimal:
    """The exact ``value`` rounded half up to ``decimals`` places (a tie away from zero, as
    ``Decimal.quantize(..., ROUND_HALF_UP)`` would round the exact value): CrCl 148.75 ->
    148.8, 174.25 -> 174.3. Integer arithmetic on the exact fraction, so nothing is rounded
    before (a Decimal division would first round to its context's precision)."""
    n, d = integer_ratio(value)
    return Decimal(_half_up_scaled(n, d, 10**decimals)).scaleb(-decimals)


# Significant digits a displayed number may carry and still be stored as a JSON float that
# reads back as the same decimal (see exact()).
_SHOWN_MAX_DIGITS: Final = 15


def shown_beside(value: Fraction, *limits: Fraction, decimals: int = 3) -> float:
    """``value`` rounded half up to ``decimals`` places, or to more when fewer would show it
    equal to one of the ``limits`` it was compared with while it is not: hemoglobin
    8.99999999999 g/dL reads "8.99999999999 < 9", never "9 < 9". At most 15 significant
    digits (a value that close to its limit may still read as on it, never as across it).

    Returned as the float of that decimal, what a result document stores: its ``repr`` (and
    :func:`number_text`) gives the decimal back.
    """
    n, d = value.numerator, value.denominator
    most: int | None = None
    while True:
        scale: int = 10**decimals
        shown = _half_up_scaled(n, d, scale)
        for limit in limits:
            ln, ld = limit.numerator, limit.denominator
            if shown * ld == ln * scale and n * ld != ln * d:  # reads as the limit, is not on it
                break
        else:
            return shown / scale  # int / int: the float nearest to the decimal shown
        if most is None:
            most = _SHOWN_MAX_DIGITS - len(str(abs(n) // d))
        if decimals >= most:
            return shown / scale
        decimals += 1


def number_text(value: Number, decimals: int | None = None) -> str:
    """A number for a reason, thousands separated: with ``decimals`` fixed, the exact value
    rounded half up to that many places (CrCl 148.75 -> "148.8"); without, the exact
    value, trailing zeros dropped (231.0 -> "231", 100000 -> "100,000", 0.77 -> "0.77")."""
    if type(value) is float and decimals is None:
        # 15 significant digits give back the decimal written (see exact()), trailing
        # zeros dropped; a number that needs an exponent is written out below.
        text = format(value, ",.15g")
        if "e" not in text and "n" not in text:
            return text
    if decimals is not None:
        return format(half_up(value, decimals), ",f")
    if type(value) is int:
        return format(value, ",")
    if isinstance(value, Fraction) and value.denominator == 1:
        return format(value.numerator, ",")
    text = format(exact_decimal(value), ",f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


@dataclass(frozen=True, slots=True)
class LabUnits:
    canonical: str
    # accepted unit as written in a document -> exact factor: canonical = value / factor
    divisors: dict[str, Fraction]
    needs_uln: bool
    # plausible range in the canonical unit (× ULN for the ULN-relative tests), compared
    # with to_canonical's correctly rounded float
    plausible_min: float
    plausible_max: float
    label: str


def _micro(divisors: dict[str, Fraction]) -> dict[str, Fraction]:
    """Accept the Greek letter mu wherever the micro sign is accepted."""
    extra = {unit.replace(MICRO_SIGN, GREEK_MU): f for unit, f in divisors.items() if MICRO_SIGN in unit}
    return {**divisors, **extra}


ONE: Final = Fraction(1)
# 1 G/L = 1 × 10^9 cells per litre = 1,000 per mm³: canonical = value × 1000.
PER_MM3_PER_G_L: Final = Fraction(1, 1000)
# 1 g/dL = 10 g/L.
G_L_PER_G_DL: Final = Fraction(10)

CELLS = {"/mm3": ONE, "/uL": ONE, "/µL": ONE, "10^9/L": PER_MM3_PER_G_L, "G/L": PER_MM3_PER_G_L}

LAB_UNITS: Final[dict[str, LabUnits]] = {
    "hemoglobin": LabUnits(
        "g/dL", {"g/dL": ONE, "g/L": G_L_PER_G_DL, "mmol/L": HEMOGLOBIN_MMOL_L_PER_G_DL}, False, 2.0, 25.0, "hemoglobin"
    ),
    "anc": LabUnits("/mm³", _micro(CELLS), False, 0.0, 100_000.0, "ANC"),
    "platelets": LabUnits("/mm³", _micro(CELLS), False, 1_000.0, 2_000_000.0, "platelets"),
    "creatinine": LabUnits(
        "mg/dL",
        _micro({"mg/dL": ONE, "umol/L": CREATININE_UMOL_L_PER_MG_DL, "µmol/L": CREATININE_UMOL_L_PER_MG_DL}),
        False,
        0.1,
        20.0,
        "creatinine",
    ),
    "albumin": LabUnits("g/dL", {"g/dL": ONE, "g/L": G_L_PER_G_DL}, False, 0.5, 7.0, "albumin"),
    # For these the canonical value is value / ULN, both in the same unit.
    "total_bilirubin": LabUnits(
        "× ULN", _micro({"mg/dL": ONE, "umol/L": ONE, "µmol/L": ONE}), True, 0.0, 100.0, "total bilirubin"
    ),
    "alt": LabUnits("× ULN", {"U/L": ONE, "IU/L": ONE}, True, 0.0, 100.0, "ALT"),
    "ast": LabUnits("× ULN", {"U/L": ONE, "IU/L": ONE}, True, 0.0, 100.0, "AST"),
}


# Units shown to people, in the order of the spec (the Greek-mu spellings are accepted
# but not offered).
def accepted_units(test: str) -> list[str]:
    return [u for u in LAB_UNITS[test].divisors if GREEK_MU not in u]


# Spellings of one real unit: each synonym -> the spelling a form offers (one option per
# unit, as French lab reports print it). The exchange format accepts them all and they mean
# the same wherever both are accepted: the same factor, the same ULN ranges (U/L and IU/L are
# the same unit for enzymes; 10^9/L is G/L).
UNIT_SYNONYMS: Final[dict[str, str]] = {
    "/uL": "/mm3",
    "/µL": "/mm3",
    "/" + GREEK_MU + "L": "/mm3",
    "10^9/L": "G/L",
    "umol/L": "µmol/L",
    GREEK_MU + "mol/L": "µmol/L",
    "IU/L": "U/L",
}

# How a unit reads on screen (the exchange format keeps its own spelling as the value); the
# web form translates "U/L" ("UI/L" in French).
UNIT_DISPLAY: Final[dict[str, str]] = {"/mm3": "/mm³", "10^9/L": "G/L"}


def unit_option(unit: str) -> str:
    """The one spelling a form offers for ``unit`` (``umol/L`` -> ``µmol/L``); a unit with
    no synonym (or not accepted at all) as it is."""
    return UNIT_SYNONYMS.get(unit, unit)


def unit_options(test: str) -> list[str]:
    """One spelling per real unit of ``test``, in the order of the spec."""
    options: list[str] = []
    for unit in accepted_units(test):
        option = unit_option(unit)
        if option not in options:
            options.append(option)
    return options


def same_unit(test: str, first: str, second: str) -> bool:
    """Whether two accepted spellings are one unit of ``test`` (``umol/L`` and ``µmol/L``)."""
    return first == second or (
        is_accepted(test, first) and is_accepted(test, second) and unit_option(first) == unit_option(second)
    )


def is_accepted(test: str, unit: str) -> bool:
    return unit in LAB_UNITS[test].divisors


# (test, unit) whose value is already canonical: no conversion, nothing to compute.
_UNCONVERTED: Final = frozenset(
    (test, unit)
    for test, spec in LAB_UNITS.items()
    if not spec.needs_uln
    for unit, divisor in spec.divisors.items()
    if divisor == 1
)


def is_converted(test: str, unit: str) -> bool:
    """Whether a value of ``test`` in ``unit`` is converted (or related to its ULN) to
    become canonical."""
    return (test, unit) not in _UNCONVERTED


def _canonical_ratio(test: str, value: float, unit: str, uln: float | None) -> tuple[int, int]:
    """``(numerator, denominator)`` of the exact canonical value (see exact_canonical)."""
    n, d = integer_ratio(value)
    if (test, unit) in _UNCONVERTED:
        return n, d
    spec = LAB_UNITS[test]
    if spec.needs_uln:
        if uln is None:
            raise ValueError(f"{test} needs its ULN")
        un, ud = integer_ratio(uln)
        return n * ud, d * un
    divisor = spec.divisors[unit]
    return n * divisor.denominator, d * divisor.numerator


def exact_canonical(test: str, value: float, unit: str, uln: float | None = None) -> Fraction:
    """The exact value of a result in the canonical unit of ``test`` (× ULN for
    bilirubin, ALT, AST), from the decimals written: what the rules compare.

    ``unit`` must be accepted for ``test`` and ``uln`` given (> 0) where the test needs
    it: exchange/checks.py and the form check both before calling.
    """
    return Fraction(*_canonical_ratio(test, value, unit, uln))


def to_canonical(test: str, value: float, unit: str, uln: float | None = None) -> float:
    """The canonical value as the float nearest to the exact one (:func:`exact_canonical`),
    for storage and the plausibility check; the rules compare the exact value. Rounding to
    the nearest float keeps the order, so against the bounds (floats themselves) it decides
    as the exact value would: creatinine 8.84 µmol/L is 0.1 mg/dL and plausible, where
    the float division 8.84 / 88.4 gives 0.09999999999999999.

    Not finite (a value that should have been refused) stays not finite, so that it is
    implausible rather than an error here.
    """
    if not math.isfinite(value) or (uln is not None and not math.isfinite(uln)):
        spec = LAB_UNITS[test]
        if spec.needs_uln:
            if uln is None:
                raise ValueError(f"{test} needs its ULN")
            return value / uln
        return value / float(spec.divisors[unit])
    if (test, unit) in _UNCONVERTED:
        return float(value)  # the float nearest to the decimal written is the float decoded
    n, d = _canonical_ratio(test, value, unit, uln)
    if abs(n) >= d * _FLOAT_OVERFLOW:  # beyond the largest float (1e300 with a ULN of 1e-300)
        return math.inf if n > 0 else -math.inf
    return n / d  # int / int: correctly rounded


def is_plausible(test: str, canonical_value: float) -> bool:
    """Whether the canonical value (:func:`to_canonical`) lies in the plausible range,
    bounds included."""
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
        if divisor not in tried and is_plausible(test, to_canonical(test, value, other)):
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


# Where results of screened patients usually lie, in the canonical unit: far narrower than
# the plausible range (which refuses only what cannot be). A value outside it that would lie
# inside it in another unit is a likely unit slip the plausible range cannot refuse: ANC
# "2,1" read in /mm³ (plausible, 0 – 100 000 /mm³) where the report printed G/L.
USUAL_RANGES: Final[dict[str, tuple[Fraction, Fraction]]] = {
    "hemoglobin": (Fraction(5), Fraction(20)),
    "anc": (Fraction(100), Fraction(50_000)),
    "platelets": (Fraction(10_000), Fraction(1_000_000)),
    "creatinine": (Fraction(2, 10), Fraction(10)),
    "albumin": (Fraction(15, 10), Fraction(6)),
}


def _usual(test: str, value: float, unit: str) -> bool:
    low, high = USUAL_RANGES[test]
    return low <= exact_canonical(test, value, unit) <= high


def unit_doubt(test: str, value: float, unit: str) -> list[str]:
    """The other units (one spelling each) in which an accepted, plausible ``value`` would
    be usual while in ``unit`` it is not: a warning to check the unit, never a refusal
    (the value is valid as entered)."""
    if test not in USUAL_RANGES or not is_accepted(test, unit) or _usual(test, value, unit):
        return []
    spec = LAB_UNITS[test]
    return [
        other
        for other in unit_options(test)
        if spec.divisors[other] != spec.divisors[unit] and _usual(test, value, other)
    ]
