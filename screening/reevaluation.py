"""Re-evaluation of stored screenings under a ruleset (a protocol amendment), and its diff.

Each screening's latest evaluation keeps the exact input document it was made of; that
document is evaluated again under the amendment's ruleset (``services.evaluate_document``)
and the result compared with the latest one. A screening *changes* when its status or any
criterion's (outcome, code) differs; a criterion that only one of the two rulesets has is a
change too. :func:`changes` streams the changes of every screening (of one site); nothing is
written. :func:`screening_reevaluate` appends the new evaluation of one changed screening:
the input document is the same, the history context records who and why, the screening's
version and lock stay as they are. A signed screening is changed that way too, never
silently: the signature stays with the evaluation it signed, and the screening shows
"outcome changed since signature" until an investigator signs the new evaluation or
records why not (``selectors.outcome_changed_since_signature``).

:func:`reevaluated` is the work of one screening, a pure function of the stored input
document and the latest result (and of the ruleset, the day and the known site codes): it
reads and writes nothing, so that it can run in worker processes.
"""

from __future__ import annotations

import dataclasses
import datetime
import multiprocessing
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import Any, Final

import msgspec
import pghistory
from django.db import connections, transaction
from django.db.models import Max, Min, QuerySet, TextField
from django.db.models.functions import Cast

from screening import selectors, services
from screening.models import Evaluation, Screening, Site, User

# A criterion as compared: its (outcome, code); None where the ruleset has no such criterion.
CriterionState = tuple[str, str] | None

# Latest evaluations read per round trip while streaming (each carries two JSON documents).
CHUNK_SIZE: Final = 500


@dataclass(frozen=True, slots=True)
class Side:
    """One side of a change: the ruleset, the status, and the changed criteria's states."""

    ruleset: str
    status: str
    criteria: dict[str, CriterionState]

    def as_json(self) -> dict[str, Any]:
        return {
            "ruleset": self.ruleset,
            "status": self.status,
            "criteria": {cid: None if state is None else list(state) for cid, state in self.criteria.items()},
        }


@dataclass(frozen=True, slots=True)
class Diff:
    """How two result documents differ: the changed criteria, in the after ruleset's order
    (then those only the before ruleset has, in its order)."""

    before: Side
    after: Side
    changed: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Change:
    """A screening whose re-evaluation differs from its latest evaluation (``evaluation_id``),
    with the new result document to append."""

    number: str
    site: str
    evaluation_id: int
    diff: Diff
    result_document: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        """One line of ``reevaluate``'s output."""
        return {
            "number": self.number,
            "site": self.site,
            "before": self.diff.before.as_json(),
            "after": self.diff.after.as_json(),
            "changed": list(self.diff.changed),
        }


def _states(result: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {c["id"]: (c["outcome"], c["code"]) for c in result["criteria"]}


def result_diff(before: dict[str, Any], after: dict[str, Any]) -> Diff | None:
    """How result document ``after`` differs from ``before``, or None when its status and
    every criterion's (outcome, code) are the same (whatever their rulesets)."""
    old, new = _states(before), _states(after)
    changed = [cid for cid, state in new.items() if old.get(cid) != state]
    changed += [cid for cid in old if cid not in new]
    if not changed and before["status"] == after["status"]:
        return None
    return Diff(
        before=Side(before["ruleset"], before["status"], {cid: old.get(cid) for cid in changed}),
        after=Side(after["ruleset"], after["status"], {cid: new.get(cid) for cid in changed}),
        changed=tuple(changed),
    )


def reevaluated(
    *,
    number: str,
    site: str,
    evaluation_id: int,
    input_document: dict[str, Any],
    latest_result: dict[str, Any],
    ruleset_id: str,
    today: datetime.date,
    known_sites: Collection[str],
) -> Change | None:
    """The change of one screening re-evaluated under ``ruleset_id`` on ``today``, or None."""
    _result, document = services.evaluate_document(
        input_document, ruleset_id=ruleset_id, today=today, screening_id=number, known_sites=known_sites
    )
    diff = result_diff(latest_result, document)
    if diff is None:
        return None
    return Change(number=number, site=site, evaluation_id=evaluation_id, diff=diff, result_document=document)


def latest_evaluations(
    site: Site | None = None, *, screening_ids: tuple[int, int] | None = None
) -> QuerySet[Evaluation, tuple[int, str, str, str, str]]:
    """Each screening's latest evaluation (of ``site``; with a screening id in the range
    ``screening_ids``, both included) as (id, number, site code, input document, result
    document), the documents as their JSON text: what :func:`changes` streams.

    The latest ids are found first, on the narrow index columns; their documents are then
    read without a sort of the wide rows (which would spill to disk over 100,000 of them)."""
    evaluations = Evaluation.objects.all() if site is None else Evaluation.objects.filter(screening__site=site)
    if screening_ids is not None:
        low, high = screening_ids
        evaluations = evaluations.filter(screening_id__gte=low, screening_id__lte=high)
    latest = evaluations.order_by("screening_id", "-created_at", "-id").distinct("screening_id").values("id")
    return (
        Evaluation.objects.filter(id__in=latest)
        .order_by("screening_id")
        .annotate(input_text=Cast("input_document", TextField()), result_text=Cast("result_document", TextField()))
        .values_list("pk", "screening__number", "screening__site__code", "input_text", "result_text")
    )


@dataclass(frozen=True, slots=True)
class _Part:
    """A range of screening ids, re-evaluated by one worker process."""

    ruleset_id: str
    today: datetime.date
    site_id: int | None
    screening_ids: tuple[int, int]
    known_sites: frozenset[str]
    keep_results: bool


def _part_changes(part: _Part) -> list[tuple[Change, dict[str, Any]]]:
    """The changes of one range of screenings (in a worker process: its own connection)."""
    site = Site.objects.get(pk=part.site_id) if part.site_id is not None else None
    with transaction.atomic():  # a cursor WITHOUT HOLD: streamed, not copied first by the server
        return list(
            _changes_of(
                latest_evaluations(site, screening_ids=part.screening_ids),
                ruleset_id=part.ruleset_id,
                today=part.today,
                known_sites=part.known_sites,
                keep_results=part.keep_results,
            )
        )


def _changes_of(
    rows: QuerySet[Evaluation, tuple[int, str, str, str, str]],
    *,
    ruleset_id: str,
    today: datetime.date,
    known_sites: Collection[str],
    keep_results: bool,
) -> Iterator[tuple[Change, dict[str, Any]]]:
    for pk, number, code, input_text, result_text in rows.iterator(chunk_size=CHUNK_SIZE):
        # msgspec reads the stored JSON text three times faster than the ORM's json.loads.
        result = _JSON.decode(result_text)
        change = reevaluated(
            number=number,
            site=code,
            evaluation_id=pk,
            input_document=_JSON.decode(input_text),
            latest_result=result,
            ruleset_id=ruleset_id,
            today=today,
            known_sites=known_sites,
        )
        if change is not None:
            # A dry run shows the diff only: the documents (tens of KB each, copied from a
            # worker process to this one) are kept only for --apply and the impact page.
            yield (change, result) if keep_results else (dataclasses.replace(change, result_document={}), {})


_JSON: Final = msgspec.json.Decoder()
# Screenings per range: small enough that a range's changes (each with its new result
# document) are few in memory, large enough that its queries are few.
PART_SCREENINGS: Final = 500


def changes_with_latest(
    *, ruleset_id: str, today: datetime.date, site: Site | None = None, jobs: int = 1, keep_results: bool = True
) -> Iterator[tuple[Change, dict[str, Any]]]:
    """Every screening (of ``site``) that re-evaluation under ``ruleset_id`` changes, with its
    latest result document, in screening order, streamed: never all screenings in memory.

    The screenings are read in ranges of :data:`PART_SCREENINGS`, each in a short read-only
    transaction: nothing stays open while a caller writes (``--apply``) between them. With
    ``jobs`` above 1, that many worker processes re-evaluate the ranges (the rules are CPU
    work); the changes still come in screening order. The workers are forked: they know the
    rulesets registered here."""
    screenings = Screening.objects.all() if site is None else Screening.objects.filter(site=site)
    bounds = screenings.aggregate(low=Min("id"), high=Max("id"))
    if bounds["low"] is None:
        return
    known_sites = frozenset(services.known_site_codes())
    parts = (
        _Part(ruleset_id, today, site.pk if site else None, (low, low + PART_SCREENINGS - 1), known_sites, keep_results)
        for low in range(bounds["low"], bounds["high"] + 1, PART_SCREENINGS)
    )
    if jobs <= 1:
        for part in parts:
            yield from _part_changes(part)
        return
    # The children open their own connections: a connection is not shared across a fork, so
    # this process's is closed first (and so cannot be inside a transaction).
    if any(connection.in_atomic_block for connection in connections.all()):
        raise RuntimeError("re-evaluation in worker processes cannot run inside a transaction")
    connections.close_all()
    with multiprocessing.get_context("fork").Pool(jobs, initializer=connections.close_all) as pool:
        for part_changes in pool.imap(_part_changes, parts):
            yield from part_changes


def changes(
    *, ruleset_id: str, today: datetime.date, site: Site | None = None, jobs: int = 1, keep_results: bool = True
) -> Iterator[Change]:
    """Every screening (of ``site``) that re-evaluation under ``ruleset_id`` changes, streamed
    (without their new result documents unless ``keep_results``: a dry run)."""
    for change, _latest in changes_with_latest(
        ruleset_id=ruleset_id, today=today, site=site, jobs=jobs, keep_results=keep_results
    ):
        yield change


def screening_reevaluate(
    *, change: Change, ruleset_id: str, today: datetime.date, by: User, reason: str
) -> tuple[Evaluation, Change] | None:
    """Append the evaluation of ``change`` to its screening, and say which change it applied
    (None when, re-read under lock, the screening no longer changes): the latest
    evaluation's input document with the new result, by ``by``; the screening's status,
    counts and ruleset follow it. Its version is not bumped (its data did not change) and a
    signed screening stays locked: its signature stays with the evaluation it signed. The
    history context records ``by``, ``reason`` and the ruleset.

    When someone saved since ``change`` was computed, the screening's new latest evaluation
    is re-evaluated instead."""
    with (
        transaction.atomic(),
        pghistory.context(user=by.pk, action="reevaluate", ruleset=ruleset_id, reason=reason),
    ):
        screening = Screening.objects.select_for_update().get(number=change.number)
        latest = screening.evaluations.order_by("-created_at", "-id").first()
        if latest is None:
            return None
        if latest.pk != change.evaluation_id:
            newer = reevaluated(
                number=change.number,
                site=change.site,
                evaluation_id=latest.pk,
                input_document=latest.input_document,
                latest_result=latest.result_document,
                ruleset_id=ruleset_id,
                today=today,
                known_sites=services.known_site_codes(),
            )
            if newer is None:
                return None
            change = newer
        result = change.result_document
        # The evaluation first: a locked screening's status may only follow its latest
        # evaluation, appended since its signature (migration 0014's guard).
        evaluation = Evaluation.objects.create(
            screening=screening,
            ruleset=ruleset_id,
            input_document=latest.input_document,
            result_document=result,
            status=result["status"],
            created_by=by,
        )
        screening.ruleset = ruleset_id
        screening.status = result["status"]
        screening.failed_criteria = list(result["failed"])
        screening.missing_criteria = list(result["missing"])
        screening.failed_count = len(result["failed"])
        screening.missing_count = len(result["missing"])
        screening.updated_by = by
        screening.save(
            update_fields=[
                "ruleset",
                "status",
                "failed_criteria",
                "missing_criteria",
                "failed_count",
                "missing_count",
                "updated_at",
                "updated_by",
            ]
        )
        return evaluation, change


@dataclass(frozen=True, slots=True)
class Applied:
    """A screening to which an amendment was applied: the diff of its first evaluation under
    the ruleset from the one before, and whether its data changed in between (a save under the
    ruleset in force rather than a re-evaluation)."""

    number: str
    site: str
    evaluation_id: int
    diff: Diff
    data_changed: bool
    before_document: dict[str, Any]
    after_document: dict[str, Any]


def applied(*, ruleset_id: str, sites: QuerySet[Site]) -> Iterator[Applied]:
    """The screenings of ``sites`` whose outcome changed when they were first evaluated under
    ``ruleset_id`` (``selectors.reevaluations_under``), in number order."""
    for row in selectors.reevaluations_under(ruleset_id, sites=sites):
        diff = result_diff(row.previous_result_document, row.result_document)
        if diff is not None:
            yield Applied(
                number=row.number,
                site=row.site,
                evaluation_id=row.evaluation_id,
                diff=diff,
                data_changed=row.input_document != row.previous_input_document,
                before_document=row.previous_result_document,
                after_document=row.result_document,
            )
