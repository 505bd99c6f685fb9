"""The database agrees with the forms (screening/models.py): CHECK and UNIQUE constraints
refuse what the exchange format refuses, whatever the path into the database; evaluations
are append-only and screenings are never deleted (pgtrigger); every change is recorded
(pghistory), even one that bypasses the ORM's save()."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, IntegrityError, connection, models, transaction
from django.db.models import ProtectedError

from screening.models import (
    Evaluation,
    LabResult,
    PregnancyTest,
    PriorDrug,
    Screening,
    Sex,
    Site,
    Status,
    TumourSample,
    User,
    _values_of,
)
from screening.rules import document, ruleset

PROTECTED = r"pgtrigger: Cannot (update or delete|delete|update) rows from screening_\w+ table"


def _screening(by: User, **values: Any) -> Screening:
    site = Site.objects.get(code="IPC")
    fields: dict[str, Any] = {
        "site": site,
        "sequence": 1,
        "number": "IPC-0001",
        "assessment_date": datetime.date(2026, 3, 10),
        "created_by": by,
        "updated_by": by,
    }
    return Screening.objects.create(**{**fields, **values})


SCREENING_REFUSED = [
    ({"ecog": 7}, "screening_ecog_plausible"),
    ({"weight_kg": 63_500}, "screening_weight_kg_plausible"),
    ({"weight_kg": 24.9}, "screening_weight_kg_plausible"),
    ({"lvef_percent": 0.61}, "screening_lvef_percent_plausible"),
    ({"amenorrhea_months": 601}, "screening_amenorrhea_months_plausible"),
    ({"planned_randomization_date": datetime.date(2026, 3, 9)}, "screening_randomization_not_before_assessment"),
    ({"sex": "f"}, "screening_sex_valid"),
    ({"extent": "advanced"}, "screening_extent_valid"),
    ({"lvef_method": "mri"}, "screening_lvef_method_valid"),
    ({"status": "eligible?"}, "screening_status_valid"),
]
SCREENING_ACCEPTED = [
    {"ecog": 4},
    {"ecog": 0},
    {"weight_kg": 25},
    {"weight_kg": 300},
    {"lvef_percent": 90},
    {"amenorrhea_months": 600},
    {"planned_randomization_date": datetime.date(2026, 3, 10)},
    {"ecog": None, "weight_kg": None, "sex": "", "extent": ""},
]


@pytest.mark.django_db
@pytest.mark.parametrize(("values", "constraint"), SCREENING_REFUSED, ids=[c for _, c in SCREENING_REFUSED])
def test_screening_refused_by_the_database(coordinator_ipc: User, values: dict[str, Any], constraint: str) -> None:
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        _screening(coordinator_ipc, **values)

    assert not Screening.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("values", SCREENING_ACCEPTED)
def test_screening_boundaries_accepted_by_the_database(coordinator_ipc: User, values: dict[str, Any]) -> None:
    _screening(coordinator_ipc, **values)

    assert Screening.objects.count() == 1


@pytest.mark.django_db
def test_screening_update_refused_by_the_database(coordinator_ipc: User) -> None:
    """A bulk update (no form, no save()) meets the same constraint."""
    screening = _screening(coordinator_ipc, ecog=1)

    with pytest.raises(IntegrityError, match="screening_ecog_plausible"), transaction.atomic():
        Screening.objects.filter(pk=screening.pk).update(ecog=7)

    screening.refresh_from_db()
    assert screening.ecog == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("values", "constraint"),
    [
        ({"sequence": 1, "number": "IPC-0009"}, "screening_sequence_unique_per_site"),
        ({"sequence": 9, "number": "IPC-0001"}, "screening_screening_number_key"),
    ],
)
def test_screening_numbers_are_unique(coordinator_ipc: User, values: dict[str, Any], constraint: str) -> None:
    _screening(coordinator_ipc)

    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        _screening(coordinator_ipc, **values)


LAB = {"test": "creatinine", "value": 68, "unit": "umol/L", "value_canonical": 0.77, "date": datetime.date(2026, 3, 5)}
ROW_REFUSED: list[tuple[type[Any], dict[str, Any], str]] = [
    (LabResult, {**LAB, "test": "alt", "unit": "U/L", "uln": None}, "lab_uln_required_for_relative_tests"),
    (LabResult, {**LAB, "test": "ast", "unit": "U/L", "uln": None}, "lab_uln_required_for_relative_tests"),
    (LabResult, {**LAB, "test": "total_bilirubin", "uln": None}, "lab_uln_required_for_relative_tests"),
    (LabResult, {**LAB, "uln": 0}, "lab_uln_positive"),
    (LabResult, {**LAB, "unit": ""}, "lab_unit_given"),
    (LabResult, {**LAB, "test": "ldh"}, "lab_test_valid"),
    (TumourSample, {"er_percent": 101}, "tumoursample_er_percent_plausible"),
    (TumourSample, {"pr_percent": -1}, "tumoursample_pr_percent_plausible"),
    (PregnancyTest, {"result": "unknown", "date": datetime.date(2026, 3, 9)}, "pregnancy_test_result_valid"),
    (PriorDrug, {"name": ""}, "prior_drug_name_given"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("model", "values", "constraint"),
    ROW_REFUSED,
    ids=[f"{m.__name__}-{c}-{i}" for i, (m, _, c) in enumerate(ROW_REFUSED)],
)
def test_screening_rows_refused_by_the_database(
    coordinator_ipc: User, model: type[Any], values: dict[str, Any], constraint: str
) -> None:
    screening = _screening(coordinator_ipc)

    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        model.objects.create(screening=screening, **values)

    assert not model.objects.exists()


@pytest.mark.django_db
def test_alt_with_its_uln_accepted(coordinator_ipc: User) -> None:
    screening = _screening(coordinator_ipc)

    LabResult.objects.create(screening=screening, **{**LAB, "test": "alt", "unit": "U/L", "uln": 40})

    assert LabResult.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("values", "constraint"),
    [
        ({"ruleset": ""}, "evaluation_ruleset_given"),
        ({"status": "unknown"}, "evaluation_status_valid"),
    ],
)
def test_evaluation_refused_by_the_database(coordinator_ipc: User, values: dict[str, Any], constraint: str) -> None:
    screening = _screening(coordinator_ipc)
    fields = {"ruleset": "alter-v1", "input_document": {}, "result_document": {}, "status": "incomplete"}

    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        Evaluation.objects.create(screening=screening, created_by=coordinator_ipc, **{**fields, **values})


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["ipc", "I", "IP1", "IP C"])
def test_site_code_refused_by_the_database(code: str) -> None:
    with pytest.raises(IntegrityError, match="site_code_format"), transaction.atomic():
        Site.objects.create(code=code, name="Test")


# --- append-only evaluations, screenings never deleted --------------------------------


@pytest.mark.django_db
def test_evaluation_cannot_be_changed(screening_ipc: Screening) -> None:
    evaluation = screening_ipc.evaluations.get()
    stored = (evaluation.status, evaluation.result_document)

    evaluation.status = "ineligible"
    with pytest.raises(DatabaseError, match=PROTECTED), transaction.atomic():
        evaluation.save()
    with pytest.raises(DatabaseError, match=PROTECTED), transaction.atomic():
        Evaluation.objects.filter(pk=evaluation.pk).update(result_document={})

    evaluation.refresh_from_db()
    assert (evaluation.status, evaluation.result_document) == stored


@pytest.mark.django_db
def test_evaluation_cannot_be_deleted(screening_ipc: Screening) -> None:
    evaluation = screening_ipc.evaluations.get()

    with pytest.raises(DatabaseError, match=PROTECTED), transaction.atomic():
        evaluation.delete()
    with pytest.raises(DatabaseError, match=PROTECTED), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM screening_evaluation WHERE id = %s", [evaluation.pk])

    assert Evaluation.objects.filter(pk=evaluation.pk).exists()


@pytest.mark.django_db
def test_screening_cannot_be_deleted(coordinator_ipc: User) -> None:
    """Even one without evaluations, whose rows Django would delete first by cascade."""
    screening = _screening(coordinator_ipc)
    LabResult.objects.create(screening=screening, **LAB)

    with pytest.raises(DatabaseError, match=PROTECTED), transaction.atomic():
        screening.delete()

    assert Screening.objects.filter(pk=screening.pk).exists()
    assert LabResult.objects.filter(screening=screening).exists()


@pytest.mark.django_db
def test_screening_with_evaluations_cannot_be_deleted(screening_ipc: Screening) -> None:
    with pytest.raises(ProtectedError), transaction.atomic():
        screening_ipc.delete()
    with pytest.raises(DatabaseError, match=PROTECTED), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM screening_screening WHERE id = %s", [screening_ipc.pk])

    assert Screening.objects.filter(pk=screening_ipc.pk).exists()


# --- the audit trail -------------------------------------------------------------------


@pytest.mark.django_db
def test_a_bulk_update_is_recorded_in_the_history(screening_ipc: Screening) -> None:
    """Recorded by the database triggers: no save(), no signal needed."""
    Screening.objects.filter(pk=screening_ipc.pk).update(initials="ZZ")

    last, before = list(screening_ipc.events.order_by("-pgh_id")[:2])  # type: ignore[attr-defined]
    assert (last.pgh_label, before.initials, last.initials) == ("update", "MD", "ZZ")


@pytest.mark.django_db
def test_a_raw_sql_lab_change_is_recorded_in_the_history(screening_ipc: Screening) -> None:
    lab = LabResult.objects.get(screening=screening_ipc, test="creatinine")

    with connection.cursor() as cursor:
        cursor.execute("UPDATE screening_labresult SET value = 70 WHERE id = %s", [lab.pk])

    last = lab.events.order_by("-pgh_id").first()  # type: ignore[attr-defined]
    assert (last.pgh_label, last.value) == ("update", 70)


@pytest.mark.parametrize("values", [["female"], ["female", "male", "other"], ["male", "female"]])
def test_choices_that_differ_from_the_rules_literal_stop_the_import(values: list[str]) -> None:
    # models.py states each format choice list's values once, as the rules' Literal, and checks
    # its TextChoices against it on import (_values_of): a value dropped, added or reordered.
    choices = models.TextChoices("Probe", [(value.upper(), value) for value in values])
    with pytest.raises(ImproperlyConfigured, match="Probe has the values"):
        _values_of(document.Sex)(choices)


def test_choices_equal_to_the_rules_literal_are_kept() -> None:
    assert _values_of(document.Sex)(Sex) is Sex
    assert _values_of(ruleset.EligibilityStatus)(Status) is Status
