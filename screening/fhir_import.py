"""Lab results from a FHIR input, proposed for one screening (fhir-labs.md, "Approval").

The mapping itself is ``screening.fhir`` (no Django); this module gives it the screening's
rows, patient, today's date and time zone, checks each proposal as the exchange format
would check it once stored, and carries the proposals from the page that shows them to
the approval: nothing is stored before approval, so they travel in the page itself,
signed (``django.core.signing``) so that what is approved is what was received.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any, Final

from django.conf import settings
from django.core import signing
from django.utils import timezone
from django.utils.translation import gettext as _

from screening import exchange, selectors, services
from screening.errors import DomainError
from screening.fhir import labs, server
from screening.fhir.text import Text
from screening.models import LabSourceKind, Screening

_SALT: Final = "screening.fhir_import"
# Long enough to check a report and correct a ULN; an older page is uploaded again.
PAYLOAD_MAX_AGE_SECONDS: Final = 4 * 3600


class PayloadRefused(DomainError):
    """The proposals of this page expired or were altered: import the file again."""

    code = "payload_refused"


@dataclass
class Review:
    """The proposals and skips of one input for one screening, as the approval page shows them."""

    number: str
    origin_kind: str
    origin: str
    proposed: list[labs.Proposal]
    skipped: list[labs.Skip]
    problems: dict[int, list[tuple[str | None, str]]] = field(default_factory=dict)


def review_input(*, screening: Screening, raw: bytes | dict[str, Any], origin_kind: str, origin: str) -> Review:
    """The proposals of a FHIR input for ``screening``, or ``labs.RefusedInput``
    (malformed, or about another patient)."""
    result = labs.labs_from_fhir(
        raw,
        today=timezone.localdate(),
        zone=timezone.get_default_timezone(),
        on_file=selectors.labs_on_file(screening),
        patient=selectors.patient_on_file(screening),
    )
    review = Review(
        number=screening.number,
        origin_kind=origin_kind,
        origin=origin,
        proposed=result.proposed,
        skipped=result.skipped,
    )
    review.problems = problems(screening, [proposal_row(p) for p in review.proposed])
    return review


def fetch_from_server(*, screening: Screening, identifier: str) -> Review:
    """The same, for the patient's recent Observations on the configured FHIR server
    (``server.FetchFailed`` when it does not give them). The identifier is used for the
    searches only: it is in nothing returned or stored."""
    bundle = server.fetch_recent_labs(
        base_url=settings.FHIR_BASE_URL,
        identifier=identifier,
        today=timezone.localdate(),
        timeout=settings.FHIR_TIMEOUT_SECONDS,
    )
    return review_input(
        screening=screening, raw=bundle, origin_kind=LabSourceKind.SERVER, origin=settings.FHIR_BASE_URL
    )


def proposal_row(proposal: labs.Proposal) -> dict[str, Any]:
    return {
        "test": proposal.test,
        "value": proposal.value,
        "unit": proposal.unit,
        "uln": proposal.uln,
        "date": proposal.date,
    }


def problems(screening: Screening, rows: list[dict[str, Any]]) -> dict[int, list[tuple[str | None, str]]]:
    """What the exchange format would refuse of each row, were they all added to the
    screening: (field, message) by row index."""
    document = services.screening_document(screening=screening)
    first = len(document["labs"])
    document["labs"] = [
        *document["labs"],
        *(
            {k: (v.isoformat() if isinstance(v, datetime.date) else v) for k, v in row.items() if v is not None}
            for row in rows
        ),
    ]
    try:
        exchange.parse_screening(document, today=timezone.localdate(), known_sites=services.known_site_codes())
    except exchange.RefusedDocument as refused:
        return services.lab_rows_refusal(refused.errors, first=first).by_row
    return {}


def sign(review: Review) -> str:
    return signing.dumps(
        {
            "number": review.number,
            "origin_kind": review.origin_kind,
            "origin": review.origin,
            "proposed": [p.as_json() for p in review.proposed],
            "skipped": [
                {
                    "observation": s.observation,
                    "code": s.code,
                    "template": s.reason.template,
                    "params": dict(s.reason.params),
                }
                for s in review.skipped
            ],
        },
        salt=_SALT,
        compress=True,
    )


def unsign(token: str, *, screening: Screening) -> Review:
    try:
        data = signing.loads(token, salt=_SALT, max_age=PAYLOAD_MAX_AGE_SECONDS)
    except signing.BadSignature:
        raise PayloadRefused(_("These proposals expired or were altered: import the lab results again.")) from None
    if data["number"] != screening.number:
        raise PayloadRefused(_("These proposals are of another screening: import the lab results again."))
    proposed = [
        labs.Proposal(
            test=p["test"],
            value=p["value"],
            unit=p["unit"],
            date=datetime.date.fromisoformat(p["date"]),
            uln=p.get("uln"),
            source=labs.Source(**p["source"]),
        )
        for p in data["proposed"]
    ]
    skipped = [
        labs.Skip(observation=s["observation"], code=s["code"], reason=Text(s["template"], s["params"]))
        for s in data["skipped"]
    ]
    return Review(
        number=data["number"],
        origin_kind=data["origin_kind"],
        origin=data["origin"],
        proposed=proposed,
        skipped=skipped,
    )


def number_text(value: float) -> str:
    """A received number as written (``62``, ``11.2``): kept in the source as text."""
    return str(value)
