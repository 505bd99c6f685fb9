"""Load test: 20 coordinators saving screenings through gunicorn, against bare baselines.

    python benchmarks/load.py [--users 20] [--spawn-rate 5] [--run-time 60s] [--port 8765]

Against a seeded database (``manage.py seed_demo``, then ``manage.py seed_screenings
--count 100000``), it starts gunicorn on 127.0.0.1 only, runs locust headless
(``benchmarks/locustfile.py``) for ``--run-time``, stops gunicorn, and prints the median
and 95th percentile of each request: the list page and the screening page against the
bare views that the same server serves in the same run (``benchmarks/bare_urls.py``), and
the save (POST of the form, validation, ``screening_save``, evaluation, audit) against the
bare read of one screening.

The server runs the production settings with DEBUG off, not DEBUG on: DEBUG keeps every
SQL query in memory and serves static files through Django, which would measure a
server nobody runs. Hence a random SECRET_KEY, ALLOWED_HOSTS=127.0.0.1, the manifest
static storage filled by ``collectstatic`` into a temporary STATIC_ROOT, and
``benchmarks/settings.py`` for what plain HTTP on loopback needs (no HTTPS redirect, no
Secure cookies) and for the bare views' URLs. Locust runs on the same machine as the
server and PostgreSQL: figures are for comparison within one run, not capacity planning.
"""

from __future__ import annotations

import argparse
import csv
import os
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"  # loopback only: the load test never listens on a network interface
PAIRS = [("list", "bare list"), ("open", "bare open"), ("save+evaluate", "bare open")]


def run_time_seconds(text: str) -> int:
    units = {"s": 1, "m": 60, "h": 3600}
    return int(text[:-1]) * units[text[-1]] if text[-1] in units else int(text)


def wait_until_serving(port: int, server: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with status {server.returncode}")
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/accounts/login/", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.3)
    raise SystemExit(f"gunicorn did not answer on {HOST}:{port} within {timeout:.0f} s")


def report(stats_csv: Path, failures_csv: Path) -> None:
    with stats_csv.open(newline="") as f:
        rows = {row["Name"]: row for row in csv.DictReader(f)}
    print(f"{'request':<16} {'count':>6} {'fail':>5} {'median ms':>10} {'p95 ms':>8} {'req/s':>6}")
    for name in ("list", "bare list", "open", "bare open", "save+evaluate", "Aggregated"):
        row = rows.get(name)
        if row is None:
            continue
        print(
            f"{name:<16} {row['Request Count']:>6} {row['Failure Count']:>5} {row['50%']:>10} {row['95%']:>8} "
            f"{float(row['Requests/s']):6.1f}"
        )
    for real, bare in PAIRS:
        if real in rows and bare in rows and float(rows[bare]["50%"]) > 0:
            print(
                f"ratio {real} / {bare}: median {float(rows[real]['50%']) / float(rows[bare]['50%']):.1f}, "
                f"p95 {float(rows[real]['95%']) / max(float(rows[bare]['95%']), 1):.1f}"
            )
    with failures_csv.open(newline="") as f:
        for row in csv.DictReader(f):
            print(f"failures: {row['Occurrences']} x {row['Method']} {row['Name']}: {row['Error']}")


def run_locust(args: argparse.Namespace, env: dict[str, str], tmp: Path) -> Path:
    """Run locust headless against the server; the prefix of its CSV files."""
    stats = tmp / "stats"
    log = tmp / "locust.log"
    with log.open("wb") as output:
        locust = subprocess.run(
            [
                str(BIN / "locust"),
                "-f",
                str(ROOT / "benchmarks" / "locustfile.py"),
                "--headless",
                "-u",
                str(args.users),
                "-r",
                str(args.spawn_rate),
                "--run-time",
                args.run_time,
                "--host",
                f"http://{HOST}:{args.port}",
                "--csv",
                str(stats),
                "--only-summary",
                "--stop-timeout",
                "10",
            ],
            cwd=ROOT,
            env=env,
            timeout=run_time_seconds(args.run_time) + 120,
            check=False,
            stdout=output,
            stderr=output,
        )
    # locust exits 1 when some requests failed (reported with the figures), 2 and more when it failed itself.
    if locust.returncode > 1 or not Path(f"{stats}_stats.csv").exists():
        sys.stdout.write(log.read_text()[-5000:])
        raise SystemExit(f"locust failed with status {locust.returncode}")
    return stats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--spawn-rate", type=float, default=5)
    parser.add_argument("--run-time", default="60s", help="locust's --run-time (e.g. 60s, 2m)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1, help="gunicorn workers")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="alter-load-") as tmp_name:
        tmp = Path(tmp_name)
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "benchmarks.settings",
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": HOST,
            "SECURE_SSL_REDIRECT": "false",
            "STATIC_ROOT": str(tmp / "static"),
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
        )
        # The server's log (Django logs each 409 conflict as a warning) goes to a file, shown if it fails.
        with (tmp / "gunicorn.log").open("wb") as server_log:
            server = subprocess.Popen(
                [
                    str(BIN / "gunicorn"),
                    "alter.wsgi:application",
                    "--bind",
                    f"{HOST}:{args.port}",
                    "--workers",
                    str(args.workers),
                    "--log-level",
                    "warning",
                ],
                cwd=ROOT,
                env=env,
                stdout=server_log,
                stderr=server_log,
            )
            try:
                try:
                    wait_until_serving(args.port, server)
                except SystemExit:
                    sys.stdout.write((tmp / "gunicorn.log").read_text()[-5000:])
                    raise
                print(
                    f"gunicorn on {HOST}:{args.port} ({args.workers} workers); locust: {args.users} users "
                    f"for {args.run_time}"
                )
                stats = run_locust(args, env, tmp)
            finally:
                server.terminate()  # gunicorn's master stops its workers on SIGTERM
                try:
                    server.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    server.kill()
                    server.wait()
        report(Path(f"{stats}_stats.csv"), Path(f"{stats}_failures.csv"))


if __name__ == "__main__":
    main()
