"""The exchange format: `alter-screening/1` documents in, `alter-screening-result/1` out.

``parse_screening`` turns JSON (bytes, text or already-decoded data) into a validated
:class:`ScreeningDocument`, or raises :class:`RefusedDocument` listing every error of
the document, each with the JSON Pointer of the offending field. ``result_document``
turns an evaluation into the result document. Nothing a caller can pass makes it raise
anything else.

Three steps, for speed and for complete error lists (exchange-format.md, "Limits" and
"Every error of a document is reported"):

1. A body over 1 MiB is refused unread.
2. msgspec decodes and type-checks a well-formed document in one fast step. It reads no
   deeper than the types go (a list or object where none belongs is a type error where it
   starts), so a document it accepts needs no separate depth check.
3. Only when that fails, a slower path that still never recurses into the input: a scanner
   that builds nothing measures the nesting (a list or object nested too deep is refused
   at its path and read as null), ``json`` parses the rest (it reads NaN, Infinity and lone
   surrogates, which are then refused at their own paths), and a walk over the same type
   definitions collects every structural error (msgspec stops at the first).

The checks that need more than a type (site codes, screening numbers, units,
plausibility, dates) run on the typed document in both cases. A check that needs a value
which is refused or absent is skipped: none runs against a stand-in.
"""

from __future__ import annotations

import calendar
import contextlib
import contextvars
import datetime
import functools
import json
import math
import re
from collections.abc import Collection, Iterator
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Final, NamedTuple

import msgspec

if TYPE_CHECKING:  # Django has no type information here (no django-stubs): what is used of it

    def _django_gettext(message: str) -> str: ...

    apps: Any
    formats: Any
else:
    from django.apps import apps
    from django.utils import formats  # reads the settings when called, not when imported
    from django.utils.translation import gettext as _django_gettext

from screening.rules import units
from screening.rules.dates import age_years, reference_date
from screening.rules.document import DRUG_NAME_MAX_CHARS, FORMAT, LabResult, ScreeningDocument
from screening.rules.outcome import Outcome
from screening.rules.ruleset import Evaluation, evaluate

RESULT_FORMAT: Final = "alter-screening-result/1"

# Initial sites; the web application reads its own Site table instead.
DEFAULT_SITE_CODES: Final = frozenset({"IPC", "IGR"})

WEIGHT_KG_MIN, WEIGHT_KG_MAX = 25.0, 300.0
AGE_YEARS_MAX: Final = 120
ECOG_MIN, ECOG_MAX = 0, 4
AMENORRHEA_MONTHS_MIN, AMENORRHEA_MONTHS_MAX = 0, 600
LVEF_PERCENT_MIN, LVEF_PERCENT_MAX = 5.0, 90.0
RECEPTOR_PERCENT_MIN, RECEPTOR_PERCENT_MAX = 0.0, 100.0

# exchange-format.md, "Limits" (the list limits are declared on the types, rules/document.py).
DOCUMENT_MAX_BYTES: Final = 1024 * 1024  # "at most 1 MiB of JSON"
DEPTH_MAX: Final = 8  # "nested at most 8 levels deep": the document object is level 1
EARLIEST_DATE: Final = datetime.date(1900, 1, 1)  # "every date from 1900-01-01"
VISIT_YEARS_AHEAD_MAX: Final = 2  # assessment and planned randomization "at most 2 years after today"
INITIALS_MAX_CHARS: Final = 5
# A screening number has 4 to 6 digits (Limits): the largest sequence a site can reach.
SCREENING_SEQUENCE_MAX: Final = 999_999
RECORD_VERSION_MAX: Final = 2_147_483_647  # what the database's version column holds

# "a lab's uln within the plausibility range of that test's value, in the same unit". For
# the tests judged in × ULN the spec gives the value's range only relative to the ULN, so
# the ULN's own range is chosen here, in each accepted unit: total bilirubin 0.1 – 20 mg/dL
# (1 mg/dL = 17.1 µmol/L), ALT and AST 1 – 1,000 U/L; far beyond any laboratory's ULN.
BILIRUBIN_UMOL_L_PER_MG_DL: Final = 17.1
_BILIRUBIN_ULN_MG_DL: Final = (0.1, 20.0)
_BILIRUBIN_ULN_UMOL_L: Final = (1.71, 342.0)  # 0.1 and 20 mg/dL × 17.1, written exactly (no float product)
_TRANSAMINASE_ULN_U_L: Final = (1.0, 1_000.0)
RELATIVE_ULN_RANGES: Final[dict[str, dict[str, tuple[float, float]]]] = {
    "total_bilirubin": {
        "mg/dL": _BILIRUBIN_ULN_MG_DL,
        "umol/L": _BILIRUBIN_ULN_UMOL_L,
        units.MICRO_SIGN + "mol/L": _BILIRUBIN_ULN_UMOL_L,
        units.GREEK_MU + "mol/L": _BILIRUBIN_ULN_UMOL_L,
    },
    "alt": {"U/L": _TRANSAMINASE_ULN_U_L, "IU/L": _TRANSAMINASE_ULN_U_L},
    "ast": {"U/L": _TRANSAMINASE_ULN_U_L, "IU/L": _TRANSAMINASE_ULN_U_L},
}


class DocumentError(NamedTuple):
    path: str  # JSON Pointer of the offending field ("" for the document itself)
    message: str  # in the active language: built by gettext when the error is found


# Messages are translated with gettext (not gettext_lazy) when an error is found, in the
# language active then (the request's; "en" for `manage.py screen`); a valid document
# never calls gettext. Messages chosen from a table are marked with gettext_noop here
# and translated where they are used.


def gettext(message: str) -> str:
    """``message`` in the active language; as written (English) when Django is not set up
    (exchange used as plain Python, as benchmarks/screen_throughput.py does)."""
    return _django_gettext(message) if apps.ready else message


def gettext_noop(message: str) -> str:
    """Marks a message for the catalogue, translated later with gettext (Django's own reads
    the settings, which importing this module must not need)."""
    return message


# --- how messages write dates, numbers, units and lab rows ---------------------------


class MessageStyle:
    """How refusal messages write what they quote: ISO dates, numbers as Python writes them
    (no thousands separator), the format's unit codes, and no row names (the JSON Pointer
    names the row). What ``manage.py screen`` and the JSON refusals print (exchange-format.md:
    "Dates are ISO"); the web form uses :class:`LocalizedStyle`."""

    names_rows = False

    def date(self, day: datetime.date) -> str:
        return day.isoformat()

    def number(self, value: float | int | Fraction, *, plain: bool = False) -> str:
        """``plain``: as an error message's range is written (:func:`units.plain_number_text`);
        otherwise ``format(value, "g")``."""
        if isinstance(value, Fraction):
            value = float(value)
        return units.plain_number_text(value) if plain else format(value, "g")

    def unit(self, unit: str) -> str:
        return unit

    def lab_row(self, test: str | None, day: datetime.date | None, number: int) -> str:
        """A lab row in its own words: its test and date ("creatinine of 2026-11-28")."""
        label = gettext(units.LAB_UNITS[test].label) if test is not None else gettext("lab result")
        if day is not None:
            return gettext("%(test)s of %(date)s") % {"test": label, "date": self.date(day)}
        return gettext("%(test)s (row %(number)s)") % {"test": label, "number": number}


class LocalizedStyle(MessageStyle):
    """The active language's formats (django.utils.formats: DD/MM/YYYY and a decimal comma in
    French), units as the form shows them (µmol/L, G/L, UI/L), and each lab row named by its
    test and date. Needs Django set up (the web form); plain :class:`MessageStyle` otherwise."""

    names_rows = True

    def date(self, day: datetime.date) -> str:
        if not apps.ready:
            return super().date(day)
        return str(formats.date_format(day, "SHORT_DATE_FORMAT"))

    def number(self, value: float | int | Fraction, *, plain: bool = False) -> str:
        if not apps.ready:
            return super().number(value, plain=plain)
        if isinstance(value, float) and not math.isfinite(value):
            return format(value, "g")
        # The decimal as written, trailing zeros dropped ("231", "0.1", "1,000,000"), then the
        # language's separators ("1 000 000", "0,1"). A comma or point between thousands is
        # left out: the form refuses "1,500" as ambiguous, so a message must not write it.
        text = units.number_text(value)
        decimal, thousands = formats.get_format("DECIMAL_SEPARATOR"), formats.get_format("THOUSAND_SEPARATOR")
        if thousands in {",", "."}:
            thousands = ""
        return text.replace(",", "\0").replace(".", decimal).replace("\0", thousands)

    def unit(self, unit: str) -> str:
        option = units.unit_option(unit)
        return gettext(units.UNIT_DISPLAY.get(option, option))


_STYLE: Final[contextvars.ContextVar[MessageStyle]] = contextvars.ContextVar("exchange_message_style")
_PLAIN_STYLE: Final = MessageStyle()


def _style() -> MessageStyle:
    return _STYLE.get(_PLAIN_STYLE)


@contextlib.contextmanager
def message_style(style: MessageStyle) -> Iterator[None]:
    """Messages of the errors found inside the block written in ``style`` (the web form:
    ``message_style(LocalizedStyle())``); outside, plain (ISO dates, file codes)."""
    token = _STYLE.set(style)
    try:
        yield
    finally:
        _STYLE.reset(token)


def _date(day: datetime.date) -> str:
    return _style().date(day)


def _g(value: float | int) -> str:
    return _style().number(value)


def _plain(value: float | int | Fraction) -> str:
    return _style().number(value, plain=True)


# The labels of units.LAB_UNITS (screening/rules has no Django), for the catalogue.
_LAB_LABELS: Final = (
    gettext_noop("hemoglobin"),
    gettext_noop("ANC"),
    gettext_noop("platelets"),
    gettext_noop("creatinine"),
    gettext_noop("albumin"),
    gettext_noop("total bilirubin"),
    gettext_noop("ALT"),
    gettext_noop("AST"),
)
_LAB_NEEDS: Final = {
    "test": gettext_noop("a lab result needs its test"),
    "value": gettext_noop("a lab result needs its value"),
    "unit": gettext_noop("a lab result needs its unit"),
    "date": gettext_noop("a lab result needs its date"),
}

_LONE_SURROGATE: Final = re.compile("[\ud800-\udfff]")


def _printable(text: str) -> str:
    """``text`` with each lone surrogate written as its escape (``\\ud800``): a refusal
    names the offending key or value, and must itself be encodable."""
    if text.isascii():
        return text
    return _LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


class RefusedDocument(Exception):  # noqa: N818 - a refused document is the domain's word
    """A document that is not a valid `alter-screening/1`; nothing of it may be stored."""

    def __init__(self, errors: list[DocumentError]) -> None:
        errors = [
            e if e.path.isascii() and e.message.isascii() else DocumentError(_printable(e.path), _printable(e.message))
            for e in errors
        ]
        super().__init__("; ".join(f"{e.path or '/'}: {e.message}" for e in errors))
        self.errors = errors


_DECODER: Final = msgspec.json.Decoder(ScreeningDocument)
_ENCODER: Final = msgspec.json.Encoder()
_NO_REFUSALS: Final[frozenset[str]] = frozenset()


def parse_screening(
    raw: bytes | str | dict[str, Any],
    *,
    today: datetime.date,
    known_sites: Collection[str] = DEFAULT_SITE_CODES,
) -> ScreeningDocument:
    """A validated document, or :class:`RefusedDocument` with every error found.

    ``today`` is the date against which "dated after today" is judged (the caller's
    local date: the rules themselves never look at the clock). Decoded data (a dict) is
    the web form's: its size is that of the form, so only text is measured.
    """
    errors: list[DocumentError] = []
    doc: ScreeningDocument | None
    check_texts = True
    if isinstance(raw, dict):
        try:
            doc = msgspec.convert(raw, ScreeningDocument)
        except msgspec.ValidationError as exc:
            doc, errors = _parse_reporting_every_error(raw, failure=exc, today=today)
    else:
        body = _as_bytes(raw)
        if len(body) > DOCUMENT_MAX_BYTES:
            raise RefusedDocument(
                [
                    DocumentError(
                        "",
                        gettext("the document is %(size)s bytes; at most %(max)s bytes (1 MiB) are accepted")
                        % {"size": len(body), "max": DOCUMENT_MAX_BYTES},
                    )
                ]
            )
        try:
            doc = _DECODER.decode(body)
            # msgspec refuses a raw NUL and every lone surrogate: only an escaped NUL can be
            # in a string of a document it accepts.
            check_texts = b"\\u0000" in body
        # msgspec reads bytes as UTF-8 and lets a decoding error of a string through as is.
        except (msgspec.ValidationError, msgspec.DecodeError, UnicodeDecodeError) as exc:
            doc, errors = _parse_reporting_every_error(body, failure=exc, today=today)

    if doc is not None:
        refused = {e.path for e in errors} if errors else _NO_REFUSALS
        errors.extend(
            _check_values(doc, today=today, known_sites=known_sites, refused=refused, check_texts=check_texts)
        )
    errors = _without_repeats(errors)
    if errors or doc is None:
        raise RefusedDocument(errors or [DocumentError("", gettext("not a screening document"))])
    return doc


def _as_bytes(raw: bytes | str) -> bytes:
    """Text as UTF-8; a lone surrogate in it (which UTF-8 cannot hold) written as its JSON
    escape, so that it is refused at its path like an escaped one."""
    if isinstance(raw, bytes):
        return raw
    if not raw.isascii():
        raw = _LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", raw)
    return raw.encode()


# --- structural errors ------------------------------------------------------------

_DATE_SHAPE: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # ASCII digits only: \d takes any script's
_DROP: Final = object()  # a field whose value is refused: left out of the cleaned data
# json reads integers of any length (and refuses beyond 4,300 digits): longer than a float's
# range is read as the float it would be (infinity), refused at its path.
_INT_DIGITS_MAX: Final = 300


class _NotJsonConstant:
    """NaN, Infinity or -Infinity where a value was expected: json reads them, JSON has none."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name


def _json_int(text: str) -> int | float:
    return int(text) if len(text) <= _INT_DIGITS_MAX else float(text)


def _parse_reporting_every_error(
    raw: bytes | dict[str, Any], *, failure: Exception, today: datetime.date
) -> tuple[ScreeningDocument | None, list[DocumentError]]:
    """Walk the document against the type definitions, collecting every structural error.

    Refused values are left out (as if absent) and list items that are refused keep their
    place (so that later errors name the right index): the value checks then run on the
    rest of the document and skip what was refused. ``failure`` is what msgspec said: the
    walk never accepts a document msgspec refused.
    """
    errors: list[DocumentError] = []
    if isinstance(raw, dict):
        data: Any = raw
        errors.extend(_too_deep_in_data(data))
    else:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            return None, [
                DocumentError(
                    "", gettext("not valid JSON: not UTF-8 text (byte %(position)s)") % {"position": exc.start}
                )
            ]
        too_deep, shallow = _too_deep_in_text(text)
        errors.extend(too_deep)
        if shallow is None:
            return None, errors
        try:
            data = json.loads(shallow, parse_constant=_NotJsonConstant, parse_int=_json_int)
        except ValueError as exc:  # json.JSONDecodeError
            return None, [*errors, DocumentError("", _not_json(exc))]
    if not isinstance(data, dict):
        if isinstance(data, _NotJsonConstant):
            return None, [*errors, DocumentError("", _not_json_constant(data))]
        return None, [*errors, DocumentError("", gettext("a screening document must be a JSON object"))]
    found = _Found()
    cleaned = _walk(data, _document_type(), "", found)
    if not found and not errors:  # the walk and msgspec disagree: msgspec's refusal stands
        return None, [_error_of_failure(failure)]
    errors.extend(found)
    # Required fields that are refused (each has its error): placeholders only so that
    # the typed document can be built; the value checks skip every refused path.
    cleaned.setdefault("format", FORMAT)
    cleaned.setdefault("site", "")
    cleaned.setdefault("assessment_date", today.isoformat())
    try:
        return msgspec.convert(cleaned, ScreeningDocument), errors
    except msgspec.ValidationError as exc:  # the walk and msgspec disagree: still name the field
        return None, [*errors, _error_from_msgspec(exc)]


@functools.cache
def _document_type() -> msgspec.inspect.Type:
    """The type definitions the walk follows (inspecting them takes milliseconds: once)."""
    return msgspec.inspect.type_info(ScreeningDocument)


def _error_of_failure(failure: Exception) -> DocumentError:
    if isinstance(failure, msgspec.ValidationError):
        return _error_from_msgspec(failure)
    return DocumentError("", _not_json(failure))


# A string: from its quote to its closing quote (group 1), or to the end of the text when
# it never closes (group 1 None: json refuses the document there, before any bracket after
# it). Possessive, and matching from every quote: linear, where a pattern that can fail
# would be tried again from each later quote (quadratic on '"\\"\\"\\"...').
_STRING_PATTERN: Final = r'"[^"\\]*+(?:\\.[^"\\]*+)*+(")?'
# The scanner's tokens: a string, a bracket or a comma.
_SCAN_TOKEN: Final = re.compile(_STRING_PATTERN + r"|[\[\]{},]", re.DOTALL)
_CLOSER: Final = {"[": "]", "{": "}"}


class _Frame:
    """A list or object the scanner is inside: the key or index of its current member."""

    __slots__ = ("expecting_key", "is_object", "token")

    def __init__(self, is_object: bool) -> None:
        self.is_object = is_object
        self.token: str | int = "" if is_object else 0
        self.expecting_key = is_object


_STRING: Final = re.compile(_STRING_PATTERN, re.DOTALL)
_NOT_A_BRACKET: Final = re.compile(r"[^\[\]{}]+")
_INNERMOST_PAIRS: Final = re.compile(r"\[\]|\{\}")


def _shallow(text: str) -> bool:
    """Whether ``text`` is surely nested at most DEPTH_MAX deep, with balanced brackets: its
    brackets outside strings vanish in DEPTH_MAX rounds of removing the innermost pairs
    (each round in C; the exact scan, in Python, is left for the rest)."""
    if text.count("[") + text.count("{") <= DEPTH_MAX:  # cannot be deeper (strings counted too)
        return True
    brackets = _NOT_A_BRACKET.sub("", _STRING.sub("", text))
    for _ in range(DEPTH_MAX):
        brackets, removed = _INNERMOST_PAIRS.subn("", brackets)
        if not brackets:
            return True
        if not removed:
            return False
    return False


def _too_deep_message() -> str:
    return gettext(
        "nested more than %(max)s levels deep (lists and objects within each other); at most %(max)s are accepted"
    ) % {"max": DEPTH_MAX}


def _too_deep_in_text(text: str) -> tuple[list[DocumentError], str | None]:
    """Each list or object nested deeper than DEPTH_MAX, refused at its path, and the text
    with each of them replaced by ``null`` (None when one of them never closes: the
    document cannot be read further). Iterative and linear: nothing is built or recursed."""
    if _shallow(text):
        return [], text
    errors: list[DocumentError] = []
    message = ""
    pieces: list[str] = []
    rest = 0
    frames: list[_Frame] = []
    prefix: str | None = None  # the path of frames[:-1] while none is pushed or popped
    tokens = _SCAN_TOKEN.finditer(text)
    for match in tokens:
        token = match.group()
        first = token[0]
        if first == '"':
            if match.group(1) is None:
                break  # a string that never ends: json refuses the document there
            top = frames[-1] if frames else None
            if top is not None and top.expecting_key:
                top.token = _escape(_key_text(token))
                top.expecting_key = False
        elif first in "[{":
            if len(frames) < DEPTH_MAX:
                frames.append(_Frame(first == "{"))
                prefix = None
                continue
            message = message or _too_deep_message()
            if prefix is None:
                prefix = "".join(f"/{frame.token}" for frame in frames[:-1])
            errors.append(DocumentError(f"{prefix}/{frames[-1].token}", message))
            end = _end_of_container(tokens, first)
            if end is None:
                errors.append(
                    DocumentError(
                        "", gettext("not valid JSON: a list or object is never closed, or closed by the wrong bracket")
                    )
                )
                return errors, None
            pieces.extend((text[rest : match.start()], "null"))
            rest = end
        elif first in "]}":
            if not frames:
                break  # malformed: json says where
            frames.pop()
            prefix = None
        elif frames:  # a comma
            top = frames[-1]
            if top.is_object:
                top.expecting_key = True
            else:
                top.token = int(top.token) + 1
    if not errors:
        return [], text
    pieces.append(text[rest:])
    return errors, "".join(pieces)


def _end_of_container(tokens: Iterator[re.Match[str]], opening: str) -> int | None:
    """Where the list or object opened by ``opening`` ends, reading on from ``tokens``."""
    closers = [_CLOSER[opening]]
    for match in tokens:
        token = match.group()
        first = token[0]
        if first == '"':
            if match.group(1) is None:
                return None
        elif first in _CLOSER:
            closers.append(_CLOSER[first])
        elif first in "]}":
            if closers.pop() != first:
                return None
            if not closers:
                return match.end()
    return None


def _key_text(token: str) -> str:
    """A key as json reads it (escapes resolved), or as written when json would refuse it."""
    if "\\" not in token:
        return token[1:-1]
    try:
        key = json.loads(token)
    except ValueError:
        return token[1:-1]
    return key if isinstance(key, str) else token[1:-1]


def _too_deep_in_data(data: Any) -> list[DocumentError]:
    """The same refusals for decoded data, in the same (document) order; iterative."""
    errors: list[DocumentError] = []
    message = ""
    stack: list[tuple[Any, int, str]] = [(data, 1, "")]
    while stack:
        value, level, path = stack.pop()
        if isinstance(value, dict):
            children = [(f"{path}/{_escape(str(key))}", item) for key, item in value.items()]
        elif isinstance(value, list):
            children = [(f"{path}/{i}", item) for i, item in enumerate(value)]
        else:
            continue
        if level > DEPTH_MAX:
            message = message or _too_deep_message()
            errors.append(DocumentError(path, message))
            continue
        stack.extend((item, level + 1, child) for child, item in reversed(children))
    return errors


class _Found(list[DocumentError]):
    """The structural errors found so far, with the translations of their messages: one
    document may repeat an error (an unknown key) a hundred thousand times, and gettext
    costs more than a dictionary lookup."""

    def __init__(self) -> None:
        super().__init__()
        self._translated: dict[str, str] = {}

    def tr(self, message: str) -> str:
        translated = self._translated.get(message)
        if translated is None:
            translated = self._translated[message] = gettext(message)
        return translated


def _walk(value: Any, t: msgspec.inspect.Type, path: str, errors: _Found) -> Any:
    """``value`` checked against type ``t``; the cleaned value, or _DROP with an error."""
    if isinstance(value, _NotJsonConstant):
        errors.append(DocumentError(path, errors.tr("JSON has no %(constant)s") % {"constant": value.name}))
        return _DROP
    if isinstance(t, msgspec.inspect.UnionType):
        if value is None and any(isinstance(m, msgspec.inspect.NoneType) for m in t.types):
            return None
        members = [m for m in t.types if not isinstance(m, msgspec.inspect.NoneType)]
        if len(members) == 1:
            return _walk(value, members[0], path, errors)
        # int | float: an integer-valued field, checked further in _check_values
        return _walk(value, msgspec.inspect.FloatType(), path, errors)
    if isinstance(t, msgspec.inspect.StructType):
        if not isinstance(value, dict):
            errors.append(
                DocumentError(path, errors.tr("must be an object, not %(kind)s") % {"kind": _json_kind(value)})
            )
            return _DROP
        fields = {f.encode_name: f for f in t.fields}
        cleaned = {}
        for key, item in value.items():
            if key not in fields:
                errors.append(
                    DocumentError(f"{path}/{_escape(key)}", errors.tr("unknown field %(key)s") % {"key": repr(key)})
                )
                continue
            checked = _walk(item, fields[key].type, f"{path}/{_escape(key)}", errors)
            if checked is not _DROP:
                cleaned[key] = checked
        for name, field in fields.items():
            if field.required and name not in value:
                errors.append(DocumentError(f"{path}/{name}", errors.tr("is required")))
        return cleaned
    if isinstance(t, msgspec.inspect.ListType):
        return _walk_list(value, t, path, errors)
    if isinstance(t, msgspec.inspect.LiteralType):
        if value in t.values and isinstance(value, str):
            return value
        allowed = ", ".join(repr(v) for v in t.values)
        errors.append(
            DocumentError(
                path,
                errors.tr("must be one of %(allowed)s, not %(value)s") % {"allowed": allowed, "value": _shown(value)},
            )
        )
        return _DROP
    if isinstance(t, msgspec.inspect.BoolType):
        if isinstance(value, bool):
            return value
        errors.append(
            DocumentError(path, errors.tr("must be true or false (or null), not %(value)s") % {"value": _shown(value)})
        )
        return _DROP
    if isinstance(t, msgspec.inspect.FloatType):
        if _is_number(value):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            errors.append(DocumentError(path, errors.tr("is a number out of range")))
            return _DROP
        errors.append(DocumentError(path, errors.tr("must be a number, not %(value)s") % {"value": _shown(value)}))
        return _DROP
    if isinstance(t, msgspec.inspect.StrType):
        return _walk_str(value, t, path, errors)
    if isinstance(t, msgspec.inspect.DateType):
        if not isinstance(value, str) or not _DATE_SHAPE.fullmatch(value):
            errors.append(
                DocumentError(
                    path, errors.tr("must be a date written YYYY-MM-DD, not %(value)s") % {"value": _shown(value)}
                )
            )
            return _DROP
        try:
            datetime.date.fromisoformat(value)
        except ValueError:
            errors.append(
                DocumentError(path, errors.tr("%(value)s is not a date that exists") % {"value": repr(value)})
            )
            return _DROP
        return value
    raise TypeError(f"no check for {t!r} at {path}")  # a type added to document.py without one here


def _walk_list(value: Any, t: msgspec.inspect.ListType, path: str, errors: _Found) -> Any:
    if not isinstance(value, list):
        errors.append(DocumentError(path, errors.tr("must be a list, not %(kind)s") % {"kind": _json_kind(value)}))
        return _DROP
    if t.max_length is not None and len(value) > t.max_length:
        # Refused as a whole: its items are not read (each would be inside a refused field).
        errors.append(
            DocumentError(
                path,
                errors.tr("at most %(max)s items are accepted, not %(count)s")
                % {"max": t.max_length, "count": len(value)},
            )
        )
        return _DROP
    items = []
    for i, item in enumerate(value):
        checked = _walk(item, t.item_type, f"{path}/{i}", errors)
        # A refused item keeps its place (later errors name the right index); its
        # placeholder is never checked, the value checks skip every refused path.
        items.append(_placeholder(t.item_type) if checked is _DROP else checked)
    return items


def _walk_str(value: Any, t: msgspec.inspect.StrType, path: str, errors: _Found) -> Any:
    if not isinstance(value, str):
        errors.append(DocumentError(path, errors.tr("must be a string, not %(value)s") % {"value": _shown(value)}))
        return _DROP
    if t.min_length is not None and len(value) < t.min_length:
        errors.append(DocumentError(path, errors.tr("must not be empty")))
        return _DROP
    if t.max_length is not None and len(value) > t.max_length:
        errors.append(DocumentError(path, errors.tr("at most %(n)s characters") % {"n": t.max_length}))
        return _DROP
    # json reads "\ud800" (msgspec refuses it): not text, refused here at its path.
    if not value.isascii() and (message := _bad_text(value)) is not None:
        errors.append(DocumentError(path, message))
        return _DROP
    return value


def _not_json_constant(value: _NotJsonConstant) -> str:
    return gettext("JSON has no %(constant)s") % {"constant": value.name}


def _not_json(exc: Exception) -> str:
    return gettext("not valid JSON: %(error)s") % {"error": exc}


_FLOAT_MAX: Final = 1.7976931348623157e308


def _is_number(value: Any) -> bool:
    """A JSON number a float can hold (bools are not numbers)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return -_FLOAT_MAX <= value <= _FLOAT_MAX
    return isinstance(value, float) and math.isfinite(value)


def _placeholder(t: msgspec.inspect.Type) -> Any:
    """A value of type ``t`` holding a refused item's place in its list."""
    if isinstance(t, msgspec.inspect.StructType):
        return {}
    if isinstance(t, msgspec.inspect.StrType):
        return "?" * (t.min_length or 0)
    return None


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return gettext("a number")
    if isinstance(value, str):
        return gettext("a string")
    if isinstance(value, list):
        return gettext("a list")
    return gettext("an object")


def _shown(value: Any) -> str:
    """A refused value as the message shows it."""
    if isinstance(value, str):
        return repr(value) if len(value) <= 40 else repr(value[:40] + "…")
    if _is_number(value):
        return repr(value)
    return _json_kind(value)


def _escape(key: str) -> str:
    """JSON Pointer escaping (RFC 6901)."""
    return key.replace("~", "~0").replace("/", "~1")


_MSGSPEC_PATH: Final = re.compile(r"`\$((?:\.[^.\[`]+|\[\d+\])*)`")


def _error_from_msgspec(exc: msgspec.ValidationError) -> DocumentError:
    text = str(exc)
    match = _MSGSPEC_PATH.search(text)
    path = ""
    if match:
        path = re.sub(r"\.([^.\[]+)|\[(\d+)\]", lambda m: "/" + (m.group(1) or m.group(2)), match.group(1))
    return DocumentError(path, text.split(" - at ", maxsplit=1)[0])


def _without_repeats(errors: list[DocumentError]) -> list[DocumentError]:
    """One error per field, and none inside a field already refused (the first error
    found stands). Linear: each error looks up its own path and its ancestors' (a path
    is at most a few levels deep), never the other errors; a run of siblings looks up
    their ancestors once."""
    seen: set[str] = set()
    kept = []
    clear = None  # a parent none of whose ancestors (itself included) is refused
    for error in errors:
        path = error.path
        if path in seen:
            continue
        cut = path.rfind("/")
        parent = path[:cut] if cut > 0 else ""
        if parent != clear:
            ancestor = parent
            while ancestor and ancestor not in seen:
                cut = ancestor.rfind("/")
                ancestor = ancestor[:cut] if cut > 0 else ""
            if ancestor:
                continue
        # Only this error joins ``seen`` before the next: a sibling is no one's ancestor.
        clear = parent
        seen.add(path)
        kept.append(error)
    return kept


# --- value checks -------------------------------------------------------------------


def _check_values(
    doc: ScreeningDocument,
    *,
    today: datetime.date,
    known_sites: Collection[str],
    refused: Collection[str],
    check_texts: bool = True,
) -> Iterator[DocumentError]:
    """Checks beyond types: site, screening number, texts, integers, plausibility, units,
    dates. ``refused`` holds the paths already refused (their values are absent or mere
    placeholders here): no check reads them; ``check_texts`` False when no text can hold
    a NUL or a lone surrogate. Normalises initials (capitals) and integer-valued numbers
    (1.0 -> 1) in place."""
    site = None if "/site" in refused or doc.site not in known_sites else doc.site
    if site is None and "/site" not in refused:
        yield DocumentError(
            "/site",
            gettext("unknown site code %(code)s; known: %(known)s")
            % {"code": repr(doc.site), "known": ", ".join(sorted(known_sites))},
        )
    if check_texts:
        yield from _check_texts(doc, refused)
    yield from _check_drug_names(doc, refused)
    yield from _check_screening_id(doc, site)
    yield from _check_record_version(doc)
    dates = _DateChecks(doc, today, refused)
    yield from dates.visit_errors
    yield from dates.order()
    yield from _check_patient(doc, dates)
    yield from _check_clinical(doc, dates, refused)
    earliest, latest = EARLIEST_DATE, dates.latest_observation
    for i, lab in enumerate(doc.labs or ()):
        # Most lab rows are fine: settle those with one quick test, and only look for
        # the error (with its message) in the others.
        if refused and f"/labs/{i}" in refused:
            continue
        if _lab_is_valid(lab) and earliest <= lab.date <= latest:  # type: ignore[operator]
            continue
        yield from _check_lab(f"/labs/{i}", lab)
        yield from _lab_dates(f"/labs/{i}", lab, dates)
    yield from _check_reproductive(doc, dates, refused)


def _bad_text(text: str) -> str | None:
    """Why ``text`` cannot be stored as text (NUL, lone surrogate), or None."""
    if "\x00" in text:
        return gettext("must not contain a NUL character")
    if not text.isascii() and (surrogate := _LONE_SURROGATE.search(text)) is not None:
        return gettext("must not contain a lone surrogate (%(code)s): it is not a character") % {
            "code": f"\\u{ord(surrogate.group()):04x}"
        }
    return None


def _check_texts(doc: ScreeningDocument, refused: Collection[str]) -> Iterator[DocumentError]:
    """Free text that PostgreSQL could not store: NUL and lone surrogates are refused."""
    texts = [("/screening_id", doc.screening_id), ("/site", doc.site)]
    if doc.patient is not None:
        texts.append(("/patient/initials", doc.patient.initials))
    drugs = doc.prior_therapy.drugs if doc.prior_therapy is not None else None
    for path, text in texts:
        if text is not None and (message := _bad_text(text)) is not None and path not in refused:
            yield DocumentError(path, message)
    for i, lab in enumerate(doc.labs or ()):
        if lab.unit is not None and (message := _bad_text(lab.unit)) is not None:
            yield DocumentError(f"/labs/{i}/unit", message)
    for i, drug in enumerate(drugs or ()):
        if (message := _bad_text(drug)) is not None and f"/prior_therapy/drugs/{i}" not in refused:
            yield DocumentError(f"/prior_therapy/drugs/{i}", message)


def _check_drug_names(doc: ScreeningDocument, refused: Collection[str]) -> Iterator[DocumentError]:
    """Limits: "a non-empty name of at most 200 characters" (what the record keeps)."""
    drugs = doc.prior_therapy.drugs if doc.prior_therapy is not None else None
    for i, drug in enumerate(drugs or ()):
        if 0 < len(drug) <= DRUG_NAME_MAX_CHARS or (refused and f"/prior_therapy/drugs/{i}" in refused):
            continue
        yield DocumentError(
            f"/prior_therapy/drugs/{i}",
            gettext("must not be empty")
            if not drug
            else gettext("at most %(n)s characters") % {"n": DRUG_NAME_MAX_CHARS},
        )


# "screening_id: when present: the document's site code, -, then 4 to 6 ASCII digits, not
# all zero". Site codes are 2 to 8 capitals (models.Site); [0-9], since \d takes any digit.
_SCREENING_NUMBER: Final = re.compile(r"([A-Z]{2,8})-([0-9]{4,6})", re.ASCII)


def _check_screening_id(doc: ScreeningDocument, site: str | None) -> Iterator[DocumentError]:
    """The number's form only; whether it is free to take is the application's to say.
    ``site`` is the document's site code, None when that is refused (then any code's form)."""
    number = doc.screening_id
    if number is None:
        return
    match = _SCREENING_NUMBER.fullmatch(number)
    if match is not None and match.group(2).strip("0") and (site is None or match.group(1) == site):
        return
    if site is None:
        message = gettext(
            "must be the site code, '-', then 4 to 6 digits 0-9, not all zero (e.g. IPC-0007); not %(value)s"
        )
    else:
        message = gettext("must be %(site)s-, then 4 to 6 digits 0-9, not all zero (e.g. %(site)s-0007); not %(value)s")
    yield DocumentError("/screening_id", message % {"site": site, "value": _shown(number)})


def _check_record_version(doc: ScreeningDocument) -> Iterator[DocumentError]:
    """The exported record's version: a whole number from 1 (normalised to an int)."""
    if doc.record_version is None:
        return
    version = _integer(doc.record_version)
    if version is None or not 1 <= version <= RECORD_VERSION_MAX:
        yield DocumentError(
            "/record_version",
            gettext("must be a whole number from 1 (the version of the exported record), not %(value)s")
            % {"value": _g(doc.record_version)},
        )
    else:
        doc.record_version = version


@functools.lru_cache(maxsize=16)
def _years_after(day: datetime.date, years: int) -> datetime.date:
    """The same day ``years`` later; 28 February for a 29 February that year lacks."""
    year = day.year + years
    if (day.month, day.day) == (2, 29) and not calendar.isleap(year):
        return datetime.date(year, 2, 28)
    return day.replace(year=year)


def _too_early(path: str, day: datetime.date) -> DocumentError:
    return DocumentError(
        path,
        gettext("%(date)s is before %(earliest)s") % {"date": _date(day), "earliest": _date(EARLIEST_DATE)},
    )


class _DateChecks:
    """Spec, "Dates that are refused" and "Limits": observations dated after today or
    after R; every date from 1900-01-01; visits at most 2 years ahead.

    A date that is refused or absent is None here, and so is R when the date it would be
    is: a check that needs one is skipped.
    """

    def __init__(self, doc: ScreeningDocument, today: datetime.date, refused: Collection[str]) -> None:
        self.today = today
        self.visit_errors: list[DocumentError] = []
        latest_visit = _years_after(today, VISIT_YEARS_AHEAD_MAX)
        self.assessment = (
            None
            if "/assessment_date" in refused
            else self._visit("/assessment_date", doc.assessment_date, latest_visit)
        )
        planned_refused = "/planned_randomization_date" in refused
        self.planned = (
            None
            if planned_refused
            else self._visit("/planned_randomization_date", doc.planned_randomization_date, latest_visit)
        )
        if doc.planned_randomization_date is None and not planned_refused:
            self.reference: datetime.date | None = (
                None if self.assessment is None else reference_date(self.assessment, None)
            )
        else:
            self.reference = self.planned  # None when refused: R is then unknown
        # When R precedes A only that error is reported for the date order.
        self.order_broken = self.planned is not None and self.assessment is not None and self.planned < self.assessment
        self.latest_observation = (
            min(today, self.reference) if self.reference is not None and not self.order_broken else today
        )

    def _visit(self, path: str, day: datetime.date | None, latest: datetime.date) -> datetime.date | None:
        """``day`` when within the limits, else None with its error."""
        if day is None:
            return None
        if day < EARLIEST_DATE:
            self.visit_errors.append(_too_early(path, day))
            return None
        if day > latest:
            self.visit_errors.append(
                DocumentError(
                    path,
                    gettext("%(date)s is more than %(years)s years after today (%(today)s); at most %(latest)s")
                    % {
                        "date": _date(day),
                        "years": VISIT_YEARS_AHEAD_MAX,
                        "today": _date(self.today),
                        "latest": _date(latest),
                    },
                )
            )
            return None
        return day

    def order(self) -> Iterator[DocumentError]:
        if self.order_broken and self.planned is not None and self.assessment is not None:
            yield DocumentError(
                "/planned_randomization_date",
                gettext("planned randomization date %(planned)s is before the assessment date %(assessment)s")
                % {"planned": _date(self.planned), "assessment": _date(self.assessment)},
            )

    def observed(self, path: str, day: datetime.date | None) -> Iterator[DocumentError]:
        """An observation may not be dated before 1900, after today, nor after the reference date R."""
        if day is None:
            return
        if day < EARLIEST_DATE:
            yield _too_early(path, day)
        elif day > self.today:
            yield DocumentError(
                path,
                gettext("%(date)s is after today (%(today)s)") % {"date": _date(day), "today": _date(self.today)},
            )
        elif day > self.latest_observation and self.reference is not None:
            message = (
                gettext(
                    "%(date)s is after the reference date %(reference)s (planned randomization date): "
                    "only results available by then count"
                )
                if self.planned is not None
                else gettext(
                    "%(date)s is after the reference date %(reference)s (assessment date): "
                    "only results available by then count"
                )
            )
            yield DocumentError(path, message % {"date": _date(day), "reference": _date(self.reference)})


_INITIALS: Final = re.compile(rf"[A-ZÀ-ÖØ-Þ\- ]{{1,{INITIALS_MAX_CHARS}}}")  # the form's rule (forms.py)


def _check_patient(doc: ScreeningDocument, dates: _DateChecks) -> Iterator[DocumentError]:
    p = doc.patient
    if p is None:
        return
    if p.initials is not None:
        # Initials, never a name: letters (accented ones too), a hyphen or a space; stored in capitals.
        initials = p.initials.upper()
        if _INITIALS.fullmatch(initials):
            p.initials = initials
        else:
            yield DocumentError(
                "/patient/initials",
                gettext("initials are 1 to %(max)s letters (a hyphen or space allowed), not %(value)s")
                % {"max": INITIALS_MAX_CHARS, "value": _shown(p.initials)},
            )
    dob = p.date_of_birth
    if dob is not None:
        if dob < EARLIEST_DATE:
            yield _too_early("/patient/date_of_birth", dob)
        elif dob > dates.today:
            yield DocumentError("/patient/date_of_birth", gettext("%(date)s is after today") % {"date": _date(dob)})
        # The order and the age need the assessment date: skipped when it is refused or absent.
        elif dates.assessment is not None and dob > dates.assessment:
            yield DocumentError(
                "/patient/date_of_birth",
                gettext("%(date)s is after the assessment date %(assessment)s")
                % {"date": _date(dob), "assessment": _date(dates.assessment)},
            )
        elif dates.assessment is not None and (age := age_years(dob, dates.assessment)) > AGE_YEARS_MAX:
            yield DocumentError(
                "/patient/date_of_birth",
                gettext("age %(age)s y at the assessment date is implausible (0 – %(max)s years)")
                % {"age": age, "max": AGE_YEARS_MAX},
            )
    weight = p.weight_kg
    if weight is not None and not WEIGHT_KG_MIN <= weight <= WEIGHT_KG_MAX:
        grams = WEIGHT_KG_MIN <= weight / 1000 <= WEIGHT_KG_MAX
        message = (
            gettext("weight %(weight)s kg is implausible (%(min)s – %(max)s kg); did you mean grams? give kilograms")
            if grams
            else gettext("weight %(weight)s kg is implausible (%(min)s – %(max)s kg)")
        )
        yield DocumentError(
            "/patient/weight_kg",
            message % {"weight": _g(weight), "min": _g(WEIGHT_KG_MIN), "max": _g(WEIGHT_KG_MAX)},
        )


def _check_clinical(doc: ScreeningDocument, dates: _DateChecks, refused: Collection[str]) -> Iterator[DocumentError]:
    """Consent, disease, samples, ECOG, LVEF, support and other-trial fields."""
    if doc.consent is not None:
        yield from dates.observed("/consent/date", doc.consent.date)
    if doc.disease is not None and doc.disease.brain_metastases is not None:
        yield from dates.observed(
            "/disease/brain_metastases/last_local_treatment_date",
            doc.disease.brain_metastases.last_local_treatment_date,
        )
    for i, sample in enumerate(doc.tumour_samples or ()):
        if refused and f"/tumour_samples/{i}" in refused:
            continue
        yield from dates.observed(f"/tumour_samples/{i}/date", sample.date)
        for name in ("er_percent", "pr_percent"):
            value = getattr(sample, name)
            if value is not None and not RECEPTOR_PERCENT_MIN <= value <= RECEPTOR_PERCENT_MAX:
                yield DocumentError(
                    f"/tumour_samples/{i}/{name}",
                    gettext("%(value)s%% is implausible (0 – 100 %%)") % {"value": _g(value)},
                )
    if doc.ecog is not None:
        ecog = _integer(doc.ecog)
        if ecog is None:
            yield DocumentError(
                "/ecog", gettext("ECOG must be a whole number, not %(value)s") % {"value": _g(doc.ecog)}
            )
        elif not ECOG_MIN <= ecog <= ECOG_MAX:
            yield DocumentError(
                "/ecog", gettext("ECOG %(value)s is not a performance status for screening (0 – 4)") % {"value": ecog}
            )
        else:
            doc.ecog = ecog
    if doc.lvef is not None:
        percent = doc.lvef.percent
        if percent is not None and not LVEF_PERCENT_MIN <= percent <= LVEF_PERCENT_MAX:
            message = (
                gettext("LVEF %(value)s%% is implausible (5 – 90 %%); did you mean %(suggestion)s%%? give a percentage")
                if LVEF_PERCENT_MIN <= percent * 100 <= LVEF_PERCENT_MAX
                else gettext("LVEF %(value)s%% is implausible (5 – 90 %%)")
            )
            yield DocumentError("/lvef/percent", message % {"value": _g(percent), "suggestion": _g(percent * 100)})
        yield from dates.observed("/lvef/date", doc.lvef.date)
    if doc.support is not None:
        for name in ("rbc_transfusion_date", "gcsf_date", "platelet_transfusion_date"):
            yield from dates.observed(f"/support/{name}", getattr(doc.support, name))
    if doc.other_trial is not None:
        yield from dates.observed("/other_trial/last_date", doc.other_trial.last_date)


def _check_reproductive(
    doc: ScreeningDocument, dates: _DateChecks, refused: Collection[str]
) -> Iterator[DocumentError]:
    rep = doc.reproductive
    if rep is None:
        return
    if rep.amenorrhea_months is not None:
        months = _integer(rep.amenorrhea_months)
        if months is None:
            yield DocumentError(
                "/reproductive/amenorrhea_months",
                gettext("must be a whole number of months, not %(value)s") % {"value": _g(rep.amenorrhea_months)},
            )
        elif not AMENORRHEA_MONTHS_MIN <= months <= AMENORRHEA_MONTHS_MAX:
            yield DocumentError(
                "/reproductive/amenorrhea_months",
                gettext("%(months)s months is implausible (0 – %(max)s)")
                % {"months": months, "max": AMENORRHEA_MONTHS_MAX},
            )
        else:
            rep.amenorrhea_months = months
    for i, test in enumerate(rep.pregnancy_tests or ()):
        path = f"/reproductive/pregnancy_tests/{i}"
        if refused and path in refused:
            continue
        if test.result is None:
            yield DocumentError(f"{path}/result", gettext("a pregnancy test needs its result"))
        if test.date is None:
            yield DocumentError(f"{path}/date", gettext("a pregnancy test needs its date"))
        yield from dates.observed(f"{path}/date", test.date)


def _integer(value: float) -> int | None:
    """``value`` as an int when it has no fractional part (1.0 is 1), else None (NaN and
    infinities included)."""
    if isinstance(value, int):
        return value
    return int(value) if value.is_integer() else None


def _uln_range(test: str, unit: str) -> tuple[float, float] | None:
    """The plausible ULN of a × ULN test in ``unit``; None for the other tests (whose ULN is
    judged like their value, in the canonical unit)."""
    return RELATIVE_ULN_RANGES[test].get(unit) if test in RELATIVE_ULN_RANGES else None


# Beyond this magnitude a number is implausible for every test in every accepted unit (the
# largest plausible canonical value is 2,000,000 /mm³; the units divide by 0.001 to 88.4;
# a × ULN value is divided by a ULN of at least 0.1): judged so without converting it.
_LAB_NUMBER_MAGNITUDE_MAX: Final = 1e12


def _is_plausible(test: str, value: float, unit: str, uln: float | None = None) -> bool:
    """The value (with its accepted unit, and ULN where the test needs one) is plausible."""
    if not abs(value) <= _LAB_NUMBER_MAGNITUDE_MAX:  # NaN too
        return False
    return units.is_plausible(test, units.to_canonical(test, value, unit, uln))


def _uln_is_plausible(test: str, unit: str, uln: float) -> bool:
    """``uln`` (> 0, in the accepted ``unit`` of the value) is plausible for ``test``."""
    bounds = _uln_range(test, unit)
    if bounds is not None:
        return bounds[0] <= uln <= bounds[1]
    return _is_plausible(test, uln, unit)


def _lab_is_valid(lab: LabResult) -> bool:
    """Whether a lab row passes every check of :func:`_check_lab` (dates aside)."""
    test, value, unit, uln = lab.test, lab.value, lab.unit, lab.uln
    if test is None or value is None or unit is None or lab.date is None:
        return False
    spec = units.LAB_UNITS[test]
    if unit not in spec.divisors:
        return False
    if uln is None:
        if spec.needs_uln:
            return False
    elif spec.needs_uln:
        low, high = RELATIVE_ULN_RANGES[test][unit]
        if not low <= uln <= high:
            return False
    elif not (uln > 0 and _is_plausible(test, uln, unit)):
        return False
    return _is_plausible(test, value, unit, uln)


# The messages of a lab row's errors in the web form, which name the row ("creatinine of
# 28/11/2026: ..."); manage.py screen and the JSON refusals keep the plain ones (the path
# names the row there).
_LAB_NEEDS_NAMED: Final = {
    "test": gettext_noop("%(row)s: choose its test"),
    "value": gettext_noop("%(row)s: enter its value"),
    "unit": gettext_noop("%(row)s: choose its unit, as printed on the report (no unit is assumed)"),
    "date": gettext_noop("%(row)s: enter its date"),
}


def _lab_row_name(path: str, lab: LabResult) -> str | None:
    """The row's own words when the style names rows, else None."""
    style = _style()
    if not style.names_rows:
        return None
    return style.lab_row(lab.test, lab.date, int(path.rsplit("/", 1)[-1]) + 1)


def _range_in(test: str, unit: str) -> str:
    """The plausible range of ``test``'s value: in the canonical unit (× ULN for the tests
    judged against their ULN); named rows write it in the value's own unit (1 – 2000 G/L)."""
    spec = units.LAB_UNITS[test]
    if spec.needs_uln:
        return units.plausible_range_text(test, unit=gettext("× ULN"))
    if not _style().names_rows:
        return units.plausible_range_text(test)
    divisor = spec.divisors[unit]
    low, high = units.exact(spec.plausible_min) * divisor, units.exact(spec.plausible_max) * divisor
    return f"{_plain(low)} – {_plain(high)} {_style().unit(unit)}"


def _uln_slips(test: str, unit: str, uln: float) -> list[str]:
    """Other units of a × ULN test in which ``uln`` would be plausible (bilirubin's ULN 21
    given in mg/dL: µmol/L was meant); none for tests whose ULN is judged like their value."""
    ranges = RELATIVE_ULN_RANGES.get(test)
    if ranges is None:
        return units.unit_slip_hint(test, uln, unit)
    slips: list[str] = []
    for other in units.accepted_units(test):
        bounds = ranges.get(other)
        if bounds is None or units.same_unit(test, other, unit) or any(units.same_unit(test, other, s) for s in slips):
            continue
        if bounds[0] <= uln <= bounds[1]:
            slips.append(other)
    return slips


def _check_lab(path: str, lab: LabResult) -> Iterator[DocumentError]:
    row = _lab_row_name(path, lab)
    for name in ("test", "value", "unit", "date"):
        if getattr(lab, name) is None:
            message = gettext(_LAB_NEEDS[name]) if row is None else gettext(_LAB_NEEDS_NAMED[name]) % {"row": row}
            yield DocumentError(f"{path}/{name}", message)
    uln_usable = lab.uln is not None and lab.uln > 0
    if lab.uln is not None and not uln_usable:
        params = {"uln": _g(lab.uln), "row": row}
        yield DocumentError(
            f"{path}/uln",
            (
                gettext("ULN %(uln)s must be greater than 0")
                if row is None
                else gettext("%(row)s: ULN %(uln)s must be greater than 0")
            )
            % params,
        )
    if lab.test is None:
        return
    spec = units.LAB_UNITS[lab.test]
    if spec.needs_uln and lab.uln is None:
        yield DocumentError(
            f"{path}/uln",
            gettext("%(label)s needs its ULN (upper limit of normal), in the unit of the value")
            % {"label": gettext(spec.label) if row is None else row},
        )
    if lab.unit is None:
        return
    style = _style()
    if not units.is_accepted(lab.test, lab.unit):
        offered = units.accepted_units(lab.test) if row is None else units.unit_options(lab.test)
        accepted = ", ".join(style.unit(u) for u in offered)
        slip = units.unit_case_slip(lab.test, lab.unit)
        if row is None:
            message = (
                gettext(
                    "unit %(unit)s is not accepted for %(test)s; did you mean %(suggestion)s? accepted: %(accepted)s"
                )
                if slip
                else gettext("unit %(unit)s is not accepted for %(test)s; accepted: %(accepted)s")
            )
        else:
            message = (
                gettext("%(row)s: unit %(unit)s is not accepted; did you mean %(suggestion)s? accepted: %(accepted)s")
                if slip
                else gettext("%(row)s: unit %(unit)s is not accepted; accepted: %(accepted)s")
            )
        yield DocumentError(
            f"{path}/unit",
            message
            % {
                "unit": repr(lab.unit),
                "test": lab.test,
                "row": row,
                "suggestion": slip if slip is None else style.unit(slip),
                "accepted": accepted,
            },
        )
        return
    if lab.uln is not None and uln_usable and not _uln_is_plausible(lab.test, lab.unit, lab.uln):
        uln_usable = False
        bounds = _uln_range(lab.test, lab.unit)
        if bounds is None:
            plausible = _range_in(lab.test, lab.unit)
        else:
            plausible = f"{_plain(bounds[0])} – {_plain(bounds[1])} {style.unit(lab.unit)}"
        slips = _uln_slips(lab.test, lab.unit, lab.uln)
        if row is None:
            message = (
                gettext(
                    "ULN %(uln)s %(unit)s is implausible for %(label)s (plausible: %(range)s); did you mean %(units)s?"
                )
                if slips
                else gettext("ULN %(uln)s %(unit)s is implausible for %(label)s (plausible: %(range)s)")
            )
        else:
            message = (
                gettext("%(row)s: ULN %(uln)s %(unit)s is implausible (plausible: %(range)s); did you mean %(units)s?")
                if slips
                else gettext("%(row)s: ULN %(uln)s %(unit)s is implausible (plausible: %(range)s)")
            )
        yield DocumentError(
            f"{path}/uln",
            message
            % {
                "uln": _plain(lab.uln),
                "unit": style.unit(lab.unit),
                "label": gettext(spec.label),
                "row": row,
                "range": plausible,
                "units": _either([style.unit(u) for u in slips]),
            },
        )
    # A × ULN value is judged against its ULN: not against a refused or absent one.
    if lab.value is None or (spec.needs_uln and not uln_usable):
        return
    if not _is_plausible(lab.test, lab.value, lab.unit, lab.uln):
        slips = units.unit_slip_hint(lab.test, lab.value, lab.unit)
        if row is None:
            message = (
                gettext("%(label)s %(value)s %(unit)s is implausible (plausible: %(range)s); did you mean %(units)s?")
                if slips
                else gettext("%(label)s %(value)s %(unit)s is implausible (plausible: %(range)s)")
            )
        else:
            message = (
                gettext("%(row)s: %(value)s %(unit)s is implausible (plausible: %(range)s); did you mean %(units)s?")
                if slips
                else gettext("%(row)s: %(value)s %(unit)s is implausible (plausible: %(range)s)")
            )
        yield DocumentError(
            f"{path}/value",
            message
            % {
                "label": gettext(spec.label),
                "row": row,
                "value": _plain(lab.value),
                "unit": style.unit(lab.unit),
                "range": _range_in(lab.test, lab.unit),
                "units": _either([style.unit(u) for u in slips]),
            },
        )


def _lab_dates(path: str, lab: LabResult, dates: _DateChecks) -> Iterator[DocumentError]:
    """The row's date checks; named rows say which row ("creatinine of 05/01/2027: ...")."""
    row = _lab_row_name(path, lab)
    for error in dates.observed(f"{path}/date", lab.date):
        if row is None:
            yield error
        else:
            yield DocumentError(error.path, gettext("%(row)s: %(message)s") % {"row": row, "message": error.message})


def _either(choices: list[str]) -> str:
    """``a or b`` (as many as given; "" for none)."""
    text = choices[0] if choices else ""
    for choice in choices[1:]:
        text = gettext("%(first)s or %(second)s") % {"first": text, "second": choice}
    return text


# --- result document ----------------------------------------------------------------


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


def result_document(evaluation: Evaluation, *, screening_id: str | None) -> ScreeningResult:
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
        "file": _printable(file),
        "errors": [{"path": _printable(e.path), "message": _printable(e.message)} for e in errors],
    }


def encode(document: ScreeningResult | dict[str, Any]) -> bytes:
    """A result or refusal as one line of JSON (no newline)."""
    return _ENCODER.encode(document)


def screen(
    raw: bytes | str, *, today: datetime.date, file: str, known_sites: Collection[str] = DEFAULT_SITE_CODES
) -> tuple[ScreeningResult | dict[str, Any], ScreeningDocument | None]:
    """Parse and evaluate one document: its result document, and the parsed document
    (None when refused, the result then being the refusal)."""
    try:
        doc = parse_screening(raw, today=today, known_sites=known_sites)
    except RefusedDocument as refused:
        return refused_document(refused.errors, file=file), None
    return result_document(evaluate(doc), screening_id=doc.screening_id), doc
