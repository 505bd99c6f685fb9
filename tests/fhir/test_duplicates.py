"""``duplicate`` (fhir-labs.md): the same Observation (same id, or same test, local date,
value and exchange unit) already a lab row of the screening, or proposed earlier in the input."""

from __future__ import annotations

import datetime

from screening.fhir.labs import LabsOnFile
from tests.fhir.builders import bundle, observation, output, printed, quantity


def _codes(*observations: dict[str, object], on_file: LabsOnFile | None = None) -> list[tuple[str, str]]:
    """(observation, skip code or "" for proposed), sorted."""
    result = output(bundle(*observations), on_file=on_file)
    rows = [(p["source"]["observation"], "") for p in result["proposed"]]
    rows += [(s["observation"], s["code"]) for s in result["skipped"]]
    return sorted(rows)


def test_same_id_earlier_in_the_input() -> None:
    # The second has another value: a corrected copy, still the same Observation.
    assert _codes(observation("a"), observation("a", value=quantity(70))) == [("a", ""), ("a", "duplicate")]


def test_same_row_earlier_in_the_input() -> None:
    assert _codes(observation("a"), observation("b")) == [("a", ""), ("b", "duplicate")]


def test_same_row_in_another_spelling_of_the_unit() -> None:
    # Both are 10^9/L in the exchange format; 231 and 231.0 are the same value.
    platelets = {"loinc": "777-3"}
    assert _codes(
        observation("a", value=quantity(231, "10*9/L"), **platelets),
        observation("b", value=printed(231.0, "10^9/L"), **platelets),
    ) == [("a", ""), ("b", "duplicate")]


def test_another_value_unit_or_day_is_not_a_duplicate() -> None:
    assert _codes(
        observation("a"),
        observation("b", value=quantity(63)),
        observation("c", value=quantity(0.7, "mg/dL")),
        observation("d", when="2026-03-06T08:30:00+01:00"),
    ) == [("a", ""), ("b", ""), ("c", ""), ("d", "")]


def test_the_same_day_in_paris_written_in_utc_is_a_duplicate() -> None:
    assert _codes(
        observation("a", when="2026-03-05T00:30:00+01:00"), observation("b", when="2026-03-04T23:30:00Z")
    ) == [("a", ""), ("b", "duplicate")]


def test_a_skipped_observation_does_not_make_the_next_a_duplicate() -> None:
    assert _codes(observation("a", status="preliminary"), observation("a")) == [("a", ""), ("a", "not_final")]


def test_same_id_as_a_stored_row_s_source() -> None:
    on_file = LabsOnFile(observations=frozenset({"a"}))

    assert _codes(observation("a", value=quantity(70)), on_file=on_file) == [("a", "duplicate")]


def test_same_row_as_a_stored_one() -> None:
    on_file = LabsOnFile(rows=frozenset({("creatinine", datetime.date(2026, 3, 5), 62.0, "umol/L")}))

    assert _codes(observation("a"), observation("b", value=quantity(63)), on_file=on_file) == [
        ("a", "duplicate"),
        ("b", ""),
    ]


def test_a_stored_row_in_another_unit_is_not_a_duplicate() -> None:
    on_file = LabsOnFile(rows=frozenset({("creatinine", datetime.date(2026, 3, 5), 62.0, "µmol/L")}))

    assert _codes(observation("a"), on_file=on_file) == [("a", "")]


def test_reasons() -> None:
    result = output(
        bundle(observation("a"), observation("a"), observation("b")), on_file=LabsOnFile(observations=frozenset({"z"}))
    )

    assert [s["reason"] for s in result["skipped"]] == [
        "the same Observation a was proposed above",
        "the same lab row (creatinine 62 umol/L, 2026-03-05) was proposed above, from a",
    ]
    stored = output(observation("z"), on_file=LabsOnFile(observations=frozenset({"z"})))
    assert stored["skipped"][0]["reason"] == "Observation z is already a lab row of the screening"
