"""Titles of the criteria, labels of outcomes and statuses, and reasons in the page's
language, each looked up by the ruleset of the result shown.

- :mod:`.labels`: alter-v1's titles, the outcome and status labels, the words for values;
- :mod:`.templates`: alter-v1's reason templates, by (criterion id, code);
- :mod:`.words`: the words of each ruleset, by ruleset id (tests register theirs);
- :mod:`.formatting`: numbers, dates and units as French staff write them;
- :mod:`.render`: a stored criterion's reason, from its code and values;
- :mod:`.calculation`: the lab row a criterion used, and how CrCl was computed.
"""

from __future__ import annotations

from screening.reasons.calculation import crcl_calculation, lab_row_name, lab_value_text, row_used
from screening.reasons.labels import CRITERION_TITLES, LAB_CRITERIA, OUTCOME_LABELS, STATUS_LABELS, lab_test_name
from screening.reasons.render import _render, _template_key, localized_reason
from screening.reasons.templates import TEMPLATES
from screening.reasons.words import (
    STORED_BEFORE_RULESETS,
    Words,
    criterion_title,
    register_words,
    registered_words,
    words_for,
    words_of,
)

__all__ = [
    "CRITERION_TITLES",
    "LAB_CRITERIA",
    "OUTCOME_LABELS",
    "STATUS_LABELS",
    "STORED_BEFORE_RULESETS",
    "TEMPLATES",
    "Words",
    "_render",
    "_template_key",
    "criterion_title",
    "crcl_calculation",
    "lab_row_name",
    "lab_test_name",
    "lab_value_text",
    "localized_reason",
    "register_words",
    "registered_words",
    "row_used",
    "words_for",
    "words_of",
]
