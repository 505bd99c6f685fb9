"""Investigator judgments: INC-04, INC-10, INC-11 (true -> pass) and EXC-02, EXC-05..08,
EXC-11, EXC-12 (true -> fail); absent -> missing (criteria.md)."""

from __future__ import annotations

import pytest

from screening.rules.ruleset import ALTER_V1
from tests.builders import ABSENT, eligible_document, evaluate_dict, outcome_of

INCLUSION_JUDGMENTS = [
    ("INC-04", "eligible_for_sg_and_tdxd"),
    ("INC-10", "social_security_affiliation"),
    ("INC-11", "willing_and_able_to_comply"),
]
EXCLUSION_JUDGMENTS = [
    ("EXC-02", "significant_cardiovascular_disease"),
    ("EXC-05", "incompatible_condition"),
    ("EXC-06", "hypersensitivity_to_trial_drugs"),
    ("EXC-07", "confounding_concurrent_condition"),
    ("EXC-08", "disease_requiring_hospitalisation"),
    ("EXC-11", "deprived_of_liberty_or_guardianship"),
    ("EXC-12", "unable_to_comply_with_follow_up"),
]
ALL_JUDGMENTS = INCLUSION_JUDGMENTS + EXCLUSION_JUDGMENTS
INCLUSION_ANSWERS = [(True, "pass"), (False, "fail"), (None, "missing"), (ABSENT, "missing")]
EXCLUSION_ANSWERS = [(True, "fail"), (False, "pass"), (None, "missing"), (ABSENT, "missing")]


@pytest.mark.criterion("INC-04", "INC-10", "INC-11")
@pytest.mark.parametrize(("criterion", "field"), INCLUSION_JUDGMENTS)
@pytest.mark.parametrize(("answer", "expected"), INCLUSION_ANSWERS)
def test_inclusion_judgment_true_pass_false_fail_absent_missing(
    criterion: str, field: str, answer: object, expected: str
) -> None:
    o = outcome_of(eligible_document(**{f"judgment__{field}": answer}), criterion)
    assert o.outcome == expected
    assert o.reason


@pytest.mark.criterion("EXC-02", "EXC-05", "EXC-06", "EXC-07", "EXC-08", "EXC-11", "EXC-12")
@pytest.mark.parametrize(("criterion", "field"), EXCLUSION_JUDGMENTS)
@pytest.mark.parametrize(("answer", "expected"), EXCLUSION_ANSWERS)
def test_exclusion_judgment_true_fail_false_pass_absent_missing(
    criterion: str, field: str, answer: object, expected: str
) -> None:
    o = outcome_of(eligible_document(**{f"judgment__{field}": answer}), criterion)
    assert o.outcome == expected
    assert o.reason


@pytest.mark.criterion(
    "INC-04", "INC-10", "INC-11", "EXC-02", "EXC-05", "EXC-06", "EXC-07", "EXC-08", "EXC-11", "EXC-12"
)
@pytest.mark.parametrize(("criterion", "field"), ALL_JUDGMENTS)
def test_judgment_part_absent_missing(criterion: str, field: str) -> None:
    assert outcome_of(eligible_document(judgment=ABSENT), criterion).outcome == "missing"


@pytest.mark.criterion(
    "INC-04", "INC-10", "INC-11", "EXC-02", "EXC-05", "EXC-06", "EXC-07", "EXC-08", "EXC-11", "EXC-12"
)
@pytest.mark.parametrize(("criterion", "field"), ALL_JUDGMENTS)
def test_judgment_answer_changes_only_its_criterion(criterion: str, field: str) -> None:
    flipped = {True: False, False: True}[eligible_document()["judgment"][field]]
    evaluation = evaluate_dict(eligible_document(**{f"judgment__{field}": flipped}))
    assert evaluation.failed == (criterion,)
    assert evaluation.missing == ()
    assert evaluation.status == "ineligible"


@pytest.mark.criterion(
    "INC-04", "INC-10", "INC-11", "EXC-02", "EXC-05", "EXC-06", "EXC-07", "EXC-08", "EXC-11", "EXC-12"
)
def test_judgments_are_flagged_as_judgments_in_the_ruleset() -> None:
    judged = {c.id for c in ALTER_V1.criteria if c.judgment}
    assert judged == {criterion for criterion, _ in ALL_JUDGMENTS}
