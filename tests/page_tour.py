"""Every page of the application, as the people who use it reach them.

One set of screenings (eligible, ineligible and signed, incomplete, a re-screening
confirmation) and one list of pages per persona, shared by the tests that must hold on
every page: no English left in the French interface (tests/web/test_french_everywhere.py)
and no serious accessibility violation (tests/browser/test_accessibility.py).
A page added to the application belongs in :func:`tour`.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any

from screening import services
from screening.models import Role, Screening, SignatureMeaning, User
from tests.conftest import PASSWORD, SHARED, make_user

EXAMPLE = SHARED / "examples" / "eligible-ipc-0007.json"


@dataclass(frozen=True)
class Page:
    name: str  # what the page is, in the test's output
    username: str  # who opens it ("" for an anonymous visitor)
    path: str
    status: int = 200
    screenshot: str = ""  # the file name of its screenshot in docs/screenshots/fr/, if it has one


def build_screenings() -> dict[str, Screening]:
    """The personas and the screenings the pages show (call inside a test's database)."""
    coordinator = make_user("coord.ipc", Role.COORDINATOR, "IPC")
    investigator = make_user("inv.ipc", Role.INVESTIGATOR, "IPC")
    make_user("coord.igr", Role.COORDINATOR, "IGR")
    # A monitor named as people are ("Monitor Test" would read as English on a French page).
    User.objects.filter(pk=make_user("monitor", Role.MONITOR).pk).update(first_name="Martine", last_name="Durand")
    document: dict[str, Any] = json.loads(EXAMPLE.read_text())
    eligible = services.screening_import(raw=document, by=coordinator).screening  # IPC-0007

    failing = copy.deepcopy(document)
    failing["screening_id"] = "IPC-0008"
    failing["ecog"] = 2
    ineligible = services.screening_import(raw=failing, by=coordinator).screening
    services.screening_sign(
        screening=ineligible, by=investigator, password=PASSWORD, meaning=SignatureMeaning.SCREEN_FAILURE_CONFIRMED
    )

    incomplete = copy.deepcopy(document)
    incomplete["screening_id"] = "IPC-0009"
    incomplete["labs"] = incomplete["labs"][:3]
    incomplete["ecog"] = None
    partial = services.screening_import(raw=incomplete, by=coordinator).screening
    return {"eligible": eligible, "signed": Screening.objects.get(pk=ineligible.pk), "incomplete": partial}


def tour(screenings: dict[str, Screening]) -> list[Page]:
    eligible = screenings["eligible"].number
    signed = screenings["signed"].number
    incomplete = screenings["incomplete"].number
    evaluation = screenings["eligible"].evaluations.first()
    assert evaluation is not None
    return [
        Page("login", "", "/accounts/login/"),
        Page("screening list", "coord.ipc", "/", screenshot="list.png"),
        Page("screening list (monitor)", "monitor", "/"),
        Page("new screening", "coord.ipc", "/screenings/new/"),
        Page("screening, eligible", "coord.ipc", f"/screenings/{eligible}/", screenshot="form.png"),
        Page("screening, incomplete", "coord.ipc", f"/screenings/{incomplete}/"),
        Page("screening, signed and locked", "inv.ipc", f"/screenings/{signed}/"),
        Page("screening, read by the monitor", "monitor", f"/screenings/{eligible}/"),
        Page("history", "coord.ipc", f"/screenings/{signed}/history/", screenshot="history.png"),
        Page("evaluation", "coord.ipc", f"/screenings/{eligible}/evaluations/{evaluation.pk}/"),
        Page("review queue", "inv.ipc", "/review/", screenshot="review-queue.png"),
        Page("sign-off", "inv.ipc", f"/screenings/{eligible}/sign/", screenshot="sign-off.png"),
        Page("re-screening confirmation", "inv.ipc", f"/screenings/{signed}/rescreen/"),
        Page("screening log", "monitor", "/log/", screenshot="dashboard.png"),
        Page("amendment impact", "inv.ipc", "/amendments/impact/?ruleset=alter-v1&site=IPC"),
        Page("password change", "coord.ipc", "/accounts/password_change/"),
        Page("forbidden (403)", "coord.ipc", f"/screenings/{eligible}/sign/", status=403),
        Page("not found (404)", "coord.ipc", "/screenings/IPC-9999/", status=404),
    ]


def user(username: str) -> User:
    return User.objects.get(username=username)
