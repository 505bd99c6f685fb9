"""The screening form's fields and table rows, written in Python (screening/form_rendering.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms, template
from django.forms.boundfield import BoundField
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from screening import form_rendering
from screening.templatetags.panel_marks import lab_row_mark, marks_for

register = template.Library()


@register.filter
def form_field(bound: BoundField) -> SafeString:
    """A field with its label, messages and help text (as crispy-forms' ``as_crispy_field``)."""
    return form_rendering.field_html(bound)


@register.filter
def field_columns(fields: list[BoundField]) -> SafeString:
    """A section's fields, each in a column of the grid."""
    return form_rendering.field_columns_html(fields)


@register.simple_tag
def formset_header(formset: forms.BaseFormSet[Any], empty_form: forms.BaseForm) -> SafeString:
    return form_rendering.header_html(formset, empty_form)


# The cells of rows shown as stored (not posted: no message), by the form's class, prefix
# and language, the row's values and its marks: the row forms' fields are declared on their
# class and not changed per form, so such cells read the same on every page. The blank rows
# (the extra rows to fill, the template of a row to add) are the same for every screening;
# a stored row, each time its screening is opened again.
_BLANK_ROWS: dict[tuple[str | None, str | None], SafeString] = {}
_STORED_ROWS: dict[tuple[Any, ...], SafeString] = {}
_STORED_ROWS_MAX = 5000  # rows kept (about 3 KB each)


def _initial_key(initial: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    # 2 and 2.0 are equal keys, not the same text ("2" and "2,0" are not written alike).
    return tuple(sorted((name, (type(value), repr(value))) for name, value in initial.items()))


@register.simple_tag(takes_context=True)
def row_cells(context: template.Context, form: forms.BaseForm, formset: forms.BaseFormSet[Any]) -> SafeString:
    # A lab row's value cell also carries the lab table's marks (used, too old, unit in doubt).
    marks = context.get("lab_row_marks")
    language = translation.get_language()
    blank = not form.is_bound and not form.initial and not marks_for(marks, form.prefix)
    blank_key = (form.prefix, language)
    if blank and blank_key in _BLANK_ROWS:
        return _BLANK_ROWS[blank_key]
    prefix = form_rendering.formset_prefix(formset)
    mark = lab_row_mark(form.prefix, marks) if prefix == "labs" else None
    stored_key = (type(form), form.prefix, language, _initial_key(form.initial), mark) if not form.is_bound else None
    if stored_key is not None and stored_key in _STORED_ROWS:
        return _STORED_ROWS[stored_key]
    cells = form_rendering.row_cells_html(form, prefix, after={"value": mark} if mark is not None else {})
    if blank and len(_BLANK_ROWS) < 1000:
        _BLANK_ROWS[blank_key] = cells
    elif stored_key is not None:
        if len(_STORED_ROWS) >= _STORED_ROWS_MAX:
            _STORED_ROWS.clear()
        _STORED_ROWS[stored_key] = cells
    return cells


@register.simple_tag(takes_context=True)
def formset_rows(context: template.Context, formset: forms.BaseFormSet[Any]) -> SafeString:
    """Every row of a formset's table, as ``_formset_row.html`` writes one (its row of
    cells, the row's own messages, the source of a lab result from the hospital), without
    an include per row."""
    rows = []
    for form in formset.forms:
        cells = row_cells(context, form, formset)
        errors = form.non_field_errors()
        rows.append(
            format_html(
                "<tr>{}{}</tr>\n",
                cells,
                format_html('<td class="text-danger small">{}</td>', " ".join(errors)) if errors else "",
            )
        )
        source = getattr(form, "lab_source", None)
        if source is not None:
            rows.append(
                format_html(
                    '<tr class="lab-source small text-muted"><td colspan="{}">{}</td></tr>\n',
                    len(form.visible_fields()),
                    render_to_string("screening/_lab_source.html", {"source": source}),
                )
            )
    return SafeString("".join(rows))


@register.simple_tag
def management_form(formset: forms.BaseFormSet[Any]) -> SafeString:
    return form_rendering.management_form_html(formset)


# A formset's table header by its class, prefix and language: the labels and help texts of
# its fields, the same on every page.
_HEADERS: dict[tuple[type, str, str | None], SafeString] = {}


@register.simple_tag(takes_context=True)
def formset_table(context: template.Context, formset: forms.BaseFormSet[Any]) -> SafeString:
    """A formset as a table, with its management form, its messages, the template of a row
    to add (screening.js copies it) and the "Add a row" button, written without an include:
    the header and the blank row to add are the same on every page, and built once.
    (The empty form, which both are built from, is built only when they are not.)"""
    prefix = form_rendering.formset_prefix(formset)
    language = translation.get_language()
    empty_forms: list[forms.BaseForm] = []

    def empty_form() -> forms.BaseForm:
        if not empty_forms:
            empty_forms.append(formset.empty_form)
        return empty_forms[0]

    header_key = (type(formset), prefix, language)
    header = _HEADERS.get(header_key)
    if header is None:
        header = form_rendering.header_html(formset, empty_form())
        if len(_HEADERS) < 100:
            _HEADERS[header_key] = header
    empty_row = _BLANK_ROWS.get((f"{prefix}-__prefix__", language))
    if empty_row is None:
        empty_row = row_cells(context, empty_form(), formset)
    errors = formset.non_form_errors()
    return format_html(
        "{management}\n{errors}\n"
        '<div class="table-responsive">\n'
        '<table class="table table-sm align-top formset formset-{prefix}" data-formset-prefix="{prefix}"{units}>\n'
        "  <thead>{header}</thead>\n"
        "  <tbody>\n"
        "  {rows}\n"
        "  </tbody>\n"
        "</table>\n"
        "</div>\n"
        '<template data-empty-row-for="{prefix}"><tr>{empty_row}</tr>\n\n</template>\n'
        '<button type="button" class="btn btn-outline-secondary btn-sm" data-add-row="{prefix}">{add_row}</button>\n',
        management=form_rendering.management_form_html(formset),
        errors=format_html('<div class="alert alert-danger">{}</div>', errors) if errors else "",
        prefix=prefix,
        units=format_html(' data-units="{}"', context.get("units_json", "")) if prefix == "labs" else "",
        header=header,
        rows=formset_rows(context, formset),
        empty_row=empty_row,
        add_row=gettext("Add a row"),
    )
