"""The screening form: what coordinators type, turned into an `alter-screening/1` document.

Fields parse what a person types (French decimal commas, ``100 000``, DD/MM/YYYY); the
exchange format then validates the document as a whole, exactly as for a JSON import,
and its errors are shown next to the fields they name.
"""

from __future__ import annotations

import copy
import math
import re
import uuid
from typing import Any, TypeVar, cast
from urllib.parse import urlencode

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import QuerySet
from django.forms import BaseFormSet, formset_factory
from django.http import HttpRequest, QueryDict
from django.utils import formats, translation
from django.utils.functional import lazy
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.debug import sensitive_variables
from django_stubs_ext import StrOrPromise

from screening import document_mapping, exchange
from screening.form_rendering import WIDGET_RENDERER
from screening.models import LabTest, PregnancyTest, Screening, SignatureMeaning, Site, TumourSample
from screening.reasons import criterion_title
from screening.reporting.screening_log import LogFilter
from screening.rules import limits, units
from screening.rules.document import DRUGS_MAX, LABS_MAX, PREGNANCY_TESTS_MAX, TUMOUR_SAMPLES_MAX
from screening.rules.ruleset import RULESETS
from screening.unit_display import display_unit

DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d.%m.%Y"]

REASON_MAX_LENGTH = 1000

# "1,500" may be one and a half (French) or fifteen hundred (English): refuse to guess.
_AMBIGUOUS_THOUSANDS = re.compile(r"^-?\d{1,3}(,\d{3})+$")
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]")


def _number_text(value: str) -> str:
    """Typed number -> Python syntax: decimal comma accepted, spaces as thousands dropped."""
    text = _SPACES.sub("", value)
    if _AMBIGUOUS_THOUSANDS.match(text):
        raise ValidationError(
            _("“%(value)s” is ambiguous: write 1500 for fifteen hundred, or 1,5 for one and a half."),
            code="ambiguous",
            params={"value": value},
        )
    return text.replace(",", ".")


class TextInput(forms.TextInput):
    """A number's text input: a stored number is shown in the active language's format, the
    decimal as written ("11,2" in French, "231" and "61" rather than "231.0" and "61.0");
    what a person typed is shown as typed. No thousands separator: the field refuses
    "1,500" as ambiguous, and writes nothing it would refuse.

    Named ``TextInput``: crispy-forms adds the widget's class name to its CSS classes.
    """

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, float | int) and not isinstance(value, bool) and math.isfinite(value):
            text = units.number_text(value).replace(",", "")
            return text.replace(".", str(formats.get_format("DECIMAL_SEPARATOR")))
        return super().format_value(value)


class DecimalCommaFloatField(forms.FloatField):
    """A number as French and English labs write it: ``11,2`` or ``11.2``, ``100 000``."""

    widget = TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})

    # (Django's FloatField is an IntegerField whose to_python returns a float: the stubs' own
    # FloatField.to_python carries the same ignore.)
    def to_python(self, value: Any) -> float | None:  # type: ignore[override]  # as FloatField's
        if isinstance(value, str):
            value = _number_text(value)
        return super().to_python(value)


class DecimalCommaIntegerField(forms.IntegerField):
    """A whole number; ``1,0`` is 1, ``1,5`` is refused with the field's message."""

    widget = forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})

    def to_python(self, value: Any) -> int | None:
        if isinstance(value, str):
            value = _number_text(value)
        return super().to_python(value)


class Select(forms.Select):
    """The select of a :class:`FixedChoiceField`: WidgetRenderer writes its options' HTML
    once per language (``options_key``, shared by the copies of one field's widget).

    Named ``Select``: crispy-forms adds the widget's class name to its CSS classes.
    """

    def __init__(self, attrs: dict[str, Any] | None = None, choices: Any = ()) -> None:
        super().__init__(attrs, choices)
        self.options_key = object()

    def __deepcopy__(self, memo: dict[int, Any]) -> Select:
        # As forms.Select's copy, the choices shared rather than copied and normalized again.
        copied = copy.copy(self)
        copied.attrs = self.attrs.copy()
        memo[id(self)] = copied
        return copied

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context(name, value, attrs)
        context["widget"]["options_key"] = self.options_key
        return context


class FixedChoiceField(forms.ChoiceField):
    """A choice field whose choices never change: each form shares them.

    Django deep-copies a form's fields for each form, a ChoiceField's choices included
    (their labels are lazy translations, slow to copy); the largest screening's page builds
    about 140 row forms, a unit list of about 30 choices in each lab row. Its select's
    options are written once per language (:class:`Select`).
    """

    widget = Select

    def __deepcopy__(self, memo: dict[int, Any]) -> FixedChoiceField:
        # forms.Field's copy (widget, messages, validators), without ChoiceField's deep copy of the choices.
        result: FixedChoiceField = forms.Field.__deepcopy__(self, memo)  # type: ignore[attr-defined]  # not in the stubs
        return result


class FixedTypedChoiceField(forms.TypedChoiceField):
    """A :class:`FixedChoiceField` whose value is coerced (yes / no / not yet known, ECOG, the
    model's choices): the screening form has about 40 of them."""

    widget = Select

    def __deepcopy__(self, memo: dict[int, Any]) -> FixedTypedChoiceField:
        result: FixedTypedChoiceField = forms.Field.__deepcopy__(self, memo)  # type: ignore[attr-defined]  # not in the stubs
        return result


YES_NO_UNKNOWN = [("", _("not yet known")), ("true", _("yes")), ("false", _("no"))]


def _yes_no(label: StrOrPromise) -> forms.TypedChoiceField:
    return FixedTypedChoiceField(
        label=label,
        required=False,
        choices=YES_NO_UNKNOWN,
        empty_value=None,
        coerce=lambda v: {"true": True, "false": False}[v],
    )


def _date(label: StrOrPromise, required: bool = False) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        input_formats=DATE_INPUT_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class ScreeningForm(forms.ModelForm[Screening]):
    """Every scalar field of the screening, in the order of the spec's sections."""

    default_renderer = WIDGET_RENDERER

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # A fresh key per page: a repeated POST of the same page is the same save (idempotent).
    save_key = forms.UUIDField(widget=forms.HiddenInput, required=False)
    reason_for_change = forms.CharField(
        label=_("Reason for change"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Needed when you change or delete a value saved before (not when you fill a blank or add a "
            "row); recorded with each change in the history."
        ),
    )
    confirm_identity_correction = forms.BooleanField(
        label=_("This corrects the identity of the same patient (initials, date of birth or sex)"), required=False
    )

    class Meta:
        model = Screening
        fields = [field for field, _path in document_mapping.SCALAR_FIELDS]

    # Filled in once below (_declare_scalar_fields): the fields people type into.
    yes_no_fields: tuple[str, ...] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in self.yes_no_fields:
            if name in self.initial:
                value = self.initial[name]
                self.initial[name] = "true" if value is True else "false" if value is False else ""
        if not self.is_bound:
            self.initial["save_key"] = uuid.uuid4()
        if self.instance.pk:
            # An edit names the version it started from: without it a save could overwrite a
            # newer one unseen (no lost updates).
            self.fields["version"].initial = self.instance.version
            self.fields["version"].required = True
            self.fields["version"].error_messages["required"] = _(
                "This page is missing the version it was opened at: reload the screening and enter your changes again."
            )

    def clean_initials(self) -> str:
        # Initials, never a name: letters, with a hyphen or space for compound ones.
        initials = str(self.cleaned_data["initials"]).upper()
        if not re.fullmatch(r"[A-ZÀ-ÖØ-Þ\- ]*", initials):
            raise ValidationError(_("Initials are letters only (a hyphen or space allowed)."), code="initials")
        return initials

    def _post_clean(self) -> None:
        # The model instance is not changed by the form: services.screening_save stores the
        # validated document. (ModelForm would otherwise copy the values onto the instance.)
        pass


def _declare_scalar_fields(form: type[ScreeningForm]) -> None:
    """The screening's fields as coordinators type them (yes / no / not yet known, dates in
    French or ISO, decimal commas), declared once on the class: Django copies them for each
    form, rather than each form building them again."""
    fields = form.base_fields
    yes_no = []
    for model_field in Screening._meta.get_fields():
        # (The reverse relations, which have no verbose name, are not fields of the form.)
        if not isinstance(model_field, models.Field) or model_field.name not in fields:
            continue
        name = model_field.name
        label = capfirst(model_field.verbose_name)
        internal = model_field.get_internal_type()
        if internal == "BooleanField":
            fields[name] = _yes_no(label)
            yes_no.append(name)
        elif internal == "DateField":
            fields[name] = _date(label, required=name == "assessment_date")
        elif internal == "FloatField":
            fields[name] = DecimalCommaFloatField(label=label, required=False)
        elif name == "amenorrhea_months":
            fields[name] = DecimalCommaIntegerField(label=label, required=False)
    for name, field in fields.items():
        # The model's choice fields (sex, extent, LVEF method), their choices shared by every form.
        if type(field) is forms.TypedChoiceField:
            fields[name] = FixedTypedChoiceField(
                label=field.label,
                required=field.required,
                choices=field.choices,
                coerce=field.coerce,
                empty_value=field.empty_value,
                help_text=field.help_text,
            )
    fields["ecog"] = FixedTypedChoiceField(
        label=_("ECOG performance status"),
        required=False,
        empty_value=None,
        coerce=int,
        choices=[("", _("not yet known"))] + [(str(i), str(i)) for i in range(5)],
    )
    fields["initials"].widget.attrs.update(
        {"autocomplete": "off", "class": "text-uppercase", "maxlength": str(limits.INITIALS_MAX_CHARS)}
    )
    fields["initials"].validators.append(MaxLengthValidator(limits.INITIALS_MAX_CHARS))
    form.yes_no_fields = tuple(yes_no)


_declare_scalar_fields(ScreeningForm)


class _RowForm(forms.Form):
    """A row of a table of the form: compact Bootstrap controls."""

    default_renderer = WIDGET_RENDERER

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.Select):
                widget.attrs["class"] = "form-select form-select-sm"
            elif not isinstance(widget, forms.CheckboxInput):
                widget.attrs["class"] = "form-control form-control-sm"


class TumourSampleForm(_RowForm):
    site = FixedChoiceField(
        label=_("sample site"), required=False, choices=[("", "—"), *TumourSample.SampleSite.choices]
    )
    laterality = FixedChoiceField(
        label=_("laterality"), required=False, choices=[("", "—"), *TumourSample.Laterality.choices]
    )
    date = _date(_("date"))
    er_percent = DecimalCommaFloatField(label=_("ER (%)"), required=False)
    pr_percent = DecimalCommaFloatField(label=_("PR (%)"), required=False)
    her2_ihc = FixedChoiceField(label=_("HER2 IHC"), required=False, choices=[("", "—"), *TumourSample.Her2Ihc.choices])
    her2_ish = FixedChoiceField(label=_("HER2 ISH"), required=False, choices=[("", "—"), *TumourSample.Her2Ish.choices])


def unit_label(unit: str) -> StrOrPromise:
    """How ``unit`` reads on screen: its option's label (``umol/L`` reads µmol/L), lazily:
    the unit lists are built once, and read in each request's language."""
    return lazy(display_unit, str)(unit)


def unit_choices(test: str) -> list[tuple[str, StrOrPromise]]:
    """The options of one test's unit list: each unit once."""
    return [(u, unit_label(u)) for u in units.unit_options(test)]


def _unit_choices() -> list[tuple[Any, Any]]:
    """Units grouped by test; the page's script shows only the selected test's group."""
    groups: list[tuple[Any, Any]] = [("", "—")]
    for test, label in LabTest.choices:
        groups.append((label, unit_choices(test)))
    return groups


# Every spelling the exchange format accepts for some test: a form posting one (a page of
# an older version, a test client) is read as the format reads it.
_ACCEPTED_UNITS: frozenset[str] = frozenset(u for spec in units.LAB_UNITS.values() for u in spec.divisors)


class UnitSelect(Select):
    """A unit list whose stored value may be a synonym of its option (``umol/L`` stored,
    ``µmol/L`` offered): that option shows selected; the unit, and its meaning, are the same."""

    # (A choice widget's value is a list: the stubs' ChoiceWidget.format_value carries the same ignore.)
    def format_value(self, value: Any) -> list[str]:  # type: ignore[override]  # as ChoiceWidget's
        return [units.unit_option(v) for v in super().format_value(value)]


class UnitChoiceField(FixedChoiceField):
    """A unit among the options, or any other spelling the exchange format accepts (kept as posted)."""

    widget = UnitSelect

    def valid_value(self, value: Any) -> bool:
        return value in _ACCEPTED_UNITS or bool(super().valid_value(value))


class LabResultForm(_RowForm):
    test = FixedChoiceField(label=_("test"), choices=[("", "—"), *LabTest.choices])
    value = DecimalCommaFloatField(label=_("value"))
    # Computed once (the labels stay lazy, translated when shown): the page has a unit list per row.
    # Not required here: a row without its unit is refused by the exchange format, at the
    # unit, with the row named ("ANC of 28/11/2026: choose its unit"); no unit is assumed.
    unit = UnitChoiceField(label=_("unit"), required=False, choices=_unit_choices())
    uln = DecimalCommaFloatField(
        label=_("ULN"), required=False, help_text=_("required for bilirubin, ALT and AST, in the unit of the value")
    )
    date = _date(_("date"), required=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].widget.attrs["data-units-by-test"] = "true"


class PregnancyTestForm(_RowForm):
    result = FixedChoiceField(label=_("result"), choices=[("", "—"), *PregnancyTest.Result.choices])
    type = FixedChoiceField(label=_("type"), required=False, choices=[("", "—"), *PregnancyTest.Type.choices])
    date = _date(_("date"), required=True)


class PriorDrugForm(_RowForm):
    name = forms.CharField(label=_("drug"), max_length=200)


_RowFormT = TypeVar("_RowFormT", bound=_RowForm)


def _row_formset(form: type[_RowFormT], *, limit: int, extra: int = 1) -> type[BaseFormSet[_RowFormT]]:
    """The formset of one of the document's lists, rows deletable.

    At most twice the exchange format's ``limit`` of the list: rows added beyond the limit
    (up to twice it) reach the document's own message ("at most 60 items"); a post claiming
    more rows builds no more forms than this, and says so ("Please submit at most 120
    forms"), instead of building and rendering Django's default of up to 2,000 forms per list."""
    return formset_factory(  # type: ignore[call-arg]  # the stubs lack formset_factory's renderer
        form, extra=extra, can_delete=True, max_num=2 * limit, absolute_max=2 * limit, renderer=WIDGET_RENDERER
    )


TumourSampleFormSet = _row_formset(TumourSampleForm, limit=TUMOUR_SAMPLES_MAX)
LabResultFormSet = _row_formset(LabResultForm, limit=LABS_MAX, extra=2)
PregnancyTestFormSet = _row_formset(PregnancyTestForm, limit=PREGNANCY_TESTS_MAX)
PriorDrugFormSet = _row_formset(PriorDrugForm, limit=DRUGS_MAX)

FORMSETS: dict[str, type[BaseFormSet[Any]]] = {
    "tumour_samples": TumourSampleFormSet,
    "labs": LabResultFormSet,
    "pregnancy_tests": PregnancyTestFormSet,
    "drugs": PriorDrugFormSet,
}


# The form's sections, in the order of the spec; a formset joins the section named after it.
SECTIONS: list[tuple[str, Any, tuple[str, ...]]] = [
    (
        "patient",
        _("Patient and dates"),
        ("assessment_date", "planned_randomization_date", "initials", "sex", "date_of_birth", "weight_kg"),
    ),
    ("consent", _("Informed consent"), ("consent_signed", "consent_date", "consent_impartial_witness")),
    (
        "disease",
        _("Disease and brain metastases"),
        (
            "histologically_confirmed",
            "extent",
            "bilateral",
            "liver_metastases",
            "brain_metastases_present",
            "brain_metastases_treated",
            "brain_metastases_symptomatic",
            "brain_metastases_corticosteroids_ongoing",
            "brain_metastases_stable_on_mri",
            "brain_metastases_last_local_treatment_date",
        ),
    ),
    ("tumour-samples", _("Tumour samples (HER2, ER, PR)"), ()),
    ("ecog-lvef", _("ECOG and LVEF"), ("ecog", "lvef_percent", "lvef_method", "lvef_date")),
    ("labs", _("Laboratory results"), ()),
    (
        "support",
        _("Supportive care"),
        ("rbc_transfusion_date", "gcsf_date", "platelet_transfusion_date", "gilbert_syndrome"),
    ),
    (
        "reproductive",
        _("Reproductive status (women)"),
        (
            "hysterectomy",
            "bilateral_oophorectomy",
            "amenorrhea_months",
            "amenorrhea_other_cause",
            "pregnant",
            "breastfeeding",
            "plans_pregnancy",
        ),
    ),
    ("pregnancy-tests", _("Pregnancy tests"), ()),
    ("contraception", _("Contraception (men and women of childbearing potential)"), ("contraception_agreed",)),
    ("prior-therapy", _("Prior therapy"), ("prior_her2_or_trop2_adc",)),
    ("other-trial", _("Other therapeutic trial"), ("other_trial_enrolled", "other_trial_last_date")),
    (
        "ild",
        _("Interstitial lung disease / pneumonitis"),
        ("ild_history_requiring_steroids", "ild_current", "ild_suspected_not_ruled_out"),
    ),
    ("judgments", _("Investigator judgments"), document_mapping.JUDGMENT_FIELDS),
]
SECTION_FORMSETS = {
    "tumour-samples": "tumour_samples",
    "labs": "labs",
    "pregnancy-tests": "pregnancy_tests",
    "prior-therapy": "drugs",
}
# Sections shown only for women (the page hides them for men; the rules ignore them then).
WOMEN_ONLY_SECTIONS = frozenset({"reproductive", "pregnancy-tests"})


class ScreeningEntry:
    """The form and its four formsets, bound or not, handled as one."""

    def __init__(
        self,
        *,
        data: Any = None,
        screening: Screening | None = None,
        initial: dict[str, Any] | None = None,
        rows: dict[str, list[dict[str, Any]]] | None = None,
    ) -> None:
        self.form = ScreeningForm(data=data, instance=screening, initial=initial)
        rows = rows or {}
        self.formsets = {
            name: cls(data=data, prefix=name, initial=rows.get(name, [])) for name, cls in FORMSETS.items()
        }
        self._rows_named = False

    def is_valid(self) -> bool:
        valid = all([self.form.is_valid(), *(fs.is_valid() for fs in self.formsets.values())])
        if not valid:
            self._name_lab_rows()
        return valid

    def _kept_forms(self, name: str) -> list[forms.Form]:
        """The row forms of one formset that are filled and not deleted, in order: the rows
        of the document's list (a row whose fields failed to parse included)."""
        return [
            form
            for form in self.formsets[name].forms
            if getattr(form, "cleaned_data", None) and not form.cleaned_data.get("DELETE")
        ]

    def rows(self, name: str) -> list[dict[str, Any]]:
        """Filled, not deleted rows of one formset, in order (the document's list). A field
        that failed to parse holds its text as typed: the exchange format refuses it at its
        own path, so that its checks skip it rather than judge the row without it."""
        return [
            {
                **{k: v for k, v in form.cleaned_data.items() if k != "DELETE"},
                **{field: form[field].data for field in form.errors if field in form.fields},
            }
            for form in self._kept_forms(name)
        ]

    def document(self, *, site_code: str, screening_id: str | None) -> dict[str, Any]:
        """The `alter-screening/1` document of the form (exchange format): of a valid form,
        the document to store; of an invalid one, what parsed, with the text of each field
        that did not (so that one save reports every error, issue 10)."""
        form = self.form
        cleaned = form.cleaned_data if hasattr(form, "cleaned_data") else {}

        def value_of(field: str) -> Any:
            if field in form.errors and field in form.fields:
                return form[field].data
            return cleaned.get(field)

        return document_mapping.build_document(
            site_code=site_code,
            screening_id=screening_id,
            value_of=value_of,
            lists={name: self.rows(name) for name in FORMSETS},
        )

    def add_document_errors(self, errors: list[Any]) -> None:
        """Show the exchange format's errors next to the fields they name; a field that
        already shows an error of its own (it did not parse) keeps that one alone."""
        rows_by_list = {name: self._kept_forms(name) for name in self.formsets}
        for error in errors:
            list_name, index, field = document_mapping.field_for_path(error.path)
            if list_name is not None and index is not None and index < len(rows_by_list[list_name]):
                row_form = rows_by_list[list_name][index]
                target = field if field in row_form.fields else None
                if target is None or target not in row_form.errors:
                    row_form.add_error(target, error.message)
            elif field is not None and field in self.form.fields:
                if field not in self.form.errors:
                    self.form.add_error(field, error.message)
            else:
                self.form.add_error(None, f"{error.path or '/'}: {error.message}")

    def _name_lab_rows(self) -> None:
        """A lab row's own field errors ("Enter a number.") say which row they are about, in
        the row's words, as the exchange format's do ("platelets of 28/11/2026: ...")."""
        if self._rows_named:
            return
        self._rows_named = True
        style = exchange.LocalizedStyle()
        template = translation.gettext("%(row)s: %(message)s")
        for number, row_form in enumerate(self._kept_forms("labs"), start=1):
            if not row_form.errors:
                continue
            cleaned = row_form.cleaned_data
            test = cleaned.get("test") or None
            name = style.lab_row(test if test in units.LAB_UNITS else None, cleaned.get("date"), number)
            for field, errors in list(row_form.errors.items()):
                if field == NON_FIELD_ERRORS:
                    continue
                row_form.errors[field] = row_form.error_class(
                    [template % {"row": name, "message": message} for message in errors],
                    renderer=row_form.renderer,
                )

    def sections(self) -> list[dict[str, Any]]:
        """The form's sections for the template: bound fields and the section's formset."""
        return [
            {
                "key": key,
                "title": title,
                "fields": [self.form[name] for name in names],
                "formset": self.formsets.get(SECTION_FORMSETS.get(key, "")),
                "women_only": key in WOMEN_ONLY_SECTIONS,
            }
            for key, title, names in SECTIONS
        ]

    def _cleaned(self, name: str) -> Any:
        return self.form.cleaned_data.get(name) if hasattr(self.form, "cleaned_data") else None

    @property
    def version(self) -> int | None:
        value = self._cleaned("version")
        return value if isinstance(value, int) else None

    @property
    def save_key(self) -> uuid.UUID | None:
        value = self._cleaned("save_key")
        return value if isinstance(value, uuid.UUID) else None

    @property
    def reason_for_change(self) -> str:
        return str(self._cleaned("reason_for_change") or "")

    @property
    def identity_confirmed(self) -> bool:
        return bool(self._cleaned("confirm_identity_correction"))


class ImportForm(forms.Form):
    document = forms.FileField(label=_("alter-screening/1 JSON document"))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    save_key = forms.UUIDField(widget=forms.HiddenInput, required=False)
    reason_for_change = forms.CharField(label=_("Reason for change"), required=False, max_length=REASON_MAX_LENGTH)
    confirm_identity_correction = forms.BooleanField(
        label=_("This corrects the identity of the same patient (initials, date of birth or sex)"), required=False
    )

    def clean_document(self) -> bytes:
        upload = self.cleaned_data["document"]
        if upload.size > 1_000_000:
            raise ValidationError(_("A screening document is a few kilobytes; this file is too large."))
        return bytes(upload.read())


class LockoutPasswordChangeForm(PasswordChangeForm):
    """Django's password change, its old password checked by ``authenticate()``.

    The e-signature relies on that password: checked with ``check_password()`` (Django's
    form), a session left open could try passwords here without limit. Through
    ``authenticate()`` with the request, django-axes counts each wrong old password as a
    failed login, and refuses a locked account (its lockout page).
    """

    def __init__(self, user: AbstractBaseUser, *args: Any, request: HttpRequest, **kwargs: Any) -> None:
        super().__init__(user, *args, **kwargs)
        self.request = request

    @sensitive_variables("old_password")
    def clean_old_password(self) -> str:
        old_password = str(self.cleaned_data["old_password"])
        authenticated = authenticate(self.request, username=self.user.get_username(), password=old_password)
        if authenticated is None or authenticated.pk != self.user.pk:
            raise ValidationError(self.error_messages["password_incorrect"], code="password_incorrect")
        return old_password


# --- lab results from FHIR (fhir-labs.md, "Approval") ----------------------------------

FHIR_FILE_MAX_BYTES = 20_000_000  # 2,000 entries of a verbose export


class FhirLabsUploadForm(forms.Form):
    file = forms.FileField(label=_("FHIR R4 JSON file (a Bundle or one Observation)"))

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        if upload.size > FHIR_FILE_MAX_BYTES:
            raise ValidationError(_("This file is too large for a FHIR export of one patient's lab results."))
        return bytes(upload.read())


class FhirLabsFetchForm(forms.Form):
    # The hospital's patient identifier: used for the server's search, never stored.
    identifier = forms.CharField(
        label=_("Patient identifier at the hospital (IPP)"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class LabProposalForm(_RowForm):
    """One proposed lab row as it will be stored, correctable before it is approved."""

    approve = forms.BooleanField(label=_("approve"), required=False)
    value = DecimalCommaFloatField(label=_("value"), required=False)
    unit = UnitChoiceField(label=_("unit"), required=False)
    uln = DecimalCommaFloatField(label=_("ULN"), required=False)
    date = _date(_("date"))

    def __init__(self, *args: Any, test: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.test = test
        unit = cast(UnitChoiceField, self.fields["unit"])  # the copy of the field declared above
        unit.choices = unit_choices(test)
        # The options differ per test: their HTML is written once per test (not once for all).
        unit.widget.options_key = ("proposal-unit", test)
        unit.widget.attrs["class"] += " proposal-unit"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("approve"):
            for name in ("value", "unit", "date"):
                if cleaned.get(name) in (None, "") and name not in self.errors:
                    self.add_error(name, _("Needed to approve this row."))
        return cleaned


class LabProposalForms:
    """A form per proposal, in the proposals' order (their number is fixed by the signed
    proposals, not by the request)."""

    def __init__(self, proposals: list[dict[str, Any]], data: Any = None) -> None:
        self.forms = [
            LabProposalForm(
                data=data,
                prefix=f"proposal-{i}",
                test=p["test"],
                initial={"value": p["value"], "unit": p["unit"], "uln": p["uln"], "date": p["date"]},
            )
            for i, p in enumerate(proposals)
        ]

    def approved(self) -> list[int]:
        """The rows ticked for approval (each then validated, with its messages)."""
        return [i for i, form in enumerate(self.forms) if form.is_bound and form["approve"].value()]

    def rows(self) -> list[dict[str, Any] | None]:
        """Each row as the page would store it now (None where the typed values are refused)."""
        rows: list[dict[str, Any] | None] = []
        for form in self.forms:
            if not form.is_bound:
                rows.append(
                    {"test": form.test, **{name: form.initial.get(name) for name in ("value", "unit", "uln", "date")}}
                )
                continue
            cleaned = form.cleaned_data if form.is_valid() else {}
            if cleaned.get("value") is None or cleaned.get("date") is None or not cleaned.get("unit"):
                rows.append(None)
                continue
            rows.append(
                {
                    "test": form.test,
                    "value": cleaned["value"],
                    "unit": cleaned["unit"],
                    "uln": cleaned.get("uln"),
                    "date": cleaned["date"],
                }
            )
        return rows


# --- The screening log's filter (screening/views/screening_log.py) ---------------------


def ruleset_choices() -> list[tuple[str, StrOrPromise]]:
    """The rulesets to filter by: every one this installation knows (read when the form is
    made: a ruleset registered later, as tests do, is among them)."""
    return [("", _("All rulesets")), *((ruleset_id, ruleset_id) for ruleset_id in sorted(RULESETS))]


def _known_criteria() -> list[tuple[str, str]]:
    """Every criterion id of the known rulesets, in their order (alter-v1's first), with its
    title in the first ruleset that has it."""
    titles: dict[str, str] = {}
    for known in RULESETS.values():
        for cid in known.ids:
            titles.setdefault(cid, criterion_title(cid, known.id))
    return list(titles.items())


class LogFilterForm(forms.Form):
    """The log's filter: a site among the user's visible sites, a ruleset, and a range of
    assessment dates."""

    site = forms.ModelChoiceField(
        label=_("Site"),
        queryset=Site.objects.none(),
        required=False,
        to_field_name="code",
        empty_label=_("All sites"),
    )
    ruleset = forms.ChoiceField(label=_("Ruleset"), required=False)
    date_from = forms.DateField(
        label=_("Assessed from"),
        required=False,
        input_formats=DATE_INPUT_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    date_to = forms.DateField(
        label=_("Assessed until"),
        required=False,
        input_formats=DATE_INPUT_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, data: QueryDict, *, sites: QuerySet[Site]) -> None:
        super().__init__(data)
        cast("forms.ModelChoiceField[Site]", self.fields["site"]).queryset = sites.order_by("code")
        cast(forms.ChoiceField, self.fields["ruleset"]).choices = ruleset_choices()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from is not None and date_to is not None and date_from > date_to:
            raise ValidationError(_("The start date is after the end date."), code="date_order")
        return cleaned

    def log_filter(self) -> LogFilter:
        """What the valid form asks the log to count."""
        return LogFilter(
            site=self.cleaned_data.get("site"),
            ruleset=self.cleaned_data.get("ruleset") or None,
            date_from=self.cleaned_data.get("date_from"),
            date_to=self.cleaned_data.get("date_to"),
        )

    def query(self) -> str:
        """The valid form's filter as a query string, for the export links."""
        log_filter = self.log_filter()
        params = {
            "site": log_filter.site.code if log_filter.site is not None else None,
            "ruleset": log_filter.ruleset,
            "date_from": log_filter.date_from.isoformat() if log_filter.date_from is not None else None,
            "date_to": log_filter.date_to.isoformat() if log_filter.date_to is not None else None,
        }
        return urlencode({k: v for k, v in params.items() if v is not None})


# --- forms of the review, sign-off and list pages (moved from their view modules) ----------


class SignForm(forms.Form):
    """The investigator's electronic signature: its stated meaning, the signer's password
    (re-authentication), and the evaluation the page showed (a newer one is not signed blind)."""

    meaning = forms.ChoiceField(
        label=_("Meaning of my signature"), choices=SignatureMeaning.choices, widget=forms.RadioSelect
    )
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    evaluation = forms.IntegerField(widget=forms.HiddenInput)


class OutcomeChangeReviewForm(forms.Form):
    """Why the investigator does not sign the evaluation a re-evaluation appended after their
    signature, and the evaluation the page showed (a newer one is not reviewed blind)."""

    reason = forms.CharField(
        label=_("Reason for not signing the new evaluation"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )
    evaluation = forms.IntegerField(widget=forms.HiddenInput)


class AmendmentImpactForm(forms.Form):
    """The amendment page's choice: a registered ruleset, and one of the user's sites (or all of them)."""

    ruleset = forms.ChoiceField(label=_("Ruleset"))
    site = forms.ChoiceField(label=_("Site"), required=False)

    def __init__(self, *args: Any, rulesets: list[str], sites: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["ruleset"]).choices = [(r, r) for r in rulesets]
        all_sites = ("", _("All my sites"))
        cast(forms.ChoiceField, self.fields["site"]).choices = [all_sites, *((code, code) for code in sites)]


# The list's yes/no filters, in its query string.
YES, NO = "yes", "no"


class ReviewQueueFilterForm(forms.Form):
    """The review queue's filter: the ruleset of the latest evaluation (an unknown one is ignored)."""

    ruleset = forms.ChoiceField(label=_("Ruleset"), required=False)

    def __init__(self, data: QueryDict) -> None:
        super().__init__(data)
        field = cast(forms.ChoiceField, self.fields["ruleset"])
        field.choices = ruleset_choices()
        field.widget.attrs["class"] = "form-select"

    def chosen_ruleset(self) -> str | None:
        """The ruleset asked for, or None (every ruleset)."""
        return (self.cleaned_data.get("ruleset") or None) if self.is_valid() else None


class ListFilterForm(forms.Form):
    """The list's filters; a value that does not clean (an unknown status) is ignored."""

    site = forms.ChoiceField(label=_("Site"), required=False)
    signed = forms.ChoiceField(
        label=pgettext_lazy("one screening", "Signed"),
        required=False,
        choices=[("", _("Signed or not")), (YES, pgettext_lazy("one screening", "Signed")), (NO, _("Not signed"))],
    )
    expiring = forms.ChoiceField(
        label=_("Labs"),
        required=False,
        choices=[("", _("Any labs")), (YES, _("Labs expiring (before randomization or within 3 days)"))],
    )
    criterion = forms.ChoiceField(label=_("Failed criterion"), required=False)
    ruleset = forms.ChoiceField(label=_("Ruleset"), required=False)
    date_from = forms.DateField(label=_("Assessed from"), required=False, input_formats=DATE_INPUT_FORMATS)
    date_to = forms.DateField(label=_("Assessed until"), required=False, input_formats=DATE_INPUT_FORMATS)

    def __init__(self, data: Any, *, sites: list[Site]) -> None:
        super().__init__(data)
        cast(forms.ChoiceField, self.fields["site"]).choices = [
            ("", _("All sites")),
            *((s.code, s.code) for s in sites),
        ]
        cast(forms.ChoiceField, self.fields["criterion"]).choices = [
            ("", _("Any criterion")),
            *((cid, cid if title == cid else f"{cid} {title}") for cid, title in _known_criteria()),
        ]
        cast(forms.ChoiceField, self.fields["ruleset"]).choices = ruleset_choices()
        for name in ("site", "signed", "expiring", "criterion", "ruleset"):
            self.fields[name].widget.attrs["class"] = "form-select"

    def value(self, name: str) -> Any:
        """The cleaned value, or None when it was not given or did not clean."""
        value = getattr(self, "cleaned_data", {}).get(name)
        return None if value is None or value == "" else value
