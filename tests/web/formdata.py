"""POST data for the screening form from an `alter-screening/1` document: what a
coordinator would type, field by field (booleans as yes/no, decimal commas optional)."""

from __future__ import annotations

from typing import Any

from screening.document_mapping import LIST_FIELDS, SCALAR_FIELDS


def _text(value: Any, *, comma: bool) -> str:
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, float) and comma:
        return f"{value:g}".replace(".", ",")
    return str(value)


def form_data(
    document: dict[str, Any],
    *,
    version: int | None = None,
    comma: bool = False,
    extra_rows: int = 0,
    reason: str | None = None,
    confirm_identity: bool = False,
) -> dict[str, str]:
    """The form's POST data; ``reason`` is the reason for change typed, ``confirm_identity``
    the ticked confirmation that the identity of the same patient is corrected."""
    data: dict[str, str] = {}
    for field, path in SCALAR_FIELDS:
        node: Any = document
        for key in path:
            node = node.get(key) if isinstance(node, dict) else None
        data[field] = _text(node, comma=comma)
    for name, (path, fields) in LIST_FIELDS.items():
        node = document
        for key in path:
            node = node.get(key) if isinstance(node, dict) else None
        rows = node or []
        for i, row in enumerate(rows):
            if name == "drugs":
                data[f"{name}-{i}-name"] = row
            else:
                for f in fields:
                    data[f"{name}-{i}-{f}"] = _text(row.get(f), comma=comma)
        data[f"{name}-TOTAL_FORMS"] = str(len(rows) + extra_rows)
        data[f"{name}-INITIAL_FORMS"] = "0"
    if version is not None:
        data["version"] = str(version)
    if reason is not None:
        data["reason_for_change"] = reason
    if confirm_identity:
        data["confirm_identity_correction"] = "on"
    data["site"] = document.get("site", "")
    return data
