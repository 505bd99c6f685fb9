"""Lab results valid as entered whose unit is doubtful: a warning, never a refusal.

The plausible ranges refuse only what cannot be, so some slips pass them: neutrophils
"2,1" with /mm³ chosen, where the report printed G/L, is a plausible (and failing) ANC.
The form warns next to the row, in the live panel and after saving: the coordinator checks
the unit printed on the report (screening/rules/units.py ``unit_doubt``).
"""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _

from screening import exchange
from screening.rules import units
from screening.rules.document import ScreeningDocument


def unit_doubt(test: str, value: float, unit: str, day: datetime.date | None, number: int) -> str | None:
    """The warning for one lab row (``number`` counts from 1), or None when its unit is not in doubt."""
    if not units.is_accepted(test, unit):
        return None
    others = units.unit_doubt(test, value, unit)
    if not others:
        return None
    style = exchange.LocalizedStyle()
    return _(
        "%(row)s: %(value)s %(unit)s is unusual, and would be usual in %(others)s. "
        "Check the unit printed on the report."
    ) % {
        "row": style.lab_row(test, day, number),
        "value": style.number(value),
        "unit": style.unit(unit),
        "others": _(" or ").join(style.unit(other) for other in others),
    }


def lab_unit_doubts(document: ScreeningDocument | None) -> list[str]:
    """The warnings of a validated document's lab rows, in their order."""
    if document is None or not document.labs:
        return []
    doubts = []
    for index, lab in enumerate(document.labs):
        if lab.test is None or lab.value is None or lab.unit is None:
            continue
        doubt = unit_doubt(lab.test, lab.value, lab.unit, lab.date, index + 1)
        if doubt is not None:
            doubts.append(doubt)
    return doubts
