"""What the evaluation panel shows, from a stored or previewed result document."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils.translation import gettext_lazy as _

from screening.models import Sex
from screening.reasons import CRITERION_TITLES, OUTCOME_LABELS, STATUS_LABELS, localized_reason

# Where each criterion's deciding value is entered: the anchor of its form field or section.
CRITERION_FIELDS: dict[str, str] = {
    "INC-01": "id_consent_signed",
    "INC-02": "id_date_of_birth",
    "INC-03-DISEASE": "id_histologically_confirmed",
    "INC-03-HER2": "section-tumour-samples",
    "INC-03-HR": "section-tumour-samples",
    "INC-04": "id_eligible_for_sg_and_tdxd",
    "INC-05": "id_ecog",
    "INC-06": "id_contraception_agreed",
    "INC-07-HB": "section-labs",
    "INC-07-ANC": "section-labs",
    "INC-07-PLT": "section-labs",
    "INC-07-BILI": "section-labs",
    "INC-07-ALT": "section-labs",
    "INC-07-AST": "section-labs",
    "INC-07-ALB": "section-labs",
    "INC-07-CRCL": "section-labs",
    "INC-08": "id_lvef_percent",
    "INC-09": "section-pregnancy-tests",
    "INC-10": "id_social_security_affiliation",
    "INC-11": "id_willing_and_able_to_comply",
    "EXC-01": "id_prior_her2_or_trop2_adc",
    "EXC-02": "id_significant_cardiovascular_disease",
    "EXC-03": "id_brain_metastases_present",
    "EXC-04": "id_ild_history_requiring_steroids",
    "EXC-05": "id_incompatible_condition",
    "EXC-06": "id_hypersensitivity_to_trial_drugs",
    "EXC-07": "id_confounding_concurrent_condition",
    "EXC-08": "id_disease_requiring_hospitalisation",
    "EXC-09": "id_other_trial_enrolled",
    "EXC-10": "id_pregnant",
    "EXC-11": "id_deprived_of_liberty_or_guardianship",
    "EXC-12": "id_unable_to_comply_with_follow_up",
}

OUTCOME_BADGES = {"pass": "success", "fail": "danger", "missing": "warning", "not_applicable": "secondary"}
STATUS_BADGES = {"eligible": "success", "ineligible": "danger", "incomplete": "warning"}


def _anchor(criterion: dict[str, Any]) -> str:
    """The field to fix: the lab row used when there is one, else the criterion's field."""
    lab_index = criterion.get("values", {}).get("lab_index")
    if lab_index is not None:
        return f"id_labs-{lab_index}-value"
    return CRITERION_FIELDS.get(criterion["id"], "")


def _date(iso: str | None) -> datetime.date | None:
    return None if iso is None else datetime.date.fromisoformat(iso)


def panel_context(result: dict[str, Any] | None, *, preview: bool) -> dict[str, Any]:
    if result is None:
        return {"result": None, "preview": preview}
    rows = []
    for criterion in result["criteria"]:
        rows.append(
            {
                "id": criterion["id"],
                "kind": criterion["kind"],
                "title": CRITERION_TITLES.get(criterion["id"], criterion["id"]),
                "outcome": criterion["outcome"],
                "outcome_label": OUTCOME_LABELS.get(criterion["outcome"], criterion["outcome"]),
                "badge": OUTCOME_BADGES.get(criterion["outcome"], "secondary"),
                "reason": localized_reason(criterion),
                "anchor": _anchor(criterion),
            }
        )
    crcl = next((c for c in result["criteria"] if c["id"] == "INC-07-CRCL"), None)
    return {
        "result": result,
        "preview": preview,
        "status_label": STATUS_LABELS.get(result["status"], result["status"]),
        "status_badge": STATUS_BADGES.get(result["status"], "secondary"),
        "criteria_groups": [
            (_("Inclusion criteria"), [r for r in rows if r["kind"] == "inclusion"]),
            (_("Exclusion criteria"), [r for r in rows if r["kind"] == "exclusion"]),
        ],
        "failed_rows": [r for r in rows if r["outcome"] == "fail"],
        "missing_rows": [r for r in rows if r["outcome"] == "missing"],
        "valid_until_date": _date(result.get("valid_until")),
        "crcl_values": crcl["values"] if crcl and result.get("crcl_ml_min") is not None else None,
        "crcl_sex_label": Sex(crcl["values"]["sex"]).label if crcl and crcl["values"].get("sex") in Sex.values else "",
    }
