"""``screen`` and ``screen --save`` agree on whether a document is valid (issue 9, point 3).

The validation of a document is one: what ``screen`` accepts, ``--save`` stores (the
largest documents the limits allow included, without a database error), and what
``--save`` refuses as invalid, ``screen`` refuses too. Formerly `"drugs": [""]` passed
``screen`` and then broke a database check on import, and initials over 12 characters or
drug names over 200 were refused by the save only.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from screening.models import LabResult, PriorDrug, Screening, User
from screening.rules.document import DRUG_NAME_MAX_CHARS, DRUGS_MAX, LABS_MAX, PREGNANCY_TESTS_MAX, TUMOUR_SAMPLES_MAX
from tests.exchange.conftest import example, example_with


def _largest(number: str) -> dict[str, Any]:
    """The example grown to every limit: lists full, names and initials at their longest."""
    doc = example_with({"/screening_id": number, "/patient/initials": "ÉA-BC"})
    doc["labs"] = (doc["labs"] * LABS_MAX)[:LABS_MAX]
    doc["tumour_samples"] = doc["tumour_samples"] * TUMOUR_SAMPLES_MAX
    doc["reproductive"]["pregnancy_tests"] = doc["reproductive"]["pregnancy_tests"] * PREGNANCY_TESTS_MAX
    doc["prior_therapy"]["drugs"] = [f"{i:03d}" + "é" * (DRUG_NAME_MAX_CHARS - 3) for i in range(DRUGS_MAX)]
    return doc


DOCUMENTS: dict[str, dict[str, Any]] = {
    "largest": _largest("IPC-0101"),
    "six-digit-number": example_with({"/screening_id": "IPC-999999"}),
    # The planned randomization date as late as allowed (today + 2 years) is set at run time.
    "edges": example_with(
        {
            "/screening_id": "IPC-0102",
            "/labs/4/uln": 1000,
            "/labs/4/value": 1000,
            "/patient/initials": "m",
            "/lvef/date": "1900-01-01",
        }
    ),
    "empty-drug": example_with({"/screening_id": "IPC-0103", "/prior_therapy": {"drugs": [""]}}),
    "long-drug": example_with({"/screening_id": "IPC-0104", "/prior_therapy/drugs/0": "x" * 201}),
    "long-initials": example_with({"/screening_id": "IPC-0105", "/patient/initials": "A" * 13}),
    "six-initials": example_with({"/screening_id": "IPC-0106", "/patient/initials": "ABCDEF"}),
    "template-initials": example_with({"/screening_id": "IPC-0107", "/patient/initials": "{{7*7}}"}),
    "zero-number": example_with({"/screening_id": "IPC-0000"}),
    "arabic-number": example_with({"/screening_id": "IPC-0\u0660\u0660\u06601"}),
    "61-labs": example_with({"/screening_id": "IPC-0108", "/labs": example()["labs"][:1] * 61}),
    "uln-1e308": example_with({"/screening_id": "IPC-0109", "/labs/4/uln": 1e308}),
    "nul": example_with({"/screening_id": "IPC-0110", "/prior_therapy/drugs/0": "a\x00b"}),
    "old-assessment": example_with({"/screening_id": "IPC-0111", "/assessment_date": "0001-01-01"}),
}


def _run(*args: str) -> tuple[list[dict[str, Any]], int]:
    out = io.StringIO()
    status = 0
    try:
        call_command("screen", *args, stdout=out, stderr=io.StringIO())
    except CommandError as error:
        status = error.returncode
    return [json.loads(line) for line in out.getvalue().splitlines()], status


@pytest.mark.django_db
def test_screen_and_screen_save_agree_on_every_document(tmp_path: Path, coordinator_ipc: User) -> None:
    today = timezone.localdate()
    latest = (
        today.replace(year=today.year + 2)
        if (today.month, today.day) != (2, 29)
        else today.replace(year=today.year + 2, day=28)
    )
    documents = {**DOCUMENTS, "edges": {**DOCUMENTS["edges"], "planned_randomization_date": latest.isoformat()}}
    files = []
    for name, doc in documents.items():
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(doc), encoding="utf-8")
        files.append(str(path))
    screened, _ = _run(*files)
    saved, status = _run("--save", "--user", coordinator_ipc.username, *files)
    assert status == 2
    valid = {name: "errors" not in line for name, line in zip(documents, screened, strict=True)}
    stored = {name: "errors" not in line for name, line in zip(documents, saved, strict=True)}
    assert stored == valid
    assert {name for name, ok in valid.items() if ok} == {"largest", "six-digit-number", "edges"}
    for name, line in zip(documents, screened, strict=True):
        if not valid[name]:
            saved_line = saved[list(documents).index(name)]
            assert [e["path"] for e in saved_line["errors"]] == [e["path"] for e in line["errors"]], name


@pytest.mark.django_db
def test_largest_allowed_screening_is_stored_whole(tmp_path: Path, coordinator_ipc: User) -> None:
    path = tmp_path / "largest.json"
    path.write_text(json.dumps(DOCUMENTS["largest"]), encoding="utf-8")
    (line,), status = _run("--save", "--user", coordinator_ipc.username, str(path))
    assert status == 0, line
    screening = Screening.objects.get(number="IPC-0101")
    assert screening.initials == "ÉA-BC"
    assert LabResult.objects.filter(screening=screening).count() == LABS_MAX
    assert PriorDrug.objects.filter(screening=screening).count() == DRUGS_MAX
