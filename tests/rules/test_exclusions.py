"""EXC-01 prior HER2/TROP2 ADC (drug-name matching), EXC-03 brain metastases, EXC-04
ILD/pneumonitis, EXC-09 another therapeutic trial (criteria.md, exclusion table)."""

from __future__ import annotations

from typing import Any

import pytest

from screening.rules.exclusion import adc_named_in
from tests.builders import ABSENT, A, R, before, eligible_document, mentions, outcome_of

# --- EXC-01 ----------------------------------------------------------------------------
# Lower-case; hyphens, underscores and runs of spaces are one space; a word is a run of
# letters and digits, anything else separates words; the listed name's words must occur
# consecutively among the entry's words.

NAMES_AN_ADC = [
    "Enhertu 5.4 mg/kg",
    "fam-trastuzumab deruxtecan-nxki",
    "trastuzumab/deruxtecan",
    "Trastuzumab Deruxtecan",
    "TRASTUZUMAB DERUXTECAN",
    "trastuzumab_deruxtecan",
    "trastuzumab   deruxtecan",
    "trastuzumab-deruxtecan",
    "trastuzumab + deruxtecan",
    "trastuzumab\u2013deruxtecan",  # en dash: punctuation separates words
    "T-DXd",
    "t-dxd",
    "T DXd",
    "T_DXd",
    "T\u2011DXd",  # non-breaking hyphen
    "T-DXd (2024)",
    "[trastuzumab deruxtecan]",
    "DS-8201",
    "DS-8201a",
    "ds 8201a",
    "Enhertu",
    "ENHERTU\u00ae",
    "prior Enhertu, 6 cycles",
    "trastuzumab emtansine",
    "ado-trastuzumab emtansine",
    "trastuzumab emtansine (T-DM1)",
    "T-DM1",
    "Kadcyla",
    "sacituzumab govitecan",
    "Sacituzumab-govitecan",
    "sacituzumab govitecan-hziy",
    "IMMU-132",
    "Trodelvy",
    "datopotamab deruxtecan",
    "Dato-DXd",
    "DS-1062",
    "Datroway",
    "sacituzumab tirumotecan",
    "sacituzumab-tirumotecan",
    "sac-TMT",
    "MK-2870",
    "SKB264",
    "disitamab vedotin",
    "RC48",
    "RC48-ADC",
    "trastuzumab duocarmazine",
    "SYD985",
    "trastuzumab rezetecan",
    "SHR-A1811",
]

NAMES_NO_ADC = [
    "trastuzumab",
    "Herceptin",
    "pertuzumab",
    "trastuzumab + pertuzumab",
    "paclitaxel",
    "pembrolizumab",
    "capecitabine",
    "sacituzumab",
    "deruxtecan",
    "deruxtecan trastuzumab",  # the words must be in the listed order
    "trastuzumab (Herceptin) + deruxtecan",  # ... and consecutive
    "ado-trastuzumab",
    "DS8201",  # one word, not "ds" "8201"
    "tdxd",
    "T-DM",
    "enhertux",  # whole words only
    "RC480",
    "MK-28701",
    "SKB2640",
    "Enhertu5",
    "",
]


@pytest.mark.criterion("EXC-01")
@pytest.mark.parametrize("entry", NAMES_AN_ADC)
def test_prior_adc_name_matches(entry: str) -> None:
    assert adc_named_in(entry) is not None
    doc = eligible_document(prior_therapy__her2_or_trop2_adc=False, prior_therapy__drugs=["paclitaxel", entry])
    o = outcome_of(doc, "EXC-01")
    assert o.outcome == "fail"
    assert entry in o.reason


@pytest.mark.criterion("EXC-01")
@pytest.mark.parametrize("entry", NAMES_NO_ADC)
def test_prior_adc_name_does_not_match(entry: str) -> None:
    assert adc_named_in(entry) is None
    doc = eligible_document(prior_therapy__her2_or_trop2_adc=False, prior_therapy__drugs=["paclitaxel", entry])
    assert outcome_of(doc, "EXC-01").outcome == "pass"


EXC_01_TABLE = [
    # her2_or_trop2_adc, drugs, expected
    (False, ["paclitaxel", "pembrolizumab"], "pass"),
    (False, [], "pass"),
    (False, None, "pass"),
    (False, ABSENT, "pass"),
    (True, ["paclitaxel"], "fail"),
    (True, [], "fail"),
    (True, ["Enhertu"], "fail"),
    (None, ["paclitaxel"], "missing"),
    (None, [], "missing"),
    (ABSENT, ABSENT, "missing"),
    (None, ["paclitaxel", "Trodelvy"], "fail"),  # a named ADC decides it whatever the flag says
    (False, ["Trodelvy"], "fail"),
]


@pytest.mark.criterion("EXC-01")
@pytest.mark.parametrize(("flag", "drugs", "expected"), EXC_01_TABLE)
def test_prior_adc_decision_table(flag: object, drugs: object, expected: str) -> None:
    doc = eligible_document(prior_therapy__her2_or_trop2_adc=flag, prior_therapy__drugs=drugs)
    assert outcome_of(doc, "EXC-01").outcome == expected


@pytest.mark.criterion("EXC-01")
def test_prior_adc_part_absent_missing() -> None:
    assert outcome_of(eligible_document(prior_therapy=ABSENT), "EXC-01").outcome == "missing"


@pytest.mark.criterion("EXC-01")
def test_prior_adc_pass_reason_lists_drugs() -> None:
    o = outcome_of(eligible_document(), "EXC-01")
    assert o.outcome == "pass"
    assert mentions(o.reason, "paclitaxel", "pembrolizumab", "capecitabine")


# --- EXC-03 ----------------------------------------------------------------------------
# R = 2026-03-12. Present: pass only when treated, asymptomatic, no ongoing corticosteroids,
# stable on MRI and (R - last_local_treatment_date).days >= 14.

GOOD = {"treated": True, "symptomatic": False, "corticosteroids_ongoing": False, "stable_on_mri": True}


def _bm(present: object, days: int | None = 14, **fields: Any) -> dict[str, Any]:
    bm: dict[str, Any] = {**GOOD, **fields}
    bm["present"] = present
    bm["last_local_treatment_date"] = None if days is None else before(R, days)
    return bm


EXC_03_TABLE = [
    (_bm(False, None, treated=None, symptomatic=None, corticosteroids_ongoing=None, stable_on_mri=None), "pass"),
    (_bm(False, None, symptomatic=True), "pass"),  # no metastases: the details do not matter
    (_bm(True, 14), "pass"),
    (_bm(True, 15), "pass"),
    (_bm(True, 400), "pass"),
    (_bm(True, 13), "fail"),
    (_bm(True, 0), "fail"),
    (_bm(True, None, treated=False), "fail"),
    (_bm(True, 14, treated=False), "fail"),
    (_bm(True, 14, symptomatic=True), "fail"),
    (_bm(True, 14, corticosteroids_ongoing=True), "fail"),
    (_bm(True, 14, stable_on_mri=False), "fail"),
    (_bm(True, 14, treated=None), "missing"),
    (_bm(True, 14, symptomatic=None), "missing"),
    (_bm(True, 14, corticosteroids_ongoing=None), "missing"),
    (_bm(True, 14, stable_on_mri=None), "missing"),
    (_bm(True, None), "missing"),  # treated metastases without the treatment date
    (_bm(True, None, symptomatic=True, stable_on_mri=None), "fail"),  # decided whatever the rest
    (_bm(True, 13, stable_on_mri=None, treated=None), "fail"),
    (_bm(None, 14, symptomatic=True), "missing"),  # fails if present, passes if not
    (_bm(None, None, treated=None, symptomatic=None, corticosteroids_ongoing=None, stable_on_mri=None), "missing"),
]


@pytest.mark.criterion("EXC-03")
@pytest.mark.parametrize(("brain_metastases", "expected"), EXC_03_TABLE)
def test_brain_metastases_decision_table(brain_metastases: dict[str, Any], expected: str) -> None:
    doc = eligible_document(disease__brain_metastases=brain_metastases)
    assert outcome_of(doc, "EXC-03").outcome == expected


@pytest.mark.criterion("EXC-03")
def test_brain_metastases_treated_14_days_before_r_pass() -> None:
    o = outcome_of(eligible_document(disease__brain_metastases=_bm(True, 14)), "EXC-03")
    assert o.outcome == "pass"
    assert mentions(o.reason, "14 days", "2026-03-12")


@pytest.mark.criterion("EXC-03")
def test_brain_metastases_treated_13_days_before_r_fail() -> None:
    o = outcome_of(eligible_document(disease__brain_metastases=_bm(True, 13)), "EXC-03")
    assert o.outcome == "fail"
    assert mentions(o.reason, "13 days", "2026-03-12")


@pytest.mark.criterion("EXC-03")
@pytest.mark.parametrize(("days", "expected"), [(14, "pass"), (13, "fail")])
def test_brain_metastases_window_counts_from_assessment_without_randomization_date(days: int, expected: str) -> None:
    bm = {**_bm(True), "last_local_treatment_date": before(A, days)}
    doc = eligible_document(planned_randomization_date=ABSENT, disease__brain_metastases=bm)
    assert outcome_of(doc, "EXC-03").outcome == expected


@pytest.mark.criterion("EXC-03")
@pytest.mark.parametrize("field", ["brain_metastases", "disease"])
def test_brain_metastases_part_absent_missing(field: str) -> None:
    overrides = {"disease__brain_metastases": ABSENT} if field == "brain_metastases" else {"disease": ABSENT}
    assert outcome_of(eligible_document(**overrides), "EXC-03").outcome == "missing"


@pytest.mark.criterion("EXC-03")
def test_brain_metastases_presence_unknown_but_controlled_either_way_pass() -> None:
    # Spec, Dates: "a condition already decided by the fields that are present needs
    # nothing more". Absent metastases pass; present ones pass here too (treated,
    # asymptomatic, no corticosteroids, stable, 14 days): the outcome is the same either way.
    doc = eligible_document(disease__brain_metastases=_bm(None, 14))
    assert outcome_of(doc, "EXC-03").outcome == "pass"


# --- EXC-04 ----------------------------------------------------------------------------

EXC_04_TABLE = [
    # history_requiring_steroids, current, suspected_not_ruled_out, expected
    (False, False, False, "pass"),
    (True, False, False, "fail"),
    (False, True, False, "fail"),
    (False, False, True, "fail"),
    (True, True, True, "fail"),
    (True, None, None, "fail"),
    (None, True, None, "fail"),
    (None, None, True, "fail"),
    (None, False, False, "missing"),
    (False, None, False, "missing"),
    (False, False, None, "missing"),
    (None, None, None, "missing"),
]


@pytest.mark.criterion("EXC-04")
@pytest.mark.parametrize(("history", "current", "suspected", "expected"), EXC_04_TABLE)
def test_ild_decision_table(history: bool | None, current: bool | None, suspected: bool | None, expected: str) -> None:
    doc = eligible_document(
        ild__history_requiring_steroids=history, ild__current=current, ild__suspected_not_ruled_out=suspected
    )
    assert outcome_of(doc, "EXC-04").outcome == expected


@pytest.mark.criterion("EXC-04")
def test_ild_part_absent_missing() -> None:
    assert outcome_of(eligible_document(ild=ABSENT), "EXC-04").outcome == "missing"


@pytest.mark.criterion("EXC-04")
def test_ild_fail_reason_names_condition() -> None:
    o = outcome_of(eligible_document(ild__current=True), "EXC-04")
    assert o.outcome == "fail"
    assert "current" in o.reason


# --- EXC-09 ----------------------------------------------------------------------------
# enrolled = false -> pass; true: (R - last_date).days < 30 -> fail, >= 30 -> pass,
# last_date absent -> missing.

EXC_09_TABLE = [
    # enrolled, last_date days before R (None: absent), expected
    (False, None, "pass"),
    (False, 5, "pass"),
    (True, 29, "fail"),
    (True, 30, "pass"),
    (True, 31, "pass"),
    (True, 0, "fail"),
    (True, 1, "fail"),
    (True, 365, "pass"),
    (True, None, "missing"),
    (None, None, "missing"),
    (None, 10, "missing"),  # fails if enrolled, passes if not
]


@pytest.mark.criterion("EXC-09")
@pytest.mark.parametrize(("enrolled", "days", "expected"), EXC_09_TABLE)
def test_other_trial_decision_table(enrolled: bool | None, days: int | None, expected: str) -> None:
    last_date = None if days is None else before(R, days)
    o = outcome_of(eligible_document(other_trial__enrolled=enrolled, other_trial__last_date=last_date), "EXC-09")
    assert o.outcome == expected
    if enrolled is True and days is not None:
        assert mentions(o.reason, last_date or "", f"{days} days")


@pytest.mark.criterion("EXC-09")
def test_other_trial_29_days_before_r_fail() -> None:
    doc = eligible_document(other_trial__enrolled=True, other_trial__last_date=before(R, 29))
    assert outcome_of(doc, "EXC-09").outcome == "fail"


@pytest.mark.criterion("EXC-09")
def test_other_trial_30_days_before_r_pass() -> None:
    doc = eligible_document(other_trial__enrolled=True, other_trial__last_date=before(R, 30))
    assert outcome_of(doc, "EXC-09").outcome == "pass"


@pytest.mark.criterion("EXC-09")
@pytest.mark.parametrize(("days", "expected"), [(29, "fail"), (30, "pass")])
def test_other_trial_window_counts_from_assessment_without_randomization_date(days: int, expected: str) -> None:
    doc = eligible_document(
        planned_randomization_date=ABSENT, other_trial__enrolled=True, other_trial__last_date=before(A, days)
    )
    assert outcome_of(doc, "EXC-09").outcome == expected


@pytest.mark.criterion("EXC-09")
def test_other_trial_part_absent_missing() -> None:
    assert outcome_of(eligible_document(other_trial=ABSENT), "EXC-09").outcome == "missing"


@pytest.mark.criterion("EXC-09")
def test_other_trial_enrolment_unknown_but_last_trial_30_days_ago_pass() -> None:
    # Spec, Dates: three-valued logic. Not enrolled passes; enrolled with the last date 30
    # days before R passes too: the condition is decided by the fields present.
    doc = eligible_document(other_trial__enrolled=None, other_trial__last_date=before(R, 30))
    assert outcome_of(doc, "EXC-09").outcome == "pass"
