"""Builders for tests: screening documents as plain dicts, evaluated by the rules.

The rules tests build VALID documents directly with msgspec (not through
``screening/exchange/``): they exercise the rules, not the import checks.
``eligible_document()`` is the spec's example patient IPC-0007
(``shared/examples/eligible-ipc-0007.json``), eligible under alter-v1: change one field
and the outcome of the criterion that reads it is the only thing that moves.
"""

from __future__ import annotations

import copy
import datetime
import re
from typing import Any, Final

import msgspec

from screening.rules.document import ScreeningDocument
from screening.rules.facts import Facts
from screening.rules.outcome import Outcome
from screening.rules.ruleset import EligibilityResult, evaluate

# The spec's example document (shared/examples/eligible-ipc-0007.json), verbatim.
_ELIGIBLE_IPC_0007: Final[dict[str, Any]] = {
    "format": "alter-screening/1",
    "screening_id": "IPC-0007",
    "site": "IPC",
    "assessment_date": "2026-03-10",
    "planned_randomization_date": "2026-03-12",
    "patient": {"initials": "MD", "sex": "female", "date_of_birth": "1981-07-14", "weight_kg": 63.5},
    "consent": {"signed": True, "date": "2026-03-02", "impartial_witness": False},
    "disease": {
        "histologically_confirmed": True,
        "extent": "metastatic",
        "bilateral": False,
        "liver_metastases": False,
        "brain_metastases": {
            "present": False,
            "treated": None,
            "symptomatic": None,
            "corticosteroids_ongoing": None,
            "stable_on_mri": None,
            "last_local_treatment_date": None,
        },
    },
    "tumour_samples": [
        {
            "site": "primary",
            "laterality": "left",
            "date": "2024-11-05",
            "er_percent": 0,
            "pr_percent": 2,
            "her2_ihc": "1+",
            "her2_ish": "not_done",
        }
    ],
    "ecog": 1,
    "lvef": {"percent": 61, "method": "echocardiogram", "date": "2026-03-03"},
    "labs": [
        {"test": "hemoglobin", "value": 11.2, "unit": "g/dL", "date": "2026-03-05"},
        {"test": "anc", "value": 2.4, "unit": "10^9/L", "date": "2026-03-05"},
        {"test": "platelets", "value": 231, "unit": "10^9/L", "date": "2026-03-05"},
        {"test": "total_bilirubin", "value": 9, "unit": "umol/L", "uln": 21, "date": "2026-03-05"},
        {"test": "alt", "value": 25, "unit": "U/L", "uln": 40, "date": "2026-03-05"},
        {"test": "ast", "value": 31, "unit": "U/L", "uln": 40, "date": "2026-03-05"},
        {"test": "albumin", "value": 38, "unit": "g/L", "date": "2026-03-05"},
        {"test": "creatinine", "value": 68, "unit": "umol/L", "date": "2026-03-05"},
    ],
    "support": {"rbc_transfusion_date": None, "gcsf_date": None, "platelet_transfusion_date": None},
    "gilbert_syndrome": False,
    "reproductive": {
        "hysterectomy": False,
        "bilateral_oophorectomy": False,
        "amenorrhea_months": 0,
        "amenorrhea_other_cause": False,
        "pregnant": False,
        "breastfeeding": False,
        "plans_pregnancy": False,
        "pregnancy_tests": [{"result": "negative", "type": "serum", "date": "2026-03-09"}],
    },
    "contraception_agreed": True,
    "prior_therapy": {"her2_or_trop2_adc": False, "drugs": ["paclitaxel", "pembrolizumab", "capecitabine"]},
    "other_trial": {"enrolled": False, "last_date": None},
    "ild": {"history_requiring_steroids": False, "current": False, "suspected_not_ruled_out": False},
    "judgment": {
        "eligible_for_sg_and_tdxd": True,
        "social_security_affiliation": True,
        "willing_and_able_to_comply": True,
        "significant_cardiovascular_disease": False,
        "incompatible_condition": False,
        "hypersensitivity_to_trial_drugs": False,
        "confounding_concurrent_condition": False,
        "disease_requiring_hospitalisation": False,
        "deprived_of_liberty_or_guardianship": False,
        "unable_to_comply_with_follow_up": False,
    },
}

# Dates of the example, for windows counted in tests.
A: Final = datetime.date(2026, 3, 10)  # assessment date
R: Final = datetime.date(2026, 3, 12)  # planned randomization date = reference date
LAB_DATE: Final = datetime.date(2026, 3, 5)


class _Absent:
    """Sentinel for an override that removes a key (absent, as opposed to null)."""

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Final = _Absent()


def iso(day: datetime.date) -> str:
    return day.isoformat()


def before(day: datetime.date, days: int) -> str:
    """The ISO date ``days`` days before ``day`` (after when negative)."""
    return (day - datetime.timedelta(days=days)).isoformat()


def set_path(doc: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """Set ``doc[a][b]`` for path ``"a.b"`` (creating parts); ABSENT removes the key."""
    *parents, last = path.split(".")
    node = doc
    for key in parents:
        if node.get(key) is None:
            node[key] = {}
        node = node[key]
    if value is ABSENT:
        node.pop(last, None)
    else:
        node[last] = value
    return doc


def eligible_document(**overrides: Any) -> dict[str, Any]:
    """A fresh copy of the eligible example, with ``part__field=value`` overrides.

    ``eligible_document(patient__sex="male", ecog=ABSENT)`` sets ``patient.sex`` and
    removes ``ecog``.
    """
    doc = copy.deepcopy(_ELIGIBLE_IPC_0007)
    for key, value in overrides.items():
        set_path(doc, key.replace("__", "."), value)
    return doc


def lab(test: str, value: float, unit: str, date: str | datetime.date, uln: float | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "test": test,
        "value": value,
        "unit": unit,
        "date": date if isinstance(date, str) else date.isoformat(),
    }
    if uln is not None:
        entry["uln"] = uln
    return entry


def with_labs(doc: dict[str, Any], test: str, *entries: dict[str, Any]) -> dict[str, Any]:
    """Replace every result of ``test`` in ``doc`` by ``entries`` (none: the test is absent)."""
    doc["labs"] = [entry for entry in doc["labs"] if entry["test"] != test] + list(entries)
    return doc


def with_lab(doc: dict[str, Any], test: str, **fields: Any) -> dict[str, Any]:
    """Change fields of the (single) result of ``test``; ABSENT removes a field."""
    for entry in doc["labs"]:
        if entry["test"] == test:
            for key, value in fields.items():
                if value is ABSENT:
                    entry.pop(key, None)
                else:
                    entry[key] = value.isoformat() if isinstance(value, datetime.date) else value
    return doc


def sample(**fields: Any) -> dict[str, Any]:
    """A tumour sample with only the fields given (the rest absent)."""
    return dict(fields)


def to_document(doc: dict[str, Any]) -> ScreeningDocument:
    return msgspec.convert(doc, ScreeningDocument)


def evaluate_dict(doc: dict[str, Any]) -> EligibilityResult:
    return evaluate(to_document(doc))


def facts_of(doc: dict[str, Any]) -> Facts:
    return Facts(to_document(doc))


def outcome_of(doc: dict[str, Any], criterion_id: str) -> Outcome:
    """The outcome of one criterion of ``doc`` under alter-v1, as evaluated in the ruleset."""
    for criterion, outcome in evaluate_dict(doc).outcomes:
        if criterion.id == criterion_id:
            assert outcome.id == criterion_id
            return outcome
    raise KeyError(criterion_id)


_DIGIT_GROUP_SEPARATOR: Final = re.compile(r"(?<=\d)[,\u202f\u00a0](?=\d{3}\b)")


def mentions(reason: str, *parts: str) -> bool:
    """Whether the reason names every one of ``parts``, ignoring thousands separators
    (``"100,000"`` and ``"100000"`` are the same number)."""
    plain = _DIGIT_GROUP_SEPARATOR.sub("", reason)
    return all(_DIGIT_GROUP_SEPARATOR.sub("", part) in plain for part in parts)
