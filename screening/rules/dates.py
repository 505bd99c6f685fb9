"""Dates and windows of the ALTER eligibility rules.

Nothing here asks the clock for today: every date comes in as an argument, so that a
stored screening evaluates the same way on any later day.
"""

from __future__ import annotations

import datetime
from typing import Final

# Registry: "Adequate organ and bone marrow function within 28 days before enrollment."
LAB_WINDOW_DAYS: Final = 28
# Registry: "negative serum or urine pregnancy test done within 7 days before randomization"
PREGNANCY_TEST_WINDOW_DAYS: Final = 7
# Registry: transfusion / G-CSF "not allowed within 1 week prior to screening assessment"
SUPPORT_WINDOW_DAYS: Final = 7
# Registry: brain metastases "eligible after 14 days post surgery or radiation"
BRAIN_METASTASIS_TREATMENT_MIN_DAYS: Final = 14
# Registry: "enrolled in another therapeutic trial within 30 days of inclusion"
OTHER_TRIAL_WINDOW_DAYS: Final = 30


def age_years(date_of_birth: datetime.date, on: datetime.date) -> int:
    """Completed years from ``date_of_birth`` to ``on``.

    Comparing (month, day) pairs gives the spec's reading for 29 February: in a year
    that is not a leap year, (2, 28) < (2, 29) so the birthday has not come on 28
    February, and (3, 1) > (2, 29) so it has on 1 March.
    """
    years = on.year - date_of_birth.year
    if (on.month, on.day) < (date_of_birth.month, date_of_birth.day):
        years -= 1
    return years


def days_before(reference: datetime.date, day: datetime.date) -> int:
    """How many days ``day`` lies before ``reference`` (negative when after)."""
    return (reference - day).days


def reference_date(assessment_date: datetime.date, planned_randomization_date: datetime.date | None) -> datetime.date:
    """R: the planned randomization date when known, else the assessment date.

    It stands for "enrollment / registration / randomization / inclusion" in the record.
    """
    if planned_randomization_date is not None:
        return planned_randomization_date
    return assessment_date
