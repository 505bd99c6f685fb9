"""Benchmark: the screening page, today's against the reference commit's, in one run.

    python benchmarks/screening_page.py [--reference bdd711a] [--user coord.ipc]
                                        [--number 10] [--repeat 5] [--alternations 2]

The exchange format's "Limits" (shared/spec/exchange-format.md) allow at most 60 labs, 10
tumour samples, 20 pregnancy tests and 50 prior drugs: :func:`largest_document` is such a
screening, the spec's example patient with every list at its limit. The same measurement
runs against two trees, each in a subprocess of this Python (same virtualenv, same
database, same machine): the reference commit (``--reference``, default ``bdd711a``, main
before issue 10), checked out into a temporary git worktree that is removed afterwards, and
this working tree. Each subprocess, against a database with seed_demo's users, inside one
transaction that is rolled back at the end (nothing stays), imports a typical screening
(the spec's example: 9 labs, 2 tumour samples, a pregnancy test, 1 drug) and the largest
one through the screening services, then times, through Django's test client and the full
middleware stack:

- the screening page (``screening:detail``, GET) of each, and its HTML size;
- the typical page of screenings each opened once (``page, typical, first view``): the
  typical screening with values of its own (weight, lab values) and its own evaluation,
  so that nothing of its page was written before (this tree keeps the fragments of pages
  opened again: the latest evaluation's panel, the fields and rows of a form as stored);
- the evaluation panel as the page posts it while typing (``screening:evaluate``) of each,
  URL-encoded as htmx posts the form;
- ``benchmarks/bare_urls.bare_detail``, which reads the screening's row and nothing else.

Each round times ``--number`` requests of one URL; the best of ``--repeat`` alternating
rounds is kept, with this process's CPU time per request (steadier than the elapsed time on
a busy machine), and the ratios to the bare view. The two trees run one after the other,
``--alternations`` times (reference, current, reference, current...), the best of each
kept: load that comes and goes on a shared machine then weighs on both. Then the ratio
current / reference per request. Each subprocess also saves the largest screening
unchanged through the form once: it must answer 302 and store the same document.

``--tree PATH --json`` is the measurement of one tree (what the subprocesses run).
Production settings (DEBUG off: no query log), as benchmarks/list_page.py sets them.
"""

from __future__ import annotations

import argparse
import copy
import datetime
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

THIS_TREE = Path(__file__).resolve().parents[1]


def _tree_from_argv(argv: list[str]) -> Path:
    """The tree whose code is measured: ``--tree PATH`` (a subprocess), else this one."""
    return Path(argv[argv.index("--tree") + 1]).resolve() if "--tree" in argv[:-1] else THIS_TREE


ROOT = _tree_from_argv(sys.argv) if __name__ == "__main__" else THIS_TREE
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


def _post(client: Any, url: str, data: dict[str, str]) -> Any:
    """A POST as htmx sends the form while typing: URL-encoded (the form has no enctype;
    Django's test client would otherwise send multipart, slower to parse), with its header."""
    return client.post(url, urlencode(data), content_type="application/x-www-form-urlencoded", HTTP_HX_REQUEST="true")


def _timed(client: Any, method: str, url: str, data: dict[str, str] | None, number: int) -> tuple[float, float]:
    """Seconds per request, elapsed and of this process's CPU (the database's work is not in the latter)."""
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(number):
        response = _post(client, url, data or {}) if method == "POST" else client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{method} {url} answered {response.status_code}")
    return (time.perf_counter() - start) / number, (time.process_time() - cpu) / number


def _timed_first_views(client: Any, urls: list[str]) -> tuple[float, float]:
    """Seconds per request of pages each opened once (elapsed and CPU, as :func:`_timed`)."""
    start, cpu = time.perf_counter(), time.process_time()
    for url in urls:
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"GET {url} answered {response.status_code}")
    return (time.perf_counter() - start) / len(urls), (time.process_time() - cpu) / len(urls)


def _variant(document: dict[str, Any], index: int) -> dict[str, Any]:
    """The typical screening with values of its own (weight, each lab value): a page whose
    fields, rows and evaluation no earlier page showed."""
    variant = copy.deepcopy(document)
    variant["patient"]["weight_kg"] = round(variant["patient"]["weight_kg"] + 0.1 * (index + 1), 1)
    for lab in variant["labs"]:
        lab["value"] = round(lab["value"] * (1 + 0.001 * (index + 1)), 3)
    return variant


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


REQUESTS = (
    "bare view (one row)",
    "page, typical",
    "page, typical, first view",
    "panel (htmx), typical",
    "page, largest",
    "panel (htmx), largest",
)


def measure(*, user_name: str, number: int, repeat: int) -> dict[str, Any]:
    """This tree's figures: per request the best elapsed and CPU seconds and the response's size."""
    _setup()

    from django.db import transaction  # noqa: PLC0415
    from django.test import Client, override_settings  # noqa: PLC0415
    from django.urls import reverse  # noqa: PLC0415

    from benchmarks.list_page import BENCH_SETTINGS  # noqa: PLC0415
    from screening import selectors, services  # noqa: PLC0415
    from screening.models import User  # noqa: PLC0415
    from tests.builders import eligible_document  # noqa: PLC0415

    with override_settings(**BENCH_SETTINGS), transaction.atomic():
        user = User.objects.filter(username=user_name).first()
        if user is None:
            raise SystemExit(f"no user {user_name!r}: run `manage.py seed_demo` first")
        typical_doc = {**eligible_document(), "screening_id": None}
        typical = services.screening_import(raw=typical_doc, by=user).screening
        largest = services.screening_import(raw=largest_document(typical_doc), by=user).screening
        client = Client()
        client.force_login(user)
        rows = {name: len(r) for name, r in selectors.screening_rows(largest).items()}
        typical_rows = {name: len(r) for name, r in selectors.screening_rows(typical).items()}
        cases: list[tuple[str, str, str, dict[str, str] | None]] = [
            (REQUESTS[0], "GET", reverse("bare-detail", args=[typical.number]), None)
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
        # Screenings opened once each: nothing of their pages was written before (the
        # fragments this tree keeps for pages opened again, screening/panel.py and
        # screening/form_rendering.py, are then written for the first time).
        first_views = [
            reverse(
                "screening:detail",
                args=[services.screening_import(raw=_variant(typical_doc, i), by=user).screening.number],
            )
            for i in range(repeat * number + 1)
        ]
        sizes = {}
        for label, method, url, data in cases:
            response = _post(client, url, data or {}) if method == "POST" else client.get(url)
            sizes[label] = len(response.content)
        sizes[REQUESTS[2]] = len(client.get(first_views.pop()).content)
        best = {label: (float("inf"), float("inf")) for label in REQUESTS}
        for round_number in range(repeat):
            for label, method, url, data in cases:
                best[label] = min(best[label], _timed(client, method, url, data, number))
            urls = first_views[round_number * number : (round_number + 1) * number]
            best[REQUESTS[2]] = min(best[REQUESTS[2]], _timed_first_views(client, urls))
        _save_unchanged(client, largest)
        transaction.set_rollback(True)
    return {
        "rows": {"typical": typical_rows, "largest": rows},
        "fields": {"typical": len(cases[2][3] or {}), "largest": len(cases[4][3] or {})},  # (the panels' posts)
        "requests": {label: {"s": best[label][0], "cpu_s": best[label][1], "bytes": sizes[label]} for label in best},
    }


def _table(title: str, figures: dict[str, Any]) -> None:
    requests = figures["requests"]
    bare = requests[REQUESTS[0]]["s"]
    print(f"\n{title}")
    print(f"{'request':<24} {'ms':>8} {'CPU ms':>8} {'ratio to bare':>14} {'KB':>7}")
    for label in REQUESTS:
        r = requests[label]
        print(
            f"{label:<24} {r['s'] * 1000:8.2f} {r['cpu_s'] * 1000:8.2f} {r['s'] / bare:14.2f} {r['bytes'] / 1000:7.1f}"
        )
    print(
        f"ratio largest / typical: page {requests['page, largest']['s'] / requests['page, typical']['s']:.2f}, "
        f"panel {requests['panel (htmx), largest']['s'] / requests['panel (htmx), typical']['s']:.2f}"
    )


def _run_tree(tree: Path, args: argparse.Namespace) -> dict[str, Any]:
    """The measurement of ``tree``'s code, in a subprocess of this Python."""
    command = [
        sys.executable,
        str(THIS_TREE / "benchmarks" / "screening_page.py"),
        "--tree",
        str(tree),
        "--json",
        *("--user", args.user, "--number", str(args.number), "--repeat", str(args.repeat)),
    ]
    done = subprocess.run(command, cwd=tree, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"the measurement of {tree} failed")
    print(done.stdout.split("\n@@figures@@\n")[0].strip(), f"({tree})")
    figures: dict[str, Any] = json.loads(done.stdout.split("\n@@figures@@\n")[1])
    return figures


def _best(a: dict[str, Any] | None, b: dict[str, Any]) -> dict[str, Any]:
    if a is None:
        return b
    for label, r in b["requests"].items():
        kept = a["requests"][label]
        kept["s"], kept["cpu_s"] = min(kept["s"], r["s"]), min(kept["cpu_s"], r["cpu_s"])
    return a


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--user", default="coord.ipc", help="the coordinator to sign in as (seed_demo's)")
    parser.add_argument("--number", type=int, default=10, help="requests per timed round")
    parser.add_argument("--repeat", type=int, default=5, help="rounds per URL; the best is kept")
    parser.add_argument("--reference", default="bdd711a", help="the commit to compare with (main before issue 10)")
    parser.add_argument("--alternations", type=int, default=2, help="runs of each tree, alternating")
    parser.add_argument("--tree", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.json:
        figures = measure(user_name=args.user, number=args.number, repeat=args.repeat)
        print("\n@@figures@@\n" + json.dumps(figures))
        return

    with tempfile.TemporaryDirectory(prefix="screening-page-reference-") as temporary:
        reference = Path(temporary) / "tree"
        # The tree's tests find the spec's examples beside it, as this one's do.
        (Path(temporary) / "shared").symlink_to(THIS_TREE.parent / "shared")
        subprocess.run(  # noqa: S603
            ["git", "worktree", "add", "--quiet", "--detach", str(reference), args.reference],  # noqa: S607
            cwd=THIS_TREE,
            check=True,
        )
        try:
            today: dict[str, Any] | None = None
            current: dict[str, Any] | None = None
            for _ in range(args.alternations):
                today = _best(today, _run_tree(reference, args))
                current = _best(current, _run_tree(THIS_TREE, args))
        finally:
            subprocess.run(  # noqa: S603
                ["git", "worktree", "remove", "--force", str(reference)],  # noqa: S607
                cwd=THIS_TREE,
                check=True,
            )
    assert today is not None and current is not None
    print(
        f"\ntypical: {today['rows']['typical']}, {today['fields']['typical']} form fields posted; "
        f"largest: {today['rows']['largest']}, {today['fields']['largest']} form fields posted"
    )
    print(
        f"best of {args.alternations} runs of each tree, "
        f"each the best of {args.repeat} rounds of {args.number} requests"
    )
    _table(f"reference {args.reference} (main before issue 10)", today)
    _table("this tree", current)
    print(f"\n{'request':<24} {'ms':>8} {'CPU ms':>8} {'KB':>7}   (this tree / reference)")
    for label in REQUESTS:
        new, old = current["requests"][label], today["requests"][label]
        print(
            f"{label:<24} {new['s'] / old['s']:8.2f} {new['cpu_s'] / old['cpu_s']:8.2f} "
            f"{new['bytes'] / old['bytes']:7.2f}"
        )


if __name__ == "__main__":
    main()
