"""The screening form (screening/views/screening_form.py, screening/forms.py).

What a coordinator types is parsed by the form fields (decimal commas, spaces between
thousands) and then validated as an `alter-screening/1` document, like a JSON import: each
refusal is shown next to its field, answers 400, and stores nothing. A save based on an
old version is refused (409) with the person's input kept on screen.
"""

from __future__ import annotations

import re
from typing import Any, Final

import pytest
from django.test import Client
from django.urls import reverse

from screening import services
from screening.models import Evaluation, LabResult, Screening, User
from tests.web.conftest import near, stored_state, text
from tests.web.formdata import form_data

# Rows of the example's labs (shared/examples/eligible-ipc-0007.json).
HEMOGLOBIN, ANC, PLATELETS, BILIRUBIN, ALT, AST, ALBUMIN, CREATININE = range(8)


def _edit_data(screening: Screening, **changes: str) -> dict[str, str]:
    """The form as the coordinator saw it for ``screening``, with fields retyped."""
    data = form_data(services.screening_document(screening=screening), version=screening.version)
    data.update(changes)
    return data


# What is typed -> (field whose message it is, the message). Dates after today use a
# year far ahead, so that the table holds on any day.
BAD_INPUT: Final[dict[str, tuple[dict[str, str], str, str]]] = {
    "weight not a number": ({"weight_kg": "abc"}, "id_weight_kg", r"Enter a number\."),
    "lab value not a number": (
        {f"labs-{HEMOGLOBIN}-value": "onze"},
        f"id_labs-{HEMOGLOBIN}-value",
        r"Enter a number\.",
    ),
    "amenorrhea months not whole": ({"amenorrhea_months": "1,5"}, "id_amenorrhea_months", r"Enter a whole number\."),
    "creatinine in mg/dL typed in umol/L": (
        {f"labs-{CREATININE}-value": "70", f"labs-{CREATININE}-unit": "mg/dL"},
        f"id_labs-{CREATININE}-value",
        # The row named by its test and date; the unit as the form shows it (µmol/L, not umol/L).
        r"creatinine of 2026-03-05: 70 mg/dL is implausible \(plausible: 0\.1 – 20 mg/dL\); did you mean µmol/L\?",
    ),
    "weight in grams": (
        {"weight_kg": "63500"},
        "id_weight_kg",
        r"weight 63500 kg is implausible \(25 – 300 kg\); did you mean grams\?",
    ),
    "LVEF as a fraction": (
        {"lvef_percent": "0,61"},
        "id_lvef_percent",
        r"LVEF 0\.61% is implausible \(5 – 90 %\); did you mean 61%\?",
    ),
    "grams per litre for ANC": (
        {f"labs-{ANC}-unit": "g/L"},
        f"id_labs-{ANC}-unit",
        r"ANC of 2026-03-05: unit 'g/L' is not accepted; did you mean G/L\? accepted: /mm³, G/L",
    ),
    "ALT without ULN": (
        {f"labs-{ALT}-uln": ""},
        f"id_labs-{ALT}-uln",
        r"ALT of 2026-03-05 needs its ULN \(upper limit of normal\), in the unit of the value",
    ),
    "lab dated after today": (
        {f"labs-{PLATELETS}-date": "2099-01-05"},
        f"id_labs-{PLATELETS}-date",
        r"2099-01-05 is after today \(\d{4}-\d\d-\d\d\)",
    ),
    "consent dated after today": ({"consent_date": "2099-01-05"}, "id_consent_date", r"2099-01-05 is after today"),
    "randomization before assessment": (
        {"planned_randomization_date": "2026-03-09"},
        "id_planned_randomization_date",
        r"planned randomization date 2026-03-09 is before the assessment date "
        r"2026-03-10",
    ),
    "birth after assessment": (
        {"date_of_birth": "2026-03-11"},
        "id_date_of_birth",
        r"2026-03-11 is after the assessment date 2026-03-10",
    ),
    "birth after today": (
        {"date_of_birth": "2099-01-05", "assessment_date": "2099-01-10", "planned_randomization_date": ""},
        "id_date_of_birth",
        r"2099-01-05 is after today",
    ),
    "ECOG out of the choices": (
        {"ecog": "7"},
        "id_ecog",
        r"Select a valid choice\. 7 is not one of the available choices\.",
    ),
    "ambiguous thousands": (
        {f"labs-{ANC}-value": "1,500", f"labs-{ANC}-unit": "/mm3"},
        f"id_labs-{ANC}-value",
        r"“1,500” is ambiguous: write 1500 for fifteen hundred, or 1,5 for one and a half\.",
    ),
    "pregnancy test dated after today": (
        {"pregnancy_tests-0-date": "2099-01-05"},
        "id_pregnancy_tests-0-date",
        r"2099-01-05 is after today",
    ),
    "brain treatment dated after R": (
        {"brain_metastases_last_local_treatment_date": "2026-03-13"},
        "id_brain_metastases_last_local_treatment_date",
        r"2026-03-13 is after the reference date 2026-03-12 \(planned randomization "
        r"date\): only results available by then count",
    ),
    "ER above 100 %": (
        {"tumour_samples-0-er_percent": "150"},
        "id_tumour_samples-0-er_percent",
        r"150% is implausible \(0 – 100 %\)",
    ),
    "amenorrhea months implausible": (
        {"amenorrhea_months": "601"},
        "id_amenorrhea_months",
        r"601 months is implausible \(0 – 600\)",
    ),
    "date that does not exist": ({"lvef_date": "31/02/2026"}, "id_lvef_date", r"Enter a valid date\."),
    "no assessment date": ({"assessment_date": ""}, "id_assessment_date", r"This field is required\."),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_edit_refuses_bad_input_next_to_the_field(
    client: Client, coordinator_ipc: User, screening_ipc: Screening, case: str
) -> None:
    changes, field_id, message = BAD_INPUT[case]
    client.force_login(coordinator_ipc)
    before = stored_state()

    response = client.post(
        reverse("screening:detail", args=[screening_ipc.number]), _edit_data(screening_ipc, **changes)
    )

    assert response.status_code == 400
    assert re.search(message, near(response.content.decode(), field_id)), near(response.content.decode(), field_id)
    assert stored_state() == before
    screening_ipc.refresh_from_db()
    assert screening_ipc.version == 1


@pytest.mark.django_db
@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_create_refuses_bad_input_next_to_the_field(
    client: Client, coordinator_ipc: User, example_document: dict[str, Any], case: str
) -> None:
    changes, field_id, message = BAD_INPUT[case]
    client.force_login(coordinator_ipc)
    before = stored_state()

    response = client.post(reverse("screening:create"), {**form_data(example_document), **changes})

    assert response.status_code == 400
    assert re.search(message, near(response.content.decode(), field_id))
    assert stored_state() == before
    assert not Screening.objects.exists()
    assert not Evaluation.objects.exists()


@pytest.mark.django_db
def test_refusal_lands_on_its_row_when_an_earlier_row_is_removed(
    client: Client, coordinator_ipc: User, screening_ipc: Screening
) -> None:
    """The document's /labs/0 is the form's row 1 once row 0 is removed: the message goes there."""
    client.force_login(coordinator_ipc)
    before = stored_state()
    data = _edit_data(screening_ipc, **{f"labs-{HEMOGLOBIN}-DELETE": "on", f"labs-{ANC}-unit": "g/L"})

    response = client.post(reverse("screening:detail", args=[screening_ipc.number]), data)

    assert response.status_code == 400
    page = response.content.decode()
    assert "ANC of 2026-03-05: unit 'g/L' is not accepted" in near(page, f"id_labs-{ANC}-unit")
    assert "is not accepted" not in near(page, f"id_labs-{HEMOGLOBIN}-unit")
    assert stored_state() == before


@pytest.mark.django_db
def test_refused_input_is_kept_on_screen(client: Client, coordinator_ipc: User, screening_ipc: Screening) -> None:
    client.force_login(coordinator_ipc)

    response = client.post(
        reverse("screening:detail", args=[screening_ipc.number]),
        _edit_data(screening_ipc, weight_kg="63500", initials="QX"),
    )

    page = response.content.decode()
    assert 'value="63500"' in near(page, "id_weight_kg")
    assert 'value="QX"' in page


@pytest.mark.django_db
def test_every_refusal_of_the_document_is_listed(
    client: Client, coordinator_ipc: User, screening_ipc: Screening
) -> None:
    """Several document errors at once: each beside its own field, none left out."""
    client.force_login(coordinator_ipc)
    cases = ["creatinine in mg/dL typed in umol/L", "weight in grams", "ALT without ULN", "birth after assessment"]
    changes = {k: v for case in cases for k, v in BAD_INPUT[case][0].items()}

    response = client.post(
        reverse("screening:detail", args=[screening_ipc.number]), _edit_data(screening_ipc, **changes)
    )

    assert response.status_code == 400
    for case in cases:
        _, field_id, message = BAD_INPUT[case]
        assert re.search(message, near(response.content.decode(), field_id)), case


# --- what is accepted ----------------------------------------------------------------


@pytest.mark.django_db
def test_create_stores_the_screening_and_its_evaluation(
    client: Client, coordinator_ipc: User, example_document: dict[str, Any]
) -> None:
    client.force_login(coordinator_ipc)

    response = client.post(reverse("screening:create"), form_data(example_document))

    screening = Screening.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("screening:detail", args=["IPC-0001"])
    assert (screening.number, screening.status, screening.version) == ("IPC-0001", "eligible", 1)
    assert (screening.created_by, screening.updated_by) == (coordinator_ipc, coordinator_ipc)
    assert LabResult.objects.filter(screening=screening).count() == 8
    page = client.get(response.url).content.decode()
    assert "Screening IPC-0001 created: eligible." in page


@pytest.mark.django_db
def test_french_decimal_commas_are_accepted(
    client: Client, coordinator_ipc: User, example_document: dict[str, Any]
) -> None:
    client.force_login(coordinator_ipc)
    data = form_data(example_document, comma=True)
    assert (data[f"labs-{HEMOGLOBIN}-value"], data["weight_kg"]) == ("11,2", "63,5")

    response = client.post(reverse("screening:create"), data)

    assert response.status_code == 302
    screening = Screening.objects.get()
    assert screening.weight_kg == 63.5
    assert LabResult.objects.get(screening=screening, test="hemoglobin").value == 11.2
    assert screening.status == "eligible"


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["231 000", "231\u00a0000", "231\u202f000", "231000"])
def test_spaces_between_thousands_are_accepted(
    client: Client, coordinator_ipc: User, example_document: dict[str, Any], typed: str
) -> None:
    client.force_login(coordinator_ipc)
    data = {**form_data(example_document), f"labs-{PLATELETS}-value": typed, f"labs-{PLATELETS}-unit": "/mm3"}

    response = client.post(reverse("screening:create"), data)

    assert response.status_code == 302
    platelets = LabResult.objects.get(test="platelets")
    assert (platelets.value, platelets.unit, platelets.value_canonical) == (231_000, "/mm3", 231_000)


@pytest.mark.django_db
def test_edit_appends_an_evaluation_equal_to_the_export_but_its_record_version(
    client: Client, investigator_ipc: User, screening_ipc: Screening
) -> None:
    client.force_login(investigator_ipc)

    response = client.post(
        reverse("screening:detail", args=[screening_ipc.number]),
        _edit_data(screening_ipc, ecog="2", reason_for_change="ECOG reassessed at the visit"),
    )

    assert response.status_code == 302
    screening_ipc.refresh_from_db()
    latest, first = screening_ipc.evaluations.all()
    assert (latest.ruleset, latest.created_by) == ("alter-v1", investigator_ipc)
    # The export carries the record's version (for a later import); the evaluated document does not.
    exported = client.get(reverse("screening:export", args=[screening_ipc.number])).json()
    assert exported.pop("record_version") == 2
    assert latest.input_document == exported
    assert latest.input_document["ecog"] == 2
    # ECOG 2 is outside 0-1: the status moves, and the screening repeats the latest result.
    assert latest.result_document["status"] == latest.status == screening_ipc.status == "ineligible"
    assert "INC-05" in latest.result_document["failed"]
    assert first.result_document["status"] == "eligible"
    assert screening_ipc.version == 2


@pytest.mark.django_db
def test_live_panel_evaluates_what_is_typed_and_stores_nothing(
    client: Client, coordinator_ipc: User, screening_ipc: Screening
) -> None:
    client.force_login(coordinator_ipc)
    before = stored_state()

    response = client.post(
        reverse("screening:evaluate", args=[screening_ipc.number]), _edit_data(screening_ipc, ecog="3")
    )

    assert response.status_code == 200
    assert 'data-testid="status">ineligible<' in response.content.decode()
    assert "as typed, not saved yet" in response.content.decode()
    assert stored_state() == before


@pytest.mark.django_db
def test_live_panel_lists_refusals(client: Client, coordinator_ipc: User, screening_ipc: Screening) -> None:
    client.force_login(coordinator_ipc)

    response = client.post(
        reverse("screening:evaluate", args=[screening_ipc.number]), _edit_data(screening_ipc, weight_kg="63500")
    )

    assert response.status_code == 200
    assert "Not evaluated: some values are refused." in text(response.content.decode())
    assert "did you mean grams?" in text(response.content.decode())


# --- two people editing the same screening --------------------------------------------------

_VERSION_INPUT = re.compile(r'<input type="hidden" name="version" value="(\d+)"')


def _opened_version(client: Client, number: str) -> str:
    page = client.get(reverse("screening:detail", args=[number])).content.decode()
    match = _VERSION_INPUT.search(page)
    assert match is not None
    return match.group(1)


@pytest.mark.django_db
def test_second_save_of_the_same_version_is_refused_with_input_kept(
    coordinator_ipc: User, investigator_ipc: User, screening_ipc: Screening
) -> None:
    first, second = Client(), Client()
    first.force_login(coordinator_ipc)
    second.force_login(investigator_ipc)
    first_version = _opened_version(first, screening_ipc.number)
    second_version = _opened_version(second, screening_ipc.number)
    assert first_version == second_version == "1"
    url = reverse("screening:detail", args=[screening_ipc.number])

    saved = first.post(
        url, {**_edit_data(screening_ipc, ecog="0", reason_for_change="ECOG reassessed"), "version": first_version}
    )
    after_first = stored_state()
    # A reason is given: the refusal is for the version alone.
    refused = second.post(
        url,
        {
            **_edit_data(screening_ipc, ecog="2", weight_kg="70,5", reason_for_change="weighed again"),
            "version": second_version,
        },
    )

    assert saved.status_code == 302
    assert refused.status_code == 409
    page = refused.content.decode()
    assert f"{services.person_name(coordinator_ipc)} saved this screening at" in text(page)
    assert "Nothing of yours was saved" in text(page)
    assert 'data-testid="conflict"' in page
    assert re.search(r'<option value="2" selected>', near(page, "id_ecog"))
    assert 'value="70,5"' in near(page, "id_weight_kg")
    assert "weighed again" in near(page, "id_reason_for_change")
    assert stored_state() == after_first
    screening_ipc.refresh_from_db()
    assert (screening_ipc.version, screening_ipc.ecog, screening_ipc.weight_kg) == (2, 0, 63.5)
    assert screening_ipc.updated_by == coordinator_ipc
    assert not Evaluation.objects.filter(created_by=investigator_ipc).exists()


@pytest.mark.django_db
def test_save_without_the_version_it_was_based_on_is_refused(
    client: Client, coordinator_ipc: User, investigator_ipc: User, screening_ipc: Screening
) -> None:
    """The lock must not be skipped by leaving the version out (models.py: "a save must name
    the version it was based on (no lost updates)")."""
    # What coord.ipc has on screen (ECOG 1), with the weight retyped and its reason.
    opened = _edit_data(screening_ipc, weight_kg="70", reason_for_change="weighed again")
    del opened["version"]
    # inv.ipc saves ECOG 0 meanwhile.
    services.screening_import(
        raw={**services.screening_document(screening=screening_ipc), "ecog": 0},
        by=investigator_ipc,
        screening=screening_ipc,
        expected_version=1,
        reason="ECOG reassessed",
    )
    client.force_login(coordinator_ipc)
    before = stored_state()

    response = client.post(reverse("screening:detail", args=[screening_ipc.number]), opened)

    screening_ipc.refresh_from_db()
    assert (screening_ipc.ecog, screening_ipc.weight_kg, screening_ipc.version) == (0, 63.5, 2), (
        f"inv.ipc's ECOG 0 was overwritten without a conflict (HTTP {response.status_code})"
    )
    assert response.status_code in (400, 409)
    assert stored_state() == before
