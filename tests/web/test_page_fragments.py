"""The screening page's fragments written once (issue 10, speed): the stored evaluation's
panel (screening/panel.py ``stored_panel``), the fields (form_rendering ``field_html``) and
the table rows (templatetags ``row_cells``) of a form shown as stored. What is kept must
never show another screening's values, another language, or an evaluation that is not the
latest: each test opens pages in the order that would show a stale fragment.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import lxml.html
import pytest
from django.test import Client

from screening import form_rendering, panel, services
from screening.models import Screening, User
from screening.templatetags import screening_form


def _without_tokens(html: str) -> str:
    """The page without what each request writes anew (CSRF token, save keys, CSP nonce)."""
    html = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "UUID", html)
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "CSRF", html)
    return re.sub(r'nonce="[^"]*"', "NONCE", html)


def _forget_fragments() -> None:
    panel._STORED_PANELS.clear()
    form_rendering._FIELDS.clear()
    screening_form._STORED_ROWS.clear()
    screening_form._BLANK_ROWS.clear()


def _page(client: Client, number: str, language: str = "en") -> str:
    client.cookies["django_language"] = language
    response = client.get(f"/screenings/{number}/")
    assert response.status_code == 200
    return response.content.decode()


def _value(html: str, name: str) -> str:
    return str(lxml.html.fromstring(html).get_element_by_id(f"id_{name}").get("value"))


def _status(html: str) -> str:
    return str(lxml.html.fromstring(html).find_class("badge fs-6")[0].text_content()).strip()


def _import(document: dict[str, Any], by: User) -> Screening:
    return Screening.objects.get(pk=services.screening_import(raw=document, by=by).screening_id)


@pytest.mark.django_db
def test_a_page_written_from_kept_fragments_is_the_page_written_afresh(
    client: Client, coordinator_ipc: User, screening_ipc: Screening
) -> None:
    client.force_login(coordinator_ipc)
    _forget_fragments()
    fresh = _page(client, screening_ipc.number)
    assert panel._STORED_PANELS and form_rendering._FIELDS and screening_form._STORED_ROWS
    assert _without_tokens(_page(client, screening_ipc.number)) == _without_tokens(fresh)
    _forget_fragments()
    french = _page(client, screening_ipc.number, "fr")
    assert _without_tokens(_page(client, screening_ipc.number, "fr")) == _without_tokens(french)


@pytest.mark.django_db
def test_two_screenings_never_share_their_values(
    client: Client, coordinator_ipc: User, example_document: dict[str, Any]
) -> None:
    client.force_login(coordinator_ipc)
    first = copy.deepcopy(example_document) | {"screening_id": None}
    second = copy.deepcopy(first)
    second["patient"]["weight_kg"] = 72.5
    second["labs"][0]["value"] = 13.4
    one, other = _import(first, coordinator_ipc), _import(second, coordinator_ipc)

    first_page, second_page = _page(client, one.number), _page(client, other.number)

    assert _value(first_page, "weight_kg") == str(first["patient"]["weight_kg"]).removesuffix(".0")
    assert _value(second_page, "weight_kg") == "72.5"
    assert _value(first_page, "labs-0-value") != _value(second_page, "labs-0-value") == "13.4"


@pytest.mark.django_db
def test_a_value_reads_in_the_language_of_the_page_opened_after_another(
    client: Client, coordinator_ipc: User, example_document: dict[str, Any]
) -> None:
    client.force_login(coordinator_ipc)
    document = copy.deepcopy(example_document) | {"screening_id": None}
    document["patient"]["weight_kg"] = 61.5
    document["labs"][0]["value"] = 11.2
    screening = _import(document, coordinator_ipc)

    english = _page(client, screening.number, "en")
    french = _page(client, screening.number, "fr")

    assert (_value(english, "weight_kg"), _value(english, "labs-0-value")) == ("61.5", "11.2")
    assert (_value(french, "weight_kg"), _value(french, "labs-0-value")) == ("61,5", "11,2")
    assert _status(english) != _status(french)  # "eligible" / "éligible": the panel's language too


@pytest.mark.django_db
def test_after_a_save_the_page_shows_the_new_evaluation_and_values(
    client: Client, coordinator_ipc: User, example_document: dict[str, Any]
) -> None:
    client.force_login(coordinator_ipc)
    document = copy.deepcopy(example_document) | {"screening_id": None}
    screening = _import(document, coordinator_ipc)
    before = _page(client, screening.number)
    assert _status(before) == "eligible"

    changed = copy.deepcopy(document) | {"screening_id": screening.number, "record_version": screening.version}
    changed["ecog"] = 3
    services.screening_import(raw=changed, by=coordinator_ipc, reason="ECOG re-assessed")
    after = _page(client, screening.number)

    assert _status(after) == "ineligible"
    assert lxml.html.fromstring(after).get_element_by_id("id_ecog").xpath("option[@selected]/@value") == ["3"]
