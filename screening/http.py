"""The request type of the app's views.

Every view but the login page and the fault pages has a signed-in user
(``LoginRequiredMiddleware``, settings.MIDDLEWARE), so ``request.user`` is a
:class:`~screening.models.User`, never an ``AnonymousUser``. A view that needs login takes an
:class:`AuthenticatedHttpRequest` (django-stubs' documented pattern): ``request.user.role``
and ``selectors.*(request.user, ...)`` then type-check without a cast or an ignore.
"""

from __future__ import annotations

from django.http import HttpRequest

from screening.models import User


class AuthenticatedHttpRequest(HttpRequest):
    user: User
