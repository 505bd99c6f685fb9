"""Lab units as people read them on a page, from the exchange format's codes.

The exchange format keeps its spellings (``umol/L``, ``10^9/L``, ``IU/L``, ``/mm3``);
a sentence shows the unit as a lab report prints it (µmol/L, G/L, UI/L in French:
``shared/glossary-fr.md``). One small table, used by the reasons and the panel.
"""

from __future__ import annotations

from typing import Final

from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

_MICRO: Final = "\u00b5"  # MICRO SIGN, as French lab reports print µmol/L

# Code as written in a document -> as printed. Codes not listed print as they are
# (g/dL, g/L, mg/dL, mmol/L).
_DISPLAY: Final[dict[str, str | Promise]] = {
    "/mm3": "/mm³",
    "/uL": f"/{_MICRO}L",
    "/\u03bcL": f"/{_MICRO}L",
    "/µL": f"/{_MICRO}L",
    "umol/L": f"{_MICRO}mol/L",
    "\u03bcmol/L": f"{_MICRO}mol/L",
    # Translators: a cell count per litre; French labs print G/L.
    "10^9/L": pgettext_lazy("lab unit", "10⁹/L"),
    "G/L": "G/L",
    # Translators: international units per litre; French labs print UI/L.
    "U/L": pgettext_lazy("lab unit", "U/L"),
    "IU/L": pgettext_lazy("lab unit", "U/L"),
}


def display_unit(code: str) -> str:
    """The unit ``code`` of a document as a page prints it, in the active language."""
    shown = _DISPLAY.get(code)
    return code if shown is None else str(shown)
