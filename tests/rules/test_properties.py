"""Property-based tests: any valid document (fields absent or null, plausible lab values
in accepted units, dates not after R) evaluates without error, lists every criterion once
in spec order, gets the status its outcomes imply, and a better lab value never turns its
criterion from pass to fail."""

from __future__ import annotations

import copy
import datetime
from typing import Any, Final, NamedTuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from screening.rules.exclusion import HER2_OR_TROP2_ADC_NAMES
from screening.rules.ruleset import ALTER_V1
from screening.rules.units import LAB_UNITS
from tests.builders import ABSENT, eligible_document, evaluate_dict

BOUNDED = settings(max_examples=200, deadline=None, database=None)

ALL_IDS = ALTER_V1.ids
BOOL = st.booleans()

# Canonical ranges: plausible (exchange-format / criteria.md) and a band around the
# rule's threshold, where outcomes change, drawn as often as the whole range.
LAB_RANGES: Final[dict[str, tuple[float, float, float, float]]] = {
    "hemoglobin": (2.0, 25.0, 8.5, 9.5),
    "anc": (0.0, 100_000.0, 1_000.0, 2_000.0),
    "platelets": (1_000.0, 2_000_000.0, 90_000.0, 110_000.0),
    "creatinine": (0.1, 20.0, 0.5, 3.0),
    "albumin": (0.5, 7.0, 2.0, 3.0),
    "total_bilirubin": (0.0, 100.0, 1.0, 3.5),
    "alt": (0.0, 100.0, 2.5, 5.5),
    "ast": (0.0, 100.0, 2.5, 5.5),
}
LAB_TESTS = tuple(LAB_RANGES)


class _Back(NamedTuple):
    """A date ``days`` before R (or before A for ``of_assessment``), resolved once R is drawn.

    Strategies are built once at import with these placeholders: building strategies
    inside a composite for every example is what makes hypothesis slow.
    """

    days: int
    of_assessment: bool = False


def _back(max_days: int) -> st.SearchStrategy[_Back]:
    return st.integers(0, max_days).map(_Back)


def _floats(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


def _maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A value (about four times in five), or null, or absent (ABSENT: the key is left out)."""
    return st.tuples(st.integers(0, 9), strategy).map(
        lambda drawn: ABSENT if drawn[0] == 0 else None if drawn[0] == 1 else drawn[1]
    )


def _part(**fields: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """A document part whose fields may each be absent or null."""
    return st.fixed_dictionaries({key: _maybe(strategy) for key, strategy in fields.items()}).map(
        lambda part: {key: value for key, value in part.items() if value is not ABSENT}
    )


def _lab_entry(test: str) -> st.SearchStrategy[dict[str, Any]]:
    """One result of ``test`` in an accepted unit, plausible, dated on or before R."""
    lo, hi, band_lo, band_hi = LAB_RANGES[test]
    spec = LAB_UNITS[test]

    def build(drawn: tuple[float, str, _Back, float, bool]) -> dict[str, Any]:
        canonical, unit, date, uln, give_uln = drawn
        entry: dict[str, Any] = {"test": test, "unit": unit, "date": date}
        if spec.needs_uln:
            entry["uln"] = uln
            entry["value"] = canonical * uln
        else:
            entry["value"] = canonical * spec.divisors[unit]
            if give_uln:
                entry["uln"] = uln  # a ULN may be given for any test
        return entry

    return st.tuples(
        st.one_of(_floats(lo, hi), _floats(band_lo, band_hi)),
        st.sampled_from(sorted(spec.divisors)),
        _back(35),
        _floats(0.5, 100.0),
        st.booleans(),
    ).map(build)


LABS_PER_TEST = st.fixed_dictionaries({test: st.lists(_lab_entry(test), max_size=3) for test in LAB_TESTS})
LABS = LABS_PER_TEST.flatmap(
    lambda per_test: st.permutations([entry for entries in per_test.values() for entry in entries])
)

DRUGS = st.sampled_from(
    [*HER2_OR_TROP2_ADC_NAMES, "paclitaxel", "trastuzumab", "Enhertu 5.4 mg/kg", "capecitabine", "pembrolizumab"]
)
SAMPLE = _part(
    site=st.sampled_from(["primary", "metastatic"]),
    laterality=st.sampled_from(["left", "right"]),
    date=_back(2000),
    er_percent=_floats(0, 100),
    pr_percent=_floats(0, 100),
    her2_ihc=st.sampled_from(["0", "ultralow", "1+", "2+", "3+"]),
    her2_ish=st.sampled_from(["negative", "positive", "equivocal", "not_done"]),
)
PREGNANCY_TEST = st.fixed_dictionaries(
    {"result": st.sampled_from(["negative", "positive"]), "date": _back(20)},
    optional={"type": st.sampled_from(["serum", "urine"])},
)
BODY_STRATEGIES: dict[str, st.SearchStrategy[Any]] = {
    "patient": _maybe(
        _part(
            initials=st.just("XY"),
            sex=st.sampled_from(["female", "male"]),
            # age 0 to 120 at A
            date_of_birth=st.integers(0, 120 * 365).map(lambda n: _Back(n, of_assessment=True)),
            weight_kg=_floats(25, 300),
        )
    ),
    "consent": _maybe(_part(signed=BOOL, date=_back(60), impartial_witness=BOOL)),
    "disease": _maybe(
        _part(
            histologically_confirmed=BOOL,
            extent=st.sampled_from(
                ["metastatic", "locally_advanced_unresectable", "locally_advanced_resectable", "early"]
            ),
            bilateral=BOOL,
            liver_metastases=BOOL,
            brain_metastases=_part(
                present=BOOL,
                treated=BOOL,
                symptomatic=BOOL,
                corticosteroids_ongoing=BOOL,
                stable_on_mri=BOOL,
                last_local_treatment_date=_back(60),
            ),
        )
    ),
    "tumour_samples": _maybe(st.lists(SAMPLE, max_size=4)),
    "ecog": _maybe(st.integers(0, 4)),
    "lvef": _maybe(_part(percent=_floats(5, 90), method=st.sampled_from(["echocardiogram", "muga"]), date=_back(90))),
    "labs": _maybe(LABS),
    "support": _maybe(_part(rbc_transfusion_date=_back(40), gcsf_date=_back(40), platelet_transfusion_date=_back(40))),
    "gilbert_syndrome": _maybe(BOOL),
    "reproductive": _maybe(
        _part(
            hysterectomy=BOOL,
            bilateral_oophorectomy=BOOL,
            amenorrhea_months=st.integers(0, 600),
            amenorrhea_other_cause=BOOL,
            pregnant=BOOL,
            breastfeeding=BOOL,
            plans_pregnancy=BOOL,
            pregnancy_tests=st.lists(PREGNANCY_TEST, max_size=3),
        )
    ),
    "contraception_agreed": _maybe(BOOL),
    "prior_therapy": _maybe(_part(her2_or_trop2_adc=BOOL, drugs=st.lists(DRUGS, max_size=3))),
    "other_trial": _maybe(_part(enrolled=BOOL, last_date=_back(60))),
    "ild": _maybe(_part(history_requiring_steroids=BOOL, current=BOOL, suspected_not_ruled_out=BOOL)),
    "judgment": _maybe(
        _part(
            eligible_for_sg_and_tdxd=BOOL,
            social_security_affiliation=BOOL,
            willing_and_able_to_comply=BOOL,
            significant_cardiovascular_disease=BOOL,
            incompatible_condition=BOOL,
            hypersensitivity_to_trial_drugs=BOOL,
            confounding_concurrent_condition=BOOL,
            disease_requiring_hospitalisation=BOOL,
            deprived_of_liberty_or_guardianship=BOOL,
            unable_to_comply_with_follow_up=BOOL,
        )
    ),
}
BODY_FIELDS = tuple(BODY_STRATEGIES)
BODY = st.fixed_dictionaries(BODY_STRATEGIES)


def _resolve(node: Any, a: datetime.date, r: datetime.date) -> Any:
    """Replace the date placeholders by ISO dates and drop absent keys."""
    if isinstance(node, _Back):
        return ((a if node.of_assessment else r) - datetime.timedelta(days=node.days)).isoformat()
    if isinstance(node, dict):
        return {key: _resolve(value, a, r) for key, value in node.items() if value is not ABSENT}
    if isinstance(node, list):
        return [_resolve(value, a, r) for value in node]
    return node


def _document(drawn: tuple[datetime.date, int | None, dict[str, Any]]) -> dict[str, Any]:
    a, days_to_randomization, body = drawn
    r = a if days_to_randomization is None else a + datetime.timedelta(days=days_to_randomization)
    doc: dict[str, Any] = {"format": "alter-screening/1", "site": "IPC", "assessment_date": a.isoformat()}
    if days_to_randomization is not None:
        doc["planned_randomization_date"] = r.isoformat()
    doc.update(_resolve(body, a, r))
    return doc


def random_documents() -> st.SearchStrategy[dict[str, Any]]:
    return st.tuples(
        st.dates(datetime.date(2024, 1, 1), datetime.date(2027, 12, 31)), st.none() | st.integers(0, 30), BODY
    ).map(_document)


def _near_eligible(
    drawn: tuple[int, dict[str, bool], dict[str, Any], dict[str, bool], dict[str, Any]],
) -> dict[str, Any]:
    days_to_randomization, replace, body, replace_lab, labs = drawn
    doc = eligible_document()
    a = datetime.date.fromisoformat(doc["assessment_date"])
    r = a + datetime.timedelta(days=days_to_randomization)
    doc["planned_randomization_date"] = r.isoformat()
    resolved = _resolve(body, a, r)
    for key, yes in replace.items():
        if yes:
            doc.pop(key, None)
            if key in resolved:
                doc[key] = resolved[key]
    for test, yes in replace_lab.items():
        if yes:
            doc["labs"] = [e for e in doc.get("labs") or [] if e["test"] != test] + _resolve(labs[test], a, r)
    return doc


def near_eligible_documents() -> st.SearchStrategy[dict[str, Any]]:
    """The eligible example with some parts and some tests' results replaced at random."""
    sometimes = st.integers(0, 9).map(lambda n: n == 0)
    return st.tuples(
        st.integers(0, 5),
        st.fixed_dictionaries({key: sometimes for key in BODY_FIELDS}),
        BODY,
        st.fixed_dictionaries({test: sometimes for test in LAB_TESTS}),
        LABS_PER_TEST,
    ).map(_near_eligible)


def documents() -> st.SearchStrategy[dict[str, Any]]:
    """A valid `alter-screening/1` document: any field may be absent or null; lab values
    plausible in an accepted unit; observations dated on or before R; age 0 to 120.
    Half are random throughout, half the eligible example with parts replaced."""
    return st.one_of(random_documents(), near_eligible_documents())


def _outcomes(doc: dict[str, Any]) -> dict[str, str]:
    return {o.id: o.outcome for _, o in evaluate_dict(doc).outcomes}


@BOUNDED
@given(documents())
def test_any_valid_document_evaluates_every_criterion_once_with_status_from_outcomes(doc: dict[str, Any]) -> None:
    evaluation = evaluate_dict(doc)  # never raises

    # Every criterion once, in spec order.
    assert tuple(c.id for c, _ in evaluation.outcomes) == ALL_IDS
    assert tuple(o.id for _, o in evaluation.outcomes) == ALL_IDS
    assert len(ALL_IDS) == 32
    for _, outcome in evaluation.outcomes:
        assert outcome.outcome in {"pass", "fail", "missing", "not_applicable"}
        assert isinstance(outcome.reason, str)
        assert outcome.reason

    # The status follows the outcomes.
    outcomes = {o.id: o.outcome for _, o in evaluation.outcomes}
    values = list(outcomes.values())
    assert evaluation.failed == tuple(i for i, o in outcomes.items() if o == "fail")
    assert evaluation.missing == tuple(i for i, o in outcomes.items() if o == "missing")
    assert (evaluation.status == "eligible") == ("fail" not in values and "missing" not in values)
    assert (evaluation.status == "ineligible") == ("fail" in values)
    assert (evaluation.status == "incomplete") == ("fail" not in values and "missing" in values)
    # valid_until is given for an eligible result only (every lab criterion needs a lab).
    assert (evaluation.valid_until is not None) == (evaluation.status == "eligible")

    # Derived values agree with the outcomes.
    assert (evaluation.crcl_ml_min is None) == (outcomes["INC-07-CRCL"] == "missing")
    assert {i for i, o in outcomes.items() if o == "not_applicable"} <= {"INC-06", "INC-09", "EXC-10"}
    sex = (doc.get("patient") or {}).get("sex")
    if sex == "male":
        assert evaluation.wocbp is False
        assert outcomes["INC-09"] == "not_applicable"
        assert outcomes["EXC-10"] == "not_applicable"
        assert outcomes["INC-06"] != "not_applicable"
    if sex == "female":
        assert outcomes["EXC-10"] != "not_applicable"
    if sex is None:
        assert evaluation.wocbp is None
    if evaluation.wocbp is None:
        assert outcomes["INC-06"] == "missing"
        assert outcomes["INC-09"] == "missing"
    if evaluation.wocbp is True:
        assert "not_applicable" not in (outcomes["INC-06"], outcomes["INC-09"])

    # Nothing but the document counts: the same document evaluates the same way.
    assert evaluate_dict(copy.deepcopy(doc)) == evaluation


# --- monotonicity: a better value never turns pass into fail ------------------------------

IMPROVEMENTS = [
    # test, criterion, direction in which the value gets better
    ("hemoglobin", "INC-07-HB", "up"),
    ("anc", "INC-07-ANC", "up"),
    ("platelets", "INC-07-PLT", "up"),
    ("albumin", "INC-07-ALB", "up"),
    ("total_bilirubin", "INC-07-BILI", "down"),
    ("alt", "INC-07-ALT", "down"),
    ("ast", "INC-07-AST", "down"),
    ("creatinine", "INC-07-CRCL", "down"),  # lower creatinine: higher CrCl
]


def _improved(doc: dict[str, Any], fractions: dict[str, float], weight_kg: float, lvef: float) -> dict[str, Any]:
    """Every lab result moved its test's fraction of the way towards the best plausible
    value; weight (CrCl) and LVEF no lower than before."""
    better = copy.deepcopy(doc)
    direction = {test: way for test, _, way in IMPROVEMENTS}
    for entry in better.get("labs") or []:
        test = entry["test"]
        lo, hi, _, _ = LAB_RANGES[test]
        spec = LAB_UNITS[test]
        scale = entry["uln"] if spec.needs_uln else spec.divisors[entry["unit"]]
        best = (hi if direction[test] == "up" else lo) * scale
        value = entry["value"] + fractions[test] * (best - entry["value"])
        entry["value"] = max(value, entry["value"]) if direction[test] == "up" else min(value, entry["value"])
    patient = better.get("patient") or {}
    if patient.get("weight_kg") is not None:
        patient["weight_kg"] = max(patient["weight_kg"], weight_kg)
    heart = better.get("lvef") or {}
    if heart.get("percent") is not None:
        heart["percent"] = max(heart["percent"], lvef)
    return better


@pytest.mark.criterion(
    "INC-07-HB", "INC-07-ANC", "INC-07-PLT", "INC-07-ALB", "INC-07-BILI", "INC-07-ALT", "INC-07-AST", "INC-07-CRCL",
    "INC-08",
)  # fmt: skip
@BOUNDED
@given(
    doc=documents(),
    fractions=st.fixed_dictionaries({test: st.floats(0, 1) for test in LAB_TESTS}),
    weight_kg=_floats(25, 300),
    lvef=_floats(5, 90),
)
def test_better_lab_value_never_turns_pass_into_fail(
    doc: dict[str, Any], fractions: dict[str, float], weight_kg: float, lvef: float
) -> None:
    # Raising hemoglobin, ANC, platelets, albumin, weight or LVEF, or lowering bilirubin,
    # ALT, AST or creatinine, keeps a passing criterion passing.
    before = _outcomes(doc)
    after = _outcomes(_improved(doc, fractions, weight_kg, lvef))
    for criterion in [c for _, c, _ in IMPROVEMENTS] + ["INC-08"]:
        if before[criterion] == "pass":
            assert after[criterion] == "pass", criterion


# --- valid_until: the last reference date on which the same data stay eligible ------------


@st.composite
def eligible_variants(draw: st.DrawFn) -> dict[str, Any]:
    """The eligible example with lab and pregnancy-test dates anywhere in their windows."""
    doc = eligible_document(patient__sex=draw(st.sampled_from(["female", "male"])))
    a = datetime.date.fromisoformat(doc["assessment_date"])
    r = a + datetime.timedelta(days=draw(st.integers(0, 10)))
    doc["planned_randomization_date"] = r.isoformat()
    for entry in doc["labs"]:
        entry["date"] = (r - datetime.timedelta(days=draw(st.integers(0, 28)))).isoformat()
    test = doc["reproductive"]["pregnancy_tests"][0]
    test["date"] = (r - datetime.timedelta(days=draw(st.integers(0, 7)))).isoformat()
    return doc


@pytest.mark.criterion("INC-07-HB", "INC-07-ANC", "INC-07-PLT", "INC-07-CRCL", "INC-09")
@BOUNDED
@given(eligible_variants())
def test_valid_until_is_the_last_eligible_reference_date(doc: dict[str, Any]) -> None:
    evaluation = evaluate_dict(doc)
    assert evaluation.status == "eligible"
    assert evaluation.valid_until is not None
    assert evaluation.valid_until >= evaluation.reference_date
    last = copy.deepcopy(doc)
    last["planned_randomization_date"] = evaluation.valid_until.isoformat()
    assert evaluate_dict(last).status == "eligible"
    late = copy.deepcopy(doc)
    late["planned_randomization_date"] = (evaluation.valid_until + datetime.timedelta(days=1)).isoformat()
    assert evaluate_dict(late).status == "incomplete"
