"""Benchmark: re-evaluating 100,000 stored screenings under an amendment, against a bare read
of the same stored documents plus a JSON round trip, in the same run (issue 12, item 6).

    python benchmarks/reevaluate_100k.py [--count 100000] [--jobs 2] [--database bench_reeval]

It works in a database of its own (``--database``, default ``bench_reeval``, on the server of
``DATABASE_URL``; its name must start with ``bench_``: ``seed_screenings`` is for load testing
only): created and migrated when missing, then seeded with ``--count`` screenings by
``manage.py seed_screenings`` unless it already holds exactly that many (``--fresh`` drops and
seeds it again). The amendment is the test ruleset ``alter-test`` (tests/rulesets.py: CrCl >= 40,
LVEF >= 50, EXC-13 liver metastases), registered in this process and so in its workers.

Three passes over every screening, each timed on its own:

- **bare**: each screening's latest evaluation read (``DISTINCT ON`` screening, newest first),
  streamed from a server-side cursor in chunks of ``--chunk`` screening ids spread over
  ``--jobs`` worker processes, its stored input and result documents read as JSON text,
  decoded and encoded again by msgspec: the least a program reading and writing them must do;
- **dry run**: ``manage.py reevaluate --ruleset alter-test --jobs N``, the command itself
  (``screening.reevaluation``: each latest input document evaluated under ``alter-test`` as on
  today through ``services.evaluate_document``, compared with the stored result by status
  and each criterion's (outcome, code)), its JSON Lines written to a file;
- **apply**: ``reevaluate ... --apply --user loadtest --reason ...``, the command appending
  each changed screening's evaluation (``reevaluation.screening_reevaluate``: one
  transaction each, the screening locked, history recorded), inside a transaction rolled
  back at the end, so in one process (worker processes cannot start inside a transaction).

It prints each pass's time, rate and ratio to the bare pass, and the peak resident memory of
the processes that did the work (``ru_maxrss`` of this process and of its workers): for
100,000 screenings of about 30 KB of stored JSON each (3 GB), a peak of the order of 100 MB
is memory that does not grow with the count (streamed). ``--small`` runs the bare pass over
the first 10,000 screenings too, for the same comparison.
"""

from __future__ import annotations

import argparse
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
    parser.add_argument("--no-apply", action="store_true", help="time the bare read and the dry run only")
    args = parser.parse_args()
    if not args.database.startswith("bench_"):
        parser.error("--database must start with bench_: it is seeded with made-up screenings")
    return args


ARGS = _arguments() if __name__ == "__main__" else None
if ARGS is not None:
    os.environ["DATABASE_URL"] = _database_url(ARGS.database)

import django  # noqa: E402
import msgspec  # noqa: E402

django.setup()

import psycopg  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections, transaction  # noqa: E402
from django.db.models import Max, Min, TextField  # noqa: E402
from django.db.models.functions import Cast  # noqa: E402
from psycopg import sql  # noqa: E402

from screening.models import Evaluation, Screening  # noqa: E402
from screening.rules import ruleset as rulesets  # noqa: E402
from tests.rulesets import ALTER_TEST  # noqa: E402

rulesets.register(ALTER_TEST)  # before the workers fork: they inherit it


@dataclass(frozen=True)
class Task:
    low: int  # screening ids low..high inclusive
    high: int


@dataclass
class Tally:
    screenings: int = 0
    max_rss_kib: int = 0


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


class _Rollback(Exception):
    pass


def _command(*arguments: str, jobs: int, out: Path) -> tuple[float, int, int]:
    """``manage.py reevaluate --ruleset alter-test ARGUMENTS``: its wall time, the lines it
    printed (one per changed screening) and its workers' peak resident memory (KiB)."""
    started = time.perf_counter()
    with out.open("w", encoding="utf-8") as lines, open(os.devnull, "w") as summary:  # noqa: PTH123
        call_command(
            "reevaluate", "--ruleset", ALTER_TEST.id, "--jobs", str(jobs), *arguments, stdout=lines, stderr=summary
        )
    seconds = time.perf_counter() - started
    with out.open(encoding="utf-8") as lines:
        count = sum(1 for _ in lines)
    return seconds, count, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss


def dry_run(jobs: int, out: Path) -> tuple[float, int, int]:
    return _command(jobs=jobs, out=out)


def apply(out: Path) -> tuple[float, int, int]:
    """``--apply``, in a transaction rolled back: the evaluations it appends are not kept. In
    this process only (``--jobs 1``): worker processes cannot start inside a transaction."""
    result: tuple[float, int, int] = (0.0, 0, 0)
    try:
        with transaction.atomic():
            result = _command("--apply", "--user", "loadtest", "--reason", "benchmark (rolled back)", jobs=1, out=out)
            raise _Rollback
    except _Rollback:
        pass
    return result


def _run(work: Callable[[Task], Tally], tasks: list[Task], jobs: int) -> tuple[float, Tally]:
    """Run ``work`` over the tasks in a fresh pool of ``jobs`` workers; wall time and totals."""
    total = Tally()
    connections.close_all()  # forked workers open their own connection
    started = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        for tally in pool.imap_unordered(work, tasks):
            total.screenings += tally.screenings
            total.max_rss_kib = max(total.max_rss_kib, tally.max_rss_kib)
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


def _tasks(limit: int, chunk: int) -> list[Task]:
    """Chunks of screening ids covering the first ``limit`` screenings (ids are dense: seeded)."""
    bounds = Screening.objects.aggregate(low=Min("id"), high=Max("id"))
    low = bounds["low"]
    high = Screening.objects.order_by("id").values_list("id", flat=True)[limit - 1 : limit].get()
    return [Task(start, min(start + chunk - 1, high)) for start in range(low, high + 1, chunk)]


def main() -> None:
    args = ARGS
    assert args is not None
    _prepare(args)
    evaluations = Evaluation.objects.count()
    load = os.getloadavg()
    print(
        f"database {connection.settings_dict['NAME']}: {Screening.objects.count():,} screenings, "
        f"{evaluations:,} evaluations; {args.jobs} worker(s); "
        f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}",
        flush=True,
    )
    rows = []
    for limit in (args.small, args.count):
        tasks = _tasks(limit, args.chunk)
        _run(bare, tasks, args.jobs)  # warm PostgreSQL's cache: each pass then reads the same pages
        seconds, tally = _run(bare, tasks, args.jobs)
        rows.append((tally.screenings, "bare read + JSON round trip", seconds, None, tally.max_rss_kib))
        print(f"  {limit:>7,} bare read + JSON round trip  {seconds:7.1f} s", flush=True)
    baseline = rows[-1][2]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "changes.jsonl"
        passes = [(f"reevaluate --jobs {args.jobs} (dry run)", lambda: dry_run(args.jobs, out))]
        if not args.no_apply:
            passes.append(("reevaluate --apply (rolled back)", lambda: apply(out)))
        for name, work in passes:
            seconds, changed, children_kib = work()
            rows.append((args.count, name, seconds, changed, max(children_kib, _rss_kib())))
            print(f"  {args.count:>7,} {name:<32} {seconds:7.1f} s, {changed:,} changed", flush=True)
    if not args.no_apply:
        assert rows[-1][3] == rows[-2][3], "the apply pass did not apply what the dry run printed"
    assert Evaluation.objects.count() == evaluations, "the apply pass was not rolled back"

    print()
    print(f"{'screenings':>10}  {'pass':<32} {'s':>7} {'per s':>8} {'ratio':>6} {'changed':>8} {'peak RSS MiB':>12}")
    for count, name, seconds, changed, rss_kib in rows:
        ratio = f"{seconds / baseline:6.2f}" if count == args.count else "      "
        print(
            f"{count:>10,}  {name:<32} {seconds:7.1f} {count / seconds:8,.0f} {ratio} "
            f"{'' if changed is None else f'{changed:,}':>8} {rss_kib / 1024:12.1f}"
        )
    load = os.getloadavg()
    print(f"load average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main()
