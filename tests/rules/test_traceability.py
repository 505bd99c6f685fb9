"""docs/traceability.md (issue 12, "Traceability per ruleset"): a section per shipped
ruleset, the test ruleset never among them, even while a test registers it."""

from __future__ import annotations

from pathlib import Path

from screening.rules import ruleset as rulesets
from screening.traceability import shipped_rulesets, traceability_document
from tests.rulesets import ALTER_TEST

ROOT = Path(__file__).resolve().parents[2]


def test_a_section_per_shipped_ruleset_and_not_the_test_one() -> None:
    with rulesets.registered(ALTER_TEST):
        assert "alter-test" in rulesets.RULESETS
        shipped = shipped_rulesets()
        document = traceability_document(shipped, tests_dir=ROOT / "tests", root=ROOT)
    assert [r.id for r in shipped] == ["alter-v1"]
    assert document.count("\n## Ruleset `") == 1
    assert "## Ruleset `alter-v1`" in document
    assert "alter-test" not in document
    assert "| `INC-07-CRCL` | `screening.rules.inclusion.inc_07_crcl` |" in document
