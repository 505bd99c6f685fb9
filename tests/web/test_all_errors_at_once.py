"""Every error at once (issue 10, items 2 and 3).

A save whose fields fail to parse ("6l", "1,500") still validates the document of what did
parse, so that implausible values and dates after today are reported in the same response,
each next to its field, naming the lab row by its test and date, in the units the form shows
(µmol/L, G/L) and, in French, with DD/MM/YYYY dates and decimal commas. Nothing is stored and
everything typed stays in its field. After a save, numbers show in the language's format
(11,2; 231 rather than 231.0). ``manage.py screen`` and the JSON refusals are unchanged:
ISO dates and the format's codes (tests/exchange/test_messages_fr.py).
"""

from __future__ import annotations

import datetime
from typing import Any, Final

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import formats, timezone, translation

from screening import exchange, services
from screening.models import Screening, User
from tests.exchange.conftest import example, lab_index
from tests.web.conftest import near, stored_state
from tests.web.formdata import form_data

HEMOGLOBIN, ANC, PLATELETS, BILIRUBIN, ALT, AST, ALBUMIN, CREATININE = range(8)
FUTURE: Final = "2099-01-05"  # after today, whatever the day the tests run

# The input: what a coordinator typed in one go.
TYPED: Final = {
    "weight_kg": "6l",
    "lvef_percent": "6O",
    f"labs-{PLATELETS}-value": "1,500",
    f"labs-{PLATELETS}-unit": "/mm3",
    f"labs-{HEMOGLOBIN}-value": "112",
    f"labs-{HEMOGLOBIN}-unit": "g/dL",
    f"labs-{CREATININE}-value": "62",
    f"labs-{CREATININE}-unit": "mg/dL",
    "consent_date": FUTURE,
}


def _typed_post(document: dict[str, Any]) -> dict[str, str]:
    return {**form_data(document, comma=True), **TYPED}


def _today(language: str) -> str:
    with translation.override(language):
        return str(formats.date_format(timezone.localdate(), "SHORT_DATE_FORMAT"))


@pytest.mark.django_db
def test_one_save_shows_every_error_next_to_its_field(
    client: Client, coordinator_ipc: User, example_document: dict[str, Any]
) -> None:
    client.force_login(coordinator_ipc)
    before = stored_state()

    response = client.post(reverse("screening:create"), _typed_post(example_document))

    assert response.status_code == 400
    page = response.content.decode()
    expected = {
        # The fields' own parse errors...
        "id_weight_kg": "Enter a number.",
        "id_lvef_percent": "Enter a number.",
        f"id_labs-{PLATELETS}-value": "platelets of 2026-03-05: “1,500” is ambiguous: write 1500 for fifteen "
        "hundred, or 1,5 for one and a half.",
        # ...and, in the same response, the document's: implausible values and a date after today.
        f"id_labs-{HEMOGLOBIN}-value": "hemoglobin of 2026-03-05: 112 g/dL is implausible "
        "(plausible: 2 – 25 g/dL); did you mean g/L?",
        f"id_labs-{CREATININE}-value": "creatinine of 2026-03-05: 62 mg/dL is implausible "
        "(plausible: 0.1 – 20 mg/dL); did you mean µmol/L?",
        "id_consent_date": f"2099-01-05 is after today ({_today('en')})",
    }
    for field_id, message in expected.items():
        assert message in near(page, field_id), field_id
    assert stored_state() == before
    assert not Screening.objects.exists()


@pytest.mark.django_db
def test_everything_typed_stays_in_its_field(
    client: Client, coordinator_ipc: User, example_document: dict[str, Any]
) -> None:
    client.force_login(coordinator_ipc)

    page = client.post(reverse("screening:create"), _typed_post(example_document)).content.decode()

    assert 'value="6l"' in near(page, "id_weight_kg")
    assert 'value="6O"' in near(page, "id_lvef_percent")
    assert 'value="1,500"' in near(page, f"id_labs-{PLATELETS}-value")
    assert 'value="112"' in near(page, f"id_labs-{HEMOGLOBIN}-value")
    assert 'value="62"' in near(page, f"id_labs-{CREATININE}-value")
    assert 'value="11,2"' not in near(page, f"id_labs-{HEMOGLOBIN}-value")
    assert 'value="2099-01-05"' in near(page, "id_consent_date")
    assert '<option value="mg/dL" selected>' in near(page, f"id_labs-{CREATININE}-unit")


@pytest.mark.django_db
def test_a_field_that_did_not_parse_shows_its_own_error_alone(
    client: Client, coordinator_ipc: User, example_document: dict[str, Any]
) -> None:
    """The document holds the text as typed there: refused at its path, it adds no second
    message, and the checks that need it (a lab row's value) are skipped, not run without it."""
    client.force_login(coordinator_ipc)

    page = client.post(reverse("screening:create"), _typed_post(example_document)).content.decode()

    platelets = near(page, f"id_labs-{PLATELETS}-value")
    assert platelets.count("invalid-feedback") == 1, platelets
    assert "enter its value" not in platelets
    assert near(page, "id_weight_kg").count("invalid-feedback") == 1


@pytest.mark.django_db
def test_an_unparsed_planned_randomization_date_does_not_judge_dates_against_another_r(
    client: Client, coordinator_ipc: User, example_document: dict[str, Any]
) -> None:
    """R is unknown while the planned date is refused: no "after the reference date" stand-in."""
    client.force_login(coordinator_ipc)
    data = {
        **form_data(example_document),
        "planned_randomization_date": "31/02/2026",
        f"labs-{ALBUMIN}-date": "2026-03-11",  # after A, before the planned R
    }

    page = client.post(reverse("screening:create"), data).content.decode()

    assert "Enter a valid date." in near(page, "id_planned_randomization_date")
    assert "reference date" not in page


@pytest.mark.django_db
def test_the_panel_preview_also_validates_what_parsed(
    client: Client, coordinator_ipc: User, example_document: dict[str, Any]
) -> None:
    client.force_login(coordinator_ipc)

    response = client.post(reverse("screening:evaluate_new"), _typed_post(example_document))

    assert response.status_code == 200
    assert not Screening.objects.exists()


# --- in French ------------------------------------------------------------------------


@pytest.fixture
def coordinator_fr(coordinator_ipc: User) -> User:
    coordinator_ipc.language = "fr"
    coordinator_ipc.save(update_fields=["language"])
    return coordinator_ipc


@pytest.mark.django_db
def test_in_french_every_error_has_french_dates_numbers_and_units(
    client: Client, coordinator_fr: User, example_document: dict[str, Any]
) -> None:
    client.force_login(coordinator_fr)
    before = stored_state()

    response = client.post(reverse("screening:create"), _typed_post(example_document))

    assert response.status_code == 400
    page = response.content.decode()
    expected = {
        "id_weight_kg": "Saisissez un nombre.",
        "id_lvef_percent": "Saisissez un nombre.",
        f"id_labs-{PLATELETS}-value": "plaquettes du 05/03/2026 : ",
        f"id_labs-{HEMOGLOBIN}-value": "hémoglobine du 05/03/2026 : 112 g/dL, valeur invraisemblable "
        "(plage plausible : 2 – 25 g/dL) ; vouliez-vous dire g/L ?",
        f"id_labs-{CREATININE}-value": "créatinine du 05/03/2026 : 62 mg/dL, valeur invraisemblable "
        "(plage plausible : 0,1 – 20 mg/dL) ; vouliez-vous dire µmol/L ?",
        "id_consent_date": f"05/01/2099 est postérieure à la date du jour ({_today('fr')})",
    }
    for field_id, message in expected.items():
        assert message in near(page, field_id), field_id
    assert "2099-01-05 est" not in page
    assert stored_state() == before


@pytest.mark.django_db
def test_in_french_a_range_has_its_thousands_spaced_and_the_unit_as_shown(
    client: Client, coordinator_fr: User, example_document: dict[str, Any]
) -> None:
    client.force_login(coordinator_fr)
    data = {**form_data(example_document), f"labs-{PLATELETS}-value": "500", f"labs-{PLATELETS}-unit": "/mm3"}
    data[f"labs-{ALT}-date"] = FUTURE

    page = client.post(reverse("screening:create"), data).content.decode()

    assert (
        "plaquettes du 05/03/2026 : 500 /mm³, valeur invraisemblable (plage plausible : "
        "1\u00a0000 – 2\u00a0000\u00a0000 /mm³) ; vouliez-vous dire G/L ?"
    ) in near(page, f"id_labs-{PLATELETS}-value")
    assert f"ALAT du 05/01/2099 : 05/01/2099 est postérieure à la date du jour ({_today('fr')})" in near(
        page, f"id_labs-{ALT}-date"
    )


@pytest.mark.django_db
def test_in_french_numbers_show_with_a_decimal_comma_after_saving(
    client: Client, coordinator_fr: User, example_document: dict[str, Any]
) -> None:
    example_document["patient"]["weight_kg"] = 61.0
    client.force_login(coordinator_fr)
    response = client.post(reverse("screening:create"), form_data(example_document))
    assert response.status_code == 302

    page = client.get(response.url).content.decode()

    assert 'value="11,2"' in near(page, f"id_labs-{HEMOGLOBIN}-value")
    assert 'value="231"' in near(page, f"id_labs-{PLATELETS}-value")  # not 231.0
    assert 'value="2,4"' in near(page, f"id_labs-{ANC}-value")
    assert 'value="61"' in near(page, "id_weight_kg")  # not 61.0
    assert 'value="21"' in near(page, f"id_labs-{BILIRUBIN}-uln")


@pytest.mark.django_db
def test_in_english_numbers_show_without_a_trailing_zero_after_saving(
    client: Client, coordinator_ipc: User, screening_ipc: Screening
) -> None:
    client.force_login(coordinator_ipc)

    page = client.get(reverse("screening:detail", args=[screening_ipc.number])).content.decode()

    assert 'value="11.2"' in near(page, f"id_labs-{HEMOGLOBIN}-value")
    assert 'value="231"' in near(page, f"id_labs-{PLATELETS}-value")
    assert 'value="63.5"' in near(page, "id_weight_kg")


@pytest.mark.django_db
def test_a_saved_french_page_saves_again_unchanged(
    client: Client, coordinator_fr: User, screening_ipc: Screening
) -> None:
    """What the French page shows ("11,2") reads back as what was stored."""
    client.force_login(coordinator_fr)
    data = form_data(services.screening_document(screening=screening_ipc), version=screening_ipc.version, comma=True)

    response = client.post(reverse("screening:detail", args=[screening_ipc.number]), data)

    assert response.status_code == 302


# --- outside the web form: unchanged --------------------------------------------------


def test_outside_the_web_form_messages_keep_iso_dates_and_the_formats_codes() -> None:
    doc = example()
    doc["consent"]["date"] = FUTURE
    doc["labs"][lab_index("creatinine")].update({"value": 62, "unit": "mg/dL"})
    today = datetime.date(2026, 12, 1)
    with translation.override("fr"):
        with pytest.raises(exchange.RefusedDocument) as plain:
            exchange.parse_screening(doc, today=today)
        with exchange.message_style(exchange.LocalizedStyle()), pytest.raises(exchange.RefusedDocument) as web:
            exchange.parse_screening(doc, today=today)
    plain_messages = {e.path: e.message for e in plain.value.errors}
    web_messages = {e.path: e.message for e in web.value.errors}

    assert plain_messages["/consent/date"] == "2099-01-05 est postérieure à la date du jour (2026-12-01)"
    assert web_messages["/consent/date"] == "05/01/2099 est postérieure à la date du jour (01/12/2026)"
    creatinine = f"/labs/{lab_index('creatinine')}/value"
    assert plain_messages[creatinine].startswith("créatinine 62 mg/dL : valeur invraisemblable (plage plausible : 0.1")
    assert plain_messages[creatinine].endswith("vouliez-vous dire umol/L ?")
    assert web_messages[creatinine].endswith("vouliez-vous dire µmol/L ?")
    assert list(plain_messages) == list(web_messages)  # the same errors, at the same paths
