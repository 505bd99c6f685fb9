"""How the exchange format's refusals are written: the errors, their language, their style.

An error is a :class:`DocumentError`: the JSON Pointer of the offending field and a message
in the active language. Messages are translated with gettext (not gettext_lazy) when an
error is found, in the language active then (the request's; "en" for `manage.py screen`);
a valid document never calls gettext. Messages chosen from a table are marked with
gettext_noop and translated where they are used. The exchange format also runs as plain
Python, without Django set up (benchmarks/screen_throughput.py): messages are then English.

:func:`message_style` chooses how messages write what they quote: plainly (ISO dates, the
format's unit codes) by default, or as the web form shows it (:class:`LocalizedStyle`).
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
import math
import re
from collections.abc import Iterator
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Final, NamedTuple

from screening.rules import units

if TYPE_CHECKING:
    # What is used of Django, declared for mypy: importing Django here would have the
    # django-stubs plugin check models.py and settings.py along with these files, before
    # they are typed (issue 11). Drop this once mypy covers the whole app.

    def _django_gettext(message: str) -> str: ...

    apps: Any
    formats: Any
else:
    from django.apps import apps
    from django.utils import formats  # reads the settings when called, not when imported
    from django.utils.translation import gettext as _django_gettext


class DocumentError(NamedTuple):
    path: str  # JSON Pointer of the offending field ("" for the document itself)
    message: str  # in the active language: built by gettext when the error is found


def gettext(message: str) -> str:
    """``message`` in the active language; as written (English) when Django is not set up
    (exchange used as plain Python, as benchmarks/screen_throughput.py does)."""
    return _django_gettext(message) if apps.ready else message


def gettext_noop(message: str) -> str:
    """Marks a message for the catalogue, translated later with gettext (Django's own reads
    the settings, which importing this module must not need)."""
    return message


# --- how messages write dates, numbers, units and lab rows ---------------------------


class MessageStyle:
    """How refusal messages write what they quote: ISO dates, numbers as Python writes them
    (no thousands separator), the format's unit codes, and no row names (the JSON Pointer
    names the row). What ``manage.py screen`` and the JSON refusals print (exchange-format.md:
    "Dates are ISO"); the web form uses :class:`LocalizedStyle`."""

    names_rows = False

    def date(self, day: datetime.date) -> str:
        return day.isoformat()

    def number(self, value: float | int | Fraction, *, plain: bool = False) -> str:
        """``plain``: as an error message's range is written (:func:`units.plain_number_text`);
        otherwise ``format(value, "g")``."""
        if isinstance(value, Fraction):
            value = float(value)
        return units.plain_number_text(value) if plain else format(value, "g")

    def unit(self, unit: str) -> str:
        return unit

    def lab_row(self, test: str | None, day: datetime.date | None, number: int) -> str:
        """A lab row in its own words: its test and date ("creatinine of 2026-11-28")."""
        label = gettext(units.LAB_UNITS[test].label) if test is not None else gettext("lab result")
        if day is not None:
            return gettext("%(test)s of %(date)s") % {"test": label, "date": self.date(day)}
        return gettext("%(test)s (row %(number)s)") % {"test": label, "number": number}


class LocalizedStyle(MessageStyle):
    """The active language's formats (django.utils.formats: DD/MM/YYYY and a decimal comma in
    French), units as the form shows them (µmol/L, G/L, UI/L), and each lab row named by its
    test and date. Needs Django set up (the web form); plain :class:`MessageStyle` otherwise."""

    names_rows = True

    def date(self, day: datetime.date) -> str:
        if not apps.ready:
            return super().date(day)
        return str(formats.date_format(day, "SHORT_DATE_FORMAT"))

    def number(self, value: float | int | Fraction, *, plain: bool = False) -> str:
        if not apps.ready:
            return super().number(value, plain=plain)
        if isinstance(value, float) and not math.isfinite(value):
            return format(value, "g")
        # The decimal as written, trailing zeros dropped ("231", "0.1", "1,000,000"), then the
        # language's separators ("1 000 000", "0,1"). A comma or point between thousands is
        # left out: the form refuses "1,500" as ambiguous, so a message must not write it.
        text = units.number_text(value)
        decimal, thousands = formats.get_format("DECIMAL_SEPARATOR"), formats.get_format("THOUSAND_SEPARATOR")
        if thousands in {",", "."}:
            thousands = ""
        return text.replace(",", "\0").replace(".", decimal).replace("\0", thousands)

    def unit(self, unit: str) -> str:
        option = units.unit_option(unit)
        return gettext(units.UNIT_DISPLAY.get(option, option))


_STYLE: Final[contextvars.ContextVar[MessageStyle]] = contextvars.ContextVar("exchange_message_style")
_PLAIN_STYLE: Final = MessageStyle()


def current_style() -> MessageStyle:
    return _STYLE.get(_PLAIN_STYLE)


@contextlib.contextmanager
def message_style(style: MessageStyle) -> Iterator[None]:
    """Messages of the errors found inside the block written in ``style`` (the web form:
    ``message_style(LocalizedStyle())``); outside, plain (ISO dates, file codes)."""
    token = _STYLE.set(style)
    try:
        yield
    finally:
        _STYLE.reset(token)


def shown_date(day: datetime.date) -> str:
    return current_style().date(day)


def shown_number(value: float | int) -> str:
    return current_style().number(value)


def plain_number(value: float | int | Fraction) -> str:
    return current_style().number(value, plain=True)


# The labels of units.LAB_UNITS (screening/rules has no Django), for the catalogue.
LAB_LABELS: Final = (
    gettext_noop("hemoglobin"),
    gettext_noop("ANC"),
    gettext_noop("platelets"),
    gettext_noop("creatinine"),
    gettext_noop("albumin"),
    gettext_noop("total bilirubin"),
    gettext_noop("ALT"),
    gettext_noop("AST"),
)

LONE_SURROGATE: Final = re.compile("[\ud800-\udfff]")


def printable(text: str) -> str:
    """``text`` with each lone surrogate written as its escape (``\\ud800``): a refusal
    names the offending key or value, and must itself be encodable."""
    if text.isascii():
        return text
    return LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


_FLOAT_MAX: Final = 1.7976931348623157e308


def is_json_number(value: Any) -> bool:
    """A JSON number a float can hold (bools are not numbers)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return -_FLOAT_MAX <= value <= _FLOAT_MAX
    return isinstance(value, float) and math.isfinite(value)


def json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return gettext("a number")
    if isinstance(value, str):
        return gettext("a string")
    if isinstance(value, list):
        return gettext("a list")
    return gettext("an object")


def shown(value: Any) -> str:
    """A refused value as the message shows it."""
    if isinstance(value, str):
        return repr(value) if len(value) <= 40 else repr(value[:40] + "…")
    if is_json_number(value):
        return repr(value)
    return json_kind(value)


def either(choices: list[str]) -> str:
    """``a or b`` (as many as given; "" for none)."""
    text = choices[0] if choices else ""
    for choice in choices[1:]:
        text = gettext("%(first)s or %(second)s") % {"first": text, "second": choice}
    return text
