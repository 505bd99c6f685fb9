"""A test ruleset, ``alter-test``: an amendment that exercises every path of issue 12 and
never ships (the application registers alter-v1 only).

Against alter-v1 it lowers CrCl to ≥ 40 mL/min (a screening with CrCl 30–40 becomes
ineligible), lowers LVEF to ≥ 50 % (a screening with LVEF 50–55 becomes eligible), and adds
a non-inclusion criterion, EXC-13 "liver metastases". Its CrCl and LVEF rules are alter-v1's
functions with its own parameters; EXC-13's rule is written here (tests may define rules,
the application's rules stay untouched).

Use it with ``ruleset.registered(ALTER_TEST)`` (a context manager), or the ``alter_test``
fixture of tests/conftest.py, so that it is forgotten after the test.
"""

from __future__ import annotations

import dataclasses
from fractions import Fraction
from typing import Final

from screening.rules.facts import Facts
from screening.rules.outcome import FAIL, MISSING, PASS, Outcome
from screening.rules.ruleset import ALTER_V1, Criterion, Ruleset

TEST_RULESET_ID: Final = "alter-test"
CRCL_MIN_ML_MIN: Final = Fraction(40)
LVEF_MIN_PERCENT: Final = Fraction(50)


def exc_13_liver_metastases(f: Facts) -> Outcome:
    """A criterion alter-v1 does not have: liver metastases exclude."""
    present = f.doc.disease.liver_metastases if f.doc.disease is not None else None
    values = {"liver_metastases": present}
    if present is None:
        return Outcome("EXC-13", MISSING, "Liver metastases not yet known", "not_given", values)
    if present:
        return Outcome("EXC-13", FAIL, "Liver metastases present", "present", values)
    return Outcome("EXC-13", PASS, "No liver metastases", "absent", values)


ALTER_TEST: Final = Ruleset(
    id=TEST_RULESET_ID,
    criteria=(
        *ALTER_V1.criteria,
        Criterion("EXC-13", "exclusion", exc_13_liver_metastases, field="liver_metastases"),
    ),
    valid_until=ALTER_V1.valid_until,
    # alter-v1's rule functions, with other numbers.
    parameters=dataclasses.replace(
        ALTER_V1.parameters, crcl_min_ml_min=CRCL_MIN_ML_MIN, lvef_min_percent=LVEF_MIN_PERCENT
    ),
)
