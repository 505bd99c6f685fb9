"""Every field of the screening page has a label, every badge its words (issue 10, "Accessible"); the page's queries.

The rows of the tables (tumour samples, labs, pregnancy tests, drugs) had inputs with no
label: a screen reader said "edit text" for each. Each now has a visually hidden label
naming its column and its row ("Test, row 3"); the fields of the sections keep their
visible labels. Checked on the page of a typical and of the largest screening, editable
and read-only, in English and French, new and with errors: each input, select and text
area is named by a ``<label for>``, an ``aria-label`` or an ``aria-labelledby`` whose ids
exist; its ``aria-describedby`` names elements that exist.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from benchmarks.screening_page import largest_document
from screening import services
from screening.models import Screening, User


class _Controls(HTMLParser):
    """The page's form controls, its labels and its elements' ids and texts."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[dict[str, str | None]] = []
        self.label_for: dict[str, str] = {}
        self.ids: set[str] = set()
        self.text_of_id: dict[str, str] = {}
        self._open: list[tuple[str, str | None]] = []  # (tag, id) of the elements open
        self._label: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ids.add(str(attributes["id"]))
        if tag in {"input", "select", "textarea"} and attributes.get("type") != "hidden":
            self.controls.append(attributes)
        if tag == "label":
            self._label = attributes.get("for") or ""
            self.label_for.setdefault(self._label, "")
        if tag not in {"input", "br", "img", "meta", "link", "option"}:
            self._open.append((tag, attributes.get("id")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self._label = None
        while self._open:
            opened, _id = self._open.pop()
            if opened == tag:
                break

    def handle_data(self, data: str) -> None:
        if self._label is not None:
            self.label_for[self._label] += data
        for _tag, element_id in self._open:
            if element_id:
                self.text_of_id[element_id] = self.text_of_id.get(element_id, "") + data


def unlabelled(page: str) -> list[str]:
    """The controls of the page without a name a screen reader can say."""
    parsed = _Controls()
    parsed.feed(page)
    assert parsed.controls, "no form control on the page"
    missing = []
    for control in parsed.controls:
        name = control.get("name") or control.get("id") or "?"
        labelled_by = (control.get("aria-labelledby") or "").split()
        described_by = (control.get("aria-describedby") or "").split()
        if any(i not in parsed.ids for i in described_by):
            missing.append(f"{name}: aria-describedby names an element that is not there ({described_by})")
        if (control.get("aria-label") or "").strip():
            continue
        if labelled_by and all(parsed.text_of_id.get(i, "").strip() for i in labelled_by):
            continue
        if parsed.label_for.get(control.get("id") or "", "").strip():
            continue
        missing.append(str(name))
    return missing


def _page(client: Client, user: User, url: str) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("who", ["coordinator_ipc", "monitor"])
def test_every_field_of_a_typical_screening_has_a_label(
    client: Client, screening_ipc: Screening, request: pytest.FixtureRequest, who: str, language: str
) -> None:
    client.cookies["django_language"] = language
    page = _page(client, request.getfixturevalue(who), f"/screenings/{screening_ipc.number}/")
    assert ("<fieldset disabled>" in page) is (who == "monitor")  # read-only: every field disabled
    assert unlabelled(page) == []
    header = "Test" if language == "en" else "Analyse"
    assert f'<th class="small column-test" scope="col">{header}</th>' in page
    assert f'<label class="visually-hidden" for="id_labs-0-test">{header}, ' in page


@pytest.mark.django_db
def test_every_field_of_the_largest_screening_has_a_label(
    client: Client, coordinator_ipc: User, monitor: User, example_document: dict[str, Any]
) -> None:
    document = largest_document({**example_document, "screening_id": None})
    number = services.screening_import(raw=document, by=coordinator_ipc).screening.number
    for user in (coordinator_ipc, monitor):
        page = _page(client, user, f"/screenings/{number}/")
        assert unlabelled(page) == []
        # The row's number in its labels: the 60th lab, the 50th drug.
        assert '<label class="visually-hidden" for="id_labs-59-value">Value, row 60</label>' in page
        assert '<label class="visually-hidden" for="id_drugs-49-name">Drug, row 50</label>' in page
        # The empty row the script copies: its number filled in when added.
        assert '<label class="visually-hidden" for="id_labs-__prefix__-test">Test, row __row__</label>' in page


@pytest.mark.django_db
def test_every_field_of_a_new_screening_and_of_a_refused_one_has_a_label(
    client: Client, coordinator_ipc: User, screening_ipc: Screening
) -> None:
    assert unlabelled(_page(client, coordinator_ipc, reverse("screening:create"))) == []
    # Refused values: each message is named by its field's aria-describedby.
    response = client.post(
        f"/screenings/{screening_ipc.number}/",
        {
            "version": str(screening_ipc.version),
            "assessment_date": "2026-03-10",
            "weight_kg": "6l",
            "labs-TOTAL_FORMS": "1",
            "labs-INITIAL_FORMS": "0",
            "labs-0-test": "creatinine",
            "labs-0-value": "1,500",
            "labs-0-unit": "umol/L",
            "labs-0-date": "2026-03-05",
            **{
                f"{name}-{kind}_FORMS": "0"
                for name in ("tumour_samples", "pregnancy_tests", "drugs")
                for kind in ("TOTAL", "INITIAL")
            },
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert unlabelled(page) == []
    assert 'aria-describedby="id_weight_kg_error"' in page and 'id="id_weight_kg_error"' in page
    assert 'aria-describedby="id_labs-0-value_error"' in page and 'id="id_labs-0-value_error"' in page


@pytest.mark.django_db
def test_a_control_without_a_label_is_found() -> None:
    """The check itself: it would find the rows' inputs as they were before issue 10."""
    assert unlabelled('<td><input type="text" name="labs-0-value" id="id_labs-0-value"></td>') == ["labs-0-value"]
    assert unlabelled('<input name="x" id="x" aria-labelledby="nowhere">') == ["x"]
    assert unlabelled('<th id="h">Value</th><input name="x" id="x" aria-labelledby="h">') == []
    assert unlabelled('<label for="x">Value</label><input name="x" id="x" aria-describedby="gone">') == [
        "x: aria-describedby names an element that is not there (['gone'])"
    ]


@pytest.mark.django_db
def test_the_screening_page_makes_a_fixed_number_of_queries(
    client: Client, coordinator_ipc: User, screening_ipc: Screening, django_assert_num_queries: Any
) -> None:
    client.force_login(coordinator_ipc)
    client.get(f"/screenings/{screening_ipc.number}/")
    # session, user; the screening (with its site, its users and whether the user is a member
    # of its site: also "can edit"); its four lists (samples, labs with their sources,
    # pregnancy tests, drugs); the evaluations listed, the latest with its result (not
    # counted: fewer than 20); the site's default units. No signature is read for an unlocked
    # screening, and the session is not written: it was renewed less than a minute ago.
    with django_assert_num_queries(9):
        response = client.get(f"/screenings/{screening_ipc.number}/")
    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "fr"])
def test_every_status_badge_says_its_status_in_words(
    client: Client, coordinator_ipc: User, screening_ipc: Screening, language: str
) -> None:
    """The badges' colours (green, red, amber) are not the only sign: each has its words."""
    client.cookies["django_language"] = language
    page = _page(client, coordinator_ipc, f"/screenings/{screening_ipc.number}/")
    badges = re.findall(r'<span class="badge[^"]*"[^>]*>(.*?)</span>', page, flags=re.DOTALL)
    assert len(badges) > 20  # the status, the evaluations listed, a badge per criterion
    assert all(re.sub(r"<[^>]+>", "", badge).strip() for badge in badges), badges
