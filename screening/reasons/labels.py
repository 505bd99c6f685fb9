"""Labels: alter-v1's criterion titles, the outcome and status labels, and the words the
reasons use for the values of a result (sex, extent, ISH results, tests...)."""

from __future__ import annotations

from typing import Final, cast

from django.utils.functional import Promise, lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from screening.rules.ruleset import ALTER_V1

_V1: Final = ALTER_V1.parameters


def _with_numbers(title: Promise, **numbers: int) -> Promise:
    """``title`` with the ruleset's own numbers (its date windows) put in when it is shown,
    in the language active then."""
    return cast(Promise, lazy(lambda: str(title) % numbers, str)())


# alter-v1's titles (its numbers are in the msgids: another ruleset has titles of its own).
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
    "INC-09": _with_numbers(
        _("Negative pregnancy test within %(days)s days (WOCBP)"), days=_V1.pregnancy_test_window_days
    ),
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
    "EXC-09": _with_numbers(_("Another therapeutic trial within %(days)s days"), days=_V1.other_trial_window_days),
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


SEX: Final = {"female": pgettext_lazy("reason", "female"), "male": pgettext_lazy("reason", "male")}
EXTENT: Final = {
    "metastatic": pgettext_lazy("reason", "metastatic"),
    "locally_advanced_unresectable": pgettext_lazy("reason", "locally advanced unresectable"),
    "locally_advanced_resectable": pgettext_lazy("reason", "locally advanced resectable"),
    "early": pgettext_lazy("reason", "early"),
}
SAMPLE_SITE: Final = {
    "primary": pgettext_lazy("reason", "primary tumour"),
    "metastatic": pgettext_lazy("reason", "metastasis"),
    None: pgettext_lazy("reason", "sample"),
}
SIDE: Final = {"left": pgettext_lazy("reason", "left"), "right": pgettext_lazy("reason", "right")}
# An absent ISH counts as not done (spec, INC-03-HER2).
ISH: Final = {
    "negative": pgettext_lazy("ISH result", "negative"),
    "positive": pgettext_lazy("ISH result", "positive"),
    "equivocal": pgettext_lazy("ISH result", "equivocal"),
    "not_done": pgettext_lazy("ISH result", "not done"),
    None: pgettext_lazy("ISH result", "not done"),
}
LVEF_METHOD: Final = {
    "echocardiogram": pgettext_lazy("reason", "echocardiogram"),
    # Translators: shown inside parentheses, so without parentheses of its own.
    "muga": pgettext_lazy("reason", "MUGA scan"),
    None: pgettext_lazy("reason", "method not given"),
}
PREGNANCY_TEST: Final = {
    "serum": pgettext_lazy("reason", "Serum pregnancy test"),
    "urine": pgettext_lazy("reason", "Urine pregnancy test"),
    None: pgettext_lazy("reason", "Pregnancy test"),
}
TRANSAMINASE: Final = {"INC-07-ALT": pgettext_lazy("reason", "ALT"), "INC-07-AST": pgettext_lazy("reason", "AST")}
# Why the bilirubin or transaminase limit is raised (the rules' raised_because).
RAISED_BECAUSE: Final = {
    "liver metastases": pgettext_lazy("reason", "liver metastases"),
    "Gilbert's syndrome": pgettext_lazy("reason", "Gilbert's syndrome"),
    "liver metastases and Gilbert's syndrome": pgettext_lazy("reason", "liver metastases and Gilbert's syndrome"),
}
LAB_TEST: Final = {
    "INC-07-HB": "hemoglobin",
    "INC-07-ANC": "anc",
    "INC-07-PLT": "platelets",
    "INC-07-BILI": "total_bilirubin",
    "INC-07-ALT": "alt",
    "INC-07-AST": "ast",
    "INC-07-ALB": "albumin",
    "INC-07-CRCL": "creatinine",
}


LAB_CRITERIA: Final = LAB_TEST  # criterion id -> the lab test it reads

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
