"""Benchmark: `screen` on 10,000 valid documents against a bare JSON round trip.

    python benchmarks/screen_throughput.py [--count 10000] [--repeat 3]

Both sides read the same serialized documents in the same process and run: the
baseline does ``json.dumps(json.loads(line))`` per document (the least any JSON-in,
JSON-out program must do); ``screen`` parses and validates the document, evaluates the
32 criteria and encodes the result document, exactly as ``manage.py screen`` does per
document. The best of ``--repeat`` alternating rounds is kept for each, and the ratio
of rates is printed (1.0 would be "as fast as the bare round trip"). The end-to-end
command on a .jsonl file is timed once as well, against a bare Python process doing the
round trip, process start-up included.
"""

from __future__ import annotations

import argparse
import collections
import datetime
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alter.settings")

from screening import exchange  # noqa: E402
from screening.testing.documents import documents  # noqa: E402

TODAY = datetime.date(2026, 11, 25)  # fixed: the generated documents date from 2026


def bare_round_trip(lines: list[bytes]) -> None:
    for line in lines:
        json.dumps(json.loads(line))


def screen_all(lines: list[bytes]) -> collections.Counter[str]:
    statuses: collections.Counter[str] = collections.Counter()
    for line in lines:
        result, doc = exchange.screen(line, today=TODAY, file="-")
        exchange.encode(result)
        statuses[result.status if doc is not None else "refused"] += 1  # type: ignore[union-attr]
    return statuses


def best_time(fn, lines: list[bytes]) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    fn(lines)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    lines = [json.dumps(d).encode() for d in documents(args.count)]
    statuses = screen_all(lines)
    if statuses["refused"]:
        raise SystemExit(
            f"generator produced {statuses['refused']} refused documents: fix screening/testing/documents.py"
        )

    bare, ours = float("inf"), float("inf")
    for _ in range(args.repeat):
        bare = min(bare, best_time(bare_round_trip, lines))
        ours = min(ours, best_time(screen_all, lines))
    n = len(lines)
    print(
        f"documents: {n} ({', '.join(f'{k} {v}' for k, v in sorted(statuses.items()))}), "
        f"mean size {sum(map(len, lines)) // n} bytes"
    )
    print(f"bare json.loads + json.dumps : {n / bare:10,.0f} documents/s")
    print(f"screen (parse+evaluate+encode): {n / ours:10,.0f} documents/s")
    print(f"ratio screen / bare          : {bare / ours:10.2f}")

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "documents.jsonl"
        path.write_bytes(b"\n".join(lines) + b"\n")
        env = {**os.environ, "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"}  # proves no DB is used
        start = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-c",
                "import json,sys\n"
                "for line in open(sys.argv[1]): sys.stdout.write(json.dumps(json.loads(line)) + '\\n')",
                str(path),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        bare_cmd = time.perf_counter() - start
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "screen", str(path)],
            check=True,
            stdout=subprocess.DEVNULL,
            env=env,
            cwd=ROOT,
        )
        screen_cmd = time.perf_counter() - start
    print(
        f"end to end, process start-up included: bare {n / bare_cmd:,.0f}/s, "
        f"manage.py screen {n / screen_cmd:,.0f}/s, ratio {bare_cmd / screen_cmd:.2f}"
    )


if __name__ == "__main__":
    main()
