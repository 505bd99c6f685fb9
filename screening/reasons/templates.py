"""Reason templates: alter-v1's, one gettext msgid per (criterion id, code), or
(id, code, variant) when one code reads differently with some values.

The placeholders are filled by :mod:`screening.reasons.render` from the criterion's stored
values, its thresholds included (a value stored before the values carried them reads with
its ruleset's declared numbers). Another ruleset's templates are its own
(:mod:`screening.reasons.words`), so that it never re-words alter-v1's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from screening.rules.ruleset import ALTER_V1

Variant = Callable[[Mapping[str, Any]], str | None]

# alter-v1's judgments, from its declaration (rules/ruleset.py).
_JUDGMENT_IDS: Final = tuple(c.id for c in ALTER_V1.judgments)
_TRANSAMINASE_IDS: Final = ("INC-07-ALT", "INC-07-AST")
_SUPPORTED_COUNT_IDS: Final = ("INC-07-HB", "INC-07-ANC", "INC-07-PLT")
_ULN_IDS: Final = ("INC-07-BILI", *_TRANSAMINASE_IDS)

_ANSWER_YES = _("%(title)s: yes")
_ANSWER_NO = _("%(title)s: no")
_NOT_ANSWERED = _("%(title)s: not answered yet")

_TRANSAMINASE_TEMPLATES: Final = {
    "no_result": _("No %(name)s result on or before %(reference_date)s"),
    "result_too_old": _(
        "Latest %(name)s result, of %(latest_date)s, %(latest_days)s before %(reference_date)s: "
        "older than %(lab_window)s days; repeat"
    ),
    "within_limit": _("%(name)s %(value)s × ULN (%(entered)s) ≤ %(max)s × ULN"),
    "above_limit": _("%(name)s %(value)s × ULN (%(entered)s) > %(max)s × ULN (no liver metastases)"),
    "below_raised_limit": _("%(name)s %(value)s × ULN (%(entered)s) < %(raised_below)s × ULN (%(because)s)"),
    "above_raised_limit": _("%(name)s %(value)s × ULN (%(entered)s) ≥ %(raised_below)s × ULN (%(because)s)"),
    ("above_raised_limit", "raised_unknown"): _("%(name)s %(value)s × ULN (%(entered)s) ≥ %(raised_below)s × ULN"),
    "limit_depends_on_unknown": _(
        "%(name)s %(value)s × ULN (%(entered)s) between %(max)s and %(raised_below)s × ULN: "
        "whether the patient has liver metastases decides it, and it is not given"
    ),
}

# alter-v1's reasons: one template per (criterion id, code), or (id, code, variant).
TEMPLATES: Final[dict[tuple[str, ...], Promise]] = {
    ("INC-01", "not_signed"): _("Informed consent not signed"),
    ("INC-01", "consent_after_assessment"): _(
        "Consent dated %(consent_date)s, after the screening assessment of %(assessment_date)s: consent must "
        "precede any trial procedure; the patient may be re-screened once consent precedes the assessment"
    ),
    ("INC-01", "signed_unknown"): _("Informed consent: not known whether signed"),
    ("INC-01", "date_unknown"): _("Informed consent signed, date not given"),
    ("INC-01", "signed"): _("Informed consent signed on %(consent_date)s"),
    ("INC-01", "signed", "witness"): _("Informed consent signed on %(consent_date)s (impartial witness)"),
    ("INC-02", "no_date_of_birth"): _("Date of birth not given"),
    ("INC-02", "adult"): _("Age %(age_years)s y ≥ %(min)s"),
    ("INC-02", "minor"): _("Age %(age_years)s y < %(min)s"),
    ("INC-03-DISEASE", "not_confirmed"): _("Breast cancer not histologically confirmed"),
    ("INC-03-DISEASE", "extent_not_accepted"): _(
        "Cancer %(extent)s: must be metastatic or locally advanced unresectable"
    ),
    ("INC-03-DISEASE", "unknown"): _("Not given: %(unknown)s"),
    ("INC-03-DISEASE", "confirmed"): _("Breast cancer histologically confirmed, %(extent)s"),
    ("INC-03-HER2", "no_samples"): _("No tumour sample with HER2 results"),
    ("INC-03-HER2", "her2_positive"): _("HER2-positive sample (%(samples)s)"),
    ("INC-03-HER2", "her2_low"): _("HER2-low (%(samples)s)%(how)s"),
    ("INC-03-HER2", "her2_zero"): _("Not HER2-low: IHC 0 or ultralow (%(samples)s)%(how)s"),
    ("INC-03-HER2", "her2_undetermined"): _("HER2-low not established (%(samples)s)%(how)s"),
    ("INC-03-HR", "receptor_positive"): _("Hormone receptors ≥ %(max)s: %(too_high)s"),
    ("INC-03-HR", "receptor_negative"): _("ER and PR < %(max)s (%(samples)s)%(how)s"),
    ("INC-03-HR", "no_samples"): _("No tumour sample with ER and PR results"),
    ("INC-03-HR", "receptors_not_reported"): _("ER and PR not both reported (%(samples)s)%(how)s"),
    **{(cid, "yes"): _ANSWER_YES for cid in _JUDGMENT_IDS if cid.startswith("INC")},
    **{(cid, "no"): _ANSWER_NO for cid in _JUDGMENT_IDS if cid.startswith("INC")},
    **{(cid, "present"): _ANSWER_YES for cid in _JUDGMENT_IDS if cid.startswith("EXC")},
    **{(cid, "absent"): _ANSWER_NO for cid in _JUDGMENT_IDS if cid.startswith("EXC")},
    **{(cid, "not_answered"): _NOT_ANSWERED for cid in _JUDGMENT_IDS},
    ("INC-05", "not_given"): _("ECOG performance status not given"),
    ("INC-05", "ecog_ok"): _("ECOG performance status %(ecog)s ≤ %(max)s"),
    ("INC-05", "ecog_too_high"): _("ECOG performance status %(ecog)s > %(max)s"),
    ("INC-06", "wocbp_unknown"): _("Childbearing potential unknown (%(because)s)"),
    ("INC-06", "not_wocbp"): _("Woman not of childbearing potential (%(because)s)"),
    ("INC-06", "not_answered"): _("%(who)s: agreement to adequate contraception not recorded"),
    ("INC-06", "agreed"): _("%(who)s: agrees to use adequate contraception"),
    ("INC-06", "refused"): _("%(who)s: does not agree to use adequate contraception"),
    ("INC-07-HB", "support_in_window"): _(
        "RBC transfusion on %(support_date)s, within %(support_window)s days of %(support_window_start)s "
        "(hemoglobin %(value)s g/dL)"
    ),
    ("INC-07-HB", "support_in_window", "no_result"): _(
        "RBC transfusion on %(support_date)s, within %(support_window)s days of %(support_window_start)s "
        "(no usable hemoglobin result)"
    ),
    ("INC-07-HB", "no_result"): _("No hemoglobin result on or before %(reference_date)s"),
    ("INC-07-HB", "result_too_old"): _(
        "Latest hemoglobin result, of %(latest_date)s, %(latest_days)s before %(reference_date)s: "
        "older than %(lab_window)s days; repeat"
    ),
    ("INC-07-HB", "at_least_min"): _("Hemoglobin %(value)s g/dL (%(entered)s) ≥ %(min)s"),
    ("INC-07-HB", "below_min"): _("Hemoglobin %(value)s g/dL (%(entered)s) < %(min)s"),
    ("INC-07-ANC", "support_in_window"): _(
        "G-CSF on %(support_date)s, within %(support_window)s days of %(support_window_start)s (ANC %(value)s/mm³)"
    ),
    ("INC-07-ANC", "support_in_window", "no_result"): _(
        "G-CSF on %(support_date)s, within %(support_window)s days of %(support_window_start)s (no usable ANC result)"
    ),
    ("INC-07-ANC", "no_result"): _("No ANC result on or before %(reference_date)s"),
    ("INC-07-ANC", "result_too_old"): _(
        "Latest ANC result, of %(latest_date)s, %(latest_days)s before %(reference_date)s: "
        "older than %(lab_window)s days; repeat"
    ),
    ("INC-07-ANC", "at_least_min"): _("ANC %(value)s/mm³ (%(entered)s) ≥ %(min)s"),
    ("INC-07-ANC", "below_min"): _("ANC %(value)s/mm³ (%(entered)s) < %(min)s"),
    ("INC-07-PLT", "support_in_window"): _(
        "Platelet transfusion on %(support_date)s, within %(support_window)s days of %(support_window_start)s "
        "(platelets %(value)s/mm³)"
    ),
    ("INC-07-PLT", "support_in_window", "no_result"): _(
        "Platelet transfusion on %(support_date)s, within %(support_window)s days of %(support_window_start)s "
        "(no usable platelet result)"
    ),
    ("INC-07-PLT", "no_result"): _("No platelet result on or before %(reference_date)s"),
    ("INC-07-PLT", "result_too_old"): _(
        "Latest platelet result, of %(latest_date)s, %(latest_days)s before %(reference_date)s: "
        "older than %(lab_window)s days; repeat"
    ),
    ("INC-07-PLT", "at_least_min"): _("Platelets %(value)s/mm³ (%(entered)s) ≥ %(min)s"),
    ("INC-07-PLT", "below_min"): _("Platelets %(value)s/mm³ (%(entered)s) < %(min)s"),
    ("INC-07-BILI", "no_result"): _("No total bilirubin result on or before %(reference_date)s"),
    ("INC-07-BILI", "result_too_old"): _(
        "Latest total bilirubin result, of %(latest_date)s, %(latest_days)s before %(reference_date)s: "
        "older than %(lab_window)s days; repeat"
    ),
    ("INC-07-BILI", "within_limit"): _("Total bilirubin %(value)s × ULN (%(entered)s) ≤ %(max)s × ULN"),
    ("INC-07-BILI", "above_limit"): _(
        "Total bilirubin %(value)s × ULN (%(entered)s) > %(max)s × ULN (no liver metastases or Gilbert's syndrome)"
    ),
    ("INC-07-BILI", "below_raised_limit"): _(
        "Total bilirubin %(value)s × ULN (%(entered)s) < %(raised_below)s × ULN (%(because)s)"
    ),
    ("INC-07-BILI", "above_raised_limit"): _(
        "Total bilirubin %(value)s × ULN (%(entered)s) ≥ %(raised_below)s × ULN (%(because)s)"
    ),
    ("INC-07-BILI", "above_raised_limit", "raised_unknown"): _(
        "Total bilirubin %(value)s × ULN (%(entered)s) ≥ %(raised_below)s × ULN"
    ),
    ("INC-07-BILI", "limit_depends_on_unknown"): _(
        "Total bilirubin %(value)s × ULN (%(entered)s) between %(max)s and %(raised_below)s × ULN: whether the "
        "patient has liver metastases or Gilbert's syndrome decides it, and it is not given"
    ),
    **{
        (cid, *(key if isinstance(key, tuple) else (key,))): template
        for cid in _TRANSAMINASE_IDS
        for key, template in _TRANSAMINASE_TEMPLATES.items()
    },
    ("INC-07-ALB", "no_result"): _("No albumin result on or before %(reference_date)s"),
    ("INC-07-ALB", "result_too_old"): _(
        "Latest albumin result, of %(latest_date)s, %(latest_days)s before %(reference_date)s: "
        "older than %(lab_window)s days; repeat"
    ),
    ("INC-07-ALB", "at_least_min"): _("Albumin %(value)s g/dL (%(entered)s) ≥ %(min)s"),
    ("INC-07-ALB", "below_min"): _("Albumin %(value)s g/dL (%(entered)s) < %(min)s"),
    ("INC-07-CRCL", "no_result"): _("No creatinine result on or before %(reference_date)s"),
    ("INC-07-CRCL", "result_too_old"): _(
        "Latest creatinine result, of %(latest_date)s, %(latest_days)s before %(reference_date)s: "
        "older than %(lab_window)s days; repeat"
    ),
    ("INC-07-CRCL", "inputs_missing"): _("Creatinine clearance cannot be computed (not given: %(unknown)s)"),
    ("INC-07-CRCL", "at_least_min"): _(
        "CrCl %(crcl)s mL/min ≥ %(min)s (Cockcroft-Gault: %(sex)s, %(age_years)s y, "
        "%(weight)s kg, creatinine %(creatinine)s mg/dL)"
    ),
    ("INC-07-CRCL", "below_min"): _(
        "CrCl %(crcl)s mL/min < %(min)s (Cockcroft-Gault: %(sex)s, %(age_years)s y, "
        "%(weight)s kg, creatinine %(creatinine)s mg/dL)"
    ),
    ("INC-08", "not_given"): _("LVEF not given"),
    ("INC-08", "at_least_min"): _("LVEF %(percent)s (%(method)s) ≥ %(min)s"),
    ("INC-08", "below_min"): _("LVEF %(percent)s (%(method)s) < %(min)s"),
    ("INC-09", "wocbp_unknown"): _("Childbearing potential unknown (%(because)s)"),
    ("INC-09", "not_wocbp"): _("Not a woman of childbearing potential (%(because)s)"),
    ("INC-09", "no_test"): _("No pregnancy test on or before %(reference_date)s"),
    ("INC-09", "positive"): _("%(test)s positive on %(date)s, %(days)s before %(reference)s"),
    ("INC-09", "test_too_old"): _(
        "%(test)s negative on %(date)s, %(days)s before %(reference)s: older than %(pregnancy_window)s days; repeat"
    ),
    ("INC-09", "negative_in_window"): _("%(test)s negative on %(date)s, %(days)s before %(reference)s"),
    ("EXC-01", "adc_in_drugs"): _("Prior HER2- or TROP2-directed ADC: %(adcs)s"),
    ("EXC-01", "adc_recorded"): _("Prior HER2- or TROP2-directed ADC recorded"),
    ("EXC-01", "no_adc"): _("No prior HER2- or TROP2-directed ADC (prior drugs: %(drugs)s)"),
    ("EXC-01", "not_answered"): _("Prior HER2- or TROP2-directed ADC not answered (prior drugs: %(drugs)s)"),
    ("EXC-03", "absent"): _("No brain metastases"),
    ("EXC-03", "not_controlled"): _("Brain metastases %(wrong)s"),
    ("EXC-03", "details_unknown"): _("Brain metastases present; %(details)s"),
    ("EXC-03", "details_unknown", "presence_unknown"): _("Presence of brain metastases not given; %(details)s"),
    ("EXC-03", "controlled_if_present"): _(
        "Presence of brain metastases not given, but treated, asymptomatic, no ongoing corticosteroids, stable on "
        "MRI, last local treatment on %(date)s, %(days)s before %(reference)s (≥ %(treatment_days)s)"
    ),
    ("EXC-03", "treated_stable"): _(
        "Brain metastases treated, asymptomatic, no ongoing corticosteroids, stable on MRI, last local treatment "
        "on %(date)s, %(days)s before %(reference)s (≥ %(treatment_days)s)"
    ),
    ("EXC-04", "present"): _("ILD/pneumonitis: %(present)s"),
    ("EXC-04", "not_answered"): _("ILD/pneumonitis not answered: %(unknown)s"),
    ("EXC-04", "absent"): _("No ILD/pneumonitis: no history requiring steroids, none current or suspected"),
    ("EXC-09", "not_enrolled"): _("Not enrolled in another therapeutic trial"),
    ("EXC-09", "outside_window"): _(
        "Last therapeutic trial on %(last_date)s, %(days)s before %(reference)s (≥ %(trial_window)s)"
    ),
    ("EXC-09", "not_answered"): _("Enrolment in another therapeutic trial not answered"),
    ("EXC-09", "not_answered", "with_date"): _(
        "Enrolment in another therapeutic trial not answered (last therapeutic trial on %(last_date)s, "
        "%(days)s before %(reference)s)"
    ),
    ("EXC-09", "last_date_unknown"): _("Enrolled in another therapeutic trial; date of the last one not given"),
    ("EXC-09", "within_window"): _(
        "Enrolled in another therapeutic trial, the last on %(last_date)s, %(days)s before %(reference)s "
        "(< %(trial_window)s)"
    ),
    ("EXC-10", "male"): _("Male patient"),
    ("EXC-10", "present"): _("Exclusion criterion present: %(present)s"),
    ("EXC-10", "sex_unknown"): _("Sex not given"),
    ("EXC-10", "not_answered"): _("Not given: %(unknown)s"),
    ("EXC-10", "absent"): _("Not pregnant, not breast-feeding, no pregnancy planned"),
    ("EXC-10", "absent", "not_wocbp"): _("Not pregnant, not breast-feeding"),
}

# The variant of a template, when one code reads differently with some values.
VARIANTS: Final[dict[tuple[str, str], Variant]] = {
    ("INC-01", "signed"): lambda v: "witness" if v.get("impartial_witness") else None,
    **{
        (cid, "support_in_window"): (lambda v: None if v.get("value") is not None else "no_result")
        for cid in _SUPPORTED_COUNT_IDS
    },
    **{
        (cid, "above_raised_limit"): (lambda v: None if v.get("raised_limit") else "raised_unknown") for cid in _ULN_IDS
    },
    ("EXC-03", "details_unknown"): lambda v: "presence_unknown" if v.get("present") is None else None,
    ("EXC-09", "not_answered"): lambda v: "with_date" if v.get("last_date") is not None else None,
    ("EXC-10", "absent"): lambda v: "not_wocbp" if v.get("wocbp") is False else None,
}


# Where a template finds a criterion's numbers: the placeholder each stored value fills
# (all criteria), and the windows, named after what they bound (by criterion).
THRESHOLD_PLACEHOLDERS: Final = {
    "min": "min",
    "max": "max",
    "max_x_uln": "max",
    "raised_below_x_uln": "raised_below",
    "support_window_days": "support_window",
    "min_days": "treatment_days",
}
WINDOW_PLACEHOLDERS: Final = {"INC-09": "pregnancy_window", "EXC-09": "trial_window"}  # others: lab_window
# Thresholds written as percentages (55 %).
PERCENT_THRESHOLDS: Final = frozenset({"INC-03-HR", "INC-08"})
