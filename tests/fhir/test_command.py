"""``manage.py fhir_labs FILE [--screening NUMBER]`` (fhir-labs.md, "Output of the command line").

One ``alter-fhir-labs/1`` JSON document on standard output; a refused input prints its
errors and exits with status 2, otherwise 0. Without ``--screening`` no database is needed
(run as a real process against a server that does not exist); with it, the screening's
stored rows count as duplicates and the identity rule applies.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from screening import services
from screening.models import Screening, User
from tests.conftest import REPO_ROOT
from tests.fhir.builders import bundle, observation, patient, quantity

NO_DATABASE = "postgres://nobody:x@127.0.0.1:1/none"
# The spec's example, as a hospital writes it: the creatinine of the example output, and a
# preliminary hemoglobin.
SPEC_INPUT: dict[str, Any] = bundle(
    patient("p1"),
    observation(
        "obs-creat-1",
        loinc="14682-9",
        when="2026-03-04T23:30:00Z",
        subject="Patient/p1",
        value=quantity(62, "umol/L", unit="µmol/L"),
    ),
    observation(
        "obs-hb-prelim", loinc="718-7", status="preliminary", subject="Patient/p1", value=quantity(11.2, "g/dL")
    ),
    type="searchset",
)
SPEC_OUTPUT: dict[str, Any] = {
    "format": "alter-fhir-labs/1",
    "proposed": [
        {
            "test": "creatinine",
            "value": 62,
            "unit": "umol/L",
            "date": "2026-03-05",
            "source": {"observation": "obs-creat-1", "loinc": "14682-9", "value": 62, "unit": "umol/L"},
        },
    ],
    "skipped": [
        {"observation": "obs-hb-prelim", "code": "not_final", "reason": "status preliminary: not yet a final result"},
    ],
}


def _file(tmp_path: Path, data: dict[str, Any] | bytes, name: str = "labs.json") -> Path:
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else json.dumps(data, ensure_ascii=False).encode())
    return path


def run(*args: str) -> tuple[dict[str, Any], int]:
    out = io.StringIO()
    status = 0
    try:
        call_command("fhir_labs", *args, stdout=out, stderr=io.StringIO())
    except CommandError as error:
        status = error.returncode
    return json.loads(out.getvalue()), status


def run_process(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(  # noqa: S603 - fixed argv, no shell
        [sys.executable, "manage.py", "fhir_labs", *args],
        cwd=REPO_ROOT,
        env={**os.environ, "DATABASE_URL": NO_DATABASE},
        input=stdin,
        capture_output=True,
        timeout=60,
        check=False,
    )


def test_the_spec_s_example(tmp_path: Path) -> None:
    assert run(str(_file(tmp_path, SPEC_INPUT))) == (SPEC_OUTPUT, 0)


def test_a_real_process_without_a_database(tmp_path: Path) -> None:
    done = run_process(str(_file(tmp_path, SPEC_INPUT)))
    assert (json.loads(done.stdout), done.returncode) == (SPEC_OUTPUT, 0)

    refused = run_process("-", stdin=json.dumps(patient()).encode())
    assert refused.returncode == 2
    assert json.loads(refused.stdout) == {
        "format": "alter-fhir-labs/1",
        "errors": [{"path": "/resourceType", "message": "a Bundle or an Observation is expected, not Patient"}],
    }


def test_a_refused_input_prints_its_errors_and_exits_2(tmp_path: Path) -> None:
    bad = bundle(observation(), {k: v for k, v in observation("b").items() if k != "status"})

    document, status = run(str(_file(tmp_path, bad)))

    assert status == 2
    assert document == {
        "format": "alter-fhir-labs/1",
        "errors": [{"path": "/entry/1/resource/status", "message": "is required"}],
    }


@pytest.mark.parametrize("content", [b"not json", b"[1, 2]"])
def test_not_json_is_refused_at_the_document(tmp_path: Path, content: bytes) -> None:
    document, status = run(str(_file(tmp_path, content)))

    assert status == 2
    assert [e["path"] for e in document["errors"]] == [""]


def test_a_file_that_cannot_be_read(tmp_path: Path) -> None:
    document, status = run(str(tmp_path / "missing.json"))

    assert status == 2
    assert document["errors"][0]["path"] == ""


def test_without_screening_another_patient_is_not_compared(tmp_path: Path) -> None:
    document, status = run(str(_file(tmp_path, bundle(patient(gender="male"), observation()))))

    assert (status, len(document["proposed"])) == (0, 1)


def test_a_proposal_with_its_uln(tmp_path: Path) -> None:
    alt = observation(
        "alt-1", loinc="1742-6", value=quantity(25, "U/L"), referenceRange=[{"high": quantity(40, "U/L")}]
    )

    document, _status = run(str(_file(tmp_path, alt)))

    assert document["proposed"] == [
        {
            "test": "alt",
            "value": 25,
            "unit": "U/L",
            "date": "2026-03-05",
            "uln": 40,
            "source": {"observation": "alt-1", "loinc": "1742-6", "value": 25, "unit": "U/L"},
        }
    ]


@pytest.mark.django_db
def test_with_screening_stored_rows_are_duplicates(
    tmp_path: Path, coordinator_ipc: User, example_document: dict[str, Any]
) -> None:
    """The example's creatinine is 68 µmol/L on 2026-03-05: the same row is a duplicate."""
    screening = Screening.objects.get(
        pk=services.screening_import(raw=example_document, by=coordinator_ipc).screening_id
    )
    data = bundle(
        patient(),
        observation("same", value=quantity(68, "umol/L")),
        observation("newer", value=quantity(70, "umol/L"), when="2026-03-09"),
    )
    path = str(_file(tmp_path, data))

    without, _ = run(path)
    document, status = run(path, "--screening", screening.number)

    assert [p["source"]["observation"] for p in without["proposed"]] == ["same", "newer"]
    assert status == 0
    assert [p["source"]["observation"] for p in document["proposed"]] == ["newer"]
    assert [(s["observation"], s["code"]) for s in document["skipped"]] == [("same", "duplicate")]


@pytest.mark.django_db
def test_with_screening_another_patient_is_refused(
    tmp_path: Path, coordinator_ipc: User, example_document: dict[str, Any]
) -> None:
    """The example's patient is a woman born 1981-07-14."""
    services.screening_import(raw=example_document, by=coordinator_ipc)
    data = bundle(patient(birth="1950-01-01"), observation(subject="Patient/p1"))

    document, status = run(str(_file(tmp_path, data)), "--screening", "IPC-0007")

    assert status == 2
    assert [e["path"] for e in document["errors"]] == ["/entry/0/resource/birthDate"]


@pytest.mark.django_db
def test_an_unknown_screening_is_an_error() -> None:
    with pytest.raises(CommandError, match="no screening IPC-0099"):
        call_command("fhir_labs", "x.json", "--screening", "IPC-0099", stdout=io.StringIO())
