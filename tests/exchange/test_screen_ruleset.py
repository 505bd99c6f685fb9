"""``manage.py screen --ruleset ID``: evaluate documents under a named ruleset (issue 12).

Without it, the default ruleset (alter-v1): no database says which ruleset is in force at
a site. ``--save`` takes none: a save is evaluated under the ruleset in force at the
document's site today (tests/web/test_ruleset_in_force.py).
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from screening.rules.ruleset import DEFAULT, Ruleset
from tests.exchange.conftest import example_with
from tests.rulesets import TEST_RULESET_ID


@pytest.fixture
def lvef_52(tmp_path: Path) -> Path:
    """The spec's patient with LVEF 52 %: ineligible under alter-v1, eligible under alter-test."""
    path = tmp_path / "lvef-52.json"
    path.write_text(json.dumps(example_with({"/lvef/percent": 52})), encoding="utf-8")
    return path


def _screen(*args: str) -> dict[str, object]:
    out = io.StringIO()
    call_command("screen", *args, stdout=out, stderr=io.StringIO())
    line: dict[str, object] = json.loads(out.getvalue())
    return line


@pytest.mark.usefixtures("alter_test")
def test_screen_evaluates_under_the_default_ruleset_unless_asked(lvef_52: Path) -> None:
    default = _screen(str(lvef_52))
    asked = _screen(str(lvef_52), "--ruleset", TEST_RULESET_ID)
    v1 = _screen(str(lvef_52), "--ruleset", DEFAULT.id)

    assert (default["ruleset"], default["status"]) == (DEFAULT.id, "ineligible")
    assert (asked["ruleset"], asked["status"]) == (TEST_RULESET_ID, "eligible")
    assert v1 == default


def test_an_unknown_ruleset_is_refused_by_name(lvef_52: Path) -> None:
    with pytest.raises(CommandError, match=rf"unknown ruleset '{TEST_RULESET_ID}'; known: {DEFAULT.id}"):
        _screen(str(lvef_52), "--ruleset", TEST_RULESET_ID)  # not registered in this test


def test_a_save_takes_no_ruleset(lvef_52: Path, alter_test: Ruleset) -> None:
    with pytest.raises(CommandError, match="--ruleset cannot be given with --save"):
        _screen(str(lvef_52), "--save", "--user", "coord.ipc", "--ruleset", alter_test.id)
