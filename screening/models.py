"""Screening records in PostgreSQL.

A :class:`Screening` holds what a coordinator entered for one screened patient, in the
words of the exchange format (`alter-screening/1`); its tumour samples, lab results,
pregnancy tests and prior drugs are rows of their own. Every save appends an immutable
:class:`Evaluation` holding the exact input document and result document. Every change
of every row is recorded by database triggers (django-pghistory), so that neither a bulk
update nor a raw SQL fix can skip the audit trail.

The database enforces what the forms check (CHECK, UNIQUE, NOT NULL), so that no path
into the database — form, JSON import, ``screen --save``, the admin — can store a value
the exchange format refuses.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, get_args

import pghistory
import pgtrigger
from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.expressions import Combinable
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_stubs_ext import StrOrPromise

from screening.rules import document, limits, ruleset, units
from screening.rules.document import DRUG_NAME_MAX_CHARS


def _row_events() -> tuple[pghistory.RowEvent, ...]:
    """Insert, update and delete trackers (new instances: a tracker belongs to one model)."""
    return (pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())


# The column is wider than the format's 5 initials (limits.INITIALS_MAX_CHARS, enforced by
# a CHECK below too); a drug name is as long as the format allows.
INITIALS_MAX_LENGTH = 12
DRUG_NAME_MAX_LENGTH = DRUG_NAME_MAX_CHARS


_Choices = TypeVar("_Choices", bound=type[models.TextChoices])


def _values_of(literal: Any) -> Callable[[_Choices], _Choices]:
    """Declares that the decorated choices are the values of ``literal``, a ``Literal`` type
    of the rules (rules/document.py, which knows no Django), and refuses to import this
    module when they are not the same values in the same order.

    The rules' ``Literal`` is the one statement of the values; a ``TextChoices`` adds their
    translated labels. It cannot be built from the ``Literal`` instead: mypy and the
    django-stubs plugin know a member (``Status.INELIGIBLE``) only from a class body, and
    makemessages finds a label only in a literal ``_("...")``.
    """
    values = list(get_args(literal))

    def check(choices: _Choices) -> _Choices:
        declared = [member.value for member in choices]
        if declared != values:
            raise ImproperlyConfigured(f"{choices.__qualname__} has the values {declared}, the rules {values}")
        return choices

    return check


class Role(models.TextChoices):
    COORDINATOR = "coordinator", _("Coordinator")
    INVESTIGATOR = "investigator", _("Investigator")
    MONITOR = "monitor", _("Monitor")


@_values_of(ruleset.EligibilityStatus)
class Status(models.TextChoices):
    ELIGIBLE = "eligible", _("eligible")
    INELIGIBLE = "ineligible", _("ineligible")
    INCOMPLETE = "incomplete", _("incomplete")


# A site's code is part of its screenings' numbers and of their stored documents: its
# changes are recorded, and once a screening exists the database refuses them (screening/
# migrations/0008_site_history_and_guards.py).
@pghistory.track(*_row_events())
class Site(models.Model):
    code = models.CharField(
        _("code"),
        max_length=8,
        unique=True,
        validators=[RegexValidator(r"^[A-Z]{2,8}$", _("2 to 8 capital letters"))],
    )
    name = models.CharField(_("name"), max_length=200)
    city = models.CharField(_("city"), max_length=100, blank=True)
    # Screening numbers are assigned per site from this counter and never reused.
    last_screening_sequence = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["code"]
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        constraints = [models.CheckConstraint(condition=Q(code__regex=r"^[A-Z]{2,8}$"), name="site_code_format")]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


@pghistory.track(exclude=["password", "last_login"])
class User(AbstractUser):
    """A person who uses ALTER Screen, with a role and the sites they work for."""

    role = models.CharField(_("role"), max_length=16, choices=Role.choices, blank=True)
    sites: models.ManyToManyField[Site, SiteMembership] = models.ManyToManyField(
        Site, through="SiteMembership", related_name="members", blank=True, verbose_name=_("sites")
    )
    language = models.CharField(
        _("language"),
        max_length=8,
        blank=True,
        choices=settings.LANGUAGES,
        help_text=_("Interface language; empty follows the browser."),
    )
    # Not a column: selectors.member_site_ids keeps the user's site ids here, read once per
    # user object (a request's user).
    _member_site_ids: list[int]

    # (django-stubs does not declare AbstractUser.Meta, which gives verbose_name "user".)
    class Meta(AbstractUser.Meta):  # type: ignore[name-defined,misc]  # the stubs lack AbstractUser.Meta
        constraints = [
            models.CheckConstraint(condition=Q(role__in=["", *Role.values]), name="user_role_valid"),
        ]


@pghistory.track(*_row_events())
class SiteMembership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="memberships")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "site"], name="membership_unique")]
        verbose_name = _("site membership")

    def __str__(self) -> str:
        return f"{self.user} @ {self.site.code}"


@_values_of(document.Sex)
class Sex(models.TextChoices):
    FEMALE = "female", _("female")
    MALE = "male", _("male")


@_values_of(document.Extent)
class Extent(models.TextChoices):
    METASTATIC = "metastatic", _("metastatic")
    LOCALLY_ADVANCED_UNRESECTABLE = "locally_advanced_unresectable", _("locally advanced, unresectable")
    LOCALLY_ADVANCED_RESECTABLE = "locally_advanced_resectable", _("locally advanced, resectable")
    EARLY = "early", _("early")


@_values_of(document.LvefMethod)
class LvefMethod(models.TextChoices):
    ECHOCARDIOGRAM = "echocardiogram", _("echocardiogram")
    MUGA = "muga", _("MUGA")


def verbose_name_of(model: type[models.Model], name: str) -> StrOrPromise:
    """The verbose name of the field ``name`` of ``model`` (a reverse relation has none)."""
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field):
        raise TypeError(f"{model.__name__}.{name} is a relation, not a field with a verbose name")
    return field.verbose_name


def _nullable_bool(label: StrOrPromise) -> models.BooleanField[bool | Combinable | None, bool | None]:
    return models.BooleanField(label, null=True, blank=True)


def _between(field: str, low: float, high: float) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__gte": low, f"{field}__lte": high}),
        name=f"%(class)s_{field}_plausible",
    )


@pghistory.track(*_row_events())
class Screening(models.Model):
    """One screening of one patient; fields follow `alter-screening/1` (exchange-format.md).

    ``None`` means "not known yet", as in the format. The evaluation fields (status and
    counts) repeat the latest :class:`Evaluation` for the list page.
    """

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="screenings", verbose_name=_("site"))
    sequence = models.PositiveIntegerField(editable=False)
    number = models.CharField(_("screening number"), max_length=20, unique=True, editable=False)
    rescreening_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rescreenings",
        verbose_name=_("re-screening of"),
    )

    assessment_date = models.DateField(_("assessment date"))
    planned_randomization_date = models.DateField(_("planned randomization date"), null=True, blank=True)

    # patient
    initials = models.CharField(_("initials"), max_length=INITIALS_MAX_LENGTH, blank=True)
    sex = models.CharField(_("sex"), max_length=8, choices=Sex.choices, blank=True)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    weight_kg = models.FloatField(_("weight (kg)"), null=True, blank=True)

    # consent
    consent_signed = _nullable_bool(_("informed consent signed"))
    consent_date = models.DateField(_("consent date"), null=True, blank=True)
    consent_impartial_witness = _nullable_bool(_("signed by an impartial witness"))

    # disease
    histologically_confirmed = _nullable_bool(_("histologically confirmed"))
    extent = models.CharField(_("extent"), max_length=32, choices=Extent.choices, blank=True)
    bilateral = _nullable_bool(_("bilateral breast cancer"))
    liver_metastases = _nullable_bool(_("liver metastases"))
    brain_metastases_present = _nullable_bool(_("brain metastases"))
    brain_metastases_treated = _nullable_bool(_("treated"))
    brain_metastases_symptomatic = _nullable_bool(_("symptomatic"))
    brain_metastases_corticosteroids_ongoing = _nullable_bool(_("ongoing corticosteroids"))
    brain_metastases_stable_on_mri = _nullable_bool(_("stable on MRI"))
    brain_metastases_last_local_treatment_date = models.DateField(
        _("last local treatment (surgery or radiation)"), null=True, blank=True
    )

    ecog = models.PositiveSmallIntegerField(_("ECOG performance status"), null=True, blank=True)
    lvef_percent = models.FloatField(_("LVEF (%)"), null=True, blank=True)
    lvef_method = models.CharField(_("LVEF method"), max_length=16, choices=LvefMethod.choices, blank=True)
    lvef_date = models.DateField(_("LVEF date"), null=True, blank=True)

    # supportive care
    rbc_transfusion_date = models.DateField(_("last red blood cell transfusion"), null=True, blank=True)
    gcsf_date = models.DateField(_("last G-CSF"), null=True, blank=True)
    platelet_transfusion_date = models.DateField(_("last platelet transfusion"), null=True, blank=True)
    gilbert_syndrome = _nullable_bool(_("Gilbert's syndrome"))

    # reproductive status
    hysterectomy = _nullable_bool(_("hysterectomy"))
    bilateral_oophorectomy = _nullable_bool(_("bilateral oophorectomy"))
    amenorrhea_months = models.PositiveSmallIntegerField(_("amenorrhea (months)"), null=True, blank=True)
    amenorrhea_other_cause = _nullable_bool(_("amenorrhea with another identified cause"))
    pregnant = _nullable_bool(_("pregnant"))
    breastfeeding = _nullable_bool(_("breast-feeding"))
    plans_pregnancy = _nullable_bool(_("plans pregnancy during the study or within 7 months after"))
    contraception_agreed = _nullable_bool(_("agrees to adequate contraception"))

    # prior therapy, other trial, ILD
    prior_her2_or_trop2_adc = _nullable_bool(_("prior HER2- or TROP2-directed ADC"))
    other_trial_enrolled = _nullable_bool(_("enrolled in another therapeutic trial"))
    other_trial_last_date = models.DateField(_("last date in the other trial"), null=True, blank=True)
    ild_history_requiring_steroids = _nullable_bool(_("history of ILD/pneumonitis that required steroids"))
    ild_current = _nullable_bool(_("current ILD/pneumonitis"))
    ild_suspected_not_ruled_out = _nullable_bool(_("suspected ILD/pneumonitis not ruled out by imaging"))

    # investigator judgments
    eligible_for_sg_and_tdxd = _nullable_bool(_("eligible for SG and T-DXd per their indication"))
    social_security_affiliation = _nullable_bool(_("affiliated to social security"))
    willing_and_able_to_comply = _nullable_bool(_("willing and able to comply with the protocol"))
    significant_cardiovascular_disease = _nullable_bool(_("uncontrolled or significant cardiovascular disease"))
    incompatible_condition = _nullable_bool(_("condition incompatible with the study"))
    hypersensitivity_to_trial_drugs = _nullable_bool(_("allergy or severe hypersensitivity to trial drugs"))
    confounding_concurrent_condition = _nullable_bool(_("confounding concurrent condition"))
    disease_requiring_hospitalisation = _nullable_bool(_("disease requiring hospitalisation"))
    deprived_of_liberty_or_guardianship = _nullable_bool(_("deprived of liberty or under guardianship"))
    unable_to_comply_with_follow_up = _nullable_bool(_("unable to comply with follow-up"))

    # the latest evaluation, repeated for the list page
    # Its ruleset: the one in force at the site on the day of that evaluation (SiteRuleset).
    # (Also the database's default: a row inserted by code older than this column, during a
    # deployment or by a benchmark's reference tree, gets the only ruleset that code knew.)
    ruleset = models.CharField(_("ruleset"), max_length=32, default=ruleset.DEFAULT.id, db_default=ruleset.DEFAULT.id)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.INCOMPLETE)
    failed_count = models.PositiveSmallIntegerField(default=0)
    missing_count = models.PositiveSmallIntegerField(default=0)
    # The failed and missing criterion ids, for the screening log's "screen failures by
    # criterion" (a patient failing two criteria counts under both).
    failed_criteria = ArrayField(models.CharField(max_length=20), default=list, blank=True)
    missing_criteria = ArrayField(models.CharField(max_length=20), default=list, blank=True)

    # Sign-off: a signed screening is locked until an investigator unlocks it with a reason.
    locked = models.BooleanField(_("locked"), default=False)

    # Optimistic lock: a save must name the version it was based on (no lost updates).
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-updated_at"]
        verbose_name = _("screening")
        verbose_name_plural = _("screenings")
        constraints = [
            models.UniqueConstraint(fields=["site", "sequence"], name="screening_sequence_unique_per_site"),
            # The contract's numbers: SITE-NNNN to SITE-NNNNNN, never 0 (exchange-format.md, Limits).
            models.CheckConstraint(
                condition=Q(sequence__gte=1, sequence__lte=limits.SCREENING_SEQUENCE_MAX),
                name="screening_sequence_in_range",
            ),
            models.CheckConstraint(
                condition=Q(number__regex=r"^[A-Z]{2,8}-[0-9]{4,6}$"), name="screening_number_format"
            ),
            models.CheckConstraint(
                condition=Q(initials__regex=rf"^.{{0,{limits.INITIALS_MAX_CHARS}}}$"),
                name="screening_initials_length",
            ),
            # A screen failure is re-screened once; a failed re-screening is re-screened in its turn.
            models.UniqueConstraint(fields=["rescreening_of"], name="screening_rescreened_once"),
            models.CheckConstraint(condition=Q(status__in=Status.values), name="screening_status_valid"),
            models.CheckConstraint(condition=Q(sex__in=["", *Sex.values]), name="screening_sex_valid"),
            models.CheckConstraint(condition=Q(extent__in=["", *Extent.values]), name="screening_extent_valid"),
            models.CheckConstraint(
                condition=Q(lvef_method__in=["", *LvefMethod.values]), name="screening_lvef_method_valid"
            ),
            _between("ecog", limits.ECOG_STATUS_MIN, limits.ECOG_STATUS_MAX),
            _between("amenorrhea_months", limits.AMENORRHEA_MONTHS_MIN, limits.AMENORRHEA_MONTHS_MAX),
            _between("lvef_percent", limits.LVEF_PERCENT_MIN, limits.LVEF_PERCENT_MAX),
            _between("weight_kg", limits.WEIGHT_KG_MIN, limits.WEIGHT_KG_MAX),
            models.CheckConstraint(
                condition=Q(planned_randomization_date__isnull=True)
                | Q(planned_randomization_date__gte=models.F("assessment_date")),
                name="screening_randomization_not_before_assessment",
            ),
        ]
        indexes = [
            # The list page: newest change first, within the user's sites or across all.
            models.Index(fields=["site", "-updated_at", "-id"], name="screening_site_updated"),
            models.Index(fields=["-updated_at", "-id"], name="screening_updated"),
            models.Index(fields=["site", "status", "-updated_at", "-id"], name="screening_site_status_updated"),
            models.Index(fields=["status", "-updated_at", "-id"], name="screening_status_updated"),
        ]
        triggers = [
            # A clinical record is never deleted; a screen failure stays in the log.
            pgtrigger.Protect(name="screening_never_deleted", operation=pgtrigger.Delete),
        ]

    def __str__(self) -> str:
        return self.number


@_values_of(document.LabTest)
class LabTest(models.TextChoices):
    HEMOGLOBIN = "hemoglobin", _("hemoglobin")
    ANC = "anc", _("neutrophils (ANC)")
    PLATELETS = "platelets", _("platelets")
    TOTAL_BILIRUBIN = "total_bilirubin", _("total bilirubin")
    ALT = "alt", _("ALT")
    AST = "ast", _("AST")
    ALBUMIN = "albumin", _("albumin")
    CREATININE = "creatinine", _("creatinine")


# Every unit a form offers (one spelling per real unit, rules/units.py), as the admin lists them.
UNIT_OPTION_CHOICES = [
    (unit, units.UNIT_DISPLAY.get(unit, unit))
    for unit in dict.fromkeys(u for test in LabTest.values for u in units.unit_options(test))
]


@pghistory.track(*_row_events())
class SiteDefaultUnit(models.Model):
    """The unit a site's lab reports print for a test: a new lab row of that test starts
    with it, shown chosen (issue 10: a unit is chosen, never assumed; a site without a
    default for a test starts with no unit). Managed in the admin."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="default_units", verbose_name=_("site"))
    test = models.CharField(_("test"), max_length=16, choices=LabTest.choices)
    unit = models.CharField(_("unit"), max_length=12, choices=UNIT_OPTION_CHOICES)

    class Meta:
        ordering = ["site", "test"]
        verbose_name = _("default unit")
        verbose_name_plural = _("default units")
        constraints = [
            models.UniqueConstraint(fields=["site", "test"], name="site_default_unit_unique"),
            # A unit the form offers for that test (G/L for platelets, not g/L).
            models.CheckConstraint(
                condition=Q(
                    *(Q(test=test, unit__in=units.unit_options(test)) for test in LabTest.values), _connector=Q.OR
                ),
                name="site_default_unit_offered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.site.code} {self.test} {self.unit}"


@pghistory.track(*_row_events())
class SiteRuleset(models.Model):
    """The ruleset in force at a site from a date (issue 12): a protocol amendment is approved,
    then implemented site by site. A screening is evaluated under the ruleset in force at its
    site on the day of the evaluation; before a site's first row, ruleset.DEFAULT (alter-v1).
    Managed in the admin; a row is not changed once in force (stored evaluations name it)."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="rulesets", verbose_name=_("site"))
    ruleset = models.CharField(_("ruleset"), max_length=32)
    effective_from = models.DateField(_("in force from"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["site", "-effective_from"]
        verbose_name = _("ruleset in force")
        verbose_name_plural = _("rulesets in force")
        constraints = [
            models.UniqueConstraint(fields=["site", "effective_from"], name="site_ruleset_one_per_day"),
            models.CheckConstraint(condition=~Q(ruleset=""), name="site_ruleset_given"),
        ]

    def __str__(self) -> str:
        return f"{self.site.code} {self.ruleset} from {self.effective_from}"

    def clean(self) -> None:
        # Which rulesets exist is the code's (rules/ruleset.py), not the database's.
        if self.ruleset not in ruleset.RULESETS:
            unknown = ValidationError(
                _("Unknown ruleset %(ruleset)s: known are %(known)s."),
                code="unknown_ruleset",
                params={"ruleset": self.ruleset, "known": ", ".join(sorted(ruleset.RULESETS))},
            )
            raise ValidationError({"ruleset": unknown})


class _ScreeningPart(models.Model):
    """A row of a screening's list (samples, labs, tests, drugs), kept in entry order:
    the order decides ties on date ("the one listed last")."""

    screening = models.ForeignKey(Screening, on_delete=models.CASCADE)
    # The row's place in its list, as in the document: a row inserted between two others
    # (an import) keeps its place although its id is the newest.
    position = models.PositiveSmallIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["position", "id"]


@pghistory.track(*_row_events())
class TumourSample(_ScreeningPart):
    @_values_of(document.SampleSite)
    class SampleSite(models.TextChoices):
        PRIMARY = "primary", _("primary")
        METASTATIC = "metastatic", _("metastatic")

    @_values_of(document.Laterality)
    class Laterality(models.TextChoices):
        LEFT = "left", _("left")
        RIGHT = "right", _("right")

    @_values_of(document.Her2Ihc)
    class Her2Ihc(models.TextChoices):
        ZERO = "0", "0"
        ULTRALOW = "ultralow", _("ultralow")
        ONE = "1+", "1+"
        TWO = "2+", "2+"
        THREE = "3+", "3+"

    @_values_of(document.Her2Ish)
    class Her2Ish(models.TextChoices):
        # In French an ISH result agrees with "hybridation" (feminine): a context of its own.
        NEGATIVE = "negative", pgettext_lazy("ISH result", "negative")
        POSITIVE = "positive", pgettext_lazy("ISH result", "positive")
        EQUIVOCAL = "equivocal", pgettext_lazy("ISH result", "equivocal")
        NOT_DONE = "not_done", pgettext_lazy("ISH result", "not done")

    site = models.CharField(_("sample site"), max_length=12, choices=SampleSite.choices, blank=True)
    laterality = models.CharField(_("laterality"), max_length=8, choices=Laterality.choices, blank=True)
    date = models.DateField(_("date"), null=True, blank=True)
    er_percent = models.FloatField(_("ER (%)"), null=True, blank=True)
    pr_percent = models.FloatField(_("PR (%)"), null=True, blank=True)
    her2_ihc = models.CharField(_("HER2 IHC"), max_length=8, choices=Her2Ihc.choices, blank=True)
    her2_ish = models.CharField(_("HER2 ISH"), max_length=12, choices=Her2Ish.choices, blank=True)

    class Meta(_ScreeningPart.Meta):
        verbose_name = _("tumour sample")
        constraints = [
            _between("er_percent", limits.RECEPTOR_PERCENT_MIN, limits.RECEPTOR_PERCENT_MAX),
            _between("pr_percent", limits.RECEPTOR_PERCENT_MIN, limits.RECEPTOR_PERCENT_MAX),
        ]

    def __str__(self) -> str:
        return f"{self.site or 'sample'} {self.laterality} IHC {self.her2_ihc or '?'}".strip()


@pghistory.track(*_row_events())
class LabResult(_ScreeningPart):
    """A lab result as entered (value and unit) beside its value in the canonical unit."""

    test = models.CharField(_("test"), max_length=16, choices=LabTest.choices)
    value = models.FloatField(_("value"))
    unit = models.CharField(_("unit"), max_length=12)
    uln = models.FloatField(_("ULN"), null=True, blank=True)
    value_canonical = models.FloatField(_("value in the canonical unit"))
    date = models.DateField(_("date"))

    class Meta(_ScreeningPart.Meta):
        verbose_name = _("lab result")
        constraints = [
            models.CheckConstraint(condition=Q(test__in=LabTest.values), name="lab_test_valid"),
            models.CheckConstraint(condition=Q(uln__isnull=True) | Q(uln__gt=0), name="lab_uln_positive"),
            # The tests whose canonical value is relative to the ULN (rules/units.py).
            models.CheckConstraint(
                condition=~Q(test__in=[test for test, spec in units.LAB_UNITS.items() if spec.needs_uln])
                | Q(uln__isnull=False),
                name="lab_uln_required_for_relative_tests",
            ),
            models.CheckConstraint(condition=~Q(unit=""), name="lab_unit_given"),
        ]
        indexes = [models.Index(fields=["screening", "test", "date"], name="lab_screening_test_date")]

    def __str__(self) -> str:
        return f"{self.test} {self.value:g} {self.unit} on {self.date}"


class LabSourceKind(models.TextChoices):
    FILE = "file", _("file")
    SERVER = "server", _("FHIR server")


@pghistory.track(*_row_events())
class LabResultSource(models.Model):
    """Where an imported lab row came from (fhir-labs.md, "Approval"): the FHIR
    Observation, its LOINC code, its value and unit as received, the file or server, and
    who approved it and when. Written once, with the row, by the approval; a typed row has
    none. Deleted with its row (the history keeps both)."""

    lab = models.OneToOneField(LabResult, on_delete=models.CASCADE, related_name="source", verbose_name=_("lab result"))
    # The screening of the row, so that the screening's history lists the source too.
    screening = models.ForeignKey(Screening, on_delete=models.CASCADE, related_name="+")
    observation = models.CharField(
        _("FHIR Observation"),
        max_length=200,
        blank=True,
        help_text=_("its id, or its JSON Pointer in the input when it has none"),
    )
    loinc = models.CharField(_("LOINC code"), max_length=16)
    value_received = models.CharField(_("value as received"), max_length=40)
    unit_received = models.CharField(_("unit as received"), max_length=40)
    origin_kind = models.CharField(_("from"), max_length=8, choices=LabSourceKind.choices)
    origin = models.CharField(_("file or server"), max_length=255)
    approved_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("approved by"))
    approved_at = models.DateTimeField(_("approved at"), auto_now_add=True)

    class Meta:
        verbose_name = _("lab result source")
        constraints = [
            models.CheckConstraint(condition=Q(origin_kind__in=LabSourceKind.values), name="lab_source_kind_valid"),
            # (An Observation without id that is the whole input is named by the pointer "".)
            models.CheckConstraint(
                condition=~Q(loinc="") & ~Q(value_received="") & ~Q(unit_received="") & ~Q(origin=""),
                name="lab_source_given",
            ),
        ]
        indexes = [models.Index(fields=["screening", "observation"], name="lab_source_observation")]
        triggers = [
            # A source says what was received and approved: it is never rewritten.
            pgtrigger.Protect(name="lab_source_never_changed", operation=pgtrigger.Update),
        ]

    def __str__(self) -> str:
        return f"{self.observation} (LOINC {self.loinc}) {self.value_received} {self.unit_received}"


@pghistory.track(*_row_events())
class PregnancyTest(_ScreeningPart):
    @_values_of(document.PregnancyResult)
    class Result(models.TextChoices):
        NEGATIVE = "negative", _("negative")
        POSITIVE = "positive", _("positive")

    @_values_of(document.PregnancyTestType)
    class Type(models.TextChoices):
        SERUM = "serum", _("serum")
        URINE = "urine", _("urine")

    result = models.CharField(_("result"), max_length=8, choices=Result.choices)
    type = models.CharField(_("type"), max_length=8, choices=Type.choices, blank=True)
    date = models.DateField(_("date"))

    class Meta(_ScreeningPart.Meta):
        verbose_name = _("pregnancy test")
        constraints = [
            models.CheckConstraint(
                condition=Q(result__in=list(get_args(document.PregnancyResult))), name="pregnancy_test_result_valid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.result} {self.type} on {self.date}"


@pghistory.track(*_row_events())
class PriorDrug(_ScreeningPart):
    name = models.CharField(_("drug"), max_length=DRUG_NAME_MAX_LENGTH)

    class Meta(_ScreeningPart.Meta):
        verbose_name = _("prior drug")
        constraints = [models.CheckConstraint(condition=~Q(name=""), name="prior_drug_name_given")]

    def __str__(self) -> str:
        return self.name


# The screening's lists, by their name in the exchange document (document_mapping.LIST_FIELDS).
# Code that reads any of them uses ``model._default_manager`` (Django's manager for code that
# works on any model): their abstract base has no ``objects`` to type-check against.
LIST_MODELS: dict[str, type[_ScreeningPart]] = {
    "tumour_samples": TumourSample,
    "labs": LabResult,
    "pregnancy_tests": PregnancyTest,
    "drugs": PriorDrug,
}


class Evaluation(models.Model):
    """One evaluation of a screening, appended on every save and never changed.

    It keeps the exact input document and the result document with the ruleset id, so
    that it can be reproduced, and shown as it was, after any later change of the rules.
    """

    screening = models.ForeignKey(Screening, on_delete=models.PROTECT, related_name="evaluations")
    ruleset = models.CharField(max_length=32)
    input_document = models.JSONField()
    result_document = models.JSONField()
    status = models.CharField(max_length=12, choices=Status.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("evaluation")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=Status.values), name="evaluation_status_valid"),
            models.CheckConstraint(condition=~Q(ruleset=""), name="evaluation_ruleset_given"),
        ]
        indexes = [models.Index(fields=["screening", "-created_at"], name="evaluation_screening_time")]
        triggers = [
            pgtrigger.Protect(name="evaluation_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
        ]

    def __str__(self) -> str:
        return f"{self.screening} {self.ruleset} {self.status} {self.created_at:%Y-%m-%d %H:%M}"


class SaveKind(models.TextChoices):
    CREATE = "create", _("created")
    UPDATE = "update", _("saved")
    RESCREEN = "rescreen", _("re-screened")


class SaveRequest(models.Model):
    """A save that was carried out, under the idempotency key of the page that sent it.

    A form (or an import) carries a fresh key; a repeated POST of it (a double click, or
    Save again after a timeout whose first attempt did commit) finds its key here and is
    answered with what the first one stored instead of storing it twice. The key is
    written in the same transaction as the save, so a save that failed left no key.
    """

    key = models.UUIDField(unique=True, editable=False)
    kind = models.CharField(max_length=12, choices=SaveKind.choices)
    screening = models.ForeignKey(Screening, on_delete=models.PROTECT, related_name="+")
    evaluation = models.ForeignKey(Evaluation, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("save request")
        constraints = [models.CheckConstraint(condition=Q(kind__in=SaveKind.values), name="save_request_kind_valid")]
        triggers = [
            pgtrigger.Protect(name="save_request_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.screening} ({self.key})"


class SignatureMeaning(models.TextChoices):
    ELIGIBILITY_CONFIRMED = "eligibility_confirmed", _("eligibility confirmed")
    SCREEN_FAILURE_CONFIRMED = "screen_failure_confirmed", _("screen failure confirmed")


class Signature(models.Model):
    """An investigator's electronic signature of one evaluation, with its stated meaning.

    The investigator re-entered their password to sign; the signature is never changed
    or deleted (a later change of the screening needs a new one).
    """

    screening = models.ForeignKey(Screening, on_delete=models.PROTECT, related_name="signatures")
    evaluation = models.ForeignKey(Evaluation, on_delete=models.PROTECT, related_name="signatures")
    meaning = models.CharField(_("meaning"), max_length=32, choices=SignatureMeaning.choices)
    signed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-signed_at", "-id"]
        verbose_name = _("signature")
        constraints = [
            # An evaluation may be signed again after an unlock that changed nothing.
            models.CheckConstraint(condition=Q(meaning__in=SignatureMeaning.values), name="signature_meaning_valid"),
        ]
        triggers = [
            pgtrigger.Protect(name="signature_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
        ]

    def __str__(self) -> str:
        return f"{self.screening} {self.meaning} by {self.signed_by} at {self.signed_at:%Y-%m-%d %H:%M}"


class Unlock(models.Model):
    """An investigator's unlocking of a signed screening, with the written reason."""

    screening = models.ForeignKey(Screening, on_delete=models.PROTECT, related_name="unlocks")
    signature = models.ForeignKey(Signature, on_delete=models.PROTECT, related_name="unlocks")
    reason = models.TextField(_("reason for unlocking"))
    unlocked_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    unlocked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-unlocked_at", "-id"]
        verbose_name = _("unlock")
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="unlock_reason_given")]
        triggers = [
            pgtrigger.Protect(name="unlock_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
        ]

    def __str__(self) -> str:
        return f"{self.screening} unlocked by {self.unlocked_by} at {self.unlocked_at:%Y-%m-%d %H:%M}"


class OutcomeChangeReview(models.Model):
    """An investigator's written reason for not re-signing a signed screening whose outcome
    changed since its signature (a re-evaluation under a protocol amendment appended
    ``evaluation``, which nobody signed). It ends the review queue's "outcome changed since
    signature" flag for that evaluation, as a new signature of it would; never changed or
    deleted."""

    screening = models.ForeignKey(Screening, on_delete=models.PROTECT, related_name="outcome_change_reviews")
    evaluation = models.ForeignKey(Evaluation, on_delete=models.PROTECT, related_name="outcome_change_reviews")
    reason = models.TextField(_("reason for not signing again"))
    reviewed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-reviewed_at", "-id"]
        verbose_name = _("review of an outcome changed since signature")
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="outcome_change_review_reason_given")]
        triggers = [
            pgtrigger.Protect(name="outcome_change_review_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
        ]

    def __str__(self) -> str:
        return f"{self.screening} outcome change reviewed by {self.reviewed_by} at {self.reviewed_at:%Y-%m-%d %H:%M}"


class ChecklistPrint(models.Model):
    """A download of a screening's eligibility checklist (PDF): who printed which evaluation, when.

    The PDF's footer carries ``printed_at`` and ``printed_by`` as its "generated" line and
    ``result_sha256`` as the hash of the evaluation's result document, so that a paper copy
    found in a patient's file leads back to this row. Never changed or deleted.
    """

    screening = models.ForeignKey(Screening, on_delete=models.PROTECT, related_name="checklist_prints")
    evaluation = models.ForeignKey(Evaluation, on_delete=models.PROTECT, related_name="checklist_prints")
    # The signature printed on it; None for a draft (not signed, or unlocked since).
    signature = models.ForeignKey(Signature, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    language = models.CharField(_("language"), max_length=8)
    result_sha256 = models.CharField(_("SHA-256 of the result document"), max_length=64)
    printed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    # Set by the caller to the time printed in the PDF's footer (not auto_now_add).
    printed_at = models.DateTimeField(_("printed at"))

    class Meta:
        ordering = ["-printed_at", "-id"]
        verbose_name = _("checklist print")
        constraints = [
            models.CheckConstraint(
                condition=Q(result_sha256__regex=r"^[0-9a-f]{64}$"), name="checklist_print_sha256_hex"
            ),
            models.CheckConstraint(condition=~Q(language=""), name="checklist_print_language_given"),
        ]
        triggers = [
            pgtrigger.Protect(name="checklist_print_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
        ]

    def __str__(self) -> str:
        return f"{self.screening} checklist by {self.printed_by} at {self.printed_at:%Y-%m-%d %H:%M}"
