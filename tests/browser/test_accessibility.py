"""Every page passes axe-core with no serious or critical violation, in English and in French
(issue 10).

axe-core comes from npm (package.json; scripts/test runs ``npm ci``) and is injected into
each page of the tour (tests/page_tour.py) after it loaded, as a signed-in persona would
see it, then run on the whole document (WCAG 2.1 A and AA rules and axe's best practices).
The screening form is also checked after a refused save, with its errors shown. The French
pages' screenshots in docs/screenshots/fr/ are written here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize

from tests.browser.base import BrowserTestCase
from tests.page_tour import build_screenings, tour
from tests.web.test_fhir_labs import HOSPITAL_FILE

SCREENSHOTS_FR: Final = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "fr"
AXE: Final = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
VIEWPORT: Final[ViewportSize] = {"width": 1366, "height": 768}
BLOCKING: Final = {"serious", "critical"}
LOCALES: Final = {"en": "en-GB", "fr": "fr-FR"}

pytestmark = pytest.mark.filterwarnings("ignore:No directory at.*staticfiles:UserWarning")


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations of the page as it is now."""
    page.add_script_tag(path=str(AXE))
    results: dict[str, Any] = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [v for v in results["violations"] if v.get("impact") in BLOCKING]


def describe(violations: list[dict[str, Any]]) -> list[str]:
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at " + "; ".join(" ".join(node["target"]) for node in v["nodes"][:5])
        for v in violations
    ]


class AccessibilityTests(BrowserTestCase):
    serialized_rollback = True  # the sites come from a data migration

    def setUp(self) -> None:
        assert AXE.exists(), f"{AXE} is missing: scripts/test installs it (npm ci)"
        self.pages = tour(build_screenings())
        self.browser = self.start_browser()

    def _context(self, browser: Browser, language: str, username: str) -> BrowserContext:
        # bypass_csp: the page's Content-Security-Policy would refuse the injected axe script.
        context = browser.new_context(locale=LOCALES[language], viewport=VIEWPORT, bypass_csp=True)
        self.addCleanup(context.close)
        context.add_cookies([{"name": "django_language", "value": language, "url": self.live_server_url}])
        if username:
            page = context.new_page()
            self.log_in(page, username)
            page.close()
        return context

    def test_axe_finds_what_it_must(self) -> None:
        # The check itself: a field without a label is a critical violation for axe.
        context = self.browser.new_context(bypass_csp=True)
        self.addCleanup(context.close)
        page = context.new_page()
        page.set_content('<!doctype html><html lang="en"><title>t</title><main><input type="text"></main></html>')
        assert "label" in {v["id"] for v in axe_violations(page)}

    def test_every_page_in_both_languages(self) -> None:
        found: dict[str, list[str]] = {}
        # The French pages in a French browser (its date fields read DD/MM/YYYY).
        browsers = {"en": self.browser, "fr": self.start_browser(language=LOCALES["fr"])}
        for language in LOCALES:
            contexts: dict[str, BrowserContext] = {}
            for tour_page in self.pages:
                if tour_page.username not in contexts:
                    contexts[tour_page.username] = self._context(browsers[language], language, tour_page.username)
                page = contexts[tour_page.username].new_page()
                response = page.goto(self.live_server_url + tour_page.path)
                assert response is not None and response.status == tour_page.status, tour_page.name
                if language == "fr" and tour_page.screenshot:
                    # The French interface as the README shows it (the English ones come from the other browser tests).
                    SCREENSHOTS_FR.mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(SCREENSHOTS_FR / tour_page.screenshot), full_page=True)
                problems = describe(axe_violations(page))
                if page.locator("html").get_attribute("lang") != language:
                    problems.append(f"<html lang> is not {language!r}")
                if problems:
                    found[f"{tour_page.name} [{language}]"] = problems
                page.close()
        assert not found, "axe-core violations:\n" + json.dumps(found, indent=1, ensure_ascii=False)

    def test_the_form_with_its_errors_shown(self) -> None:
        found: dict[str, list[str]] = {}
        for language in LOCALES:
            page = self._context(self.browser, language, "coord.ipc").new_page()
            page.goto(self.live_server_url + "/screenings/IPC-0007/")
            page.fill("#id_weight_kg", "6l")
            page.fill("#id_lvef_percent", "6O")
            page.locator("[data-testid=save]").click()
            page.wait_for_selector(".invalid-feedback")
            violations = axe_violations(page)
            if violations:
                found[language] = describe(violations)
        assert not found, "axe-core violations:\n" + json.dumps(found, indent=1, ensure_ascii=False)

    def test_the_review_of_lab_results_from_the_hospital(self) -> None:
        found: dict[str, list[str]] = {}
        for language in LOCALES:
            page = self._context(self.browser, language, "coord.ipc").new_page()
            page.goto(self.live_server_url + "/screenings/IPC-0007/")
            page.set_input_files(
                "#id_fhir_file",
                files=[
                    {
                        "name": "labs.json",
                        "mimeType": "application/fhir+json",
                        "buffer": json.dumps(HOSPITAL_FILE).encode(),
                    }
                ],
            )
            page.get_by_test_id("fhir-upload-button").click()
            page.wait_for_selector("[name=proposal-0-value]")
            violations = axe_violations(page)
            if violations:
                found[language] = describe(violations)
        assert not found, "axe-core violations:\n" + json.dumps(found, indent=1, ensure_ascii=False)
