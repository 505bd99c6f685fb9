"""The calculation shown, in the browser (issue 10, item 4).

A French coordinator opens a screening with three creatinine results: the panel shows how
CrCl was computed from the one used (62 µmol/L = 0,70 mg/dL, its date, the age at that
date), the lab table marks the row used and the row too old to count, and a criterion's
link scrolls to the lab row it read. Typing a newer creatinine moves the marks with the
live panel.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any, Final

import pytest
from django.test import override_settings
from playwright.sync_api import Page, ViewportSize, expect

from screening import services
from screening.models import Role
from tests.browser.base import BrowserTestCase, console_error
from tests.conftest import SHARED, make_user

EXAMPLE: Final = SHARED / "examples" / "eligible-ipc-0007.json"
VIEWPORT: Final[ViewportSize] = {"width": 1366, "height": 800}

pytestmark = pytest.mark.filterwarnings("ignore:No directory at.*staticfiles:UserWarning")

# Rows 0-6: the example's other labs; 7: creatinine too old (39 days before R = 12/03/2026);
# 8: the creatinine used; 9: an older one inside the window.
CREATININE_ROWS: Final = [
    {"test": "creatinine", "value": 80, "unit": "umol/L", "date": "2026-02-01"},
    {"test": "creatinine", "value": 62, "unit": "umol/L", "date": "2026-03-05"},
    {"test": "creatinine", "value": 75, "unit": "umol/L", "date": "2026-02-20"},
]
TOO_OLD_ROW, USED_ROW, OLDER_ROW, FIRST_EMPTY_ROW = 7, 8, 9, 10


@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
class CalculationPanelTests(BrowserTestCase):
    serialized_rollback = True  # the sites come from a data migration

    def setUp(self) -> None:
        coordinator = make_user("coord.ipc", Role.COORDINATOR, "IPC")
        coordinator.language = "fr"
        coordinator.save(update_fields=["language"])
        document: dict[str, Any] = json.loads(EXAMPLE.read_text())
        document["labs"] = [row for row in document["labs"] if row["test"] != "creatinine"]
        document["labs"] += copy.deepcopy(CREATININE_ROWS)
        self.number = services.screening_import(raw=document, by=coordinator).screening.number
        self.browser = self.start_browser()

    def _login(self) -> tuple[Page, list[str]]:
        context = self.browser.new_context(locale="fr-FR", viewport=VIEWPORT)
        self.addCleanup(context.close)
        page = context.new_page()
        page.set_default_timeout(10_000)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
        page.on("console", lambda msg: console_error(errors, msg))
        self.log_in(page, "coord.ipc")
        return page, errors

    def test_crcl_panel_names_the_creatinine_row_used_and_links_to_it(self) -> None:
        page, errors = self._login()
        page.goto(f"{self.live_server_url}/screenings/{self.number}/")
        panel = page.get_by_test_id("evaluation-panel")
        crcl = panel.get_by_test_id("crcl")
        expect(crcl).to_contain_text("102,6 mL/min")
        expect(crcl).to_contain_text("62 µmol/L = 0,70 mg/dL")
        expect(crcl).to_contain_text("Date du résultat : 05/03/2026")
        expect(crcl).to_contain_text("Âge à cette date : 44 ans")
        expect(crcl.get_by_test_id("crcl-formula")).to_contain_text("[(140 − âge) × poids (kg)]")
        expect(crcl.get_by_test_id("crcl-row")).to_have_text("créatinine du 05/03/2026")

        # The lab table: the row used, the row too old, the older one not used.
        expect(page.locator(f"#mark-labs-{USED_ROW}")).to_have_text("Utilisé pour INC-07-CRCL")
        expect(page.locator(f"#mark-labs-{TOO_OLD_ROW}")).to_contain_text("Trop ancien pour être pris en compte")
        expect(page.locator(f"#mark-labs-{OLDER_ROW}")).to_contain_text("Non utilisé")

        # The criterion's link to the row it read: the page scrolls to that row's value.
        target = page.locator(f"#id_labs-{USED_ROW}-value")
        expect(target).not_to_be_in_viewport()
        panel.locator("[data-criterion='INC-07-CRCL']").get_by_test_id("row-used").get_by_role("link").click()
        expect(page).to_have_url(re.compile(rf"#id_labs-{USED_ROW}-value$"))
        expect(target).to_be_in_viewport()
        expect(target).to_have_value(re.compile(r"^62([.,]0)?$"))  # how it shows is the form's (issue 10, item 3)
        assert errors == [], errors

    def test_typing_a_newer_creatinine_moves_the_marks_with_the_live_panel(self) -> None:
        page, errors = self._login()
        page.goto(f"{self.live_server_url}/screenings/{self.number}/")
        prefix = f"#id_labs-{FIRST_EMPTY_ROW}-"
        page.locator(prefix + "test").select_option("creatinine")
        page.locator(prefix + "value").fill("250")
        page.locator(prefix + "unit").select_option("µmol/L")
        page.locator(prefix + "date").fill("2026-03-11")
        panel = page.get_by_test_id("evaluation-panel")
        expect(panel.get_by_test_id("crcl-row")).to_have_text("créatinine du 11/03/2026")
        expect(panel.get_by_test_id("crcl")).to_contain_text("250 µmol/L = 2,83 mg/dL")
        expect(panel.locator("[data-criterion='INC-07-CRCL']")).to_have_attribute("data-outcome", "fail")
        expect(page.locator(f"#mark-labs-{FIRST_EMPTY_ROW}")).to_have_text("Utilisé pour INC-07-CRCL")
        expect(page.locator(f"#mark-labs-{USED_ROW}")).to_contain_text("Non utilisé")
        # The failed criterion's link in the summary goes to the new row.
        panel.get_by_test_id("to-resolve").get_by_role("link", name="INC-07-CRCL").click()
        expect(page).to_have_url(re.compile(rf"#id_labs-{FIRST_EMPTY_ROW}-value$"))
        expect(page.locator(prefix + "value")).to_be_in_viewport()
        assert errors == [], errors
