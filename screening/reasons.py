"""Titles of the criteria, labels of outcomes and statuses, and reasons in French.

The rules write each reason in English, and that sentence, stored with the evaluation,
is the record. They also name the branch that decided (``code``) and the data it used
(``values``), so that a French page can say the same thing again without parsing the
English: :func:`localized_reason` picks the template of (criterion id, code), a gettext
msgid whose French lives in ``locale/fr/LC_MESSAGES/django.po``, and fills it with the
values written as French research staff write them (``shared/glossary-fr.md``): decimal
comma, a no-break space between thousands (``100 000``), dates JJ/MM/AAAA, UI/L, G/L.
"""

from __future__ import annotations

import datetime
import json
import logging
import math
import re
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any, Final, cast

from django.utils.formats import date_format, get_format
from django.utils.functional import Promise, lazy
from django.utils.translation import get_language, gettext, ngettext, pgettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from screening.rules import units
from screening.rules.dates import (
    BRAIN_METASTASIS_TREATMENT_MIN_DAYS,
    LAB_WINDOW_DAYS,
    OTHER_TRIAL_WINDOW_DAYS,
    PREGNANCY_TEST_WINDOW_DAYS,
    SUPPORT_WINDOW_DAYS,
)
from screening.rules.derived import COCKCROFT_GAULT_FEMALE_FACTOR
from screening.rules.exclusion import adc_named_in
from screening.rules.inclusion import (
    ADULT_AGE_YEARS,
    ALBUMIN_MIN_G_DL,
    ANC_MIN_PER_MM3,
    BILIRUBIN_LIVER_OR_GILBERT_BELOW_X_ULN,
    BILIRUBIN_MAX_X_ULN,
    CRCL_MIN_ML_MIN,
    ECOG_MAX,
    HEMOGLOBIN_MIN_G_DL,
    HORMONE_RECEPTOR_MAX_PERCENT,
    LVEF_MIN_PERCENT,
    PLATELETS_MIN_PER_MM3,
    TRANSAMINASES_LIVER_BELOW_X_ULN,
    TRANSAMINASES_MAX_X_ULN,
)
from screening.rules.units import LAB_UNITS
from screening.unit_display import display_unit

logger = logging.getLogger(__name__)


def _with_numbers(title: Promise, **numbers: int) -> Promise:
    """``title`` with the ruleset's own numbers (its date windows) put in when it is shown,
    in the language active then."""
    return cast(Promise, lazy(lambda: str(title) % numbers, str)())


CRITERION_TITLES: Final[dict[str, Promise]] = {
    "INC-01": _("Signed informed consent"),
    "INC-02": _("Age ≥ 18 years"),
    "INC-03-DISEASE": _("Histologically confirmed metastatic or locally advanced unresectable TNBC"),
    "INC-03-HER2": _("HER2-low"),
    "INC-03-HR": _("ER and PR < 10%"),
    "INC-04": _("Eligible for sacituzumab govitecan and T-DXd per their indication"),
    "INC-05": _("ECOG performance status ≤ 1"),
    "INC-06": _("Contraception (men and WOCBP)"),
    "INC-07-HB": _("Hemoglobin ≥ 9 g/dL"),
    "INC-07-ANC": _("ANC ≥ 1,500/mm³"),
    "INC-07-PLT": _("Platelets ≥ 100,000/mm³"),
    "INC-07-BILI": _("Total bilirubin ≤ 1.5 × ULN (< 3 × ULN with liver metastases or Gilbert's syndrome)"),
    "INC-07-ALT": _("ALT ≤ 3 × ULN (< 5 × ULN with liver metastases)"),
    "INC-07-AST": _("AST ≤ 3 × ULN (< 5 × ULN with liver metastases)"),
    "INC-07-ALB": _("Albumin ≥ 2.5 g/dL"),
    "INC-07-CRCL": _("Creatinine clearance ≥ 30 mL/min (Cockcroft-Gault)"),
    "INC-08": _("LVEF ≥ 55%"),
    "INC-09": _with_numbers(_("Negative pregnancy test within %(days)s days (WOCBP)"), days=PREGNANCY_TEST_WINDOW_DAYS),
    "INC-10": _("Social security affiliation"),
    "INC-11": _("Willing and able to comply with the protocol"),
    "EXC-01": _("Prior HER2- or TROP2-directed ADC"),
    "EXC-02": _("Uncontrolled or significant cardiovascular disease"),
    "EXC-03": _("Brain metastases"),
    "EXC-04": _("Interstitial lung disease / pneumonitis"),
    "EXC-05": _("Condition incompatible with the study"),
    "EXC-06": _("Allergy or severe hypersensitivity to the trial drugs"),
    "EXC-07": _("Concurrent condition confounding the study"),
    "EXC-08": _("Disease requiring hospitalisation"),
    "EXC-09": _with_numbers(_("Another therapeutic trial within %(days)s days"), days=OTHER_TRIAL_WINDOW_DAYS),
    "EXC-10": _("Pregnancy or breast-feeding"),
    "EXC-11": _("Deprived of liberty or under guardianship"),
    "EXC-12": _("Unable to comply with the trial's follow-up"),
}

# A context keeps these one-word msgids apart from the same words used elsewhere.
OUTCOME_LABELS: Final[dict[str, Promise]] = {
    "pass": pgettext_lazy("criterion outcome", "pass"),
    "fail": pgettext_lazy("criterion outcome", "fail"),
    "missing": pgettext_lazy("criterion outcome", "missing"),
    "not_applicable": pgettext_lazy("criterion outcome", "not applicable"),
}

STATUS_LABELS: Final[dict[str, Promise]] = {
    "eligible": pgettext_lazy("screening status", "eligible"),
    "ineligible": pgettext_lazy("screening status", "ineligible"),
    "incomplete": pgettext_lazy("screening status", "incomplete"),
}

# --- templates: one per (criterion id, code), or (id, code, variant) -----------------

_JUDGMENT_IDS: Final = (
    "INC-04",
    "INC-10",
    "INC-11",
    "EXC-02",
    "EXC-05",
    "EXC-06",
    "EXC-07",
    "EXC-08",
    "EXC-11",
    "EXC-12",
)
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
_VARIANTS: Final[dict[tuple[str, str], Callable[[Mapping[str, Any]], str | None]]] = {
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

# --- values as French staff write them -------------------------------------------

Params = dict[str, str]  # placeholders of a template, each value already written out

_ISO_DATE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")


class _Untranslatable(Exception):
    """The stored values do not fit the French template: the English reason is shown."""


def _number(value: object, decimals: int | None = None) -> str:
    """1234.5 -> "1 234,5" in French, "1,234.5" in English: the number as the rules show
    it, from the decimal stored (the rules store each value as written or already rounded
    half up as they display it), or with ``decimals`` fixed, rounded half up (CrCl to 1
    decimal, weight to 1, creatinine to 2: spec, "a displayed number is the exact value
    rounded half up"), with the active language's separators (its format module)."""
    if isinstance(value, bool) or not isinstance(value, int | float | Fraction | Decimal):
        raise _Untranslatable(value)
    if isinstance(value, float) and not math.isfinite(value):
        raise _Untranslatable(value)
    text = units.number_text(value, decimals)
    separators = {ord(","): str(get_format("THOUSAND_SEPARATOR")), ord("."): str(get_format("DECIMAL_SEPARATOR"))}
    return text.translate(separators)


def _percent(value: object) -> str:
    # Translators: a percentage; French puts a no-break space before the sign (55 %).
    return pgettext("percent", "%(number)s%%") % {"number": _number(value)}


def _day(value: object) -> datetime.date:
    """A date as the rules give it (datetime.date) or as stored in JSON (ISO string)."""
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        return datetime.date.fromisoformat(value)
    raise _Untranslatable(value)


def _date(value: object) -> str:
    """A date in the active language's short format (JJ/MM/AAAA in French)."""
    return date_format(_day(value), "SHORT_DATE_FORMAT")


def _days(count: object) -> str:
    if not isinstance(count, int) or isinstance(count, bool):
        raise _Untranslatable(count)
    return ngettext("%(count)s day", "%(count)s days", count) % {"count": _number(count)}


def _reference(day: object, days_before: object) -> str:
    """R, which the values give as a date and its distance from R."""
    if not isinstance(days_before, int):
        raise _Untranslatable(days_before)
    return _date(_day(day) + datetime.timedelta(days=days_before))


def _join(items: Iterable[str]) -> str:
    """ "a, b and c", in the active language."""
    *rest, last = items  # never empty: callers join what they found
    if not rest:
        return last
    return gettext("%(items)s and %(last)s") % {"items": ", ".join(rest), "last": last}


def _word(words: Mapping[Any, Promise], key: object) -> str:
    if key not in words:
        raise _Untranslatable(key)
    return str(words[key])


_SEX: Final = {"female": pgettext_lazy("reason", "female"), "male": pgettext_lazy("reason", "male")}
_EXTENT: Final = {
    "metastatic": pgettext_lazy("reason", "metastatic"),
    "locally_advanced_unresectable": pgettext_lazy("reason", "locally advanced unresectable"),
    "locally_advanced_resectable": pgettext_lazy("reason", "locally advanced resectable"),
    "early": pgettext_lazy("reason", "early"),
}
_SAMPLE_SITE: Final = {
    "primary": pgettext_lazy("reason", "primary tumour"),
    "metastatic": pgettext_lazy("reason", "metastasis"),
    None: pgettext_lazy("reason", "sample"),
}
_SIDE: Final = {"left": pgettext_lazy("reason", "left"), "right": pgettext_lazy("reason", "right")}
# An absent ISH counts as not done (spec, INC-03-HER2).
_ISH: Final = {
    "negative": pgettext_lazy("ISH result", "negative"),
    "positive": pgettext_lazy("ISH result", "positive"),
    "equivocal": pgettext_lazy("ISH result", "equivocal"),
    "not_done": pgettext_lazy("ISH result", "not done"),
    None: pgettext_lazy("ISH result", "not done"),
}
_LVEF_METHOD: Final = {
    "echocardiogram": pgettext_lazy("reason", "echocardiogram"),
    # Translators: shown inside parentheses, so without parentheses of its own.
    "muga": pgettext_lazy("reason", "MUGA scan"),
    None: pgettext_lazy("reason", "method not given"),
}
_PREGNANCY_TEST: Final = {
    "serum": pgettext_lazy("reason", "Serum pregnancy test"),
    "urine": pgettext_lazy("reason", "Urine pregnancy test"),
    None: pgettext_lazy("reason", "Pregnancy test"),
}
_TRANSAMINASE: Final = {"INC-07-ALT": pgettext_lazy("reason", "ALT"), "INC-07-AST": pgettext_lazy("reason", "AST")}
# Why the bilirubin or transaminase limit is raised (the rules' raised_because).
_RAISED_BECAUSE: Final = {
    "liver metastases": pgettext_lazy("reason", "liver metastases"),
    "Gilbert's syndrome": pgettext_lazy("reason", "Gilbert's syndrome"),
    "liver metastases and Gilbert's syndrome": pgettext_lazy("reason", "liver metastases and Gilbert's syndrome"),
}
_LAB_TEST: Final = {
    "INC-07-HB": "hemoglobin",
    "INC-07-ANC": "anc",
    "INC-07-PLT": "platelets",
    "INC-07-BILI": "total_bilirubin",
    "INC-07-ALT": "alt",
    "INC-07-AST": "ast",
    "INC-07-ALB": "albumin",
    "INC-07-CRCL": "creatinine",
}

# What decided the WOCBP status: the ``because`` text of screening.rules.derived.wocbp_status.
_WOCBP_BECAUSE: Final = {
    "sex unknown": pgettext_lazy("reason", "sex unknown"),
    "male": pgettext_lazy("reason", "male"),
    "age": pgettext_lazy("reason", "age"),
    "hysterectomy": pgettext_lazy("reason", "hysterectomy"),
    "bilateral oophorectomy": pgettext_lazy("reason", "bilateral oophorectomy"),
    "amenorrhea": pgettext_lazy("reason", "amenorrhea"),
    "female, not postmenopausal, no hysterectomy or bilateral oophorectomy": pgettext_lazy(
        "reason", "female, not postmenopausal, no hysterectomy or bilateral oophorectomy"
    ),
}
_AGE_BECAUSE: Final = re.compile(r"age (\d+) y >= (\d+)")
_AMENORRHEA_BECAUSE: Final = re.compile(r"amenorrhea (\d+) months with no other cause")
_UNKNOWN_PREFIX: Final = "unknown: "


def _because_part(text: str) -> str | None:
    if text in _WOCBP_BECAUSE:
        return str(_WOCBP_BECAUSE[text])
    if match := _AGE_BECAUSE.fullmatch(text):
        return gettext("age %(age)s y ≥ %(min)s") % {"age": match[1], "min": match[2]}
    if match := _AMENORRHEA_BECAUSE.fullmatch(text):
        return gettext("amenorrhea for %(months)s months with no other cause") % {"months": match[1]}
    return None


def _because(values: Mapping[str, Any]) -> Params:
    """What decided the WOCBP status, when the rules' text for it is one this module knows."""
    text = values.get("wocbp_because")
    if not isinstance(text, str):
        return {}
    parts = text.removeprefix(_UNKNOWN_PREFIX).split(", ") if text.startswith(_UNKNOWN_PREFIX) else [text]
    shown = [known for part in parts if (known := _because_part(part)) is not None]
    if len(shown) < len(parts):
        return {}
    if text.startswith(_UNKNOWN_PREFIX):
        return {"because": gettext("not given: %(items)s") % {"items": _join(shown)}}
    return {"because": shown[0]}


# --- what each criterion's templates need beyond its plain values -------------------
# Each function takes the criterion's values and returns placeholders; it sets only what
# the values allow (a template needing something absent falls back to the English).


def _plain(values: Mapping[str, Any]) -> Params:
    """Numbers and dates of the values, under their own names."""
    params: Params = {}
    for key, value in values.items():
        if isinstance(value, bool) or value is None:
            continue
        if isinstance(value, int | float):
            params[key] = _number(value)
        elif isinstance(value, datetime.date) or (isinstance(value, str) and _ISO_DATE.fullmatch(value)):
            params[key] = _date(value)
    if values.get("latest_days_before_reference") is not None:
        params["latest_days"] = _days(values["latest_days_before_reference"])
    return params


def _judgment(cid: str, values: Mapping[str, Any]) -> Params:
    return {"title": str(CRITERION_TITLES[cid])}


def _disease(cid: str, values: Mapping[str, Any]) -> Params:
    params: Params = {}
    if values.get("extent") is not None:
        params["extent"] = _word(_EXTENT, values["extent"])
    unknown = [
        str(name)
        for key, name in (
            ("histologically_confirmed", pgettext_lazy("reason", "histological confirmation")),
            ("extent", pgettext_lazy("reason", "extent of the disease")),
        )
        if values.get(key) is None
    ]
    if unknown:
        params["unknown"] = _join(unknown)
    return params


def _sample_label(sample: Mapping[str, Any]) -> str:
    words = [_word(_SAMPLE_SITE, sample.get("site"))]
    if sample.get("laterality") is not None:
        words.append(_word(_SIDE, sample["laterality"]))
    return gettext("#%(number)s %(sample)s") % {"number": sample["index"] + 1, "sample": " ".join(words)}


def _bilateral_how(values: Mapping[str, Any], outcome: str) -> str:
    """The rules' note on bilateral cancer: each side judged, or the reading unknown."""
    bilateral = values.get("bilateral")
    if bilateral is False:
        return ""
    if bilateral is True:
        how = gettext("bilateral cancer: each side judged")
    elif outcome == "missing":
        # Whether the outcome depends on it is not in the values: say only what is known.
        how = gettext("bilateral cancer not given")
    else:
        how = gettext("bilateral cancer not given, same outcome either way")
    return gettext("; ") + how


def _her2(cid: str, values: Mapping[str, Any], outcome: str) -> Params:
    listing = [
        gettext("%(sample)s: IHC %(ihc)s, ISH %(ish)s")
        % {
            "sample": _sample_label(s),
            "ihc": s["her2_ihc"] if s.get("her2_ihc") is not None else pgettext("IHC", "not given"),
            "ish": _word(_ISH, s.get("her2_ish")),
        }
        for s in values.get("samples") or ()
    ]
    return {"samples": gettext("; ").join(listing), "how": _bilateral_how(values, outcome)}


def _hormone_receptors(cid: str, values: Mapping[str, Any], outcome: str) -> Params:
    def shown(percent: object) -> str:
        return pgettext("hormone receptor", "not given") if percent is None else _percent(percent)

    samples = values.get("samples") or ()
    listing = [
        gettext("%(sample)s: ER %(er)s, PR %(pr)s")
        % {"sample": _sample_label(s), "er": shown(s.get("er_percent")), "pr": shown(s.get("pr_percent"))}
        for s in samples
    ]
    too_high = [
        gettext("%(sample)s: %(receptor)s %(percent)s")
        % {"sample": _sample_label(s), "receptor": receptor, "percent": _percent(s[key])}
        for s in samples
        for key, receptor in (("er_percent", pgettext("reason", "ER")), ("pr_percent", pgettext("reason", "PR")))
        if s.get(key) is not None and s[key] >= HORMONE_RECEPTOR_MAX_PERCENT
    ]
    return {
        "samples": gettext("; ").join(listing),
        "too_high": gettext("; ").join(too_high),
        "how": _bilateral_how(values, outcome),
    }


def _contraception(cid: str, values: Mapping[str, Any]) -> Params:
    male = values.get("sex") == "male"
    who = pgettext("reason", "Male patient") if male else pgettext("reason", "Woman of childbearing potential")
    return {"who": who, **_because(values)}


def _lab(cid: str, values: Mapping[str, Any]) -> Params:
    """The result used: as entered when converted (231 G/L), with its ULN, and its date."""
    params: Params = {}
    if cid in _TRANSAMINASE:
        params["name"] = str(_TRANSAMINASE[cid])
    if values.get("raised_limit") is True:
        params["because"] = _word(_RAISED_BECAUSE, values.get("raised_because"))
    if values.get("value") is None:
        return params
    unit = values["unit"]
    entered = {"value": _number(values["value_entered"]), "unit": display_unit(unit), "date": _date(values["date"])}
    if values.get("uln") is not None:
        params["entered"] = gettext("%(value)s %(unit)s, ULN %(uln)s, on %(date)s") % {
            **entered,
            "uln": _number(values["uln"]),
        }
    elif LAB_UNITS[_LAB_TEST[cid]].divisors.get(unit) == 1.0:
        params["entered"] = gettext("on %(date)s") % entered
    else:
        params["entered"] = gettext("%(value)s %(unit)s on %(date)s") % entered
    return params


def _crcl(cid: str, values: Mapping[str, Any]) -> Params:
    if values.get("crcl_ml_min") is None:
        unknown = [
            str(name)
            for key, name in (
                ("sex", pgettext_lazy("reason", "sex")),
                ("date_of_birth", pgettext_lazy("reason", "date of birth")),
                ("weight_kg", pgettext_lazy("reason", "weight")),
            )
            if values.get(key) is None
        ]
        return {"unknown": _join(unknown)} if unknown else {}
    # Displays round (spec): CrCl to 1 decimal, as the rules show the inputs.
    return {
        "crcl": _number(values["crcl_ml_min"], 1),
        "weight": _number(values["weight_kg"], 1),
        "creatinine": _number(values["creatinine_mg_dl"], 2),
        "sex": _word(_SEX, values.get("sex")),
    }


def _lvef(cid: str, values: Mapping[str, Any]) -> Params:
    if values.get("percent") is None:
        return {}
    return {"percent": _percent(values["percent"]), "method": _word(_LVEF_METHOD, values.get("method"))}


def _pregnancy_test(cid: str, values: Mapping[str, Any]) -> Params:
    params = _because(values)
    if values.get("date") is not None:
        params.update(
            test=_word(_PREGNANCY_TEST, values.get("type")),
            days=_days(values["days_before_reference"]),
            reference=_reference(values["date"], values["days_before_reference"]),
        )
    return params


def _prior_adc(cid: str, values: Mapping[str, Any]) -> Params:
    drugs = values.get("drugs") or []
    adcs = []
    for entry in values.get("matched") or []:
        name = adc_named_in(entry)
        if name is None:
            raise _Untranslatable(entry)
        same = entry.strip().casefold() == name.casefold()
        adcs.append(
            gettext("“%(entry)s”") % {"entry": entry}
            if same
            else gettext("“%(entry)s” (%(name)s)") % {"entry": entry, "name": name}
        )
    return {"drugs": ", ".join(drugs) if drugs else gettext("none listed"), "adcs": gettext("; ").join(adcs)}


def _brain_metastases(cid: str, values: Mapping[str, Any]) -> Params:
    params: Params = {}
    days = values.get("days_since_treatment")
    wrong = [
        str(text)
        for text, bad in (
            (pgettext_lazy("brain metastases", "not treated"), values.get("treated") is False),
            (pgettext_lazy("brain metastases", "symptomatic"), values.get("symptomatic") is True),
            (pgettext_lazy("brain metastases", "on corticosteroids"), values.get("corticosteroids_ongoing") is True),
            (pgettext_lazy("brain metastases", "not stable on MRI"), values.get("stable_on_mri") is False),
        )
        if bad
    ]
    if days is not None:
        params.update(
            date=_date(values["last_local_treatment_date"]),
            days=_days(days),
            reference=_reference(values["last_local_treatment_date"], days),
        )
        if days < BRAIN_METASTASIS_TREATMENT_MIN_DAYS:
            wrong.append(
                gettext("last local treatment on %(date)s, %(days)s before %(reference)s (< %(treatment_days)s)")
                % {**params, **_constants()}
            )
    unknown = [
        str(name)
        for key, name in (
            ("treated", pgettext_lazy("brain metastases not given", "treated")),
            ("symptomatic", pgettext_lazy("brain metastases not given", "symptomatic")),
            ("corticosteroids_ongoing", pgettext_lazy("brain metastases not given", "ongoing corticosteroids")),
            ("stable_on_mri", pgettext_lazy("brain metastases not given", "stable on MRI")),
            ("last_local_treatment_date", pgettext_lazy("brain metastases not given", "date of last local treatment")),
        )
        if values.get(key) is None
    ]
    details = ([_join(wrong)] if wrong else []) + (
        [gettext("not given: %(items)s") % {"items": _join(unknown)}] if unknown else []
    )
    if wrong:
        params["wrong"] = _join(wrong)
    if details:
        params["details"] = gettext("; ").join(details)
    return params


def _ild(cid: str, values: Mapping[str, Any]) -> Params:
    answers = (
        ("history_requiring_steroids", pgettext_lazy("ILD", "history requiring steroids")),
        ("current", pgettext_lazy("ILD", "current")),
        ("suspected_not_ruled_out", pgettext_lazy("ILD", "suspected and not ruled out")),
    )
    params: Params = {}
    present = [str(name) for key, name in answers if values.get(key) is True]
    if present:
        params["present"] = _join(present)
    unknown = [str(name) for key, name in answers if values.get(key) is None]
    if unknown:
        params["unknown"] = _join(unknown)
    return params


def _other_trial(cid: str, values: Mapping[str, Any]) -> Params:
    days = values.get("days_before_reference")
    if days is None or values.get("last_date") is None:
        return {}
    return {"days": _days(days), "reference": _reference(values["last_date"], days)}


def _pregnancy(cid: str, values: Mapping[str, Any]) -> Params:
    """EXC-10: what is present and what is not given, as the rule lists them."""
    present = [
        str(text)
        for text, holds in (
            (pgettext_lazy("pregnancy", "pregnant"), values.get("pregnant") is True),
            (pgettext_lazy("pregnancy", "breast-feeding"), values.get("breastfeeding") is True),
        )
        if holds
    ]
    if values.get("latest_test_result") == "positive":
        present.append(
            gettext("latest pregnancy test positive (%(date)s)") % {"date": _date(values.get("latest_test_date"))}
        )
    if values.get("wocbp") is True and values.get("plans_pregnancy") is True:
        present.append(pgettext("pregnancy", "pregnancy planned"))
    unknown = [
        str(text)
        for text, holds in (
            (pgettext_lazy("pregnancy", "pregnant"), values.get("pregnant") is None),
            (pgettext_lazy("pregnancy", "breast-feeding"), values.get("breastfeeding") is None),
            (
                pgettext_lazy("pregnancy", "pregnancy planned"),
                values.get("wocbp") is not False and values.get("plans_pregnancy") is None,
            ),
            (
                pgettext_lazy("pregnancy", "childbearing potential"),
                values.get("wocbp") is None and values.get("plans_pregnancy") is True,
            ),
        )
        if holds
    ]
    params: Params = {}
    if present:
        params["present"] = _join(present)
    if unknown:
        params["unknown"] = _join(unknown)
    return params


_DERIVED: Final[dict[str, Callable[[str, Mapping[str, Any]], Params]]] = {
    **dict.fromkeys(_JUDGMENT_IDS, _judgment),
    "INC-03-DISEASE": _disease,
    "INC-06": _contraception,
    **dict.fromkeys(
        ("INC-07-HB", "INC-07-ANC", "INC-07-PLT", "INC-07-BILI", "INC-07-ALT", "INC-07-AST", "INC-07-ALB"), _lab
    ),
    "INC-07-CRCL": _crcl,
    "INC-08": _lvef,
    "INC-09": _pregnancy_test,
    "EXC-01": _prior_adc,
    "EXC-03": _brain_metastases,
    "EXC-04": _ild,
    "EXC-09": _other_trial,
    "EXC-10": _pregnancy,
}
# These also need the outcome (their note on bilateral cancer depends on it).
_DERIVED_WITH_OUTCOME: Final[dict[str, Callable[[str, Mapping[str, Any], str], Params]]] = {
    "INC-03-HER2": _her2,
    "INC-03-HR": _hormone_receptors,
}


# The ruleset's thresholds and windows, named in the templates.
# Written out when a reason is rendered: numbers take the active language's separators.
def _constants() -> Params:
    return {
        "lab_window": _number(LAB_WINDOW_DAYS),
        "support_window": _number(SUPPORT_WINDOW_DAYS),
        "pregnancy_window": _number(PREGNANCY_TEST_WINDOW_DAYS),
        "treatment_days": _number(BRAIN_METASTASIS_TREATMENT_MIN_DAYS),
        "trial_window": _number(OTHER_TRIAL_WINDOW_DAYS),
    }


def _thresholds(cid: str) -> Params:
    thresholds = _THRESHOLDS.get(cid, {})
    return {name: _percent(v) if cid in _PERCENT_THRESHOLDS else _number(v) for name, v in thresholds.items()}


_PERCENT_THRESHOLDS: Final = frozenset({"INC-03-HR", "INC-08"})
_THRESHOLDS: Final[dict[str, dict[str, Fraction | int]]] = {
    "INC-02": {"min": ADULT_AGE_YEARS},
    "INC-03-HR": {"max": HORMONE_RECEPTOR_MAX_PERCENT},
    "INC-05": {"max": ECOG_MAX},
    "INC-07-HB": {"min": HEMOGLOBIN_MIN_G_DL},
    "INC-07-ANC": {"min": ANC_MIN_PER_MM3},
    "INC-07-PLT": {"min": PLATELETS_MIN_PER_MM3},
    "INC-07-BILI": {"max": BILIRUBIN_MAX_X_ULN, "raised_below": BILIRUBIN_LIVER_OR_GILBERT_BELOW_X_ULN},
    **dict.fromkeys(
        _TRANSAMINASE_IDS, {"max": TRANSAMINASES_MAX_X_ULN, "raised_below": TRANSAMINASES_LIVER_BELOW_X_ULN}
    ),
    "INC-07-ALB": {"min": ALBUMIN_MIN_G_DL},
    "INC-07-CRCL": {"min": CRCL_MIN_ML_MIN},
    "INC-08": {"min": LVEF_MIN_PERCENT},
}


def _template_key(criterion: Mapping[str, Any]) -> tuple[str, ...]:
    """(id, code), or (id, code, variant) when the values call for a variant."""
    cid, code, values = criterion.get("id"), criterion.get("code"), criterion.get("values")
    if not isinstance(cid, str) or not isinstance(code, str) or not isinstance(values, Mapping):
        raise _Untranslatable(criterion)
    pick = _VARIANTS.get((cid, code))
    variant = None if pick is None else pick(values)
    return (cid, code) if variant is None else (cid, code, variant)


def _render(criterion: Mapping[str, Any]) -> str:
    key = _template_key(criterion)
    if key not in TEMPLATES:
        raise _Untranslatable(key)
    cid, values = key[0], criterion["values"]
    params = {**_plain(values), **_constants(), **_thresholds(cid)}
    if cid in _DERIVED:
        params.update(_DERIVED[cid](cid, values))
    if cid in _DERIVED_WITH_OUTCOME:
        params.update(_DERIVED_WITH_OUTCOME[cid](cid, values, str(criterion.get("outcome"))))
    return str(TEMPLATES[key]) % params


def localized_reason(criterion: Mapping[str, Any]) -> str:
    # The same criterion (id, code, values, outcome) reads the same in one language: a page
    # shows about 30, most of them unchanged from one save to the next.
    try:
        key = (get_language(), json.dumps(criterion, sort_keys=True, default=str))
    except (TypeError, ValueError):
        return _localized_reason(criterion)
    return _cached_reason(key, criterion)


def _cached_reason(key: tuple[str | None, str], criterion: Mapping[str, Any]) -> str:
    found = _REASONS.get(key)
    if found is None:
        found = _localized_reason(criterion)
        if len(_REASONS) >= _REASONS_MAX:
            _REASONS.clear()
        _REASONS[key] = found
    return found


_REASONS: dict[tuple[str | None, str], str] = {}
_REASONS_MAX = 20_000  # a few MB at most; cleared whole when full (reasons are cheap to redo)


def _localized_reason(criterion: Mapping[str, Any]) -> str:
    """The reason of one entry of a stored result's ``criteria``, in the active language.

    Rendered from the template of (id, code) with the stored values, numbers and dates
    in the language's formats, units as printed, ≥ and ≤; in English too, where the
    template reads as the rules' sentence does without its codes (ISH "not done", not
    "not_done"). When the values do not fit the template (an unknown code, a value
    missing) the rules' own sentence is shown rather than an error: it is the record.
    """
    reason = str(criterion.get("reason", ""))
    try:
        return _render(criterion)
    except (_Untranslatable, AttributeError, KeyError, IndexError, TypeError, ValueError) as exc:
        # An unknown code, a placeholder the values do not provide (KeyError), or a
        # catalogue entry whose placeholders differ from its msgid: logged to be fixed,
        # and the page shows the record's own sentence.
        logger.warning(
            "No %s reason for %s %s (%r): the rules' sentence is shown",
            get_language(),
            criterion.get("id"),
            criterion.get("code"),
            exc,
        )
        return reason


# --- the rows the rules used, and the calculation of CrCl, for the pages -------------

LAB_CRITERIA: Final = _LAB_TEST  # criterion id -> the lab test it reads

# A test's name inside a sentence ("créatinine du 28/11/2026"): lower case, abbreviations
# as French staff write them (PNN, ALAT/ASAT).
_TEST_IN_SENTENCE: Final[dict[str, Promise]] = {
    "hemoglobin": pgettext_lazy("lab test in a sentence", "hemoglobin"),
    "anc": pgettext_lazy("lab test in a sentence", "ANC"),
    "platelets": pgettext_lazy("lab test in a sentence", "platelets"),
    "total_bilirubin": pgettext_lazy("lab test in a sentence", "total bilirubin"),
    "alt": pgettext_lazy("lab test in a sentence", "ALT"),
    "ast": pgettext_lazy("lab test in a sentence", "AST"),
    "albumin": pgettext_lazy("lab test in a sentence", "albumin"),
    "creatinine": pgettext_lazy("lab test in a sentence", "creatinine"),
}


def lab_test_name(test: str) -> str:
    """The test's name in a sentence, in the active language (unknown tests as written)."""
    name = _TEST_IN_SENTENCE.get(test)
    return test if name is None else str(name)


def lab_row_name(test: str, day: object) -> str:
    """A lab row named as a person names it: "créatinine du 28/11/2026"."""
    return gettext("%(test)s of %(date)s") % {"test": lab_test_name(test), "date": _date(day)}


def lab_value_text(value: object, unit: str, uln: object = None) -> str:
    """A result as entered, its unit as printed: "62 µmol/L", "25 UI/L (LSN 40)"."""
    text = gettext("%(value)s %(unit)s") % {"value": _number(value), "unit": display_unit(unit)}
    if uln is None:
        return text
    return gettext("%(value)s (ULN %(uln)s)") % {"value": text, "uln": _number(uln)}


def _row_used(cid: str, values: Mapping[str, Any]) -> tuple[str, int] | None:
    test = LAB_CRITERIA[cid]
    if values.get("lab_index") is not None and values.get("date") is not None:
        row = lab_row_name(test, values["date"])
        if values.get("value_entered") is not None and isinstance(values.get("unit"), str):
            row = gettext("%(row)s: %(value)s") % {
                "row": row,
                "value": lab_value_text(values["value_entered"], values["unit"], values.get("uln")),
            }
        return gettext("Result used: %(row)s") % {"row": row}, int(values["lab_index"])
    if values.get("latest_lab_index") is not None and values.get("latest_date") is not None:
        # The latest result, too old to count (criteria.md: (R - d).days > 28 -> missing).
        text = gettext("Latest result too old to count: %(row)s, %(days)s before %(reference)s (more than %(window)s)")
        return (
            text
            % {
                "row": lab_row_name(test, values["latest_date"]),
                "days": _days(values["latest_days_before_reference"]),
                "reference": _date(values["reference_date"]),
                "window": _days(LAB_WINDOW_DAYS),
            },
            int(values["latest_lab_index"]),
        )
    return None


def row_used(criterion: Mapping[str, Any]) -> tuple[str, int] | None:
    """For a lab criterion, the lab row it read and what it says of it, with the row's
    position in the document's ``labs``: the result used, or the latest one when too old.
    None for other criteria, and when the stored values do not name a row (results
    stored before the rules named the creatinine row of CrCl)."""
    cid, values = criterion.get("id"), criterion.get("values")
    if cid not in LAB_CRITERIA or not isinstance(values, Mapping):
        return None
    try:
        return _row_used(str(cid), values)
    except (_Untranslatable, KeyError, TypeError, ValueError):
        return None


def crcl_calculation(criterion: Mapping[str, Any]) -> dict[str, Any] | None:
    """How INC-07-CRCL computed the clearance, line by line, from its stored values:
    the Cockcroft-Gault formula, each input as entered (62 µmol/L = 0,70 mg/dL, the
    result's date, the age at that date, the weight, the sex factor) and the result.
    None when CrCl was not computed or the values do not say enough."""
    values = criterion.get("values")
    if criterion.get("id") != "INC-07-CRCL" or not isinstance(values, Mapping):
        return None
    try:
        return _crcl_calculation(values)
    except (_Untranslatable, KeyError, TypeError, ValueError):
        return None


def _crcl_calculation(values: Mapping[str, Any]) -> dict[str, Any] | None:
    if values.get("crcl_ml_min") is None:
        return None
    female = values["sex"] == "female"
    age, day = values["age_years"], values["date"]
    creatinine_mg_dl = _number(values["creatinine_mg_dl"], 2)
    unit = values.get("unit")
    entered = values.get("value_entered")
    divisor = LAB_UNITS["creatinine"].divisors.get(unit) if isinstance(unit, str) else None
    # The formula is written with the creatinine as entered (and its conversion), as the rules
    # compute it, exactly: the rounded 0,70 mg/dL would not give the CrCl shown. A result
    # stored before the rules kept the value entered shows no substituted formula.
    creatinine_term: str | None = None
    if entered is not None and divisor is not None and divisor != 1:
        creatinine = gettext("%(entered)s = %(mg_dl)s mg/dL (÷ %(factor)s)") % {
            "entered": lab_value_text(entered, str(unit)),
            "mg_dl": creatinine_mg_dl,
            "factor": _number(divisor),
        }
        creatinine_term = f"({_number(entered)} ÷ {_number(divisor)})"
    elif entered is not None and divisor == 1:
        creatinine = gettext("%(mg_dl)s mg/dL") % {"mg_dl": _number(entered)}
        creatinine_term = _number(entered)
    else:
        creatinine = gettext("%(mg_dl)s mg/dL") % {"mg_dl": creatinine_mg_dl}
    factor = _number(COCKCROFT_GAULT_FEMALE_FACTOR) if female else None
    substituted = None
    if creatinine_term is not None:
        formula = f"[(140 − {_number(age)}) × {_number(values['weight_kg'])}] / [72 × {creatinine_term}]"
        if factor is not None:
            formula += f" × {factor}"
        substituted = gettext("%(formula)s = %(crcl)s mL/min") % {
            "formula": formula,
            "crcl": _number(values["crcl_ml_min"], 1),
        }
    return {
        "formula": gettext("CrCl = [(140 − age) × weight (kg)] / [72 × creatinine (mg/dL)], × 0.85 for a woman"),
        "inputs": [
            (gettext("Creatinine"), creatinine),
            (gettext("Date of the result"), _date(day)),
            (gettext("Age on that date"), gettext("%(age)s y") % {"age": _number(age)}),
            (gettext("Weight"), gettext("%(weight)s kg") % {"weight": _number(values["weight_kg"])}),
            (
                gettext("Sex"),
                gettext("female: × %(factor)s") % {"factor": factor} if factor else gettext("male: no factor"),
            ),
        ],
        "substituted": substituted,
        "crcl": _number(values["crcl_ml_min"], 1),
        "lab_index": values.get("lab_index"),
        "row": lab_row_name("creatinine", day),
    }
