"""An investigator signs eligibility in the browser (issue 5).

From the review queue to a signed, locked screening: the investigator opens the queue,
reviews the criteria and who answered the judgments, re-enters their password, states the
meaning of the signature and sees the screening locked. Screenshots of the queue and of
the screening-log dashboard are written to docs/screenshots/ (the README shows them).
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any, Final

import pytest
from playwright.sync_api import ConsoleMessage, Page, ViewportSize, expect

from screening import services
from screening.models import Role, Screening, User
from tests.browser.base import BrowserTestCase
from tests.conftest import PASSWORD, SHARED, make_user

SCREENSHOTS: Final = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
EXAMPLE: Final = SHARED / "examples" / "eligible-ipc-0007.json"
VIEWPORT: Final[ViewportSize] = {"width": 1400, "height": 1000}

pytestmark = pytest.mark.filterwarnings("ignore:No directory at.*staticfiles:UserWarning")


def _collect_errors(errors: list[str], message: ConsoleMessage) -> None:
    # A refused signature answers 400 on purpose (the wrong-password step); Chromium logs it.
    if message.type == "error" and "status of 400" not in message.text:
        errors.append(message.text)


class InvestigatorSignOffTests(BrowserTestCase):
    serialized_rollback = True  # the sites come from a data migration

    def setUp(self) -> None:
        coordinator = make_user("coord.ipc", Role.COORDINATOR, "IPC")
        make_user("inv.ipc", Role.INVESTIGATOR, "IPC")
        document: dict[str, Any] = json.loads(EXAMPLE.read_text())
        services.screening_import(raw=document, by=coordinator)  # IPC-0007, eligible
        failing = copy.deepcopy(document)
        failing["screening_id"] = "IPC-0008"
        failing["ecog"] = 2
        services.screening_import(raw=failing, by=coordinator)  # IPC-0008, ineligible on ECOG
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.browser = self.start_browser()

    def _login(self, username: str) -> tuple[Page, list[str]]:
        context = self.browser.new_context(locale="en-GB", viewport=VIEWPORT)
        self.addCleanup(context.close)
        page = context.new_page()
        page.set_default_timeout(10_000)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda msg: _collect_errors(errors, msg))
        self.log_in(page, username)
        return page, errors

    def test_investigator_signs_from_the_queue_and_the_screening_is_locked(self) -> None:
        page, errors = self._login("inv.ipc")
        page.get_by_role("link", name="To review and sign").first.click()
        queue = page.get_by_test_id("review-queue")
        expect(queue).to_contain_text("IPC-0007")
        expect(queue).to_contain_text("IPC-0008")
        expect(queue).to_contain_text("ECOG performance status 2 > 1")  # the failure, without opening it
        page.screenshot(path=str(SCREENSHOTS / "review-queue.png"), full_page=True)

        queue.locator("tr", has_text="IPC-0007").get_by_role("link", name="Review and sign").click()
        expect(page.get_by_test_id("judgments")).to_contain_text("coord.ipc")
        expect(page.locator("[data-criterion='INC-07-CRCL']")).to_contain_text("93.6")

        # A wrong password signs nothing.
        page.get_by_label("Eligibility confirmed").check()
        page.fill("#id_password", "not-my-password")
        page.get_by_role("button", name="Sign").click()
        expect(page.get_by_text("Wrong password")).to_be_visible()
        with self.django():
            assert not Screening.objects.get(number="IPC-0007").locked

        page.get_by_label("Eligibility confirmed").check()
        page.fill("#id_password", PASSWORD)
        page.get_by_role("button", name="Sign").click()
        expect(page).to_have_url(re.compile(r"/screenings/IPC-0007/$"))
        expect(page.get_by_test_id("locked")).to_contain_text("eligibility confirmed")
        expect(page.get_by_test_id("save")).to_have_count(0)  # nobody can edit a locked screening
        with self.django():
            screening = Screening.objects.get(number="IPC-0007")
            signature = screening.signatures.get()
            assert screening.locked
            assert signature.signed_by == User.objects.get(username="inv.ipc")
            assert signature.evaluation == screening.evaluations.first()

        page.get_by_role("link", name="To review and sign").first.click()
        expect(page.get_by_test_id("review-queue")).not_to_contain_text("IPC-0007")
        assert errors == [], errors

    def test_screening_log_dashboard_shows_counts_and_charts(self) -> None:
        page, errors = self._login("inv.ipc")
        page.goto(self.live_server_url + "/log/")
        expect(page.locator("svg").first).to_be_visible()
        expect(page.locator("body")).to_contain_text("INC-05")
        page.screenshot(path=str(SCREENSHOTS / "dashboard.png"), full_page=True)
        assert errors == [], errors
