"""FHIR R4 inputs for the lab-import tests, as plain JSON data (fhir-labs.md).

``observation()`` is a final serum creatinine of 62 µmol/L sampled on 2026-03-05 in
Paris, as a hospital system writes it (LOINC, UCUM); each test changes what it is about.
``labs()`` runs the mapping with a fixed today and the default time zone.
"""

from __future__ import annotations

import datetime
import json
from typing import Any, Final
from zoneinfo import ZoneInfo

from screening.fhir.labs import LabProposals, LabsOnFile, PatientOnFile, labs_from_fhir
from screening.fhir.reading import InputError, RefusedInput

LOINC: Final = "http://loinc.org"
UCUM: Final = "http://unitsofmeasure.org"
PARIS: Final = ZoneInfo("Europe/Paris")
TODAY: Final = datetime.date(2026, 11, 25)

_DROP: Final = object()


def quantity(
    value: Any = 62, code: str | None = "umol/L", *, unit: str | None = None, system: str | None = UCUM, **extra: Any
) -> dict[str, Any]:
    """A valueQuantity: UCUM by default (``unit`` printed as the code unless given)."""
    q: dict[str, Any] = {"value": value}
    if unit is not None or code is not None:
        q["unit"] = unit if unit is not None else code
    if system is not None:
        q["system"] = system
    if code is not None and system is not None:
        q["code"] = code
    return {**q, **extra}


def printed(value: Any, unit: str) -> dict[str, Any]:
    """A valueQuantity with a printed unit only (no UCUM system)."""
    return {"value": value, "unit": unit}


def observation(
    id: str | None = "obs-1",
    *,
    loinc: str | list[str] = "14682-9",
    status: str = "final",  # noqa: A002
    value: Any = _DROP,
    when: str | None = "2026-03-05T08:30:00+01:00",
    subject: str | dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    codes = [loinc] if isinstance(loinc, str) else loinc
    obs: dict[str, Any] = {
        "resourceType": "Observation",
        "status": status,
        "code": {"coding": [{"system": LOINC, "code": c} for c in codes]},
    }
    if id is not None:
        obs["id"] = id
    if subject is not None:
        obs["subject"] = {"reference": subject} if isinstance(subject, str) else subject
    if when is not None:
        obs["effectiveDateTime"] = when
    obs["valueQuantity"] = quantity() if value is _DROP else value
    if obs["valueQuantity"] is None:
        del obs["valueQuantity"]
    obs.update(extra)
    return {k: v for k, v in obs.items() if v is not _DROP}


def patient(
    id: str = "p1",
    *,
    birth: str | None = "1981-07-14",
    gender: str | None = "female",  # noqa: A002
    **extra: Any,
) -> dict[str, Any]:
    resource: dict[str, Any] = {"resourceType": "Patient", "id": id, **extra}
    if birth is not None:
        resource["birthDate"] = birth
    if gender is not None:
        resource["gender"] = gender
    return resource


def bundle(*resources: dict[str, Any], type: str = "collection", full_urls: bool = False) -> dict[str, Any]:  # noqa: A002
    entries = []
    for r in resources:
        entry: dict[str, Any] = {"resource": r}
        if full_urls and "id" in r:
            entry["fullUrl"] = f"urn:uuid:{r['resourceType'].lower()}-{r['id']}"
        entries.append(entry)
    return {"resourceType": "Bundle", "type": type, "entry": entries}


def labs(
    data: dict[str, Any] | str | bytes,
    *,
    today: datetime.date = TODAY,
    zone: ZoneInfo = PARIS,
    on_file: LabsOnFile | None = None,
    patient: PatientOnFile | None = None,
) -> LabProposals:
    raw = data if isinstance(data, str | bytes) else json.dumps(data, ensure_ascii=False)
    return labs_from_fhir(raw, today=today, zone=zone, on_file=on_file, patient=patient)


def output(data: dict[str, Any], **options: Any) -> dict[str, Any]:
    """The command line's document for ``data`` (proposed and skipped as JSON)."""
    return labs(data, **options).as_json()


def refused(data: dict[str, Any] | str | bytes, **options: Any) -> list[InputError]:
    try:
        labs(data, **options)
    except RefusedInput as refusal:
        return refusal.errors
    raise AssertionError("the input was not refused")


def paths(data: dict[str, Any] | str | bytes, **options: Any) -> list[str]:
    return [e.path for e in refused(data, **options)]


def one(data: dict[str, Any], **options: Any) -> dict[str, Any]:
    """The single proposal or skip of an input of one Observation."""
    result = output(data, **options)
    rows = result["proposed"] + result["skipped"]
    assert len(rows) == 1, rows
    return rows[0]


def skip_code(data: dict[str, Any], **options: Any) -> str | None:
    """The skip code of the single Observation of ``data`` (None: it was proposed)."""
    row = one(data, **options)
    return row.get("code")
