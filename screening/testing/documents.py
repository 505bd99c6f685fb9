"""Deterministic generator of valid, varied `alter-screening/1` documents for load tests.

Used by ``manage.py seed_screenings`` and the benchmarks (benchmarks/screen_throughput.py).

Documents vary the way real screenings do: some eligible, many incomplete or ineligible,
labs in the units French and other hospital labs report, repeated results, bilateral
cancers, brain metastases, prior drugs with and without an ADC.
"""

from __future__ import annotations

import datetime
import random
from typing import Any

from screening.rules.document import FORMAT

LAB_CHOICES: dict[str, list[tuple[str, float, float, float | None]]] = {
    # test: [(unit, low, high, uln)]
    "hemoglobin": [("g/dL", 8.8, 15.0, None), ("g/L", 88, 150, None), ("mmol/L", 5.5, 9.3, None)],
    "anc": [("10^9/L", 1.4, 8.0, None), ("G/L", 1.4, 8.0, None), ("/mm3", 1400, 8000, None)],
    "platelets": [("10^9/L", 95, 450, None), ("G/L", 95, 450, None), ("/µL", 95_000, 450_000, None)],
    "total_bilirubin": [("umol/L", 3, 33, 21.0), ("mg/dL", 0.2, 1.9, 1.2)],
    "alt": [("U/L", 8, 125, 40.0), ("IU/L", 8, 110, 35.0)],
    "ast": [("U/L", 8, 125, 40.0), ("IU/L", 8, 110, 35.0)],
    "albumin": [("g/L", 24, 48, None), ("g/dL", 2.4, 4.8, None)],
    "creatinine": [("umol/L", 40, 130, None), ("µmol/L", 40, 130, None), ("mg/dL", 0.5, 1.5, None)],
}
DRUGS = [
    "paclitaxel",
    "capecitabine",
    "pembrolizumab",
    "carboplatin",
    "eribulin",
    "doxorubicin",
    "Enhertu 5.4 mg/kg",
    "gemcitabine",
    "olaparib",
    "nab-paclitaxel",
    "cyclophosphamide",
    "epirubicin",
]


def _maybe(rng: random.Random, value: Any, p_absent: float = 0.05) -> Any:
    return None if rng.random() < p_absent else value


def document(rng: random.Random, number: int) -> dict[str, Any]:
    site = rng.choice(["IPC", "IGR"])
    assessment = datetime.date(2026, 1, 5) + datetime.timedelta(days=rng.randrange(0, 300))
    planned = assessment + datetime.timedelta(days=rng.randrange(0, 10))
    sex = "female" if rng.random() < 0.97 else "male"
    dob = assessment - datetime.timedelta(days=rng.randrange(25 * 365, 85 * 365))

    def before(max_days: int, min_days: int = 0) -> str:
        return (assessment - datetime.timedelta(days=rng.randrange(min_days, max_days + 1))).isoformat()

    labs = []
    for test, choices in LAB_CHOICES.items():
        for _ in range(rng.choice([1, 1, 1, 2])):
            unit, low, high, uln = rng.choice(choices)
            lab: dict[str, Any] = {
                "test": test,
                "value": round(rng.uniform(low, high), 2),
                "unit": unit,
                "date": before(30),
            }
            if uln is not None:
                lab["uln"] = uln
            labs.append(lab)
    bilateral = rng.random() < 0.05
    samples = [
        {
            "site": "primary",
            "laterality": "left",
            "date": before(900, 30),
            "er_percent": rng.choice([0, 0, 1, 5, 12]),
            "pr_percent": rng.choice([0, 2, 8]),
            "her2_ihc": rng.choice(["1+", "1+", "1+", "2+", "0"]),
            "her2_ish": rng.choice(["not_done", "negative", "negative", "equivocal"]),
        }
    ]
    if bilateral or rng.random() < 0.3:
        samples.append(
            {
                "site": "primary" if bilateral else "metastatic",
                "laterality": "right" if bilateral else None,
                "date": before(200, 10),
                "er_percent": 0,
                "pr_percent": 0,
                "her2_ihc": "1+",
                "her2_ish": "not_done",
            }
        )
    brain = rng.random() < 0.1
    return {
        "format": FORMAT,
        "screening_id": f"{site}-{number:04d}",
        "site": site,
        "assessment_date": assessment.isoformat(),
        "planned_randomization_date": _maybe(rng, planned.isoformat(), 0.2),
        "patient": {
            "initials": "XX",
            "sex": sex,
            "date_of_birth": dob.isoformat(),
            "weight_kg": _maybe(rng, round(rng.uniform(42, 110), 1)),
        },
        "consent": {"signed": True, "date": before(20, 1), "impartial_witness": rng.random() < 0.02},
        "disease": {
            "histologically_confirmed": True,
            "extent": rng.choice(["metastatic", "metastatic", "locally_advanced_unresectable"]),
            "bilateral": bilateral,
            "liver_metastases": _maybe(rng, rng.random() < 0.3),
            "brain_metastases": {
                "present": brain,
                "treated": True if brain else None,
                "symptomatic": False if brain else None,
                "corticosteroids_ongoing": False if brain else None,
                "stable_on_mri": True if brain else None,
                "last_local_treatment_date": before(60, 5) if brain else None,
            },
        },
        "tumour_samples": samples,
        "ecog": _maybe(rng, rng.choice([0, 1, 1, 1, 2])),
        "lvef": {
            "percent": rng.randrange(53, 72),
            "method": rng.choice(["echocardiogram", "muga"]),
            "date": before(25),
        },
        "labs": labs,
        "support": {
            "rbc_transfusion_date": before(20) if rng.random() < 0.05 else None,
            "gcsf_date": None,
            "platelet_transfusion_date": None,
        },
        "gilbert_syndrome": _maybe(rng, False),
        "reproductive": {
            "hysterectomy": False,
            "bilateral_oophorectomy": False,
            "amenorrhea_months": rng.choice([0, 3, 14]),
            "amenorrhea_other_cause": False,
            "pregnant": False,
            "breastfeeding": False,
            "plans_pregnancy": False,
            "pregnancy_tests": [{"result": "negative", "type": rng.choice(["serum", "urine"]), "date": before(6)}],
        }
        if sex == "female"
        else None,
        "contraception_agreed": _maybe(rng, True),
        "prior_therapy": {"her2_or_trop2_adc": False, "drugs": rng.sample(DRUGS, rng.randrange(1, 3))},
        "other_trial": {"enrolled": rng.random() < 0.1, "last_date": before(120, 20)},
        "ild": {"history_requiring_steroids": False, "current": False, "suspected_not_ruled_out": False},
        "judgment": {
            name: _maybe(rng, value, 0.01)
            for name, value in (
                ("eligible_for_sg_and_tdxd", True),
                ("social_security_affiliation", True),
                ("willing_and_able_to_comply", True),
                ("significant_cardiovascular_disease", False),
                ("incompatible_condition", False),
                ("hypersensitivity_to_trial_drugs", False),
                ("confounding_concurrent_condition", False),
                ("disease_requiring_hospitalisation", False),
                ("deprived_of_liberty_or_guardianship", False),
                ("unable_to_comply_with_follow_up", False),
            )
        },
    }


def documents(count: int, seed: int = 2026) -> list[dict[str, Any]]:
    rng = random.Random(seed)  # noqa: S311 - reproducible made-up data, no secret
    return [document(rng, n + 1) for n in range(count)]
