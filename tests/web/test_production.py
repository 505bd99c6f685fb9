"""Production posture (alter/settings.py, docs/operations.md): the deploy check, the
headers a hospital's browser receives, account lockout after failed logins, idle session
expiry, and a Content-Security-Policy that no page needs to relax.

The deploy check and the production headers run in a subprocess: the settings read DEBUG,
SECRET_KEY and ALLOWED_HOSTS once, at import, and the test process runs with DEBUG on.
"""

from __future__ import annotations

import datetime
import io
import json
import os
import string
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import get_random_string

from screening.models import Screening, User
from tests.conftest import PASSWORD, REPO_ROOT
from tests.web.formdata import form_data

PRODUCTION_HOST = "alter.example.org"
LOCKED_OUT = "Too many failed attempts; try again in 15 minutes or ask your site administrator."


def _production_env(**overrides: str) -> dict[str, str]:
    """The environment docs/operations.md gives for production, and nothing inherited that
    could soften it (a developer's DEBUG, SECURE_SSL_REDIRECT or SECURE_HSTS_SECONDS)."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "alter.settings",
        "DEBUG": "false",
        # 50 random characters, as docs/operations.md asks. URL-safe ones: django-environ
        # reads a value that starts with "$" as the name of another variable.
        "SECRET_KEY": get_random_string(50, string.ascii_letters + string.digits + "-_"),
        "ALLOWED_HOSTS": PRODUCTION_HOST,
    }
    if "DATABASE_URL" in os.environ:
        env["DATABASE_URL"] = os.environ["DATABASE_URL"]
    env.update(overrides)
    return env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py, fixed arguments
        [sys.executable, *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


# --- manage.py check --deploy ----------------------------------------------------------------


def test_deploy_check_reports_nothing_with_the_production_settings() -> None:
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], _production_env())

    assert result.returncode == 0, result.stdout + result.stderr
    # The two silenced checks, each explained where it is silenced in alter/settings.py.
    assert "System check identified no issues (2 silenced)." in result.stdout, result.stdout + result.stderr


def test_deploy_check_silences_only_the_two_explained_checks() -> None:
    assert sorted(settings.SILENCED_SYSTEM_CHECKS) == ["axes.W006", "security.W021"]


def test_deploy_check_fails_on_a_weak_secret_key() -> None:
    # The check above is live: the same command refuses a guessable key.
    result = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], _production_env(SECRET_KEY="short-and-guessable")
    )

    assert result.returncode != 0
    assert "security.W009" in result.stderr


_HEADERS_SCRIPT = """
import json, django
django.setup()
from django.conf import settings
from django.core.management import call_command
from django.test import Client
# The manifest the production storage reads, without WhiteNoise's compression (slow, and
# not under test here).
settings.STORAGES = {**settings.STORAGES, "staticfiles": {
    "BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}}
call_command("collectstatic", interactive=False, verbosity=0)
client = Client()
plain = client.get("/accounts/login/", HTTP_HOST="alter.example.org")
behind_proxy = client.get("/accounts/login/", HTTP_HOST="alter.example.org", HTTP_X_FORWARDED_PROTO="https")
csrf = behind_proxy.cookies["csrftoken"]
print(json.dumps({
    "plain": [plain.status_code, plain.headers.get("Location")],
    "status": behind_proxy.status_code,
    "headers": dict(behind_proxy.headers),
    "csrf_cookie": {"secure": csrf["secure"], "httponly": csrf["httponly"], "samesite": csrf["samesite"]},
    "session_cookie": [settings.SESSION_COOKIE_SECURE, settings.SESSION_COOKIE_HTTPONLY],
}))
"""


def test_production_headers_behind_the_https_proxy(tmp_path: Path) -> None:
    result = _run(["-c", _HEADERS_SCRIPT], _production_env(STATIC_ROOT=str(tmp_path / "static")))
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)

    # Plain HTTP is sent to HTTPS; the proxy's X-Forwarded-Proto says the request was HTTPS.
    assert seen["plain"] == [301, f"https://{PRODUCTION_HOST}/accounts/login/"]
    assert seen["status"] == 200
    headers = seen["headers"]
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert _policy(headers["Content-Security-Policy"]) == EXPECTED_POLICY
    assert seen["csrf_cookie"] == {"secure": True, "httponly": True, "samesite": "Lax"}
    assert seen["session_cookie"] == [True, True]


# --- account lockout (django-axes) -----------------------------------------------------------


def _login(client: Client, username: str, password: str, **extra: Any) -> Any:
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def _logged_in_as(client: Client) -> str | None:
    user_id = client.session.get("_auth_user_id")
    return None if user_id is None else User.objects.get(pk=user_id).username


def _fail(client: Client, username: str, times: int, **extra: Any) -> list[int]:
    return [_login(client, username, "not-the-password", **extra).status_code for _ in range(times)]


@pytest.mark.django_db
def test_a_wrong_password_is_refused_without_locking_before_the_fifth(client: Client, coordinator_ipc: User) -> None:
    assert _fail(client, "coord.ipc", 4) == [200, 200, 200, 200]  # the login form, with its error

    response = _login(client, "coord.ipc", PASSWORD)

    assert response.status_code == 302
    assert _logged_in_as(client) == "coord.ipc"


@pytest.mark.django_db
def test_five_failed_logins_lock_the_account_even_with_the_right_password(
    client: Client, coordinator_ipc: User
) -> None:
    assert _fail(client, "coord.ipc", 5) == [200, 200, 200, 200, 429]

    response = _login(client, "coord.ipc", PASSWORD)

    assert response.status_code == 429
    assert LOCKED_OUT in " ".join(response.content.decode().split())
    assert _logged_in_as(client) is None


@pytest.mark.django_db
def test_the_lock_is_per_account_not_per_address(client: Client, coordinator_ipc: User, coordinator_igr: User) -> None:
    # Every member of a hospital's staff reaches the server from the same NAT address.
    _fail(client, "coord.ipc", 5)

    assert _login(client, "coord.igr", PASSWORD).status_code == 302
    assert _logged_in_as(client) == "coord.igr"


@pytest.mark.django_db
def test_changing_user_agent_does_not_reset_the_count(client: Client, coordinator_ipc: User) -> None:
    # Why axes.W006 (no 'ip_address' in the lockout parameters) is silenced: failures are
    # counted per account, whatever client sends them.
    statuses = [
        _login(
            client, "coord.ipc", "not-the-password", HTTP_USER_AGENT=f"agent-{i}", REMOTE_ADDR=f"10.0.0.{i}"
        ).status_code
        for i in range(5)
    ]

    assert statuses == [200, 200, 200, 200, 429]
    assert _login(Client(), "coord.ipc", PASSWORD).status_code == 429


def _age_attempts(username: str, by: datetime.timedelta) -> None:
    """What the passing of time does to the recorded failures (axes reads attempt_time)."""
    AccessAttempt.objects.filter(username=username).update(attempt_time=timezone.now() - by)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("elapsed", "allowed"),
    [
        (datetime.timedelta(minutes=14, seconds=50), False),
        (datetime.timedelta(minutes=15, seconds=10), True),
    ],
)
def test_the_lock_lifts_after_15_minutes(
    client: Client, coordinator_ipc: User, *, elapsed: datetime.timedelta, allowed: bool
) -> None:
    _fail(client, "coord.ipc", 5)
    _age_attempts("coord.ipc", elapsed)

    response = _login(client, "coord.ipc", PASSWORD)

    assert (response.status_code, _logged_in_as(client)) == ((302, "coord.ipc") if allowed else (429, None))


@pytest.mark.django_db
def test_attempts_during_the_lock_do_not_extend_it(client: Client, coordinator_ipc: User) -> None:
    # The page promises 15 minutes: a user who keeps trying must not push that further.
    _fail(client, "coord.ipc", 5)
    _age_attempts("coord.ipc", datetime.timedelta(minutes=10))
    assert _fail(client, "coord.ipc", 3) == [429, 429, 429]
    _age_attempts("coord.ipc", datetime.timedelta(minutes=15, seconds=10))  # 15 minutes after the fifth failure

    assert _login(client, "coord.ipc", PASSWORD).status_code == 302


@pytest.mark.django_db
def test_a_successful_login_resets_the_count(client: Client, coordinator_ipc: User) -> None:
    _fail(client, "coord.ipc", 4)
    assert _login(client, "coord.ipc", PASSWORD).status_code == 302
    client.post(reverse("logout"))

    # Four more failures: without the reset, the first of them would have locked the account.
    assert _fail(client, "coord.ipc", 4) == [200, 200, 200, 200]
    assert _login(client, "coord.ipc", PASSWORD).status_code == 302


@pytest.mark.django_db
def test_the_site_administrator_unlocks_an_account(client: Client, coordinator_ipc: User) -> None:
    # docs/operations.md: `manage.py axes_reset_username <username>`.
    _fail(client, "coord.ipc", 5)

    call_command("axes_reset_username", "coord.ipc", stdout=io.StringIO())

    assert _login(client, "coord.ipc", PASSWORD).status_code == 302


# --- sessions ------------------------------------------------------------------------------


def _expiry(client: Client) -> datetime.datetime:
    return Session.objects.get(session_key=client.cookies[settings.SESSION_COOKIE_NAME].value).expire_date


@pytest.mark.django_db
def test_a_session_lasts_30_idle_minutes_and_each_request_renews_it(client: Client, coordinator_ipc: User) -> None:
    client.force_login(coordinator_ipc)
    assert client.session.get_expiry_age() == 1800
    # Ten minutes of inactivity, as the database sees it.
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() + datetime.timedelta(minutes=20)
    )

    before = timezone.now()
    response = client.get(reverse("screening:list"))

    assert response.status_code == 200
    renewed = _expiry(client) - before
    assert datetime.timedelta(minutes=29, seconds=50) <= renewed <= datetime.timedelta(minutes=30, seconds=10)
    # A browser-session cookie: closing the browser ends the session too.
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert (cookie["max-age"], cookie["expires"]) == ("", "")


@pytest.mark.django_db
def test_the_session_is_renewed_at_most_once_a_minute_not_written_by_every_page(
    client: Client, coordinator_ipc: User
) -> None:
    client.force_login(coordinator_ipc)
    client.get(reverse("screening:list"))
    key = client.session.session_key
    # As if the last renewal was 20 seconds ago, then 61 seconds ago.
    recent = timezone.now() + datetime.timedelta(minutes=29, seconds=40)

    def renewed(seconds_ago: int) -> datetime.datetime:
        session = client.session
        session["renewed_at"] = int(time.time()) - seconds_ago
        session.save()
        Session.objects.filter(session_key=key).update(expire_date=recent)
        assert client.get(reverse("screening:list")).status_code == 200
        return _expiry(client)

    assert renewed(20) == recent
    pushed = renewed(61) - timezone.now()
    assert datetime.timedelta(minutes=29, seconds=50) <= pushed <= datetime.timedelta(minutes=30, seconds=10)
    # A clock set back (a renewal "in the future") renews too, rather than never again.
    assert renewed(-3600) > recent


@pytest.mark.django_db
def test_after_30_idle_minutes_the_next_request_asks_to_log_in(client: Client, coordinator_ipc: User) -> None:
    client.force_login(coordinator_ipc)
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )

    response = client.get(reverse("screening:list"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- Content-Security-Policy ----------------------------------------------------------------

EXPECTED_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
    "base-uri": ["'self'"],
    "object-src": ["'none'"],
}


def _policy(header: str) -> dict[str, list[str]]:
    directives = [part.split() for part in header.split(";") if part.strip()]
    return {name: values for name, *values in directives}


class _InlineCode(HTMLParser):
    """What a policy without 'unsafe-inline' refuses to run or apply."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []  # <script> without src
        self.handlers: list[str] = []  # onclick=… and the like
        self.style_elements = 0
        self.style_attributes: list[str] = []
        self.javascript_urls: list[str] = []
        self._in_inline_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "script" and not named.get("src"):
            self._in_inline_script = True
            self.scripts.append("")
        if tag == "style":
            self.style_elements += 1
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers.append(f"<{tag} {name}>")
            if name == "style":
                self.style_attributes.append(f"<{tag} id={named.get('id')!r} style={value!r}>")
            if name in ("href", "src", "action", "formaction") and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.javascript_urls.append(f"<{tag} {name}={value!r}>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_inline_script = False

    def handle_data(self, data: str) -> None:
        if self._in_inline_script:
            self.scripts[-1] += data


def _inline_code(html: str) -> _InlineCode:
    parser = _InlineCode()
    parser.feed(html)
    parser.close()
    return parser


@pytest.fixture
def pages(
    client: Client,
    screening_ipc: Screening,
    coordinator_ipc: User,
    investigator_ipc: User,
    example_document: dict[str, Any],
) -> dict[str, Any]:
    """Every page a user meets, as the right persona sees it: responses by name."""
    number = screening_ipc.number
    evaluation = screening_ipc.evaluations.first()
    assert evaluation is not None
    responses: dict[str, Any] = {"login": client.get(reverse("login"))}
    client.force_login(coordinator_ipc)
    for name, url in [
        ("list", reverse("screening:list")),
        ("new screening", reverse("screening:create")),
        ("screening", reverse("screening:detail", args=[number])),
        ("history", reverse("screening:history", args=[number])),
        ("evaluation", reverse("screening:evaluation", args=[number, evaluation.pk])),
        ("log", reverse("screening:log")),
        ("export", reverse("screening:export", args=[number])),
    ]:
        responses[name] = client.get(url)
    responses["panel (htmx)"] = client.post(
        reverse("screening:evaluate", args=[number]), form_data(example_document, version=1), HTTP_HX_REQUEST="true"
    )
    client.force_login(investigator_ipc)
    responses["review queue"] = client.get(reverse("screening:review_queue"))
    responses["sign"] = client.get(reverse("screening:sign", args=[number]))
    admin = User.objects.create_superuser("admin", password=PASSWORD)
    client.force_login(admin)
    responses["admin"] = client.get(reverse("admin:index"))
    responses["admin: a user"] = client.get(reverse("admin:screening_user_change", args=[coordinator_ipc.pk]))
    client.logout()
    _fail(client, "coord.ipc", 5)
    responses["locked out"] = _login(client, "coord.ipc", PASSWORD)
    return responses


@pytest.mark.django_db
def test_every_page_carries_the_policy_and_needs_no_inline_script(pages: dict[str, Any]) -> None:
    for name, response in pages.items():
        assert response.status_code in (200, 429), f"{name}: {response.status_code}"
        policy = _policy(response["Content-Security-Policy"])
        assert policy == EXPECTED_POLICY, name
        assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"]
        if not response["Content-Type"].startswith("text/html"):
            continue
        found = _inline_code(response.content.decode())
        assert found.scripts == [], f"{name}: inline <script>: {found.scripts}"
        assert found.handlers == [], f"{name}: inline event handlers: {found.handlers}"
        assert found.javascript_urls == [], f"{name}: javascript: URLs: {found.javascript_urls}"
        assert found.style_elements == 0, f"{name}: <style> element"


@pytest.mark.django_db
def test_full_pages_turn_off_htmx_inline_indicator_style(pages: dict[str, Any]) -> None:
    # htmx 2 would insert a <style> element for its indicators, which style-src 'self' refuses.
    meta = """<meta name="htmx-config" content='{"includeIndicatorStyles": false}'>"""
    assert meta in pages["screening"].content.decode()
    assert meta in pages["login"].content.decode()


@pytest.mark.django_db
def test_no_page_has_a_style_attribute(pages: dict[str, Any]) -> None:
    # style-src 'self' also refuses style="…" attributes: the browser ignores them and
    # reports a violation in its console.
    found = {
        name: _inline_code(response.content.decode()).style_attributes
        for name, response in pages.items()
        if response["Content-Type"].startswith("text/html")
    }
    assert {name: attrs for name, attrs in found.items() if attrs} == {}
