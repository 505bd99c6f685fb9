"""The words of each ruleset: titles, reason templates and their variants, by ruleset id.

A stored result is read with the words of the ruleset it records, looked up by (ruleset,
criterion, code): a ruleset registered later has words of its own and never re-words an
earlier one's results. The application ships alter-v1's words only; tests register
theirs (:func:`registered_words`), like their rulesets (``rules.ruleset.registered``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

from django.utils.functional import Promise

from screening.reasons.labels import CRITERION_TITLES
from screening.reasons.templates import TEMPLATES, VARIANTS, Variant
from screening.rules import ruleset as rulesets
from screening.rules.parameters import Parameters
from screening.rules.ruleset import ALTER_V1

Text = Promise | str


@dataclass(frozen=True, slots=True)
class Words:
    """What the results of one ruleset read with."""

    ruleset: str
    titles: Mapping[str, Text]
    templates: Mapping[tuple[str, ...], Text]
    variants: Mapping[tuple[str, str], Variant]
    # The ruleset's declared numbers: a result stored before its values carried the
    # thresholds and windows reads with these, never with another ruleset's.
    parameters: Parameters
    # The criteria answered by a person (their templates say "<title>: yes").
    judgments: frozenset[str]

    def title(self, criterion_id: str) -> str:
        title = self.titles.get(criterion_id)
        return criterion_id if title is None else str(title)


ALTER_V1_WORDS: Final = Words(
    ruleset=ALTER_V1.id,
    titles=CRITERION_TITLES,
    templates=TEMPLATES,
    variants=VARIANTS,
    parameters=ALTER_V1.parameters,
    judgments=frozenset(c.id for c in ALTER_V1.judgments),
)

WORDS: Final[dict[str, Words]] = {ALTER_V1_WORDS.ruleset: ALTER_V1_WORDS}

# The ruleset of a result that names none: it was made before results named theirs, by alter-v1.
STORED_BEFORE_RULESETS: Final = ALTER_V1.id

# Reasons already rendered, by (language, ruleset, criterion as JSON): emptied whenever the
# words known change (tests registering theirs).
REASON_CACHE: Final[dict[tuple[str | None, str, str], str]] = {}


def words_of(ruleset_id: object) -> Words | None:
    """The words of ``ruleset_id``; None for a ruleset whose words this installation lacks
    (its results then show the rules' English sentences and the criterion ids)."""
    return WORDS.get(ruleset_id) if isinstance(ruleset_id, str) else None


def criterion_title(criterion_id: str, ruleset_id: object = ALTER_V1.id) -> str:
    """The title of ``criterion_id`` in ruleset ``ruleset_id``, in the active language."""
    words = words_of(ruleset_id)
    return criterion_id if words is None else words.title(criterion_id)


def words_for(
    ruleset_id: str,
    *,
    based_on: str | None = None,
    titles: Mapping[str, Text] | None = None,
    templates: Mapping[tuple[str, ...], Text] | None = None,
    variants: Mapping[tuple[str, str], Variant] | None = None,
) -> Words:
    """The words of a new ruleset: those of ``based_on`` (a ruleset with words) with the
    titles, templates and variants given added or replaced; its numbers and judgments are
    its declaration's (the ruleset must be registered)."""
    declared = rulesets.ruleset(ruleset_id)
    base = WORDS[based_on] if based_on is not None else None
    return Words(
        ruleset=ruleset_id,
        titles={**(base.titles if base else {}), **(titles or {})},
        templates={**(base.templates if base else {}), **(templates or {})},
        variants={**(base.variants if base else {}), **(variants or {})},
        parameters=declared.parameters,
        judgments=frozenset(c.id for c in declared.judgments),
    )


def register_words(words: Words) -> None:
    """Make ``words`` the words of its ruleset. A ruleset's words are given once: words for
    a ruleset that has some are refused (its stored results read with them)."""
    known = WORDS.get(words.ruleset)
    if known is not None and known is not words:
        raise ValueError(f"ruleset {words.ruleset!r} already has its words")
    WORDS[words.ruleset] = words
    REASON_CACHE.clear()


@contextlib.contextmanager
def registered_words(ruleset_id: str, **given: Any) -> Iterator[Words]:
    """Words for ``ruleset_id`` (see :func:`words_for`) for the duration of a ``with``
    block (tests), then forgotten."""
    words = words_for(ruleset_id, **given)
    register_words(words)
    try:
        yield words
    finally:
        del WORDS[ruleset_id]
        REASON_CACHE.clear()
