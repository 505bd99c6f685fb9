"""Benchmark: re-evaluating 100,000 stored screenings under an amendment, against a bare read
of the same stored documents plus a JSON round trip, in the same run (issue 12, item 6).

    python benchmarks/reevaluate_100k.py [--count 100000] [--jobs 2] [--database bench_reeval]

It works in a database of its own (``--database``, default ``bench_reeval``, on the server of
``DATABASE_URL``; its name must start with ``bench_``: ``seed_screenings`` is for load testing
only): created and migrated when missing, then seeded with ``--count`` screenings by
``manage.py seed_screenings`` unless it already holds exactly that many (``--fresh`` drops and
seeds it again). The amendment is the test ruleset ``alter-test`` (tests/rulesets.py: CrCl >= 40,
LVEF >= 50, EXC-13 liver metastases), registered in this process and so in its workers.

Each pass reads every screening's latest evaluation (``DISTINCT ON`` screening, newest first),
streamed from a server-side cursor, in chunks of ``--chunk`` screening ids spread over
``--jobs`` worker processes (each its own database connection); nothing holds the 100,000:

- **bare**: each stored input and result document read as JSON text, decoded and encoded
  again by msgspec (the least a program reading and writing them must do);
- **dry run**: ``screening.reproduction.reevaluated`` on each (the stored input document
  evaluated under ``alter-test`` as on today, through ``services.evaluate_document``, compared
  with the stored result by status and each criterion's (outcome, code)), each change
  encoded as one JSON line and written to a file, as ``reevaluate`` without ``--apply`` prints;
- **apply**: the dry run, then for each change its evaluation appended and the screening's
  status updated (``bulk_create``/``bulk_update``, history triggers firing), one transaction
  per chunk, rolled back.

It prints each pass's time, rate and ratio to the bare pass, and the peak resident memory of
the processes that did the work (``ru_maxrss``), for the first 10,000 screenings and for all:
equal peaks mean the memory is flat.
"""

from __future__ import annotations

import argparse
import collections
import datetime
import multiprocessing
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alter.settings")
# Production settings: with DEBUG on, Django would keep the last 9,000 queries (and their
# parameters, whole documents) in memory.
os.environ["DEBUG"] = "false"


def _database_url(name: str) -> str:
    """DATABASE_URL's server and role, database ``name``."""
    base = urlsplit(os.environ.get("DATABASE_URL", "postgres://alter:alter@127.0.0.1:5432/alter"))
    return urlunsplit(base._replace(path=f"/{name}"))


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=100_000, help="screenings to seed and re-evaluate")
    parser.add_argument("--small", type=int, default=10_000, help="the smaller pass, for the memory comparison")
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1), help="worker processes")
    parser.add_argument("--chunk", type=int, default=2_000, help="screening ids per task")
    parser.add_argument("--database", default="bench_reeval", help="database name (must start with bench_)")
    parser.add_argument("--fresh", action="store_true", help="drop the database and seed it again")
    args = parser.parse_args()
    if not args.database.startswith("bench_"):
        parser.error("--database must start with bench_: it is seeded with made-up screenings")
    return args


ARGS = _arguments() if __name__ == "__main__" else None
if ARGS is not None:
    os.environ["DATABASE_URL"] = _database_url(ARGS.database)

import django  # noqa: E402
import msgspec  # noqa: E402
import pghistory  # noqa: E402

django.setup()

import psycopg  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections, transaction  # noqa: E402
from django.db.models import Max, Min, TextField  # noqa: E402
from django.db.models.functions import Cast  # noqa: E402
from django.utils import timezone  # noqa: E402
from psycopg import sql  # noqa: E402

from screening import services  # noqa: E402
from screening.models import Evaluation, Screening, User  # noqa: E402
from screening.reproduction import Change, reevaluated  # noqa: E402
from screening.rules import ruleset as rulesets  # noqa: E402
from tests.rulesets import ALTER_TEST  # noqa: E402

rulesets.register(ALTER_TEST)  # before the workers fork: they inherit it


class _Rollback(Exception):
    pass


@dataclass(frozen=True)
class Task:
    low: int  # screening ids low..high inclusive
    high: int
    today: datetime.date
    known_sites: frozenset[str]
    out: str  # the JSON Lines file of this task's changes


@dataclass
class Tally:
    screenings: int = 0
    changed: int = 0
    appended: int = 0
    max_rss_kib: int = 0
    statuses: collections.Counter[tuple[str, str]] | None = None


class _Decision(msgspec.Struct):
    id: str
    outcome: str
    code: str


class _StoredResult(msgspec.Struct):
    """What a re-evaluation compares of a stored result document (msgspec skips the rest)."""

    screening_id: str | None
    status: str
    criteria: list[_Decision]


_RESULT = msgspec.json.Decoder(_StoredResult)
_ANY = msgspec.json.Decoder()
_ENCODE = msgspec.json.Encoder()


def _latest(task: Task) -> Iterator[tuple[int, int, str, str, str]]:
    """Each screening's latest evaluation in the task's range, streamed from a server-side
    cursor: its id, the screening's id and number, and its input and result documents as
    JSON text (decoded by the caller: by msgspec, not by the ORM's json.loads)."""
    latest = (
        Evaluation.objects.filter(screening_id__gte=task.low, screening_id__lte=task.high)
        .order_by("screening_id", "-created_at", "-id")
        .distinct("screening_id")
        .values("id")
    )
    # The latest ids first, on the narrow index columns; then their documents, unsorted (a
    # sort of the wide rows would spill to disk).
    rows = (
        Evaluation.objects.filter(id__in=latest)
        .order_by()
        .annotate(input_text=Cast("input_document", TextField()), result_text=Cast("result_document", TextField()))
        .values_list("id", "screening_id", "screening__number", "input_text", "result_text")
    )
    return rows.iterator(chunk_size=500)  # type: ignore[return-value]  # values_list rows are tuples


def _rss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def bare(task: Task) -> Tally:
    tally = Tally()
    with transaction.atomic():  # a cursor WITHOUT HOLD: streamed, not materialized first
        _bare(task, tally)
    tally.max_rss_kib = _rss_kib()
    return tally


def _bare(task: Task, tally: Tally) -> None:
    for _id, _screening_id, _number, input_text, result_text in _latest(task):
        _ENCODE.encode(_ANY.decode(input_text))
        _ENCODE.encode(_ANY.decode(result_text))
        tally.screenings += 1


def _line(number: str, change: Change) -> str:
    return _ENCODE.encode(
        {
            "screening": number,
            "status": {"before": change.status_before, "after": change.status_after},
            "criteria": [{"id": c.id, "before": c.before, "after": c.after} for c in change.criteria],
        }
    ).decode()


Pending = tuple[int, int, Change]  # the evaluation re-evaluated, its screening, the change


def _changes(task: Task, tally: Tally) -> Iterator[Pending]:
    tally.statuses = collections.Counter()
    with open(task.out, "w", encoding="utf-8") as out:
        for evaluation_id, screening_id, number, input_text, result_text in _latest(task):
            tally.screenings += 1
            stored = _RESULT.decode(result_text)
            latest = {
                "screening_id": stored.screening_id,
                "status": stored.status,
                "criteria": [{"id": c.id, "outcome": c.outcome, "code": c.code} for c in stored.criteria],
            }
            change = reevaluated(
                _ANY.decode(input_text),
                latest,
                ruleset_id=ALTER_TEST.id,
                today=task.today,
                known_sites=task.known_sites,
            )
            if change is None:
                continue
            tally.changed += 1
            tally.statuses[change.status_before, change.status_after] += 1
            out.write(_line(number, change) + "\n")
            yield evaluation_id, screening_id, change


def dry_run(task: Task) -> Tally:
    tally = Tally()
    with transaction.atomic():
        for _ in _changes(task, tally):
            pass
    tally.max_rss_kib = _rss_kib()
    return tally


APPEND_BATCH = 500


def apply(task: Task) -> Tally:
    """The dry run, then what ``--apply`` writes for each change, in a transaction rolled back."""
    tally = Tally()
    user = User.objects.get(username="loadtest")
    try:
        with (
            transaction.atomic(),
            pghistory.context(command="reevaluate", user=user.pk, reason="benchmark: alter-test, rolled back"),
        ):
            pending: list[Pending] = []
            for item in _changes(task, tally):
                pending.append(item)
                if len(pending) == APPEND_BATCH:
                    tally.appended += _append(pending, user)
                    pending.clear()
            tally.appended += _append(pending, user)
            raise _Rollback
    except _Rollback:
        pass
    tally.max_rss_kib = _rss_kib()
    return tally


# One statement per batch, each with one parameter (a JSON array): a bulk_update or a
# bulk_create of 500 rows has thousands of placeholders, which psycopg rewrites in Python.
_UPDATE_SCREENINGS = """
UPDATE screening_screening s SET status = v.status, failed_count = v.failed_count, missing_count = v.missing_count,
    failed_criteria = ARRAY(SELECT jsonb_array_elements_text(v.failed)),
    missing_criteria = ARRAY(SELECT jsonb_array_elements_text(v.missing)), updated_at = now()
FROM jsonb_to_recordset(%s::jsonb) AS v(screening_id int, status text, failed_count int, missing_count int,
    failed jsonb, missing jsonb)
WHERE s.id = v.screening_id
"""
_APPEND_EVALUATIONS = """
INSERT INTO screening_evaluation (screening_id, ruleset, input_document, result_document, status, created_at,
    created_by_id)
SELECT e.screening_id, v.ruleset, e.input_document, v.result, v.status, now(), %s
FROM jsonb_to_recordset(%s::jsonb) AS v(evaluation_id int, ruleset text, result jsonb, status text)
JOIN screening_evaluation e ON e.id = v.evaluation_id
"""


def _append(pending: list[Pending], user: User) -> int:
    """The changed screenings' new evaluations appended (the stored input document kept,
    the new result) and their status updated, as ``--apply`` writes them."""
    if not pending:
        return 0
    evaluations, screenings = [], []
    for evaluation_id, screening_id, change in pending:
        result = change.result
        evaluations.append(
            {
                "evaluation_id": evaluation_id,
                "ruleset": result.ruleset,
                "result": change.result_document,
                "status": result.status,
            }
        )
        screenings.append(
            {
                "screening_id": screening_id,
                "status": result.status,
                "failed_count": len(result.failed),
                "missing_count": len(result.missing),
                "failed": list(result.failed),
                "missing": list(result.missing),
            }
        )
    with connection.cursor() as cursor:
        cursor.execute(_APPEND_EVALUATIONS, [user.pk, _ENCODE.encode(evaluations).decode()])
        appended = cursor.rowcount
        cursor.execute(_UPDATE_SCREENINGS, [_ENCODE.encode(screenings).decode()])
        assert cursor.rowcount == appended == len(pending), (cursor.rowcount, appended, len(pending))
    return appended


def _run(work: Callable[[Task], Tally], tasks: list[Task], jobs: int) -> tuple[float, Tally]:
    """Run ``work`` over the tasks in a fresh pool of ``jobs`` workers; wall time and totals."""
    total = Tally(statuses=collections.Counter())
    connections.close_all()  # forked workers open their own connection
    started = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        for tally in pool.imap_unordered(work, tasks):
            total.screenings += tally.screenings
            total.changed += tally.changed
            total.appended += tally.appended
            total.max_rss_kib = max(total.max_rss_kib, tally.max_rss_kib)
            if tally.statuses is not None:
                assert total.statuses is not None
                total.statuses.update(tally.statuses)
    return time.perf_counter() - started, total


def _prepare(args: argparse.Namespace) -> None:
    name = connection.settings_dict["NAME"]
    s = connection.settings_dict
    with psycopg.connect(
        dbname="postgres",
        user=s["USER"],
        password=s["PASSWORD"],
        host=s["HOST"] or None,
        port=s["PORT"] or None,
        autocommit=True,
    ) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None
        if exists and args.fresh:
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
            exists = False
        if not exists:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    call_command("migrate", verbosity=0)
    seeded = Screening.objects.count()
    if seeded == 0:
        print(f"seeding {args.count:,} screenings into {name} (seed_screenings, {args.jobs} jobs)...", flush=True)
        call_command("seed_screenings", count=args.count, jobs=args.jobs)
    elif seeded != args.count:
        raise SystemExit(f"{name} holds {seeded:,} screenings, not {args.count:,}: run with --fresh")


def _tasks(limit: int, chunk: int, out_dir: Path) -> list[Task]:
    """Chunks of screening ids covering the first ``limit`` screenings (ids are dense: seeded)."""
    bounds = Screening.objects.aggregate(low=Min("id"), high=Max("id"))
    low = bounds["low"]
    high = Screening.objects.order_by("id").values_list("id", flat=True)[limit - 1 : limit].get()
    today = timezone.localdate()
    sites = frozenset(services.known_site_codes())
    return [
        Task(start, min(start + chunk - 1, high), today, sites, str(out_dir / f"changes-{start}.jsonl"))
        for start in range(low, high + 1, chunk)
    ]


def main() -> None:
    args = ARGS
    assert args is not None
    _prepare(args)
    evaluations = Evaluation.objects.count()
    load = os.getloadavg()
    print(
        f"database {connection.settings_dict['NAME']}: {Screening.objects.count():,} screenings, "
        f"{Evaluation.objects.count():,} evaluations; {args.jobs} worker(s), chunks of {args.chunk:,} ids; "
        f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}",
        flush=True,
    )
    with tempfile.TemporaryDirectory() as tmp:
        out_dir = Path(tmp)
        rows = []
        for limit in (args.small, args.count):
            tasks = _tasks(limit, args.chunk, out_dir)
            _run(bare, tasks, args.jobs)  # warm PostgreSQL's cache: each pass then reads the same pages
            for name, work in (
                ("bare read + JSON round trip", bare),
                ("dry run", dry_run),
                ("apply (rolled back)", apply),
            ):
                seconds, tally = _run(work, tasks, args.jobs)
                rows.append((limit, name, seconds, tally))
                print(f"  {limit:>7,} {name:<28} {seconds:7.1f} s", flush=True)
            lines = sum(1 for path in out_dir.glob("*.jsonl") for _ in path.open(encoding="utf-8"))
            dry, applied = rows[-2][3], rows[-1][3]
            assert lines == dry.changed == applied.changed == applied.appended, (lines, dry, applied)
            assert Evaluation.objects.count() == evaluations, "the apply pass was not rolled back"

    print()
    print(f"{'screenings':>10}  {'pass':<28} {'s':>7} {'per s':>8} {'ratio':>6} {'changed':>8} {'peak RSS MiB':>12}")
    for limit, name, seconds, tally in rows:
        baseline = next(s for n, p, s, _t in rows if n == limit and p.startswith("bare"))
        print(
            f"{tally.screenings:>10,}  {name:<28} {seconds:7.1f} {tally.screenings / seconds:8,.0f} "
            f"{seconds / baseline:6.2f} {tally.changed:>8,} {tally.max_rss_kib / 1024:12.1f}"
        )
    full = [t for n, p, _s, t in rows if n == args.count and p == "dry run"][0]
    assert full.statuses is not None
    print()
    print(
        "dry run, changes by status: " + ", ".join(f"{b} -> {a} {n:,}" for (b, a), n in sorted(full.statuses.items()))
    )
    load = os.getloadavg()
    print(f"load average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; parent peak RSS {_rss_kib() / 1024:.1f} MiB")


if __name__ == "__main__":
    main()
