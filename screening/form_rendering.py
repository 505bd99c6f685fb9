"""The screening form's HTML, written in Python: widgets, fields with their labels, table rows.

The screening page has about 180 fields for a typical screening and 720 for the largest
one the exchange format allows. Through templates (crispy-forms' Bootstrap 5 field
template, a dozen includes per field, and Django's widget templates, an include per
option) they took most of the page's time. These functions write the same Bootstrap 5
markup directly:

- :class:`WidgetRenderer`: Django's form renderer, with the widget templates of the form
  (inputs, selects, text areas) in Python. Any other template goes to the template engine.
- :func:`widget_html`: a bound field's widget, a fixed choice field's select with its
  options' HTML written once per language.
- :func:`field_html`: a field with its label, its messages (``is-invalid``, linked by
  ``aria-describedby``) and its help text, as crispy-forms' ``as_crispy_field`` writes it.
- :func:`row_cells_html`: the cells of a table row of the form (tumour samples, labs,
  pregnancy tests, drugs), each input with a label naming its column and row, which the
  table's header shows ("Test, row 3").

tests/web/test_limits_and_leaks.py compares the widgets' HTML with Django's templates.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

from django import forms
from django.forms.boundfield import BoundField
from django.forms.renderers import DjangoTemplates
from django.forms.widgets import Input
from django.utils import translation
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData, SafeString, mark_safe
from django.utils.translation import gettext

# --- widgets ------------------------------------------------------------------------


def _escape(value: Any) -> str:
    """``conditional_escape``: a plain string is escaped as Django's ``escape`` does (with
    ``html.escape``), without its check for lazy arguments, a thousand times per page."""
    if type(value) is str:
        return html.escape(value)
    return conditional_escape(value)


def _attrs_html(attrs: dict[str, Any]) -> str:
    """django/forms/widgets/attrs.html, in Python."""
    return "".join(
        f" {_escape(name)}" if value is True else f' {_escape(name)}="{_escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _input_html(widget: dict[str, Any]) -> str:
    """django/forms/widgets/input.html (text, date, hidden, checkbox...), in Python."""
    value = "" if widget["value"] is None else f' value="{_escape(widget["value"])}"'
    return (
        f'<input type="{_escape(widget["type"])}" name="{_escape(widget["name"])}"'
        f"{value}{_attrs_html(widget['attrs'])}>"
    )


def _option_html(value: Any, label: Any, *, selected: bool) -> str:
    # select_option.html ends with a newline, which its include keeps.
    return f'\n  <option value="{_escape(value)}"{" selected" if selected else ""}>{_escape(label)}</option>\n'


class _NotInPython(Exception):
    """A widget that the Python templates do not cover: Django's template renders it."""


_OPTION_TEMPLATE = "django/forms/widgets/select_option.html"

# (opening, [(option, option selected)], closing) per group of a select's options.
_Groups = list[tuple[str, list[tuple[str, str]], str]]


def _groups_html(optgroups: list[Any]) -> _Groups:
    groups = []
    for group_name, group_choices, _index in optgroups:
        options = []
        for option in group_choices:
            if option["template_name"] != _OPTION_TEMPLATE or set(option["attrs"]) - {"selected"}:
                raise _NotInPython
            options.append(
                (
                    _option_html(option["value"], option["label"], selected=False),
                    _option_html(option["value"], option["label"], selected=True),
                )
            )
        groups.append(
            (
                f'\n  <optgroup label="{_escape(group_name)}">' if group_name else "",
                options,
                "\n  </optgroup>" if group_name else "",
            )
        )
    return groups


# The options' HTML of each FixedChoiceField's select, per language (its choices never change).
_OPTIONS_HTML: dict[tuple[object, str | None], _Groups] = {}


def _select_html(widget: dict[str, Any]) -> str:
    """django/forms/widgets/select.html and select_option.html, in Python."""
    key = widget.get("options_key")
    if key is None:
        groups = _groups_html(widget["optgroups"])
    else:
        groups = _OPTIONS_HTML.get((key, translation.get_language()), [])
        if not groups:
            groups = _OPTIONS_HTML[key, translation.get_language()] = _groups_html(widget["optgroups"])
    parts = [f'<select name="{_escape(widget["name"])}"{_attrs_html(widget["attrs"])}>']
    # Which option is selected is Django's choice (ChoiceWidget.optgroups).
    for (opening, options, closing), (_name, group_choices, _index) in zip(groups, widget["optgroups"], strict=True):
        parts.append(opening)
        parts.extend(
            selected if option["attrs"].get("selected") else plain
            for (plain, selected), option in zip(options, group_choices, strict=True)
        )
        parts.append(closing)
    parts.append("\n</select>")
    return "".join(parts)


def _textarea_html(widget: dict[str, Any]) -> str:
    """django/forms/widgets/textarea.html, in Python."""
    value = _escape(widget["value"]) if widget["value"] else ""
    return f'<textarea name="{_escape(widget["name"])}"{_attrs_html(widget["attrs"])}>\n{value}</textarea>'


_PYTHON_WIDGETS = {
    **{
        f"django/forms/widgets/{name}.html": _input_html
        for name in ("input", "text", "date", "hidden", "checkbox", "number")
    },
    "django/forms/widgets/select.html": _select_html,
    "django/forms/widgets/textarea.html": _textarea_html,
}


class WidgetRenderer(DjangoTemplates):
    """Django's form renderer, with the widget templates of the screening form written in Python.

    The largest screening's page renders about 1,000 widgets and 2,000 options; through
    the template engine (an include per option, another per attribute list) that took
    most of the page's time. The Python functions write the same HTML as Django's
    templates (tests/web/test_limits_and_leaks.py compares them); any other template goes
    to the template engine as before.
    """

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        python = _PYTHON_WIDGETS.get(template_name)
        if python is not None:
            try:
                return python(context["widget"])
            except _NotInPython:
                pass
        return str(super().render(template_name, context, request))


WIDGET_RENDERER = WidgetRenderer()


# A select's options as HTML, per language and choices: [(value as posted, option, option
# selected)] per (opening, closing) group of options.
_SelectGroups = list[tuple[str, list[tuple[str, str, str]], str]]
_SELECT_OPTIONS: dict[Any, _SelectGroups] = {}
_SELECT_OPTIONS_MAX = 2000  # distinct choice lists kept (a few dozen in use)


def _label_key(label: Any) -> Any:
    # A safe string is not escaped again: its HTML differs from the same text's.
    return label if type(label) is str else (str(label), isinstance(label, SafeData))


def _value_key(value: Any) -> Any:
    # 1 and True are equal keys, not the same option.
    return value if type(value) is str else (type(value), repr(value))


def _choices_key(widget: forms.Select) -> Any:
    """What a select's options' HTML depends on: the language and its choices (those of a
    screening.forms.Select never change: its ``options_key`` stands for them)."""
    options_key = getattr(widget, "options_key", None)
    if options_key is not None:
        return options_key, translation.get_language()
    return translation.get_language(), tuple(
        (
            _value_key(value),
            tuple((_value_key(v), _label_key(sub)) for v, sub in label)
            if isinstance(label, list | tuple)
            else _label_key(label),
        )
        for value, label in widget.choices
    )


def _select_groups(widget: forms.Select) -> _SelectGroups:
    """ChoiceWidget.optgroups's groups and options, without a selection, as HTML."""
    groups: _SelectGroups = []
    for option_value, option_label in widget.choices:
        if isinstance(option_label, list | tuple):
            name, choices = option_value, option_label
        else:
            name, choices = None, [("" if option_value is None else option_value, option_label)]
        groups.append(
            (
                f'\n  <optgroup label="{_escape(name)}">' if name else "",
                [
                    (
                        str(value),
                        _option_html(value, label, selected=False),
                        _option_html(value, label, selected=True),
                    )
                    for value, label in choices
                ],
                "\n  </optgroup>" if name else "",
            )
        )
    return groups


def _fast_select_html(widget: forms.Select, name: str, value: Any, attrs_html: str) -> str:
    """Select.render with Django's templates, without a context and a template per option:
    the options' HTML written once per language and choices, only the selection per field."""
    key = _choices_key(widget)
    groups = _SELECT_OPTIONS.get(key)
    if groups is None:
        if len(_SELECT_OPTIONS) >= _SELECT_OPTIONS_MAX:
            _SELECT_OPTIONS.clear()
        groups = _SELECT_OPTIONS[key] = _select_groups(widget)
    values = widget.format_value(value)
    parts = [f'<select name="{_escape(name)}"{attrs_html}>']
    # As ChoiceWidget.optgroups: the first option whose value is the field's is selected.
    has_selected = False
    for opening, options, closing in groups:
        parts.append(opening)
        for option_value, plain, selected in options:
            if not has_selected and option_value in values:
                has_selected = True
                parts.append(selected)
            else:
                parts.append(plain)
        parts.append(closing)
    parts.append("\n</select>")
    return "".join(parts)


# The widgets written without a context, a template or a renderer: Django's inputs, check
# boxes, text areas and selects, and their subclasses that keep Django's methods writing the
# HTML (a ``format_value`` of their own is used as Django would). screening.forms.Select's
# ``get_context`` adds only its options_key.
_BASES: tuple[tuple[type, str, frozenset[str]], ...] = (
    (forms.CheckboxInput, "checkbox", frozenset({"django/forms/widgets/checkbox.html"})),
    (forms.Textarea, "textarea", frozenset({"django/forms/widgets/textarea.html"})),
    (forms.Select, "select", frozenset({"django/forms/widgets/select.html"})),
    (
        Input,
        "input",
        frozenset(
            f"django/forms/widgets/{name}.html" for name in ("input", "text", "date", "hidden", "number", "email")
        ),
    ),
)
_HTML_METHODS = ("render", "_render", "build_attrs", "get_context", "optgroups", "create_option")
_OWN_CONTEXT = frozenset({"screening.forms.Select"})


def _kind_of(widget_type: type) -> tuple[str, frozenset[str]] | None:
    found = next((entry for entry in _BASES if issubclass(widget_type, entry[0])), None)
    if found is None:
        return None
    base, kind, templates = found
    dotted = f"{widget_type.__module__}.{widget_type.__qualname__}"
    for method in _HTML_METHODS:
        if method == "get_context" and dotted in _OWN_CONTEXT:
            continue
        if getattr(widget_type, method, None) is not getattr(base, method, None):
            return None
    return kind, templates


_KINDS: dict[type, tuple[str, frozenset[str]] | None] = {}


# The HTML of a widget's attributes but its id (always the last one here), by the attributes.
_ATTRS_HTML: dict[tuple[tuple[str, Any], ...], str] = {}
_ATTRS_HTML_MAX = 5000  # distinct attribute sets kept (a few dozen in use)


def _attrs_html_cached(attrs: dict[str, Any]) -> str:
    key = tuple(attrs.items())
    html = _ATTRS_HTML.get(key)
    if html is None:
        if len(_ATTRS_HTML) >= _ATTRS_HTML_MAX:
            _ATTRS_HTML.clear()
        html = _ATTRS_HTML[key] = _attrs_html(attrs)
    return html


def widget_html(bound: BoundField, attrs: dict[str, Any] | None = None) -> str:
    """``bound.as_widget(attrs=attrs)``: the same HTML, written directly for the widgets of
    the screening form (any other goes through Django's ``as_widget``)."""
    widget = bound.field.widget
    widget_type = type(widget)
    if widget_type not in _KINDS:
        _KINDS[widget_type] = _kind_of(widget_type)
    known = _KINDS[widget_type]
    auto_id = bound.auto_id
    if (
        known is None
        or widget.template_name not in known[1]
        or bound.form.renderer is not WIDGET_RENDERER
        or bound.field.localize
        or not auto_id
        or "id" in widget.attrs
        or (
            known[0] == "select" and (widget.allow_multiple_selected or widget.option_template_name != _OPTION_TEMPLATE)
        )
    ):
        return str(bound.as_widget(attrs=attrs))
    kind = known[0]
    # As BoundField.as_widget and Widget.build_attrs: the widget's attributes, then the field's.
    final = bound.build_widget_attrs(attrs or {}, widget)
    id_html = f' id="{_escape(final.pop("id", auto_id))}"'
    merged = {**widget.attrs, **final}
    name = bound.html_name
    value = bound.value()
    if kind == "select":
        return _fast_select_html(widget, name, value, _attrs_html_cached(merged) + id_html)
    if kind == "textarea":
        text = widget.format_value(value)
        return (
            f'<textarea name="{_escape(name)}"{_attrs_html_cached(merged)}{id_html}>\n'
            f"{_escape(text) if text else ''}</textarea>"
        )
    checked = " checked" if kind == "checkbox" and widget.check_test(value) else ""
    text = widget.format_value(value)
    value_html = "" if text is None else f' value="{_escape(text)}"'
    return (
        f'<input type="{_escape(widget.input_type)}" name="{_escape(name)}"{value_html}'
        f"{_attrs_html_cached(merged)}{id_html}{checked}>"
    )


# --- fields with their labels, messages and help texts -------------------------------

# A label's or help text's text in a language, by the lazy translation it is: a field's
# label is one object shared by every copy of the field (every form, every row), while
# reading a lazy translation costs a catalogue lookup each time. The object is kept with
# its text, so that an id reused by another object is never taken for it.
_TEXTS: dict[tuple[int, str | None, bool], tuple[object, str]] = {}
_TEXTS_MAX = 5000  # distinct labels and help texts kept (a few hundred in use)


def _text(text: Any, *, capitalized: bool = False) -> str:
    """``text`` in the active language, HTML-escaped (a safe string is not escaped again),
    with its first letter upper-case if ``capitalized``."""
    if type(text) is str:
        return _escape(_capfirst(text) if capitalized else text)
    key = (id(text), translation.get_language(), capitalized)
    known = _TEXTS.get(key)
    if known is not None and known[0] is text:
        return known[1]
    value = _escape(_capfirst(text) if capitalized else text)
    if len(_TEXTS) >= _TEXTS_MAX:
        _TEXTS.clear()
    _TEXTS[key] = (text, value)
    return value


def _control_class(widget: forms.Widget) -> str:
    if isinstance(widget, forms.CheckboxInput):
        return "form-check-input"
    if isinstance(widget, forms.Select):
        return "form-select"
    return "form-control"


def _errors_html(bound: BoundField, *, block: bool) -> str:
    """The field's messages, each in a span of the element that aria-describedby names."""
    return (
        f'<div id="{bound.auto_id}_error" class="invalid-feedback{" d-block" if block else ""}">'
        + "".join(
            f'<span id="error_{n}_{bound.auto_id}"><strong>{_escape(error)}</strong></span>'
            for n, error in enumerate(bound.errors, start=1)
        )
        + "</div>"
    )


def _described_by(*ids: str | None) -> dict[str, str]:
    described = " ".join(i for i in ids if i)
    return {"aria-describedby": described} if described else {}


# The HTML of a field of a form shown as stored (not posted: no message), by what it is
# written from: the form's class, prefix and field, the language, and the field's value.
# The screening form's fields are declared once on its class and not changed per form (but
# the version's, which is hidden), so two such fields with the same value read the same:
# a screening opened again, or another one, mostly holds values already written ("not yet
# known", "no"). The field's label and help text are kept, and must be the same objects.
_FIELDS: dict[tuple[Any, ...], tuple[object, object, SafeString]] = {}
_FIELDS_MAX = 20_000  # fields kept (about 600 bytes each)


def field_html(bound: BoundField) -> SafeString:
    """A field as crispy-forms' Bootstrap 5 ``as_crispy_field`` writes it: a wrapper
    ``div_id_<name>``, the label, the widget (``is-invalid`` when refused), the messages and
    the help text, both named by the widget's ``aria-describedby``."""
    widget = bound.field.widget
    if widget.is_hidden:
        return mark_safe(widget_html(bound))  # noqa: S308 (escaped by the widget's renderer)
    if bound.form.is_bound:
        return _field_html(bound)
    field = bound.field
    key = (
        type(bound.form),
        bound.form.prefix,
        bound.name,
        translation.get_language(),
        _value_key(bound.value()),
        field.required,
        field.disabled,
    )
    known = _FIELDS.get(key)
    if known is not None and known[0] is field.label and known[1] is field.help_text:
        return known[2]
    html = _field_html(bound)
    if len(_FIELDS) >= _FIELDS_MAX:
        _FIELDS.clear()
    _FIELDS[key] = (field.label, field.help_text, html)
    return html


def _field_html(bound: BoundField) -> SafeString:
    widget = bound.field.widget
    auto_id = bound.auto_id
    errors = bound.errors
    css = " ".join(c for c in (widget.attrs.get("class"), _control_class(widget), "is-invalid" if errors else "") if c)
    help_id = f"{auto_id}_helptext" if bound.help_text else None
    attrs = {"class": css, **_described_by(f"{auto_id}_error" if errors else None, help_id)}
    control = widget_html(bound, attrs)
    required = bound.field.required
    label = _text(bound.label)
    asterisk = '<span class="asteriskField">*</span>' if required else ""
    messages = _errors_html(bound, block=False) if errors else ""
    help_text = f'<div id="{help_id}" class="form-text">{_text(bound.help_text)}</div>' if help_id else ""
    if isinstance(widget, forms.CheckboxInput):
        html = (
            f'<div class="mb-3"><div id="div_{auto_id}" class="form-check">{control}'
            f'<label for="{bound.id_for_label}" class="form-check-label{" requiredField" if required else ""}">'
            f"{label}{asterisk}</label>{messages}{help_text}</div></div>"
        )
    else:
        html = (
            f'<div id="div_{auto_id}" class="mb-3">'
            f'<label for="{bound.id_for_label}" class="form-label{" requiredField" if required else ""}">'
            f"{label}{asterisk}</label>{control}{messages}{help_text}</div>"
        )
    return mark_safe(html)  # noqa: S308 (every value above is escaped)


# Fields shown only while another field does not have a value: (that field, the value).
# Brain metastases' details are asked when they are present or not yet known.
SHOWN_UNLESS: dict[str, tuple[str, str]] = {
    name: ("brain_metastases_present", "false")
    for name in (
        "brain_metastases_treated",
        "brain_metastases_symptomatic",
        "brain_metastases_corticosteroids_ongoing",
        "brain_metastases_stable_on_mri",
        "brain_metastases_last_local_treatment_date",
    )
}


def field_columns_html(fields: list[BoundField]) -> SafeString:
    """A section's fields in the grid's columns; a dependent field's column says on what it
    depends (screening.js hides it then; without the script every question stays shown)."""
    parts = []
    for bound in fields:
        depends = SHOWN_UNLESS.get(bound.name)
        if depends is None:
            parts.append(f'<div class="col-md-6 col-xl-4">{field_html(bound)}</div>')
            continue
        other, value = depends
        parts.append(
            f'<div class="col-md-6 col-xl-4" data-shown-unless="{bound.form.add_prefix(other)}={value}">'
            f"{field_html(bound)}</div>"
        )
    return mark_safe("".join(parts))  # noqa: S308 (field_html escapes)


# --- table rows ----------------------------------------------------------------------

# The empty row's number, replaced by the page's script with the row's when it adds one.
ROW_NUMBER_PLACEHOLDER = "__row__"


def _row_number(form: forms.BaseForm) -> str:
    index = str(form.prefix).rsplit("-", 1)[-1]
    return str(int(index) + 1) if index.isdigit() else ROW_NUMBER_PLACEHOLDER


def column_help_id(prefix: str, name: str) -> str:
    """The id of a column's help text in the table's header."""
    return f"{prefix}-{name}-help"


def _capfirst(text: object) -> str:
    string = str(text)
    return string[:1].upper() + string[1:]


def formset_prefix(formset: forms.BaseFormSet[Any]) -> str:
    """The formset's prefix ("labs"), never None once it is built (BaseFormSet falls back on
    its default prefix, as here), although its declared type allows None."""
    return formset.prefix or formset.get_default_prefix()


def header_html(formset: forms.BaseFormSet[Any], empty_form: forms.BaseForm) -> SafeString:
    """The table's header: a column per visible field (of the formset's ``empty_form``),
    with the field's help text."""
    cells = []
    for bound in empty_form.visible_fields():
        help_text = ""
        if bound.help_text:
            help_text = (
                f'<div class="form-text fw-normal" id="{column_help_id(formset_prefix(formset), bound.name)}">'
                f"{_text(bound.help_text)}</div>"
            )
        cells.append(
            f'<th class="small column-{_escape(bound.name)}" scope="col">'
            f"{_text(bound.label, capitalized=True)}{help_text}</th>"
        )
    return mark_safe(f"<tr>{''.join(cells)}</tr>")  # noqa: S308 (escaped above)


def row_cells_html(form: forms.BaseForm, prefix: str, *, after: Mapping[str, str] | None = None) -> SafeString:
    """The cells of a table row: each widget with a visually hidden label naming the column
    and the row ("Test, row 3"), its messages below it, then ``after[field]`` (safe HTML)."""
    row = _row_number(form)
    # Escaping is per character: the escaped format with escaped values is the escaped text.
    label_format = _text(gettext("%(label)s, row %(row)s"))
    cells = []
    for bound in form.visible_fields():
        widget = bound.field.widget
        errors = bound.errors
        css = widget.attrs.get("class") or _control_class(widget)
        help_id = column_help_id(prefix, bound.name) if bound.help_text else None
        attrs = {
            "class": f"{css} is-invalid" if errors else css,
            **_described_by(f"{bound.auto_id}_error" if errors else None, help_id),
        }
        label = label_format % {"label": _text(bound.label, capitalized=True), "row": _escape(row)}
        label_html = f'<label class="visually-hidden" for="{bound.id_for_label}">{label}</label>'
        control = widget_html(bound, attrs)
        if isinstance(widget, forms.CheckboxInput):
            control = f'<div class="form-check">{control}{label_html}</div>'
        else:
            control = label_html + control
        extra = (after or {}).get(bound.name, "")
        cells.append(f"<td>{control}{_errors_html(bound, block=True) if errors else ''}{extra}</td>")
    return mark_safe("".join(cells))  # noqa: S308 (escaped above and by the widgets)


def management_form_html(formset: forms.BaseFormSet[Any]) -> SafeString:
    """``{{ formset.management_form }}``: its hidden inputs (through Django's template when
    it has messages, a tampered form's)."""
    if not formset.is_bound and formset.auto_id == "id_%s":
        # Its four counts, as ManagementForm's hidden inputs write them, without building it.
        prefix = formset_prefix(formset)
        counts = (
            ("TOTAL_FORMS", formset.total_form_count()),
            ("INITIAL_FORMS", formset.initial_form_count()),
            ("MIN_NUM_FORMS", formset.min_num),
            ("MAX_NUM_FORMS", formset.max_num),
        )
        return mark_safe(  # noqa: S308 (escaped)
            "".join(
                f'<input type="hidden" name="{_escape(f"{prefix}-{name}")}" value="{count}"'
                f' id="id_{_escape(f"{prefix}-{name}")}">'
                for name, count in counts
            )
        )
    management = formset.management_form
    if management.errors:
        return mark_safe(str(management))  # noqa: S308 (Django's rendering)
    return mark_safe("".join(widget_html(bound) for bound in management))  # noqa: S308 (escaped by widget_html)
