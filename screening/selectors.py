"""Which screenings a user may see or change: the one place that scopes querysets.

Every view reads screenings through :func:`screenings_visible_to`, so that another
site's screening is simply not found (404): its existence does not leak.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from screening.models import Role, Screening, Site, User


def sites_visible_to(user: User) -> QuerySet[Site]:
    """Monitors (and staff superusers) read every site; others their own sites."""
    if user.is_superuser or user.role == Role.MONITOR:
        return Site.objects.all()
    return Site.objects.filter(memberships__user=user)


def sites_for_entry(user: User) -> QuerySet[Site]:
    """Sites where the user may create and edit screenings (coordinators, investigators)."""
    if user.role not in (Role.COORDINATOR, Role.INVESTIGATOR):
        return Site.objects.none()
    return Site.objects.filter(memberships__user=user)


def screenings_visible_to(user: User) -> QuerySet[Screening]:
    if user.is_superuser or user.role == Role.MONITOR:
        return Screening.objects.all()
    # The site ids as literal values, not a subquery: PostgreSQL then walks the
    # (site, -updated_at, -id) index in order instead of sorting the whole site.
    return Screening.objects.filter(site_id__in=list(sites_visible_to(user).values_list("id", flat=True)))


def screening_visible_to(user: User, number: str) -> Screening:
    """The screening ``number`` if the user may see it, else 404 (never 403: no leak)."""
    try:
        return screenings_visible_to(user).select_related("site", "updated_by", "created_by").get(number=number)
    except Screening.DoesNotExist:
        raise Http404("No such screening") from None


def can_edit(user: User, screening: Screening) -> bool:
    return sites_for_entry(user).filter(pk=screening.site_id).exists()
