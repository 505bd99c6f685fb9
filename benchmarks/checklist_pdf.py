"""Benchmark: the eligibility checklist PDF of a 100-lab screening against bare WeasyPrint.

    python benchmarks/checklist_pdf.py [--labs 8,100] [--number 5] [--repeat 3]

It needs a PostgreSQL where DATABASE_URL's role may create databases (as for the tests):
it creates a throw-away database of its own (``bench_checklist_<pid>``), migrates it, and
for each count of ``--labs`` saves one screening with that many lab results through the
real import and signs it, then times, in the same process and alternating rounds:

- **real**: ``GET /screenings/<number>/checklist.pdf`` through Django's test client and the
  whole middleware stack, signed in as the investigator: the site scoping, the audit-trail
  walk for who answered each judgment, the template, WeasyPrint with the checklist's
  stylesheet (tables, running header and footer, page N of M) and the history row;
- **bare**: WeasyPrint alone rendering the same text (the real PDF's, line by line, as
  plain paragraphs with WeasyPrint's default style): what any PDF of that many words costs.

The best of ``--repeat`` rounds of ``--number`` PDFs each is kept and the ratio real / bare
printed (1.0 would be "as fast as a bare rendering of the same text"). The database is
dropped at the end. Production settings (DEBUG off), except what a test client over plain
HTTP needs.
"""

from __future__ import annotations

import argparse
import copy
import datetime
import io
import json
import os
import secrets
import sys
import time
import warnings
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alter.settings")
os.environ["DEBUG"] = "false"
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))  # signs this run's session only
# WhiteNoise warns that STATIC_ROOT was never collected: static files are not requested here.
warnings.filterwarnings("ignore", message="No directory at")

import django  # noqa: E402

django.setup()

import pypdf  # noqa: E402
import weasyprint  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from screening import services  # noqa: E402
from screening.models import ChecklistPrint, Role, Site, SiteMembership, User  # noqa: E402

BENCH_SETTINGS: dict[str, Any] = {
    "ALLOWED_HOSTS": ["testserver"],
    "SECURE_SSL_REDIRECT": False,
    "SESSION_COOKIE_SECURE": False,
    "CSRF_COOKIE_SECURE": False,
    "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
    "STORAGES": {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    },
}
PASSWORD = secrets.token_urlsafe(16)
EXAMPLE = ROOT.parent / "shared" / "examples" / "eligible-ipc-0007.json"
# Plausible values, in each test's unit as the example enters it.
LAB_VALUES = {
    "hemoglobin": (11.2, "g/dL", None),
    "anc": (2.4, "10^9/L", None),
    "platelets": (231, "10^9/L", None),
    "total_bilirubin": (9, "umol/L", 21),
    "alt": (25, "U/L", 40),
    "ast": (31, "U/L", 40),
    "albumin": (38, "g/L", None),
    "creatinine": (68, "umol/L", None),
}


def document_with_labs(count: int) -> dict[str, Any]:
    """The spec's eligible patient with ``count`` lab results: each test repeated on
    earlier dates (one every three days back from the example's), the example's own rows last."""
    document: dict[str, Any] = json.loads(EXAMPLE.read_text())
    newest = datetime.date.fromisoformat(document["labs"][0]["date"])
    extra = []
    for n in range(max(count - len(document["labs"]), 0)):
        test = list(LAB_VALUES)[n % len(LAB_VALUES)]
        value, unit, uln = LAB_VALUES[test]
        row = {
            "test": test,
            "value": round(value * (1 + 0.01 * (n % 7)), 2),
            "unit": unit,
            "date": (newest - datetime.timedelta(days=3 * (1 + n // len(LAB_VALUES)))).isoformat(),
        }
        if uln is not None:
            row["uln"] = uln
        extra.append(row)
    document["labs"] = extra + copy.deepcopy(document["labs"])
    return document


def timed(client: Client, url: str, number: int) -> float:
    start = time.perf_counter()
    for _ in range(number):
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
    return (time.perf_counter() - start) / number


def timed_bare(html: str, number: int) -> float:
    start = time.perf_counter()
    for _ in range(number):
        weasyprint.HTML(string=html).write_pdf()
    return (time.perf_counter() - start) / number


def bare_html(pdf: bytes) -> tuple[str, int]:
    """The real PDF's text as plain paragraphs, and its page count."""
    pages = pypdf.PdfReader(io.BytesIO(pdf)).pages
    lines = [line for page in pages for line in page.extract_text().splitlines()]
    body = "".join(f"<p>{line.replace('&', '&amp;').replace('<', '&lt;')}</p>" for line in lines)
    return f"<!doctype html><html><head><meta charset='utf-8'></head><body>{body}</body></html>", len(pages)


def run(counts: list[int], number: int, repeat: int) -> None:
    site = Site.objects.get(code="IPC")
    coordinator = User.objects.create_user(
        username="bench.coord", password=PASSWORD, role=Role.COORDINATOR, first_name="Bench", last_name="Coordinator"
    )
    investigator = User.objects.create_user(
        username="bench.inv", password=PASSWORD, role=Role.INVESTIGATOR, first_name="Bench", last_name="Investigator"
    )
    for user in (coordinator, investigator):
        SiteMembership.objects.create(user=user, site=site)
    print(f"best of {repeat} rounds of {number} PDFs each")
    print(f"{'checklist PDF':<16} {'pages':>5} {'KiB':>4} {'queries':>7} {'real ms':>8} {'bare ms':>8} {'ratio':>6}")
    for labs in counts:
        one(labs, number, repeat, coordinator=coordinator, investigator=investigator)


def one(labs: int, number: int, repeat: int, *, coordinator: User, investigator: User) -> None:
    document = document_with_labs(labs)
    document["screening_id"] = None  # a new screening, numbered by its site
    evaluation = services.screening_import(raw=document, by=coordinator)
    screening = evaluation.screening
    services.screening_sign(screening=screening, by=investigator, password=PASSWORD, meaning="eligibility_confirmed")

    client = Client()
    client.force_login(investigator)
    url = f"/screenings/{screening.number}/checklist.pdf"
    reset_queries()  # the request starts with an empty query log: count from there
    with CaptureQueriesContext(connection) as queries:
        pdf = client.get(url).content
    query_count = len(queries)  # now: the next request empties the log it reads
    html, page_count = bare_html(pdf)
    real = bare = float("inf")
    for _ in range(repeat):
        real = min(real, timed(client, url, number))
        bare = min(bare, timed_bare(html, number))
    printed = ChecklistPrint.objects.filter(screening=screening).count()
    if evaluation.status != "eligible" or printed != 1 + repeat * number:
        raise SystemExit(f"{screening.number}: {evaluation.status}, {printed} printouts recorded")
    label = f"{len(evaluation.input_document['labs'])} labs"
    print(
        f"{label:<16} {page_count:>5} {len(pdf) / 1024:>4.0f} {query_count:>7} {real * 1000:8.0f} "
        f"{bare * 1000:8.0f} {real / bare:6.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--labs",
        default="8,100",
        help="lab results of each screening, comma-separated (8: the spec's example as it is)",
    )
    parser.add_argument("--number", type=int, default=5, help="PDFs per timed round")
    parser.add_argument("--repeat", type=int, default=3, help="rounds; the best is kept")
    args = parser.parse_args()

    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = f"bench_checklist_{os.getpid()}"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        with override_settings(**BENCH_SETTINGS):
            run([int(n) for n in args.labs.split(",")], args.number, args.repeat)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
