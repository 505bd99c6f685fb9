"""INC-05 ECOG <= 1 and INC-08 LVEF >= 55 % (criteria.md)."""

from __future__ import annotations

import pytest

from tests.builders import ABSENT, eligible_document, mentions, outcome_of

ECOG_TABLE = [
    (0, "pass"),
    (1, "pass"),
    (1.0, "pass"),  # the format accepts 1.0 as the integer 1
    (2, "fail"),
    (3, "fail"),
    (4, "fail"),
    (None, "missing"),
    (ABSENT, "missing"),
]


@pytest.mark.criterion("INC-05")
@pytest.mark.parametrize(("ecog", "expected"), ECOG_TABLE)
def test_ecog_decision_table(ecog: object, expected: str) -> None:
    o = outcome_of(eligible_document(ecog=ecog), "INC-05")
    assert o.outcome == expected
    if isinstance(ecog, int | float):
        assert mentions(o.reason, f"ECOG {ecog:g}")


@pytest.mark.criterion("INC-05")
def test_ecog_0_is_not_missing() -> None:
    # House rule 2: missing is None, never falsy.
    assert outcome_of(eligible_document(ecog=0), "INC-05").outcome == "pass"


LVEF_TABLE = [
    (55, "echocardiogram", "pass"),
    (55.0, "muga", "pass"),
    (54.9, "echocardiogram", "fail"),
    (54.99, "muga", "fail"),
    (61, "echocardiogram", "pass"),
    (90, "echocardiogram", "pass"),
    (5, "muga", "fail"),
]


@pytest.mark.criterion("INC-08")
@pytest.mark.parametrize(("percent", "method", "expected"), LVEF_TABLE)
def test_lvef_decision_table(percent: float, method: str, expected: str) -> None:
    o = outcome_of(eligible_document(lvef__percent=percent, lvef__method=method), "INC-08")
    assert o.outcome == expected
    assert mentions(o.reason, f"{percent:g}%", "55%")


@pytest.mark.criterion("INC-08")
def test_lvef_at_55_pass() -> None:
    assert outcome_of(eligible_document(lvef__percent=55), "INC-08").outcome == "pass"


@pytest.mark.criterion("INC-08")
def test_lvef_at_54_9_fail() -> None:
    assert outcome_of(eligible_document(lvef__percent=54.9), "INC-08").outcome == "fail"


@pytest.mark.criterion("INC-08")
@pytest.mark.parametrize("percent", [None, ABSENT])
def test_lvef_percent_absent_missing(percent: object) -> None:
    assert outcome_of(eligible_document(lvef__percent=percent), "INC-08").outcome == "missing"


@pytest.mark.criterion("INC-08")
@pytest.mark.parametrize("lvef", [None, ABSENT])
def test_lvef_part_absent_missing(lvef: object) -> None:
    assert outcome_of(eligible_document(lvef=lvef), "INC-08").outcome == "missing"
