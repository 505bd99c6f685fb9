"""Lab results from the hospital in the browser (fhir-labs.md, "Approval"; screening/views/fhir_labs.py).

A coordinator uploads a FHIR file on a screening; the page shows every proposal beside the
lab rows on file and every skipped Observation with its reason; nothing is stored until
the coordinator approves some or all and saves once, through the same service as the form
(validation, evaluation, history, version check). Each stored row keeps its source, shown
on the row, in the history and in the JSON export.

IPC-0007 (the spec's example) has eight lab rows dated 2026-03-05, a planned randomization
on 2026-03-12; the hospital's file below has, dated 2026-03-09: a newer creatinine, an ALT
with its reference range, an AST without one; a preliminary hemoglobin; and the stored
creatinine again.
"""

from __future__ import annotations

import json
from typing import Any, Final

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation
from pghistory.models import Events
from pytest_django.fixtures import Settings

from screening import services
from screening.models import LabResult, LabResultSource, Screening, User
from tests.conftest import PASSWORD
from tests.fhir.builders import bundle, observation, patient, quantity
from tests.web.conftest import stored_state, text

WHEN: Final = "2026-03-09T07:45:00+01:00"
HOSPITAL_FILE: Final = bundle(
    patient("p1"),
    observation("creat-0309", loinc="14682-9", when=WHEN, value=quantity(70, "umol/L"), subject="Patient/p1"),
    observation(
        "alt-0309",
        loinc="1742-6",
        when=WHEN,
        value=quantity(30, "U/L"),
        subject="Patient/p1",
        referenceRange=[{"high": quantity(40, "U/L")}],
    ),
    observation("ast-0309", loinc="1920-8", when=WHEN, value=quantity(28, "U/L"), subject="Patient/p1"),
    observation(
        "hb-prelim", loinc="718-7", status="preliminary", when=WHEN, value=quantity(11.0, "g/dL"), subject="Patient/p1"
    ),
    observation(
        "creat-0305",
        loinc="14682-9",
        when="2026-03-05T08:00:00+01:00",
        value=quantity(68, "umol/L"),
        subject="Patient/p1",
    ),
)
CREATININE, ALT, AST = 0, 1, 2  # the proposals, in input order


def _file(data: dict[str, Any] | bytes, name: str = "hospital-labs.json") -> SimpleUploadedFile:
    content = data if isinstance(data, bytes) else json.dumps(data, ensure_ascii=False).encode()
    return SimpleUploadedFile(name, content, content_type="application/fhir+json")


def upload(client: Client, screening: Screening, data: dict[str, Any] | bytes = HOSPITAL_FILE) -> Any:
    return client.post(reverse("screening:fhir_labs_upload", args=[screening.number]), {"file": _file(data)})


def approval(page: Any, *, approve: list[int] = (), button: str = "save", **fields: str) -> dict[str, str]:
    """The approval form of an upload's page as a coordinator sends it: ``approve`` ticks
    those rows, ``fields`` change others (``proposal-2-uln``)."""
    context = page.context
    data = {
        "payload": context["payload"],
        "version": str(context["version"]),
        "save_key": str(context["save_key"]),
        button: "",
    }
    for i, row in enumerate(context["rows"]):
        form = row["form"]
        for name in ("value", "unit", "uln", "date"):
            value = form[name].value()
            data[f"proposal-{i}-{name}"] = "" if value is None else str(value)
    for i in approve:
        data[f"proposal-{i}-approve"] = "on"
    data.update(fields)
    return data


def approve(client: Client, screening: Screening, data: dict[str, str]) -> Any:
    return client.post(reverse("screening:fhir_labs_approve", args=[screening.number]), data)


@pytest.fixture
def page(client: Client, coordinator_ipc: User, screening_ipc: Screening) -> Any:
    client.force_login(coordinator_ipc)
    response = upload(client, screening_ipc)
    assert response.status_code == 200
    return response


@pytest.mark.django_db
def test_upload_shows_proposals_beside_the_rows_on_file_and_stores_nothing(
    client: Client, coordinator_ipc: User, screening_ipc: Screening
) -> None:
    client.force_login(coordinator_ipc)
    before = stored_state()

    response = upload(client, screening_ipc)

    assert response.status_code == 200
    assert stored_state() == before
    context = response.context
    assert [row["proposal"].source.observation for row in context["rows"]] == ["creat-0309", "alt-0309", "ast-0309"]
    assert len(context["on_file"]) == 8
    assert [(s["observation"], s["code"]) for s in context["skipped"]] == [
        ("hb-prelim", "not_final"),
        ("creat-0305", "duplicate"),
    ]
    page = text(response.content.decode())
    assert "status preliminary: not yet a final result" in page
    assert "From the file hospital-labs.json" in page
    # As received and as it will be stored: 30 U/L with its ULN 40.
    alt = context["rows"][ALT]
    assert (alt["form"]["value"].value(), alt["form"]["unit"].value(), alt["form"]["uln"].value()) == (30, "U/L", 40)
    assert alt["ready"]


@pytest.mark.django_db
def test_a_proposal_the_format_refuses_says_why_and_cannot_be_ticked(page: Any) -> None:
    ast = page.context["rows"][AST]

    assert not ast["ready"]
    assert ast["problems"] == ["AST needs its ULN (upper limit of normal), in the unit of the value"]
    html = page.content.decode()
    assert 'name="proposal-2-approve"' in html
    assert html.count("disabled data-needs-correction") == 1


@pytest.mark.django_db
def test_approve_some_and_save_once(client: Client, coordinator_ipc: User, screening_ipc: Screening, page: Any) -> None:
    evaluations = screening_ipc.evaluations.count()

    response = approve(client, screening_ipc, approval(page, approve=[CREATININE, ALT]))

    assert response.status_code == 302
    assert response.url == reverse("screening:detail", args=[screening_ipc.number]) + "#section-labs"
    screening_ipc.refresh_from_db()
    assert screening_ipc.version == 2
    assert screening_ipc.evaluations.count() == evaluations + 1
    added = list(LabResult.objects.filter(screening=screening_ipc).order_by("position")[8:])
    assert [(r.test, r.value, r.unit, r.uln, r.date.isoformat()) for r in added] == [
        ("creatinine", 70, "umol/L", None, "2026-03-09"),
        ("alt", 30, "U/L", 40, "2026-03-09"),
    ]
    sources = [r.source for r in added]
    assert [
        (s.observation, s.loinc, s.value_received, s.unit_received, s.origin_kind, s.origin, s.approved_by)
        for s in sources
    ] == [
        ("creat-0309", "14682-9", "70", "umol/L", "file", "hospital-labs.json", coordinator_ipc),
        ("alt-0309", "1742-6", "30", "U/L", "file", "hospital-labs.json", coordinator_ipc),
    ]
    # The rows on file before are as they were, without a source.
    assert LabResultSource.objects.count() == 2
    # The newer creatinine (70 µmol/L, CrCl still >= 30) is the one the evaluation used.
    latest = screening_ipc.evaluations.first()
    assert latest is not None and "0.79 mg/dL" in json.dumps(latest.result_document)


@pytest.mark.django_db
def test_the_source_is_shown_on_the_row_and_in_the_history(client: Client, screening_ipc: Screening, page: Any) -> None:
    approve(client, screening_ipc, approval(page, approve=[ALT]))

    detail = text(client.get(reverse("screening:detail", args=[screening_ipc.number])).content.decode())
    history = text(client.get(reverse("screening:history", args=[screening_ipc.number])).content.decode())

    assert "Observation alt-0309 · LOINC 1742-6 · received 30 U/L · file hospital-labs.json" in " ".join(detail.split())
    assert "approved by Coord Test" in detail
    # The source names the row it came with, by its test and date.
    assert "Source of the lab result ALT of 2026-03-09 recorded" in " ".join(history.split())
    for shown in ("alt-0309", "1742-6", "hospital-labs.json"):
        assert shown in history
    events = Events.objects.filter(pgh_obj_model="screening.LabResultSource")
    assert [(e.pgh_label, e.pgh_context["user"]) for e in events] == [("insert", screening_ipc.created_by_id)]


@pytest.mark.django_db
def test_leaving_without_approving_stores_nothing(client: Client, screening_ipc: Screening, page: Any) -> None:
    before = stored_state()

    # Back to the screening, and the same file uploaded again: still nothing stored.
    client.get(reverse("screening:detail", args=[screening_ipc.number]))
    upload(client, screening_ipc)

    assert stored_state() == before
    assert LabResultSource.objects.count() == 0


@pytest.mark.django_db
def test_nothing_ticked_saves_nothing(client: Client, screening_ipc: Screening, page: Any) -> None:
    before = stored_state()

    response = approve(client, screening_ipc, approval(page))

    assert response.status_code == 400
    assert "Tick the lab results to approve" in text(response.content.decode())
    assert stored_state() == before


@pytest.mark.django_db
def test_a_refused_proposal_is_not_saved_until_corrected(client: Client, screening_ipc: Screening, page: Any) -> None:
    before = stored_state()

    refused = approve(client, screening_ipc, approval(page, approve=[CREATININE, AST]))

    assert refused.status_code == 400
    assert stored_state() == before
    assert "AST needs its ULN" in text(refused.content.decode())
    # Corrected: the ULN from the printed report, typed with a decimal comma.
    corrected = approve(client, screening_ipc, approval(page, approve=[CREATININE, AST], **{"proposal-2-uln": "40,0"}))
    assert corrected.status_code == 302
    ast = LabResult.objects.get(screening=screening_ipc, test="ast", date="2026-03-09")
    assert (ast.value, ast.uln, ast.source.value_received) == (28, 40, "28")


@pytest.mark.django_db
def test_approve_all_with_a_row_to_correct_saves_nothing(client: Client, screening_ipc: Screening, page: Any) -> None:
    before = stored_state()

    response = approve(client, screening_ipc, approval(page, button="approve_all"))

    assert response.status_code == 400
    assert stored_state() == before
    done = approve(client, screening_ipc, approval(page, button="approve_all", **{"proposal-2-uln": "40"}))
    assert done.status_code == 302
    assert LabResultSource.objects.count() == 3


@pytest.mark.django_db
def test_check_recomputes_what_needs_correcting_and_stores_nothing(
    client: Client, screening_ipc: Screening, page: Any
) -> None:
    before = stored_state()

    response = approve(client, screening_ipc, approval(page, button="check", **{"proposal-2-uln": "40"}))

    assert response.status_code == 200
    assert response.context["rows"][AST]["ready"]
    assert stored_state() == before


@pytest.mark.django_db
def test_a_corrected_value_is_stored_and_the_source_keeps_what_was_received(
    client: Client, screening_ipc: Screening, page: Any
) -> None:
    approve(client, screening_ipc, approval(page, approve=[CREATININE], **{"proposal-0-value": "71"}))

    row = LabResult.objects.get(screening=screening_ipc, date="2026-03-09")
    assert (row.value, row.source.value_received) == (71, "70")


@pytest.mark.django_db
def test_an_approval_after_someone_else_saved_is_refused(
    client: Client, screening_ipc: Screening, investigator_ipc: User, page: Any
) -> None:
    export = services.screening_document(screening=screening_ipc, with_version=True)
    services.screening_import(
        raw={**export, "ecog": 0}, by=investigator_ipc, screening=screening_ipc, reason="ECOG from the right visit"
    )
    before = stored_state()

    response = approve(client, screening_ipc, approval(page, approve=[ALT]))

    assert response.status_code == 409
    assert stored_state() == before
    assert "was saved by Inv Test" in text(response.content.decode())


@pytest.mark.django_db
def test_the_same_approval_twice_is_stored_once(client: Client, screening_ipc: Screening, page: Any) -> None:
    data = approval(page, approve=[ALT])
    approve(client, screening_ipc, data)
    after_first = stored_state()

    again = approve(client, screening_ipc, data)

    assert again.status_code == 302
    assert stored_state() == after_first
    assert LabResultSource.objects.count() == 1


@pytest.mark.django_db
def test_altered_proposals_are_refused(client: Client, screening_ipc: Screening, page: Any) -> None:
    data = approval(page, approve=[ALT])
    before = stored_state()

    response = approve(client, screening_ipc, {**data, "payload": data["payload"][:-3] + "abc"})

    assert response.status_code == 302
    assert stored_state() == before


@pytest.mark.django_db
def test_approved_rows_duplicate_nothing_on_a_second_upload(
    client: Client, screening_ipc: Screening, page: Any
) -> None:
    approve(client, screening_ipc, approval(page, approve=[CREATININE, ALT]))

    again = upload(client, screening_ipc)

    assert [row["proposal"].source.observation for row in again.context["rows"]] == ["ast-0309"]
    assert {s["observation"]: s["code"] for s in again.context["skipped"]}["alt-0309"] == "duplicate"


@pytest.mark.django_db
def test_another_patient_s_file_is_refused_whole(
    client: Client, coordinator_ipc: User, screening_ipc: Screening
) -> None:
    client.force_login(coordinator_ipc)
    other = json.loads(json.dumps(HOSPITAL_FILE))
    other["entry"][0]["resource"]["gender"] = "male"
    before = stored_state()

    response = upload(client, screening_ipc, other)

    assert response.status_code == 400
    assert stored_state() == before
    assert response.context["errors"][0][0] == "/entry/0/resource/gender"
    assert "Nothing was proposed" in text(response.content.decode())


@pytest.mark.django_db
def test_a_malformed_file_is_refused_with_its_paths(
    client: Client, coordinator_ipc: User, screening_ipc: Screening
) -> None:
    client.force_login(coordinator_ipc)
    bad = bundle(observation(), {k: v for k, v in observation("b").items() if k != "status"}, patient(foo=1))

    response = upload(client, screening_ipc, bad)

    assert response.status_code == 400
    assert [path for path, _message in response.context["errors"]] == [
        "/entry/1/resource/status",
        "/entry/2/resource/foo",
    ]


@pytest.mark.django_db
def test_reasons_and_refusals_in_french(client: Client, coordinator_ipc: User, screening_ipc: Screening) -> None:
    coordinator_ipc.language = "fr"
    coordinator_ipc.save(update_fields=["language"])
    client.force_login(coordinator_ipc)

    response = upload(client, screening_ipc)

    assert [s["reason"] for s in response.context["skipped"]] == [
        "statut preliminary : pas encore un résultat définitif",
        "le même résultat (creatinine 68 umol/L, 2026-03-05) est déjà dans la sélection",
    ]
    assert response.context["rows"][AST]["problems"] == [
        "ASAT : la LSN (limite supérieure de la normale) est requise, dans l'unité de la valeur"
    ]
    refused = upload(client, screening_ipc, {"resourceType": "Patient"})
    assert refused.context["errors"] == [("/resourceType", "un Bundle ou une Observation est attendu, pas Patient")]
    with translation.override("fr"):
        assert (
            "Importer des résultats de laboratoire (FHIR)"
            in client.get(reverse("screening:detail", args=[screening_ipc.number])).content.decode()
        )


@pytest.mark.django_db
def test_the_export_carries_the_sources_and_imports_back(client: Client, screening_ipc: Screening, page: Any) -> None:
    approve(client, screening_ipc, approval(page, approve=[ALT]))
    screening_ipc.refresh_from_db()

    exported = client.get(reverse("screening:export", args=[screening_ipc.number])).json()

    source = exported["labs"][8]["source"]
    assert {k: source[k] for k in ("observation", "loinc", "value", "unit", "origin", "approved_by")} == {
        "observation": "alt-0309",
        "loinc": "1742-6",
        "value": 30,
        "unit": "U/L",
        "origin": "hospital-labs.json",
        "approved_by": "coord.ipc",
    }
    assert "source" not in exported["labs"][0]
    # The evaluated document keeps its shape: no sources there.
    latest = screening_ipc.evaluations.first()
    assert latest is not None and "source" not in latest.input_document["labs"][8]
    # The export imports back: nothing changes but the version, and the row keeps its source.
    response = client.post(
        reverse("screening:import", args=[screening_ipc.number]),
        {
            "document": SimpleUploadedFile("export.json", json.dumps(exported).encode()),
            "version": str(screening_ipc.version),
        },
    )
    assert response.status_code == 302
    alt = LabResult.objects.get(screening=screening_ipc, test="alt", date="2026-03-09")
    assert alt.source.observation == "alt-0309"


@pytest.mark.django_db
def test_a_locked_screening_takes_no_lab_results(
    client: Client, coordinator_ipc: User, investigator_ipc: User, screening_ipc: Screening, page: Any
) -> None:
    # Locked the only way the database allows: an investigator's signature.
    services.screening_sign(
        screening=screening_ipc, by=investigator_ipc, password=PASSWORD, meaning="eligibility_confirmed"
    )
    before = stored_state()

    response = approve(client, screening_ipc, approval(page, approve=[ALT]))

    assert response.status_code == 302
    assert stored_state() == before
    assert upload(client, screening_ipc).status_code == 302


@pytest.mark.django_db
def test_without_a_fhir_server_there_is_no_fetch(
    client: Client, coordinator_ipc: User, screening_ipc: Screening, settings: Settings
) -> None:
    settings.FHIR_BASE_URL = ""
    client.force_login(coordinator_ipc)

    detail = client.get(reverse("screening:detail", args=[screening_ipc.number])).content.decode()
    fetch = client.post(reverse("screening:fhir_labs_fetch", args=[screening_ipc.number]), {"identifier": "8001"})

    assert 'data-testid="fhir-upload"' in detail
    assert 'data-testid="fhir-fetch"' not in detail
    assert fetch.status_code == 404
    settings.FHIR_BASE_URL = "http://127.0.0.1:9/fhir"
    assert (
        'data-testid="fhir-fetch"'
        in client.get(reverse("screening:detail", args=[screening_ipc.number])).content.decode()
    )
