"""A patient's recent lab Observations from a FHIR R4 server, fetched with fhirpy.

Spec (fhir-labs.md, "Approval"; issue 13): where a server is configured, a coordinator
enters the patient's identifier at the hospital (the IPP); the patient is searched by it
(``Patient?identifier=``), then their Observations of the table's LOINC codes from the last
60 days (``Observation?patient=&code=&date=ge``). Both are put in one collection Bundle,
which then goes through exactly the same reading and mapping as an uploaded file. The
identifier is used for the searches only: it is in no result of this module.
"""

from __future__ import annotations

import datetime
from typing import Any, Final

import requests
from fhirpy import SyncFHIRClient
from fhirpy.base.exceptions import BaseFHIRError

from screening.fhir import tables
from screening.fhir.text import Text, gettext_noop

# Spec: "the last 60 days".
RECENT_DAYS: Final = 60
_PAGE_SIZE: Final = 200


class FetchFailed(Exception):  # noqa: N818 - a failed fetch, said to the coordinator
    def __init__(self, text: Text) -> None:
        super().__init__(text.render())
        self.text = text


def since(today: datetime.date) -> datetime.date:
    return today - datetime.timedelta(days=RECENT_DAYS)


def fetch_recent_labs(*, base_url: str, identifier: str, today: datetime.date, timeout: float) -> dict[str, Any]:
    """A collection Bundle: the patient found by ``identifier`` and their Observations of
    the table's LOINC codes dated from :func:`since` on. :class:`FetchFailed` when the
    server cannot be reached, refuses, or does not find exactly one patient."""
    client = SyncFHIRClient(
        base_url.rstrip("/"), requests_config={"timeout": timeout}, extra_headers={"Accept": "application/fhir+json"}
    )
    try:
        patients = client.resources("Patient").search(identifier=identifier).limit(2).fetch()
        if not patients:
            raise FetchFailed(Text(gettext_noop("The FHIR server knows no patient with this identifier.")))
        if len(patients) > 1:
            raise FetchFailed(
                Text(
                    gettext_noop(
                        "The FHIR server has several patients with this "
                        "identifier: give the identifier with its system "
                        "(system|value)."
                    )
                )
            )
        patient = patients[0]
        codes = ",".join(f"{tables.LOINC_SYSTEM}|{code}" for code in tables.loinc_codes())
        observations = (
            client.resources("Observation")
            .search(patient=patient.id, code=codes, date__ge=since(today).isoformat())
            .limit(_PAGE_SIZE)
            .fetch_all()
        )
    except (requests.RequestException, BaseFHIRError, ValueError) as exc:
        # ValueError: an answer that is not JSON. The message names the kind of failure only:
        # a server's text may repeat the identifier.
        raise FetchFailed(
            Text(
                gettext_noop("The FHIR server did not give the lab results (%(error)s); nothing was fetched."),
                {"error": type(exc).__name__},
            )
        ) from None
    base = base_url.rstrip("/")
    entries = [{"fullUrl": f"{base}/Patient/{patient.id}", "resource": _plain(patient)}]
    entries += [{"fullUrl": f"{base}/Observation/{o.id}", "resource": _plain(o)} for o in observations]
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


def _plain(resource: Any) -> dict[str, Any]:
    """A fetched resource as plain JSON data (fhirpy's resources are dicts of its own kind)."""
    plain: dict[str, Any] = resource.serialize()
    return plain
