"""JSON export and import (screening/views/transfer.py).

Spec: "The same document round-trips: exporting a stored screening and importing it again
yields the same evaluation." A refused document lists its errors by JSON Pointer and
stores nothing; a document of a site the user does not work for is refused.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from screening import exchange, services
from screening.models import Evaluation, LabResult, Screening, User
from tests.web.conftest import igr_document, stored_state, text


def _upload(document: dict[str, Any] | bytes) -> SimpleUploadedFile:
    content = document if isinstance(document, bytes) else json.dumps(document).encode()
    return SimpleUploadedFile("screening.json", content, content_type="application/json")


def _export(client: Client, number: str) -> dict[str, Any]:
    response = client.get(reverse("screening:export", args=[number]))
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


def _without_id(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k != "screening_id"}


@pytest.mark.django_db
def test_export_is_the_stored_document_with_its_record_version_as_an_attachment(
    client: Client, monitor: User, screening_ipc: Screening, example_document: dict[str, Any]
) -> None:
    client.force_login(monitor)

    response = client.get(reverse("screening:export", args=[screening_ipc.number]))

    assert response["Content-Type"] == "application/json"
    # The file names the version it was exported at, and carries it (an import after a later save is refused).
    assert response["Content-Disposition"] == 'attachment; filename="IPC-0007-v1.json"'
    exported = response.json()
    assert exported == services.screening_document(screening=screening_ipc, with_version=True)
    # What was imported comes back out, as the spec writes it, with the record's version.
    assert exported == {**example_document, "record_version": 1}


@pytest.mark.django_db
def test_export_imported_as_a_new_screening_gives_the_same_evaluation(
    client: Client, coordinator_ipc: User, screening_ipc: Screening
) -> None:
    client.force_login(coordinator_ipc)
    exported = _export(client, screening_ipc.number)
    original = screening_ipc.evaluations.get()

    response = client.post(reverse("screening:import_new"), {"document": _upload({**exported, "screening_id": None})})

    created = Screening.objects.exclude(pk=screening_ipc.pk).get()
    assert response.status_code == 302
    assert response.url == reverse("screening:detail", args=[created.number])
    # IPC-0007 was imported under its own number: the counter moved past it.
    assert created.number == "IPC-0008"
    evaluation = created.evaluations.get()
    assert _without_id(evaluation.input_document) == _without_id(original.input_document)
    assert _without_id(evaluation.result_document) == _without_id(original.result_document)
    assert evaluation.result_document["screening_id"] == "IPC-0008"
    assert _without_id(_export(client, created.number)) == _without_id(exported)


@pytest.mark.django_db
def test_export_imported_back_into_the_same_screening_changes_nothing_but_the_version(
    client: Client, coordinator_ipc: User, screening_ipc: Screening
) -> None:
    client.force_login(coordinator_ipc)
    exported = _export(client, screening_ipc.number)
    labs_before = list(LabResult.objects.filter(screening=screening_ipc).values())

    response = client.post(
        reverse("screening:import", args=[screening_ipc.number]), {"document": _upload(exported), "version": "1"}
    )

    assert response.status_code == 302
    screening_ipc.refresh_from_db()
    latest, first = screening_ipc.evaluations.all()
    assert exported.pop("record_version") == 1
    assert latest.input_document == first.input_document == exported
    assert latest.result_document == first.result_document
    assert screening_ipc.version == 2
    # Unchanged rows are left alone: same ids, same values.
    assert list(LabResult.objects.filter(screening=screening_ipc).values()) == labs_before


@pytest.mark.django_db
def test_import_into_a_screening_replaces_its_data(
    client: Client, investigator_ipc: User, screening_ipc: Screening
) -> None:
    client.force_login(investigator_ipc)
    document = _export(client, screening_ipc.number)
    document["ecog"] = 2
    document["labs"] = document["labs"][:3]

    response = client.post(
        reverse("screening:import", args=[screening_ipc.number]),
        {
            "document": _upload(document),
            "version": "1",
            "reason_for_change": "ECOG reassessed; labs entered for the wrong visit",
        },
    )

    assert response.status_code == 302
    screening_ipc.refresh_from_db()
    assert (screening_ipc.ecog, screening_ipc.version, screening_ipc.updated_by) == (2, 2, investigator_ipc)
    assert LabResult.objects.filter(screening=screening_ipc).count() == 3
    exported = _export(client, screening_ipc.number)
    assert exported.pop("record_version") == 2
    assert screening_ipc.evaluations.first().input_document == exported  # type: ignore[union-attr]


def _refused_document(example: dict[str, Any]) -> dict[str, Any]:
    document = copy.deepcopy(example)
    document["labs"][3]["unit"] = "mg/dl"
    document["patient"]["age"] = 44
    document["ecog"] = 7
    document["consent"]["date"] = "2099-01-05"
    return document


REFUSED_PATHS = {
    "/labs/3/unit": "did you mean mg/dL?",
    "/patient/age": "",
    "/ecog": "ECOG 7 is not a performance status for screening (0 – 4)",
    "/consent/date": "2099-01-05 is after today",
}


def _error_rows(page: str) -> dict[str, str]:
    table = page.split('data-testid="import-errors"')[1].split("</table>", maxsplit=1)[0]
    rows = {}
    for row in table.split("<tr>")[2:]:
        path = row.split("<code>")[1].split("</code>")[0]
        rows[path] = text(row.split("</code>")[1]).strip()
    return rows


@pytest.mark.django_db
def test_refused_document_lists_every_error_by_path_and_stores_nothing(
    client: Client, coordinator_ipc: User, screening_ipc: Screening, example_document: dict[str, Any]
) -> None:
    client.force_login(coordinator_ipc)
    before = stored_state()

    new = client.post(
        reverse("screening:import_new"),
        {"document": _upload({**_refused_document(example_document), "screening_id": None})},
    )
    into = client.post(
        reverse("screening:import", args=[screening_ipc.number]),
        {"document": _upload(_refused_document(example_document)), "version": "1"},
    )

    for response in (new, into):
        assert response.status_code == 400
        page = response.content.decode()
        assert "Nothing was stored." in page
        errors = _error_rows(page)
        assert set(errors) == set(REFUSED_PATHS)
        for path, message in REFUSED_PATHS.items():
            assert message in errors[path]
    assert stored_state() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not json at all", "The file is not a JSON document."),
        (b"[1, 2]", "a screening document must be a JSON object"),
        (b'{"format": "alter-screening/1", "site": "IPC"}', "assessment_date"),
    ],
)
def test_import_of_what_is_not_a_screening_document_is_refused(
    client: Client, coordinator_ipc: User, screening_ipc: Screening, content: bytes, message: str
) -> None:
    client.force_login(coordinator_ipc)
    before = stored_state()

    response = client.post(reverse("screening:import_new"), {"document": _upload(content)})

    assert response.status_code == 400
    assert message in text(response.content.decode())
    assert stored_state() == before


@pytest.mark.django_db
def test_a_valueerror_inside_the_import_is_a_fault_not_a_file_that_is_not_json(
    client: Client, coordinator_ipc: User, example_document: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the JSON parser's ValueError means "not a JSON document": one raised while
    importing a valid document is a bug, and reaches the error page and the logs.

    The import service is replaced because no valid input makes our own code raise a
    ValueError (that would be the very bug this guards against); everything before it,
    the form and the JSON check, runs as it does for a user."""

    def faulty_import(**kwargs: Any) -> Evaluation:
        raise ValueError("an internal fault of the import")

    monkeypatch.setattr(services, "screening_import", faulty_import)
    client.force_login(coordinator_ipc)
    before = stored_state()

    # The test client re-raises a view's exception, as the server would log it with a 500 page.
    with pytest.raises(ValueError, match="an internal fault of the import"):
        client.post(reverse("screening:import_new"), {"document": _upload({**example_document, "screening_id": None})})

    assert stored_state() == before


@pytest.mark.django_db
def test_import_without_a_file_is_refused(client: Client, coordinator_ipc: User) -> None:
    client.force_login(coordinator_ipc)

    response = client.post(reverse("screening:import_new"), {})

    assert response.status_code == 400
    assert "This field is required." in text(response.content.decode())
    assert not Screening.objects.exists()


# --- documents of the other site ----------------------------------------------------------


@pytest.mark.django_db
def test_import_of_the_other_sites_document_is_refused(
    client: Client, coordinator_ipc: User, screening_ipc: Screening, example_document: dict[str, Any]
) -> None:
    client.force_login(coordinator_ipc)
    before = stored_state()

    response = client.post(
        reverse("screening:import_new"), {"document": _upload(igr_document(example_document, screening_id=None))}
    )

    assert response.status_code == 400
    assert _error_rows(response.content.decode()) == {"/site": "you cannot enter screenings for IGR"}
    assert stored_state() == before


@pytest.mark.django_db
def test_import_into_a_screening_of_a_document_of_the_other_site_is_refused(
    client: Client, coordinator_ipc: User, screening_ipc: Screening, example_document: dict[str, Any]
) -> None:
    client.force_login(coordinator_ipc)
    before = stored_state()

    response = client.post(
        reverse("screening:import", args=[screening_ipc.number]),
        {"document": _upload(igr_document(example_document, screening_id=None)), "version": "1"},
    )

    assert response.status_code == 400
    assert "/site" in _error_rows(response.content.decode())
    assert stored_state() == before


@pytest.mark.django_db
def test_import_into_a_screening_of_another_screenings_document_is_refused(
    client: Client, coordinator_ipc: User, screening_ipc: Screening, example_document: dict[str, Any]
) -> None:
    client.force_login(coordinator_ipc)
    before = stored_state()

    response = client.post(
        reverse("screening:import", args=[screening_ipc.number]),
        {"document": _upload({**example_document, "screening_id": "IPC-0099"}), "version": "1"},
    )

    assert response.status_code == 400
    assert _error_rows(response.content.decode()) == {"/screening_id": "this document is IPC-0099, not IPC-0007"}
    assert stored_state() == before


@pytest.mark.django_db
def test_import_cannot_take_over_the_other_sites_screening_by_its_number(
    client: Client, coordinator_igr: User, screening_ipc: Screening, example_document: dict[str, Any]
) -> None:
    """An IGR document naming IPC-0007 neither changes IPC-0007 nor tells more than its site."""
    client.force_login(coordinator_igr)
    before = stored_state()

    response = client.post(
        reverse("screening:import_new"), {"document": _upload(igr_document(example_document, screening_id="IPC-0007"))}
    )

    assert response.status_code == 400
    assert list(_error_rows(response.content.decode())) == ["/screening_id"]
    assert stored_state() == before


@pytest.mark.django_db
@pytest.mark.parametrize("number", ["IPC-7", "IGR-0009", "0009", "IPC-0009-A"])
def test_import_of_a_malformed_number_is_refused(
    client: Client, coordinator_ipc: User, example_document: dict[str, Any], number: str
) -> None:
    client.force_login(coordinator_ipc)

    response = client.post(
        reverse("screening:import_new"), {"document": _upload({**example_document, "screening_id": number})}
    )

    assert response.status_code == 400
    assert list(_error_rows(response.content.decode())) == ["/screening_id"]
    assert not Screening.objects.exists()


@pytest.mark.django_db
def test_import_based_on_an_old_version_is_refused_with_409_naming_who_saved(
    client: Client, coordinator_ipc: User, investigator_ipc: User, screening_ipc: Screening
) -> None:
    client.force_login(coordinator_ipc)
    exported = _export(client, screening_ipc.number)
    # inv.ipc saves while coord.ipc prepares the file opened at version 1.
    services.screening_import(
        raw={**exported, "ecog": 0},
        by=investigator_ipc,
        screening=screening_ipc,
        expected_version=1,
        reason="ECOG reassessed",
    )
    before = stored_state()

    # A reason is given: the refusal is for the version alone.
    response = client.post(
        reverse("screening:import", args=[screening_ipc.number]),
        {"document": _upload({**exported, "ecog": 1}), "version": "1", "reason_for_change": "ECOG reassessed"},
    )

    assert response.status_code == 409
    errors = _error_rows(response.content.decode())
    assert list(errors) == ["/record_version"]
    assert f"IPC-0007 was saved by {services.person_name(investigator_ipc)}" in errors["/record_version"]
    assert "nothing was stored" in errors["/record_version"]
    assert stored_state() == before
    screening_ipc.refresh_from_db()
    assert (screening_ipc.ecog, screening_ipc.version) == (0, 2)


@pytest.mark.django_db
def test_import_into_a_screening_without_the_version_it_was_based_on_is_refused(
    client: Client, coordinator_ipc: User, investigator_ipc: User, screening_ipc: Screening
) -> None:
    """As for the form: leaving the version out (of the form and of the file) must not skip
    the lock (no lost update)."""
    client.force_login(coordinator_ipc)
    exported = _export(client, screening_ipc.number)
    del exported["record_version"]
    services.screening_import(
        raw={**exported, "ecog": 0},
        by=investigator_ipc,
        screening=screening_ipc,
        expected_version=1,
        reason="ECOG reassessed",
    )
    before = stored_state()

    response = client.post(
        reverse("screening:import", args=[screening_ipc.number]),
        {"document": _upload({**exported, "ecog": 1}), "reason_for_change": "ECOG reassessed"},
    )

    screening_ipc.refresh_from_db()
    assert (screening_ipc.ecog, screening_ipc.version) == (0, 2), (
        f"inv.ipc's ECOG 0 was overwritten without a conflict (HTTP {response.status_code})"
    )
    assert response.status_code in (400, 409)
    assert stored_state() == before


@pytest.mark.django_db
def test_imported_evaluation_matches_the_command_line(
    client: Client, coordinator_ipc: User, example_document: dict[str, Any]
) -> None:
    """The web import and `manage.py screen` evaluate a document alike (same result document)."""
    client.force_login(coordinator_ipc)

    client.post(reverse("screening:import_new"), {"document": _upload(example_document)})

    stored = Evaluation.objects.get().result_document
    result, _ = exchange.screen(json.dumps(example_document), today=timezone.localdate(), file="-")
    assert stored == exchange.as_json_data(result)
