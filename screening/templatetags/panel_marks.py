"""The lab table's marks (screening.panel.lab_row_marks) for one row of the form."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def marks_for(marks: dict[int, list[dict[str, str]]] | None, prefix: str) -> list[dict[str, str]]:
    """The marks of the lab row whose form prefix is ``prefix`` ("labs-3"); none for an
    empty row's template ("labs-__prefix__") or another list's row."""
    name, _, index = str(prefix).rpartition("-")
    if not marks or name != "labs" or not index.isdigit():
        return []
    found: Any = marks.get(int(index), [])
    return list(found)
