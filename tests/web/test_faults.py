"""Faults (alter/settings.py, screening/views/faults.py, screening/middleware.py): database
timeouts shorter than gunicorn's, so that a blocked save fails fast and is rolled back, and
the 500 and 503 pages that say whether the save was stored and keep a way back.
"""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from typing import Any

import psycopg
import pytest
from django.conf import settings
from django.db import OperationalError, connection, connections
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.utils import timezone, translation
from psycopg import sql

from screening import exchange, services
from screening.middleware import DatabaseFaultMiddleware
from screening.models import Screening, User
from screening.views import faults
from tests.conftest import REPO_ROOT
from tests.web.conftest import stored_state
from tests.web.test_production import EXPECTED_POLICY, _inline_code, _policy

SERVER_ERROR = "Something went wrong on our side"
STORED_WHOLE = (
    "If you were saving: a save is stored whole or not at all, never half-written. Open the screening, "
    "or its history, to check whether it was stored before entering it again."
)
NOT_STORED = "What this request was saving was not stored: the whole save was rolled back, and nothing is half-written."
LOST = "the connection was lost before the application could tell which."


def _text(response: HttpResponse) -> str:
    """The page's text, unescaped, on one line: the templates wrap long sentences."""
    return html.unescape(re.sub(r"\s+", " ", response.content.decode()))


def _links(response: HttpResponse) -> list[str]:
    page = response.content.decode()
    links = page[
        page.index('data-testid="fault-links"') : page.index("</nav>", page.index('data-testid="fault-links"'))
    ]
    return re.findall(r'href="([^"]*)"', links)


def _connect() -> psycopg.Connection[Any]:
    """A second connection to the test database, as another gunicorn worker would hold."""
    s = connection.settings_dict
    return psycopg.connect(
        dbname=s["NAME"], user=s["USER"], password=s["PASSWORD"], host=s["HOST"] or None, port=s["PORT"] or None
    )


# --- timeouts ---------------------------------------------------------------------------------


def _gunicorn_timeout_seconds() -> int:
    match = re.search(r'"--timeout", "(\d+)"', (REPO_ROOT / "Dockerfile").read_text())
    assert match is not None, "the Dockerfile no longer gives gunicorn's --timeout"
    return int(match.group(1))


@pytest.mark.django_db
def test_every_connection_carries_timeouts_shorter_than_gunicorns() -> None:
    fresh = connections.create_connection("default")
    try:
        with fresh.cursor() as cursor:
            cursor.execute(
                "SELECT name, setting, unit FROM pg_settings "
                "WHERE name IN ('lock_timeout', 'statement_timeout') ORDER BY name"
            )
            rows = cursor.fetchall()
    finally:
        fresh.close()

    assert rows == [
        ("lock_timeout", str(settings.DB_LOCK_TIMEOUT_MS), "ms"),
        ("statement_timeout", str(settings.DB_STATEMENT_TIMEOUT_MS), "ms"),
    ]
    assert 0 < settings.DB_LOCK_TIMEOUT_MS < settings.DB_STATEMENT_TIMEOUT_MS < _gunicorn_timeout_seconds() * 1000 / 2


def test_timeouts_come_from_the_environment_beside_the_urls_options() -> None:
    # The settings read the environment once, at import: a subprocess reads them afresh.
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "alter.settings",
        "DATABASE_URL": "postgres://alter:alter@db:5432/alter?options=-c%20search_path%3Dpublic",
        "DB_STATEMENT_TIMEOUT_MS": "15000",
        "DB_LOCK_TIMEOUT_MS": "2500",
    }
    result = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-c", "from django.conf import settings; print(settings.DATABASES['default']['OPTIONS'])"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "{'options': '-c search_path=public -c statement_timeout=15000 -c lock_timeout=2500'}"
    )


# The sites come from a data migration: serialized_rollback restores them for this test and
# for the transactional tests that run after it.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_save_blocked_by_a_lock_fails_at_lock_timeout_and_stores_nothing(
    coordinator_ipc: User, screening_ipc: Screening, example_document: dict[str, Any]
) -> None:
    document = exchange.parse_screening(
        {**example_document, "ecog": 2}, today=timezone.localdate(), known_sites=services.known_site_codes()
    )
    before = stored_state()
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '300ms'")  # this session only: the test need not wait 5 s
    other = _connect()
    try:
        # Another transaction holds the screening's row, as a save in progress does.
        other.execute(
            sql.SQL("SELECT 1 FROM {} WHERE id = %s FOR UPDATE").format(sql.Identifier(Screening._meta.db_table)),
            [screening_ipc.pk],
        )
        with pytest.raises(OperationalError) as raised:
            services.screening_save(
                screening=screening_ipc,
                document=document,
                expected_version=1,
                by=coordinator_ipc,
                reason="ECOG re-assessed",  # a valid save in every other respect
            )
    finally:
        other.rollback()
        other.close()
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")

    assert isinstance(raised.value.__cause__, psycopg.errors.LockNotAvailable)
    assert raised.value.__cause__.sqlstate == "55P03"
    assert stored_state() == before  # version, rows, evaluations and history events alike

    # What the user is told: not stored, try again; a way back to the screening.
    request = RequestFactory().post(f"/screenings/{screening_ipc.number}/")
    response = DatabaseFaultMiddleware(lambda request: HttpResponse()).process_exception(request, raised.value)
    assert response is not None and response.status_code == 503
    assert NOT_STORED in _text(response)
    assert _links(response) == ["/screenings/IPC-0007/", "/screenings/IPC-0007/history/", "/"]


# --- the 500 page -----------------------------------------------------------------------------


@pytest.mark.urls("tests.web.fault_urls")
def test_an_unexpected_error_answers_the_500_page_in_the_apps_layout(client: Client) -> None:
    # No database access is allowed in this test: neither the handler nor the page queries.
    client.raise_request_exception = False
    response = client.get("/faults/bug/")

    assert response.status_code == 500
    assert response["Content-Type"] == "text/html; charset=utf-8"
    text = _text(response)
    assert SERVER_ERROR in text and STORED_WHOLE in text
    assert '<a class="navbar-brand" href="/">ALTER Screen</a>' in text
    assert "/static/vendor/bootstrap/bootstrap.min.css" in text and "/static/screening/screening.css" in text
    assert _links(response) == ["/"]
    assert _policy(response["Content-Security-Policy"]) == EXPECTED_POLICY


@pytest.mark.django_db
def test_the_500_handler_makes_no_query_and_links_to_the_screening_of_the_url(django_assert_num_queries: Any) -> None:
    request = RequestFactory().post("/screenings/IPC-0007/history/")
    with django_assert_num_queries(0):
        response = faults.server_error(request)

    assert response.status_code == 500
    assert _links(response) == ["/screenings/IPC-0007/", "/screenings/IPC-0007/history/", "/"]
    assert "Open screening IPC-0007" in _text(response)


@pytest.mark.parametrize("path", ["/", "/screenings/new/", "/log/", "/no/such/page/"])
def test_the_500_page_links_to_the_list_only_outside_a_screening(path: str) -> None:
    assert _links(faults.server_error(RequestFactory().get(path))) == ["/"]


def test_the_500_page_in_french() -> None:
    with translation.override("fr"):
        response = faults.server_error(RequestFactory().get("/screenings/IPC-0007/"))

    text = _text(response)
    assert '<html lang="fr">' in text
    assert "Un problème est survenu de notre côté" in text
    assert "Ouvrir la sélection IPC-0007" in text
    assert SERVER_ERROR not in text


# --- the 503 page -----------------------------------------------------------------------------


@pytest.mark.urls("tests.web.fault_urls")
def test_a_lock_timeout_answers_503_saying_nothing_was_stored(client: Client) -> None:
    response = client.get("/faults/lock-timeout/")

    assert response.status_code == 503
    assert response["Retry-After"] == str(faults.RETRY_AFTER_SECONDS)
    text = _text(response)
    assert "The database did not answer in time or is unavailable" in text
    assert NOT_STORED in text and "Try again in a moment." in text
    assert _links(response) == ["/"]
    assert _policy(response["Content-Security-Policy"]) == EXPECTED_POLICY


@pytest.mark.urls("tests.web.fault_urls")
def test_a_lost_connection_answers_503_saying_how_to_check(client: Client) -> None:
    # The connection may have dropped during the COMMIT: the page cannot say "not stored".
    response = client.get("/faults/connection-lost/")

    assert response.status_code == 503
    assert response["Retry-After"] == str(faults.RETRY_AFTER_SECONDS)
    text = _text(response)
    assert LOST in text and "open the screening, or its history, to check whether it was stored" in text
    assert NOT_STORED not in text


@pytest.mark.urls("tests.web.fault_urls")
def test_the_503_page_in_french(client: Client) -> None:
    response = client.get("/faults/lock-timeout/", headers={"Accept-Language": "fr"})

    assert response.status_code == 503
    text = _text(response)
    assert '<html lang="fr">' in text
    assert "La base de données n'a pas répondu à temps ou est indisponible" in text
    assert "Rien de ce que cette requête enregistrait n'a été conservé" in text
    assert NOT_STORED not in text


@pytest.mark.django_db
def test_the_503_middleware_makes_no_query_and_leaves_other_errors_to_the_500(django_assert_num_queries: Any) -> None:
    middleware = DatabaseFaultMiddleware(lambda request: HttpResponse())
    request = RequestFactory().post("/screenings/IPC-0007/import/")
    with django_assert_num_queries(0):
        response = middleware.process_exception(request, OperationalError("server closed the connection"))

    assert response is not None and response.status_code == 503
    assert _links(response) == ["/screenings/IPC-0007/", "/screenings/IPC-0007/history/", "/"]
    assert middleware.process_exception(request, ValueError("a bug")) is None


def test_the_fault_pages_need_no_inline_script_or_style() -> None:
    request = RequestFactory().get("/screenings/IPC-0007/")
    for response in (
        faults.server_error(request),
        faults.database_unavailable(request, rolled_back=True),
        faults.database_unavailable(request, rolled_back=False),
    ):
        found = _inline_code(response.content.decode())
        assert (found.scripts, found.handlers, found.style_attributes, found.javascript_urls) == ([], [], [], [])
        assert found.style_elements == 0
