"""Rendering a stored criterion's reason in the active language, with its ruleset's words.

The rules write each reason in English, and that sentence, stored with the evaluation,
is the record. They also name the branch that decided (``code``) and the data it used
(``values``, its thresholds and windows included), so that a page can say the same thing
again without parsing the English: :func:`localized_reason` picks the template of
(ruleset, criterion id, code) (:mod:`screening.reasons.words`) and fills it with the values
written as French research staff write them (:mod:`screening.reasons.formatting`).
"""

from __future__ import annotations

import datetime
import json
import logging
import re
from collections.abc import Callable, Mapping
from typing import Any, Final

from django.utils.translation import get_language, gettext, pgettext, pgettext_lazy

from screening.reasons.formatting import ISO_DATE as _ISO_DATE
from screening.reasons.formatting import Params
from screening.reasons.formatting import Untranslatable as _Untranslatable
from screening.reasons.formatting import date as _date
from screening.reasons.formatting import days as _days
from screening.reasons.formatting import join as _join
from screening.reasons.formatting import number as _number
from screening.reasons.formatting import percent as _percent
from screening.reasons.formatting import reference as _reference
from screening.reasons.formatting import word as _word
from screening.reasons.labels import EXTENT as _EXTENT
from screening.reasons.labels import ISH as _ISH
from screening.reasons.labels import LAB_TEST as _LAB_TEST
from screening.reasons.labels import LVEF_METHOD as _LVEF_METHOD
from screening.reasons.labels import PREGNANCY_TEST as _PREGNANCY_TEST
from screening.reasons.labels import RAISED_BECAUSE as _RAISED_BECAUSE
from screening.reasons.labels import SAMPLE_SITE as _SAMPLE_SITE
from screening.reasons.labels import SEX as _SEX
from screening.reasons.labels import SIDE as _SIDE
from screening.reasons.labels import TRANSAMINASE as _TRANSAMINASE
from screening.reasons.templates import PERCENT_THRESHOLDS, THRESHOLD_PLACEHOLDERS, WINDOW_PLACEHOLDERS
from screening.reasons.words import REASON_CACHE, WORDS, Words, words_of
from screening.rules.exclusion import adc_named_in
from screening.rules.ruleset import ALTER_V1
from screening.rules.units import LAB_UNITS
from screening.unit_display import display_unit

logger = logging.getLogger(__name__)

# What decided the WOCBP status, as data (rules.derived.WocbpStatus.ground and .unknown).
_WOCBP_GROUND: Final = {
    "sex_unknown": pgettext_lazy("reason", "sex unknown"),
    "male": pgettext_lazy("reason", "male"),
    "age": pgettext_lazy("reason", "age"),
    "hysterectomy": pgettext_lazy("reason", "hysterectomy"),
    "bilateral_oophorectomy": pgettext_lazy("reason", "bilateral oophorectomy"),
    "amenorrhea": pgettext_lazy("reason", "amenorrhea"),
    "not_postmenopausal": pgettext_lazy(
        "reason", "female, not postmenopausal, no hysterectomy or bilateral oophorectomy"
    ),
}


def _ground(ground: object, values: Mapping[str, Any], *, decided: bool) -> str:
    """One ground of the WOCBP status in words: the one that decided, or one not known."""
    if ground == "age" and decided:
        return gettext("age %(age)s y ≥ %(min)s") % {
            "age": _number(values["wocbp_age_years"]),
            "min": _number(values["postmenopausal_age_years"]),
        }
    if ground == "amenorrhea" and values.get("wocbp_amenorrhea_months") is not None:
        return gettext("amenorrhea for %(months)s months with no other cause") % {
            "months": _number(values["wocbp_amenorrhea_months"])
        }
    return _word(_WOCBP_GROUND, ground)


def _because_of_grounds(values: Mapping[str, Any]) -> Params:
    unknown = values.get("wocbp_unknown") or []
    if values.get("wocbp") is None and unknown:
        shown = [_ground(g, values, decided=False) for g in unknown]
        return {"because": gettext("not given: %(items)s") % {"items": _join(shown)}}
    return {"because": _ground(values.get("wocbp_ground"), values, decided=True)}


# Results stored before the rules gave the grounds as data name them only in English, in
# the ``because`` text of screening.rules.derived.wocbp_status: read back here.
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
    """What decided the WOCBP status: from its grounds, or for a result stored before the
    values gave them, from the rules' text when it is one this module knows."""
    if "wocbp_ground" in values:
        return _because_of_grounds(values)
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
        if s.get(key) is not None and s[key] >= values["max"]
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
    matched = values.get("matched") or []
    # The names the rule matched; a result stored before the values gave them is read with
    # alter-v1's matcher (the only one such results were made with).
    names = values.get("matched_names") or [adc_named_in(entry) for entry in matched]
    adcs = []
    for entry, name in zip(matched, names, strict=True):
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
        if days < values["min_days"]:
            wrong.append(
                gettext("last local treatment on %(date)s, %(days)s before %(reference)s (< %(treatment_days)s)")
                % {**params, "treatment_days": _number(values["min_days"])}
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


def _thresholds(cid: str, values: Mapping[str, Any]) -> Params:
    """The thresholds and windows the rule compared with, as its templates name them."""
    shown = _percent if cid in PERCENT_THRESHOLDS else _number
    params = {placeholder: shown(values[key]) for key, placeholder in THRESHOLD_PLACEHOLDERS.items() if key in values}
    if "support_window_days" in values:
        params["support_window"] = _number(values["support_window_days"])
    if "min_days" in values:
        params["treatment_days"] = _number(values["min_days"])
    if "window_days" in values:
        params[WINDOW_PLACEHOLDERS.get(cid, "lab_window")] = _number(values["window_days"])
    return params


def _values(cid: str, values: Mapping[str, Any], words: Words) -> Mapping[str, Any]:
    """The stored values, with the ruleset's declared numbers under those a result stored
    before the values carried them lacks."""
    return {**words.parameters.values_of(cid), **values}


def _template_key(criterion: Mapping[str, Any], words: Words | None = None) -> tuple[str, ...]:
    """(id, code), or (id, code, variant) when the values call for a variant."""
    words = _words(words)
    cid, code, values = criterion.get("id"), criterion.get("code"), criterion.get("values")
    if not isinstance(cid, str) or not isinstance(code, str) or not isinstance(values, Mapping):
        raise _Untranslatable(criterion)
    pick = words.variants.get((cid, code))
    variant = None if pick is None else pick(values)
    return (cid, code) if variant is None else (cid, code, variant)


def _words(words: Words | None) -> Words:
    if words is None:
        words = WORDS[ALTER_V1.id]
    return words


def _render(criterion: Mapping[str, Any], words: Words | None = None) -> str:
    words = _words(words)
    key = _template_key(criterion, words)
    template = words.templates.get(key)
    if template is None:
        raise _Untranslatable(key)
    cid = key[0]
    values = _values(cid, criterion["values"], words)
    params = {**_plain(values), **_thresholds(cid, values)}
    if cid in words.judgments:
        params["title"] = words.title(cid)
    if cid in _DERIVED:
        params.update(_DERIVED[cid](cid, values))
    if cid in _DERIVED_WITH_OUTCOME:
        params.update(_DERIVED_WITH_OUTCOME[cid](cid, values, str(criterion.get("outcome"))))
    return str(template) % params


def localized_reason(criterion: Mapping[str, Any], ruleset: object = ALTER_V1.id) -> str:
    """The reason of one entry of a stored result's ``criteria``, in the active language,
    with the words of ``ruleset`` (the result's ``ruleset``)."""
    # The same criterion (id, code, values, outcome) reads the same in one language: a page
    # shows about 30, most of them unchanged from one save to the next.
    words = words_of(ruleset)
    if words is None:
        # A ruleset whose words this installation lacks: the record's own sentence.
        return str(criterion.get("reason", ""))
    try:
        key = (get_language(), words.ruleset, json.dumps(criterion, sort_keys=True, default=str))
    except (TypeError, ValueError):
        return _localized_reason(criterion, words)
    found = REASON_CACHE.get(key)
    if found is None:
        found = _localized_reason(criterion, words)
        if len(REASON_CACHE) >= _REASONS_MAX:
            REASON_CACHE.clear()
        REASON_CACHE[key] = found
    return found


_REASONS_MAX = 20_000  # a few MB at most; cleared whole when full (reasons are cheap to redo)


def _localized_reason(criterion: Mapping[str, Any], words: Words) -> str:
    """The reason of one entry of a stored result's ``criteria``, in the active language.

    Rendered from the template of (id, code) with the stored values, numbers and dates
    in the language's formats, units as printed, ≥ and ≤; in English too, where the
    template reads as the rules' sentence does without its codes (ISH "not done", not
    "not_done"). When the values do not fit the template (an unknown code, a value
    missing) the rules' own sentence is shown rather than an error: it is the record.
    """
    reason = str(criterion.get("reason", ""))
    try:
        return _render(criterion, words)
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
