"""The lab row's date (fhir-labs.md, "Date"): the local date, in the application's time
zone, of effectiveDateTime, else of effectivePeriod.start; ``issued`` is not used."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.fhir.builders import observation, one


@pytest.mark.parametrize(
    ("when", "day"),
    [
        # Winter (UTC+1): 23:30 UTC is 00:30 the next day in Paris; 22:59 UTC is still the same day.
        ("2026-03-04T23:30:00Z", "2026-03-05"),
        ("2026-03-04T22:59:59Z", "2026-03-04"),
        ("2026-03-04T23:00:00Z", "2026-03-05"),
        # Summer (UTC+2): 22:30 UTC is 00:30 the next day; 21:59 UTC is not.
        ("2026-07-04T22:30:00Z", "2026-07-05"),
        ("2026-07-04T21:59:00Z", "2026-07-04"),
        ("2026-07-04T22:00:00+00:00", "2026-07-05"),
        # An offset of its own is converted: 01:30 in New York (UTC-4 in summer) is 07:30 in Paris.
        ("2026-07-05T01:30:00-04:00", "2026-07-05"),
        ("2026-07-04T20:30:00-04:00", "2026-07-05"),
        # Just after midnight in Paris, written in Paris time.
        ("2026-03-05T00:10:00+01:00", "2026-03-05"),
        # Across the change to summer time (29 March 2026, 02:00 → 03:00).
        ("2026-03-28T23:30:00Z", "2026-03-29"),
        ("2026-03-28T22:30:00Z", "2026-03-28"),
        # A date without time is taken as is.
        ("2026-03-05", "2026-03-05"),
    ],
)
def test_local_date_of_effective_date_time(when: str, day: str) -> None:
    assert one(observation(when=when))["date"] == day


def test_the_application_time_zone_decides() -> None:
    obs = observation(when="2026-03-04T23:30:00Z")

    assert one(obs, zone=ZoneInfo("UTC"))["date"] == "2026-03-04"
    assert one(obs, zone=ZoneInfo("Europe/Paris"))["date"] == "2026-03-05"


def test_period_start_when_there_is_no_effective_date_time() -> None:
    obs = observation(when=None, effectivePeriod={"start": "2026-03-04T23:30:00Z", "end": "2026-03-05T10:00:00Z"})

    assert one(obs)["date"] == "2026-03-05"


def test_a_period_without_start_has_no_date() -> None:
    obs = observation(when=None, effectivePeriod={"end": "2026-03-05T10:00:00Z"})

    assert one(obs)["code"] == "no_date"


@pytest.mark.parametrize(
    "element",
    [{"effectiveInstant": "2026-03-05T08:30:00+01:00"}, {"effectiveTiming": {"event": ["2026-03-05T08:30:00+01:00"]}}],
)
def test_other_effective_elements_are_no_date(element: dict[str, object]) -> None:
    assert one(observation(when=None, **element))["code"] == "no_date"


def test_issued_is_not_the_sampling_date() -> None:
    obs = observation(when=None, issued="2026-03-05T10:00:00+01:00")

    assert one(obs)["code"] == "no_date"
    assert one(observation(when="2026-03-04", issued="2026-03-05T10:00:00+01:00"))["date"] == "2026-03-04"


@pytest.mark.parametrize("when", ["2026", "2026-03"])
def test_a_date_without_day_is_no_date(when: str) -> None:
    assert one(observation(when=when))["code"] == "no_date"


@pytest.mark.parametrize(
    ("when", "code"),
    [
        ("2026-11-25T23:59:00+01:00", None),  # today, in Paris
        ("2026-11-25T23:30:00Z", "dated_after_today"),  # 00:30 tomorrow in Paris
        ("2026-11-26", "dated_after_today"),
        ("2026-11-25", None),
    ],
)
def test_dated_after_today_is_judged_on_the_local_date(when: str, code: str | None) -> None:
    assert one(observation(when=when), today=datetime.date(2026, 11, 25)).get("code") == code
