"""Hostile bodies: refused at their path, never an exception (issue 9, "No 500").

Spec (exchange-format.md, "Limits"): "NaN, Infinity and lone surrogates are not JSON and are
refused"; "strings: no U+0000 (NUL) character"; "list items: never null". Every string and
every path of the spec's example is tried, and the whole corpus goes through
``manage.py screen``: one refusal per document, exit status 2, and the documents after a
bad one are still answered.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from screening.exchange import RefusedDocument, encode, parse_screening, refused_document
from tests.exchange.conftest import EXAMPLE_PATH, TODAY, errors_of, example, example_with, only_error


def _leaves(node: Any, pointer: str = "") -> list[tuple[str, Any]]:
    """(pointer, value) of every node of ``node``, containers included, in document order."""
    found: list[tuple[str, Any]] = [(pointer, node)] if pointer else []
    if isinstance(node, dict):
        for key, value in node.items():
            found.extend(_leaves(value, f"{pointer}/{key}"))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found.extend(_leaves(value, f"{pointer}/{i}"))
    return found


PATHS = _leaves(example())
STRING_PATHS = [pointer for pointer, value in PATHS if isinstance(value, str)]
NUMBER_PATHS = [pointer for pointer, value in PATHS if isinstance(value, int | float) and not isinstance(value, bool)]
LISTS = ["/labs", "/tumour_samples", "/reproductive/pregnancy_tests", "/prior_therapy/drugs"]


def _with_literal(pointer: str, literal: str) -> bytes:
    """The example as JSON text with ``literal`` written verbatim at ``pointer``."""
    return json.dumps(example_with({pointer: "@literal@"})).replace('"@literal@"', literal).encode()


def test_every_kind_of_path_is_covered() -> None:
    assert len(STRING_PATHS) > 30
    assert set(_surrogate_paths()) <= set(STRING_PATHS)
    assert {"/patient/weight_kg", "/ecog", "/labs/0/value", "/labs/3/uln", "/lvef/percent"} <= set(NUMBER_PATHS)


# --- not JSON: NaN, Infinity, numbers beyond range ----------------------------------------


@pytest.mark.parametrize("pointer", NUMBER_PATHS)
@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_refused_at_their_path(pointer: str, literal: str) -> None:
    error = only_error(_with_literal(pointer, literal))
    assert error.path == pointer
    assert literal in error.message


@pytest.mark.parametrize("pointer", NUMBER_PATHS)
@pytest.mark.parametrize(
    "literal",
    ["1e999", "-1e999", "1" * 5000, "-" + "9" * 400, "1" + "0" * 310 + ".5"],
    ids=["1e999", "-1e999", "5000-digits", "400-digits", "311-digit-float"],
)
def test_number_beyond_a_float_refused_at_its_path(pointer: str, literal: str) -> None:
    assert only_error(_with_literal(pointer, literal)).path == pointer


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_not_json_constant_where_a_string_or_list_belongs_refused_at_its_path(literal: str) -> None:
    for pointer in ("/site", "/labs/0/unit", "/prior_therapy/drugs/0", "/labs", "/patient", "/consent/signed"):
        assert only_error(_with_literal(pointer, literal)).path == pointer


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "1e999", "[NaN]"])
def test_not_json_constant_as_the_document_refused_at_the_root(literal: str) -> None:
    assert only_error(literal.encode()).path == ""


# --- lone surrogates --------------------------------------------------------------------


def _surrogate_paths() -> list[str]:
    # Free text: enumerations and dates refuse any value not theirs, a surrogate included.
    return ["/screening_id", "/site", "/patient/initials", "/labs/0/unit", "/prior_therapy/drugs/0"]


@pytest.mark.parametrize("pointer", STRING_PATHS)
@pytest.mark.parametrize("escape", ["\\ud800", "\\udfff", "\\udc00x", "x\\ud83d"])
def test_lone_surrogate_refused_at_its_path(pointer: str, escape: str) -> None:
    original = dict(PATHS)[pointer]
    literal = json.dumps(original)[:-1] + escape + '"'
    error = only_error(_with_literal(pointer, literal))
    assert error.path == pointer
    # the refusal itself is encodable (a lone surrogate cannot be written as UTF-8)
    encode(refused_document([error], file="-"))


@pytest.mark.parametrize("pointer", _surrogate_paths())
def test_lone_surrogate_in_text_input_refused_like_an_escaped_one(pointer: str) -> None:
    text = json.dumps(example_with({pointer: "@s@"}), ensure_ascii=False).replace("@s@", "\ud800")
    error = only_error(text)
    assert error.path == pointer
    assert "surrogate" in error.message


@pytest.mark.parametrize("pointer", _surrogate_paths())
def test_lone_surrogate_in_decoded_data_refused(pointer: str) -> None:
    with pytest.raises(RefusedDocument) as refused:
        parse_screening(example_with({pointer: "M\ud800"}), today=TODAY)
    assert [e.path for e in refused.value.errors] == [pointer]


def test_surrogate_pair_is_a_character_and_accepted() -> None:
    # U+1F48A as a JSON escape pair: a drug name may hold it.
    raw = json.dumps(example()).replace('"paclitaxel"', '"paclitaxel \\ud83d\\udc8a"').encode()
    doc = parse_screening(raw, today=TODAY)
    assert doc.prior_therapy is not None
    assert doc.prior_therapy.drugs is not None
    assert doc.prior_therapy.drugs[0] == "paclitaxel \U0001f48a"


def test_lone_surrogate_in_a_key_refused_at_the_key_with_its_escape() -> None:
    raw = json.dumps(example()).replace('"initials"', '"\\ud800"').encode()
    (error,) = errors_of(raw)
    assert error.path == "/patient/\\ud800"
    encode(refused_document([error], file="-"))


# --- NUL, invalid UTF-8 -------------------------------------------------------------------


@pytest.mark.parametrize("pointer", STRING_PATHS)
@pytest.mark.parametrize("where", ["end", "start", "alone"])
def test_nul_in_every_string_refused_at_its_path(pointer: str, where: str) -> None:
    value = dict(PATHS)[pointer]
    value = {"end": value + "\x00", "start": "\x00" + value, "alone": "\x00"}[where]
    assert only_error(example_with({pointer: value})).path == pointer


@pytest.mark.parametrize("body", [b'{"format": "alter-screening/1\x00"}', b"\x00", b'{"site": "IPC\x00"}'])
def test_raw_nul_byte_is_not_json(body: bytes) -> None:
    assert only_error(body).path == ""


@pytest.mark.parametrize(
    "bad",
    [b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80", b"\xc0\xaf"],
    ids=["ff", "truncated", "encoded-surrogate", "5-byte", "overlong"],
)
def test_invalid_utf8_in_a_string_refused_at_the_root(bad: bytes) -> None:
    raw = json.dumps(example()).encode().replace(b'"MD"', b'"M' + bad + b'D"')
    error = only_error(raw)
    assert error.path == ""
    assert "UTF-8" in error.message


# --- empty strings and wrong types --------------------------------------------------------


@pytest.mark.parametrize("pointer", LISTS)
@pytest.mark.parametrize("value", ["", None, " "])
def test_empty_or_null_item_in_every_list_refused_at_the_item(pointer: str, value: Any) -> None:
    doc = example_with({f"{pointer}/-": value})
    n = len(dict(_leaves(doc))[pointer]) - 1
    if value == " " and pointer == "/prior_therapy/drugs":
        return  # a drug named " " is a name (the form strips it; the exchange stores what it is given)
    assert only_error(doc).path == f"{pointer}/{n}"


@pytest.mark.parametrize("pointer", LISTS)
def test_list_of_only_empty_strings_each_refused(pointer: str) -> None:
    assert [e.path for e in errors_of(example_with({pointer: ["", "", ""]}))] == [f"{pointer}/{i}" for i in range(3)]


def _wrong_values(value: Any) -> list[Any]:
    """Values of every JSON kind other than ``value``'s (null aside: mostly allowed)."""
    kinds: dict[str, Any] = {"bool": True, "number": 7, "string": "x", "list": [], "object": {}}
    if isinstance(value, bool):
        mine = "bool"
    elif isinstance(value, int | float):
        mine = "number"
    elif isinstance(value, str):
        mine = "string"
    elif isinstance(value, list):
        mine = "list"
    else:
        mine = "object"
    return [wrong for kind, wrong in kinds.items() if kind != mine]


# (A null of the example has no kind to be wrong against.)
WRONG_TYPES = [(pointer, wrong) for pointer, value in PATHS if value is not None for wrong in _wrong_values(value)]


@pytest.mark.parametrize(("pointer", "wrong"), WRONG_TYPES, ids=[f"{p}={json.dumps(w)}" for p, w in WRONG_TYPES])
def test_wrong_type_at_every_path_refused_at_that_path(pointer: str, wrong: Any) -> None:
    if isinstance(dict(PATHS)[pointer], str) and wrong == "x":
        pytest.skip("a string is the right kind")
    assert only_error(example_with({pointer: wrong})).path == pointer


# --- the corpus through `manage.py screen` ----------------------------------------------

MINIMAL = '{"format": "alter-screening/1", "site": "IPC", "assessment_date": "2026-03-10"'
CORPUS: dict[str, bytes] = {
    "deep-9": (MINIMAL + ', "x": ' + "[" * 8 + "]" * 8 + "}").encode(),
    "deep-100000": b"[" * 100_000,
    "deep-100000-closed": b"[" * 100_000 + b"]" * 100_000,
    "unknown-key-1000-deep": (MINIMAL + ', "x": ' + '{"y": ' * 1000 + "1" + "}" * 1000 + "}").encode(),
    "over-1-mib": b" " * (1024 * 1024) + b"{}",
    "nan": _with_literal("/patient/weight_kg", "NaN"),
    "infinity": _with_literal("/ecog", "Infinity"),
    "minus-infinity": _with_literal("/labs/0/value", "-Infinity"),
    "1e999": _with_literal("/labs/3/uln", "1e999"),
    "huge-integer": _with_literal("/ecog", "9" * 5000),
    "lone-surrogate": _with_literal("/patient/initials", '"\\ud800"'),
    "lone-surrogate-key": json.dumps(example()).replace('"initials"', '"\\udc00"').encode(),
    "nul": _with_literal("/prior_therapy/drugs/0", '"a\\u0000b"'),
    "invalid-utf8": json.dumps(example()).encode().replace(b'"MD"', b'"\xff"'),
    "empty-drug": json.dumps(example_with({"/prior_therapy": {"drugs": [""]}})).encode(),
    "null-lab": json.dumps(example_with({"/labs/2": None})).encode(),
    "empty-lab": json.dumps(example_with({"/labs/2": ""})).encode(),
    "61-labs": json.dumps(example_with({"/labs": example()["labs"][:1] * 61})).encode(),
    "uln-1e308": json.dumps(example_with({"/labs/4/uln": 1e308})).encode(),
    "assessment-0001": json.dumps(example_with({"/assessment_date": "0001-01-01"})).encode(),
    "randomization-9999": json.dumps(example_with({"/planned_randomization_date": "9999-12-31"})).encode(),
    "screening-id-arabic": json.dumps(example_with({"/screening_id": "IPC-\u0661\u0662\u0663\u0664"})).encode(),
    "screening-id-0000": json.dumps(example_with({"/screening_id": "IPC-0000"})).encode(),
    "initials-template": json.dumps(example_with({"/patient/initials": "{{7*7}}"})).encode(),
    "not-an-object": b"[]",
    "empty": b"",
    "bom": b"\xef\xbb\xbf" + json.dumps(example()).encode(),
    "truncated-surrogate": b'{"site": "\\ud8',
}


@pytest.mark.parametrize("name", list(CORPUS))
def test_corpus_document_refused_never_an_exception(name: str) -> None:
    with pytest.raises(RefusedDocument) as refused:
        parse_screening(CORPUS[name], today=TODAY)
    assert refused.value.errors
    encode(refused_document(refused.value.errors, file=name))


def test_corpus_through_screen_each_refused_in_its_place_the_last_answered_exit_2(tmp_path: Path) -> None:
    files = []
    for name, body in CORPUS.items():
        path = tmp_path / f"{name}.json"
        path.write_bytes(body)
        files.append(path)
    out = io.StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("screen", *map(str, files), str(EXAMPLE_PATH), stdout=out, stderr=io.StringIO())
    assert failed.value.returncode == 2
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(lines) == len(files) + 1
    for path, line in zip(files, lines, strict=False):
        assert set(line) == {"format", "file", "errors"}, path.name
        assert line["file"] == str(path)
        assert line["errors"], path.name
    assert lines[-1]["status"] == "eligible"
