"""Staff manage users, their role and their sites here, each site's default lab units and the
ruleset in force at each site from a date."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.forms.formsets import DELETION_FIELD_NAME
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from screening.models import Site, SiteDefaultUnit, SiteMembership, SiteRuleset, User
from screening.rules.ruleset import RULESETS


class SiteMembershipInline(admin.TabularInline[SiteMembership, User]):
    model = SiteMembership
    extra = 1


@admin.register(User)
class UserAdmin(DjangoUserAdmin[User]):
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (_("ALTER Screen"), {"fields": ("role", "language")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("ALTER Screen"), {"fields": ("role", "language")}),
    )
    list_display = ("username", "first_name", "last_name", "role", "is_active", "is_staff")
    list_filter = ("role", "is_active", "is_staff", "memberships__site")
    inlines = [SiteMembershipInline]


class SiteDefaultUnitInline(admin.TabularInline[SiteDefaultUnit, Site]):
    """The unit a new lab row of each test starts with at this site (none: the coordinator
    chooses it). The database refuses a unit the form does not offer for the test."""

    model = SiteDefaultUnit
    extra = 0


def _in_force(row: SiteRuleset, *, today: datetime.date) -> bool:
    """A stored row whose date has come: evaluations may have been made under it."""
    return row.pk is not None and row.effective_from <= today


class SiteRulesetForm(forms.ModelForm[SiteRuleset]):
    """One row of the inline. Once in force (its date is today or past) it reads as stored and
    cannot be changed: the evaluations made at the site since name its ruleset. A new or
    future row takes effect today at the earliest: one dated in the past would say that
    evaluations already made there were under a ruleset they were not made under."""

    class Meta:
        model = SiteRuleset
        fields = ("ruleset", "effective_from")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = timezone.localdate()
        self.fields["ruleset"].help_text = _("Known rulesets: %(known)s.") % {"known": ", ".join(sorted(RULESETS))}
        if _in_force(self.instance, today=self.today):
            for field in self.fields.values():
                field.disabled = True

    def clean_effective_from(self) -> datetime.date:
        day: datetime.date = self.cleaned_data["effective_from"]
        if not _in_force(self.instance, today=self.today) and day < self.today:
            raise ValidationError(
                _(
                    "A ruleset cannot take effect in the past: the evaluations made at this site until "
                    "today were made under the ruleset then in force. Choose today or a later date."
                ),
                code="in_force_in_the_past",
            )
        return day


class SiteRulesetFormSet(BaseInlineFormSet[SiteRuleset, Site, "forms.ModelForm[SiteRuleset]"]):
    """A row in force cannot be deleted: its "delete" box is disabled, so that a posted one is
    ignored (a disabled field keeps its initial value, whatever is posted)."""

    def add_fields(self, form: forms.ModelForm[SiteRuleset], index: int | None) -> None:
        super().add_fields(form, index)
        if DELETION_FIELD_NAME in form.fields and _in_force(form.instance, today=timezone.localdate()):
            form.fields[DELETION_FIELD_NAME].disabled = True


class SiteRulesetInline(admin.TabularInline[SiteRuleset, Site]):
    """The ruleset in force at this site from each date (a protocol amendment, implemented
    here from that day). Before the first row, alter-v1. A row in force is read-only."""

    model = SiteRuleset
    form = SiteRulesetForm
    formset = SiteRulesetFormSet
    extra = 0


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin[Site]):
    list_display = ("code", "name", "city", "last_screening_sequence")
    readonly_fields = ("last_screening_sequence",)
    inlines = [SiteDefaultUnitInline, SiteRulesetInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Site | None = None) -> tuple[str, ...]:
        # The code is the prefix of the site's screening numbers and is named by their stored
        # evaluations: once one exists, the database refuses to change it (migration 0008).
        if obj is not None and obj.screenings.exists():
            return (*self.readonly_fields, "code")
        return tuple(self.readonly_fields)
