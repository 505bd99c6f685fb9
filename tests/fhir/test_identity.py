"""The patient identity rule (fhir-labs.md, "Patient identity"): lab results of another
patient are never proposed; the whole input is refused."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from screening.fhir.labs import PatientOnFile
from tests.fhir.builders import bundle, observation, output, paths, patient, refused

SCREENED = PatientOnFile(date_of_birth=datetime.date(1981, 7, 14), sex="female")


def test_the_screening_s_patient_is_proposed() -> None:
    result = output(bundle(patient(), observation(subject="Patient/p1")), patient=SCREENED)

    assert len(result["proposed"]) == 1


@pytest.mark.parametrize(
    ("person", "where"),
    [
        (patient(birth="1981-07-15"), ["/entry/0/resource/birthDate"]),
        (patient(gender="male"), ["/entry/0/resource/gender"]),
        (patient(gender="other"), ["/entry/0/resource/gender"]),
        (patient(gender="unknown"), ["/entry/0/resource/gender"]),
        (patient(birth="1975-01-01", gender="male"), ["/entry/0/resource/birthDate", "/entry/0/resource/gender"]),
        (patient(birth="1980"), ["/entry/0/resource/birthDate"]),
        (patient(birth="1981-08"), ["/entry/0/resource/birthDate"]),
    ],
)
def test_another_patient_is_refused_whole(person: dict[str, Any], where: list[str]) -> None:
    assert paths(bundle(person, observation(subject="Patient/p1")), patient=SCREENED) == where


@pytest.mark.parametrize(
    "person",
    [
        patient(birth="1981"),
        patient(birth="1981-07"),
        patient(birth=None),
        patient(gender=None),
        patient(birth=None, gender=None),
    ],
)
def test_what_the_input_does_not_say_agrees(person: dict[str, Any]) -> None:
    assert output(bundle(person, observation(subject="Patient/p1")), patient=SCREENED)["proposed"]


@pytest.mark.parametrize(
    "screened",
    [PatientOnFile(None, None), PatientOnFile(None, "female"), PatientOnFile(datetime.date(1981, 7, 14), None)],
)
def test_only_what_the_screening_knows_is_compared(screened: PatientOnFile) -> None:
    person = patient(birth="1981-07-14", gender="female")
    other = patient(birth="1950-01-01", gender="male")
    assert output(bundle(person, observation(subject="Patient/p1")), patient=screened)["proposed"]
    if screened.date_of_birth is None and screened.sex is None:
        assert output(bundle(other, observation(subject="Patient/p1")), patient=screened)["proposed"]


def test_a_patient_not_referenced_counts_too() -> None:
    assert paths(bundle(observation(), patient("p2", gender="male")), patient=SCREENED) == ["/entry/1/resource/gender"]


def test_without_a_screening_the_patient_is_not_compared() -> None:
    assert output(bundle(patient(gender="male"), observation(subject="Patient/p1")))["proposed"]


def test_the_refusal_says_why() -> None:
    [error] = refused(bundle(patient(gender="male"), observation()), patient=SCREENED)

    assert error.message == (
        "gender male, but the screening's patient is female: the lab results of another patient are never proposed"
    )


def test_observations_of_two_patients_are_refused_at_the_first_that_differs() -> None:
    data = bundle(
        observation("a", subject="Patient/p1"),
        observation("b", subject="Patient/p1"),
        observation("c", subject="Patient/p2", status="preliminary"),
        observation("d", subject="Patient/p3"),
    )

    [error] = refused(data)

    assert error.path == "/entry/2/resource/subject"
    assert "Patient/p2" in error.message and "Patient/p1" in error.message


def test_one_patient_named_three_ways_is_one_patient() -> None:
    """By the entry's fullUrl, relative and absolute: the same Patient of the bundle."""
    data = bundle(
        patient("p1"),
        observation("a", subject="urn:uuid:patient-p1"),
        observation("b", subject="Patient/p1", when="2026-03-06"),
        observation("c", subject="https://fhir.example.org/r4/Patient/p1", when="2026-03-07"),
        full_urls=True,
    )

    assert len(output(data, patient=SCREENED)["proposed"]) == 3


def test_subjects_by_identifier() -> None:
    def by(value: str, id: str, when: str) -> dict[str, Any]:  # noqa: A002
        return observation(
            id, when=when, subject={"identifier": {"system": "urn:oid:1.2.250.1.71.4.2.7", "value": value}}
        )

    assert paths(bundle(by("123", "a", "2026-03-05"), by("456", "b", "2026-03-06"))) == ["/entry/1/resource/subject"]
    assert len(output(bundle(by("123", "a", "2026-03-05"), by("123", "b", "2026-03-06")))["proposed"]) == 2


def test_a_subject_that_is_not_a_patient_is_not_counted() -> None:
    data = bundle(observation("a", subject="Patient/p1"), observation("b", subject="Group/g1", when="2026-03-06"))

    assert len(output(data)["proposed"]) == 2


def test_two_patients_refused_with_a_screening_too() -> None:
    data = bundle(
        patient("p1"),
        patient("p2"),
        observation("a", subject="Patient/p1"),
        observation("b", subject="Patient/p2", when="2026-03-06"),
    )

    assert paths(data, patient=SCREENED) == ["/entry/3/resource/subject"]
