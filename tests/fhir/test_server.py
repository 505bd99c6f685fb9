"""Lab results fetched from a FHIR server (fhir-labs.md, "Approval"; screening/fhir/server.py).

Against a real FHIR server started on loopback (tests/fhir/local_server.py), serving a
recorded hospital's resources: the patient is found by identifier, then their
Observations of the table's LOINC codes from the last 60 days (search parameters
``patient``, ``code``, ``date``); the client (fhirpy) follows the server's pages. The
coordinator then approves as for a file; the identifier is kept nowhere.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator
from typing import Any, Final

import pytest
from django.core import signing
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import Settings

from screening import services
from screening.fhir import tables
from screening.fhir.labs import labs_from_fhir
from screening.fhir.server import FetchFailed, fetch_recent_labs
from screening.management.commands.seed_demo import demo_document
from screening.models import LabResult, LabResultSource, Screening, User
from tests.fhir.builders import PARIS
from tests.fhir.local_server import FhirServer, load
from tests.web.conftest import stored_state

RECORDED_ON: Final = datetime.date(2026, 3, 10)
IPP: Final = "8001234"


@pytest.fixture
def hospital() -> Iterator[FhirServer]:
    """The recording as it was on the day it was made."""
    with FhirServer(load("hospital-server.json", today=RECORDED_ON)) as server:
        yield server


def _ids(bundle: dict[str, Any]) -> list[str]:
    return [entry["resource"]["id"] for entry in bundle["entry"]]


def test_the_patient_s_recent_lab_observations(hospital: FhirServer) -> None:
    bundle = fetch_recent_labs(base_url=hospital.base_url, identifier=IPP, today=RECORDED_ON, timeout=5)

    # Not the sodium (another LOINC code), not the creatinine of December (over 60 days),
    # not the other patient's; the platelets came on the server's second page.
    assert _ids(bundle) == ["pat-8001", "lab-creat-0308", "lab-alt-0308", "lab-plt-0308", "lab-hb-0309"]
    assert bundle["type"] == "collection"


def test_the_searches_are_by_identifier_then_patient_code_and_date(hospital: FhirServer) -> None:
    fetch_recent_labs(
        base_url=hospital.base_url, identifier=f"urn:oid:1.2.250.1.213.1.4.8|{IPP}", today=RECORDED_ON, timeout=5
    )

    (patients_path, patients), (observations_path, first_page), (_path, second_page) = hospital.requests
    assert (patients_path, patients["identifier"]) == ("/fhir/Patient", [f"urn:oid:1.2.250.1.213.1.4.8|{IPP}"])
    assert observations_path == "/fhir/Observation"
    assert first_page["patient"] == ["pat-8001"]
    assert first_page["date"] == ["ge2026-01-09"]  # 60 days before 2026-03-10
    assert first_page["code"] == [",".join(f"http://loinc.org|{code}" for code in tables.LOINC_TESTS)]
    assert second_page["_offset"] == ["2"]


def test_the_fetched_bundle_maps_like_a_file(hospital: FhirServer) -> None:
    bundle = fetch_recent_labs(base_url=hospital.base_url, identifier=IPP, today=RECORDED_ON, timeout=5)

    result = labs_from_fhir(json.dumps(bundle), today=RECORDED_ON, zone=PARIS).as_json()

    assert [(p["test"], p["value"], p["unit"], p["date"], p.get("uln")) for p in result["proposed"]] == [
        ("creatinine", 70, "umol/L", "2026-03-08", None),
        ("alt", 30, "IU/L", "2026-03-08", 40),
        ("platelets", 245, "10^9/L", "2026-03-08", None),
    ]
    assert [(s["observation"], s["code"]) for s in result["skipped"]] == [("lab-hb-0309", "not_final")]


@pytest.mark.parametrize(("identifier", "says"), [("0000000", "knows no patient"), ("7003", "several patients")])
def test_no_patient_or_several(hospital: FhirServer, identifier: str, says: str) -> None:
    with pytest.raises(FetchFailed, match=says):
        fetch_recent_labs(base_url=hospital.base_url, identifier=identifier, today=RECORDED_ON, timeout=5)


def test_a_server_that_does_not_answer() -> None:
    with FhirServer([]) as server:
        url = server.base_url
    with pytest.raises(FetchFailed, match="ConnectionError"):
        fetch_recent_labs(base_url=url, identifier=IPP, today=RECORDED_ON, timeout=2)


# --- in the browser ---------------------------------------------------------------------


@pytest.fixture
def hospital_today(settings: Settings) -> Iterator[FhirServer]:
    """The recording moved to today, configured as the application's FHIR server."""
    with FhirServer(load("hospital-server.json", today=timezone.localdate())) as server:
        settings.FHIR_BASE_URL = server.base_url
        yield server


@pytest.fixture
def screening_today(coordinator_ipc: User) -> Screening:
    """A screening dated around today, of the recorded patient (a woman born 1981-07-14)."""
    doc = demo_document(site="IPC", initials="MD", planned=timezone.localdate() + datetime.timedelta(days=3))
    doc["patient"]["date_of_birth"] = "1981-07-14"
    return Screening.objects.get(pk=services.screening_import(raw=doc, by=coordinator_ipc).screening_id)


@pytest.mark.django_db
def test_fetch_approve_and_keep_no_identifier(
    client: Client, coordinator_ipc: User, screening_today: Screening, hospital_today: FhirServer
) -> None:
    client.force_login(coordinator_ipc)
    detail = client.get(reverse("screening:detail", args=[screening_today.number])).content.decode()
    assert 'data-testid="fhir-fetch"' in detail
    before = stored_state()

    page = client.post(reverse("screening:fhir_labs_fetch", args=[screening_today.number]), {"identifier": IPP})

    assert page.status_code == 200
    assert stored_state() == before
    assert [row["proposal"].source.observation for row in page.context["rows"]] == [
        "lab-creat-0308",
        "lab-alt-0308",
        "lab-plt-0308",
    ]
    payload = signing.loads(page.context["payload"], salt="screening.fhir_import")
    assert IPP not in json.dumps(payload)
    data = {
        "payload": page.context["payload"],
        "version": str(page.context["version"]),
        "save_key": str(page.context["save_key"]),
        "approve_all": "",
    }
    for i, row in enumerate(page.context["rows"]):
        for name in ("value", "unit", "uln", "date"):
            value = row["form"][name].value()
            data[f"proposal-{i}-{name}"] = "" if value is None else str(value)

    saved = client.post(reverse("screening:fhir_labs_approve", args=[screening_today.number]), data)

    assert saved.status_code == 302
    sources = list(LabResultSource.objects.filter(screening=screening_today).order_by("lab__position"))
    assert [(s.observation, s.origin_kind, s.origin) for s in sources] == [
        ("lab-creat-0308", "server", hospital_today.base_url),
        ("lab-alt-0308", "server", hospital_today.base_url),
        ("lab-plt-0308", "server", hospital_today.base_url),
    ]
    assert LabResult.objects.filter(screening=screening_today).count() == 8 + 3
    # The identifier was sent to the hospital's server only: no table holds it.
    with connection.cursor() as cursor:
        cursor.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
        for (table,) in cursor.fetchall():
            cursor.execute(f'SELECT count(*) FROM "{table}" WHERE "{table}"::text LIKE %s', [f"%{IPP}%"])  # noqa: S608
            assert cursor.fetchone() == (0,), table


@pytest.mark.django_db
def test_fetch_of_another_patient_is_refused(
    client: Client, coordinator_ipc: User, screening_today: Screening, hospital_today: FhirServer
) -> None:
    client.force_login(coordinator_ipc)
    before = stored_state()

    page = client.post(reverse("screening:fhir_labs_fetch", args=[screening_today.number]), {"identifier": "9002345"})

    assert page.status_code == 400
    assert [path for path, _ in page.context["errors"]] == ["/entry/0/resource/birthDate", "/entry/0/resource/gender"]
    assert stored_state() == before


@pytest.mark.django_db
def test_fetch_with_an_unknown_identifier(
    client: Client, coordinator_ipc: User, screening_today: Screening, hospital_today: FhirServer
) -> None:
    client.force_login(coordinator_ipc)

    page = client.post(reverse("screening:fhir_labs_fetch", args=[screening_today.number]), {"identifier": "0000000"})

    assert page.status_code == 502
    assert "knows no patient with this identifier" in page.content.decode()
