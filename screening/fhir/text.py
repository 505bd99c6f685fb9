"""Messages that the web pages show in the user's language and the command line in English.

This package knows no Django: a message is its English template and its values; whoever
shows it passes a ``translate`` function (Django's ``gettext`` on a page). The templates
are in the French catalogue (screening/locale/fr), marked with :func:`gettext_noop` where they are written.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


def _as_is(message: str) -> str:
    return message


@dataclass(frozen=True, slots=True)
class Text:
    template: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def render(self, translate: Callable[[str], str] = _as_is) -> str:
        text = translate(self.template)
        return text % dict(self.params) if self.params else text

    def __str__(self) -> str:
        return self.render()


def gettext_noop(message: str) -> str:
    """Marks a template for the French catalogue (``makemessages`` reads this name); the
    page translates it when it shows the message."""
    return message
