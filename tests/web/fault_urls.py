"""The application's URLs, its handler500, and views that fail (tests/web/test_faults.py)."""

from __future__ import annotations

import psycopg
from django.contrib.auth.decorators import login_not_required
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.urls import path

from alter.urls import handler500
from alter.urls import urlpatterns as application_urlpatterns

__all__ = ["handler500", "urlpatterns"]


class Bug(Exception):
    """An unexpected error in a view."""


@login_not_required
def fails(request: HttpRequest) -> HttpResponse:
    raise Bug("a bug")


@login_not_required
def lock_timeout(request: HttpRequest) -> HttpResponse:
    # What Django raises when PostgreSQL cancels a statement on lock_timeout.
    raise OperationalError("canceling statement due to lock timeout") from psycopg.errors.LockNotAvailable(
        "canceling statement due to lock timeout"
    )


@login_not_required
def connection_lost(request: HttpRequest) -> HttpResponse:
    raise OperationalError("consuming input failed: server closed the connection unexpectedly")


urlpatterns = [
    path("faults/bug/", fails),
    path("faults/lock-timeout/", lock_timeout),
    path("faults/connection-lost/", connection_lost),
    *application_urlpatterns,
]
