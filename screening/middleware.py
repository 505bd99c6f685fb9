"""The interface language of a signed-in user."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils import translation


class UserLanguageMiddleware:
    """French for users whose profile asks for it (after LocaleMiddleware, which follows
    the browser); a language picked in the page's menu (its cookie) still wins."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        language = getattr(user, "language", "") if user is not None and user.is_authenticated else ""
        if language and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
            translation.activate(language)
            request.LANGUAGE_CODE = language  # type: ignore[attr-defined]
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", translation.get_language() or settings.LANGUAGE_CODE)
        return response


class RejectNullCharactersMiddleware:
    """Answer 400 to a request whose parameters contain a NUL character.

    PostgreSQL cannot store or compare text containing NUL: without this, such a value
    typed into a search box or a form would reach the database and fail there (a 500).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        for params in (request.GET, request.POST if request.method == "POST" else None):
            if params is not None and any("\x00" in value for values in params.lists() for value in values[1]):
                return HttpResponseBadRequest(
                    translation.gettext("A field of this request contains a NUL character, which is not allowed."),
                    content_type="text/plain; charset=utf-8")
        return self.get_response(request)
