"""The screening log's charts: the geometry of inline SVG bars, computed on the server.

The template draws them with SVG attributes only (no script, no ``style=""``), so that the
page keeps working under a Content-Security-Policy without 'unsafe-inline'.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from django.utils import formats
from django.utils.translation import gettext as _

from screening.reporting.screening_log import Counts, FailureRow

# Bootstrap 5's colours, as SVG fill attributes.
_GREY: Final = "#6c757d"
_BLUE: Final = "#0d6efd"
_GREEN: Final = "#198754"
_DARK_GREEN: Final = "#0f5132"
_RED: Final = "#dc3545"


@dataclass(frozen=True, slots=True)
class SvgBar:
    """One bar of a chart; coordinates are strings, never localized ("12,5" is no SVG length)."""

    label: str
    tooltip: str
    value_text: str
    x: str
    y: str
    width: str
    height: str
    fill: str
    label_x: str
    value_x: str
    text_y: str


@dataclass(frozen=True, slots=True)
class SvgChart:
    width: str
    height: str
    bars: list[SvgBar]


def _n(value: float) -> str:
    return f"{value:.1f}"


def _percent(part: int, whole: int) -> str:
    percent = formats.number_format(100 * part / whole if whole else 0, decimal_pos=1)
    return _("%(percent)s%%") % {"percent": percent}


_FAILURE_WIDTH: Final = 720
_FAILURE_LABEL: Final = 120
_FAILURE_VALUE: Final = 90
_FAILURE_ROW: Final = 24
_FAILURE_BAR: Final = 16


def failure_chart(failures: Sequence[FailureRow]) -> SvgChart:
    """Horizontal bars, one per failed criterion in spec order, length by screenings."""
    longest = max((row.screenings for row in failures), default=0)
    area = _FAILURE_WIDTH - _FAILURE_LABEL - _FAILURE_VALUE
    bars = []
    for i, row in enumerate(failures):
        width = area * row.screenings / longest if longest else 0
        top = i * _FAILURE_ROW + (_FAILURE_ROW - _FAILURE_BAR) / 2
        bars.append(
            SvgBar(
                label=row.criterion,
                tooltip=_("%(criterion)s %(title)s: %(screenings)s screenings, %(patients)s patients")
                % {
                    "criterion": row.criterion,
                    "title": row.title,
                    "screenings": row.screenings,
                    "patients": row.patients,
                },
                value_text=str(row.screenings),
                x=_n(_FAILURE_LABEL),
                y=_n(top),
                width=_n(width),
                height=_n(_FAILURE_BAR),
                fill=_RED,
                label_x=_n(_FAILURE_LABEL - 8),
                value_x=_n(_FAILURE_LABEL + width + 6),
                text_y=_n(i * _FAILURE_ROW + _FAILURE_ROW / 2),
            )
        )
    return SvgChart(width=str(_FAILURE_WIDTH), height=str(max(len(bars), 1) * _FAILURE_ROW), bars=bars)


_FUNNEL_WIDTH: Final = 720
_FUNNEL_LABEL: Final = 170
_FUNNEL_VALUE: Final = 150
_FUNNEL_ROW: Final = 40
_FUNNEL_BAR: Final = 30


def funnel_chart(total: Counts) -> SvgChart:
    """The screening funnel, bars centred: screened, decided, eligible, eligible and signed."""
    steps = [
        (_("Screened"), total.screened, _GREY),
        (_("Decided"), total.decided, _BLUE),
        (_("Eligible"), total.eligible, _GREEN),
        (_("Eligible and signed"), total.signed_eligible, _DARK_GREEN),
    ]
    area = _FUNNEL_WIDTH - _FUNNEL_LABEL - _FUNNEL_VALUE
    bars = []
    for i, (label, value, fill) in enumerate(steps):
        width = area * value / total.screened if total.screened else 0
        left = _FUNNEL_LABEL + (area - width) / 2
        text = _("%(count)s (%(percent)s)") % {"count": value, "percent": _percent(value, total.screened)}
        bars.append(
            SvgBar(
                label=label,
                tooltip=_("%(label)s: %(value)s") % {"label": label, "value": text},
                value_text=text,
                x=_n(left),
                y=_n(i * _FUNNEL_ROW + (_FUNNEL_ROW - _FUNNEL_BAR) / 2),
                width=_n(width),
                height=_n(_FUNNEL_BAR),
                fill=fill,
                label_x=_n(_FUNNEL_LABEL - 8),
                value_x=_n(_FUNNEL_LABEL + area + 8),
                text_y=_n(i * _FUNNEL_ROW + _FUNNEL_ROW / 2),
            )
        )
    return SvgChart(width=str(_FUNNEL_WIDTH), height=str(len(bars) * _FUNNEL_ROW), bars=bars)
