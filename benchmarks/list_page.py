"""Benchmark: the screening list page against a bare Django view listing the same rows.

    python benchmarks/list_page.py [--user coord.ipc] [--number 20] [--repeat 5]

Against a seeded database (``manage.py seed_demo`` then ``manage.py seed_screenings
--count 100000``), signed in as a coordinator, it requests the real list page
(``screening:list``: paginator, template, filters) and ``benchmarks/bare_urls.bare_list``
(the same rows by ``values_list``, joined into plain text) in the same process, through
Django's test client and the full middleware stack, for page 1, page 50, a status filter
and searches. Each round times ``--number`` requests of one URL; the best of ``--repeat``
alternating rounds is kept, and the ratio real / bare is printed (1.0 would be "as fast as
the bare view"). The query count of each page is printed too.

Production settings (DEBUG off: no query log), except what a test client over plain HTTP
needs: a throw-away SECRET_KEY, no HTTPS redirect nor secure cookies, and plain static
storage (the manifest storage would need ``collectstatic``; a URL lookup costs the same).
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alter.settings")
os.environ["DEBUG"] = "false"
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))  # signs this run's session only
# WhiteNoise warns that STATIC_ROOT was never collected: static files are not requested here.
warnings.filterwarnings("ignore", message="No directory at")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from screening import selectors  # noqa: E402
from screening.models import User  # noqa: E402

BENCH_SETTINGS = {
    "ROOT_URLCONF": "benchmarks.bare_urls",
    "ALLOWED_HOSTS": ["testserver"],
    "SECURE_SSL_REDIRECT": False,
    "SESSION_COOKIE_SECURE": False,
    "CSRF_COOKIE_SECURE": False,
    "STORAGES": {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    },
}
NUMBER = re.compile(r"/screenings/([A-Z]{2,8}-\d{4,})/")


def variants(user: User) -> list[tuple[str, str]]:
    """(label, query string) of the list pages to time, chosen from the user's own rows."""
    visible = selectors.screenings_visible_to(user).order_by("id").values_list("number", "initials")
    count = visible.count()
    number, initials = visible[count // 2] if count else ("IPC-0001", "XX")
    return [
        ("page 1", ""),
        ("page 50", "?page=50"),
        ("status=ineligible", "?status=ineligible"),
        ("status=eligible page 20", "?status=eligible&page=20"),
        (f"search number {number}", f"?q={number}"),
        (f"search initials {initials}", f"?q={initials}"),
    ]


def timed(client: Client, url: str, number: int) -> float:
    """Seconds per request, over ``number`` requests (each must answer 200)."""
    start = time.perf_counter()
    for _ in range(number):
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
    return (time.perf_counter() - start) / number


def check_same_rows(client: Client, real: str, bare: str) -> tuple[int, int]:
    """The real page shows the bare view's rows, in its order; the query counts of both."""
    with CaptureQueriesContext(connection) as real_queries:
        html = client.get(real).content.decode()
    with CaptureQueriesContext(connection) as bare_queries:
        text = client.get(bare).content.decode()
    bare_numbers = [line.split(" ", 1)[0] for line in text.splitlines()]
    real_numbers = list(dict.fromkeys(NUMBER.findall(html)))
    if real_numbers != bare_numbers:
        raise SystemExit(f"{real} and {bare} list different rows: {real_numbers[:5]}... vs {bare_numbers[:5]}...")
    return len(real_queries), len(bare_queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--user", default="coord.ipc", help="the coordinator to sign in as (seed_demo's)")
    parser.add_argument("--number", type=int, default=20, help="requests per timed round")
    parser.add_argument("--repeat", type=int, default=5, help="rounds per URL; the best is kept")
    args = parser.parse_args()

    with override_settings(**BENCH_SETTINGS):
        user = User.objects.filter(username=args.user).first()
        if user is None:
            raise SystemExit(f"no user {args.user!r}: run `manage.py seed_demo` (and seed_screenings) first")
        visible = selectors.screenings_visible_to(user).count()
        if visible < 50 * 50:
            print(
                f"warning: {args.user} sees {visible} screenings, fewer than 50 pages: "
                "run `manage.py seed_screenings --count 100000` first"
            )
        client = Client()
        client.force_login(user)
        print(f"{args.user} sees {visible:,} screenings; best of {args.repeat} rounds of {args.number} requests")
        print(f"{'list page':<32} {'real ms':>8} {'bare ms':>8} {'ratio':>6} {'queries':>8}")
        ratios = []
        for label, query in variants(user):
            real_url, bare_url = "/" + query, "/bare/screenings/" + query
            real_queries, bare_queries = check_same_rows(client, real_url, bare_url)
            real = bare = float("inf")
            for _ in range(args.repeat):
                real = min(real, timed(client, real_url, args.number))
                bare = min(bare, timed(client, bare_url, args.number))
            ratios.append(real / bare)
            print(
                f"{label:<32} {real * 1000:8.2f} {bare * 1000:8.2f} {real / bare:6.2f} "
                f"{real_queries:>4}/{bare_queries:<3}"
            )
        print(f"ratio real / bare: from {min(ratios):.2f} to {max(ratios):.2f} (1.0: as fast as the bare view)")


if __name__ == "__main__":
    main()
