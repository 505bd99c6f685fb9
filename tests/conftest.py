"""Personas and shared fixtures: a coordinator of each site, an investigator, a monitor."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation
from pytest_django.fixtures import Settings

from screening.models import Role, Site, SiteMembership, User
from screening.rules import ruleset as ruleset_registry
from screening.rules.ruleset import Ruleset
from tests.rulesets import ALTER_TEST

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = REPO_ROOT.parent / "shared"
PASSWORD = "correct-horse-battery-staple"  # noqa: S105 - test personas only


def make_user(username: str, role: str, *site_codes: str) -> User:
    user = User.objects.create_user(
        username=username, password=PASSWORD, role=role, first_name=username.partition(".")[0].title(), last_name="Test"
    )
    for code in site_codes:
        SiteMembership.objects.create(user=user, site=Site.objects.get(code=code))
    return user


@pytest.fixture(autouse=True)
def _english_to_start() -> Iterator[None]:
    # LocaleMiddleware activates the request's language in this thread and leaves it: a
    # French request of one test would otherwise make the next test's direct calls French.
    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fast_hasher(settings: Settings) -> None:
    # The personas' passwords are hashed on creation: the default hasher is slow on purpose.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _static_root(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> None:
    # WhiteNoise warns (an error here) when STATIC_ROOT does not exist; collectstatic has not
    # run in a test checkout, and the pages' static files are not under test.
    settings.STATIC_ROOT = tmp_path_factory.getbasetemp() / "staticfiles"
    settings.STATIC_ROOT.mkdir(exist_ok=True)


@pytest.fixture
def coordinator_ipc(db: Any) -> User:
    return make_user("coord.ipc", Role.COORDINATOR, "IPC")


@pytest.fixture
def coordinator_igr(db: Any) -> User:
    return make_user("coord.igr", Role.COORDINATOR, "IGR")


@pytest.fixture
def investigator_ipc(db: Any) -> User:
    return make_user("inv.ipc", Role.INVESTIGATOR, "IPC")


@pytest.fixture
def investigator_igr(db: Any) -> User:
    return make_user("inv.igr", Role.INVESTIGATOR, "IGR")


@pytest.fixture
def monitor(db: Any) -> User:
    return make_user("monitor", Role.MONITOR)


@pytest.fixture
def example_document() -> dict[str, Any]:
    """The spec's eligible patient (IPC-0007), as a fresh dict."""
    return json.loads((SHARED / "examples" / "eligible-ipc-0007.json").read_text())


@pytest.fixture
def alter_test() -> Iterator[Ruleset]:
    """The test ruleset (tests/rulesets.py) registered for one test, then forgotten."""
    with ruleset_registry.registered(ALTER_TEST) as registered:
        yield registered
