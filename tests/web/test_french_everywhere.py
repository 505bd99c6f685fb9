"""No English left in the French interface (issue 10).

Every page of the tour (tests/page_tour.py) is rendered in French; its visible text (and
the attributes people read: title, aria-label, placeholder, alt, button values) must not
contain any of the interface's English strings. The list is the French catalogue itself:
every message whose French differs from its English, cut at its placeholders into
fragments (a single word only when no French message uses it too, so that "date" or
"consentement" never count as English), plus the raw values a formatted page must not
show (True/False/None, >=, <=).
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

import polib
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from lxml import html as lxml_html

from screening.models import Screening
from screening.services import screening_document
from tests.page_tour import Page, build_screenings, tour, user
from tests.web.formdata import form_data
from tests.web.test_fhir_labs import HOSPITAL_FILE
from tests.web.test_fhir_labs import _file as fhir_file

CATALOGUE = settings.BASE_DIR / "screening" / "locale" / "fr" / "LC_MESSAGES" / "django.po"
READ_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt")
RAW_VALUES = ("True", "False", "None", ">=", "<=")
_PLACEHOLDER = re.compile(r"%\([^)]*\)[sdf]|%[sdf]|\{[^}]*\}|<[^>]+>|\n")
_WORD = re.compile(r"[A-Za-zÀ-ÿ]+")
# English words that are French words too, or proper names and abbreviations both use.
SHARED_WORDS = frozenset(
    {"ALTER", "Screen", "ECOG", "HER2", "ISH", "IHC", "MUGA", "G-CSF", "PDF", "JSON", "FHIR", "CSV", "XLSX"}
    | {"IPP", "ADC", "Cockcroft", "Gault", "low", "mL", "min", "kg", "mg", "dL", "µmol", "UI", "CrCl"}
)


@cache
def english_fragments() -> tuple[list[str], set[str]]:
    """(phrases of two words or more, single words) that only the English interface shows."""
    catalogue = polib.pofile(str(CATALOGUE))
    french_texts = [text.lower() for entry in catalogue for text in [entry.msgstr, *entry.msgstr_plural.values()]]
    french_words = {word for text in french_texts for word in _WORD.findall(text)}
    phrases: set[str] = set()
    words: set[str] = set()
    for entry in catalogue:
        french = entry.msgstr or entry.msgstr_plural.get(0, "")
        if not french or french == entry.msgid:
            continue
        for piece in _PLACEHOLDER.split(entry.msgid):
            fragment = piece.strip(" .,:;()–—-“”\"'«»/")
            found = _WORD.findall(fragment)
            if all(word in SHARED_WORDS for word in found):
                continue
            if len(found) >= 2 and len(fragment) >= 8:
                # A term the French keeps in brackets ("nouvelle sélection (re-screening)") is no English.
                if not any(fragment.lower() in text for text in french_texts):
                    phrases.add(fragment)
            elif len(found) == 1 and len(found[0]) >= 4 and found[0] not in SHARED_WORDS:
                if found[0].lower() not in french_words:
                    words.add(found[0])
    return sorted(phrases, key=len, reverse=True), words


def read_text(page: str) -> str:
    """What a person reads on the page: its text and the attributes shown or spoken."""
    tree = lxml_html.fromstring(page)
    # translate="no" (HTML's own attribute) marks what is shown as stored, not interface
    # text: the exchange document of an evaluation, with its format's codes.
    for hidden in tree.xpath("//script|//style|//template|//*[@translate='no']"):
        hidden.drop_tree()
    parts = [tree.text_content()]
    for name in READ_ATTRIBUTES:
        parts.extend(tree.xpath(f"//@{name}"))
    parts.extend(tree.xpath("//input[@type='submit' or @type='button']/@value"))
    return re.sub(r"\s+", " ", " ".join(str(p) for p in parts))


def english_in(text: str) -> list[str]:
    phrases, words = english_fragments()
    found = [p for p in phrases if re.search(rf"(?<![\w]){re.escape(p)}(?![\w])", text, re.IGNORECASE)]
    found += sorted(w for w in words if re.search(rf"(?<![\w]){w}(?![\w])", text, re.IGNORECASE))
    found += [raw for raw in RAW_VALUES if re.search(rf"(?<![\w]){re.escape(raw)}(?![\w])", text)]
    return found


def test_the_list_of_english_strings_finds_english() -> None:
    # The check itself: an English sentence of the interface is caught, its French is not.
    assert "Reason for change" in english_in("Motif : Reason for change")
    assert english_in("Motif de la modification") == []
    assert "True" in english_in("consentement signé True → False")


@pytest.fixture
def pages(db: Any) -> list[Page]:
    return tour(build_screenings())


@pytest.mark.django_db
def test_every_page_in_french_shows_no_english(client: Client, pages: list[Page]) -> None:
    english: dict[str, list[str]] = {}
    for page in pages:
        client.logout()
        if page.username:
            client.force_login(user(page.username))
        response = client.get(page.path, headers={"Accept-Language": "fr-FR,fr;q=0.9"})
        assert response.status_code == page.status, page.name
        assert response["Content-Language"] == "fr", page.name
        found = english_in(read_text(response.content.decode()))
        if found:
            english[f"{page.name} ({page.path})"] = found
    assert not english, "English in the French interface:\n" + "\n".join(
        f"  {page}: {found}" for page, found in english.items()
    )


@pytest.mark.django_db
def test_the_pages_after_typing_in_french_show_no_english(client: Client, pages: list[Page]) -> None:
    # The pages a coordinator sees only after typing: every error of a refused save, the
    # panel the page posts while typing (its reasons, the CrCl calculation), a FHIR review.
    screening = Screening.objects.get(number="IPC-0007")
    document = screening_document(screening=screening)
    client.force_login(user("coord.ipc"))
    french = {"Accept-Language": "fr-FR,fr;q=0.9"}
    data = form_data(document, version=screening.version, comma=True)
    panel = client.post(f"/screenings/{screening.number}/evaluate/", data, headers=french)
    assert panel.status_code == 200
    data.update(
        {"weight_kg": "6l", "lvef_percent": "6O", "date_of_birth": "05/01/2090", "assessment_date": "01/12/2090"}
    )
    refused = client.post(f"/screenings/{screening.number}/", data, headers=french)
    assert refused.status_code == 400
    # The review of lab results from the hospital (a FHIR file), before they are approved.
    fhir = client.post(f"/screenings/{screening.number}/labs/fhir/", {"file": fhir_file(HOSPITAL_FILE)}, headers=french)
    assert fhir.status_code == 200
    # A refused import: the document's errors, each at its JSON path.
    document["weight_kg"] = 6000
    document["labs"][0]["unit"] = "mmol/L"
    import_refused = client.post(
        "/screenings/import/",
        {"document": SimpleUploadedFile("ipc.json", json.dumps(document).encode(), "application/json")},
        headers=french,
    )
    assert import_refused.status_code == 400
    english = {
        name: found
        for name, response in (
            ("live panel", panel),
            ("form with errors", refused),
            ("FHIR lab review", fhir),
            ("import refused", import_refused),
        )
        if (found := english_in(read_text(response.content.decode())))
    }
    assert not english, english
