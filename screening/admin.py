"""Staff manage users, their role and their sites here."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from screening.models import Site, SiteMembership, User


class SiteMembershipInline(admin.TabularInline):
    model = SiteMembership
    extra = 1


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("ALTER Screen"), {"fields": ("role", "language")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("ALTER Screen"), {"fields": ("role", "language")}),
    )
    list_display = ("username", "first_name", "last_name", "role", "is_active", "is_staff")
    list_filter = ("role", "is_active", "is_staff", "memberships__site")
    inlines = [SiteMembershipInline]


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "city", "last_screening_sequence")
    readonly_fields = ("last_screening_sequence",)
