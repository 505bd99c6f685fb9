"""A test ruleset, ``alter-test``: an amendment that exercises every path of issue 12 and
never ships (the application registers alter-v1 only).

Against alter-v1 it lowers CrCl to ≥ 40 mL/min (a screening with CrCl 30–40 becomes
ineligible), lowers LVEF to ≥ 50 % (a screening with LVEF 50–55 becomes eligible), and adds
a non-inclusion criterion, EXC-13 "liver metastases". Its rule functions are written here,
from alter-v1's: tests may define rules, the application's rules stay untouched.

Use it with ``ruleset.registered(ALTER_TEST)`` (a context manager), or the ``alter_test``
fixture of tests/conftest.py, so that it is forgotten after the test.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Final

from screening.rules import inclusion
from screening.rules.facts import Facts
from screening.rules.outcome import FAIL, MISSING, PASS, Outcome
from screening.rules.ruleset import ALTER_V1, Criterion, Ruleset

TEST_RULESET_ID: Final = "alter-test"
CRCL_MIN_ML_MIN: Final = Fraction(40)
LVEF_MIN_PERCENT: Final = Fraction(50)


def inc_07_crcl_40(f: Facts) -> Outcome:
    """CrCl ≥ 40 mL/min (alter-v1: ≥ 30)."""
    outcome = inclusion.inc_07_crcl(f)
    if outcome.outcome == PASS and f.crcl is not None and f.crcl.crcl_ml_min < CRCL_MIN_ML_MIN:
        return Outcome(
            "INC-07-CRCL",
            FAIL,
            f"CrCl {f.crcl.displayed} mL/min < 40 ({f.crcl.inputs_text})",
            "below_min",
            {**outcome.values, "min": 40},
        )
    return Outcome(outcome.id, outcome.outcome, outcome.reason, outcome.code, {**outcome.values, "min": 40})


def inc_08_lvef_50(f: Facts) -> Outcome:
    """LVEF ≥ 50 % (alter-v1: ≥ 55)."""
    outcome = inclusion.inc_08_lvef(f)
    percent = f.lvef.percent
    if outcome.code == "below_min" and percent is not None and percent >= LVEF_MIN_PERCENT:
        return Outcome("INC-08", PASS, f"LVEF {percent}% >= 50%", "at_least_min", {**outcome.values, "min": 50})
    return Outcome(outcome.id, outcome.outcome, outcome.reason, outcome.code, {**outcome.values, "min": 50})


def exc_13_liver_metastases(f: Facts) -> Outcome:
    """A criterion alter-v1 does not have: liver metastases exclude."""
    present = f.doc.disease.liver_metastases if f.doc.disease is not None else None
    values = {"liver_metastases": present}
    if present is None:
        return Outcome("EXC-13", MISSING, "Liver metastases not yet known", "not_given", values)
    if present:
        return Outcome("EXC-13", FAIL, "Liver metastases present", "present", values)
    return Outcome("EXC-13", PASS, "No liver metastases", "absent", values)


def _replaced(criterion: Criterion) -> Criterion:
    rules = {"INC-07-CRCL": inc_07_crcl_40, "INC-08": inc_08_lvef_50}
    if criterion.id not in rules:
        return criterion
    return Criterion(criterion.id, criterion.kind, rules[criterion.id], judgment=criterion.judgment)


ALTER_TEST: Final = Ruleset(
    id=TEST_RULESET_ID,
    criteria=(*(_replaced(c) for c in ALTER_V1.criteria), Criterion("EXC-13", "exclusion", exc_13_liver_metastases)),
    valid_until=ALTER_V1.valid_until,
)
