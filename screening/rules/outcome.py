"""What a rule returns: one outcome per criterion, with its reason and the values used."""

from __future__ import annotations

from typing import Any, Final, Literal

import msgspec

OutcomeValue = Literal["pass", "fail", "missing", "not_applicable"]

PASS: Final = "pass"  # noqa: S105 - an outcome, not a password
FAIL: Final = "fail"
MISSING: Final = "missing"
NOT_APPLICABLE: Final = "not_applicable"

# When a criterion is judged on several parts (each side of a bilateral cancer), the
# worse outcome counts: fail over missing over pass.
_SEVERITY: Final = {PASS: 0, NOT_APPLICABLE: 0, MISSING: 1, FAIL: 2}


def worse(a: OutcomeValue, b: OutcomeValue) -> OutcomeValue:
    return a if _SEVERITY[a] >= _SEVERITY[b] else b


class Outcome(msgspec.Struct):
    """The outcome of one criterion, as it appears in the result document.

    ``reason`` is the English sentence naming the values used; ``code`` names the branch
    of the rule that decided (stable across versions, for translated reasons), and
    ``values`` holds the data that went into the decision, so that a page can show the
    calculation without parsing the sentence. ``kind`` (inclusion or exclusion) is set by
    the ruleset, which owns the list of criteria.

    A msgspec Struct rather than a tuple: thirty-two of them per screening are encoded
    straight into the result document, without an intermediate dict each.
    """

    id: str
    outcome: OutcomeValue
    reason: str
    code: str
    values: dict[str, Any]
    kind: str = ""
