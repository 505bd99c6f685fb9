"""The lab rows' fast path agrees with the full check (issue 11: one lab check).

``check_values`` settles most lab rows with ``_lab_is_valid`` and a date comparison, and
only looks for the errors (with their messages) in the others. Kept for speed: without
it ``parse_screening`` ran 1.5 to 2 times slower on the benchmark's generated documents
(about ten lab rows each), and benchmarks/screen_throughput.py 5 to 15 % slower. These
tests keep the two in step: on every row, valid or not,
of every test, in every unit (accepted, slipped or unknown), at and around every bound,
the fast path says "valid" exactly when the full check finds no error.
"""

from __future__ import annotations

import datetime
import math
from fractions import Fraction

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

from screening.exchange import checks
from screening.rules.document import FORMAT, LabRow, ScreeningDocument
from screening.rules.limits import RELATIVE_ULN_RANGES
from screening.rules.units import LAB_UNITS

TODAY = datetime.date(2026, 11, 25)
MANY = settings(max_examples=1000, deadline=None, database=None)

TESTS = sorted(LAB_UNITS)
# Every unit of every test (a unit of one test is refused for another), their case slips,
# and units no test accepts.
UNITS = sorted(
    {unit for spec in LAB_UNITS.values() for unit in spec.divisors}
    | {unit.lower() for spec in LAB_UNITS.values() for unit in spec.divisors}
    | {"", " g/dL", "ukat/L", "UI/L", "%"}
)


def _around(x: float) -> list[float]:
    return [math.nextafter(x, -math.inf), x, math.nextafter(x, math.inf)]


def _edges() -> list[float]:
    """Each bound a row is judged by, in every unit, and the floats on either side."""
    edges: list[float] = [0.0, -0.0, -1.0, 5e-324, 1e12, 1e13, 1.5e308]
    for spec in LAB_UNITS.values():
        for divisor in spec.divisors.values():
            for bound in (spec.plausible_min, spec.plausible_max):
                edges += _around(float(Fraction(bound) * divisor))
    for ranges in RELATIVE_ULN_RANGES.values():
        for low, high in ranges.values():
            edges += _around(low) + _around(high)
    edges += _around(checks._LAB_NUMBER_MAGNITUDE_MAX)
    return sorted(set(edges))


EDGES = _edges()
NUMBERS = st.one_of(
    st.sampled_from(EDGES),
    st.sampled_from(EDGES).map(lambda x: -x),
    st.floats(min_value=-1e6, max_value=1e7, allow_nan=False),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-10, max_value=3_000_000).map(float),
)
DATES = st.dates(min_value=datetime.date(1899, 12, 25), max_value=TODAY + datetime.timedelta(days=10))
VISITS = st.dates(min_value=TODAY - datetime.timedelta(days=40), max_value=TODAY + datetime.timedelta(days=40))


def _value_edges(test: str, unit: str) -> list[float]:
    """The bounds of the plausible value of ``test`` in ``unit`` (× ULN ratios for the tests
    judged against their ULN) and the floats on either side."""
    spec = LAB_UNITS[test]
    if spec.needs_uln:
        return [0.0, -1e-9, 1e-9, 1.0, 3.0, 99.999999, 100.0, 100.000001, 101.0]
    divisor = spec.divisors.get(unit, Fraction(1))
    low, high = (float(Fraction(bound) * divisor) for bound in (spec.plausible_min, spec.plausible_max))
    return [*_around(low), (low + high) / 2, *_around(high)]


def _uln_edges(test: str, unit: str) -> list[float | None]:
    """The bounds of the plausible ULN of ``test`` in ``unit``, the floats on either side,
    none and not above zero."""
    bounds = RELATIVE_ULN_RANGES.get(test, {}).get(unit)
    if bounds is None:
        return [None, 0.0, -1.0, *(float(v) for v in _value_edges(test, unit))]
    low, high = bounds
    return [None, 0.0, -1.0, *_around(low), (low + high) / 2, *_around(high)]


def _row(test: str, unit: str, uln: float | None, value: float) -> LabRow:
    """``value`` of the row: as is, or as a ratio of the ULN for the tests judged against it."""
    if LAB_UNITS[test].needs_uln and uln is not None:
        value = uln * value
    return LabRow(test=test, value=value, unit=unit, date=TODAY, uln=uln)


@st.composite
def lab_rows(draw: st.DrawFn) -> LabRow:
    """A lab row at or around the bounds of its test in one of its units, often valid; then
    up to two of its fields spoiled (absent, another test, a refused unit, any number)."""
    test = draw(st.sampled_from(TESTS))
    unit = draw(st.sampled_from(sorted(LAB_UNITS[test].divisors)))
    uln = draw(st.sampled_from(_uln_edges(test, unit)) | NUMBERS)
    value = draw(st.sampled_from(_value_edges(test, unit)) | NUMBERS)
    row = _row(test, unit, uln, value)
    spoiled = {
        "test": st.none() | st.sampled_from(TESTS),
        "unit": st.none() | st.sampled_from(UNITS),
        "value": st.none() | NUMBERS,
        "uln": st.none() | NUMBERS,
        "date": st.none() | DATES,
    }
    changes = {name: draw(spoiled[name]) for name in draw(st.sets(st.sampled_from(sorted(spoiled)), max_size=2))}
    return msgspec.structs.replace(row, **changes)


def test_fast_path_agrees_on_every_bound_of_every_test_in_every_unit() -> None:
    """Every test × accepted unit × ULN bound × value bound, exhaustively."""
    disagreements = []
    for test in TESTS:
        for unit in LAB_UNITS[test].divisors:
            for uln in _uln_edges(test, unit):
                for value in _value_edges(test, unit):
                    lab = _row(test, unit, uln, value)
                    errors = list(checks._check_lab("/labs/0", lab))
                    if checks._lab_is_valid(lab) != (errors == []):
                        disagreements.append((lab, errors))
    assert disagreements == []


@MANY
@given(lab=lab_rows())
def test_fast_path_valid_exactly_when_check_lab_finds_no_error(lab: LabRow) -> None:
    errors = list(checks._check_lab("/labs/0", lab))
    assert checks._lab_is_valid(lab) == (errors == []), errors


@MANY
@given(
    lab=lab_rows(),
    assessment=VISITS,
    planned=st.none() | VISITS,
)
def test_row_skipped_by_check_values_exactly_when_it_has_no_error(
    lab: LabRow, assessment: datetime.date, planned: datetime.date | None
) -> None:
    """What ``check_values`` skips (fast path and dates within bounds) is what the full
    check and the row's date checks find nothing in, whatever the reference date."""
    doc = ScreeningDocument(format=FORMAT, site="IPC", assessment_date=assessment, planned_randomization_date=planned)
    dates = checks._DateChecks(doc, TODAY, ())
    skipped = (
        checks._lab_is_valid(lab)
        and lab.date is not None
        and checks.EARLIEST_DATE <= lab.date <= dates.latest_observation
    )
    errors = [*checks._check_lab("/labs/0", lab), *checks._lab_dates("/labs/0", lab, dates)]
    assert skipped == (errors == []), errors
