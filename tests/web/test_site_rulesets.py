"""The ruleset in force at each site from a date, managed in the admin (screening/admin.py,
SiteRulesetInline): an unknown ruleset id is refused with a clear message; a row in force
(dated today or earlier: evaluations may name it) reads as stored and cannot be changed or
deleted; a future row can be; a new row cannot take effect in the past."""

from __future__ import annotations

import datetime
import html
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from screening.models import Site, SiteDefaultUnit, SiteRuleset, User
from screening.rules.ruleset import DEFAULT, Ruleset
from tests.rulesets import TEST_RULESET_ID

V1 = DEFAULT.id
TEST = TEST_RULESET_ID


def _day(days_from_today: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days_from_today)


@pytest.fixture
def staff(db: Any) -> User:
    return User.objects.create_superuser(username="admin", password="x", email="admin@example.org")  # noqa: S106


def _post(
    client: Client,
    site: Site,
    *,
    changed: dict[int, dict[str, str]] | None = None,
    new: tuple[tuple[str, datetime.date], ...] = (),
) -> Any:
    """Post the site's admin page: its stored rows as they are (each in ``changed`` with those
    fields retyped, ``{"DELETE": "on"}`` to tick its box), then the ``new`` rows."""
    units = list(SiteDefaultUnit.objects.filter(site=site).order_by("id"))
    rows = list(SiteRuleset.objects.filter(site=site).order_by("-effective_from"))  # the inline's order
    data = {
        "code": site.code,
        "name": site.name,
        "city": site.city,
        "default_units-TOTAL_FORMS": str(len(units)),
        "default_units-INITIAL_FORMS": str(len(units)),
        "default_units-MIN_NUM_FORMS": "0",
        "default_units-MAX_NUM_FORMS": "1000",
        "rulesets-TOTAL_FORMS": str(len(rows) + len(new)),
        "rulesets-INITIAL_FORMS": str(len(rows)),
        "rulesets-MIN_NUM_FORMS": "0",
        "rulesets-MAX_NUM_FORMS": "1000",
    }
    for i, unit in enumerate(units):
        data.update(
            {
                f"default_units-{i}-id": str(unit.pk),
                f"default_units-{i}-site": str(site.pk),
                f"default_units-{i}-test": unit.test,
                f"default_units-{i}-unit": unit.unit,
            }
        )
    for i, row in enumerate(rows):
        data.update(
            {
                f"rulesets-{i}-id": str(row.pk),
                f"rulesets-{i}-site": str(site.pk),
                f"rulesets-{i}-ruleset": row.ruleset,
                f"rulesets-{i}-effective_from": row.effective_from.isoformat(),
            }
        )
        data.update({f"rulesets-{i}-{name}": value for name, value in (changed or {}).get(row.pk, {}).items()})
    for k, (ruleset_id, day) in enumerate(new, start=len(rows)):
        data.update({f"rulesets-{k}-ruleset": ruleset_id, f"rulesets-{k}-effective_from": day.isoformat()})
    return client.post(reverse("admin:screening_site_change", args=[site.pk]), data)


def _tag(page: str, field_id: str) -> str:
    """The opening tag of the form field ``field_id``."""
    at = page.index(f'id="{field_id}"')
    return page[page.rfind("<", 0, at) : page.index(">", at) + 1]


def _stored(site: Site) -> list[tuple[str, datetime.date]]:
    return list(
        SiteRuleset.objects.filter(site=site).order_by("effective_from").values_list("ruleset", "effective_from")
    )


@pytest.mark.django_db
def test_staff_put_a_ruleset_in_force_from_a_date(client: Client, staff: User, alter_test: Ruleset) -> None:
    client.force_login(staff)
    ipc = Site.objects.get(code="IPC")

    page = client.get(reverse("admin:screening_site_change", args=[ipc.pk])).content.decode()
    response = _post(client, ipc, new=((TEST, _day(0)),))

    assert "rulesets-TOTAL_FORMS" in page and f"Known rulesets: {TEST}, {V1}." in html.unescape(page)
    assert response.status_code == 302, response.content.decode()
    assert _stored(ipc) == [(TEST, _day(0))]


@pytest.mark.django_db
def test_an_unknown_ruleset_is_refused_by_name(client: Client, staff: User) -> None:
    client.force_login(staff)
    ipc = Site.objects.get(code="IPC")

    response = _post(client, ipc, new=((TEST, _day(1)),))  # alter-test is not registered in this test

    assert response.status_code == 200  # the form again, with its error
    assert f"Unknown ruleset {TEST}: known are {V1}." in html.unescape(response.content.decode())
    assert _stored(ipc) == []


@pytest.mark.django_db
@pytest.mark.parametrize(("days_from_today", "accepted"), [(-1, False), (0, True), (1, True)])
def test_a_new_row_takes_effect_today_at_the_earliest(
    client: Client, staff: User, alter_test: Ruleset, days_from_today: int, accepted: bool
) -> None:
    client.force_login(staff)
    ipc = Site.objects.get(code="IPC")

    response = _post(client, ipc, new=((TEST, _day(days_from_today)),))

    assert (response.status_code == 302) == accepted
    assert _stored(ipc) == ([(TEST, _day(days_from_today))] if accepted else [])
    if not accepted:
        assert "A ruleset cannot take effect in the past" in html.unescape(response.content.decode())


@pytest.mark.django_db
@pytest.mark.parametrize("days_from_today", [0, -30])
def test_a_row_in_force_cannot_be_changed_or_deleted(
    client: Client, staff: User, alter_test: Ruleset, days_from_today: int
) -> None:
    client.force_login(staff)
    ipc = Site.objects.get(code="IPC")
    row = SiteRuleset.objects.create(site=ipc, ruleset=TEST, effective_from=_day(days_from_today))

    page = client.get(reverse("admin:screening_site_change", args=[ipc.pk])).content.decode()
    retyped = _post(client, ipc, changed={row.pk: {"ruleset": V1, "effective_from": _day(5).isoformat()}})
    deleted = _post(client, ipc, changed={row.pk: {"DELETE": "on"}})

    # Shown as stored, its fields and its delete box disabled.
    for name in ("ruleset", "effective_from", "DELETE"):
        assert " disabled" in _tag(page, f"id_rulesets-0-{name}")
    # What is posted for it is ignored: the row stays as it was.
    assert retyped.status_code == 302 and deleted.status_code == 302
    assert _stored(ipc) == [(TEST, _day(days_from_today))]


@pytest.mark.django_db
def test_a_future_row_can_be_changed_and_deleted(client: Client, staff: User, alter_test: Ruleset) -> None:
    client.force_login(staff)
    ipc = Site.objects.get(code="IPC")
    row = SiteRuleset.objects.create(site=ipc, ruleset=TEST, effective_from=_day(1))

    page = client.get(reverse("admin:screening_site_change", args=[ipc.pk])).content.decode()
    moved = _post(client, ipc, changed={row.pk: {"effective_from": _day(10).isoformat()}})
    assert moved.status_code == 302, moved.content.decode()
    assert _stored(ipc) == [(TEST, _day(10))]
    into_the_past = _post(client, ipc, changed={row.pk: {"effective_from": _day(-1).isoformat()}})
    assert into_the_past.status_code == 200 and _stored(ipc) == [(TEST, _day(10))]
    deleted = _post(client, ipc, changed={row.pk: {"DELETE": "on"}})

    assert all(
        " disabled" not in _tag(page, f"id_rulesets-0-{name}") for name in ("ruleset", "effective_from", "DELETE")
    )
    assert deleted.status_code == 302
    assert _stored(ipc) == []
