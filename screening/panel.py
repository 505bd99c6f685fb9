"""What the evaluation panel shows, from a stored or previewed result document: each
criterion with its reason and the row it read, how CrCl was computed, where each
criterion's deciding value is entered (its link), and the marks of the lab table."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from django.template.loader import render_to_string
from django.utils.formats import date_format
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from screening import unit_doubts
from screening.reasons import (
    LAB_CRITERIA,
    OUTCOME_LABELS,
    STATUS_LABELS,
    STORED_BEFORE_RULESETS,
    crcl_calculation,
    criterion_title,
    lab_row_name,
    localized_reason,
    row_used,
    words_of,
)
from screening.rules import ruleset as rulesets

if TYPE_CHECKING:
    from screening.forms import ScreeningEntry

# Where each criterion's deciding value is entered: the anchor of its form field, or of the
# section of the list whose rows decide it (the row used, when a criterion names one, comes
# first: see _anchor). The field is the ruleset's declaration (rules/ruleset.py).
_LIST_SECTIONS: Final = {
    "tumour_samples": "section-tumour-samples",
    "labs": "section-labs",
    "pregnancy_tests": "section-pregnancy-tests",
}


def field_anchor(field: str) -> str:
    """The anchor of a form field (``id_ecog``) or of a list's section (``section-labs``)."""
    if not field:
        return ""
    return _LIST_SECTIONS.get(field, f"id_{field}")


def criterion_fields(ruleset_id: object) -> dict[str, str]:
    """criterion id -> the anchor deciding it, for ruleset ``ruleset_id`` (a stored result's;
    an unknown one links no criterion)."""
    try:
        declared = rulesets.ruleset(str(ruleset_id))
    except rulesets.UnknownRuleset:
        return {}
    return {c.id: field_anchor(c.field) for c in declared.criteria}


# alter-v1's (the screening page's links for results stored before rulesets were chosen).
CRITERION_FIELDS: Final = criterion_fields(rulesets.ALTER_V1.id)

OUTCOME_BADGES = {"pass": "success", "fail": "danger", "missing": "warning", "not_applicable": "secondary"}
STATUS_BADGES = {"eligible": "success", "ineligible": "danger", "incomplete": "warning"}

# What decides WOCBP (rules.derived.wocbp_status names it in ``because``): the field to
# answer, the reproductive section's own first (it is where the status is decided).
_WOCBP_FIELDS: Final = (
    ("hysterectomy", "id_hysterectomy"),
    ("bilateral oophorectomy", "id_bilateral_oophorectomy"),
    ("amenorrhea", "id_amenorrhea_months"),
    ("age", "id_date_of_birth"),
)
# A support date in the window fails the count whatever its value: the date is what decides.
_SUPPORT_FIELDS: Final = {
    "INC-07-HB": "id_rbc_transfusion_date",
    "INC-07-ANC": "id_gcsf_date",
    "INC-07-PLT": "id_platelet_transfusion_date",
}
_CRCL_INPUT_FIELDS: Final = (("sex", "id_sex"), ("date_of_birth", "id_date_of_birth"), ("weight_kg", "id_weight_kg"))


class _Rows:
    """Where the document's rows of a list are on the page: the position of each among the
    form's rows (blank and deleted rows of a posted form are not in the document)."""

    def __init__(self, positions: dict[str, list[int] | None]) -> None:
        self._positions = positions

    def form_row(self, name: str, index: object) -> int | None:
        if not isinstance(index, int) or isinstance(index, bool) or index < 0:
            return None
        positions = self._positions.get(name)
        if positions is None:  # the form's rows are the stored rows, in order
            return index
        return positions[index] if index < len(positions) else None


def _form_rows(entry: ScreeningEntry | None, *, preview: bool) -> _Rows | None:
    """How document rows map to form rows; None when they cannot be matched (a posted form
    shown again with the last saved evaluation: its rows are not the ones evaluated)."""
    if entry is None or not entry.form.is_bound:
        # The screening page's rows are its stored rows in order, the document's lists.
        return _Rows({})
    if not preview:
        return None
    positions: dict[str, list[int] | None] = {}
    for name in ("labs", "pregnancy_tests"):
        positions[name] = [
            i
            for i, form in enumerate(entry.formsets[name].forms)
            if getattr(form, "cleaned_data", None) and not form.cleaned_data.get("DELETE")
        ]
    return _Rows(positions)


# The same, by the grounds the values give as data.
_WOCBP_GROUND_FIELDS: Final = {
    "hysterectomy": "id_hysterectomy",
    "bilateral_oophorectomy": "id_bilateral_oophorectomy",
    "amenorrhea": "id_amenorrhea_months",
    "age": "id_date_of_birth",
}


def _wocbp_anchor(values: Mapping[str, Any]) -> str:
    if "wocbp_ground" in values:
        if values["wocbp_ground"] == "sex_unknown":
            return "id_sex"
        unknown = values.get("wocbp_unknown") or []
        for ground, field in _WOCBP_GROUND_FIELDS.items():
            if ground in unknown:
                if ground == "amenorrhea" and values.get("wocbp_amenorrhea_months") is not None:
                    return "id_amenorrhea_other_cause"  # months given: the other cause is what is missing
                return field
        return "section-reproductive"
    # A result stored before the values gave the grounds: read from the English text.
    because = values.get("wocbp_because")
    if because == "sex unknown":
        return "id_sex"
    if isinstance(because, str) and because.startswith("unknown: "):
        unknown = because.removeprefix("unknown: ").split(", ")
        for label, field in _WOCBP_FIELDS:
            if any(part == label or part.startswith(f"{label} ") for part in unknown):
                if label == "amenorrhea" and any(part.startswith("amenorrhea ") for part in unknown):
                    return "id_amenorrhea_other_cause"  # months given: the other cause is what is missing
                return field
    return "section-reproductive"


def _anchor(criterion: Mapping[str, Any], rows: _Rows | None, fields: Mapping[str, str] = CRITERION_FIELDS) -> str:
    """The element to go to for this criterion: the field or row that decides it."""
    cid, code = criterion.get("id"), criterion.get("code")
    values = criterion.get("values")
    if not isinstance(values, Mapping):
        values = {}
    if cid in ("INC-06", "INC-09") and code == "wocbp_unknown":
        return _wocbp_anchor(values)
    if cid == "INC-09":
        row = None if rows is None else rows.form_row("pregnancy_tests", values.get("test_index"))
        return f"id_pregnancy_tests-{row}-result" if row is not None else "section-pregnancy-tests"
    if cid in LAB_CRITERIA:
        if code == "support_in_window":
            return _SUPPORT_FIELDS[str(cid)]
        if code == "inputs_missing":
            return next((field for key, field in _CRCL_INPUT_FIELDS if values.get(key) is None), "id_weight_kg")
        index = values.get("lab_index", values.get("latest_lab_index"))
        row = None if rows is None else rows.form_row("labs", index)
        return f"id_labs-{row}-value" if row is not None else "section-labs"
    return fields.get(str(cid), "")


def stored_anchor(criterion: Mapping[str, Any], ruleset: object = rulesets.ALTER_V1.id) -> str:
    """The criterion's anchor on its screening's page (the stored rows), for other pages'
    links (the review queue): ``reverse("screening:detail") + "#" + anchor``."""
    return _anchor(criterion, _Rows({}), criterion_fields(ruleset))


def _date(iso: str | None) -> datetime.date | None:
    return None if iso is None else datetime.date.fromisoformat(iso)


def _row_day(value: object) -> datetime.date | None:
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _lab_form_values(entry: ScreeningEntry, index: int) -> tuple[str | None, datetime.date | None]:
    """The test and date of a lab row of the form, as typed (posted) or stored (initial)."""
    form = entry.formsets["labs"].forms[index]
    data = getattr(form, "cleaned_data", None) if form.is_bound else form.initial
    if not data:
        return None, None
    test = data.get("test")
    return (test if isinstance(test, str) and test else None), _row_day(data.get("date"))


def _unit_doubt(entry: ScreeningEntry, index: int, test: str | None, day: datetime.date | None) -> str | None:
    """The warning of a lab row whose value is unusual in its unit and usual in another."""
    form = entry.formsets["labs"].forms[index]
    data = getattr(form, "cleaned_data", None) if form.is_bound else form.initial
    value, unit = (data or {}).get("value"), (data or {}).get("unit")
    if test is None or not isinstance(value, int | float) or isinstance(value, bool) or not unit:
        return None
    return unit_doubts.unit_doubt(test, float(value), str(unit), day, index + 1)


def _lab_window_days(result: Mapping[str, Any]) -> int | None:
    """The lab window of the result's ruleset: as its lab criteria's values carry it, else
    (a result stored before they did) as its ruleset declared it."""
    for criterion in result.get("criteria", []):
        values = criterion.get("values") or {}
        if criterion.get("id") in LAB_CRITERIA and isinstance(values.get("window_days"), int):
            return int(values["window_days"])
    words = words_of(result.get("ruleset", STORED_BEFORE_RULESETS))
    return None if words is None else words.parameters.lab_window_days


def lab_row_marks(
    result: Mapping[str, Any] | None, entry: ScreeningEntry | None, rows: _Rows | None
) -> dict[int, list[dict[str, str]]]:
    """What the lab table says beside each of its rows, by form row: the rows the rules
    used (for which criterion), and the rows that do not count: too old (more than 28 days
    before the reference date, criteria.md), or older than the result used."""
    if result is None or entry is None or rows is None or not result.get("reference_date"):
        return {}
    reference = datetime.date.fromisoformat(str(result["reference_date"]))
    window = _lab_window_days(result)
    marks: dict[int, list[dict[str, str]]] = {}
    used_on: dict[str, tuple[int, datetime.date]] = {}
    for criterion in result.get("criteria", []):
        cid, values = criterion.get("id"), criterion.get("values") or {}
        if cid not in LAB_CRITERIA or values.get("lab_index") is None:
            continue
        row = rows.form_row("labs", values["lab_index"])
        day = _row_day(values.get("date"))
        if row is None or day is None:
            continue
        used_on[LAB_CRITERIA[cid]] = (row, day)
        marks.setdefault(row, []).append(
            {"kind": "used", "criterion": str(cid), "text": gettext("Used for %(criterion)s") % {"criterion": cid}}
        )
    for index in range(len(entry.formsets["labs"].forms)):
        test, day = _lab_form_values(entry, index)
        doubt = _unit_doubt(entry, index, test, day)
        if doubt is not None:
            marks.setdefault(index, []).append({"kind": "unit_doubt", "text": doubt})
        if test is None or day is None or any(m["kind"] == "used" for m in marks.get(index, [])):
            continue
        # (A result dated after R is refused on saving: exchange-format.md.)
        days = (reference - day).days
        if window is not None and days > window:
            text = gettext("Too old to count: %(days)s days before %(reference)s (more than %(window)s days)")
            mark = {
                "kind": "too_old",
                "text": text % {"days": days, "reference": _shown_date(reference), "window": window},
            }
        elif test in used_on:
            text = gettext("Not used: a later result counts (%(row)s)")
            mark = {"kind": "superseded", "text": text % {"row": lab_row_name(test, used_on[test][1])}}
        else:
            continue
        marks.setdefault(index, []).append(mark)
    return marks


def _shown_date(day: datetime.date) -> str:
    return date_format(day, "SHORT_DATE_FORMAT")


def panel_context(
    result: dict[str, Any] | None, *, preview: bool, entry: ScreeningEntry | None = None
) -> dict[str, Any]:
    """The panel's context. ``entry``: the form on the page, when the panel is beside it
    (the screening page and its live preview): links then match its rows, and the lab
    table's marks (``lab_row_marks``, by form row) are given."""
    if result is None:
        return {"result": None, "preview": preview, "lab_row_marks": {}}
    rows_on_page = _form_rows(entry, preview=preview)
    # The words, links and numbers of the result's own ruleset.
    ruleset = result.get("ruleset", STORED_BEFORE_RULESETS)
    fields = criterion_fields(ruleset)
    rows = []
    for criterion in result["criteria"]:
        used = row_used(criterion, ruleset)
        rows.append(
            {
                "id": criterion["id"],
                "kind": criterion["kind"],
                "title": criterion_title(criterion["id"], ruleset),
                "outcome": criterion["outcome"],
                "outcome_label": OUTCOME_LABELS.get(criterion["outcome"], criterion["outcome"]),
                "badge": OUTCOME_BADGES.get(criterion["outcome"], "secondary"),
                "reason": localized_reason(criterion, ruleset),
                "used": used[0] if used else "",
                "anchor": _anchor(criterion, rows_on_page, fields),
            }
        )
    crcl = next((c for c in result["criteria"] if c["id"] == "INC-07-CRCL"), None)
    calculation = crcl_calculation(crcl) if crcl is not None else None
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
        "crcl": calculation,
        "crcl_anchor": next((r["anchor"] for r in rows if r["id"] == "INC-07-CRCL"), ""),
        "lab_row_marks": lab_row_marks(result, entry, rows_on_page),
    }


# The panel of a stored evaluation beside its screening's form as stored (the screening
# page): it reads the same for everyone who opens the page in a language, and an evaluation
# never changes (append-only, refused by the database), so it is written once per language.
# Keyed by the evaluation's id and time of creation: an id alone could name another
# evaluation after a database restore, in a process that outlived it.
_STORED_PANELS: dict[tuple[int, datetime.datetime, str | None], SafeString] = {}
_STORED_PANELS_MAX = 500  # panels kept (about 10 KB each)


def stored_panel(
    evaluation_id: int, created_at: datetime.datetime, result: dict[str, Any], *, entry: ScreeningEntry
) -> dict[str, Any]:
    """The screening page's panel (``panel_html``) for its latest evaluation, beside the
    form as stored (``entry`` not bound), and the lab table's marks (``lab_row_marks``)."""
    key = (evaluation_id, created_at, get_language())
    html = _STORED_PANELS.get(key)
    if html is None:
        html = SafeString(
            render_to_string(
                "screening/_panel.html", {**panel_context(result, preview=False, entry=entry), "entry": entry}
            )
        )
        if len(_STORED_PANELS) >= _STORED_PANELS_MAX:
            _STORED_PANELS.clear()
        _STORED_PANELS[key] = html
    return {"panel_html": html, "lab_row_marks": lab_row_marks(result, entry, _form_rows(entry, preview=False))}


def _side(criterion: Mapping[str, Any] | None, ruleset_id: object) -> dict[str, Any] | None:
    if criterion is None:
        return None
    return {
        "outcome": criterion["outcome"],
        "outcome_label": OUTCOME_LABELS.get(criterion["outcome"], criterion["outcome"]),
        "badge": OUTCOME_BADGES.get(criterion["outcome"], "secondary"),
        "reason": localized_reason(criterion, ruleset_id),
    }


def change_rows(before: dict[str, Any], after: dict[str, Any], changed: tuple[str, ...]) -> list[dict[str, Any]]:
    """The criteria ``changed`` between two result documents (a re-evaluation's diff), each with
    its outcome and reason in each, in the words of that result's own ruleset (None where that
    ruleset has no such criterion); titled as the new result's ruleset titles them."""
    old = {c["id"]: c for c in before["criteria"]}
    new = {c["id"]: c for c in after["criteria"]}
    old_ruleset, new_ruleset = before.get("ruleset"), after.get("ruleset")
    return [
        {
            "id": cid,
            "title": criterion_title(cid, new_ruleset if cid in new else old_ruleset),
            "before": _side(old.get(cid), old_ruleset),
            "after": _side(new.get(cid), new_ruleset),
        }
        for cid in changed
    ]


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))
