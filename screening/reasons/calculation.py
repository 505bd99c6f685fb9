"""The rows the rules used and the calculation of CrCl, for the pages, from a stored
criterion's values (never by re-running the rules)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext

from screening.reasons.formatting import Untranslatable as _Untranslatable
from screening.reasons.formatting import date as _date
from screening.reasons.formatting import days as _days
from screening.reasons.formatting import number as _number
from screening.reasons.labels import LAB_CRITERIA, lab_test_name
from screening.reasons.words import words_of
from screening.rules.derived import COCKCROFT_GAULT_FEMALE_FACTOR
from screening.rules.ruleset import ALTER_V1
from screening.rules.units import LAB_UNITS
from screening.unit_display import display_unit


def lab_row_name(test: str, day: object) -> str:
    """A lab row named as a person names it: "créatinine du 28/11/2026"."""
    return gettext("%(test)s of %(date)s") % {"test": lab_test_name(test), "date": _date(day)}


def lab_value_text(value: object, unit: str, uln: object = None) -> str:
    """A result as entered, its unit as printed: "62 µmol/L", "25 UI/L (LSN 40)"."""
    text = gettext("%(value)s %(unit)s") % {"value": _number(value), "unit": display_unit(unit)}
    if uln is None:
        return text
    return gettext("%(value)s (ULN %(uln)s)") % {"value": text, "uln": _number(uln)}


def _row_used(cid: str, values: Mapping[str, Any], window_days: object) -> tuple[str, int] | None:
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
                "window": _days(window_days),
            },
            int(values["latest_lab_index"]),
        )
    return None


def row_used(criterion: Mapping[str, Any], ruleset: object = ALTER_V1.id) -> tuple[str, int] | None:
    """For a lab criterion, the lab row it read and what it says of it, with the row's
    position in the document's ``labs``: the result used, or the latest one when too old.
    None for other criteria, and when the stored values do not name a row (results
    stored before the rules named the creatinine row of CrCl). The lab window is the one
    the values carry, else the declared one of ``ruleset`` (results stored before)."""
    cid, values = criterion.get("id"), criterion.get("values")
    words = words_of(ruleset)
    if cid not in LAB_CRITERIA or not isinstance(values, Mapping):
        return None
    window = values.get("window_days", None if words is None else words.parameters.lab_window_days)
    try:
        return _row_used(str(cid), values, window)
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
    factor = _number(values.get("female_factor", COCKCROFT_GAULT_FEMALE_FACTOR)) if female else None
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
