"""Helpers for the exchange-format tests (shared/spec/exchange-format.md).

Documents are built from a fresh copy of the spec's example,
``shared/examples/eligible-ipc-0007.json``, read from ``shared/`` beside the checkout (in
CI the checkout lives elsewhere, with ``shared/`` next to it), and edited by JSON Pointer:
the same paths the refusals must name. Unlike ``tests/builders.py``, which builds valid
documents for the rules, everything here goes through ``exchange.parse_screening``.
"""

from __future__ import annotations

import copy
import datetime
import functools
import json
from pathlib import Path
from typing import Any, Final

import pytest

from screening.exchange import DocumentError, RefusedDocument, parse_screening
from screening.rules.document import ScreeningDocument
from screening.rules.outcome import Outcome
from screening.rules.ruleset import EligibilityResult, evaluate

REPO_ROOT: Final = Path(__file__).resolve().parents[2]
SHARED: Final = REPO_ROOT.parent / "shared"
EXAMPLES: Final = SHARED / "examples"
EXAMPLE_PATH: Final = EXAMPLES / "eligible-ipc-0007.json"

# A fixed "today" for every parse: the example's dates (March 2026) lie before it.
TODAY: Final = datetime.date(2026, 11, 25)

# The example's dates.
A: Final = "2026-03-10"  # assessment_date
R: Final = "2026-03-12"  # planned_randomization_date, hence the reference date

# Every dated observation of the format ("Dates that are refused"), as a JSON Pointer.
OBSERVATION_DATES: Final = (
    "/labs/0/date",
    "/tumour_samples/0/date",
    "/lvef/date",
    "/consent/date",
    "/reproductive/pregnancy_tests/0/date",
    "/support/rbc_transfusion_date",
    "/support/gcsf_date",
    "/support/platelet_transfusion_date",
    "/disease/brain_metastases/last_local_treatment_date",
    "/other_trial/last_date",
)
ALL_DATES: Final = ("/assessment_date", "/planned_randomization_date", "/patient/date_of_birth", *OBSERVATION_DATES)


class _Absent:
    """An edit that removes the key (absent, as opposed to null)."""

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Final = _Absent()


@functools.cache
def _example_text() -> str:
    return EXAMPLE_PATH.read_text(encoding="utf-8")


def example() -> dict[str, Any]:
    """A fresh copy of the spec's example document (eligible under alter-v1)."""
    return copy.deepcopy(json.loads(_example_text()))


def lab_index(test: str) -> int:
    """The position of ``test`` in the example's ``labs`` (each test appears once)."""
    tests = [entry["test"] for entry in json.loads(_example_text())["labs"]]
    return tests.index(test)


def _tokens(pointer: str) -> list[str]:
    assert pointer.startswith("/"), pointer
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/")]


def set_pointer(doc: dict[str, Any], pointer: str, value: Any) -> dict[str, Any]:
    """Set the value at a JSON Pointer (RFC 6901) in ``doc``; ABSENT removes the key, and
    a last token ``-`` appends to a list. Missing parent objects are created."""
    *parents, last = _tokens(pointer)
    node: Any = doc
    for token in parents:
        if isinstance(node, list):
            node = node[int(token)]
        else:
            if node.get(token) is None:
                node[token] = {}
            node = node[token]
    if isinstance(node, list):
        if last == "-":
            node.append(value)
        elif value is ABSENT:
            del node[int(last)]
        else:
            node[int(last)] = value
    elif value is ABSENT:
        node.pop(last, None)
    else:
        node[last] = value
    return doc


def example_with(edits: dict[str, Any] | None = None) -> dict[str, Any]:
    """The example with ``{pointer: value}`` edits applied in order."""
    doc = example()
    for pointer, value in (edits or {}).items():
        set_pointer(doc, pointer, value)
    return doc


def with_lab(test: str, edits: dict[str, Any], doc: dict[str, Any] | None = None) -> dict[str, Any]:
    """The example (or ``doc``) with fields of its ``test`` result changed (ABSENT removes)."""
    doc = example() if doc is None else doc
    prefix = f"/labs/{lab_index(test)}"
    for key, value in edits.items():
        set_pointer(doc, f"{prefix}/{key}", value)
    return doc


def _forms(raw: dict[str, Any] | str | bytes) -> list[dict[str, Any] | str | bytes]:
    """The document as the caller gave it, and as JSON text when it was a dict: the
    importer receives bytes, the web form decoded data; both must be judged alike."""
    if isinstance(raw, dict):
        return [copy.deepcopy(raw), json.dumps(raw, ensure_ascii=False).encode()]
    return [raw]


def parsed(raw: dict[str, Any] | str | bytes, **kwargs: Any) -> ScreeningDocument:
    """The document accepted by parse_screening (fails the test with its errors if refused)."""
    kwargs.setdefault("today", TODAY)
    docs = []
    for form in _forms(raw):
        try:
            docs.append(parse_screening(form, **kwargs))
        except RefusedDocument as refused:
            pytest.fail(f"refused ({type(form).__name__}): {refused.errors}")
    return docs[-1]


def errors_of(raw: dict[str, Any] | str | bytes, **kwargs: Any) -> list[DocumentError]:
    """Every error of a refused document (the same whether given as data or as JSON text)."""
    kwargs.setdefault("today", TODAY)
    found = []
    for form in _forms(raw):
        with pytest.raises(RefusedDocument) as refused:
            parse_screening(form, **kwargs)
        assert refused.value.errors, "a refusal must name at least one error"
        found.append(refused.value.errors)
    assert all(errors == found[0] for errors in found), f"dict and JSON text disagree: {found}"
    return list(found[0])


def error_paths(raw: dict[str, Any] | str | bytes, **kwargs: Any) -> set[str]:
    return {error.path for error in errors_of(raw, **kwargs)}


def only_error(raw: dict[str, Any] | str | bytes, **kwargs: Any) -> DocumentError:
    """The single error of a document that has exactly one thing wrong."""
    errors = errors_of(raw, **kwargs)
    assert len(errors) == 1, errors
    return errors[0]


def evaluation_of(raw: dict[str, Any] | str | bytes, **kwargs: Any) -> EligibilityResult:
    return evaluate(parsed(raw, **kwargs))


def outcome_of(raw: dict[str, Any] | str | bytes, criterion_id: str) -> Outcome:
    """The outcome of one criterion of a document imported through parse_screening."""
    for criterion, outcome in evaluation_of(raw).outcomes:
        if criterion.id == criterion_id:
            return outcome
    raise KeyError(criterion_id)
