"""The screening form on a 1366×768 screen, and with the keyboard (issue 10, "Layout at 1366 px").

- Every choice in the tables of lab results and tumour samples shows its whole text
  ("hemog", "creatin", "mg/c" were cut), in English and in French, each table without a
  horizontal scroll bar.
- With brain metastases = no, their five detail questions are hidden; yes or "not yet
  known" shows them again.
- The keyboard reaches every field and Save; "Add a row" is a button that adds a row and
  moves the focus into it; the focused control is outlined.
- The lock of a signed screening is an inline SVG (Debian's Chromium has no emoji font:
  "🔒" was an empty box), hidden from screen readers, next to the words.
"""

from __future__ import annotations

import re
from typing import Any, Final

import pytest
from django.test import override_settings
from playwright.sync_api import Page, ViewportSize, expect

from screening import services
from screening.models import Role, Screening
from tests.browser.base import BrowserTestCase
from tests.builders import eligible_document
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.filterwarnings("ignore:No directory at.*staticfiles:UserWarning")

VIEWPORT: Final[ViewportSize] = {"width": 1366, "height": 768}
BRAIN_DETAILS: Final = (
    "brain_metastases_treated",
    "brain_metastases_symptomatic",
    "brain_metastases_corticosteroids_ongoing",
    "brain_metastases_stable_on_mri",
    "brain_metastases_last_local_treatment_date",
)

# Each select of the two tables: its chosen option's text as drawn in the select's own
# font, against the room the select gives it (its width less its padding, which holds the
# arrow); and the element's own overflow.
SELECTS_FIT: Final = """table => Array.from(table.querySelectorAll("tbody select")).map(select => {
    const style = getComputedStyle(select);
    const context = document.createElement("canvas").getContext("2d");
    context.font = style.font;
    const text = select.selectedIndex >= 0 ? select.options[select.selectedIndex].text : "";
    const room = select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    return {id: select.id, text: text, needs: Math.ceil(context.measureText(text).width), room: room,
            scrollWidth: select.scrollWidth, clientWidth: select.clientWidth};
})"""


@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
class FormLayoutTests(BrowserTestCase):
    serialized_rollback = True

    def setUp(self) -> None:
        coordinator = make_user("coord.ipc", Role.COORDINATOR, "IPC")
        # The spec's example: 8 labs (hemoglobin, neutrophils, total bilirubin, creatinine...), a sample.
        document = {**eligible_document(), "screening_id": None}
        self.number = services.screening_import(raw=document, by=coordinator).screening.number
        self.browser = self.start_browser()

    def _open(self, *, language: str = "en") -> Page:
        context = self.browser.new_context(locale="en-GB", viewport=VIEWPORT)
        self.addCleanup(context.close)
        page = context.new_page()
        page.set_default_timeout(10_000)
        self.log_in(page, "coord.ipc")
        if language != "en":
            with page.expect_navigation():
                page.locator("select[name='language']").select_option(language)
        page.goto(f"{self.live_server_url}/screenings/{self.number}/")
        expect(page.locator("#id_labs-0-test")).to_be_visible()
        return page

    def test_the_tables_choices_show_their_whole_text_at_1366_px(self) -> None:
        for language in ("en", "fr"):
            page = self._open(language=language)
            assert page.evaluate("document.documentElement.lang") == language
            for prefix in ("labs", "tumour_samples", "pregnancy_tests"):
                selects: list[dict[str, Any]] = page.locator(f"table[data-formset-prefix='{prefix}']").evaluate(
                    SELECTS_FIT
                )
                assert selects, prefix
                cut = [s for s in selects if s["needs"] > s["room"] or s["scrollWidth"] > s["clientWidth"]]
                assert cut == [], (language, cut)
                # The table fits the form's column: no column behind a horizontal scroll bar.
                overflow = page.locator(f"table[data-formset-prefix='{prefix}']").evaluate(
                    "table => [table.parentElement.scrollWidth, table.parentElement.clientWidth]"
                )
                assert overflow[0] <= overflow[1], (language, prefix, overflow)
            # The longest test name of each language, chosen, fits too.
            page.select_option("#id_labs-0-test", "anc")
            (chosen,) = [
                s
                for s in page.locator("table[data-formset-prefix='labs']").evaluate(SELECTS_FIT)
                if s["id"] == "id_labs-0-test"
            ]
            assert chosen["text"] == ("polynucléaires neutrophiles (PNN)" if language == "fr" else "neutrophils (ANC)")
            assert chosen["needs"] <= chosen["room"], (language, chosen)

    def test_brain_metastasis_details_are_hidden_when_there_are_none(self) -> None:
        page = self._open()
        present = page.locator("#id_brain_metastases_present")
        # The example has none: the details start hidden.
        assert present.input_value() == "false"
        for name in BRAIN_DETAILS:
            expect(page.locator(f"#id_{name}")).to_be_hidden()
        for value in ("true", "", "false", "true"):
            present.select_option(value)
            for name in BRAIN_DETAILS:
                if value == "false":
                    expect(page.locator(f"#id_{name}")).to_be_hidden()
                else:
                    expect(page.locator(f"#id_{name}")).to_be_visible()
        # Shown again, they take answers.
        page.select_option("#id_brain_metastases_treated", "true")
        expect(page.locator("#id_brain_metastases_treated")).to_have_value("true")

    def test_the_keyboard_reaches_every_field_and_save_and_adds_rows(self) -> None:
        page = self._open()
        page.locator("body").focus()
        reached: list[str] = []
        for _ in range(600):
            page.keyboard.press("Tab")
            focused = page.evaluate(
                "() => { const e = document.activeElement; return e.dataset.testid || e.id || e.name || e.tagName; }"
            )
            reached.append(focused)
            if focused == "save":
                break
        assert reached[-1] == "save", reached[-20:]
        # Focus is visible: Bootstrap's ring on the focused button.
        ring = page.evaluate("() => getComputedStyle(document.activeElement).boxShadow")
        assert ring not in ("", "none"), ring
        # Every visible field of the form was on the way (nothing skipped, nothing trapped).
        fields = page.evaluate(
            """() => Array.from(document.querySelectorAll("#screening-form input, #screening-form select,"
                   + " #screening-form textarea")).filter(e => e.type !== "hidden" && e.offsetParent !== null
                   && !e.closest("template")).map(e => e.id)"""
        )
        assert set(fields) <= set(reached), sorted(set(fields) - set(reached))[:10]
        for name in BRAIN_DETAILS:  # hidden (no brain metastases): not in the way
            assert f"id_{name}" not in reached

        # "Add a row" is a button: Enter adds a row, its fields labelled, the focus in it.
        rows = page.locator("table[data-formset-prefix='drugs'] tbody tr")
        count = rows.count()
        add = page.locator("[data-add-row='drugs']")
        assert add.evaluate("b => b.tagName + ':' + b.type") == "BUTTON:button"
        add.focus()
        page.keyboard.press("Enter")
        expect(rows).to_have_count(count + 1)
        new_id = f"id_drugs-{count}-name"
        assert page.evaluate("() => document.activeElement.id") == new_id
        label = page.locator(f"label[for='{new_id}']")
        expect(label).to_have_text(f"Drug, row {count + 1}")

    def test_the_lock_of_a_signed_screening_is_drawn_without_an_emoji_font(self) -> None:
        with self.django():
            screening = Screening.objects.get(number=self.number)
            investigator = make_user("inv.ipc", Role.INVESTIGATOR, "IPC")
            services.screening_sign(
                screening=screening, by=investigator, password=PASSWORD, meaning="eligibility_confirmed"
            )
        page = self._open()
        locked = page.get_by_test_id("locked")
        expect(locked).to_contain_text("The screening is locked.")
        assert "🔒" not in locked.inner_text()
        icon = locked.get_by_test_id("lock-icon")
        assert icon.evaluate("i => i.tagName.toLowerCase() + ' ' + i.getAttribute('aria-hidden')") == "svg true"
        box = icon.bounding_box()
        assert box is not None and box["width"] >= 10 and box["height"] >= 10
        assert re.search(r"\S", locked.inner_text())
