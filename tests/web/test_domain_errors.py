"""One vocabulary of refusals (screening/errors.py): every error a service-layer module
raises is a :class:`DomainError` named for one meaning, with a translated message and a
stable code, and is raised for that meaning only."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest
from django.utils import translation

from screening import checklist, exchange, fhir_import, services
from screening.errors import DomainError
from screening.models import Screening, User
from tests.conftest import PASSWORD

# The modules of the service layer that define errors of their own. The FHIR mapping and
# the exchange format know no Django and keep their own refusals (screening/errors.py).
SERVICE_MODULES: list[ModuleType] = [services, fhir_import, checklist]


def _errors_defined_in(module: ModuleType) -> list[type[BaseException]]:
    return [
        value
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, BaseException) and value.__module__ == module.__name__
    ]


def test_every_service_error_is_a_domain_error() -> None:
    errors = [error for module in SERVICE_MODULES for error in _errors_defined_in(module)]

    assert services.UnlockRefused in errors  # the walk finds them
    assert [error.__qualname__ for error in errors if not issubclass(error, DomainError)] == []


def test_every_domain_error_has_a_code_of_its_own() -> None:
    errors = [error for module in SERVICE_MODULES for error in _errors_defined_in(module)]
    codes = [error.code for error in errors if issubclass(error, DomainError)]

    assert DomainError.code not in codes
    assert sorted(codes) == sorted(set(codes))


def test_a_default_message_is_translated_when_raised() -> None:
    with translation.override("fr"):
        french = services.SaveKeyReused().message
    english = services.SaveKeyReused().message

    assert english == "This form was already used for another save: reload the page."
    assert french != english


@pytest.mark.django_db
def test_an_unlock_refusal_is_not_a_signature_refusal(
    coordinator_ipc: User, investigator_ipc: User, screening_ipc: Screening
) -> None:
    """Unlocking is refused with its own error: a view that explains refused signatures
    must not catch it as one (nor the other way round)."""
    refusals: list[DomainError] = []
    for by, reason in ((coordinator_ipc, "wrong ECOG"), (investigator_ipc, " "), (investigator_ipc, "wrong ECOG")):
        with pytest.raises(services.UnlockRefused) as refused:
            services.screening_unlock(screening=screening_ipc, by=by, reason=reason)
        refusals.append(refused.value)

    assert [r.message for r in refusals] == [
        "Only an investigator can unlock a signed screening.",
        "Give the reason for unlocking.",
        "This screening is not locked.",
    ]
    assert not any(isinstance(r, services.SignatureRefused) for r in refusals)
    with pytest.raises(services.SignatureRefused) as signing:
        services.screening_sign(screening=screening_ipc, by=coordinator_ipc, password=PASSWORD, meaning="x")
    assert not isinstance(signing.value, services.UnlockRefused)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "english"),
    [
        ({"site": "IGR", "screening_id": None}, "you cannot enter screenings for IGR"),
        ({"screening_id": "IPC-0042"}, "this document is IPC-0042, not IPC-0007"),
    ],
)
def test_import_refusals_are_in_the_users_language(
    coordinator_ipc: User,
    screening_ipc: Screening,
    example_document: dict[str, Any],
    change: dict[str, Any],
    english: str,
) -> None:
    def refusal(language: str) -> str:
        with translation.override(language), pytest.raises(exchange.RefusedDocument) as refused:
            services.screening_import(
                raw={**example_document, **change},
                by=coordinator_ipc,
                screening=None if "site" in change else screening_ipc,
                allowed_sites={"IPC"},
            )
        [error] = refused.value.errors
        return error.message

    assert refusal("en") == english
    assert refusal("fr") != english
