"""The lab table's marks (screening.panel.lab_row_marks) for one row of the form."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

register = template.Library()

_BADGES = {"used": "text-bg-primary", "unit_doubt": "text-bg-warning"}


@register.filter
def marks_for(marks: dict[int, list[dict[str, str]]] | None, prefix: str) -> list[dict[str, str]]:
    """The marks of the lab row whose form prefix is ``prefix`` ("labs-3"); none for an
    empty row's template ("labs-__prefix__") or another list's row."""
    name, _, index = str(prefix).rpartition("-")
    if not marks or name != "labs" or not index.isdigit():
        return []
    found: Any = marks.get(int(index), [])
    return list(found)


@register.simple_tag
def lab_row_mark(prefix: str, marks: dict[int, list[dict[str, str]]] | None, oob: bool = False) -> SafeString:
    """The marks beside a lab row's value (an empty box for the other rows of the lab
    table, that the live panel fills by id, out of band); nothing for the other lists."""
    if not str(prefix).startswith("labs-"):
        return SafeString("")
    badges = format_html_join(
        "",
        '<span class="badge {} text-wrap text-start" data-mark="{}"{}>{}</span>',
        (
            (
                _BADGES.get(mark["kind"], "text-bg-light border"),
                mark["kind"],
                format_html(' data-criterion="{}"', mark["criterion"]) if mark.get("criterion") else "",
                mark["text"],
            )
            for mark in marks_for(marks, prefix)
        ),
    )
    return format_html(
        '<div class="lab-row-mark small mt-1" id="mark-{}" data-testid="lab-row-mark"{}>{}</div>',
        prefix,
        SafeString(' hx-swap-oob="true"') if oob else "",
        badges,
    )
