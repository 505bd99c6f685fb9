"""``manage.py seed_screenings --count 100000 [--site IPC] ...``: screenings for load testing.

Generates realistic, varied `alter-screening/1` documents (``screening/testing/documents.py``),
evaluates each with the real ruleset, and stores the screenings, their rows and one
evaluation each with ``bulk_create`` in batches, one transaction per batch, batches spread
over ``--jobs`` processes (100,000 in about 2.5 minutes on 2 cores). Each batch first takes
its numbers (SITE-NNNN) by advancing ``Site.last_screening_sequence`` under
``select_for_update`` in a short transaction of its own, so that workers do not queue on
the lock; a batch that fails afterwards leaves a gap, never a reused number.

This is the one path that bypasses ``services.screening_save``, and only for speed: every stored
document is the one ``screening_save`` would have stored (rebuilt from the rows' values,
as ``services.screening_document`` rebuilds it) and is evaluated exactly as the service
evaluates it; ``tests/web/test_seed.py`` checks that. The pghistory triggers fire on
bulk inserts too, so the seeded rows have their audit trail.
"""

from __future__ import annotations

import collections
import datetime
import multiprocessing
import os
import random
import string
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Final

import msgspec
import pghistory
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections, models, transaction
from django.db.models.expressions import RawSQL
from django.utils import timezone

from screening import document_mapping, exchange
from screening.models import LIST_MODELS, Evaluation, Screening, Site, User
from screening.rules import units
from screening.rules.ruleset import CURRENT, evaluate
from screening.testing.documents import document as generated_document

SEED_USERNAME: Final = "loadtest"


def _float_fields(model: type[models.Model]) -> frozenset[str]:
    return frozenset(f.name for f in model._meta.get_fields() if isinstance(f, models.FloatField))


# A FloatField gives back a float for an int stored (er_percent 0 is read as 0.0): the stored
# document is built from values as the database gives them back.
_SCREENING_FLOATS: Final = _float_fields(Screening)
_LIST_FLOATS: Final = {name: _float_fields(model) for name, model in LIST_MODELS.items()}


def _as_stored(values: dict[str, Any], floats: frozenset[str]) -> dict[str, Any]:
    return {k: float(v) if k in floats and v is not None else v for k, v in values.items()}


def _computed(name: str, row: dict[str, Any]) -> dict[str, Any]:
    """The stored values of a row of list ``name`` that its document does not hold."""
    if name == "labs":
        return {"value_canonical": units.to_canonical(row["test"], row["value"], row["unit"], row["uln"])}
    return {}


def _jsonb(data: Any) -> RawSQL:
    """A JSON value as one quoted jsonb literal.

    Given plain data, bulk_create on PostgreSQL sends each column as one array
    (``UNNEST``), and psycopg escapes every quote of every JSON text of the array in
    Python, a regular expression match at a time: most of the seeding time. A SQL
    expression makes Django insert plain ``VALUES`` rows instead, each document quoted
    once by libpq.
    """
    return RawSQL("%s::jsonb", (msgspec.json.encode(data).decode(),))  # noqa: S611 - a parameter, not SQL text


class Command(BaseCommand):
    help = (
        "FOR LOAD TESTING ONLY: create COUNT generated screenings (with their lab results, tumour samples, "
        "pregnancy tests, prior drugs and one real evaluation each) by bulk inserts in batches, numbered "
        "SITE-NNNN from each site's counter. Fast (100,000 in a few minutes) because it skips the per-record "
        "service, but every stored input document is evaluated with the current ruleset as a save would. "
        "Never run it on a database holding real screenings."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, required=True, help="how many screenings to create")
        parser.add_argument(
            "--site",
            action="append",
            dest="sites",
            metavar="CODE",
            help="site code to spread the screenings over (repeatable; default: every site)",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=2026,
            help="random seed of the generator (default 2026); batch N always gets the same "
            "documents for the same seed",
        )
        parser.add_argument("--batch-size", type=int, default=1000, help="screenings per transaction (1000)")
        parser.add_argument(
            "--jobs",
            type=int,
            default=min(2, os.cpu_count() or 1),
            help="worker processes, each inserting whole batches (default: 2, or 1 on one CPU)",
        )
        parser.add_argument(
            "--by",
            default=SEED_USERNAME,
            help=f"username recorded as creator (default {SEED_USERNAME!r}, created without "
            "a usable password when absent)",
        )

    def handle(
        self,
        *args: Any,
        count: int,
        sites: list[str] | None,
        seed: int,
        batch_size: int,
        jobs: int,
        by: str,
        **options: Any,
    ) -> None:
        if count < 0 or batch_size < 1 or jobs < 1:
            raise CommandError("--count must be >= 0, --batch-size and --jobs >= 1")
        known = sorted(Site.objects.values_list("code", flat=True))
        codes = sorted(set(sites)) if sites else known
        unknown = set(codes) - set(known)
        if unknown or not codes:
            raise CommandError(f"unknown site(s) {', '.join(sorted(unknown))}; known: {', '.join(known)}")
        # The clock is read once: the generated documents all date from before it.
        batches = [
            _Batch(
                index=i,
                size=min(batch_size, count - start),
                seed=seed,
                codes=tuple(codes),
                known=tuple(known),
                today=timezone.localdate(),
                user_id=self._user(by).pk,
            )
            for i, start in enumerate(range(0, count, batch_size))
        ]
        statuses: dict[str, int] = {}
        started = time.perf_counter()
        done = 0
        for batch_statuses in self._run(batches, jobs):
            for status in batch_statuses:
                statuses[status] = statuses.get(status, 0) + 1
            done += len(batch_statuses)
            if options["verbosity"] >= 2 or (done % (batch_size * 10) == 0 and done < count):
                self.stdout.write(f"{done:>9,} screenings, {done / (time.perf_counter() - started):,.0f}/s")
        elapsed = time.perf_counter() - started
        summary = ", ".join(f"{k} {v:,}" for k, v in sorted(statuses.items()))
        self.stdout.write(
            f"created {done:,} screenings ({summary}) in {elapsed:.1f} s ({done / elapsed if elapsed else 0:,.0f}/s)"
        )

    @staticmethod
    def _run(batches: list[_Batch], jobs: int) -> Iterator[list[str]]:
        if jobs == 1 or len(batches) <= 1:
            yield from map(_insert_batch, batches)
            return
        # Forked workers must not share the parent's connection: each opens its own.
        connections.close_all()
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            yield from pool.imap_unordered(_insert_batch, batches)

    @staticmethod
    def _user(username: str) -> User:
        user, created = User.objects.get_or_create(username=username, defaults={"first_name": "Load test"})
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        return user


@dataclass(frozen=True)
class _Batch:
    index: int
    size: int
    seed: int
    codes: tuple[str, ...]  # sites to spread over
    known: tuple[str, ...]  # every site code (what parse_screening accepts)
    today: datetime.date
    user_id: int


def _reserve_numbers(sites: list[str]) -> dict[str, int]:
    """Advance the counters of the sites for ``sites`` (one entry per screening); the first
    sequence reserved for each site.

    The counters are locked as services._next_number locks them, but only for this short
    transaction, so that workers do not wait on one another; a batch that fails later
    leaves its numbers unused (numbers are never reused, gaps are allowed).
    """
    needed = collections.Counter(sites)
    first: dict[str, int] = {}
    with transaction.atomic():
        for site in Site.objects.select_for_update().filter(code__in=needed).order_by("pk"):
            first[site.code] = site.last_screening_sequence + 1
            site.last_screening_sequence += needed[site.code]
            site.save(update_fields=["last_screening_sequence"])
    return first


def _insert_batch(batch: _Batch) -> list[str]:
    """Generate, evaluate and store one batch in one transaction; the screenings' statuses."""
    rng = random.Random(f"{batch.seed}:{batch.index}")  # noqa: S311 - reproducible test data, no secret
    site_codes = [rng.choice(batch.codes) for _ in range(batch.size)]
    next_sequence = _reserve_numbers(site_codes)
    sites = Site.objects.in_bulk(field_name="code")
    user = User.objects.get(pk=batch.user_id)
    screenings: list[Screening] = []
    rows: list[dict[str, Iterable[dict[str, Any]]]] = []
    evaluations: list[Evaluation] = []
    for code in site_codes:
        sequence = next_sequence[code]
        next_sequence[code] += 1
        number = f"{code}-{sequence:04d}"
        raw = generated_document(rng, sequence)
        raw["site"], raw["screening_id"] = code, number
        raw["patient"]["initials"] = "".join(rng.choices(string.ascii_uppercase, k=rng.choice((2, 2, 3))))
        doc = exchange.parse_screening(raw, today=batch.today, known_sites=batch.known)
        values = _as_stored(document_mapping.model_values(doc), _SCREENING_FLOATS)
        lists: dict[str, Iterable[dict[str, Any]]] = {
            name: [_as_stored(row, _LIST_FLOATS[name]) for row in list_rows]
            for name, list_rows in document_mapping.list_rows(doc).items()
        }
        # What services._evaluate_and_append evaluates: the document of the stored rows.
        stored = document_mapping.build_document(
            site_code=code, screening_id=number, value_of=values.__getitem__, lists=lists
        )
        evaluated = evaluate(exchange.parse_screening(stored, today=batch.today, known_sites=batch.known), CURRENT.id)
        result = exchange.as_json_data(exchange.result_document(evaluated, screening_id=number))
        screenings.append(
            Screening(
                site=sites[code],
                sequence=sequence,
                number=number,
                created_by=user,
                updated_by=user,
                status=evaluated.status,
                failed_count=len(evaluated.failed),
                missing_count=len(evaluated.missing),
                failed_criteria=list(evaluated.failed),
                missing_criteria=list(evaluated.missing),
                **values,
            )
        )
        rows.append(lists)
        evaluations.append(
            Evaluation(
                ruleset=evaluated.ruleset,
                input_document=_jsonb(stored),
                result_document=_jsonb(result),
                status=evaluated.status,
                created_by=user,
            )
        )
    with transaction.atomic(), pghistory.context(command="seed_screenings", user=user.pk):
        Screening.objects.bulk_create(screenings)
        for screening, evaluation in zip(screenings, evaluations, strict=True):
            evaluation.screening = screening
        for name, model in LIST_MODELS.items():
            model._default_manager.bulk_create(
                model(screening=screening, **row, **_computed(name, row))
                for screening, lists in zip(screenings, rows, strict=True)
                for row in lists[name]
            )
        Evaluation.objects.bulk_create(evaluations)
    return [s.status for s in screenings]
