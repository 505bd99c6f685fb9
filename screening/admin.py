"""Staff manage users, their role and their sites here, each site's default lab units and the
ruleset in force at each site from a date."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from screening.models import Site, SiteDefaultUnit, SiteMembership, SiteRuleset, User


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


class SiteRulesetInline(admin.TabularInline[SiteRuleset, Site]):
    """The ruleset in force at this site from each date (a protocol amendment, implemented
    here from that day). Before the first row, alter-v1."""

    model = SiteRuleset
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
