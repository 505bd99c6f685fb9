"""Middleware: the interface language of a signed-in user, requests with NUL characters,
the fault page of a database error, no caching of pages, and the page of a request too
large to read."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.template import loader
from django.utils import translation
from django.utils.cache import patch_cache_control

from screening.rules.document import DRUGS_MAX, LABS_MAX, PREGNANCY_TESTS_MAX, TUMOUR_SAMPLES_MAX
from screening.views import faults

logger = logging.getLogger(__name__)

# Errors after which PostgreSQL has certainly rolled the transaction back: lock_timeout
# (55P03), statement_timeout or a cancel (57014), a deadlock (40P01), a serialization
# failure (40001). Any other (a connection lost, perhaps during the COMMIT) leaves the
# outcome to be checked.
ROLLED_BACK_SQLSTATES = frozenset({"55P03", "57014", "40P01", "40001"})


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
            request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", translation.get_language() or settings.LANGUAGE_CODE)
        return response


# How often an active session's expiry is pushed back (settings.SESSION_COOKIE_AGE later).
SESSION_RENEWAL_SECONDS = 60


class SessionRenewalMiddleware:
    """Push a signed-in session's expiry back at most once a minute, not on every request.

    The session ends after SESSION_COOKIE_AGE without a request (alter/settings.py). Saving
    the session on every request (SESSION_SAVE_EVERY_REQUEST) would write its row, and wait
    for that commit, on every page a coordinator opens. Renewed at most every
    SESSION_RENEWAL_SECONDS, it still ends between 29 and 30 minutes after the last
    request. Only a signed-in user's session: a visitor's requests create none.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            renewed_at = request.session.get("renewed_at")
            if not isinstance(renewed_at, int) or not 0 <= now - renewed_at < SESSION_RENEWAL_SECONDS:
                # A change to the session: SessionMiddleware saves it, with a new expiry.
                request.session["renewed_at"] = now
        return self.get_response(request)


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
                    content_type="text/plain; charset=utf-8",
                )
        return self.get_response(request)


class DatabaseFaultMiddleware:
    """Answer a database error raised by a view with the 503 fault page.

    ``OperationalError`` is what a lock timeout, a statement timeout (alter/settings.py)
    and a lost connection raise. Each service is one transaction, so a save is stored whole
    or not at all: after a timeout the page says it was not stored, after a lost connection
    how to check, with a way back either way. A view that can keep the typed values on
    screen (the screening form) catches the error itself; this is the fallback.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError):
            return None
        # The operators' log keeps the traceback (the path carries screening numbers only).
        logger.error("Database error on %s %s", request.method, request.path, exc_info=exception)
        sqlstate = getattr(exception.__cause__, "sqlstate", None)
        return faults.database_unavailable(request, rolled_back=sqlstate in ROLLED_BACK_SQLSTATES)


class NoStoreMiddleware:
    """``Cache-Control: no-store`` on every response of the application.

    Patient pages (the list, a screening, its history and evaluations, the JSON export,
    the review queue, sign-off, the log and its exports) must not stay in a shared ward
    computer's browser cache, nor in a proxy's, after the session ends. Every response,
    not a list of views: a new page cannot be forgotten. Static files carry no patient
    data and are served by WhiteNoise before this middleware, with their own caching.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        patch_cache_control(response, no_store=True)
        return response


class OversizedRequestMiddleware:
    """Answer a form that sends more than Django accepts with a page that says so.

    Django refuses a request with more than ``DATA_UPLOAD_MAX_NUMBER_FIELDS`` fields or
    files, or a body (files apart) over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` bytes, when the
    request's data is first read: a bare "Bad Request" page, with nothing to say that the
    entries were not saved. This reads the data first (before any view or middleware uses
    it) and, when Django refuses it, answers the page of ``request_too_large.html``: what
    happened, that nothing was saved, and the limits of a screening.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST":
            try:
                request.POST  # noqa: B018 - parses the body now, where its refusal is answered
            except (TooManyFieldsSent, TooManyFilesSent, RequestDataTooBig) as refused:
                logger.warning("Request refused on %s %s: %s", request.method, request.path, refused)
                too_big = isinstance(refused, RequestDataTooBig)
                content = loader.render_to_string(
                    "request_too_large.html",
                    {
                        "number": faults._screening_number(request),
                        "too_big": too_big,
                        "max_fields": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS,
                        "max_megabytes": settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 1_000_000,
                        "labs": LABS_MAX,
                        "samples": TUMOUR_SAMPLES_MAX,
                        "tests": PREGNANCY_TESTS_MAX,
                        "drugs": DRUGS_MAX,
                    },
                )
                return HttpResponse(content, status=413 if too_big else 400)
        return self.get_response(request)
