"""A coordinator imports the hospital's lab results as FHIR in the browser (issue 13).

The demo screening without lab results, and the hospital's FHIR file that seed_demo writes
for it (``demo_fhir_bundle``): the coordinator uploads the file, sees the proposals beside
the (empty) rows on file and the skipped Observations, ticks every ready result but one,
saves once, and finds each row's source on the screening and in its history. Leaving the
proposals without approving stores nothing.

The approval page is captured for the README (docs/screenshots/fhir-labs.png).
"""

from __future__ import annotations

import datetime
import json
import re
import tempfile
from pathlib import Path
from typing import Final

import pytest
from django.test import override_settings
from django.utils import timezone
from playwright.sync_api import Page, ViewportSize, expect

from screening import services
from screening.management.commands.seed_demo import demo_document, demo_fhir_bundle
from screening.models import LabResult, LabResultSource, Role, Screening
from tests.browser.base import BrowserTestCase
from tests.conftest import make_user

REPO_ROOT: Final = Path(__file__).resolve().parents[2]
SCREENSHOTS: Final = REPO_ROOT / "docs" / "screenshots"
VIEWPORT: Final[ViewportSize] = {"width": 1400, "height": 1000}

pytestmark = pytest.mark.filterwarnings("ignore:No directory at.*staticfiles:UserWarning")


@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"], FHIR_BASE_URL="")
class FhirLabsTests(BrowserTestCase):
    serialized_rollback = True

    def setUp(self) -> None:
        coordinator = make_user("coord.ipc", Role.COORDINATOR, "IPC")
        document = demo_document(site="IPC", initials="LF", planned=timezone.localdate() + datetime.timedelta(days=3))
        document["labs"] = []
        evaluation = services.screening_import(raw=document, by=coordinator)
        self.screening = Screening.objects.get(pk=evaluation.screening_id)
        self.file = Path(self.enterContext(tempfile.TemporaryDirectory())) / "demo-fhir-labs.json"
        self.file.write_text(json.dumps(demo_fhir_bundle(self.screening, today=timezone.localdate())), encoding="utf-8")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.browser = self.start_browser()

    def _login(self) -> tuple[Page, list[str]]:
        context = self.browser.new_context(locale="en-GB", viewport=VIEWPORT)
        self.addCleanup(context.close)
        page = context.new_page()
        page.set_default_timeout(10_000)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
        page.goto(self.live_server_url + "/")
        self.log_in(page, "coord.ipc", open_login_page=False)
        return page, errors

    def _upload(self, page: Page) -> None:
        page.goto(f"{self.live_server_url}/screenings/{self.screening.number}/")
        page.locator("#id_fhir_file").set_input_files(self.file)
        page.get_by_test_id("fhir-upload-button").click()
        expect(page.get_by_role("heading", name=f"Lab results for {self.screening.number}: to approve")).to_be_visible()

    def test_upload_approve_some_and_see_their_source(self) -> None:
        page, errors = self._login()
        self._upload(page)

        proposals = page.get_by_test_id("proposal")
        expect(proposals).to_have_count(8)
        skipped = page.get_by_test_id("skipped").locator("tbody tr")
        expect(skipped).to_have_count(3)
        expect(page.get_by_test_id("skipped")).to_contain_text("status preliminary: not yet a final result")
        ast = page.locator("[data-observation='demo-ast']")
        expect(ast.locator("input[data-approve]")).to_be_disabled()
        expect(page.get_by_test_id("proposal-problem")).to_contain_text("AST needs its ULN")
        with self.django():
            assert LabResult.objects.filter(screening=self.screening).count() == 0

        # Every ready result ticked at once, then the hemoglobin left out.
        page.locator("[data-select-all]").check()
        page.locator("[data-observation='demo-hb'] input[data-approve]").uncheck()
        # The AST's ULN typed from the printed report: it may then be ticked too.
        ast.locator("input[name$='-uln']").fill("40")
        ast.locator("input[data-approve]").check()
        page.screenshot(path=SCREENSHOTS / "fhir-labs.png", full_page=True)
        page.get_by_test_id("approve-selected").click()

        expect(page.get_by_role("alert")).to_contain_text("7 lab result(s) added from demo-fhir-labs.json")
        with self.django():
            stored = {row.test: row for row in LabResult.objects.filter(screening=self.screening)}
            assert sorted(stored) == ["albumin", "alt", "anc", "ast", "creatinine", "platelets", "total_bilirubin"]
            assert stored["ast"].uln == 40
            assert LabResultSource.objects.filter(screening=self.screening).count() == 7
        sources = page.get_by_test_id("lab-source")
        expect(sources).to_have_count(7)
        expect(sources.first).to_contain_text("Observation demo-anc · LOINC 751-8 · received 3.1 10*9/L")
        page.get_by_role("link", name="History").click()
        expect(page.get_by_test_id("history-changes")).to_contain_text("Source of the lab result creatinine of")
        expect(page.get_by_test_id("history-changes")).to_contain_text("demo-creat")
        assert errors == [], "\n".join(errors)

    def test_leaving_without_approving_stores_nothing(self) -> None:
        page, errors = self._login()
        self._upload(page)
        page.locator("[data-select-all]").check()

        page.get_by_role("link", name="Back to the screening without saving").click()

        expect(page).to_have_url(re.compile(rf"/screenings/{self.screening.number}/#section-labs$"))
        with self.django():
            assert LabResult.objects.filter(screening=self.screening).count() == 0
            assert Screening.objects.get(pk=self.screening.pk).version == 1
        assert errors == [], "\n".join(errors)
