"""Screening rows ⇄ `alter-screening/1` documents.

The exchange format is the one shape in which a screening is validated and evaluated:
the form, the JSON import and ``screen --save`` all build a document and hand it to
``exchange.parse_screening``. This module maps the document's fields to the model's
and back, and maps an error's JSON Pointer back to the form field that holds the value.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final

from screening.rules.document import FORMAT, ScreeningDocument
from screening.rules.ruleset import DEFAULT, Ruleset

# model field -> path in the document
SCALAR_FIELDS: Final[tuple[tuple[str, tuple[str, ...]], ...]] = (
    ("assessment_date", ("assessment_date",)),
    ("planned_randomization_date", ("planned_randomization_date",)),
    ("initials", ("patient", "initials")),
    ("sex", ("patient", "sex")),
    ("date_of_birth", ("patient", "date_of_birth")),
    ("weight_kg", ("patient", "weight_kg")),
    ("consent_signed", ("consent", "signed")),
    ("consent_date", ("consent", "date")),
    ("consent_impartial_witness", ("consent", "impartial_witness")),
    ("histologically_confirmed", ("disease", "histologically_confirmed")),
    ("extent", ("disease", "extent")),
    ("bilateral", ("disease", "bilateral")),
    ("liver_metastases", ("disease", "liver_metastases")),
    ("brain_metastases_present", ("disease", "brain_metastases", "present")),
    ("brain_metastases_treated", ("disease", "brain_metastases", "treated")),
    ("brain_metastases_symptomatic", ("disease", "brain_metastases", "symptomatic")),
    ("brain_metastases_corticosteroids_ongoing", ("disease", "brain_metastases", "corticosteroids_ongoing")),
    ("brain_metastases_stable_on_mri", ("disease", "brain_metastases", "stable_on_mri")),
    ("brain_metastases_last_local_treatment_date", ("disease", "brain_metastases", "last_local_treatment_date")),
    ("ecog", ("ecog",)),
    ("lvef_percent", ("lvef", "percent")),
    ("lvef_method", ("lvef", "method")),
    ("lvef_date", ("lvef", "date")),
    ("rbc_transfusion_date", ("support", "rbc_transfusion_date")),
    ("gcsf_date", ("support", "gcsf_date")),
    ("platelet_transfusion_date", ("support", "platelet_transfusion_date")),
    ("gilbert_syndrome", ("gilbert_syndrome",)),
    ("hysterectomy", ("reproductive", "hysterectomy")),
    ("bilateral_oophorectomy", ("reproductive", "bilateral_oophorectomy")),
    ("amenorrhea_months", ("reproductive", "amenorrhea_months")),
    ("amenorrhea_other_cause", ("reproductive", "amenorrhea_other_cause")),
    ("pregnant", ("reproductive", "pregnant")),
    ("breastfeeding", ("reproductive", "breastfeeding")),
    ("plans_pregnancy", ("reproductive", "plans_pregnancy")),
    ("contraception_agreed", ("contraception_agreed",)),
    ("prior_her2_or_trop2_adc", ("prior_therapy", "her2_or_trop2_adc")),
    ("other_trial_enrolled", ("other_trial", "enrolled")),
    ("other_trial_last_date", ("other_trial", "last_date")),
    ("ild_history_requiring_steroids", ("ild", "history_requiring_steroids")),
    ("ild_current", ("ild", "current")),
    ("ild_suspected_not_ruled_out", ("ild", "suspected_not_ruled_out")),
    ("eligible_for_sg_and_tdxd", ("judgment", "eligible_for_sg_and_tdxd")),
    ("social_security_affiliation", ("judgment", "social_security_affiliation")),
    ("willing_and_able_to_comply", ("judgment", "willing_and_able_to_comply")),
    ("significant_cardiovascular_disease", ("judgment", "significant_cardiovascular_disease")),
    ("incompatible_condition", ("judgment", "incompatible_condition")),
    ("hypersensitivity_to_trial_drugs", ("judgment", "hypersensitivity_to_trial_drugs")),
    ("confounding_concurrent_condition", ("judgment", "confounding_concurrent_condition")),
    ("disease_requiring_hospitalisation", ("judgment", "disease_requiring_hospitalisation")),
    ("deprived_of_liberty_or_guardianship", ("judgment", "deprived_of_liberty_or_guardianship")),
    ("unable_to_comply_with_follow_up", ("judgment", "unable_to_comply_with_follow_up")),
)


def judgment_fields(ruleset: Ruleset) -> tuple[str, ...]:
    """The fields of the criteria a person answers in ``ruleset`` (its declaration says which
    are judgments and which field decides each), in the ruleset's order."""
    return tuple(c.field for c in ruleset.judgments)


# The judgments of the default ruleset (alter-v1), answered at sign-off.
JUDGMENT_FIELDS: Final = judgment_fields(DEFAULT)

# list name -> (path of the list in the document, fields of one row)
LIST_FIELDS: Final[dict[str, tuple[tuple[str, ...], tuple[str, ...]]]] = {
    "tumour_samples": (
        ("tumour_samples",),
        ("site", "laterality", "date", "er_percent", "pr_percent", "her2_ihc", "her2_ish"),
    ),
    "labs": (("labs",), ("test", "value", "unit", "uln", "date")),
    "pregnancy_tests": (("reproductive", "pregnancy_tests"), ("result", "type", "date")),
    "drugs": (("prior_therapy", "drugs"), ("name",)),
}

_PATH_TO_FIELD: Final = {"/" + "/".join(path): field for field, path in SCALAR_FIELDS}


def _json_value(value: Any) -> Any:
    """A model value as the document writes it: "" (no choice made) is null, dates ISO."""
    if value == "":
        return None
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def build_document(
    *,
    site_code: str,
    screening_id: str | None,
    value_of: Callable[[str], Any],
    lists: Mapping[str, Iterable[dict[str, Any]]],
) -> dict[str, Any]:
    """An `alter-screening/1` document from field values (a model or a form's data).

    ``value_of(field)`` gives a model field's value; ``lists`` the rows of each list of
    :data:`LIST_FIELDS`, as dicts of their fields.
    """
    doc: dict[str, Any] = {"format": FORMAT, "screening_id": screening_id, "site": site_code}
    for field, path in SCALAR_FIELDS:
        target = doc
        for key in path[:-1]:
            target = target.setdefault(key, {})
        target[path[-1]] = _json_value(value_of(field))
    for name, (path, fields) in LIST_FIELDS.items():
        target = doc
        for key in path[:-1]:
            target = target.setdefault(key, {})
        rows = lists.get(name, ())
        if name == "drugs":
            target[path[-1]] = [row["name"] for row in rows]
        else:
            target[path[-1]] = [
                {f: _json_value(row.get(f)) for f in fields if _json_value(row.get(f)) is not None} for row in rows
            ]
    return doc


def model_values(doc: ScreeningDocument) -> dict[str, Any]:
    """The model's scalar field values for a validated document ("" for no choice)."""
    values: dict[str, Any] = {}
    for field, path in SCALAR_FIELDS:
        node: Any = doc
        for key in path:
            node = None if node is None else getattr(node, key)
        values[field] = node
    for field in ("initials", "sex", "extent", "lvef_method"):
        if values[field] is None:
            values[field] = ""
    return values


def list_rows(doc: ScreeningDocument) -> dict[str, list[dict[str, Any]]]:
    """The rows of each list of a validated document, as dicts of model fields."""
    rows: dict[str, list[dict[str, Any]]] = {}
    for name, (path, fields) in LIST_FIELDS.items():
        node: Any = doc
        for key in path:
            node = None if node is None else getattr(node, key)
        items = node or []
        if name == "drugs":
            rows[name] = [{"name": item} for item in items]
        else:
            rows[name] = [
                {f: ("" if getattr(item, f) is None and f in _CHOICE_ROW_FIELDS else getattr(item, f)) for f in fields}
                for item in items
            ]
    return rows


_CHOICE_ROW_FIELDS: Final = frozenset({"site", "laterality", "her2_ihc", "her2_ish", "type"})


def field_for_path(path: str) -> tuple[str | None, int | None, str | None]:
    """Where an error's JSON Pointer lands in the form: (list name or None, row, field).

    ``/patient/weight_kg`` -> (None, None, "weight_kg"); ``/labs/3/unit`` -> ("labs", 3,
    "unit"); a path of no field (the document itself) -> (None, None, None).
    """
    if path in _PATH_TO_FIELD:
        return None, None, _PATH_TO_FIELD[path]
    for name, (list_path, _fields) in LIST_FIELDS.items():
        prefix = "/" + "/".join(list_path) + "/"
        if path.startswith(prefix):
            parts = path[len(prefix) :].split("/")
            if parts[0].isdigit():
                field = parts[1] if len(parts) > 1 else None
                return name, int(parts[0]), ("name" if name == "drugs" else field)
    return None, None, None
