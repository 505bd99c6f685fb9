"""Stored evaluations reproduced: each evaluated again from its stored input document,
through :func:`services.evaluate_document` (the one way every save evaluates), under its own
ruleset and as on the day it was made (:func:`evaluation_discrepancy`, ``manage.py
verify_evaluations``). After a restore and before an amendment, the stored result must come
out again. Re-evaluation under another ruleset (an amendment) is :mod:`screening.reevaluation`'s.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import Any, Final, Literal

import msgspec
from django.utils import timezone

from screening import exchange, services
from screening.rules.ruleset import UnknownRuleset


class _Absent:
    """A key or list item that one side has and the other has not."""

    def __repr__(self) -> str:
        return "(absent)"


ABSENT: Final = _Absent()

Problem = Literal["differs", "unknown_ruleset", "refused"]


@dataclass(frozen=True)
class Difference:
    """One JSON path where the stored result and the recomputed one differ."""

    path: str
    stored: Any
    recomputed: Any


@dataclass(frozen=True)
class Discrepancy:
    """A stored evaluation that is not reproduced: its result differs, its ruleset is not
    known to this installation, or its input document is refused today."""

    evaluation_id: int
    number: str
    ruleset: str
    day: datetime.date
    problem: Problem
    differences: tuple[Difference, ...] = ()
    message: str = ""


def evaluation_day(created_at: datetime.datetime) -> datetime.date:
    """The ``today`` a stored evaluation had: a save evaluates as on ``timezone.localdate()``
    (services._evaluate_and_append), in the transaction that stamps ``created_at``."""
    return timezone.localdate(created_at)


def evaluation_discrepancy(
    *,
    evaluation_id: int,
    number: str,
    ruleset_id: str,
    input_document: dict[str, Any],
    result_document: Any,
    created_at: datetime.datetime,
    status: str | None = None,
    known_sites: Collection[str] | None = None,
    exact: bool = False,
) -> Discrepancy | None:
    """A stored evaluation evaluated again from its input document, under its own ruleset,
    as on the day it was made; ``None`` when the result document comes out exactly as
    stored (JSON equality: same keys, same list order, same types, same values), and so
    does the evaluation row's ``status`` when given; else what differs."""
    day = evaluation_day(created_at)

    def discrepancy(problem: Problem, *, message: str = "", differences: tuple[Difference, ...] = ()) -> Discrepancy:
        return Discrepancy(evaluation_id, number, ruleset_id, day, problem, differences, message)

    try:
        _result, recomputed = services.evaluate_document(
            input_document, ruleset_id=ruleset_id, today=day, screening_id=number, known_sites=known_sites
        )
    except UnknownRuleset:
        return discrepancy("unknown_ruleset", message=f"ruleset {ruleset_id!r} is not known here")
    except exchange.RefusedDocument as refused:
        errors = "; ".join(f"{e.path or '(document)'}: {e.message}" for e in refused.errors)
        return discrepancy("refused", message=f"input document refused: {errors}")
    # As stored: the JSON text of the result, read back.
    recomputed = msgspec.json.decode(msgspec.json.encode(recomputed))
    if not exact:
        recomputed = without_added_values(result_document, recomputed)
    differences = json_differences(result_document, recomputed)
    if status is not None and status != recomputed["status"]:
        differences += (Difference("(evaluation row) status", status, recomputed["status"]),)
    return discrepancy("differs", differences=differences) if differences else None


def without_added_values(stored: Any, recomputed: dict[str, Any]) -> dict[str, Any]:
    """``recomputed`` without the keys of each criterion's ``values`` that its stored
    criterion does not have: what a later version of the application records besides (the
    thresholds and the grounds added by issue 12, for evaluations stored before it). Every
    value that was stored is still compared, and so are the outcome, code and reason."""
    stored_criteria = stored.get("criteria") if isinstance(stored, dict) else None
    if not isinstance(stored_criteria, list):
        return recomputed
    stored_values = {
        c.get("id"): c.get("values")
        for c in stored_criteria
        if isinstance(c, dict) and isinstance(c.get("values"), dict)
    }
    criteria = []
    for criterion in recomputed.get("criteria", []):
        kept = stored_values.get(criterion.get("id"))
        values = criterion.get("values")
        if kept is not None and isinstance(values, dict):
            criteria.append({**criterion, "values": {k: v for k, v in values.items() if k in kept}})
        else:
            criteria.append(criterion)
    return {**recomputed, "criteria": criteria}


def json_differences(stored: Any, recomputed: Any) -> tuple[Difference, ...]:
    """The paths where two JSON values differ, exactly: ``1`` is not ``1.0`` nor ``true``
    (jsonb keeps a number as written); an object's key order does not count (jsonb keeps
    none: its keys are walked in sorted order), a list's does. A list of objects with
    distinct ``id`` (the criteria) is compared by id, so that a path reads
    ``criteria[INC-08].code``."""
    if _canonical(stored) == _canonical(recomputed):
        return ()
    return tuple(_walk("", stored, recomputed))


def _canonical(value: Any) -> bytes:
    """The JSON text of ``value`` with every object's keys sorted: equal for equal JSON."""
    return msgspec.json.encode(value, order="sorted")


def _walk(path: str, stored: Any, recomputed: Any) -> Iterator[Difference]:
    if isinstance(stored, dict) and isinstance(recomputed, dict):
        for key in sorted(stored.keys() | recomputed.keys()):
            yield from _walk(
                f"{path}.{key}" if path else str(key), stored.get(key, ABSENT), recomputed.get(key, ABSENT)
            )
    elif isinstance(stored, list) and isinstance(recomputed, list):
        stored_ids, recomputed_ids = _ids(stored), _ids(recomputed)
        if stored_ids is not None and recomputed_ids is not None:
            by_id = dict(zip(recomputed_ids, recomputed, strict=True))
            for key, item in zip(stored_ids, stored, strict=True):
                yield from _walk(f"{path}[{key}]", item, by_id.get(key, ABSENT))
            for key, item in zip(recomputed_ids, recomputed, strict=True):
                if key not in stored_ids:
                    yield from _walk(f"{path}[{key}]", ABSENT, item)
            common = set(stored_ids) & set(recomputed_ids)
            stored_order = [k for k in stored_ids if k in common]
            recomputed_order = [k for k in recomputed_ids if k in common]
            if stored_order != recomputed_order:
                yield Difference(f"{path} (order)", stored_order, recomputed_order)
        else:
            for index in range(max(len(stored), len(recomputed))):
                yield from _walk(
                    f"{path}[{index}]",
                    stored[index] if index < len(stored) else ABSENT,
                    recomputed[index] if index < len(recomputed) else ABSENT,
                )
    elif type(stored) is not type(recomputed) or stored != recomputed:
        yield Difference(path or "(document)", stored, recomputed)


def _ids(items: list[Any]) -> list[str] | None:
    """The ``id`` of each item, when every item is an object with a distinct text ``id``."""
    ids = [item.get("id") if isinstance(item, dict) else None for item in items]
    if all(isinstance(i, str) for i in ids) and len(set(ids)) == len(ids):
        return ids  # type: ignore[return-value]  # every item checked to be a str just above
    return None
