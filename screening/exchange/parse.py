"""Reading a document: JSON (bytes, text or already-decoded data) to a validated
:class:`ScreeningDocument`, or :class:`RefusedDocument` with every error of the document.

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

The value checks (``checks.py``) then run on the typed document in both cases.
"""

from __future__ import annotations

import datetime
import functools
import json
import re
from collections.abc import Collection, Iterator
from typing import Any, Final

import msgspec

from screening.exchange.checks import DEFAULT_SITE_CODES, bad_text, check_values
from screening.exchange.messages import (
    LONE_SURROGATE,
    DocumentError,
    gettext,
    is_json_number,
    json_kind,
    printable,
    shown,
)
from screening.rules.document import FORMAT, ScreeningDocument

# exchange-format.md, "Limits" (the list limits are declared on the types, rules/document.py).
DOCUMENT_MAX_BYTES: Final = 1024 * 1024  # "at most 1 MiB of JSON"
DEPTH_MAX: Final = 8  # "nested at most 8 levels deep": the document object is level 1


class RefusedDocument(Exception):  # noqa: N818 - a refused document is the domain's word
    """A document that is not a valid `alter-screening/1`; nothing of it may be stored."""

    def __init__(self, errors: list[DocumentError]) -> None:
        errors = [
            e if e.path.isascii() and e.message.isascii() else DocumentError(printable(e.path), printable(e.message))
            for e in errors
        ]
        super().__init__("; ".join(f"{e.path or '/'}: {e.message}" for e in errors))
        self.errors = errors


_DECODER: Final = msgspec.json.Decoder(ScreeningDocument)
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
        errors.extend(check_values(doc, today=today, known_sites=known_sites, refused=refused, check_texts=check_texts))
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
        raw = LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", raw)
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
        # int | float: an integer-valued field, checked further in check_values
        return _walk(value, msgspec.inspect.FloatType(), path, errors)
    if isinstance(t, msgspec.inspect.StructType):
        if not isinstance(value, dict):
            errors.append(
                DocumentError(path, errors.tr("must be an object, not %(kind)s") % {"kind": json_kind(value)})
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
                errors.tr("must be one of %(allowed)s, not %(value)s") % {"allowed": allowed, "value": shown(value)},
            )
        )
        return _DROP
    if isinstance(t, msgspec.inspect.BoolType):
        if isinstance(value, bool):
            return value
        errors.append(
            DocumentError(path, errors.tr("must be true or false (or null), not %(value)s") % {"value": shown(value)})
        )
        return _DROP
    if isinstance(t, msgspec.inspect.FloatType):
        if is_json_number(value):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            errors.append(DocumentError(path, errors.tr("is a number out of range")))
            return _DROP
        errors.append(DocumentError(path, errors.tr("must be a number, not %(value)s") % {"value": shown(value)}))
        return _DROP
    if isinstance(t, msgspec.inspect.StrType):
        return _walk_str(value, t, path, errors)
    if isinstance(t, msgspec.inspect.DateType):
        if not isinstance(value, str) or not _DATE_SHAPE.fullmatch(value):
            errors.append(
                DocumentError(
                    path, errors.tr("must be a date written YYYY-MM-DD, not %(value)s") % {"value": shown(value)}
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
        errors.append(DocumentError(path, errors.tr("must be a list, not %(kind)s") % {"kind": json_kind(value)}))
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
        errors.append(DocumentError(path, errors.tr("must be a string, not %(value)s") % {"value": shown(value)}))
        return _DROP
    if t.min_length is not None and len(value) < t.min_length:
        errors.append(DocumentError(path, errors.tr("must not be empty")))
        return _DROP
    if t.max_length is not None and len(value) > t.max_length:
        errors.append(DocumentError(path, errors.tr("at most %(n)s characters") % {"n": t.max_length}))
        return _DROP
    # json reads "\ud800" (msgspec refuses it): not text, refused here at its path.
    if not value.isascii() and (message := bad_text(value)) is not None:
        errors.append(DocumentError(path, message))
        return _DROP
    return value


def _not_json_constant(value: _NotJsonConstant) -> str:
    return gettext("JSON has no %(constant)s") % {"constant": value.name}


def _not_json(exc: Exception) -> str:
    return gettext("not valid JSON: %(error)s") % {"error": exc}


def _placeholder(t: msgspec.inspect.Type) -> Any:
    """A value of type ``t`` holding a refused item's place in its list."""
    if isinstance(t, msgspec.inspect.StructType):
        return {}
    if isinstance(t, msgspec.inspect.StrType):
        return "?" * (t.min_length or 0)
    return None


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
