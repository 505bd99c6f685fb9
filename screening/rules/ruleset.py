"""Rulesets: the criteria of a protocol version, in spec order, and how to evaluate them.

``alter-v1`` implements ``shared/spec/criteria.md``. A protocol amendment adds a new
:class:`Ruleset` (``alter-v2``) beside it, reusing the rule functions that did not
change and new functions for those that did; ``alter-v1`` is never edited, so that a
stored evaluation can be reproduced with the ruleset id it records.
"""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Final, Literal

from screening.rules import exclusion, inclusion
from screening.rules.derived import CockcroftGault
from screening.rules.document import ScreeningDocument
from screening.rules.facts import Facts
from screening.rules.outcome import FAIL, MISSING, Outcome
from screening.rules.parameters import ALTER_V1_PARAMETERS, Parameters

Kind = Literal["inclusion", "exclusion"]
EligibilityStatus = Literal["eligible", "ineligible", "incomplete"]


@dataclass(frozen=True, slots=True)
class Criterion:
    """One criterion of a ruleset: its id, its kind, the rule deciding it, whether it is a
    judgment, and the form field that decides it (a screening's field, or the list whose
    rows do: "labs", "tumour_samples", "pregnancy_tests")."""

    id: str
    kind: Kind
    rule: Callable[[Facts], Outcome]
    # Answered by a person, confirmed by the investigator at sign-off.
    judgment: bool = False
    field: str = ""


@dataclass(frozen=True, slots=True)
class EligibilityResult:
    """The result of evaluating one screening document under one ruleset."""

    ruleset: str
    status: EligibilityStatus
    reference_date: datetime.date
    valid_until: datetime.date | None
    wocbp: bool | None
    crcl: CockcroftGault | None
    outcomes: tuple[tuple[Criterion, Outcome], ...]
    failed: tuple[str, ...]
    missing: tuple[str, ...]

    @property
    def crcl_ml_min(self) -> float | None:
        """CrCl as displayed: the exact value rounded half up to 1 decimal; the rule compares
        the exact, unrounded value."""
        return None if self.crcl is None else self.crcl.displayed


@dataclass(frozen=True, slots=True)
class Ruleset:
    id: str
    criteria: tuple[Criterion, ...]
    valid_until: Callable[[Facts], datetime.date | None]
    # Its thresholds and windows: the rules compare with these, the outcomes' values carry them.
    parameters: Parameters = ALTER_V1_PARAMETERS

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.criteria)

    @property
    def judgments(self) -> tuple[Criterion, ...]:
        """The criteria a person answers and the investigator confirms, in ruleset order."""
        return tuple(c for c in self.criteria if c.judgment)

    def criterion(self, criterion_id: str) -> Criterion | None:
        return next((c for c in self.criteria if c.id == criterion_id), None)

    def evaluate(self, doc: ScreeningDocument) -> EligibilityResult:
        """Evaluate every criterion of a validated document (see ``exchange.parse_screening``)."""
        parameters = self.parameters
        facts = Facts(doc, parameters)
        outcomes = []
        failed = []
        missing = []
        for criterion in self.criteria:
            outcome = criterion.rule(facts)
            assert outcome.id == criterion.id, (outcome.id, criterion.id)
            outcome.kind = criterion.kind
            # The numbers the rule compared with, so that the result reads with its own.
            outcome.values.update(parameters.values_of(criterion.id))
            outcomes.append((criterion, outcome))
            if outcome.outcome == FAIL:
                failed.append(criterion.id)
            elif outcome.outcome == MISSING:
                missing.append(criterion.id)
        status: EligibilityStatus
        if failed:
            status = "ineligible"
        elif missing:
            status = "incomplete"
        else:
            status = "eligible"
        # Spec invariants: eligible => no fail and no missing; ineligible => a fail.
        assert (status == "eligible") == (not failed and not missing)
        assert (status == "ineligible") == bool(failed)
        return EligibilityResult(
            ruleset=self.id,
            status=status,
            reference_date=facts.reference_date,
            valid_until=self.valid_until(facts) if status == "eligible" else None,
            wocbp=facts.wocbp.wocbp,
            crcl=facts.crcl,
            outcomes=tuple(outcomes),
            failed=tuple(failed),
            missing=tuple(missing),
        )


def valid_until_v1(f: Facts) -> datetime.date | None:
    """The last reference date on which the same data stay within every window: each lab
    used, its date + 28 days; the pregnancy test used by INC-09 (WOCBP), its date + 7."""
    p = f.parameters
    ends = [lab.date + datetime.timedelta(days=p.lab_window_days) for lab in f.labs.values()]
    if f.wocbp.wocbp is True and f.pregnancy_test is not None:
        ends.append(f.pregnancy_test.date + datetime.timedelta(days=p.pregnancy_test_window_days))
    return min(ends) if ends else None


_INC: Final = "inclusion"
_EXC: Final = "exclusion"

ALTER_V1: Final = Ruleset(
    id="alter-v1",
    criteria=(
        Criterion("INC-01", _INC, inclusion.inc_01_consent, field="consent_signed"),
        Criterion("INC-02", _INC, inclusion.inc_02_age, field="date_of_birth"),
        Criterion("INC-03-DISEASE", _INC, inclusion.inc_03_disease, field="histologically_confirmed"),
        Criterion("INC-03-HER2", _INC, inclusion.inc_03_her2, field="tumour_samples"),
        Criterion("INC-03-HR", _INC, inclusion.inc_03_hr, field="tumour_samples"),
        Criterion(
            "INC-04", _INC, inclusion.inc_04_eligible_for_sg_and_tdxd, judgment=True, field="eligible_for_sg_and_tdxd"
        ),
        Criterion("INC-05", _INC, inclusion.inc_05_ecog, field="ecog"),
        Criterion("INC-06", _INC, inclusion.inc_06_contraception, field="contraception_agreed"),
        Criterion("INC-07-HB", _INC, inclusion.inc_07_hb, field="labs"),
        Criterion("INC-07-ANC", _INC, inclusion.inc_07_anc, field="labs"),
        Criterion("INC-07-PLT", _INC, inclusion.inc_07_plt, field="labs"),
        Criterion("INC-07-BILI", _INC, inclusion.inc_07_bili, field="labs"),
        Criterion("INC-07-ALT", _INC, inclusion.inc_07_alt, field="labs"),
        Criterion("INC-07-AST", _INC, inclusion.inc_07_ast, field="labs"),
        Criterion("INC-07-ALB", _INC, inclusion.inc_07_alb, field="labs"),
        Criterion("INC-07-CRCL", _INC, inclusion.inc_07_crcl, field="labs"),
        Criterion("INC-08", _INC, inclusion.inc_08_lvef, field="lvef_percent"),
        Criterion("INC-09", _INC, inclusion.inc_09_pregnancy_test, field="pregnancy_tests"),
        Criterion("INC-10", _INC, inclusion.inc_10_social_security, judgment=True, field="social_security_affiliation"),
        Criterion("INC-11", _INC, inclusion.inc_11_compliance, judgment=True, field="willing_and_able_to_comply"),
        Criterion("EXC-01", _EXC, exclusion.exc_01_prior_adc, field="prior_her2_or_trop2_adc"),
        Criterion(
            "EXC-02", _EXC, exclusion.exc_02_cardiovascular, judgment=True, field="significant_cardiovascular_disease"
        ),
        Criterion("EXC-03", _EXC, exclusion.exc_03_brain_metastases, field="brain_metastases_present"),
        Criterion("EXC-04", _EXC, exclusion.exc_04_ild, field="ild_history_requiring_steroids"),
        Criterion(
            "EXC-05", _EXC, exclusion.exc_05_incompatible_condition, judgment=True, field="incompatible_condition"
        ),
        Criterion(
            "EXC-06", _EXC, exclusion.exc_06_hypersensitivity, judgment=True, field="hypersensitivity_to_trial_drugs"
        ),
        Criterion(
            "EXC-07",
            _EXC,
            exclusion.exc_07_confounding_condition,
            judgment=True,
            field="confounding_concurrent_condition",
        ),
        Criterion(
            "EXC-08", _EXC, exclusion.exc_08_hospitalisation, judgment=True, field="disease_requiring_hospitalisation"
        ),
        Criterion("EXC-09", _EXC, exclusion.exc_09_other_trial, field="other_trial_enrolled"),
        Criterion("EXC-10", _EXC, exclusion.exc_10_pregnancy, field="pregnant"),
        Criterion(
            "EXC-11",
            _EXC,
            exclusion.exc_11_deprived_of_liberty,
            judgment=True,
            field="deprived_of_liberty_or_guardianship",
        ),
        Criterion("EXC-12", _EXC, exclusion.exc_12_follow_up, judgment=True, field="unable_to_comply_with_follow_up"),
    ),
    valid_until=valid_until_v1,
    parameters=ALTER_V1_PARAMETERS,
)

# The rulesets this installation knows, by id. The application ships alter-v1 only; a
# protocol amendment adds its ruleset here (never changing an earlier one), and tests
# register theirs for the duration of a test (:func:`registered`).
RULESETS: Final[dict[str, Ruleset]] = {ALTER_V1.id: ALTER_V1}
# The ids of the rulesets the application ships (docs/traceability.md has a section for each).
SHIPPED: Final = tuple(RULESETS)
# In force at a site that records no ruleset (models.SiteRuleset), and for the `screen` command.
DEFAULT: Final = ALTER_V1
CURRENT: Final = DEFAULT  # (the name used before rulesets were chosen per site)


class UnknownRuleset(KeyError):
    """A ruleset id that this installation does not know (a typo, or a ruleset not shipped)."""


def ruleset(ruleset_id: str) -> Ruleset:
    """The registered ruleset ``ruleset_id``."""
    try:
        return RULESETS[ruleset_id]
    except KeyError:
        raise UnknownRuleset(ruleset_id) from None


def register(new: Ruleset) -> None:
    """Make ``new`` known by its id. An id names one ruleset forever: registering another
    ruleset under a known id is refused (stored evaluations name it)."""
    known = RULESETS.get(new.id)
    if known is not None and known is not new:
        raise ValueError(f"ruleset {new.id!r} is already registered as another ruleset")
    RULESETS[new.id] = new


@contextlib.contextmanager
def registered(new: Ruleset) -> Iterator[Ruleset]:
    """``new`` registered for the duration of a ``with`` block (tests), then forgotten."""
    already = new.id in RULESETS
    register(new)
    try:
        yield new
    finally:
        if not already:
            del RULESETS[new.id]


def evaluate(doc: ScreeningDocument, ruleset_id: str = DEFAULT.id) -> EligibilityResult:
    """Evaluate a validated document under the ruleset ``ruleset_id`` (the default one unless said)."""
    return ruleset(ruleset_id).evaluate(doc)
