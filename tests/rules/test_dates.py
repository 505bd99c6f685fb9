"""Dates: completed years of age (29 February -> 1 March in non-leap years), the reference
date R and day counts (criteria.md, "Dates")."""

from __future__ import annotations

import datetime

import pytest

from screening.rules.dates import age_years, days_before, reference_date

D = datetime.date

AGE_TABLE = [
    # date of birth, on, completed years
    (D(1981, 7, 14), D(2026, 7, 13), 44),
    (D(1981, 7, 14), D(2026, 7, 14), 45),  # on the birthday
    (D(1981, 7, 14), D(2026, 7, 15), 45),
    (D(1981, 7, 14), D(1981, 7, 14), 0),
    (D(1981, 12, 31), D(1982, 1, 1), 0),
    (D(1981, 12, 31), D(1982, 12, 31), 1),
    (D(1981, 1, 1), D(1981, 12, 31), 0),
    # Born 29 February: the birthday is 1 March in years that are not leap years.
    (D(2000, 2, 29), D(2001, 2, 28), 0),
    (D(2000, 2, 29), D(2001, 3, 1), 1),
    (D(2000, 2, 29), D(2003, 2, 28), 2),
    (D(2000, 2, 29), D(2003, 3, 1), 3),
    (D(2000, 2, 29), D(2004, 2, 28), 3),
    (D(2000, 2, 29), D(2004, 2, 29), 4),  # a leap year: the birthday is 29 February
    (D(2000, 2, 29), D(2004, 3, 1), 4),
    (D(2008, 2, 29), D(2026, 2, 28), 17),
    (D(2008, 2, 29), D(2026, 3, 1), 18),
    (D(1896, 2, 29), D(1900, 2, 28), 3),  # 1900 is not a leap year
    (D(1896, 2, 29), D(1900, 3, 1), 4),
    # Born 28 February or 1 March: no special case.
    (D(2000, 2, 28), D(2001, 2, 28), 1),
    (D(2000, 3, 1), D(2001, 2, 28), 0),
    (D(2000, 3, 1), D(2001, 3, 1), 1),
]


@pytest.mark.criterion("INC-02")
@pytest.mark.parametrize(("dob", "on", "years"), AGE_TABLE)
def test_age_in_completed_years(dob: datetime.date, on: datetime.date, years: int) -> None:
    assert age_years(dob, on) == years


@pytest.mark.parametrize(
    ("assessment", "planned", "reference"),
    [
        (D(2026, 3, 10), D(2026, 3, 12), D(2026, 3, 12)),
        (D(2026, 3, 10), D(2026, 3, 10), D(2026, 3, 10)),
        (D(2026, 3, 10), None, D(2026, 3, 10)),
    ],
)
def test_reference_date_is_planned_randomization_else_assessment(
    assessment: datetime.date, planned: datetime.date | None, reference: datetime.date
) -> None:
    assert reference_date(assessment, planned) == reference


@pytest.mark.parametrize(
    ("reference", "day", "days"),
    [
        (D(2026, 3, 12), D(2026, 2, 12), 28),
        (D(2026, 3, 12), D(2026, 2, 11), 29),
        (D(2024, 3, 12), D(2024, 2, 12), 29),  # leap year
        (D(2026, 3, 12), D(2026, 3, 12), 0),
        (D(2026, 3, 12), D(2026, 3, 13), -1),
        (D(2026, 1, 3), D(2025, 12, 27), 7),
    ],
)
def test_days_before(reference: datetime.date, day: datetime.date, days: int) -> None:
    assert days_before(reference, day) == days
