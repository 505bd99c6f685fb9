"""The result document `alter-screening-result/1` (exchange-format.md, "Result format"), the
refusal printed in a refused document's place, and :func:`screen`: one document in, its
result or refusal out, as ``manage.py screen`` prints it."""

from __future__ import annotations

import datetime
from collections.abc import Collection
from typing import Any, Final

import msgspec

from screening.exchange.checks import DEFAULT_SITE_CODES
from screening.exchange.messages import DocumentError, printable
from screening.exchange.parse import RefusedDocument, parse_screening
from screening.rules.document import ScreeningDocument
from screening.rules.outcome import Outcome
from screening.rules.ruleset import DEFAULT, EligibilityResult, evaluate

RESULT_FORMAT: Final = "alter-screening-result/1"

_ENCODER: Final = msgspec.json.Encoder()


class ScreeningResult(msgspec.Struct, kw_only=True):
    """An `alter-screening-result/1` document (exchange-format.md, "Result format")."""

    format: str = RESULT_FORMAT
    ruleset: str
    screening_id: str | None
    status: str
    reference_date: datetime.date
    valid_until: datetime.date | None
    wocbp: bool | None
    crcl_ml_min: float | None
    failed: list[str]
    missing: list[str]
    criteria: list[Outcome]


def result_document(evaluation: EligibilityResult, *, screening_id: str | None) -> ScreeningResult:
    """The result document of an evaluation (``encode`` it, or ``as_json_data`` to store it)."""
    return ScreeningResult(
        ruleset=evaluation.ruleset,
        screening_id=screening_id,
        status=evaluation.status,
        reference_date=evaluation.reference_date,
        valid_until=evaluation.valid_until,
        wocbp=evaluation.wocbp,
        crcl_ml_min=evaluation.crcl_ml_min,
        failed=list(evaluation.failed),
        missing=list(evaluation.missing),
        criteria=[o for _, o in evaluation.outcomes],
    )


def as_json_data(document: ScreeningResult | dict[str, Any]) -> Any:
    """A result or refusal as plain JSON data (dicts, lists, strings, numbers)."""
    return msgspec.to_builtins(document)


def refused_document(errors: list[DocumentError], *, file: str) -> dict[str, Any]:
    """The refusal printed in a refused document's place (a file name that is not text, as
    POSIX allows, shown with its undecodable bytes escaped)."""
    return {
        "format": RESULT_FORMAT,
        "file": printable(file),
        "errors": [{"path": printable(e.path), "message": printable(e.message)} for e in errors],
    }


def encode(document: ScreeningResult | dict[str, Any]) -> bytes:
    """A result or refusal as one line of JSON (no newline)."""
    return _ENCODER.encode(document)


def screen(
    raw: bytes | str,
    *,
    today: datetime.date,
    file: str,
    known_sites: Collection[str] = DEFAULT_SITE_CODES,
    ruleset_id: str = DEFAULT.id,
) -> tuple[ScreeningResult | dict[str, Any], ScreeningDocument | None]:
    """Parse and evaluate one document under ``ruleset_id`` (the default ruleset unless said:
    no database tells which is in force at a site): its result document, and the parsed
    document (None when refused, the result then being the refusal)."""
    try:
        doc = parse_screening(raw, today=today, known_sites=known_sites)
    except RefusedDocument as refused:
        return refused_document(refused.errors, file=file), None
    return result_document(evaluate(doc, ruleset_id), screening_id=doc.screening_id), doc
