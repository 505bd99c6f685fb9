"""A French coordinator types a lab report as printed (issue 10).

PNN ``2,1`` with no unit chosen, at a site without default units, is refused at the unit
field, naming the row; at IPC, whose default for neutrophils is G/L, choosing the test shows
G/L chosen, and the row is stored as ANC 2.1 G/L. After saving, numbers read in French
(11,2; 231; 61). A page with several mistakes shows all of them after one save.
"""

from __future__ import annotations

import datetime
import re
from typing import Final

import pytest
from django.test import override_settings
from django.utils import timezone
from playwright.sync_api import Locator, Page, ViewportSize, expect

from screening.models import LabResult, Role, Screening, Site, User
from tests.browser.base import BrowserTestCase
from tests.conftest import make_user

# WhiteNoise warns that STATIC_ROOT does not exist when the live server loads the middleware.
pytestmark = pytest.mark.filterwarnings("ignore:No directory at.*staticfiles:UserWarning")

VIEWPORT: Final[ViewportSize] = {"width": 1366, "height": 900}
FUTURE: Final = "2099-01-05"


def _cell(page: Page, field_id: str) -> Locator:
    """The table cell of a lab row's field, where its messages are."""
    return page.locator("td", has=page.locator(f"#{field_id}"))


@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
class FrenchLabEntryTests(BrowserTestCase):
    # The sites and their default units come from data migrations, which the flush after
    # each test would erase for the tests that run next.
    serialized_rollback = True

    def setUp(self) -> None:
        site = Site.objects.create(code="TST", name="Centre sans unités par défaut", city="Lyon")
        for username, code in (("coord.ipc", "IPC"), ("coord.tst", site.code)):
            user = make_user(username, Role.COORDINATOR, code)
            User.objects.filter(pk=user.pk).update(language="fr")
        # A result of three days ago: before today and before the assessment date (today).
        self.lab_day = timezone.localdate() - datetime.timedelta(days=3)
        self.lab_day_fr = self.lab_day.strftime("%d/%m/%Y")
        self.browser = self.start_browser(language="fr-FR")  # a French coordinator's browser

    def _new_screening(self, username: str) -> Page:
        context = self.browser.new_context(locale="fr-FR", viewport=VIEWPORT)
        self.addCleanup(context.close)
        page = context.new_page()
        page.set_default_timeout(10_000)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        self.addCleanup(lambda: self.assertEqual(errors, []))
        self.log_in(page, username)
        page.goto(self.live_server_url + "/screenings/new/")
        return page

    def _lab(self, page: Page, row: int, test: str, value: str, unit: str | None = None) -> None:
        page.select_option(f"#id_labs-{row}-test", test)
        page.fill(f"#id_labs-{row}-value", value)
        if unit is not None:
            page.select_option(f"#id_labs-{row}-unit", unit)
        page.fill(f"#id_labs-{row}-date", self.lab_day.isoformat())

    def test_pnn_without_a_chosen_unit_is_refused_at_the_unit(self) -> None:
        page = self._new_screening("coord.tst")
        page.select_option("#id_labs-0-test", "anc")
        expect(page.locator("#id_labs-0-unit")).to_have_value("")  # no default at this site: none assumed
        self._lab(page, 0, "anc", "2,1")

        page.get_by_test_id("save").click()

        unit = _cell(page, "id_labs-0-unit")
        expect(unit).to_contain_text(f"PNN du {self.lab_day_fr} : choisir l'unité")
        expect(page.locator("#id_labs-0-value")).to_have_value("2,1")
        with self.django():
            assert not Screening.objects.exists()

    def test_pnn_with_the_sites_default_unit_is_stored_in_g_per_litre_and_shown_in_french(self) -> None:
        page = self._new_screening("coord.ipc")
        page.select_option("#id_labs-0-test", "anc")
        expect(page.locator("#id_labs-0-unit")).to_have_value("G/L")  # IPC's default, shown chosen
        self._lab(page, 0, "anc", "2,1")
        self._lab(page, 1, "hemoglobin", "11,2")
        expect(page.locator("#id_labs-1-unit")).to_have_value("g/dL")
        page.locator("[data-add-row='labs']").click()
        self._lab(page, 2, "platelets", "231")
        expect(page.locator("#id_labs-2-unit")).to_have_value("G/L")
        page.fill("#id_weight_kg", "61")

        page.get_by_test_id("save").click()

        expect(page).to_have_url(re.compile(r"/screenings/IPC-\d+/$"))
        with self.django():
            stored = {lab.test: (lab.value, lab.unit) for lab in LabResult.objects.filter(screening__site__code="IPC")}
        assert stored == {"anc": (2.1, "G/L"), "hemoglobin": (11.2, "g/dL"), "platelets": (231.0, "G/L")}
        # Numbers as a French reader writes them, the units still chosen.
        expect(page.locator("#id_labs-0-value")).to_have_value("2,1")
        expect(page.locator("#id_labs-0-unit")).to_have_value("G/L")
        expect(page.locator("#id_labs-1-value")).to_have_value("11,2")
        expect(page.locator("#id_labs-2-value")).to_have_value("231")
        expect(page.locator("#id_weight_kg")).to_have_value("61")

    def test_every_error_shows_after_one_save(self) -> None:
        page = self._new_screening("coord.ipc")
        page.fill("#id_weight_kg", "6l")
        page.fill("#id_lvef_percent", "6O")
        page.fill("#id_consent_date", FUTURE)
        page.locator("[data-add-row='labs']").click()
        self._lab(page, 0, "platelets", "1,500", "/mm3")
        self._lab(page, 1, "hemoglobin", "112", "g/dL")
        self._lab(page, 2, "creatinine", "62", "mg/dL")

        page.get_by_test_id("save").click()

        expect(page.locator("#div_id_weight_kg")).to_contain_text("Saisissez un nombre")
        expect(page.locator("#div_id_lvef_percent")).to_contain_text("Saisissez un nombre")
        expect(page.locator("#div_id_consent_date")).to_contain_text("05/01/2099 est postérieure à la date du jour")
        expect(_cell(page, "id_labs-0-value")).to_contain_text(f"plaquettes du {self.lab_day_fr} :")
        expect(_cell(page, "id_labs-1-value")).to_contain_text(
            f"hémoglobine du {self.lab_day_fr} : 112 g/dL, valeur invraisemblable"
        )
        expect(_cell(page, "id_labs-2-value")).to_contain_text(
            f"créatinine du {self.lab_day_fr} : 62 mg/dL, valeur invraisemblable (plage plausible : 0,1 – 20 mg/dL)"
            " ; vouliez-vous dire µmol/L ?"
        )
        # Nothing typed is lost.
        expect(page.locator("#id_weight_kg")).to_have_value("6l")
        expect(page.locator("#id_labs-0-value")).to_have_value("1,500")
        with self.django():
            assert not Screening.objects.exists()
