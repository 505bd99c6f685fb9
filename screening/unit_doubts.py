"""Lab results valid as entered whose unit is doubtful: a warning, never a refusal.

The plausible ranges refuse only what cannot be, so some slips pass them: neutrophils
"2,1" with /mm³ chosen, where the report printed G/L, is a plausible (and failing) ANC.
The form warns next to the row, in the live panel and after saving: the coordinator checks
the unit printed on the report (screening/rules/units.py ``unit_doubt``).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from screening import exchange
from screening.rules import units
from screening.rules.document import ScreeningDocument


def lab_unit_doubts(document: ScreeningDocument | None) -> dict[int, str]:
    """Lab row index -> the warning, in the active language, for each doubtful unit."""
    doubts: dict[int, str] = {}
    if document is None or not document.labs:
        return doubts
    style = exchange.LocalizedStyle()
    for index, lab in enumerate(document.labs):
        if lab.test is None or lab.value is None or lab.unit is None:
            continue
        others = units.unit_doubt(lab.test, lab.value, lab.unit)
        if not others:
            continue
        doubts[index] = _(
            "%(row)s: %(value)s %(unit)s is unusual, and would be usual in %(others)s. "
            "Check the unit printed on the report."
        ) % {
            "row": style.lab_row(lab.test, lab.date, index + 1),
            "value": style.number(lab.value),
            "unit": style.unit(lab.unit),
            "others": _(" or ").join(style.unit(other) for other in others),
        }
    return doubts
