"""The exchange format: `alter-screening/1` documents in, `alter-screening-result/1` out.

``parse_screening`` turns JSON (bytes, text or already-decoded data) into a validated
:class:`ScreeningDocument`, or raises :class:`RefusedDocument` listing every error of
the document, each with the JSON Pointer of the offending field. ``result_document``
turns an evaluation into the result document. Nothing a caller can pass makes it raise
anything else.

Cut at its seams: ``parse`` reads a document and walks its structure, ``checks`` checks
the values a type cannot (units, plausibility, dates), ``result`` writes the result
document, and ``messages`` says how an error is written (its language and style).
Callers use the names below: ``from screening import exchange``.
"""

from screening.exchange.checks import DEFAULT_SITE_CODES, EARLIEST_DATE, RECORD_VERSION_MAX, VISIT_YEARS_AHEAD_MAX
from screening.exchange.messages import DocumentError, LocalizedStyle, MessageStyle, message_style
from screening.exchange.parse import DEPTH_MAX, DOCUMENT_MAX_BYTES, RefusedDocument, parse_screening
from screening.exchange.result import (
    RESULT_FORMAT,
    ScreeningResult,
    as_json_data,
    encode,
    refused_document,
    result_document,
    screen,
)
from screening.rules.document import ScreeningDocument

__all__ = [
    "DEFAULT_SITE_CODES",
    "DEPTH_MAX",
    "DOCUMENT_MAX_BYTES",
    "EARLIEST_DATE",
    "RECORD_VERSION_MAX",
    "RESULT_FORMAT",
    "VISIT_YEARS_AHEAD_MAX",
    "DocumentError",
    "LocalizedStyle",
    "MessageStyle",
    "RefusedDocument",
    "ScreeningDocument",
    "ScreeningResult",
    "as_json_data",
    "encode",
    "message_style",
    "parse_screening",
    "refused_document",
    "result_document",
    "screen",
]
