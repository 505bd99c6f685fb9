"""Numbers, dates and units as the reasons write them, in the active language.

French research staff write a decimal comma, a no-break space between thousands
(``100 000``), dates JJ/MM/AAAA (``shared/glossary-fr.md``); the active language's format
module gives the separators. A value that cannot be written raises :class:`Untranslatable`,
and the caller shows the rules' own English sentence instead.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any, Final

from django.utils.formats import date_format, get_format
from django.utils.functional import Promise
from django.utils.translation import gettext, ngettext, pgettext

from screening.rules import units

Params = dict[str, str]  # placeholders of a template, each value already written out

ISO_DATE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")


class Untranslatable(Exception):
    """The stored values do not fit the French template: the English reason is shown."""


def number(value: object, decimals: int | None = None) -> str:
    """1234.5 -> "1 234,5" in French, "1,234.5" in English: the number as the rules show
    it, from the decimal stored (the rules store each value as written or already rounded
    half up as they display it), or with ``decimals`` fixed, rounded half up (CrCl to 1
    decimal, weight to 1, creatinine to 2: spec, "a displayed number is the exact value
    rounded half up"), with the active language's separators (its format module)."""
    if isinstance(value, bool) or not isinstance(value, int | float | Fraction | Decimal):
        raise Untranslatable(value)
    if isinstance(value, float) and not math.isfinite(value):
        raise Untranslatable(value)
    text = units.number_text(value, decimals)
    separators = {ord(","): str(get_format("THOUSAND_SEPARATOR")), ord("."): str(get_format("DECIMAL_SEPARATOR"))}
    return text.translate(separators)


def percent(value: object) -> str:
    # Translators: a percentage; French puts a no-break space before the sign (55 %).
    return pgettext("percent", "%(number)s%%") % {"number": number(value)}


def day(value: object) -> datetime.date:
    """A date as the rules give it (datetime.date) or as stored in JSON (ISO string)."""
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str) and ISO_DATE.fullmatch(value):
        return datetime.date.fromisoformat(value)
    raise Untranslatable(value)


def date(value: object) -> str:
    """A date in the active language's short format (JJ/MM/AAAA in French)."""
    return date_format(day(value), "SHORT_DATE_FORMAT")


def days(count: object) -> str:
    if not isinstance(count, int) or isinstance(count, bool):
        raise Untranslatable(count)
    return ngettext("%(count)s day", "%(count)s days", count) % {"count": number(count)}


def reference(on: object, days_before: object) -> str:
    """R, which the values give as a date and its distance from R."""
    if not isinstance(days_before, int):
        raise Untranslatable(days_before)
    return date(day(on) + datetime.timedelta(days=days_before))


def join(items: Iterable[str]) -> str:
    """ "a, b and c", in the active language."""
    *rest, last = items  # never empty: callers join what they found
    if not rest:
        return last
    return gettext("%(items)s and %(last)s") % {"items": ", ".join(rest), "last": last}


def word(words: Mapping[Any, Promise], key: object) -> str:
    if key not in words:
        raise Untranslatable(key)
    return str(words[key])
