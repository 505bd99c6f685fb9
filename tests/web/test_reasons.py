"""Reasons in French (screening/reasons.py): every branch of every rule, reached by a real
evaluation, reads as French research staff write it (shared/glossary-fr.md: decimal comma,
"100 000", JJ/MM/AAAA, LSN, UI/L, G/L, PNN, ALAT/ASAT, FEVG); English is rendered from
the same templates, without the rules' codes (the rules' sentence stays the record).

These tests read the compiled catalogue (locale/fr/LC_MESSAGES/django.mo); no database.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from screening import reasons
from screening.exchange import as_json_data
from screening.reasons import CRITERION_TITLES, OUTCOME_LABELS, STATUS_LABELS, localized_reason
from screening.rules import exclusion, inclusion
from screening.rules.outcome import Outcome
from screening.rules.ruleset import ALTER_V1
from tests.builders import ABSENT, eligible_document, lab, outcome_of, sample, with_lab, with_labs

NBSP = "\u00a0"


def doc(**overrides: Any) -> dict[str, Any]:
    return eligible_document(**overrides)


def labs(test: str, *entries: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    return with_labs(doc(**overrides), test, *entries)


def one_lab(test: str, value: float, unit: str, uln: float | None = None, **overrides: Any) -> dict[str, Any]:
    return labs(test, lab(test, value, unit, "2026-03-05", uln), **overrides)


def old_lab(test: str) -> dict[str, Any]:
    return with_lab(doc(), test, date="2026-02-01")


def brain(**fields: Any) -> dict[str, Any]:
    controlled = {
        "present": True,
        "treated": True,
        "symptomatic": False,
        "corticosteroids_ongoing": False,
        "stable_on_mri": True,
        "last_local_treatment_date": "2026-02-20",
    }
    return doc(disease__brain_metastases={**controlled, **fields})


def her2(*samples: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    return doc(tumour_samples=list(samples), **overrides)


def pregnancy_test(result: str, date: str, type: str | None = "serum", **overrides: Any) -> dict[str, Any]:
    test = {"result": result, "date": date} | ({"type": type} if type else {})
    return doc(reproductive__pregnancy_tests=[test], **overrides)


LEFT_1 = sample(site="primary", laterality="left", er_percent=0, pr_percent=2, her2_ihc="1+", her2_ish="not_done")
RIGHT_2_NEG = sample(site="primary", laterality="right", er_percent=5, pr_percent=0, her2_ihc="2+", her2_ish="negative")

JUDGMENTS = {
    "INC-04": ("eligible_for_sg_and_tdxd", "Éligible au sacituzumab govitécan et au T-DXd"),
    "INC-10": ("social_security_affiliation", "Affiliation à un régime de sécurité sociale"),
    "INC-11": ("willing_and_able_to_comply", "Volonté et capacité de se conformer au protocole"),
    "EXC-02": ("significant_cardiovascular_disease", "Maladie cardiovasculaire non contrôlée ou significative"),
    "EXC-05": ("incompatible_condition", "Antécédent ou affection incompatible avec l'étude"),
    "EXC-06": ("hypersensitivity_to_trial_drugs", "Allergie ou hypersensibilité sévère aux traitements de l'essai"),
    "EXC-07": ("confounding_concurrent_condition", "Affection concomitante pouvant fausser l'interprétation"),
    "EXC-08": ("disease_requiring_hospitalisation", "Maladie nécessitant une hospitalisation"),
    "EXC-11": (
        "deprived_of_liberty_or_guardianship",
        "Personne privée de liberté ou faisant l'objet d'une mesure de protection juridique",
    ),
    "EXC-12": ("unable_to_comply_with_follow_up", "Impossibilité de se soumettre au suivi médical de l'essai"),
}


def _judgment_cases() -> list[Any]:
    cases = []
    for cid, (field, title) in JUDGMENTS.items():
        yes, no = ("yes", "no") if cid.startswith("INC") else ("present", "absent")
        for code, answer, said in ((yes, True, "oui"), (no, False, "non"), ("not_answered", ABSENT, "non renseigné")):
            cases.append(
                pytest.param(
                    cid, (cid, code), doc(**{f"judgment__{field}": answer}), [title, f" : {said}"], id=f"{cid}-{code}"
                )
            )
    return cases


def _case(cid: str, key: tuple[str, ...], document: dict[str, Any], *expected: str) -> Any:
    return pytest.param(cid, key, document, list(expected), id="-".join(key))


# (criterion id, template key reached, document, what the French must contain; a space in
# an expected number stands for the no-break space).
CASES = [
    # INC-01 informed consent
    _case("INC-01", ("INC-01", "not_signed"), doc(consent__signed=False), "Consentement éclairé non signé"),
    _case(
        "INC-01",
        ("INC-01", "consent_after_assessment"),
        doc(consent__date="2026-03-11"),
        "Consentement daté du 11/03/2026, postérieur à la visite de sélection du 10/03/2026",
        "nouvelle sélection (re-screening)",
    ),
    _case("INC-01", ("INC-01", "signed_unknown"), doc(consent__signed=ABSENT), "signature non renseignée"),
    _case(
        "INC-01",
        ("INC-01", "date_unknown"),
        doc(consent__date=ABSENT),
        "Consentement éclairé signé, date non renseignée",
    ),
    _case("INC-01", ("INC-01", "signed"), doc(), "Consentement éclairé signé le 02/03/2026"),
    _case(
        "INC-01",
        ("INC-01", "signed", "witness"),
        doc(consent__impartial_witness=True),
        "Consentement éclairé signé le 02/03/2026 (témoin impartial)",
    ),
    # INC-02 age
    _case(
        "INC-02", ("INC-02", "no_date_of_birth"), doc(patient__date_of_birth=ABSENT), "Date de naissance non renseignée"
    ),
    _case("INC-02", ("INC-02", "adult"), doc(), "Âge 44 ans ≥ 18"),
    _case("INC-02", ("INC-02", "minor"), doc(patient__date_of_birth="2010-01-01"), "Âge 16 ans < 18"),
    # INC-03 disease, HER2, hormone receptors
    _case(
        "INC-03-DISEASE",
        ("INC-03-DISEASE", "not_confirmed"),
        doc(disease__histologically_confirmed=False),
        "Cancer du sein non confirmé histologiquement",
    ),
    _case(
        "INC-03-DISEASE",
        ("INC-03-DISEASE", "extent_not_accepted"),
        doc(disease__extent="early"),
        "Cancer précoce : doit être métastatique ou localement avancé non résécable",
    ),
    _case(
        "INC-03-DISEASE",
        ("INC-03-DISEASE", "unknown"),
        doc(disease__extent=ABSENT, disease__histologically_confirmed=ABSENT),
        "Non renseigné : confirmation histologique et extension de la maladie",
    ),
    _case(
        "INC-03-DISEASE",
        ("INC-03-DISEASE", "confirmed"),
        doc(disease__extent="locally_advanced_unresectable"),
        "Cancer du sein confirmé histologiquement, localement avancé non résécable",
    ),
    _case("INC-03-HER2", ("INC-03-HER2", "no_samples"), her2(), "Aucun prélèvement tumoral avec un résultat HER2"),
    _case(
        "INC-03-HER2",
        ("INC-03-HER2", "her2_positive"),
        her2(LEFT_1, sample(site="metastatic", her2_ihc="3+")),
        "Prélèvement HER2 positif (n° 1 tumeur primitive gauche : IHC 1+, ISH non faite ; "
        "n° 2 métastase : IHC 3+, ISH non faite)",
    ),
    _case(
        "INC-03-HER2",
        ("INC-03-HER2", "her2_low"),
        doc(),
        "HER2-low (n° 1 tumeur primitive gauche : IHC 1+, ISH non faite)",
    ),
    _case(
        "INC-03-HER2",
        ("INC-03-HER2", "her2_low"),
        her2(LEFT_1, RIGHT_2_NEG, disease__bilateral=True),
        "n° 2 tumeur primitive droite : IHC 2+, ISH négative) ; cancer bilatéral : chaque côté évalué",
    ),
    _case(
        "INC-03-HER2",
        ("INC-03-HER2", "her2_low"),
        her2(LEFT_1, RIGHT_2_NEG, disease__bilateral=ABSENT),
        "; caractère bilatéral non renseigné, même résultat dans les deux cas",
    ),
    _case(
        "INC-03-HER2",
        ("INC-03-HER2", "her2_zero"),
        her2(sample(site="primary", laterality="left", her2_ihc="0")),
        "Non HER2-low : IHC 0 ou ultralow (n° 1 tumeur primitive gauche : IHC 0, ISH non faite)",
    ),
    _case(
        "INC-03-HER2",
        ("INC-03-HER2", "her2_undetermined"),
        her2(sample(site="primary", her2_ihc="2+", her2_ish="equivocal")),
        "Statut HER2-low non établi (n° 1 tumeur primitive : IHC 2+, ISH équivoque)",
    ),
    _case(
        "INC-03-HER2",
        ("INC-03-HER2", "her2_undetermined"),
        her2(sample(site="primary", her2_ish="negative")),
        "(n° 1 tumeur primitive : IHC non renseignée, ISH négative)",
    ),
    _case(
        "INC-03-HER2",
        ("INC-03-HER2", "her2_undetermined"),
        doc(disease__bilateral=ABSENT),
        "Statut HER2-low non établi (n° 1 tumeur primitive gauche : IHC 1+, ISH non faite) ; "
        "caractère bilatéral non renseigné",
    ),
    _case(
        "INC-03-HR",
        ("INC-03-HR", "receptor_positive"),
        her2(LEFT_1 | {"er_percent": 50, "pr_percent": 10.5}),
        "Récepteurs hormonaux ≥ 10 % : n° 1 tumeur primitive gauche : RE 50 % ; "
        "n° 1 tumeur primitive gauche : RP 10,5 %",
    ),
    _case(
        "INC-03-HR",
        ("INC-03-HR", "receptor_negative"),
        doc(),
        "RE et RP < 10 % (n° 1 tumeur primitive gauche : RE 0 %, RP 2 %)",
    ),
    _case("INC-03-HR", ("INC-03-HR", "no_samples"), her2(), "Aucun prélèvement tumoral avec RE et RP"),
    _case(
        "INC-03-HR",
        ("INC-03-HR", "receptors_not_reported"),
        her2(LEFT_1 | {"pr_percent": None}),
        "Aucun prélèvement renseignant à la fois RE et RP (n° 1 tumeur primitive gauche : RE 0 %, RP non renseigné)",
    ),
    # INC-04, INC-10, INC-11, EXC-02, EXC-05..08, EXC-11, EXC-12: investigator judgments
    *_judgment_cases(),
    # INC-05 ECOG
    _case("INC-05", ("INC-05", "not_given"), doc(ecog=ABSENT), "PS ECOG non renseigné"),
    _case("INC-05", ("INC-05", "ecog_ok"), doc(ecog=0), "PS ECOG 0 ≤ 1"),
    _case("INC-05", ("INC-05", "ecog_too_high"), doc(ecog=2), "PS ECOG 2 > 1"),
    # INC-06 contraception
    _case(
        "INC-06",
        ("INC-06", "wocbp_unknown"),
        doc(patient__sex=ABSENT),
        "Statut de femme en âge de procréer indéterminé (sexe non renseigné)",
    ),
    _case(
        "INC-06",
        ("INC-06", "wocbp_unknown"),
        doc(reproductive__hysterectomy=ABSENT, reproductive__amenorrhea_months=ABSENT),
        "Statut de femme en âge de procréer indéterminé (non renseigné : hystérectomie et aménorrhée)",
    ),
    _case(
        "INC-06",
        ("INC-06", "not_wocbp"),
        doc(reproductive__bilateral_oophorectomy=True),
        "Femme non en âge de procréer (ovariectomie bilatérale)",
    ),
    _case(
        "INC-06",
        ("INC-06", "not_wocbp"),
        doc(patient__date_of_birth="1960-01-01"),
        "Femme non en âge de procréer (âge 66 ans ≥ 60)",
    ),
    _case(
        "INC-06",
        ("INC-06", "not_wocbp"),
        doc(reproductive__amenorrhea_months=14),
        "Femme non en âge de procréer (aménorrhée depuis 14 mois sans autre cause)",
    ),
    _case(
        "INC-06",
        ("INC-06", "not_answered"),
        doc(contraception_agreed=ABSENT),
        "Femme en âge de procréer : accord pour une contraception efficace non renseigné",
    ),
    _case("INC-06", ("INC-06", "agreed"), doc(patient__sex="male"), "Homme : accepte une contraception efficace"),
    _case(
        "INC-06",
        ("INC-06", "refused"),
        doc(contraception_agreed=False),
        "Femme en âge de procréer : refuse une contraception efficace",
    ),
    # INC-07 hemoglobin, ANC, platelets: thresholds and support
    _case(
        "INC-07-HB",
        ("INC-07-HB", "support_in_window"),
        doc(support__rbc_transfusion_date="2026-03-04"),
        "Transfusion de CGR le 04/03/2026, à moins de 7 jours du 05/03/2026 (hémoglobine 11,2 g/dL)",
    ),
    _case(
        "INC-07-HB",
        ("INC-07-HB", "support_in_window", "no_result"),
        labs("hemoglobin", support__rbc_transfusion_date="2026-03-08"),
        "Transfusion de CGR le 08/03/2026, à moins de 7 jours du 10/03/2026 (aucun résultat d'hémoglobine utilisable)",
    ),
    _case(
        "INC-07-HB",
        ("INC-07-HB", "no_result"),
        labs("hemoglobin"),
        "Aucun résultat d'hémoglobine au 12/03/2026 ou avant",
    ),
    _case(
        "INC-07-HB",
        ("INC-07-HB", "result_too_old"),
        old_lab("hemoglobin"),
        "Dernier résultat d'hémoglobine du 01/02/2026, 39 jours avant le 12/03/2026 : plus de 28 jours, à refaire",
    ),
    _case("INC-07-HB", ("INC-07-HB", "at_least_min"), doc(), "Hémoglobine 11,2 g/dL (le 05/03/2026) ≥ 9"),
    _case(
        "INC-07-HB",
        ("INC-07-HB", "below_min"),
        one_lab("hemoglobin", 85, "g/L"),
        "Hémoglobine 8,5 g/dL (85 g/L le 05/03/2026) < 9",
    ),
    _case(
        "INC-07-HB",
        ("INC-07-HB", "below_min"),
        one_lab("hemoglobin", 5.5, "mmol/L"),
        "Hémoglobine 8,862 g/dL (5,5 mmol/L le 05/03/2026) < 9",
    ),
    _case(
        "INC-07-ANC",
        ("INC-07-ANC", "support_in_window"),
        doc(support__gcsf_date="2026-02-27"),
        "G-CSF le 27/02/2026, à moins de 7 jours du 05/03/2026 (PNN 2 400/mm³)",
    ),
    _case(
        "INC-07-ANC",
        ("INC-07-ANC", "support_in_window", "no_result"),
        labs("anc", support__gcsf_date="2026-03-05"),
        "(aucun résultat de PNN utilisable)",
    ),
    _case("INC-07-ANC", ("INC-07-ANC", "no_result"), labs("anc"), "Aucun résultat de PNN au 12/03/2026 ou avant"),
    _case(
        "INC-07-ANC",
        ("INC-07-ANC", "result_too_old"),
        old_lab("anc"),
        "Dernier résultat de PNN du 01/02/2026, 39 jours avant le 12/03/2026 : plus de 28 jours",
    ),
    _case("INC-07-ANC", ("INC-07-ANC", "at_least_min"), doc(), "PNN 2 400/mm³ (2,4 G/L le 05/03/2026) ≥ 1 500"),
    _case(
        "INC-07-ANC", ("INC-07-ANC", "below_min"), one_lab("anc", 1499, "/uL"), "PNN 1 499/mm³ (le 05/03/2026) < 1 500"
    ),
    _case(
        "INC-07-PLT",
        ("INC-07-PLT", "support_in_window"),
        doc(support__platelet_transfusion_date="2026-03-11"),
        "Transfusion de plaquettes le 11/03/2026, à moins de 7 jours du 05/03/2026 (plaquettes 231 000/mm³)",
    ),
    _case(
        "INC-07-PLT",
        ("INC-07-PLT", "support_in_window", "no_result"),
        labs("platelets", support__platelet_transfusion_date="2026-03-09"),
        "(aucun résultat de plaquettes utilisable)",
    ),
    _case("INC-07-PLT", ("INC-07-PLT", "no_result"), labs("platelets"), "Aucun résultat de plaquettes"),
    _case(
        "INC-07-PLT",
        ("INC-07-PLT", "result_too_old"),
        old_lab("platelets"),
        "Dernier résultat de plaquettes du 01/02/2026, 39 jours avant le 12/03/2026 : plus de 28 jours",
    ),
    _case(
        "INC-07-PLT", ("INC-07-PLT", "at_least_min"), doc(), "Plaquettes 231 000/mm³ (231 G/L le 05/03/2026) ≥ 100 000"
    ),
    _case(
        "INC-07-PLT",
        ("INC-07-PLT", "at_least_min"),
        one_lab("platelets", 100_000, "/mm3"),
        "Plaquettes 100 000/mm³ (le 05/03/2026) ≥ 100 000",
    ),
    _case(
        "INC-07-PLT",
        ("INC-07-PLT", "below_min"),
        one_lab("platelets", 99.5, "G/L"),
        "Plaquettes 99 500/mm³ (99,5 G/L le 05/03/2026) < 100 000",
    ),
    # INC-07 bilirubin, ALT, AST (× ULN)
    _case(
        "INC-07-BILI",
        ("INC-07-BILI", "no_result"),
        labs("total_bilirubin"),
        "Aucun résultat de bilirubine totale au 12/03/2026 ou avant",
    ),
    _case(
        "INC-07-BILI",
        ("INC-07-BILI", "result_too_old"),
        old_lab("total_bilirubin"),
        "Dernier résultat de bilirubine totale du 01/02/2026, 39 jours avant le 12/03/2026 : plus de 28 jours",
    ),
    _case(
        "INC-07-BILI",
        ("INC-07-BILI", "within_limit"),
        doc(),
        "Bilirubine totale 0,429 × LSN (9 µmol/L, LSN 21, le 05/03/2026) ≤ 1,5 × LSN",
    ),
    _case(
        "INC-07-BILI",
        ("INC-07-BILI", "above_limit"),
        one_lab("total_bilirubin", 40, "umol/L", 21),
        "Bilirubine totale 1,905 × LSN (40 µmol/L, LSN 21, le 05/03/2026) > 1,5 × LSN "
        "(ni métastases hépatiques ni syndrome de Gilbert)",
    ),
    _case(
        "INC-07-BILI",
        ("INC-07-BILI", "below_raised_limit"),
        one_lab("total_bilirubin", 2.1, "mg/dL", 1.2, gilbert_syndrome=True),
        "Bilirubine totale 1,75 × LSN (2,1 mg/dL, LSN 1,2, le 05/03/2026) < 3 × LSN (syndrome de Gilbert)",
    ),
    _case(
        "INC-07-BILI",
        ("INC-07-BILI", "above_raised_limit"),
        one_lab("total_bilirubin", 70, "umol/L", 21, gilbert_syndrome=True, disease__liver_metastases=True),
        "Bilirubine totale 3,333 × LSN (70 µmol/L, LSN 21, le 05/03/2026) ≥ 3 × LSN "
        "(métastases hépatiques et syndrome de Gilbert)",
    ),
    _case(
        "INC-07-BILI",
        ("INC-07-BILI", "above_raised_limit", "raised_unknown"),
        one_lab("total_bilirubin", 70, "umol/L", 21, gilbert_syndrome=ABSENT),
        "Bilirubine totale 3,333 × LSN (70 µmol/L, LSN 21, le 05/03/2026) ≥ 3 × LSN",
    ),
    _case(
        "INC-07-BILI",
        ("INC-07-BILI", "limit_depends_on_unknown"),
        one_lab("total_bilirubin", 40, "umol/L", 21, disease__liver_metastases=ABSENT),
        "Bilirubine totale 1,905 × LSN (40 µmol/L, LSN 21, le 05/03/2026) entre 1,5 et 3 × LSN : la présence "
        "de métastases hépatiques ou d'un syndrome de Gilbert, non renseignée, décide du résultat",
    ),
    _case("INC-07-ALT", ("INC-07-ALT", "no_result"), labs("alt"), "Aucun résultat d'ALAT au 12/03/2026 ou avant"),
    _case(
        "INC-07-ALT",
        ("INC-07-ALT", "result_too_old"),
        old_lab("alt"),
        "Dernier résultat d'ALAT du 01/02/2026, 39 jours avant le 12/03/2026 : plus de 28 jours, à refaire",
    ),
    _case(
        "INC-07-ALT",
        ("INC-07-ALT", "within_limit"),
        doc(),
        "ALAT 0,625 × LSN (25 UI/L, LSN 40, le 05/03/2026) ≤ 3 × LSN",
    ),
    _case(
        "INC-07-ALT",
        ("INC-07-ALT", "above_limit"),
        one_lab("alt", 130, "IU/L", 40),
        "ALAT 3,25 × LSN (130 UI/L, LSN 40, le 05/03/2026) > 3 × LSN (pas de métastases hépatiques)",
    ),
    _case(
        "INC-07-ALT",
        ("INC-07-ALT", "below_raised_limit"),
        one_lab("alt", 130, "U/L", 40, disease__liver_metastases=True),
        "ALAT 3,25 × LSN (130 UI/L, LSN 40, le 05/03/2026) < 5 × LSN (métastases hépatiques)",
    ),
    _case(
        "INC-07-ALT",
        ("INC-07-ALT", "above_raised_limit"),
        one_lab("alt", 200, "U/L", 40, disease__liver_metastases=True),
        "ALAT 5 × LSN (200 UI/L, LSN 40, le 05/03/2026) ≥ 5 × LSN (métastases hépatiques)",
    ),
    _case(
        "INC-07-ALT",
        ("INC-07-ALT", "above_raised_limit", "raised_unknown"),
        one_lab("alt", 210, "U/L", 40, disease__liver_metastases=ABSENT),
        "ALAT 5,25 × LSN (210 UI/L, LSN 40, le 05/03/2026) ≥ 5 × LSN",
    ),
    _case(
        "INC-07-ALT",
        ("INC-07-ALT", "limit_depends_on_unknown"),
        one_lab("alt", 130, "U/L", 40, disease__liver_metastases=ABSENT),
        "ALAT 3,25 × LSN (130 UI/L, LSN 40, le 05/03/2026) entre 3 et 5 × LSN : "
        "la présence de métastases hépatiques, non renseignée, décide du résultat",
    ),
    _case("INC-07-AST", ("INC-07-AST", "no_result"), labs("ast"), "Aucun résultat d'ASAT au 12/03/2026 ou avant"),
    _case(
        "INC-07-AST",
        ("INC-07-AST", "result_too_old"),
        old_lab("ast"),
        "Dernier résultat d'ASAT du 01/02/2026, 39 jours avant le 12/03/2026 : plus de 28 jours",
    ),
    _case(
        "INC-07-AST",
        ("INC-07-AST", "within_limit"),
        doc(),
        "ASAT 0,775 × LSN (31 UI/L, LSN 40, le 05/03/2026) ≤ 3 × LSN",
    ),
    _case(
        "INC-07-AST",
        ("INC-07-AST", "above_limit"),
        one_lab("ast", 121, "U/L", 40),
        "ASAT 3,025 × LSN (121 UI/L, LSN 40, le 05/03/2026) > 3 × LSN (pas de métastases hépatiques)",
    ),
    _case(
        "INC-07-AST",
        ("INC-07-AST", "below_raised_limit"),
        one_lab("ast", 121, "U/L", 40, disease__liver_metastases=True),
        "< 5 × LSN (métastases hépatiques)",
    ),
    _case(
        "INC-07-AST",
        ("INC-07-AST", "above_raised_limit"),
        one_lab("ast", 400, "U/L", 40, disease__liver_metastases=True),
        "ASAT 10 × LSN (400 UI/L, LSN 40, le 05/03/2026) ≥ 5 × LSN (métastases hépatiques)",
    ),
    _case(
        "INC-07-AST",
        ("INC-07-AST", "above_raised_limit", "raised_unknown"),
        one_lab("ast", 400, "U/L", 40, disease__liver_metastases=ABSENT),
        "ASAT 10 × LSN",
    ),
    _case(
        "INC-07-AST",
        ("INC-07-AST", "limit_depends_on_unknown"),
        one_lab("ast", 121, "U/L", 40, disease__liver_metastases=ABSENT),
        "entre 3 et 5 × LSN",
    ),
    # INC-07 albumin, creatinine clearance
    _case("INC-07-ALB", ("INC-07-ALB", "no_result"), labs("albumin"), "Aucun résultat d'albumine"),
    _case(
        "INC-07-ALB",
        ("INC-07-ALB", "result_too_old"),
        old_lab("albumin"),
        "Dernier résultat d'albumine du 01/02/2026, 39 jours avant le 12/03/2026 : plus de 28 jours",
    ),
    _case("INC-07-ALB", ("INC-07-ALB", "at_least_min"), doc(), "Albumine 3,8 g/dL (38 g/L le 05/03/2026) ≥ 2,5"),
    _case(
        "INC-07-ALB",
        ("INC-07-ALB", "below_min"),
        one_lab("albumin", 2.49, "g/dL"),
        "Albumine 2,49 g/dL (le 05/03/2026) < 2,5",
    ),
    _case("INC-07-CRCL", ("INC-07-CRCL", "no_result"), labs("creatinine"), "Aucun résultat de créatinine"),
    _case(
        "INC-07-CRCL",
        ("INC-07-CRCL", "result_too_old"),
        old_lab("creatinine"),
        "Dernier résultat de créatinine du 01/02/2026, 39 jours avant le 12/03/2026 : plus de 28 jours",
    ),
    _case(
        "INC-07-CRCL",
        ("INC-07-CRCL", "inputs_missing"),
        doc(patient__weight_kg=ABSENT, patient__sex=ABSENT),
        "Clairance de la créatinine non calculable (non renseigné : sexe et poids)",
    ),
    _case(
        "INC-07-CRCL",
        ("INC-07-CRCL", "at_least_min"),
        doc(),
        "Clairance de la créatinine 93,6 mL/min ≥ 30 (Cockcroft-Gault : femme, 44 ans, 63,5 kg, créatinine 0,77 mg/dL)",
    ),
    _case(
        "INC-07-CRCL",
        ("INC-07-CRCL", "below_min"),
        one_lab("creatinine", 3.2, "mg/dL", patient__sex="male"),
        "Clairance de la créatinine 26,5 mL/min < 30 (Cockcroft-Gault : homme, 44 ans, 63,5 kg, créatinine 3,20 mg/dL)",
    ),
    # INC-08 LVEF
    _case("INC-08", ("INC-08", "not_given"), doc(lvef__percent=ABSENT), "FEVG non renseignée"),
    _case("INC-08", ("INC-08", "at_least_min"), doc(), "FEVG 61 % (échocardiographie) ≥ 55 %"),
    _case(
        "INC-08",
        ("INC-08", "below_min"),
        doc(lvef__percent=54.5, lvef__method="muga"),
        "FEVG 54,5 % (scintigraphie cardiaque MUGA) < 55 %",
    ),
    _case(
        "INC-08",
        ("INC-08", "below_min"),
        doc(lvef__percent=50, lvef__method=ABSENT),
        "FEVG 50 % (méthode non précisée) < 55 %",
    ),
    # INC-09 pregnancy test
    _case(
        "INC-09",
        ("INC-09", "wocbp_unknown"),
        doc(reproductive__hysterectomy=None),
        "Statut de femme en âge de procréer indéterminé (non renseigné : hystérectomie)",
    ),
    _case("INC-09", ("INC-09", "not_wocbp"), doc(patient__sex="male"), "Pas une femme en âge de procréer (homme)"),
    _case(
        "INC-09",
        ("INC-09", "no_test"),
        doc(reproductive__pregnancy_tests=[]),
        "Aucun test de grossesse au 12/03/2026 ou avant",
    ),
    _case(
        "INC-09",
        ("INC-09", "positive"),
        pregnancy_test("positive", "2026-01-10", "urine"),
        "Test de grossesse urinaire positif le 10/01/2026, 61 jours avant le 12/03/2026",
    ),
    _case(
        "INC-09",
        ("INC-09", "test_too_old"),
        pregnancy_test("negative", "2026-03-04", None),
        "Test de grossesse négatif le 04/03/2026, 8 jours avant le 12/03/2026 : plus de 7 jours, à refaire",
    ),
    _case(
        "INC-09",
        ("INC-09", "negative_in_window"),
        doc(),
        "Test de grossesse sérique négatif le 09/03/2026, 3 jours avant le 12/03/2026",
    ),
    _case(
        "INC-09",
        ("INC-09", "negative_in_window"),
        pregnancy_test("negative", "2026-03-11"),
        "Test de grossesse sérique négatif le 11/03/2026, 1 jour avant le 12/03/2026",
    ),
    # EXC-01 prior ADC
    _case(
        "EXC-01",
        ("EXC-01", "adc_in_drugs"),
        doc(prior_therapy__drugs=["paclitaxel", "fam-trastuzumab deruxtecan-nxki", "Trodelvy"]),
        "Traitement antérieur par anticorps conjugué (ADC) anti-HER2 ou anti-TROP2 : "
        "« fam-trastuzumab deruxtecan-nxki » (trastuzumab deruxtecan) ; « Trodelvy »",
    ),
    _case(
        "EXC-01",
        ("EXC-01", "adc_recorded"),
        doc(prior_therapy__her2_or_trop2_adc=True),
        "Traitement antérieur par anticorps conjugué (ADC) anti-HER2 ou anti-TROP2 déclaré",
    ),
    _case(
        "EXC-01",
        ("EXC-01", "no_adc"),
        doc(),
        "Pas de traitement antérieur par anticorps conjugué (ADC) anti-HER2 ou anti-TROP2 "
        "(traitements antérieurs : paclitaxel, pembrolizumab, capecitabine)",
    ),
    _case(
        "EXC-01",
        ("EXC-01", "not_answered"),
        doc(prior_therapy__her2_or_trop2_adc=ABSENT, prior_therapy__drugs=[]),
        "anti-TROP2 non renseigné (traitements antérieurs : aucun renseigné)",
    ),
    # EXC-03 brain metastases
    _case("EXC-03", ("EXC-03", "absent"), doc(), "Pas de métastases cérébrales"),
    _case(
        "EXC-03",
        ("EXC-03", "not_controlled"),
        brain(symptomatic=True, corticosteroids_ongoing=True, last_local_treatment_date="2026-03-05"),
        "Métastases cérébrales symptomatiques, sous corticothérapie et dernier traitement local le 05/03/2026, "
        "7 jours avant le 12/03/2026 (< 14 jours)",
    ),
    _case(
        "EXC-03",
        ("EXC-03", "not_controlled"),
        brain(treated=False, stable_on_mri=False),
        "Métastases cérébrales non traitées et non stables à l'IRM",
    ),
    _case(
        "EXC-03",
        ("EXC-03", "details_unknown"),
        brain(symptomatic=None, last_local_treatment_date=None),
        "Métastases cérébrales présentes ; non renseigné : symptômes et date du dernier traitement local",
    ),
    _case(
        "EXC-03",
        ("EXC-03", "details_unknown", "presence_unknown"),
        brain(present=None, symptomatic=True, stable_on_mri=None),
        "Métastases cérébrales : présence non renseignée ; symptomatiques ; non renseigné : stabilité à l'IRM",
    ),
    _case(
        "EXC-03",
        ("EXC-03", "controlled_if_present"),
        brain(present=None),
        "Présence de métastases cérébrales non renseignée, mais métastases traitées, asymptomatiques, sans "
        "corticothérapie en cours, stables à l'IRM, dernier traitement local le 20/02/2026, 20 jours avant le "
        "12/03/2026 (≥ 14 jours)",
    ),
    _case(
        "EXC-03",
        ("EXC-03", "treated_stable"),
        brain(last_local_treatment_date="2026-02-26"),
        "Métastases cérébrales traitées, asymptomatiques, sans corticothérapie en cours, stables à l'IRM, "
        "dernier traitement local le 26/02/2026, 14 jours avant le 12/03/2026 (≥ 14 jours)",
    ),
    # EXC-04 ILD / pneumonitis
    _case(
        "EXC-04",
        ("EXC-04", "present"),
        doc(ild__current=True, ild__history_requiring_steroids=True),
        "PID / pneumopathie inflammatoire : antécédent ayant nécessité une corticothérapie et en cours",
    ),
    _case(
        "EXC-04",
        ("EXC-04", "not_answered"),
        doc(ild__suspected_not_ruled_out=ABSENT),
        "PID / pneumopathie inflammatoire, non renseigné : suspectée, non éliminée par l'imagerie",
    ),
    _case(
        "EXC-04",
        ("EXC-04", "absent"),
        doc(),
        "Pas de PID / pneumopathie inflammatoire : ni antécédent ayant nécessité une corticothérapie, "
        "ni en cours, ni suspectée",
    ),
    # EXC-09 another therapeutic trial
    _case("EXC-09", ("EXC-09", "not_enrolled"), doc(), "Pas de participation à un autre essai thérapeutique"),
    _case(
        "EXC-09",
        ("EXC-09", "outside_window"),
        doc(other_trial__enrolled=True, other_trial__last_date="2026-01-01"),
        "Dernière participation à un essai thérapeutique le 01/01/2026, 70 jours avant le 12/03/2026 (≥ 30 jours)",
    ),
    _case(
        "EXC-09",
        ("EXC-09", "not_answered"),
        doc(other_trial__enrolled=ABSENT),
        "Participation à un autre essai thérapeutique non renseignée",
    ),
    _case(
        "EXC-09",
        ("EXC-09", "not_answered", "with_date"),
        doc(other_trial__enrolled=ABSENT, other_trial__last_date="2026-03-01"),
        "Participation à un autre essai thérapeutique non renseignée (dernière participation à un essai "
        "thérapeutique le 01/03/2026, 11 jours avant le 12/03/2026)",
    ),
    _case(
        "EXC-09",
        ("EXC-09", "last_date_unknown"),
        doc(other_trial__enrolled=True),
        "Participation à un autre essai thérapeutique ; date de la dernière participation non renseignée",
    ),
    _case(
        "EXC-09",
        ("EXC-09", "within_window"),
        doc(other_trial__enrolled=True, other_trial__last_date="2026-02-11"),
        "Participation à un autre essai thérapeutique, la dernière le 11/02/2026, 29 jours avant le 12/03/2026 "
        "(< 30 jours)",
    ),
    # EXC-10 pregnancy / breast-feeding
    _case("EXC-10", ("EXC-10", "male"), doc(patient__sex="male"), "Patient de sexe masculin"),
    _case(
        "EXC-10",
        ("EXC-10", "present"),
        doc(reproductive__pregnant=True, reproductive__breastfeeding=True),
        "Critère de non-inclusion présent : grossesse en cours et allaitement",
    ),
    _case(
        "EXC-10",
        ("EXC-10", "present"),
        pregnancy_test("positive", "2026-03-09", reproductive__plans_pregnancy=True),
        "Critère de non-inclusion présent : dernier test de grossesse positif (09/03/2026) et projet de grossesse",
    ),
    _case("EXC-10", ("EXC-10", "sex_unknown"), doc(patient__sex=ABSENT), "Sexe non renseigné"),
    _case(
        "EXC-10",
        ("EXC-10", "not_answered"),
        doc(reproductive__breastfeeding=ABSENT, reproductive__plans_pregnancy=ABSENT),
        "Non renseigné : allaitement et projet de grossesse",
    ),
    _case(
        "EXC-10",
        ("EXC-10", "not_answered"),
        doc(reproductive__hysterectomy=ABSENT, reproductive__plans_pregnancy=True),
        "Non renseigné : statut de femme en âge de procréer",
    ),
    _case(
        "EXC-10",
        ("EXC-10", "absent"),
        doc(),
        "Pas de grossesse en cours, pas d'allaitement, pas de projet de grossesse",
    ),
    _case(
        "EXC-10",
        ("EXC-10", "absent", "not_wocbp"),
        doc(reproductive__hysterectomy=True),
        "Pas de grossesse en cours, pas d'allaitement",
    ),
]

# What must never show in a French reason: English words, ISO dates, decimal points, the
# exchange format's units.
ENGLISH_LEFTOVERS = re.compile(
    r"\d{4}-\d{2}-\d{2}|\d\.\d|>=|<=|\bULN\b|\bnot\b|\bgiven\b|\bdays?\b|\bon \d|\d y\b|\bno\b|"
    r"(?<!I)U/L|IU/L|10\^9|umol|/mm3|\bwithin\b|\bbefore\b|\bresult\b|\bpatient has\b|\bfemale\b|\bmale\b|WOCBP"
)


def _stored(outcome: Outcome) -> dict[str, Any]:
    """The entry as a stored result document holds it (JSON: dates as ISO strings)."""
    return as_json_data(outcome)


def _fresh(outcome: Outcome) -> dict[str, Any]:
    """The same entry straight from the rules (dates as datetime.date)."""
    return {
        "id": outcome.id,
        "kind": outcome.kind,
        "outcome": outcome.outcome,
        "reason": outcome.reason,
        "code": outcome.code,
        "values": outcome.values,
    }


def _french(criterion: dict[str, Any]) -> str:
    with translation.override("fr"):
        return localized_reason(criterion)


@pytest.mark.parametrize(("cid", "key", "document", "expected"), CASES)
def test_french_reason_of_each_branch(
    cid: str, key: tuple[str, ...], document: dict[str, Any], expected: list[str]
) -> None:
    outcome = outcome_of(document, cid)
    assert (outcome.id, outcome.code) == key[:2], outcome.reason
    stored = _stored(outcome)
    assert reasons._template_key(stored) == key
    french = _french(stored)
    shown = french.replace(NBSP, " ")
    for part in expected:
        assert part in shown, f"{part!r} not in {french!r}"
    assert french != outcome.reason
    leftover = ENGLISH_LEFTOVERS.search(french.replace("T-DXd", ""))
    assert leftover is None, f"English or unconverted {leftover[0]!r} in {french!r}"
    # The same from the rules' own objects (dates not yet ISO strings).
    assert _french(_fresh(outcome)) == french


# What must never show in an English reason either: the rules' codes, >= and <=, the
# exchange format's units, a test name capitalised inside a sentence.
ENGLISH_CODES = re.compile(r">=|<=|\b[a-z]+_[a-z_]+\b|umol|10\^9|IU/L|/mm3\b|\bNo Total\b|\d /mm")


@pytest.mark.parametrize(("cid", "key", "document", "expected"), CASES)
def test_english_reason_in_words(cid: str, key: tuple[str, ...], document: dict[str, Any], expected: list[str]) -> None:
    outcome = outcome_of(document, cid)
    with translation.override("en"):
        english = localized_reason(_stored(outcome))
        assert english == reasons._render(_stored(outcome))  # the template, not the fallback
    code = ENGLISH_CODES.search(english)
    assert code is None, f"code or symbol {code[0]!r} in {english!r}"
    if ENGLISH_CODES.search(outcome.reason):
        assert english != outcome.reason


def test_english_reason_examples() -> None:
    """The examples of the issue: ISH "not done", "total bilirubin" in lower case, ≥ and ≤, units as printed."""
    with translation.override("en"):
        her2_low = localized_reason(_stored(outcome_of(doc(), "INC-03-HER2")))
        bilirubin = localized_reason(_stored(outcome_of(labs("total_bilirubin"), "INC-07-BILI")))
        ecog = localized_reason(_stored(outcome_of(doc(), "INC-05")))
        platelets = localized_reason(_stored(outcome_of(doc(), "INC-07-PLT")))
    assert "ISH not done" in her2_low and "not_done" not in her2_low
    assert bilirubin == "No total bilirubin result on or before 2026-03-12"
    assert ecog == "ECOG performance status 1 ≤ 1"
    assert platelets == "Platelets 231,000/mm³ (231 G/L on 2026-03-05) ≥ 100,000"


def test_numbers_use_a_no_break_space_between_thousands() -> None:
    french = _french(_stored(outcome_of(doc(), "INC-07-PLT")))
    assert f"231{NBSP}000/mm³" in french
    assert f"≥ 100{NBSP}000" in french


def test_every_template_is_reached_by_a_case() -> None:
    reached = {param.values[1] for param in CASES}
    assert reached == set(reasons.TEMPLATES)


def _codes_in(module: object) -> set[str]:
    """Every code a rule module can return: the 4th argument of its Outcome(...) calls."""
    tree = ast.parse(Path(module.__file__).read_text())  # type: ignore[attr-defined]
    return {
        call.args[3].value
        for call in ast.walk(tree)
        if isinstance(call, ast.Call)
        and isinstance(call.func, ast.Name)
        and call.func.id == "Outcome"
        and len(call.args) >= 4
        and isinstance(call.args[3], ast.Constant)
    }


def test_every_code_of_the_rules_has_a_template() -> None:
    codes = _codes_in(inclusion) | _codes_in(exclusion)
    assert len(codes) > 50  # the scan found the rules' codes
    assert codes <= {key[1] for key in reasons.TEMPLATES}


def test_every_criterion_of_alter_v1_is_covered() -> None:
    assert set(CRITERION_TITLES) == set(ALTER_V1.ids)
    assert {param.values[0] for param in CASES} == set(ALTER_V1.ids)


def test_titles_in_french() -> None:
    with translation.override("fr"):
        french = {cid: str(title) for cid, title in CRITERION_TITLES.items()}
    with translation.override("en"):
        english = {cid: str(title) for cid, title in CRITERION_TITLES.items()}
    assert [cid for cid in ALTER_V1.ids if french[cid] == english[cid]] == []
    assert english["INC-07-PLT"] == "Platelets ≥ 100,000/mm³"
    assert french["INC-07-PLT"] == f"Plaquettes ≥ 100{NBSP}000/mm³"
    assert french["INC-07-ANC"] == f"PNN ≥ 1{NBSP}500/mm³"
    assert french["INC-07-ALT"] == "ALAT ≤ 3 × LSN (< 5 × LSN si métastases hépatiques)"
    assert french["INC-08"] == f"FEVG ≥ 55{NBSP}%"
    assert french["INC-06"] == "Contraception (hommes et femmes en âge de procréer)"
    assert french["EXC-03"] == "Métastases cérébrales"


def test_outcome_and_status_labels() -> None:
    assert set(OUTCOME_LABELS) == {"pass", "fail", "missing", "not_applicable"}
    assert set(STATUS_LABELS) == {"eligible", "ineligible", "incomplete"}
    with translation.override("fr"):
        assert {k: str(v) for k, v in OUTCOME_LABELS.items()} == {
            "pass": "conforme",
            "fail": "non conforme",
            "missing": "donnée manquante",
            "not_applicable": "sans objet",
        }
        assert {k: str(v) for k, v in STATUS_LABELS.items()} == {
            "eligible": "éligible",
            "ineligible": "non éligible",
            "incomplete": "incomplet",
        }
    with translation.override("en"):
        assert str(OUTCOME_LABELS["not_applicable"]) == "not applicable"
        assert str(STATUS_LABELS["ineligible"]) == "ineligible"


# --- the English reason when the French cannot be rendered ----------------------------


def test_unknown_code_falls_back_to_the_english_reason() -> None:
    criterion = _stored(outcome_of(doc(), "INC-05")) | {"code": "from_a_later_ruleset"}
    assert _french(criterion) == criterion["reason"]


def test_missing_value_falls_back_to_the_english_reason() -> None:
    criterion = _stored(outcome_of(doc(), "INC-07-CRCL"))
    del criterion["values"]["crcl_ml_min"]
    assert _french(criterion) == criterion["reason"]


WOCBP_GROUNDS = ("wocbp_ground", "wocbp_unknown", "wocbp_age_years", "wocbp_amenorrhea_months")


def _as_stored_before_grounds(criterion: dict[str, Any]) -> dict[str, Any]:
    """An entry as stored before the values gave the WOCBP grounds as data: the English only."""
    values = {k: v for k, v in criterion["values"].items() if k not in WOCBP_GROUNDS}
    return criterion | {"values": values}


def test_unknown_wocbp_reason_falls_back_to_the_english_reason() -> None:
    """A result stored before the grounds were data, whose English text is not one known."""
    criterion = _as_stored_before_grounds(_stored(outcome_of(doc(reproductive__hysterectomy=True), "INC-06")))
    criterion["values"]["wocbp_because"] = "a reason this module has never seen"
    assert _french(criterion) == criterion["reason"]


@pytest.mark.parametrize(
    "document",
    [
        doc(reproductive__hysterectomy=True),
        doc(patient__date_of_birth="1960-01-01"),
        doc(reproductive__amenorrhea_months=14, reproductive__amenorrhea_other_cause=False),
        doc(
            reproductive__hysterectomy=None,
            reproductive__amenorrhea_months=14,
            reproductive__amenorrhea_other_cause=None,
        ),
        doc(patient__sex=None),
    ],
)
@pytest.mark.parametrize("cid", ["INC-06", "INC-09"])
def test_wocbp_grounds_are_read_as_data_not_from_the_english(document: dict[str, Any], cid: str) -> None:
    """The grounds decide the words (the English text is not parsed), and they read as the
    English text read for a result stored before the grounds were data."""
    criterion = _stored(outcome_of(document, cid))
    assert criterion["code"] in ("wocbp_unknown", "not_wocbp")  # a reason naming its grounds
    before = _french(_as_stored_before_grounds(criterion))
    assert before != criterion["reason"]  # the old English is read back
    garbled = criterion | {"values": {**criterion["values"], "wocbp_because": "not English the rules write"}}
    assert _french(garbled) == _french(criterion) == before


@pytest.mark.parametrize(
    "broken",
    [
        {},
        {"reason": "kept"},
        {"id": "INC-05", "code": "ecog_ok", "reason": "kept", "values": None},
        {"id": "INC-05", "code": "ecog_ok", "reason": "kept", "values": {"ecog": "one"}},
        {
            "id": "EXC-03",
            "code": "treated_stable",
            "reason": "kept",
            "values": {"last_local_treatment_date": "soon", "days_since_treatment": 20},
        },
    ],
)
def test_malformed_entries_never_raise(broken: dict[str, Any]) -> None:
    assert _french(broken) == broken.get("reason", "")


@pytest.mark.parametrize(("cid", "key", "document", "expected"), CASES)
def test_any_value_removed_still_gives_a_reason(
    cid: str, key: tuple[str, ...], document: dict[str, Any], expected: list[str]
) -> None:
    criterion = _stored(outcome_of(document, cid))
    for name in criterion["values"]:
        partial = criterion | {"values": {k: v for k, v in criterion["values"].items() if k != name}}
        french = _french(partial)
        assert isinstance(french, str) and french
