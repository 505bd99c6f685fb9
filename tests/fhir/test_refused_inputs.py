"""Refused inputs (fhir-labs.md, "Input"): every error at its JSON Pointer, nothing proposed."""

from __future__ import annotations

from typing import Any

import pytest

from screening.fhir.reading import RefusedInput
from tests.fhir.builders import bundle, labs, observation, output, paths, patient, quantity, refused


def _without(resource: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in resource.items() if k not in keys}


@pytest.mark.parametrize(
    ("data", "where"),
    [
        # A missing required element at the key's own path.
        (bundle(observation(), _without(observation("b"), "status")), ["/entry/1/resource/status"]),
        (bundle(_without(observation(), "code")), ["/entry/0/resource/code"]),
        (_without(observation(), "status"), ["/status"]),
        ({"resourceType": "Bundle", "entry": []}, ["/type"]),
        (bundle({"id": "x", "status": "final"}), ["/entry/0/resource/resourceType"]),
        # Neither a Bundle nor an Observation.
        (patient(), ["/resourceType"]),
        ({"entry": []}, ["/resourceType"]),
        ({"resourceType": "DiagnosticReport", "status": "final", "code": {"text": "x"}}, ["/resourceType"]),
        # Types and structure.
        (bundle(observation(value=quantity("x"))), ["/entry/0/resource/valueQuantity/value"]),
        (bundle(observation(value=quantity("62"))), ["/entry/0/resource/valueQuantity/value"]),
        (bundle(observation(value=quantity(True))), ["/entry/0/resource/valueQuantity/value"]),
        (
            bundle(observation(referenceRange=[{"high": {"value": "40", "unit": "U/L"}}])),
            ["/entry/0/resource/referenceRange/0/high/value"],
        ),
        (bundle(observation(when="2026-03-05T08:30:00")), ["/entry/0/resource/effectiveDateTime"]),  # no offset
        (bundle(observation(when="2026-02-30")), ["/entry/0/resource/effectiveDateTime"]),
        (bundle(observation(code={"coding": {"system": "http://loinc.org"}})), ["/entry/0/resource/code/coding"]),
        (bundle(observation(valueQuantity="62 umol/L")), ["/entry/0/resource/valueQuantity"]),
        (bundle(observation(status=3)), ["/entry/0/resource/status"]),
        (bundle(observation(id="obs 1")), ["/entry/0/resource/id"]),
        (bundle(observation(colour="red")), ["/entry/0/resource/colour"]),
        (bundle(observation(when="2026-03-05", effectivePeriod={"start": "2026-03-05"})), ["/entry/0/resource"]),
        (bundle(patient(birth="1981-02-30")), ["/entry/0/resource/birthDate"]),
        # Every resource of the input, not only the Observations.
        (bundle(observation(), {"resourceType": "Encounter", "status": "finished"}), ["/entry/1/resource/class"]),
        (bundle({"resourceType": "Specimen", "id": "s1", "foo": 1}), ["/entry/0/resource/foo"]),
        (bundle({"resourceType": "Foo", "id": "x"}), ["/entry/0/resource/resourceType"]),
        (bundle(observation(contained=[{"resourceType": "Bar"}])), ["/entry/0/resource/contained/0/resourceType"]),
        ({"resourceType": "Bundle", "type": "collection", "entry": [None, {"resource": observation()}]}, ["/entry/0"]),
        ({"resourceType": "Bundle", "type": "collection", "entry": {"resource": observation()}}, ["/entry"]),
    ],
)
def test_refused_at_the_path_of_the_error(data: dict[str, Any], where: list[str]) -> None:
    assert paths(data) == where


def test_every_error_is_reported_not_only_the_first() -> None:
    """A refused element does not hide the required elements its resource lacks."""
    bad = _without(observation("a", value=quantity("x")), "status")
    data = bundle(bad, patient(birth="1981-02-30", foo=1), _without(observation("c"), "code", "status"))

    assert paths(data) == [
        "/entry/0/resource/status",
        "/entry/0/resource/valueQuantity/value",
        "/entry/1/resource/birthDate",
        "/entry/1/resource/foo",
        "/entry/2/resource/code",
        "/entry/2/resource/status",
    ]


def test_messages_name_the_problem() -> None:
    messages = {e.path: e.message for e in refused(bundle(_without(observation(), "status"), patient(foo=1)))}

    assert messages == {"/entry/0/resource/status": "is required", "/entry/1/resource/foo": "unknown element"}
    [error] = refused(patient())
    assert error.message == "a Bundle or an Observation is expected, not Patient"


@pytest.mark.parametrize(
    "text", [b"", b"{", b"[]", b'"Bundle"', b'{"resourceType": "Observation", "x": NaN}', b"\xff\xfe"]
)
def test_not_a_json_object(text: bytes) -> None:
    assert paths(text) == [""]


def test_at_most_2000_entries() -> None:
    entries = [observation(f"o{i}", when="2026-03-05") for i in range(2000)]

    assert paths(bundle(*entries, observation("last"))) == ["/entry"]


def test_2000_entries_are_accepted() -> None:
    result = output(bundle(*(observation(f"o{i}", when="2026-03-05", value=quantity(i + 10)) for i in range(2000))))

    assert len(result["proposed"]) == 2000


def test_a_refusal_proposes_nothing() -> None:
    """The valid Observation is not proposed either: the input is refused whole."""
    data = bundle(observation("good"), _without(observation("bad"), "status"))

    with pytest.raises(RefusedInput) as refusal:
        labs(data)
    assert [e.path for e in refusal.value.errors] == ["/entry/1/resource/status"]
