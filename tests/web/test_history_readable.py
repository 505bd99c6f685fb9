"""The history page read by people (screening/views/history.py): each field by its label in
the active language, each value as the form shows it (oui/non, JJ/MM/AAAA, decimal comma,
a lab value with its unit, choices by their label), each lab row by its test and date, each
person by their full name, and the reason for change beside the change."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from screening import services
from screening.models import LabResult, Screening, TumourSample, User
from screening.views import history
from tests.web.conftest import text
from tests.web.formdata import form_data


def _change_rows(page: str) -> list[str]:
    table = page.split('data-testid="history-changes"')[1].split("</table>", maxsplit=1)[0]
    return [re.sub(r"\s+", " ", text(row)).strip() for row in re.findall(r"<tr>(\s*<td.*?)</tr>", table, re.S)]


def _edit(client: Client, screening: Screening) -> None:
    """Weight 63.5 -> 61 kg, impartial witness no -> yes, LVEF by MUGA, and a creatinine of
    62 µmol/L on 2026-03-09 added, with the reason for the change."""
    document = services.screening_document(screening=screening)
    document["patient"]["weight_kg"] = 61
    document["consent"]["impartial_witness"] = True
    document["lvef"]["method"] = "muga"
    document["labs"].append({"test": "creatinine", "value": 62, "unit": "µmol/L", "date": "2026-03-09"})
    data = form_data(document, version=screening.version, reason="Pesée à la visite")
    response = client.post(reverse("screening:detail", args=[screening.number]), data)
    assert response.status_code == 302, response.content.decode()


@pytest.fixture
def french_coordinator(coordinator_ipc: User) -> User:
    coordinator_ipc.language = "fr"
    coordinator_ipc.save(update_fields=["language"])
    return coordinator_ipc


@pytest.mark.django_db
def test_history_in_french_reads_as_the_form(
    client: Client, french_coordinator: User, screening_ipc: Screening
) -> None:
    client.force_login(french_coordinator)
    _edit(client, screening_ipc)

    page = client.get(reverse("screening:history", args=[screening_ipc.number])).content.decode()
    rows = _change_rows(page)

    edit = next(row for row in rows if "Sélection modifiée" in row)
    # Labels of the model fields, in French and capitalised; values as the form shows them.
    assert re.match(r"\d\d/\d\d/\d{4} \d\d:\d\d Coord Test ", edit), edit  # when, in French; who, by name
    assert "Coord Test Sélection modifiée" in edit
    assert "Poids (kg) : 63,5 → 61 " in edit
    assert "Signé par un témoin impartial : non → oui " in edit
    assert "Méthode de mesure de la FEVG : échocardiographie → scintigraphie cardiaque (MUGA) " in edit
    assert edit.endswith("Pesée à la visite")  # the reason for change, in its column
    # The new lab row named by its test and date, its value with its unit.
    lab = next(row for row in rows if "Résultat biologique créatinine du 09/03/2026 créé" in row)
    assert "Valeur : 62 µmol/L" in lab and "Date : 09/03/2026" in lab
    assert "Analyse : créatinine" in lab
    # The creation, earlier: every lab row named, numbers with a decimal comma and their unit.
    assert any("Résultat biologique hémoglobine du 05/03/2026 créé" in row and "11,2 g/dL" in row for row in rows)
    created = next(row for row in rows if "Sélection créée" in row)
    assert "Date de naissance : 14/07/1981" in created and "Consentement éclairé signé : oui" in created
    assert "Extension de la maladie : métastatique" in created
    # Nothing of the stored form: no field names, no True/False, no ISO date, no monospace.
    for raw in ("True", "False", "weight_kg", "impartial_witness", "2026-03-09", "<code>", "coord.ipc"):
        assert raw not in page.split('data-testid="history-changes"')[1], raw


@pytest.mark.django_db
def test_history_in_english_names_the_test_and_the_person(
    client: Client, coordinator_ipc: User, screening_ipc: Screening
) -> None:
    client.force_login(coordinator_ipc)
    _edit(client, screening_ipc)

    page = client.get(reverse("screening:history", args=[screening_ipc.number])).content.decode()
    rows = _change_rows(page)

    edit = next(row for row in rows if "Screening changed" in row)
    assert "Coord Test Screening changed" in edit
    assert "Weight (kg): 63.5 → 61 " in edit and "Signed by an impartial witness: no → yes " in edit
    assert any(
        "Coord Test Lab result creatinine of 2026-03-09 created" in row and "Value: 62 µmol/L" in row for row in rows
    )
    evaluations = page.split('data-testid="history-evaluations"')[1].split("</table>")[0]
    assert "<td>Coord Test</td>" in evaluations and "coord.ipc" not in evaluations


@pytest.mark.django_db
def test_a_user_without_a_name_is_shown_by_username(
    client: Client, coordinator_ipc: User, screening_ipc: Screening
) -> None:
    User.objects.filter(pk=coordinator_ipc.pk).update(first_name="", last_name="")
    client.force_login(coordinator_ipc)

    rows = _change_rows(client.get(reverse("screening:history", args=[screening_ipc.number])).content.decode())

    assert rows and all(" coord.ipc " in f" {row} " for row in rows), rows


@pytest.mark.django_db
def test_a_changed_and_a_deleted_lab_row_keep_their_names(
    client: Client, coordinator_ipc: User, screening_ipc: Screening
) -> None:
    """The value changed in place (60 -> 62 µmol/L), then the row removed: both events name it."""
    client.force_login(coordinator_ipc)
    lab = LabResult.objects.get(screening=screening_ipc, test="creatinine")
    document = services.screening_document(screening=screening_ipc)
    index = next(i for i, row in enumerate(document["labs"]) if row["test"] == "creatinine")
    document["labs"][index]["value"] = 70
    data = form_data(document, version=screening_ipc.version, reason="Transcription error")
    assert client.post(reverse("screening:detail", args=[screening_ipc.number]), data).status_code == 302
    assert LabResult.objects.filter(pk=lab.pk, value=70).exists()

    rows = _change_rows(client.get(reverse("screening:history", args=[screening_ipc.number])).content.decode())

    changed = next(row for row in rows if "Lab result creatinine of 2026-03-05 changed" in row)
    assert "Value: 68 µmol/L → 70 µmol/L" in changed and changed.endswith("Transcription error")


@pytest.mark.parametrize(
    ("language", "model", "name", "value", "expected"),
    [
        ("fr", Screening, "consent_signed", True, "oui"),
        ("fr", Screening, "consent_signed", False, "non"),
        ("en", Screening, "consent_signed", True, "yes"),
        ("fr", Screening, "consent_signed", None, "—"),
        ("fr", Screening, "assessment_date", "2026-11-28", "28/11/2026"),
        ("en", Screening, "assessment_date", "2026-11-28", "2026-11-28"),
        ("fr", Screening, "weight_kg", 61.0, "61"),
        ("fr", Screening, "weight_kg", 63.5, "63,5"),
        ("en", Screening, "weight_kg", 63.5, "63.5"),
        ("fr", Screening, "ecog", 0, "0"),  # zero is a value, not "not given"
        ("fr", Screening, "extent", "metastatic", "métastatique"),
        ("fr", Screening, "initials", "", "—"),
        ("fr", TumourSample, "her2_ish", "not_done", "non faite"),
        ("fr", LabResult, "test", "anc", "polynucléaires neutrophiles (PNN)"),
    ],
)
def test_value_text(language: str, model: Any, name: str, value: Any, expected: str) -> None:
    with translation.override(language):
        assert history.value_text(model._meta.get_field(name), value) == expected


@pytest.mark.parametrize(
    ("language", "value", "unit", "expected"),
    [("fr", 11.2, "g/dL", "11,2 g/dL"), ("en", 0.7, "mg/dL", "0.7 mg/dL"), ("fr", 231.0, "10^9/L", "231 G/L")],
)
def test_a_lab_value_is_shown_with_its_unit(language: str, value: float, unit: str, expected: str) -> None:
    with translation.override(language):
        assert history.value_text(LabResult._meta.get_field("value"), value, unit=unit) == expected


@pytest.mark.django_db
def test_a_rescreening_names_the_screening_it_repeats_by_number(
    client: Client, coordinator_ipc: User, example_document: dict[str, Any]
) -> None:
    document = {**example_document, "screening_id": None, "ecog": 3}  # ECOG 3: a screen failure
    failed = services.screening_import(raw=document, by=coordinator_ipc).screening
    again = services.screening_rescreen(screening=failed, by=coordinator_ipc).screening
    client.force_login(coordinator_ipc)

    rows = _change_rows(client.get(reverse("screening:history", args=[again.number])).content.decode())

    # The link to the screening repeated is set after the row is made: a change, by number.
    assert any(f"Screening changed Re-screening of: — → {failed.number}" in row for row in rows), rows
    created = next(row for row in rows if "Screening created" in row)
    assert "Sequence" not in created and f"Screening number: {again.number}" in created
