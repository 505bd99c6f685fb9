"""The lab table's marks (screening.panel.lab_row_marks) for one row of the form."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString

register = template.Library()

_BADGES = {"used": "text-bg-primary", "unit_doubt": "text-bg-warning"}


@register.filter
def marks_for(marks: dict[int, list[dict[str, str]]] | None, prefix: str | None) -> list[dict[str, str]]:
    """The marks of the lab row whose form prefix is ``prefix`` ("labs-3"); none for an
    empty row's template ("labs-__prefix__"), another list's row or a form without prefix."""
    name, _, index = str(prefix).rpartition("-")
    if not marks or name != "labs" or not index.isdigit():
        return []
    found: Any = marks.get(int(index), [])
    return list(found)


@register.simple_tag
def lab_row_mark(prefix: str | None, marks: dict[int, list[dict[str, str]]] | None, oob: bool = False) -> SafeString:
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


@register.simple_tag
def criteria_list(groups: list[tuple[Any, list[dict[str, Any]]]], link_base: str = "") -> SafeString:
    """The panel's criteria, by group (inclusion, non-inclusion): each with its outcome (a
    word on a coloured badge), title, reason and the row it used, linked to the field or row
    that decides it when it failed or is missing. Written here rather than in the template:
    the page and the live panel show about 30 of them."""
    parts = []
    for group, rows in groups:
        items = []
        for row in rows:
            link = f"{link_base}#{row['anchor']}" if row["anchor"] else ""
            reason = (
                format_html('<a href="{}">{}</a>', link, row["reason"])
                if link and row["outcome"] in ("fail", "missing")
                else conditional_escape(row["reason"])
            )
            used = ""
            if row["used"]:
                used = format_html(
                    '<div class="ms-1 small" data-testid="row-used">{}</div>',
                    format_html('<a class="link-secondary" href="{}">{}</a>', link, row["used"])
                    if link
                    else row["used"],
                )
            items.append(
                format_html(
                    '<li class="criterion mb-1" data-criterion="{}" data-outcome="{}">'
                    '<span class="badge text-bg-{}">{}</span> <strong>{}</strong> {}'
                    '<div class="ms-1 text-body-secondary">{}</div>{}</li>',
                    row["id"],
                    row["outcome"],
                    row["badge"],
                    row["outcome_label"],
                    row["id"],
                    row["title"],
                    reason,
                    used,
                )
            )
        parts.append(
            format_html(
                '<h2 class="h6 mt-3">{}</h2><ul class="list-unstyled mb-0">{}</ul>', group, SafeString("".join(items))
            )
        )
    return SafeString("".join(parts))
