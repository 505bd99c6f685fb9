"""Every error of a document is reported; no check runs against a stand-in.

Spec (exchange-format.md): "Every error of a document is reported, not only the first: a
refused item of one list does not hide the errors of another field, and a check that
needs a refused or absent date (the age at the assessment date, "after R") is skipped
rather than run against a stand-in."
"""

from __future__ import annotations

from typing import Any

import pytest

from screening.exchange import DocumentError
from screening.exchange.parse import _without_repeats
from tests.exchange.conftest import (
    ABSENT,
    error_paths,
    errors_of,
    example_with,
    lab_index,
    only_error,
)

CREATININE_UNIT = f"/labs/{lab_index('creatinine')}/unit"


# --- a refused item hides nothing ---------------------------------------------------------


@pytest.mark.parametrize("item", [5, None, "", True, [], {}, "x" * 201, 1.5], ids=repr)
def test_bad_drug_item_does_not_hide_a_unit_error(item: Any) -> None:
    # A number or null in the drug list hid every other error: the creatinine "did you mean"
    # appeared only once the drug list was fixed.
    doc = example_with({"/prior_therapy/drugs/1": item, CREATININE_UNIT: "mg/dl"})
    errors = errors_of(doc)
    assert [e.path for e in errors] == ["/prior_therapy/drugs/1", CREATININE_UNIT]
    assert "mg/dL" in errors[1].message


@pytest.mark.parametrize(
    ("pointer", "item"),
    [("/labs/0", None), ("/labs/0", 5), ("/tumour_samples/0", "primary"), ("/reproductive/pregnancy_tests/0", [])],
)
def test_bad_item_of_one_list_does_not_hide_errors_of_others(pointer: str, item: Any) -> None:
    doc = example_with({pointer: item, CREATININE_UNIT: "mg/dl", "/ecog": 7, "/prior_therapy/drugs/0": ""})
    assert error_paths(doc) == {pointer, CREATININE_UNIT, "/ecog", "/prior_therapy/drugs/0"}


def test_several_bad_items_of_one_list_each_reported_at_its_index() -> None:
    doc = example_with({"/prior_therapy/drugs": ["a", 1, None, "", "b", "x" * 201]})
    assert [e.path for e in errors_of(doc)] == [f"/prior_therapy/drugs/{i}" for i in (1, 2, 3, 5)]


def test_refused_lab_item_not_checked_further() -> None:
    # The item's placeholder is never checked: no "needs its test" inside a refused item.
    assert [e.path for e in errors_of(example_with({"/labs/1": "anc 2.4"}))] == ["/labs/1"]


# --- no stand-in date ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "assessment", [ABSENT, None, "2026-02-30", "10/03/2026", 20260310, "0001-01-01", "9999-12-31"], ids=repr
)
def test_age_not_checked_when_the_assessment_date_is_refused(assessment: Any) -> None:
    # The age was checked against a stand-in date ("age 129 y at the assessment date").
    doc = example_with({"/assessment_date": assessment, "/patient/date_of_birth": "1901-01-01"})
    errors = errors_of(doc)
    assert [e.path for e in errors] == ["/assessment_date"]
    assert not any("age" in e.message for e in errors)


def test_date_of_birth_order_not_checked_when_the_assessment_date_is_refused() -> None:
    doc = example_with({"/assessment_date": "2026-02-30", "/patient/date_of_birth": "2026-06-01"})
    assert error_paths(doc) == {"/assessment_date"}


def test_checks_needing_no_assessment_date_still_run_when_it_is_refused() -> None:
    doc = example_with(
        {
            "/assessment_date": "2026-02-30",
            "/planned_randomization_date": None,
            "/consent/date": "2026-11-26",  # after today
            "/lvef/date": "1899-12-31",  # before 1900
            "/patient/date_of_birth": "2026-11-26",  # after today
            "/labs/0/date": "2026-11-30",  # after today
        }
    )
    assert error_paths(doc) == {
        "/assessment_date",
        "/consent/date",
        "/lvef/date",
        "/patient/date_of_birth",
        "/labs/0/date",
    }


def test_after_r_not_checked_when_r_would_be_the_refused_assessment_date() -> None:
    # No planned randomization date: R is the assessment date, refused: nothing is "after R".
    doc = example_with(
        {"/assessment_date": "2026-02-30", "/planned_randomization_date": ABSENT, "/consent/date": "2026-06-01"}
    )
    assert error_paths(doc) == {"/assessment_date"}


def test_after_r_still_checked_against_a_valid_planned_date_when_the_assessment_date_is_refused() -> None:
    doc = example_with({"/assessment_date": ABSENT, "/consent/date": "2026-03-13"})  # R = 2026-03-12
    assert error_paths(doc) == {"/assessment_date", "/consent/date"}


@pytest.mark.parametrize("planned", ["2026-02-30", 12, "9999-12-31"], ids=repr)
def test_after_r_not_checked_against_the_assessment_date_when_the_planned_date_is_refused(planned: Any) -> None:
    # R is the planned date, refused: a consent after the assessment date is not "after R".
    doc = example_with({"/planned_randomization_date": planned, "/consent/date": "2026-03-11"})
    assert only_error(doc).path == "/planned_randomization_date"


def test_date_order_not_checked_when_either_date_is_refused() -> None:
    doc = example_with({"/assessment_date": "2026-13-01", "/planned_randomization_date": "1899-12-31"})
    assert error_paths(doc) == {"/assessment_date", "/planned_randomization_date"}


def test_missing_site_and_assessment_date_hide_nothing_else() -> None:
    doc = example_with(
        {
            "/site": ABSENT,
            "/assessment_date": ABSENT,
            "/ecog": 5,
            CREATININE_UNIT: "mg/dl",
            "/prior_therapy/drugs/0": None,
        }
    )
    assert error_paths(doc) == {"/site", "/assessment_date", "/ecog", CREATININE_UNIT, "/prior_therapy/drugs/0"}


# --- one error per field, in linear time ----------------------------------------------------


def test_without_repeats_keeps_one_error_per_field_and_none_inside_a_refused_one() -> None:
    errors = [
        DocumentError("/labs/2", "a"),
        DocumentError("/labs/2/unit", "inside /labs/2"),
        DocumentError("/labs/2", "repeat"),
        DocumentError("/labs/20", "another field"),
        DocumentError("", "the document"),
        DocumentError("/ecog", "kept: the root refuses nothing inside it"),
        DocumentError("/a~1b/c", "escaped key"),
        DocumentError("/a~1b/c/d/e", "inside"),
        DocumentError("/a", "not the parent of /a~1b"),
    ]
    assert [e.message for e in _without_repeats(errors)] == [
        "a",
        "another field",
        "the document",
        "kept: the root refuses nothing inside it",
        "escaped key",
        "not the parent of /a~1b",
    ]


def test_without_repeats_of_many_errors_keeps_each_field_once() -> None:
    # 11,000 refused rows took 42 s when every error was compared with every other. The
    # result is what is asserted here: each field once, nothing inside a refused field.
    n = 50_000
    fields = [DocumentError(f"/labs/{i}", "refused") for i in range(n)]
    inside = [DocumentError(f"/labs/{i}/date", "inside") for i in range(n)]
    repeats = [DocumentError(f"/labs/{i}", "again") for i in range(n)]
    kept = _without_repeats(fields + inside + repeats + [DocumentError("/ecog", "other")])
    assert kept == [*fields, DocumentError("/ecog", "other")]


def test_document_with_many_unknown_keys_reports_each_once() -> None:
    doc = example_with({f"/k{i}": i for i in range(20_000)})
    errors = errors_of(doc)
    assert [e.path for e in errors] == [f"/k{i}" for i in range(20_000)]
