"""Exclusion criteria of ALTER (ruleset alter-v1), one function per criterion id.

An exclusion criterion ``fail``s when the excluding condition is present.
"""

from __future__ import annotations

import re
from typing import Final

from screening.rules.dates import days_before
from screening.rules.facts import Facts
from screening.rules.outcome import FAIL, MISSING, NOT_APPLICABLE, PASS, Outcome

# The spec's list of HER2- and TROP2-directed antibody-drug conjugates (exhaustive for
# alter-v1; an ADC not on it is recorded with prior_therapy.her2_or_trop2_adc = true).
HER2_OR_TROP2_ADC_NAMES: Final = (
    "trastuzumab emtansine",
    "ado-trastuzumab emtansine",
    "T-DM1",
    "Kadcyla",
    "trastuzumab deruxtecan",
    "T-DXd",
    "DS-8201",
    "DS-8201a",
    "Enhertu",
    "sacituzumab govitecan",
    "IMMU-132",
    "Trodelvy",
    "datopotamab deruxtecan",
    "Dato-DXd",
    "DS-1062",
    "Datroway",
    "sacituzumab tirumotecan",
    "sac-TMT",
    "MK-2870",
    "SKB264",
    "disitamab vedotin",
    "RC48",
    "trastuzumab duocarmazine",
    "SYD985",
    "trastuzumab rezetecan",
    "SHR-A1811",
)

# A word is a run of letters and digits; anything else separates words.
_WORD: Final = re.compile(r"[^\W_]+")


def _words(text: str) -> str:
    """The words of ``text``, lower-cased, joined and framed by single spaces.

    Framing lets a plain substring test find a name's words as consecutive whole words.
    """
    return " " + " ".join(_WORD.findall(text.lower())) + " "


# One pattern finds any listed name among an entry's words, longest names first so that
# "DS-8201a" is reported rather than "DS-8201".
_NAME_BY_WORDS: Final = {_words(name): name for name in HER2_OR_TROP2_ADC_NAMES}
_ADC_PATTERN: Final = re.compile(
    "|".join(re.escape(w[:-1]) + "(?= )" for w in sorted(_NAME_BY_WORDS, key=len, reverse=True))
)


def adc_named_in(entry: str) -> str | None:
    """The listed HER2/TROP2 ADC that a prior-drug entry names, if any.

    "Enhertu 5.4 mg/kg", "fam-trastuzumab deruxtecan-nxki" and "trastuzumab/deruxtecan"
    name one; plain "trastuzumab" does not.
    """
    match = _ADC_PATTERN.search(_words(entry))
    return None if match is None else _NAME_BY_WORDS[match.group(0) + " "]


def _judgment(criterion: str, present: bool | None, what: str, field: str) -> Outcome:
    """An exclusion answered by the investigator: true -> fail, false -> pass."""
    if present is None:
        return Outcome(criterion, MISSING, f"{what}: not answered yet", "not_answered", {field: None})
    if present:
        return Outcome(criterion, FAIL, f"{what}: yes", "present", {field: True})
    return Outcome(criterion, PASS, f"{what}: no", "absent", {field: False})


def exc_01_prior_adc(f: Facts) -> Outcome:
    """Registry: "Patient previously treated with any ADC targeting HER2 or TROP2"."""
    flag = f.prior_therapy.her2_or_trop2_adc
    matches = [(entry, name) for entry in f.drugs if (name := adc_named_in(entry)) is not None]
    values = {
        "her2_or_trop2_adc": flag,
        "drugs": list(f.drugs),
        "matched": [entry for entry, _ in matches],
        # The listed name each matched entry is (data: a page never re-runs the matcher).
        "matched_names": [name for _, name in matches],
    }
    if matches:
        named = "; ".join(f"{entry!r} is {name}" for entry, name in matches)
        return Outcome("EXC-01", FAIL, f"Prior HER2- or TROP2-directed ADC: {named}", "adc_in_drugs", values)
    if flag is True:
        return Outcome("EXC-01", FAIL, "Prior HER2- or TROP2-directed ADC recorded", "adc_recorded", values)
    drugs = ", ".join(f.drugs) if f.drugs else "none listed"
    if flag is False:
        return Outcome("EXC-01", PASS, f"No prior HER2- or TROP2-directed ADC (prior drugs: {drugs})", "no_adc", values)
    return Outcome(
        "EXC-01",
        MISSING,
        f"Prior HER2- or TROP2-directed ADC not answered (prior drugs: {drugs})",
        "not_answered",
        values,
    )


def exc_02_cardiovascular(f: Facts) -> Outcome:
    """Registry: "Patient with uncontrolled or significant cardiovascular disease"."""
    return _judgment(
        "EXC-02",
        f.judgment.significant_cardiovascular_disease,
        "Uncontrolled or significant cardiovascular disease",
        "significant_cardiovascular_disease",
    )


def exc_03_brain_metastases(f: Facts) -> Outcome:
    """Registry: "Patients with brain metastases (BM) except for asymptomatic treated BM not
    requiring ongoing corticosteroid treatment with stable lesions on baseline/screening
    brain MRI. Patients who require treatment of brain metastases are eligible after 14
    days post surgery or radiation"."""
    bm = f.brain_metastases
    r = f.reference_date
    min_days = f.parameters.brain_metastasis_treatment_min_days
    days = None if bm.last_local_treatment_date is None else days_before(r, bm.last_local_treatment_date)
    values = {
        "present": bm.present,
        "treated": bm.treated,
        "symptomatic": bm.symptomatic,
        "corticosteroids_ongoing": bm.corticosteroids_ongoing,
        "stable_on_mri": bm.stable_on_mri,
        "last_local_treatment_date": bm.last_local_treatment_date,
        "days_since_treatment": days,
    }
    if bm.present is False:
        return Outcome("EXC-03", PASS, "No brain metastases", "absent", values)
    wrong = [
        text
        for text, bad in (
            ("not treated", bm.treated is False),
            ("symptomatic", bm.symptomatic is True),
            ("on corticosteroids", bm.corticosteroids_ongoing is True),
            ("not stable on MRI", bm.stable_on_mri is False),
            (
                f"last local treatment {days} days before {r.isoformat()} (< {min_days})",
                days is not None and days < min_days,
            ),
        )
        if bad
    ]
    unknown = [
        name
        for name, v in (
            ("treated", bm.treated),
            ("symptomatic", bm.symptomatic),
            ("ongoing corticosteroids", bm.corticosteroids_ongoing),
            ("stable on MRI", bm.stable_on_mri),
            ("date of last local treatment", bm.last_local_treatment_date),
        )
        if v is None
    ]
    if wrong and bm.present is True:
        return Outcome("EXC-03", FAIL, "Brain metastases " + ", ".join(wrong), "not_controlled", values)
    if wrong or unknown:
        # Three-valued logic (spec, "Dates"): excluded = present AND not controlled; with
        # presence unknown, only metastases known to be controlled settle it (below).
        known = "presence not given" if bm.present is None else "present"
        details = "; ".join(
            part for part in (", ".join(wrong), ("not given: " + ", ".join(unknown)) if unknown else "") if part
        )
        return Outcome("EXC-03", MISSING, f"Brain metastases {known}; {details}", "details_unknown", values)
    controlled = (
        "treated, asymptomatic, no ongoing corticosteroids, stable on MRI, "
        f"last local treatment {days} days before {r.isoformat()} "
        f"(>= {min_days})"
    )
    if bm.present is None:
        return Outcome(
            "EXC-03", PASS, f"Brain metastases presence not given, but {controlled}", "controlled_if_present", values
        )
    return Outcome("EXC-03", PASS, f"Brain metastases {controlled}", "treated_stable", values)


def exc_04_ild(f: Facts) -> Outcome:
    """Registry: "History of (non-infectious) interstitial lung disease (ILD)/pneumonitis
    that required steroids, or current ILD/pneumonitis, or suspected ILD/pneumonitis that
    cannot be ruled out by imaging at screening"."""
    ild = f.ild
    answers = (
        ("history requiring steroids", ild.history_requiring_steroids),
        ("current ILD/pneumonitis", ild.current),
        ("suspected ILD/pneumonitis not ruled out", ild.suspected_not_ruled_out),
    )
    values = {
        "history_requiring_steroids": ild.history_requiring_steroids,
        "current": ild.current,
        "suspected_not_ruled_out": ild.suspected_not_ruled_out,
    }
    present = [name for name, v in answers if v is True]
    if present:
        return Outcome("EXC-04", FAIL, "ILD/pneumonitis: " + ", ".join(present), "present", values)
    unknown = [name for name, v in answers if v is None]
    if unknown:
        return Outcome("EXC-04", MISSING, "ILD/pneumonitis not answered: " + ", ".join(unknown), "not_answered", values)
    return Outcome("EXC-04", PASS, "No ILD/pneumonitis history, current or suspected", "absent", values)


def exc_05_incompatible_condition(f: Facts) -> Outcome:
    """Registry: "Any medical history or condition that per protocol or in the opinion of
    the investigator is incompatible with the study"."""
    return _judgment(
        "EXC-05", f.judgment.incompatible_condition, "Condition incompatible with the study", "incompatible_condition"
    )


def exc_06_hypersensitivity(f: Facts) -> Outcome:
    """Registry: "Patients with known allergy or severe hypersensitivity to any of the
    trial drugs or their excipients"."""
    return _judgment(
        "EXC-06",
        f.judgment.hypersensitivity_to_trial_drugs,
        "Allergy or severe hypersensitivity to trial drugs",
        "hypersensitivity_to_trial_drugs",
    )


def exc_07_confounding_condition(f: Facts) -> Outcome:
    """Registry: "Other concurrent medical or psychiatric conditions that, in the
    Investigator's opinion, may cause misleading study interpretation or prevent
    completion of study procedures and followup examinations"."""
    return _judgment(
        "EXC-07",
        f.judgment.confounding_concurrent_condition,
        "Confounding concurrent condition",
        "confounding_concurrent_condition",
    )


def exc_08_hospitalisation(f: Facts) -> Outcome:
    """Registry: "Patients with any other disease or illness that requires hospitalisation
    or is incompatible with the trial treatment are not eligible"."""
    return _judgment(
        "EXC-08",
        f.judgment.disease_requiring_hospitalisation,
        "Disease requiring hospitalisation",
        "disease_requiring_hospitalisation",
    )


def exc_09_other_trial(f: Facts) -> Outcome:
    """Registry: "Patients enrolled in another therapeutic trial within 30 days of
    inclusion"."""
    t = f.other_trial
    r = f.reference_date
    window = f.parameters.other_trial_window_days
    days = None if t.last_date is None else days_before(r, t.last_date)
    values = {"enrolled": t.enrolled, "last_date": t.last_date, "days_before_reference": days}
    shown = (
        ""
        if t.last_date is None
        else f"last therapeutic trial on {t.last_date.isoformat()}, {days} days before {r.isoformat()}"
    )
    if t.enrolled is False:
        return Outcome("EXC-09", PASS, "Not enrolled in another therapeutic trial", "not_enrolled", values)
    if days is not None and days >= window:
        # Three-valued logic (spec, "Dates"): a trial 30 days or more ago cannot exclude,
        # whether or not enrolment is recorded.
        return Outcome("EXC-09", PASS, f"{shown[0].upper()}{shown[1:]} (>= {window})", "outside_window", values)
    if t.enrolled is None:
        return Outcome(
            "EXC-09",
            MISSING,
            "Enrolment in another therapeutic trial not answered" + (f" ({shown})" if shown else ""),
            "not_answered",
            values,
        )
    if days is None:
        return Outcome(
            "EXC-09", MISSING, "Enrolled in another therapeutic trial; last date not given", "last_date_unknown", values
        )
    return Outcome(
        "EXC-09",
        FAIL,
        f"Enrolled in another therapeutic trial, {shown} (< {window})",
        "within_window",
        values,
    )


def exc_10_pregnancy(f: Facts) -> Outcome:
    """Registry: "Pregnant or breast-feeding women at the time of randomization or
    intention to become pregnant during the study and up to 7 months after treatment"."""
    rep = f.reproductive
    w = f.wocbp
    t = f.pregnancy_test
    sex = f.patient.sex
    values: dict[str, object] = {
        "sex": sex,
        "wocbp": w.wocbp,
        "pregnant": rep.pregnant,
        "breastfeeding": rep.breastfeeding,
        "plans_pregnancy": rep.plans_pregnancy,
        "latest_test_result": None if t is None else t.result,
        "latest_test_date": None if t is None else t.date,
    }
    if sex == "male":
        return Outcome("EXC-10", NOT_APPLICABLE, "Male patient", "male", values)
    present = []
    if rep.pregnant is True:
        present.append("pregnant")
    if rep.breastfeeding is True:
        present.append("breast-feeding")
    if t is not None and t.result == "positive":
        present.append(f"latest pregnancy test positive ({t.date.isoformat()})")
    if w.wocbp is True and rep.plans_pregnancy is True:
        present.append("plans pregnancy")
    if present:
        return Outcome("EXC-10", FAIL, ", ".join(present).capitalize(), "present", values)
    if sex is None:
        return Outcome("EXC-10", MISSING, "Sex not given", "sex_unknown", values)
    unknown = [name for name, v in (("pregnant", rep.pregnant), ("breast-feeding", rep.breastfeeding)) if v is None]
    plans_matter = w.wocbp is not False
    if plans_matter and rep.plans_pregnancy is None:
        unknown.append("plans pregnancy")
    if w.wocbp is None and rep.plans_pregnancy is True:
        unknown.append(f"WOCBP status ({w.because})")
    if unknown:
        return Outcome("EXC-10", MISSING, "Not given: " + ", ".join(unknown), "not_answered", values)
    return Outcome(
        "EXC-10",
        PASS,
        "Not pregnant, not breast-feeding" + (", no pregnancy planned" if plans_matter else ""),
        "absent",
        values,
    )


def exc_11_deprived_of_liberty(f: Facts) -> Outcome:
    """Registry: "Person deprived of their liberty or under protective custody or
    guardianship"."""
    return _judgment(
        "EXC-11",
        f.judgment.deprived_of_liberty_or_guardianship,
        "Deprived of liberty or under guardianship",
        "deprived_of_liberty_or_guardianship",
    )


def exc_12_follow_up(f: Facts) -> Outcome:
    """Registry: "Patients unwilling or unable to comply with the medical follow-up
    required by the trial because of geographic, familial, social, or psychological
    reasons"."""
    return _judgment(
        "EXC-12",
        f.judgment.unable_to_comply_with_follow_up,
        "Unable to comply with follow-up",
        "unable_to_comply_with_follow_up",
    )
