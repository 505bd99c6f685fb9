"""The ruleset registry (issue 12): alter-v1 ships alone; a test ruleset is registered for
one test and forgotten; an id names one ruleset forever."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from screening import exchange
from screening.rules import ruleset
from screening.rules.ruleset import ALTER_V1
from tests.builders import eligible_document
from tests.rulesets import ALTER_TEST


def test_the_application_ships_alter_v1_only() -> None:
    assert set(ruleset.RULESETS) == {"alter-v1"}
    assert ruleset.DEFAULT is ALTER_V1


def test_a_test_ruleset_is_known_inside_its_block_only() -> None:
    with ruleset.registered(ALTER_TEST):
        assert ruleset.ruleset("alter-test") is ALTER_TEST
    with pytest.raises(ruleset.UnknownRuleset):
        ruleset.ruleset("alter-test")


def test_an_id_names_one_ruleset_forever() -> None:
    impostor = ruleset.Ruleset(id="alter-v1", criteria=ALTER_TEST.criteria, valid_until=ALTER_TEST.valid_until)
    with pytest.raises(ValueError, match="already registered"):
        ruleset.register(impostor)
    assert ruleset.RULESETS["alter-v1"] is ALTER_V1


def _evaluated(doc: dict[str, Any], ruleset_id: str) -> ruleset.EligibilityResult:
    return ruleset.evaluate(exchange.parse_screening(doc, today=datetime.date(2026, 12, 1)), ruleset_id)


def _outcomes(result: ruleset.EligibilityResult) -> dict[str, tuple[str, str]]:
    return {c.id: (o.outcome, o.code) for c, o in result.outcomes}


@pytest.mark.usefixtures("alter_test")
def test_the_test_ruleset_differs_where_it_says_and_nowhere_else() -> None:
    doc = eligible_document()
    doc["disease"]["liver_metastases"] = True
    v1, test = _outcomes(_evaluated(doc, "alter-v1")), _outcomes(_evaluated(doc, "alter-test"))
    assert list(test) == [*ALTER_V1.ids, "EXC-13"]
    assert test.pop("EXC-13") == ("fail", "present")
    assert test == v1


@pytest.mark.usefixtures("alter_test")
@pytest.mark.parametrize(
    ("lvef", "v1", "test"),
    [(49, "below_min", "below_min"), (50, "below_min", "at_least_min"), (55, "at_least_min", "at_least_min")],
)
def test_lvef_50_on_both_sides(lvef: int, v1: str, test: str) -> None:
    doc = eligible_document()
    doc["lvef"]["percent"] = lvef
    assert _outcomes(_evaluated(doc, "alter-v1"))["INC-08"][1] == v1
    assert _outcomes(_evaluated(doc, "alter-test"))["INC-08"][1] == test
