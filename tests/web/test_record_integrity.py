"""Issue 8: a record that says who, what and why.

The right patient (identity check), every write naming its version (no stale export put
back), a reason for each change of a stored value, every save happening once (idempotency
keys), and a blocked save that fails fast, is rolled back and keeps what was typed.
"""

from __future__ import annotations

import copy
import io
import json
import threading
import uuid
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from pghistory.models import Events

from screening import services
from screening.models import Evaluation, LabResult, Role, SaveRequest, Screening, User
from tests.conftest import SHARED, make_user
from tests.web.conftest import stored_state, text
from tests.web.formdata import form_data

pytestmark = pytest.mark.django_db

EXAMPLE_FILE = SHARED / "examples" / "eligible-ipc-0007.json"


@pytest.fixture
def colleague(db: Any) -> User:
    return make_user("claire.ipc", Role.COORDINATOR, "IPC")


def _detail(screening: Screening) -> str:
    return reverse("screening:detail", args=[screening.number])


def _current(screening: Screening) -> Screening:
    return Screening.objects.select_related("updated_by").get(pk=screening.pk)


def _edit(document: dict[str, Any], **changes: Any) -> dict[str, Any]:
    doc = copy.deepcopy(document)
    for key, value in changes.items():
        node = doc
        *parents, last = key.split("__")
        for parent in parents:
            node = node[parent]
        node[last] = value
    return doc


def _upload(document: dict[str, Any], name: str = "IPC-0007.json") -> io.BytesIO:
    upload = io.BytesIO(json.dumps(document).encode())
    upload.name = name
    return upload


def _screen_save(tmp_path: Path, document: dict[str, Any] | Path, *options: str) -> tuple[int, list[dict[str, Any]]]:
    """``manage.py screen --save --user coord.ipc FILE``: (exit status, printed results)."""
    if isinstance(document, Path):
        path = document
    else:
        path = tmp_path / "document.json"
        path.write_text(json.dumps(document))
    out = io.StringIO()
    status = 0
    try:
        call_command("screen", "--save", "--user", "coord.ipc", *options, str(path), stdout=out, stderr=io.StringIO())
    except CommandError as error:
        status = error.returncode
    return status, [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]


# --- who the patient is -------------------------------------------------------------


@pytest.fixture
def other_patient_ipc_0007(coordinator_ipc: User, example_document: dict[str, Any]) -> Screening:
    """IPC-0007 of the issue: another patient (JB, male, born 1947) than the spec's example."""
    doc = _edit(example_document, patient__initials="JB", patient__date_of_birth="1947-05-02", patient__sex="male")
    return services.screening_import(raw=doc, by=coordinator_ipc).screening


def test_screen_save_of_the_spec_example_over_another_patient_is_refused(
    tmp_path: Path, coordinator_ipc: User, other_patient_ipc_0007: Screening
) -> None:
    before = stored_state()
    status, results = _screen_save(tmp_path, EXAMPLE_FILE)
    assert status == 2
    [error] = results[0]["errors"]
    assert error["path"] == "/patient"
    # Both identities named, so the user sees which patient is which.
    assert "JB, born 1947-05-02, male" in error["message"]
    assert "MD, born 1981-07-14, female" in error["message"]
    assert stored_state() == before


def test_screen_save_identity_correction_needs_the_flag_and_a_reason(
    tmp_path: Path, coordinator_ipc: User, other_patient_ipc_0007: Screening, example_document: dict[str, Any]
) -> None:
    doc = {**example_document, "record_version": 1}
    status, results = _screen_save(tmp_path, doc, "--confirm-identity-correction")
    assert status == 2
    assert "reason" in results[0]["errors"][0]["message"]
    status, results = _screen_save(
        tmp_path,
        doc,
        "--confirm-identity-correction",
        "--reason",
        "Initials and birth date of the wrong patient were typed",
    )
    assert status == 0
    screening = _current(other_patient_ipc_0007)
    assert (screening.initials, screening.sex, screening.version) == ("MD", "female", 2)
    contexts = [
        event.pgh_context or {}
        for event in Events.objects.filter(
            pgh_obj_model="screening.Screening", pgh_obj_id=str(screening.pk), pgh_label="update"
        )
    ]
    assert {
        "reason": "Initials and birth date of the wrong patient were typed",
        "identity_correction": True,
    }.items() <= next(c for c in contexts if "reason" in c).items()


def test_form_refuses_another_patients_identity_naming_both(
    client: Client, coordinator_ipc: User, screening_ipc: Screening, example_document: dict[str, Any]
) -> None:
    client.force_login(coordinator_ipc)
    before = stored_state()
    data = form_data(_edit(example_document, patient__initials="JB", patient__date_of_birth="1947-05-02"), version=1)
    response = client.post(_detail(screening_ipc), data)
    assert response.status_code == 409
    page = text(response.content.decode())
    assert "MD, born 1981-07-14, female" in page
    assert "JB, born 1947-05-02, female" in page
    assert 'value="JB"' in response.content.decode()  # what was typed stays on screen
    assert stored_state() == before


def test_form_identity_correction_confirmed_with_a_reason_is_stored_and_in_the_history(
    client: Client, coordinator_ipc: User, screening_ipc: Screening, example_document: dict[str, Any]
) -> None:
    client.force_login(coordinator_ipc)
    data = form_data(_edit(example_document, patient__initials="ME"), version=1)
    data.update(confirm_identity_correction="on", reason_for_change="Initials misread on the referral letter")
    response = client.post(_detail(screening_ipc), data)
    assert response.status_code == 302
    assert _current(screening_ipc).initials == "ME"
    history = text(client.get(reverse("screening:history", args=[screening_ipc.number])).content.decode())
    assert "Initials misread on the referral letter" in history
    assert "identity correction" in history


def test_filling_a_blank_identity_is_no_correction(
    client: Client, coordinator_ipc: User, example_document: dict[str, Any]
) -> None:
    screening = services.screening_import(
        raw=_edit(example_document, patient__initials=None), by=coordinator_ipc
    ).screening
    client.force_login(coordinator_ipc)
    response = client.post(_detail(screening), form_data(example_document, version=1))
    assert response.status_code == 302
    assert _current(screening).initials == "MD"


def test_site_import_of_another_patient_over_a_screening_is_refused(
    client: Client, coordinator_ipc: User, other_patient_ipc_0007: Screening, example_document: dict[str, Any]
) -> None:
    client.force_login(coordinator_ipc)
    before = stored_state()
    response = client.post(
        reverse("screening:import_new"), {"document": _upload({**example_document, "record_version": 1})}
    )
    assert response.status_code == 409
    assert "JB, born 1947-05-02, male" in text(response.content.decode())
    assert stored_state() == before


# --- no lost update by any path -------------------------------------------------------


@pytest.fixture
def stale_export(client: Client, coordinator_ipc: User, colleague: User, screening_ipc: Screening) -> dict[str, Any]:
    """The export of IPC-0007 at version 1; then a colleague saves ECOG 0 (version 2)."""
    client.force_login(coordinator_ipc)
    exported = json.loads(client.get(reverse("screening:export", args=[screening_ipc.number])).content)
    assert exported["record_version"] == 1
    services.screening_import(raw={**exported, "ecog": 0}, by=colleague, reason="ECOG re-assessed at the visit")
    assert _current(screening_ipc).version == 2
    return exported


def test_stale_export_through_the_site_import_is_refused_naming_who_saved(
    client: Client, stale_export: dict[str, Any], screening_ipc: Screening
) -> None:
    before = stored_state()
    response = client.post(reverse("screening:import_new"), {"document": _upload(stale_export)})
    assert response.status_code == 409
    page = text(response.content.decode())
    assert "Claire Test" in page and "version 2" in page
    assert stored_state() == before
    assert _current(screening_ipc).ecog == 0


def test_stale_export_through_the_screening_import_is_refused(
    client: Client, stale_export: dict[str, Any], screening_ipc: Screening
) -> None:
    before = stored_state()
    response = client.post(
        reverse("screening:import", args=[screening_ipc.number]), {"document": _upload(stale_export), "version": "2"}
    )
    assert response.status_code == 409
    assert "Claire Test" in text(response.content.decode())
    assert stored_state() == before


def test_stale_export_through_screen_save_exits_2_naming_who_saved(
    tmp_path: Path, stale_export: dict[str, Any]
) -> None:
    before = stored_state()
    status, results = _screen_save(tmp_path, stale_export)
    assert status == 2
    [error] = results[0]["errors"]
    assert error["path"] == "/record_version"
    assert "Claire Test" in error["message"] and "version 2" in error["message"]
    assert stored_state() == before


@pytest.mark.parametrize("path", ["site_import", "screen_save"])
def test_document_without_a_version_never_overwrites(
    client: Client,
    tmp_path: Path,
    coordinator_ipc: User,
    screening_ipc: Screening,
    *,
    example_document: dict[str, Any],
    path: str,
) -> None:
    before = stored_state()
    doc = {**example_document, "ecog": 0}
    if path == "site_import":
        client.force_login(coordinator_ipc)
        response = client.post(reverse("screening:import_new"), {"document": _upload(doc)})
        assert response.status_code == 409
        assert "record_version" in text(response.content.decode())
    else:
        status, results = _screen_save(tmp_path, doc)
        assert status == 2
        assert results[0]["errors"][0]["path"] == "/record_version"
    assert stored_state() == before


def test_document_without_a_version_may_create(
    tmp_path: Path, coordinator_ipc: User, example_document: dict[str, Any]
) -> None:
    status, results = _screen_save(tmp_path, example_document)
    assert status == 0
    assert Screening.objects.get(number="IPC-0007").version == 1
    # The same file again: the screening exists now, so it is refused rather than re-applied.
    status, results = _screen_save(tmp_path, example_document)
    assert status == 2


def test_fresh_export_imports_back(tmp_path: Path, coordinator_ipc: User, screening_ipc: Screening) -> None:
    exported = services.screening_document(screening=screening_ipc, with_version=True)
    status, _results = _screen_save(tmp_path, exported)
    assert status == 0
    assert _current(screening_ipc).version == 2


def test_record_version_is_checked_as_a_whole_number(
    tmp_path: Path, coordinator_ipc: User, screening_ipc: Screening, example_document: dict[str, Any]
) -> None:
    for bad in (0, -1, 1.5, "1", True):
        status, results = _screen_save(tmp_path, {**example_document, "record_version": bad})
        assert status == 2, bad
        assert [e["path"] for e in results[0]["errors"]] == ["/record_version"], bad


def test_evaluations_keep_the_document_without_its_record_version(
    coordinator_ipc: User, screening_ipc: Screening
) -> None:
    evaluation = Evaluation.objects.get(screening=screening_ipc)
    assert "record_version" not in evaluation.input_document


# --- reason for change ----------------------------------------------------------------


def _lab_index(document: dict[str, Any], test: str) -> int:
    return next(i for i, lab in enumerate(document["labs"]) if lab["test"] == test)


def _scenario(document: dict[str, Any], change: str) -> dict[str, Any]:
    doc = copy.deepcopy(document)
    creatinine = _lab_index(doc, "creatinine")
    if change == "scalar changed":
        doc["patient"]["weight_kg"] = 64.0
    elif change == "scalar cleared":
        doc["ecog"] = None
    elif change == "lab value changed":
        doc["labs"][creatinine]["value"] = 70
    elif change == "lab row deleted":
        del doc["labs"][creatinine]
    elif change == "drug deleted":
        doc["prior_therapy"]["drugs"].pop()
    elif change == "lab row added":
        doc["labs"].append({"test": "creatinine", "value": 70, "unit": "umol/L", "date": "2026-03-06"})
    elif change == "lab row inserted in the middle":
        doc["labs"].insert(2, {"test": "albumin", "value": 40, "unit": "g/L", "date": "2026-03-06"})
    elif change == "blank filled":
        doc["labs"][creatinine]["uln"] = 90
    elif change == "drug added":
        doc["prior_therapy"]["drugs"].append("carboplatin")
    return doc


NEEDS_A_REASON = ["scalar changed", "scalar cleared", "lab value changed", "lab row deleted", "drug deleted"]
NEEDS_NONE = ["lab row added", "lab row inserted in the middle", "blank filled", "drug added"]


@pytest.mark.parametrize("change", NEEDS_A_REASON)
def test_changing_a_stored_value_needs_a_reason(
    coordinator_ipc: User, screening_ipc: Screening, example_document: dict[str, Any], change: str
) -> None:
    doc = {**_scenario(example_document, change), "record_version": 1}
    before = stored_state()
    with pytest.raises(services.ReasonRequired) as refused:
        services.screening_import(raw=doc, by=coordinator_ipc)
    assert refused.value.changes
    assert stored_state() == before
    services.screening_import(raw=doc, by=coordinator_ipc, reason="Corrected from the source document")
    assert _current(screening_ipc).version == 2


@pytest.mark.parametrize("change", NEEDS_NONE)
def test_adding_or_filling_a_blank_needs_no_reason(
    coordinator_ipc: User, screening_ipc: Screening, example_document: dict[str, Any], change: str
) -> None:
    doc = {**_scenario(example_document, change), "record_version": 1}
    services.screening_import(raw=doc, by=coordinator_ipc)
    stored = services.screening_document(screening=_current(screening_ipc))
    assert stored["labs"] == doc["labs"]  # in the document's order, the inserted row in its place
    assert stored["prior_therapy"]["drugs"] == doc["prior_therapy"]["drugs"]


def test_a_row_added_in_the_middle_keeps_the_other_rows_untouched(
    coordinator_ipc: User, screening_ipc: Screening, example_document: dict[str, Any]
) -> None:
    ids_before = list(LabResult.objects.filter(screening=screening_ipc).values_list("pk", flat=True))
    doc = {**_scenario(example_document, "lab row inserted in the middle"), "record_version": 1}
    services.screening_import(raw=doc, by=coordinator_ipc)
    assert set(ids_before) <= set(LabResult.objects.filter(screening=screening_ipc).values_list("pk", flat=True))


def test_form_asks_for_the_reason_once_listing_the_changed_fields(
    client: Client, coordinator_ipc: User, screening_ipc: Screening, example_document: dict[str, Any]
) -> None:
    client.force_login(coordinator_ipc)
    doc = _scenario(_scenario(example_document, "lab value changed"), "scalar changed")
    before = stored_state()
    response = client.post(_detail(screening_ipc), form_data(doc, version=1))
    assert response.status_code == 400
    page = text(response.content.decode())
    assert "Weight (kg): 63.5 → 64" in page
    assert "creatinine, 2026-03-05): value 68 → value 70" in page
    assert stored_state() == before
    data = {**form_data(doc, version=1), "reason_for_change": "Transcription error, checked against the lab report"}
    assert client.post(_detail(screening_ipc), data).status_code == 302
    history = text(client.get(reverse("screening:history", args=[screening_ipc.number])).content.decode())
    assert history.count("Transcription error, checked against the lab report") >= 2  # the screening and the lab row


def test_form_filling_blanks_saves_without_a_reason(
    client: Client, coordinator_ipc: User, example_document: dict[str, Any]
) -> None:
    screening = services.screening_import(raw=_edit(example_document, ecog=None), by=coordinator_ipc).screening
    client.force_login(coordinator_ipc)
    assert client.post(_detail(screening), form_data(example_document, version=1)).status_code == 302
    assert _current(screening).ecog == 1


def test_screen_save_takes_the_reason_as_a_parameter(
    tmp_path: Path, coordinator_ipc: User, screening_ipc: Screening
) -> None:
    doc = {**services.screening_document(screening=screening_ipc, with_version=True), "ecog": 2}
    status, results = _screen_save(tmp_path, doc)
    assert status == 2
    assert "ECOG performance status: 1 → 2" in results[0]["errors"][0]["message"]
    status, _results = _screen_save(tmp_path, doc, "--reason", "ECOG re-assessed")
    assert status == 0
    assert _current(screening_ipc).ecog == 2


# --- every save happens once ----------------------------------------------------------


def _new_form(client: Client, example_document: dict[str, Any]) -> dict[str, str]:
    page = client.get(reverse("screening:create")).content.decode()
    key = page.split('name="save_key" value="', 1)[1].split('"', 1)[0]
    uuid.UUID(key)
    return {**form_data({**example_document, "screening_id": None}), "save_key": key}


def test_the_same_create_posted_twice_in_sequence_gives_one_screening(
    client: Client, coordinator_ipc: User, example_document: dict[str, Any]
) -> None:
    client.force_login(coordinator_ipc)
    data = _new_form(client, example_document)
    first = client.post(reverse("screening:create"), data)
    second = client.post(reverse("screening:create"), data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Screening.objects.count() == 1
    assert Evaluation.objects.count() == 1
    followed = client.get(second["Location"])
    assert "it was not stored a second time" in text(followed.content.decode())


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_same_create_posted_twice_in_parallel_gives_one_screening(
    coordinator_ipc: User, example_document: dict[str, Any]
) -> None:
    browser = Client()
    browser.force_login(coordinator_ipc)
    data = _new_form(browser, example_document)
    responses: list[Any] = []
    barrier = threading.Barrier(2)

    def post() -> None:
        client = Client()
        client.force_login(coordinator_ipc)
        barrier.wait()
        try:
            responses.append(client.post(reverse("screening:create"), data))
        finally:
            connections.close_all()  # this thread's own connection

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [r.status_code for r in responses] == [302, 302]
    assert responses[0]["Location"] == responses[1]["Location"]
    assert Screening.objects.count() == 1
    assert SaveRequest.objects.count() == 1


def test_a_double_submitted_update_is_recognised_as_ones_own(
    client: Client, coordinator_ipc: User, screening_ipc: Screening, example_document: dict[str, Any]
) -> None:
    client.force_login(coordinator_ipc)
    data = {
        **form_data(_edit(example_document, ecog=0), version=1),
        "save_key": str(uuid.uuid4()),
        "reason_for_change": "ECOG re-assessed",
    }
    assert client.post(_detail(screening_ipc), data).status_code == 302
    again = client.post(_detail(screening_ipc), data, follow=True)
    assert again.status_code == 200
    page = text(again.content.decode())
    assert "it was not stored a second time" in page
    assert "saved this screening" not in page
    assert _current(screening_ipc).version == 2
    assert Evaluation.objects.filter(screening=screening_ipc).count() == 2


def test_own_save_from_another_tab_is_named_as_ones_own(
    client: Client, coordinator_ipc: User, screening_ipc: Screening, example_document: dict[str, Any]
) -> None:
    client.force_login(coordinator_ipc)
    first_tab = {
        **form_data(_edit(example_document, ecog=0), version=1),
        "save_key": str(uuid.uuid4()),
        "reason_for_change": "ECOG re-assessed",
    }
    second_tab = {
        **form_data(_edit(example_document, ecog=2), version=1),
        "save_key": str(uuid.uuid4()),
        "reason_for_change": "ECOG re-assessed",
    }
    assert client.post(_detail(screening_ipc), first_tab).status_code == 302
    response = client.post(_detail(screening_ipc), second_tab)
    assert response.status_code == 409
    assert "You saved this screening" in text(response.content.decode())


def test_a_colleagues_save_in_between_is_named(
    client: Client, coordinator_ipc: User, colleague: User, screening_ipc: Screening, example_document: dict[str, Any]
) -> None:
    services.screening_import(
        raw={**example_document, "ecog": 0, "record_version": 1}, by=colleague, reason="ECOG re-assessed"
    )
    client.force_login(coordinator_ipc)
    response = client.post(_detail(screening_ipc), form_data(_edit(example_document, ecog=2), version=1))
    assert response.status_code == 409
    assert "Claire Test saved this screening" in text(response.content.decode())


def test_a_save_key_of_another_screening_is_refused(
    coordinator_ipc: User, screening_ipc: Screening, example_document: dict[str, Any]
) -> None:
    key = uuid.uuid4()
    other = services.screening_import(
        raw={**example_document, "screening_id": None}, by=coordinator_ipc, save_key=key
    ).screening
    assert other != screening_ipc
    doc = services.screening_document(screening=screening_ipc, with_version=True)
    with pytest.raises(services.SaveKeyReused):
        services.screening_import(raw=doc, by=coordinator_ipc, save_key=key)


@pytest.mark.parametrize("page", ["form", "import"])
def test_a_save_key_of_another_screening_is_said_on_the_page(
    client: Client, coordinator_ipc: User, screening_ipc: Screening, example_document: dict[str, Any], page: str
) -> None:
    """A page whose key already saved another screening (a copied page): a 409 that says to
    reload, not an error page, and nothing stored."""
    key = uuid.uuid4()
    services.screening_import(raw={**example_document, "screening_id": None}, by=coordinator_ipc, save_key=key)
    client.force_login(coordinator_ipc)
    before = stored_state()

    if page == "form":
        data = {**form_data(_edit(example_document, ecog=1), version=1), "save_key": str(key)}
        response = client.post(_detail(screening_ipc), data)
    else:
        document = services.screening_document(screening=screening_ipc, with_version=True)
        upload = io.BytesIO(json.dumps(document).encode())
        upload.name = "screening.json"
        response = client.post(
            reverse("screening:import", args=[screening_ipc.number]),
            {"document": upload, "version": "1", "save_key": str(key)},
        )

    assert response.status_code == 409
    assert "This form was already used for another save: reload the page." in text(response.content.decode())
    assert stored_state() == before


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_form_save_blocked_by_a_lock_fails_fast_keeps_the_input_and_stores_nothing(
    example_document: dict[str, Any],
) -> None:
    coordinator = make_user("coord.ipc", Role.COORDINATOR, "IPC")
    screening = services.screening_import(raw=example_document, by=coordinator).screening
    client = Client()
    client.force_login(coordinator)
    before = stored_state()
    settings_dict = connection.settings_dict
    holder = psycopg.connect(
        host=settings_dict["HOST"],
        port=settings_dict["PORT"] or 5432,
        dbname=settings_dict["NAME"],
        user=settings_dict["USER"],
        password=settings_dict["PASSWORD"],
    )
    try:
        with holder.cursor() as cursor:
            cursor.execute("SELECT 1 FROM screening_screening WHERE id = %s FOR UPDATE", [screening.pk])
            with connection.cursor() as ours:
                ours.execute("SET lock_timeout = '300ms'")
            data = {**form_data(_edit(example_document, ecog=0), version=1), "reason_for_change": "ECOG re-assessed"}
            response = client.post(_detail(screening), data)
    finally:
        holder.rollback()
        holder.close()
        with connection.cursor() as ours:
            ours.execute("RESET lock_timeout")
    assert response.status_code == 503
    page = response.content.decode()
    assert "nothing was saved" in text(page)
    assert "ECOG re-assessed" in page  # the typed reason is still there to save again
    assert stored_state() == before


# --- re-screening -----------------------------------------------------------------------


def test_rescreen_page_of_an_eligible_screening_offers_no_form(
    client: Client, coordinator_ipc: User, screening_ipc: Screening
) -> None:
    client.force_login(coordinator_ipc)
    before = stored_state()
    page = client.get(reverse("screening:rescreen", args=[screening_ipc.number])).content.decode()
    assert 'data-testid="rescreen-refused"' in page
    assert 'data-testid="rescreen-form"' not in page
    assert stored_state() == before
