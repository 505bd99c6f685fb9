"""The domain's refusals: one base, :class:`DomainError`, for every error a service raises
to say "not done, and here is why" (HackSoft's ``ApplicationError``).

A view catches the subclasses it can explain and turns each into a message; an error that
is not a :class:`DomainError` (a ``ValueError``, a ``KeyError``...) is a bug, not a
refusal, and is left to the error page and the logs. Each subclass is named for one
meaning and raised for that meaning only.

The FHIR mapping (``screening.fhir``) and the exchange format (``screening.exchange``)
know no Django and keep their own refusals (``RefusedInput``, ``FetchFailed``,
``RefusedDocument``), whose texts are translated where they are shown.
"""

from __future__ import annotations

from typing import ClassVar

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy


class DomainError(Exception):
    """A refusal the person can act on.

    ``message`` is translated (in the language active where the error was raised) and names
    what to do; ``code`` is stable across languages and releases, for programs and logs.
    A subclass sets its ``code`` and, when one sentence always fits, its ``default_message``.
    """

    code: ClassVar[str] = "refused"
    default_message: ClassVar[str | Promise] = gettext_lazy("This could not be done.")

    def __init__(self, message: str | Promise | None = None) -> None:
        self.message = str(self.default_message if message is None else message)
        super().__init__(self.message)
