"""The fault pages: 500 (an unexpected error) and 503 (the database did not answer).

Both are rendered without touching the database, which may be what failed: from a plain
context, without the request's context processors (``request.user`` and the messages are
lazy and would query it), on ``fault_base.html`` rather than ``base.html``. They say
whether the request's save can have been stored, and keep a way back: the list, and the
screening the request was about (its number is read from the URL, not from the database).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.urls import Resolver404, resolve

# How long a browser or proxy is asked to wait before retrying after a 503: a lock held by
# another save, or a restarting database, usually lasts seconds.
RETRY_AFTER_SECONDS = 10


def _screening_number(request: HttpRequest) -> str | None:
    """The number of the screening whose URL (/screenings/<number>/...) was requested."""
    match = request.resolver_match
    if match is None:  # the error came before the URL was resolved
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return None
    number = match.kwargs.get("number")
    return number if match.namespace == "screening" and isinstance(number, str) else None


def _render(template_name: str, request: HttpRequest, *, status: int, **context: Any) -> HttpResponse:
    # No request passed to render(): no context processor runs, so nothing queries.
    content = loader.get_template(template_name).render({"number": _screening_number(request), **context})
    return HttpResponse(content, status=status)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: something failed on our side; a save is stored whole or not at all."""
    return _render("500.html", request, status=500)


def database_unavailable(request: HttpRequest, *, rolled_back: bool) -> HttpResponse:
    """503 after a database error (screening.middleware.DatabaseFaultMiddleware).

    ``rolled_back`` is true when the database itself cancelled the statement (a lock or
    statement timeout, a deadlock): the transaction, and so the save, was rolled back. After
    a lost connection it may have been lost during the commit, so the page says how to check.
    """
    response = _render("503.html", request, status=503, rolled_back=rolled_back)
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
