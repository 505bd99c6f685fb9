"""The request type of the app's views: every view but the login page has a signed-in user
(``LoginRequiredMiddleware``), so ``request.user`` is a :class:`~screening.models.User`."""

from __future__ import annotations

from django.http import HttpRequest

from screening.models import User


class AuthenticatedHttpRequest(HttpRequest):
    user: User  # type: ignore[assignment]
