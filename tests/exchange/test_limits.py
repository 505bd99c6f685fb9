"""The limits of `alter-screening/1` (exchange-format.md, "Limits"), each on both sides.

Spec: "A document outside these limits is refused, each at its own path, like any other
invalid value". Every limit is tested at the limit (accepted, or at least not refused for
that limit) and one beyond (refused at its path, with a message naming the limit).
"""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest

from screening.exchange import (
    DEPTH_MAX,
    DOCUMENT_MAX_BYTES,
    EARLIEST_DATE,
    RECORD_VERSION_MAX,
    parse_screening,
)
from screening.rules import units
from screening.rules.document import (
    DRUG_NAME_MAX_CHARS,
    DRUGS_MAX,
    LABS_MAX,
    PREGNANCY_TESTS_MAX,
    TUMOUR_SAMPLES_MAX,
)
from tests.exchange.conftest import (
    ABSENT,
    OBSERVATION_DATES,
    TODAY,
    error_paths,
    errors_of,
    example,
    example_with,
    lab_index,
    only_error,
    parsed,
    with_lab,
)

MINIMAL = {"format": "alter-screening/1", "site": "IPC", "assessment_date": "2026-03-10"}


def test_limits_are_the_spec_s() -> None:
    assert DOCUMENT_MAX_BYTES == 1_048_576
    assert DEPTH_MAX == 8
    assert (LABS_MAX, TUMOUR_SAMPLES_MAX, PREGNANCY_TESTS_MAX, DRUGS_MAX) == (60, 10, 20, 50)
    assert DRUG_NAME_MAX_CHARS == 200
    assert EARLIEST_DATE == datetime.date(1900, 1, 1)


# --- document size ------------------------------------------------------------------------


def _padded_to(size: int) -> bytes:
    """The example as JSON, padded with spaces (insignificant in JSON) to ``size`` bytes."""
    body = json.dumps(example()).encode()
    return body[:-1] + b" " * (size - len(body)) + body[-1:]


def test_document_of_exactly_1_mib_accepted() -> None:
    body = _padded_to(DOCUMENT_MAX_BYTES)
    assert len(body) == DOCUMENT_MAX_BYTES
    parsed(body)


def test_document_of_1_mib_and_1_byte_refused_at_the_root() -> None:
    error = only_error(_padded_to(DOCUMENT_MAX_BYTES + 1))
    assert error.path == ""
    assert "1 MiB" in error.message
    assert str(DOCUMENT_MAX_BYTES + 1) in error.message


def test_document_size_of_text_counted_in_utf8_bytes() -> None:
    # 'é' is two bytes: a text of fewer than 1 MiB characters may still be over 1 MiB.
    text = json.dumps(example_with({"/patient/initials": "É"}), ensure_ascii=False)
    padding = DOCUMENT_MAX_BYTES - len(text.encode())
    assert only_error(text[:-1] + " " * (padding + 1) + text[-1:]).path == ""
    parsed(text[:-1] + " " * padding + text[-1:])


def test_oversized_document_is_not_read() -> None:
    # Refused for its size alone: even malformed JSON gets only that error.
    (error,) = errors_of(b"{" * (DOCUMENT_MAX_BYTES + 1))
    assert "1 MiB" in error.message


# --- nesting depth ------------------------------------------------------------------------


def _nested(levels: int, *, opening: str = "[", closing: str = "]", inner: str = "") -> str:
    return opening * levels + inner + closing * levels


@pytest.mark.parametrize(("opening", "closing"), [("[", "]"), ('{"a":', "}")], ids=["lists", "objects"])
def test_document_nested_8_levels_not_refused_for_depth(opening: str, closing: str) -> None:
    # The document is level 1, "x" holds levels 2 to 8: refused only as an unknown field.
    raw = (
        json.dumps(MINIMAL)[:-1]
        + ', "x": '
        + _nested(DEPTH_MAX - 1, opening=opening, closing=closing, inner="1" if opening != "[" else "")
        + "}"
    )
    assert [e.path for e in errors_of(raw.encode())] == ["/x"]
    assert [e.path for e in errors_of({**MINIMAL, "x": json.loads(raw)["x"]})] == ["/x"]


@pytest.mark.parametrize(
    ("opening", "closing", "deep_path"),
    [("[", "]", "/x/0/0/0/0/0/0/0"), ('{"a":', "}", "/x/a/a/a/a/a/a/a")],
    ids=["lists", "objects"],
)
def test_document_nested_9_levels_refused_at_the_ninth(opening: str, closing: str, deep_path: str) -> None:
    raw = (
        json.dumps(MINIMAL)[:-1]
        + ', "x": '
        + _nested(DEPTH_MAX, opening=opening, closing=closing, inner="1" if opening != "[" else "")
        + "}"
    )
    errors = errors_of(raw.encode())
    assert [e.path for e in errors] == [deep_path, "/x"]
    assert "8 levels" in errors[0].message
    # The same refusals for decoded data (the web form's): the same paths, the same order.
    assert errors_of({**MINIMAL, "x": json.loads(raw)["x"]}) == errors


def test_too_deep_inside_a_list_of_the_format_refused_with_the_item_s_own_error() -> None:
    raw = json.dumps(example_with({"/labs/-": "@deep@"})).replace('"@deep@"', _nested(7))
    n = len(example()["labs"])
    assert [e.path for e in errors_of(raw.encode())] == [f"/labs/{n}/0/0/0/0/0/0", f"/labs/{n}"]


def test_too_deep_part_does_not_hide_other_errors() -> None:
    raw = json.dumps(example_with({"/ecog": 7, "/x": "@deep@"})).replace('"@deep@"', _nested(10))
    assert error_paths(raw.encode()) == {"/x/0/0/0/0/0/0/0", "/x", "/ecog"}


@pytest.mark.parametrize("levels", [100_000, 200_000])  # 200,000 objects: just under 1 MiB
def test_deeply_nested_lists_refused_without_recursion(levels: int) -> None:
    for raw in (b"[" * levels, b"[" * levels + b"]" * levels, b'{"a":' * levels):
        errors = errors_of(raw)
        assert errors[0].path == "/0/0/0/0/0/0/0/0" or errors[0].path == "/a/a/a/a/a/a/a/a"
        assert "8 levels" in errors[0].message
        assert [e.path for e in errors[1:]] == [""]  # not closed / not an object: at the root


@pytest.mark.parametrize(
    "body",
    [b"[" * 9 + b'"' + b'\\"' * 500_000, b"[" * 9 + b'"a",' * 250_000, b'{"a": ' * 8 + b'"\\' * 500_000],
    ids=["unterminated-string-of-escaped-quotes", "many-strings", "backslashes"],
)
def test_scanner_is_linear_on_a_body_of_1_mib(body: bytes) -> None:
    # Each of these took minutes when a string was looked for again from every later quote;
    # the result is what is asserted (a quadratic scan would not finish).
    assert len(body) <= DOCUMENT_MAX_BYTES
    errors = errors_of(body)
    assert "8 levels" in errors[0].message or errors[0].path == ""


def test_every_too_deep_container_refused_at_its_own_path() -> None:
    raw = json.dumps(MINIMAL)[:-1] + ', "x": ' + "[" * 6 + "[[], [], []]" + "]" * 6 + "}"
    assert [e.path for e in errors_of(raw.encode())] == [f"/x/0/0/0/0/0/0/{i}" for i in range(3)] + ["/x"]


def test_unknown_key_nested_1000_deep_refused() -> None:
    raw = json.dumps(MINIMAL)[:-1] + ', "x": ' + '{"y": ' * 1000 + "1" + "}" * 1000 + "}"
    assert [e.path for e in errors_of(raw.encode())] == ["/x/y/y/y/y/y/y/y", "/x"]


@pytest.mark.parametrize(
    "drug",
    ["[[[[[[[[[[[[", "{{{{{{{{{{{{", 'a \\" [[[[[[[[[[[', "\\\\[[[[[[[[[[["],
    ids=["lists", "objects", "escaped-quote", "escaped-backslash"],
)
def test_brackets_inside_strings_are_not_nesting(drug: str) -> None:
    raw = json.dumps(example()).replace('"paclitaxel"', f'"{drug}"')
    parsed(raw.encode())
    # ... also when the document is refused for something else (the scanner then reads it).
    raw = json.dumps(example_with({"/ecog": 9, "/x": "@deep@"})).replace('"paclitaxel"', f'"{drug}"')
    assert error_paths(raw.replace('"@deep@"', _nested(9)).encode()) == {"/ecog", "/x", "/x/0/0/0/0/0/0/0"}


def test_escaped_key_named_by_its_json_pointer_when_too_deep() -> None:
    raw = json.dumps(MINIMAL)[:-1] + ', "a/b~": ' + _nested(8) + "}"
    assert [e.path for e in errors_of(raw.encode())] == ["/a~1b~0/0/0/0/0/0/0/0", "/a~1b~0"]


# --- screening_id ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "number", ["IPC-0001", "IPC-0007", "IPC-9999", "IPC-00001", "IPC-10000", "IPC-000001", "IPC-999999"]
)
def test_screening_id_site_code_and_4_to_6_ascii_digits_accepted(number: str) -> None:
    assert parsed(example_with({"/screening_id": number})).screening_id == number


@pytest.mark.parametrize(
    "number",
    [
        "IPC-0000",  # all zero
        "IPC-00000",
        "IPC-000000",
        "IPC-123",  # 3 digits
        "IPC-1234567",  # 7 digits
        "IPC-0\u0660\u0660\u06601",  # Arabic-Indic digits, which \d matches and int() reads
        "IPC-\u0661\u0662\u0663\u0664",
        "IPC-\uff11\uff12\uff13\uff14",  # fullwidth digits
        "IGR-0001",  # another site's code
        "ipc-0001",
        "IPC0001",
        "IPC--0001",
        "IPC-+123",
        "IPC-12.5",
        " IPC-0001",
        "IPC-0001 ",
        "IPC-0001\n",  # $ would match before it
        "",
        "IPC",
    ],
)
def test_screening_id_not_of_the_site_s_form_refused_at_screening_id(number: str) -> None:
    error = only_error(example_with({"/screening_id": number}))
    assert error.path == "/screening_id"
    assert "IPC-" in error.message
    assert "4 to 6 digits" in error.message


def test_screening_id_of_another_site_refused_with_the_same_message_as_a_malformed_one() -> None:
    # The refusal says nothing of whether a screening exists under that number.
    other = only_error(example_with({"/screening_id": "IGR-0999"})).message
    malformed = only_error(example_with({"/screening_id": "IPC-0x99"})).message
    assert other.replace("'IGR-0999'", "N") == malformed.replace("'IPC-0x99'", "N")


def test_screening_id_of_the_document_s_own_site_accepted_for_each_site() -> None:
    assert parsed(example_with({"/site": "IGR", "/screening_id": "IGR-0001"})).screening_id == "IGR-0001"


def test_screening_id_with_unknown_site_only_the_site_refused() -> None:
    assert only_error(example_with({"/site": "XYZ", "/screening_id": "XYZ-0001"})).path == "/site"


def test_screening_id_with_refused_site_checked_for_its_form_only() -> None:
    doc = example_with({"/site": ABSENT, "/screening_id": "IPC-0000"})
    assert error_paths(doc) == {"/site", "/screening_id"}
    assert error_paths(example_with({"/site": 5, "/screening_id": "IGR-0001"})) == {"/site"}


# --- initials -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("M", "M"),
        ("MD", "MD"),
        ("md", "MD"),
        ("ABCDE", "ABCDE"),
        ("é", "É"),
        ("J-P", "J-P"),
        ("A B", "A B"),
        ("Øæ", "ØÆ"),
        ("ÀÖØÞ", "ÀÖØÞ"),
    ],
)
def test_initials_of_1_to_5_letters_hyphen_or_space_accepted_in_capitals(given: str, stored: str) -> None:
    doc = parsed(example_with({"/patient/initials": given}))
    assert doc.patient is not None
    assert doc.patient.initials == stored


@pytest.mark.parametrize(
    "initials",
    ["", "ABCDEF", "abcdef", "=1+1", "{{7*7}}", "M.D", "M1", "<b>", "M\tD", "Ω", "MD\n", "Marie-Dominique"],
)
def test_initials_not_1_to_5_letters_refused_at_initials(initials: str) -> None:
    error = only_error(example_with({"/patient/initials": initials}))
    assert error.path == "/patient/initials"
    assert "1 to 5 letters" in error.message


def test_initials_longer_than_the_record_keeps_refused_by_the_exchange_itself() -> None:
    # services refused > 12 characters only on --save / import: now `screen` refuses too.
    assert only_error(example_with({"/patient/initials": "A" * 13})).path == "/patient/initials"


# --- lists ----------------------------------------------------------------------------------

LIST_LIMITS = [
    # list pointer, limit, an item to repeat
    ("/labs", LABS_MAX, {"test": "hemoglobin", "value": 11.2, "unit": "g/dL", "date": "2026-03-05"}),
    ("/tumour_samples", TUMOUR_SAMPLES_MAX, {"site": "primary", "laterality": "left", "date": "2024-11-05"}),
    ("/reproductive/pregnancy_tests", PREGNANCY_TESTS_MAX, {"result": "negative", "date": "2026-03-09"}),
    ("/prior_therapy/drugs", DRUGS_MAX, "paclitaxel"),
]


@pytest.mark.parametrize(("pointer", "limit", "item"), LIST_LIMITS, ids=[p for p, _, _ in LIST_LIMITS])
def test_list_at_its_limit_accepted(pointer: str, limit: int, item: Any) -> None:
    parsed(example_with({pointer: [item] * limit}))


@pytest.mark.parametrize(("pointer", "limit", "item"), LIST_LIMITS, ids=[p for p, _, _ in LIST_LIMITS])
def test_list_one_beyond_its_limit_refused_at_the_list(pointer: str, limit: int, item: Any) -> None:
    error = only_error(example_with({pointer: [item] * (limit + 1)}))
    assert error.path == pointer
    assert str(limit) in error.message


@pytest.mark.parametrize(("pointer", "limit", "item"), LIST_LIMITS, ids=[p for p, _, _ in LIST_LIMITS])
def test_list_beyond_its_limit_does_not_hide_other_errors(pointer: str, limit: int, item: Any) -> None:
    doc = example_with({pointer: [item] * 11_000, "/ecog": 7, "/patient/initials": "=1+1"})
    assert error_paths(doc) == {pointer, "/ecog", "/patient/initials"}


def test_list_beyond_its_limit_with_bad_items_one_error_for_the_list() -> None:
    # Its items are not read: 11,000 bad rows are one refusal, not 11,000.
    bad = {"test": "hemoglobin", "value": 11.2, "unit": "g/dl", "date": "2026-12-01", "foo": 1}
    assert [e.path for e in errors_of(example_with({"/labs": [bad] * 11_000}))] == ["/labs"]


def test_drug_name_of_200_characters_accepted() -> None:
    parsed(example_with({"/prior_therapy/drugs/1": "x" * DRUG_NAME_MAX_CHARS}))


@pytest.mark.parametrize("name", ["x" * (DRUG_NAME_MAX_CHARS + 1), "é" * (DRUG_NAME_MAX_CHARS + 1)])
def test_drug_name_of_201_characters_refused_at_the_drug(name: str) -> None:
    error = only_error(example_with({"/prior_therapy/drugs/1": name}))
    assert error.path == "/prior_therapy/drugs/1"
    assert "200" in error.message


def test_empty_drug_name_refused_at_the_drug() -> None:
    # It passed `screen` and then broke a database check on import (HTTP 500).
    error = only_error(example_with({"/prior_therapy": {"drugs": [""]}}))
    assert error.path == "/prior_therapy/drugs/0"
    assert "empty" in error.message


# --- dates ----------------------------------------------------------------------------------


@pytest.mark.parametrize("pointer", OBSERVATION_DATES)
def test_observation_dated_1900_01_01_accepted(pointer: str) -> None:
    parsed(example_with({pointer: "1900-01-01"}))


@pytest.mark.parametrize("pointer", [*OBSERVATION_DATES, "/patient/date_of_birth"])
@pytest.mark.parametrize("day", ["1899-12-31", "0001-01-01"])
def test_date_before_1900_refused_at_its_path(pointer: str, day: str) -> None:
    error = only_error(example_with({pointer: day}))
    assert error.path == pointer
    assert "1900-01-01" in error.message


@pytest.mark.parametrize("pointer", ["/assessment_date", "/planned_randomization_date"])
def test_visit_dated_1900_01_01_accepted(pointer: str) -> None:
    parsed({**MINIMAL, "assessment_date": "1900-01-01", pointer[1:]: "1900-01-01"})


@pytest.mark.parametrize("pointer", ["/assessment_date", "/planned_randomization_date"])
@pytest.mark.parametrize("day", ["1899-12-31", "0001-01-01"])
def test_visit_dated_before_1900_refused_at_its_path(pointer: str, day: str) -> None:
    error = only_error({**MINIMAL, pointer[1:]: day})
    assert error.path == pointer
    assert "1900-01-01" in error.message


TWO_YEARS_AHEAD = "2028-11-25"  # TODAY = 2026-11-25


@pytest.mark.parametrize("pointer", ["/assessment_date", "/planned_randomization_date"])
def test_visit_2_years_after_today_accepted(pointer: str) -> None:
    parsed({**MINIMAL, "assessment_date": TWO_YEARS_AHEAD, pointer[1:]: TWO_YEARS_AHEAD})


@pytest.mark.parametrize("pointer", ["/assessment_date", "/planned_randomization_date"])
@pytest.mark.parametrize("day", ["2028-11-26", "9999-12-31"])
def test_visit_more_than_2_years_after_today_refused_at_its_path(pointer: str, day: str) -> None:
    error = only_error({**MINIMAL, pointer[1:]: day})
    assert error.path == pointer
    assert "2 years" in error.message


def test_two_years_after_29_february_is_28_february() -> None:
    today = datetime.date(2028, 2, 29)
    parse_screening({**MINIMAL, "assessment_date": "2030-02-28"}, today=today)
    doc = {**MINIMAL, "assessment_date": "2030-03-01"}
    assert only_error(doc, today=today).path == "/assessment_date"


def test_date_of_birth_1900_01_01_refused_only_for_the_age() -> None:
    error = only_error(example_with({"/patient/date_of_birth": "1900-01-01"}))
    assert "age 126" in error.message


# --- numbers --------------------------------------------------------------------------------

ULN_EDGES = [
    # test, unit, uln, accepted
    ("total_bilirubin", "mg/dL", 0.1, True),
    ("total_bilirubin", "mg/dL", 0.09, False),
    ("total_bilirubin", "mg/dL", 20, True),
    ("total_bilirubin", "mg/dL", 20.01, False),
    ("total_bilirubin", "umol/L", 1.71, True),
    ("total_bilirubin", "umol/L", 1.7, False),
    ("total_bilirubin", "µmol/L", 342, True),
    ("total_bilirubin", "μmol/L", 342.1, False),
    ("alt", "U/L", 1, True),
    ("alt", "U/L", 0.99, False),
    ("alt", "IU/L", 1000, True),
    ("alt", "IU/L", 1000.1, False),
    ("ast", "U/L", 1000, True),
    ("ast", "U/L", 1001, False),
    # the other tests: the ULN is a value of the test, judged in the canonical unit
    ("hemoglobin", "g/dL", 2, True),
    ("hemoglobin", "g/dL", 1.99, False),
    ("hemoglobin", "g/L", 250, True),
    ("hemoglobin", "g/L", 250.1, False),
    ("creatinine", "umol/L", 8.84, True),  # 0.1 mg/dL exactly
    ("creatinine", "umol/L", 8.83, False),
    ("creatinine", "mg/dL", 20, True),
    ("creatinine", "mg/dL", 20.01, False),
    ("platelets", "10^9/L", 2000, True),
    ("platelets", "10^9/L", 2000.01, False),
    ("anc", "/mm3", 100_000, True),
    ("anc", "/mm3", 100_001, False),
    ("albumin", "g/L", 5, True),
    ("albumin", "g/L", 4.9, False),
]


@pytest.mark.parametrize(("test", "unit", "uln", "accepted"), ULN_EDGES)
def test_uln_within_the_plausible_range_of_the_test_in_the_value_s_unit(
    test: str, unit: str, uln: float, accepted: bool
) -> None:
    edits: dict[str, Any] = {"unit": unit, "uln": uln}
    if test in ("total_bilirubin", "alt", "ast"):
        edits["value"] = uln  # 1 × ULN: the value itself plausible
    else:
        edits["value"] = {"hemoglobin": 11.2, "creatinine": 0.77, "platelets": 231, "anc": 2400, "albumin": 38}[test]
        if (test, unit) == ("hemoglobin", "g/L"):
            edits["value"] = 112
        if (test, unit) == ("creatinine", "umol/L"):
            edits["value"] = 68
    doc = with_lab(test, edits)
    if accepted:
        parsed(doc)
    else:
        error = only_error(doc)
        assert error.path == f"/labs/{lab_index(test)}/uln"
        assert "implausible" in error.message


EXTREME_ULNS = [
    (test, uln)
    for test in ("hemoglobin", "anc", "platelets", "creatinine", "albumin", "total_bilirubin", "alt", "ast")
    for uln in (1e308, 1.7976931348623157e308, 1e-300)
    if (test, uln) != ("anc", 1e-300)
]  # ANC's plausible range starts at 0 /mm³: 1e-300 lies within it


@pytest.mark.parametrize(("test", "uln"), EXTREME_ULNS)
def test_extreme_uln_refused_at_uln(test: str, uln: float) -> None:
    # ULN 1e308 was accepted (ALT 25 / 1e308 = 0 × ULN, "plausible").
    error = only_error(with_lab(test, {"uln": uln}))
    assert error.path == f"/labs/{lab_index(test)}/uln"


def test_implausible_uln_not_used_to_judge_the_value() -> None:
    # ALT 25 U/L with ULN 1e308: one error, at the ULN (the value is not judged against it).
    assert error_paths(with_lab("alt", {"uln": 1e308})) == {f"/labs/{lab_index('alt')}/uln"}


@pytest.mark.parametrize(
    ("version", "accepted"),
    [
        (1, True),
        (RECORD_VERSION_MAX, True),
        (2.0, True),
        (0, False),
        (-1, False),
        (RECORD_VERSION_MAX + 1, False),
        (1.5, False),
        (1e300, False),
    ],
)
def test_record_version_a_whole_number_from_1_to_the_column_s_maximum(version: float, accepted: bool) -> None:
    doc = example_with({"/record_version": version})
    if accepted:
        assert parsed(doc).record_version == int(version)
    else:
        assert only_error(doc).path == "/record_version"


@pytest.mark.parametrize(
    "pointer",
    [
        "/patient/weight_kg",
        "/ecog",
        "/labs/0/value",
        "/labs/4/uln",
        "/lvef/percent",
        "/tumour_samples/0/er_percent",
        "/reproductive/amenorrhea_months",
        "/record_version",
    ],
)
@pytest.mark.parametrize(
    "value", [1e308, -1e308, 1e300, 10**200, -(10**200)], ids=["1e308", "-1e308", "1e300", "10^200", "-10^200"]
)
def test_huge_finite_number_refused_at_its_path(pointer: str, value: float) -> None:
    assert only_error(example_with({pointer: value})).path == pointer


@pytest.mark.parametrize(
    "test", ["hemoglobin", "anc", "platelets", "creatinine", "albumin", "total_bilirubin", "alt", "ast"]
)
@pytest.mark.parametrize(
    "value", [1e308, -1e308, 1.7976931348623157e308, 10**300], ids=["1e308", "-1e308", "max", "10^300"]
)
def test_huge_lab_value_refused_at_value_in_every_unit(test: str, value: float) -> None:
    for unit in units.accepted_units(test):
        doc = with_lab(test, {"value": value, "unit": unit})
        if test in ("total_bilirubin", "alt", "ast"):
            doc = with_lab(test, {"uln": {"total_bilirubin": 1.2 if unit == "mg/dL" else 21}.get(test, 40)}, doc)
        assert only_error(doc).path == f"/labs/{lab_index(test)}/value"


def test_assessment_date_today_example_still_accepted() -> None:
    parsed(
        example_with(
            {
                "/assessment_date": TODAY.isoformat(),
                "/planned_randomization_date": ABSENT,
                "/reproductive/pregnancy_tests": [],
            }
        )
    )
