"""Who may act as the investigator: the check shared by the review queue, sign-off and unlocking."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from screening import selectors
from screening.http import AuthenticatedHttpRequest
from screening.models import Role, Screening, User


def investigator_of(request: AuthenticatedHttpRequest, screening: Screening | None = None) -> User:
    """The request's user if an investigator (of the screening's site); 403 otherwise."""
    user = request.user
    if user.role != Role.INVESTIGATOR:
        raise PermissionDenied
    if screening is not None and not selectors.can_edit(user, screening):
        raise PermissionDenied
    return user
