"""A coordinator enters a screening in the browser (issue 4).

The spec's eligible patient (IPC-0007) is typed as a French coordinator types it:
creatinine in µmol/L, counts in G/L, decimal commas. The evaluation panel follows the
typing (htmx) before anything is saved; a newer creatinine then makes her ineligible;
and a coordinator of another site cannot open the screening.

Screenshots of the list, the form and the evaluation panel are written to
docs/screenshots/ on every run (the README shows them).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Final
from urllib.parse import urljoin

import pytest
from django.test import override_settings
from playwright.sync_api import BrowserContext, Page, ViewportSize, expect

from screening.models import LabTest, Role, Screening
from screening.rules import units
from tests.browser.base import BrowserTestCase, console_error
from tests.conftest import SHARED, make_user

REPO_ROOT: Final = Path(__file__).resolve().parents[2]
SCREENSHOTS: Final = REPO_ROOT / "docs" / "screenshots"
EXAMPLE: Final = SHARED / "examples" / "eligible-ipc-0007.json"

# WhiteNoise warns that STATIC_ROOT (collectstatic's output) does not exist when the live
# server loads the middleware; the live server serves static files from the finders instead.
pytestmark = pytest.mark.filterwarnings("ignore:No directory at.*staticfiles:UserWarning")

# Lab rows as written on a French lab report, in the example's order (same dates,
# values, ULNs): µmol/L, G/L and decimal commas where the example says umol/L, 10^9/L, 11.2.
FRENCH_LABS: Final = [
    {"test": "hemoglobin", "value": "11,2", "unit": "g/dL", "date": "2026-03-05"},
    {"test": "anc", "value": "2,4", "unit": "G/L", "date": "2026-03-05"},
    {"test": "platelets", "value": "231", "unit": "G/L", "date": "2026-03-05"},
    {"test": "total_bilirubin", "value": "9", "unit": "µmol/L", "uln": "21", "date": "2026-03-05"},
    {"test": "alt", "value": "25", "unit": "U/L", "uln": "40", "date": "2026-03-05"},
    {"test": "ast", "value": "31", "unit": "U/L", "uln": "40", "date": "2026-03-05"},
    {"test": "albumin", "value": "38", "unit": "g/L", "date": "2026-03-05"},
    {"test": "creatinine", "value": "68", "unit": "µmol/L", "date": "2026-03-05"},
]
# Cockcroft-Gault, female, 44 y, 63.5 kg: 68 µmol/L -> 93.6 mL/min; 250 µmol/L (2.83 mg/dL)
# -> 25.4 mL/min, below 30. The later date is still before the planned randomization
# (2026-03-12), so this result is "the most recent available" and the one used.
NEWER_CREATININE: Final = {"test": "creatinine", "value": "250", "unit": "µmol/L", "date": "2026-03-11"}
VIEWPORT: Final[ViewportSize] = {"width": 1400, "height": 1000}
LABS_EMPTY_ROWS: Final = 2  # LabResultFormSet(extra=2)

# The example's scalar fields that the test types itself (French style) rather than
# copying from the document.
TYPED_BY_HAND: Final = {"weight_kg"}

SCALAR_PATHS: Final = {
    "assessment_date": ("assessment_date",),
    "planned_randomization_date": ("planned_randomization_date",),
    "initials": ("patient", "initials"),
    "sex": ("patient", "sex"),
    "date_of_birth": ("patient", "date_of_birth"),
    "consent_signed": ("consent", "signed"),
    "consent_date": ("consent", "date"),
    "consent_impartial_witness": ("consent", "impartial_witness"),
    "histologically_confirmed": ("disease", "histologically_confirmed"),
    "extent": ("disease", "extent"),
    "bilateral": ("disease", "bilateral"),
    "liver_metastases": ("disease", "liver_metastases"),
    "brain_metastases_present": ("disease", "brain_metastases", "present"),
    "ecog": ("ecog",),
    "lvef_percent": ("lvef", "percent"),
    "lvef_method": ("lvef", "method"),
    "lvef_date": ("lvef", "date"),
    "gilbert_syndrome": ("gilbert_syndrome",),
    "hysterectomy": ("reproductive", "hysterectomy"),
    "bilateral_oophorectomy": ("reproductive", "bilateral_oophorectomy"),
    "amenorrhea_months": ("reproductive", "amenorrhea_months"),
    "amenorrhea_other_cause": ("reproductive", "amenorrhea_other_cause"),
    "pregnant": ("reproductive", "pregnant"),
    "breastfeeding": ("reproductive", "breastfeeding"),
    "plans_pregnancy": ("reproductive", "plans_pregnancy"),
    "contraception_agreed": ("contraception_agreed",),
    "prior_her2_or_trop2_adc": ("prior_therapy", "her2_or_trop2_adc"),
    "other_trial_enrolled": ("other_trial", "enrolled"),
    "ild_history_requiring_steroids": ("ild", "history_requiring_steroids"),
    "ild_current": ("ild", "current"),
    "ild_suspected_not_ruled_out": ("ild", "suspected_not_ruled_out"),
    **{
        name: ("judgment", name)
        for name in (
            "eligible_for_sg_and_tdxd",
            "social_security_affiliation",
            "willing_and_able_to_comply",
            "significant_cardiovascular_disease",
            "incompatible_condition",
            "hypersensitivity_to_trial_drugs",
            "confounding_concurrent_condition",
            "disease_requiring_hospitalisation",
            "deprived_of_liberty_or_guardianship",
            "unable_to_comply_with_follow_up",
        )
    },
}


def _typed(value: Any) -> str:
    """A document value as chosen in the form: yes/no selects take "true"/"false"."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


def _set(page: Page, field_id: str, value: str) -> None:
    """Choose in a select, type in an input (type=date inputs take ISO dates)."""
    field = page.locator(f"#{field_id}")
    if field.evaluate("el => el.tagName") == "SELECT":
        field.select_option(value)
    else:
        field.fill(value)


def _offered_units(page: Page, row: int) -> list[str]:
    """The units the unit select of a lab row lets a person choose."""
    return list(
        page.locator(f"#id_labs-{row}-unit").evaluate(
            """sel => Array.from(sel.options)
                 .filter(o => o.value && !o.disabled && !o.hidden && !(o.parentElement.hidden))
                 .map(o => o.value)"""
        )
    )


def _fill_lab(page: Page, row: int, lab: dict[str, str]) -> None:
    prefix = f"id_labs-{row}-"
    _set(page, prefix + "test", lab["test"])
    _set(page, prefix + "value", lab["value"])
    offered = _offered_units(page, row)
    assert lab["unit"] in offered, (lab, offered)
    _set(page, prefix + "unit", lab["unit"])
    if "uln" in lab:
        _set(page, prefix + "uln", lab["uln"])
    _set(page, prefix + "date", lab["date"])


def _screenshot_page(page: Page, name: str) -> None:
    # In a window as tall as the page: a full-page capture of the usual window draws the
    # sticky Save bar and evaluation panel where the window's bottom and top were.
    height = page.evaluate("document.documentElement.scrollHeight")
    page.set_viewport_size({"width": VIEWPORT["width"], "height": max(height, VIEWPORT["height"])})
    page.screenshot(path=SCREENSHOTS / name, full_page=True)
    page.set_viewport_size(VIEWPORT)


@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
class ScreeningEntryTests(BrowserTestCase):
    # The sites come from a data migration, which the flush after each test would erase
    # for the tests that run next.
    serialized_rollback = True

    def setUp(self) -> None:
        self.document: dict[str, Any] = json.loads(EXAMPLE.read_text())
        make_user("coord.ipc", Role.COORDINATOR, "IPC")
        make_user("coord.igr", Role.COORDINATOR, "IGR")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.browser = self.start_browser()

    def _login(self, username: str) -> tuple[BrowserContext, Page, list[str]]:
        """A fresh browser session, logged in through the login page; page errors collected."""
        context = self.browser.new_context(locale="en-GB", viewport=VIEWPORT)
        self.addCleanup(context.close)
        page = context.new_page()
        page.set_default_timeout(10_000)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
        page.on("console", lambda msg: console_error(errors, msg))
        page.goto(self.live_server_url + "/")
        expect(page).to_have_url(re.compile(r"/accounts/login/"))
        self.log_in(page, username, open_login_page=False)
        return context, page, errors

    def _stored(self, number: str) -> dict[str, Any]:
        """What the database holds for a screening: status, lab rows, evaluations (newest first)."""
        with self.django():
            screening = Screening.objects.get(number=number)
            return {
                "status": screening.status,
                "labs": screening.labresult_set.count(),
                "evaluations": list(screening.evaluations.values_list("status", flat=True)),
            }

    def _enter_example(self, page: Page) -> None:
        """Every answer of the example, as a coordinator chooses and types it."""
        for field, path in SCALAR_PATHS.items():
            node: Any = self.document
            for key in path:
                node = node[key]
            if node is not None and field not in TYPED_BY_HAND:
                _set(page, f"id_{field}", _typed(node))
        _set(page, "id_weight_kg", "63,5")

        sample = self.document["tumour_samples"][0]
        for name in ("site", "laterality", "date", "er_percent", "pr_percent", "her2_ihc", "her2_ish"):
            _set(page, f"id_tumour_samples-0-{name}", _typed(sample[name]))

        add_lab_row = page.locator("[data-add-row='labs']")
        for _ in range(len(FRENCH_LABS) - LABS_EMPTY_ROWS):
            add_lab_row.click()
        expect(page.locator("table[data-formset-prefix='labs'] tbody tr")).to_have_count(len(FRENCH_LABS))
        for row, lab in enumerate(FRENCH_LABS):
            _fill_lab(page, row, lab)

        pregnancy_test = self.document["reproductive"]["pregnancy_tests"][0]
        for name in ("result", "type", "date"):
            _set(page, f"id_pregnancy_tests-0-{name}", pregnancy_test[name])

        drugs = self.document["prior_therapy"]["drugs"]
        for _ in range(len(drugs) - 1):
            page.locator("[data-add-row='drugs']").click()
        for row, drug in enumerate(drugs):
            _set(page, f"id_drugs-{row}-name", drug)

    def test_the_browser_finds_a_favicon(self) -> None:
        # Without one, every first visit logs "Not Found: /favicon.ico" on the server and
        # a 404 in the browser's console.
        _context, page, _errors = self._login("coord.ipc")
        icon = page.locator("link[rel~='icon']")
        href = icon.first.get_attribute("href") if icon.count() else "/favicon.ico"
        assert page.request.get(urljoin(page.url, href)).status == 200

    def test_unit_select_offers_the_chosen_tests_units_only(self) -> None:
        _context, page, errors = self._login("coord.ipc")
        page.goto(self.live_server_url + "/screenings/new/")
        offered = {}
        for test, _label in LabTest.choices:
            _set(page, "id_labs-0-test", test)
            offered[test] = _offered_units(page, 0)
        # Each unit once (umol/L and µmol/L are one option, µmol/L; 10^9/L is G/L).
        assert offered == {test: units.unit_options(test) for test, _label in LabTest.choices}
        assert offered["creatinine"] == ["mg/dL", "µmol/L"]
        assert errors == [], "\n".join(errors)

    def test_coordinator_enters_an_eligible_patient_then_a_newer_creatinine_makes_her_ineligible(self) -> None:
        _context, page, errors = self._login("coord.ipc")
        page.get_by_test_id("new-screening").click()
        expect(page.get_by_role("heading", name="New screening · IPC")).to_be_visible()
        assert page.locator("table[data-formset-prefix='labs'] tbody tr").count() == LABS_EMPTY_ROWS

        self._enter_example(page)

        # The panel follows the typing before anything is saved.
        panel = page.locator("#evaluation-panel")
        expect(panel).to_contain_text("as typed, not saved yet")
        expect(panel.get_by_test_id("status")).to_have_text("eligible")
        expect(panel.get_by_test_id("crcl")).to_contain_text(re.compile(r"93[.,]6"))
        with self.django():
            assert not Screening.objects.exists()
        _screenshot_page(page, "form.png")

        page.get_by_test_id("save").click()
        expect(page).to_have_url(re.compile(r"/screenings/IPC-\d+/$"))
        number = page.url.rstrip("/").rsplit("/", 1)[-1]
        expect(page.get_by_role("alert")).to_contain_text(f"Screening {number} created: eligible.")
        expect(panel).to_contain_text("last saved evaluation")
        expect(panel.get_by_test_id("status")).to_have_text("eligible")
        expect(panel.get_by_test_id("crcl")).to_contain_text(re.compile(r"93[.,]6"))
        assert self._stored(number) == {"status": "eligible", "labs": len(FRENCH_LABS), "evaluations": ["eligible"]}

        # A newer creatinine (after the one used, before randomization) in the first empty row.
        expect(page.locator("table[data-formset-prefix='labs'] tbody tr")).to_have_count(
            len(FRENCH_LABS) + LABS_EMPTY_ROWS
        )
        _fill_lab(page, len(FRENCH_LABS), NEWER_CREATININE)
        expect(panel).to_contain_text("as typed, not saved yet")
        expect(panel.get_by_test_id("status")).to_have_text("ineligible")
        expect(panel.locator("[data-criterion='INC-07-CRCL']")).to_have_attribute("data-outcome", "fail")
        assert self._stored(number)["evaluations"] == ["eligible"], "the panel's preview stores nothing"

        page.get_by_test_id("save").click()
        expect(page.get_by_role("alert")).to_contain_text("Saved: ineligible.")
        expect(panel).to_contain_text("last saved evaluation")
        expect(panel.get_by_test_id("status")).to_have_text("ineligible")
        expect(panel.get_by_test_id("crcl")).to_contain_text(re.compile(r"25[.,]4"))
        crcl = panel.locator("[data-criterion='INC-07-CRCL']")
        expect(crcl).to_have_attribute("data-outcome", "fail")
        expect(crcl).to_contain_text("CrCl 25.4 mL/min < 30")
        # Only the creatinine fails: the other answers of the example still pass.
        expect(panel.locator("[data-outcome='fail']")).to_have_count(1)
        # The panel scrolls within the window's height; a window as tall as the panel shows all of it.
        page.set_viewport_size({"width": VIEWPORT["width"], "height": 2600})
        panel.screenshot(path=SCREENSHOTS / "evaluation-panel.png")
        page.set_viewport_size(VIEWPORT)
        # An evaluation is appended, never overwritten.
        assert self._stored(number) == {
            "status": "ineligible",
            "labs": len(FRENCH_LABS) + 1,
            "evaluations": ["ineligible", "eligible"],
        }

        page.get_by_role("link", name="Screenings", exact=True).click()
        row = page.get_by_test_id("screening-table").locator("tbody tr")
        expect(row).to_have_count(1)
        expect(row).to_contain_text(number)
        expect(row).to_contain_text("ineligible")
        _screenshot_page(page, "list.png")

        # A coordinator of another site: that screening does not exist for them.
        _other_context, other, _other_errors = self._login("coord.igr")
        expect(other.get_by_test_id("screening-table")).not_to_contain_text(number)
        response = other.goto(f"{self.live_server_url}/screenings/{number}/")
        assert response is not None
        assert response.status == 404
        for suffix in ("history/", "export.json"):
            assert other.request.get(f"{self.live_server_url}/screenings/{number}/{suffix}").status == 404
        assert errors == [], "\n".join(errors)
