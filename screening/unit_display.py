"""Lab units as people read them on a page, from the exchange format's codes.

The exchange format keeps its spellings (``umol/L``, ``10^9/L``, ``IU/L``, ``/mm3``);
a sentence shows the unit as a lab report prints it (µmol/L, G/L, UI/L in French:
``shared/glossary-fr.md``). One small table, used by the reasons and the panel.
"""

from __future__ import annotations

from typing import Final

from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

from screening.rules import units

# One spelling per real unit (screening/rules/units.py ``unit_option``: ``umol/L`` is
# µmol/L, ``10^9/L`` is G/L, ``IU/L`` is U/L), then as printed. Units not listed print as
# they are (g/dL, g/L, mg/dL, mmol/L, µmol/L, G/L): the form's unit lists show the same.
_DISPLAY: Final[dict[str, str | Promise]] = {
    "/mm3": "/mm³",
    # Translators: international units per litre; French labs print UI/L.
    "U/L": pgettext_lazy("lab unit", "U/L"),
}


def display_unit(code: str) -> str:
    """The unit ``code`` of a document as a page prints it, in the active language."""
    option = units.unit_option(code)
    shown = _DISPLAY.get(option)
    return option if shown is None else str(shown)
