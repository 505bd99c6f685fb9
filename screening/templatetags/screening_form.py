"""The screening form's fields and table rows, written in Python (screening/form_rendering.py)."""

from __future__ import annotations

from django import forms, template
from django.forms.boundfield import BoundField
from django.utils.safestring import SafeString

from screening import form_rendering
from screening.templatetags.panel_marks import lab_row_mark

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
def formset_header(formset: forms.BaseFormSet, empty_form: forms.BaseForm) -> SafeString:
    return form_rendering.header_html(formset, empty_form)


@register.simple_tag(takes_context=True)
def row_cells(context: template.Context, form: forms.BaseForm, formset: forms.BaseFormSet) -> SafeString:
    # A lab row's value cell also carries the lab table's marks (used, too old, unit in doubt).
    after = {"value": lab_row_mark(form.prefix, context.get("lab_row_marks"))} if formset.prefix == "labs" else {}
    return form_rendering.row_cells_html(form, formset.prefix, after=after)


@register.simple_tag
def management_form(formset: forms.BaseFormSet) -> SafeString:
    return form_rendering.management_form_html(formset)
