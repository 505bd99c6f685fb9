"""Benchmark: the screening page of the largest allowed screening, against a typical one and a bare view.

    python benchmarks/screening_page.py [--user coord.ipc] [--number 10] [--repeat 5]

The exchange format's "Limits" (shared/spec/exchange-format.md) allow at most 60 labs, 10
tumour samples, 20 pregnancy tests and 50 prior drugs: :func:`largest_document` is such a
screening, the spec's example patient with every list at its limit. Against a database
with seed_demo's users, inside one transaction that is rolled back at the end (nothing
stays), it imports a typical screening (the spec's example) and the largest one through
the screening services, then times, through Django's test client and the full middleware
stack, in the same process:

- the screening page (``screening:detail``, GET) of each;
- the evaluation panel as the page posts it while typing (``screening:evaluate``) of each;
- ``benchmarks/bare_urls.bare_detail``, which reads the screening's row and nothing else.

Each round times ``--number`` requests of one URL; the best of ``--repeat`` alternating
rounds is kept, and the ratios to the bare view are printed, with this process's CPU time
per request (steadier than the elapsed time on a busy machine). It also saves the largest
screening unchanged through the form once: it must answer 302 and store the same document.

Production settings (DEBUG off: no query log), as benchmarks/list_page.py sets them.
"""

from __future__ import annotations

import argparse
import copy
import datetime
import os
import secrets
import sys
import time
import warnings
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# The exchange format's list limits (shared/spec/exchange-format.md, "Limits"); plain Python.
from screening.rules.document import DRUGS_MAX, LABS_MAX, PREGNANCY_TESTS_MAX, TUMOUR_SAMPLES_MAX  # noqa: E402

_DRUG_NAMES = (
    "paclitaxel",
    "capecitabine",
    "pembrolizumab",
    "carboplatin",
    "eribulin",
    "doxorubicin",
    "gemcitabine",
    "olaparib",
    "nab-paclitaxel",
    "cyclophosphamide",
)


def _days_before(day: str, days: int) -> str:
    return (datetime.date.fromisoformat(day) - datetime.timedelta(days=days)).isoformat()


def largest_document(base: dict[str, Any]) -> dict[str, Any]:
    """``base`` (a valid document of a woman, with labs, a sample and a pregnancy test) with
    every list at the exchange format's limit: earlier results of the same tests, earlier
    samples and pregnancy tests, and 50 prior drugs. Plain Python: no Django needed."""
    doc = copy.deepcopy(base)
    labs = doc["labs"]
    doc["labs"] = [
        {**labs[i % len(labs)], "date": _days_before(labs[i % len(labs)]["date"], i // len(labs))}
        for i in range(LABS_MAX)
    ]
    sample = doc["tumour_samples"][0]
    doc["tumour_samples"] = [
        {**sample, "date": _days_before(sample["date"], 30 * i)} for i in range(TUMOUR_SAMPLES_MAX)
    ]
    test = doc["reproductive"]["pregnancy_tests"][0]
    doc["reproductive"]["pregnancy_tests"] = [
        {**test, "date": _days_before(test["date"], 7 * i)} for i in range(PREGNANCY_TESTS_MAX)
    ]
    doc["prior_therapy"]["drugs"] = [
        f"{_DRUG_NAMES[i % len(_DRUG_NAMES)]} (line {i // len(_DRUG_NAMES) + 1})" for i in range(DRUGS_MAX)
    ]
    return doc


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alter.settings")
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))  # signs this run's session only
    # WhiteNoise warns that STATIC_ROOT was never collected: static files are not requested here.
    warnings.filterwarnings("ignore", message="No directory at")
    import django  # noqa: PLC0415

    django.setup()


def _form_post(screening: Any) -> dict[str, str]:
    """What the browser posts for the screening's page as it opened (unchanged), every field included."""
    from screening import selectors  # noqa: PLC0415
    from screening.forms import ScreeningEntry  # noqa: PLC0415

    entry = ScreeningEntry(screening=screening, rows=selectors.screening_rows(screening))
    data: dict[str, str] = {}
    for form in [entry.form, *(f for fs in entry.formsets.values() for f in (fs.management_form, *fs.forms))]:
        for bound in form:
            value = bound.value()
            if value is False:  # an unticked box is not sent
                continue
            data[bound.html_name] = "" if value is None else str(value)
    return data


def _timed(client: Any, method: str, url: str, data: dict[str, str] | None, number: int) -> tuple[float, float]:
    """Seconds per request, elapsed and of this process's CPU (the database's work is not in the latter)."""
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(number):
        response = client.post(url, data) if method == "POST" else client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{method} {url} answered {response.status_code}")
    return (time.perf_counter() - start) / number, (time.process_time() - cpu) / number


def _save_unchanged(client: Any, screening: Any) -> None:
    """Post the page as it opened: it must answer 302 and store the same document."""
    from django.urls import reverse  # noqa: PLC0415

    from screening import services  # noqa: PLC0415

    stored = services.screening_document(screening=screening)
    start = time.perf_counter()
    response = client.post(reverse("screening:detail", args=[screening.number]), _form_post(screening))
    elapsed = time.perf_counter() - start
    screening.refresh_from_db()
    unchanged = services.screening_document(screening=screening) == stored
    print(
        f"largest saved unchanged through the form: {response.status_code} in {elapsed * 1000:.0f} ms, "
        f"version {screening.version}, stored document {'unchanged' if unchanged else 'CHANGED'}"
    )
    if response.status_code != 302 or not unchanged:
        raise SystemExit("saving the largest screening unchanged did not work")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--user", default="coord.ipc", help="the coordinator to sign in as (seed_demo's)")
    parser.add_argument("--number", type=int, default=10, help="requests per timed round")
    parser.add_argument("--repeat", type=int, default=5, help="rounds per URL; the best is kept")
    args = parser.parse_args()
    _setup()

    from django.db import transaction  # noqa: PLC0415
    from django.test import Client, override_settings  # noqa: PLC0415
    from django.urls import reverse  # noqa: PLC0415

    from benchmarks.list_page import BENCH_SETTINGS  # noqa: PLC0415
    from screening import selectors, services  # noqa: PLC0415
    from screening.models import User  # noqa: PLC0415
    from tests.builders import eligible_document  # noqa: PLC0415

    with override_settings(**BENCH_SETTINGS), transaction.atomic():
        user = User.objects.filter(username=args.user).first()
        if user is None:
            raise SystemExit(f"no user {args.user!r}: run `manage.py seed_demo` first")
        typical_doc = {**eligible_document(), "screening_id": None}
        typical = services.screening_import(raw=typical_doc, by=user).screening
        largest = services.screening_import(raw=largest_document(typical_doc), by=user).screening
        client = Client()
        client.force_login(user)
        rows = {name: len(r) for name, r in selectors.screening_rows(largest).items()}
        print(
            f"typical {typical.number}: {sum(len(r) for r in selectors.screening_rows(typical).values())} rows; "
            f"largest {largest.number}: {rows}"
        )
        cases: list[tuple[str, str, str, dict[str, str] | None]] = [
            ("bare view (one row)", "GET", reverse("bare-detail", args=[typical.number]), None)
        ]
        for label, screening in (("typical", typical), ("largest", largest)):
            cases.append((f"page, {label}", "GET", reverse("screening:detail", args=[screening.number]), None))
            cases.append(
                (
                    f"panel (htmx), {label}",
                    "POST",
                    reverse("screening:evaluate", args=[screening.number]),
                    _form_post(screening),
                )
            )
        print(
            f"form fields posted: typical {len(cases[2][3] or {})}, largest {len(cases[4][3] or {})}; "
            f"best of {args.repeat} rounds of {args.number} requests"
        )
        best = {label: (float("inf"), float("inf")) for label, *_ in cases}
        for _ in range(args.repeat):
            for label, method, url, data in cases:
                best[label] = min(best[label], _timed(client, method, url, data, args.number))
        bare = best[cases[0][0]][0]
        print(f"{'request':<26} {'ms':>8} {'CPU ms':>8} {'ratio to bare':>14}")
        for label, *_ in cases:
            elapsed, cpu = best[label]
            print(f"{label:<26} {elapsed * 1000:8.2f} {cpu * 1000:8.2f} {elapsed / bare:14.2f}")
        print(
            f"ratio largest / typical: page {best['page, largest'][0] / best['page, typical'][0]:.2f}, "
            f"panel {best['panel (htmx), largest'][0] / best['panel (htmx), typical'][0]:.2f}"
        )
        _save_unchanged(client, largest)
        transaction.set_rollback(True)


if __name__ == "__main__":
    main()
