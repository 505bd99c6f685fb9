"""The base of the browser tests: a live server, and Playwright driving Chromium.

The browser is Debian's Chromium (``playwright install`` cannot download here); set
``CHROMIUM`` to use another executable.

Playwright's sync API marks its event loop as running in this thread between its calls.
Django then sees "async" code: the ORM refuses to run (SynchronousOnlyOperation), and its
connection handler, which keeps connections per asyncio context while a loop runs, hands
out a second connection, one that TransactionTestCase neither restores
(``serialized_rollback``) nor closes (the test database then cannot be dropped). Setting
DJANGO_ALLOW_ASYNC_UNSAFE would silence the first symptom only. So Django code never runs
while Playwright does: each test starts the browser after its set-up, stops it in a
cleanup before Django's teardown, and runs the ORM in between in ``self.django()``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Iterator

from django.contrib.staticfiles.testing import StaticLiveServerTestCase
from playwright.sync_api import Browser, ConsoleMessage, Page, expect, sync_playwright

from tests.conftest import PASSWORD

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


# htmx logs an aborted request as an error; hx-sync="this:replace" aborts the panel's
# request on purpose when a newer keystroke comes in.
HTMX_ABORT_LOGS = ("htmx:sendAbort,", "htmx:afterRequest,")


def console_error(errors: list[str], message: ConsoleMessage) -> None:
    """Collect a console error of the page, but for htmx's aborts and the favicon Chromium
    asks for by itself (test_the_browser_finds_a_favicon covers it)."""
    if message.type != "error" or message.text.startswith(HTMX_ABORT_LOGS):
        return
    if message.location.get("url", "").endswith("/favicon.ico"):
        return
    errors.append(f"console: {message.text} ({message.location.get('url')})")


class BrowserTestCase(StaticLiveServerTestCase):
    def log_in(self, page: Page, username: str, *, open_login_page: bool = True) -> None:
        """Sign in through the login form (in either language: Enter submits it)."""
        if open_login_page:
            page.goto(self.live_server_url + "/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.press("#id_password", "Enter")
        expect(page.get_by_test_id("current-user")).to_be_visible()

    def start_browser(self, *, language: str | None = None) -> Browser:
        """A headless Chromium for this test, closed (and Playwright stopped) in a cleanup.
        ``language``: the browser's own (``fr-FR``: date fields then read DD/MM/YYYY, as in a
        French coordinator's browser), beside the pages' language that each context asks."""
        # One Playwright per test (a second would find the first's event loop running).
        playwright = getattr(self, "_playwright", None)
        if playwright is None:
            playwright = self._playwright = sync_playwright().start()
            self.addCleanup(playwright.stop)
        args = [*CHROMIUM_ARGS, f"--lang={language}"] if language else CHROMIUM_ARGS
        # The date fields follow the browser process's locale (its environment), not --lang alone.
        env = {**os.environ, "LANG": f"{language.replace('-', '_')}.UTF-8", "LANGUAGE": language} if language else None
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=args, headless=True, env=env)
        self.addCleanup(browser.close)
        return browser

    @contextlib.contextmanager
    def django(self) -> Iterator[None]:
        """Run Django code (the ORM) in this thread while the browser runs."""
        loop = asyncio._get_running_loop()
        asyncio._set_running_loop(None)
        try:
            yield
        finally:
            asyncio._set_running_loop(loop)
