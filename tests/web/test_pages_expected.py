"""Pages a person expects: the 403 and 404 pages in the app's layout with the user's menu
(templates/403.html, 404.html), and the language switch on the login page (alter/urls.py)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from screening.models import Screening, User


def _menu(page: str) -> str:
    return page.split('<nav class="navbar', 1)[1].split("</nav>", 1)[0]


@pytest.mark.django_db
def test_a_missing_right_shows_the_403_page_with_the_menu(client: Client, coordinator_ipc: User) -> None:
    client.force_login(coordinator_ipc)

    response = client.get(reverse("screening:review_queue"))  # investigators only

    page = response.content.decode()
    assert response.status_code == 403
    assert "You are not allowed to do this" in page and 'data-testid="forbidden"' in page
    assert "You are signed in as Coord Test (Coordinator)" in " ".join(page.split())
    menu = _menu(page)
    assert f'href="{reverse("screening:list")}"' in menu and f'href="{reverse("screening:log")}"' in menu
    assert 'data-testid="current-user">Coord Test' in menu and 'action="/accounts/logout/"' in page
    assert "403 Forbidden" not in page


@pytest.mark.django_db
def test_the_403_page_in_french(client: Client, coordinator_ipc: User) -> None:
    coordinator_ipc.language = "fr"
    coordinator_ipc.save(update_fields=["language"])
    client.force_login(coordinator_ipc)

    response = client.get(reverse("screening:review_queue"))

    assert response.status_code == 403
    assert '<html lang="fr">' in response.content.decode()
    assert "Retour à la liste des sélections" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/no-such-page/", "/screenings/IGR-0003/"])
def test_a_missing_page_shows_the_404_page_with_the_menu(
    client: Client, coordinator_ipc: User, screening_igr: Screening, path: str
) -> None:
    """An unknown address, and another site's screening: the same page (no leak)."""
    client.force_login(coordinator_ipc)

    response = client.get(path)

    page = response.content.decode()
    assert response.status_code == 404
    assert "Page not found" in page and 'data-testid="not-found"' in page
    assert 'data-testid="current-user">Coord Test' in _menu(page)
    assert "IGR-0003" not in page.split("<main", 1)[1].replace(path, "")


@pytest.mark.django_db
def test_the_login_page_offers_the_languages(client: Client) -> None:
    page = client.get(reverse("login")).content.decode()

    switch = page.split('data-testid="login-language"', 1)[1].split("</form>", 1)[0]
    assert f'action="{reverse("set_language")}"' in page
    assert 'name="language" value="fr"' in switch and "Français" in switch
    assert 'name="language" value="en"' in switch and "English" in switch


@pytest.mark.django_db
def test_choosing_french_on_the_login_page_before_signing_in(client: Client) -> None:
    login = reverse("login") + "?next=/screenings/"

    response = client.post(reverse("set_language"), {"language": "fr", "next": login})

    # Anonymous, yet not sent to the login page first: the choice is made, then back to it.
    assert response.status_code == 302 and response["Location"] == login
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    page = client.get(login).content.decode()
    assert '<html lang="fr">' in page and "Se connecter" in page
    assert 'value="fr" lang="fr" class="btn btn-sm btn-secondary" aria-current="true"' in page
