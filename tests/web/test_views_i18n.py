"""The French interface (screening/middleware.py, screening/locale/fr/): served to a user
whose profile asks for French, or whose browser does."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from screening.models import User


def _get_list(client: Client, user: User, how: str) -> Any:
    if how == "profile":
        user.language = "fr"
        user.save(update_fields=["language"])
        headers = {}
    else:
        headers = {"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"}
    client.force_login(user)
    return client.get(reverse("screening:list"), headers=headers)


@pytest.mark.django_db
@pytest.mark.parametrize("how", ["profile", "browser"])
def test_french_is_activated(client: Client, coordinator_ipc: User, how: str) -> None:
    response = _get_list(client, coordinator_ipc, how)

    assert response.status_code == 200
    assert response["Content-Language"] == "fr"
    assert '<html lang="fr">' in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("how", ["profile", "browser"])
def test_french_catalogue_is_served(client: Client, coordinator_ipc: User, how: str) -> None:
    response = _get_list(client, coordinator_ipc, how)

    page = response.content.decode()
    # The glossary (shared/glossary-fr.md): screening -> sélection.
    assert "sélection" in page.lower()
    assert ">Screenings<" not in page
    assert ">New screening<" not in page


@pytest.mark.django_db
def test_english_without_a_french_profile_or_browser(client: Client, coordinator_ipc: User) -> None:
    client.force_login(coordinator_ipc)

    response = client.get(reverse("screening:list"), headers={"Accept-Language": "en-GB,en;q=0.9"})

    assert response["Content-Language"] == "en"
    assert ">Screenings<" in response.content.decode()


@pytest.mark.django_db
def test_language_chosen_in_the_menu_wins_over_the_profile(client: Client, coordinator_ipc: User) -> None:
    coordinator_ipc.language = "fr"
    coordinator_ipc.save(update_fields=["language"])
    client.force_login(coordinator_ipc)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = client.get(reverse("screening:list"))

    assert response["Content-Language"] == "en"
    assert '<html lang="en">' in response.content.decode()
