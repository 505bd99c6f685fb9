"""A ruleset's numbers (rules/parameters.py): the rules compare with the parameters of the
ruleset evaluating, and each outcome's values carry the numbers it used (issue 12)."""

from __future__ import annotations

from typing import Any

import pytest

from screening.rules.outcome import Outcome
from screening.rules.ruleset import ALTER_V1, Ruleset
from tests.builders import LAB_DATE, eligible_document, lab, to_document, with_labs
from tests.rulesets import ALTER_TEST

# Born 1957-03-08: 68 on the creatinine date (tests/rules/test_crcl.py).
DOB_68_AT_LAB = "1957-03-08"


def _outcome(ruleset: Ruleset, doc: dict[str, Any], cid: str) -> Outcome:
    return dict((c.id, o) for c, o in ruleset.evaluate(to_document(doc)).outcomes)[cid]


def _crcl_doc(weight: float) -> dict[str, Any]:
    doc = eligible_document(patient__sex="male", patient__date_of_birth=DOB_68_AT_LAB, patient__weight_kg=weight)
    return with_labs(doc, "creatinine", lab("creatinine", 1.0, "mg/dL", LAB_DATE))


@pytest.mark.criterion("INC-07-CRCL")
@pytest.mark.parametrize(
    ("weight", "v1", "test"),
    [
        (40, "pass", "pass"),  # (140 - 68) x 40 / 72 = 40 exactly
        (39.99, "pass", "fail"),  # 39.99 mL/min: >= 30, < 40
        (30, "pass", "fail"),
        (29.99, "fail", "fail"),
    ],
)
def test_crcl_threshold_is_the_rulesets(weight: float, v1: str, test: str) -> None:
    under_v1, under_test = (
        _outcome(ALTER_V1, _crcl_doc(weight), "INC-07-CRCL"),
        _outcome(ALTER_TEST, _crcl_doc(weight), "INC-07-CRCL"),
    )
    assert (under_v1.outcome, under_test.outcome) == (v1, test)
    assert under_v1.values["min"] == 30 and under_test.values["min"] == 40
    assert (" >= 30 " if v1 == "pass" else " < 30 ") in under_v1.reason
    assert (" >= 40 " if test == "pass" else " < 40 ") in under_test.reason


@pytest.mark.criterion("INC-08")
@pytest.mark.parametrize(
    ("percent", "v1", "test"),
    [(55, "pass", "pass"), (54.9, "fail", "pass"), (50, "fail", "pass"), (49.9, "fail", "fail")],
)
def test_lvef_threshold_is_the_rulesets(percent: float, v1: str, test: str) -> None:
    doc = eligible_document(lvef__percent=percent)
    under_v1, under_test = _outcome(ALTER_V1, doc, "INC-08"), _outcome(ALTER_TEST, doc, "INC-08")
    assert (under_v1.outcome, under_test.outcome) == (v1, test)
    assert (under_v1.values["min"], under_test.values["min"]) == (55, 50)


def test_every_outcome_carries_its_rulesets_numbers() -> None:
    evaluation = ALTER_V1.evaluate(to_document(eligible_document()))
    for criterion, outcome in evaluation.outcomes:
        for key, number in ALTER_V1.parameters.values_of(criterion.id).items():
            assert outcome.values[key] == number, (criterion.id, key)
    values = {c.id: o.values for c, o in evaluation.outcomes}
    assert {k: values["INC-07-PLT"][k] for k in ("min", "window_days", "support_window_days")} == {
        "min": 100_000,
        "window_days": 28,
        "support_window_days": 7,
    }
    assert {k: values["INC-07-BILI"][k] for k in ("max_x_uln", "raised_below_x_uln")} == {
        "max_x_uln": 1.5,
        "raised_below_x_uln": 3,
    }
    assert values["INC-07-ALB"]["min"] == 2.5
    assert values["INC-09"]["window_days"] == 7
    assert values["EXC-09"]["window_days"] == 30
    assert values["EXC-03"]["min_days"] == 14


@pytest.mark.criterion("INC-06")
@pytest.mark.parametrize(
    ("overrides", "ground", "unknown"),
    [
        ({"reproductive__hysterectomy": True}, "hysterectomy", []),
        ({"patient__date_of_birth": "1960-01-01"}, "age", []),
        ({"patient__sex": "male"}, "male", []),
        ({"patient__sex": None}, "sex_unknown", []),
        (
            {
                "reproductive__hysterectomy": None,
                "reproductive__amenorrhea_months": 14,
                "reproductive__amenorrhea_other_cause": None,
            },
            None,
            ["hysterectomy", "amenorrhea"],
        ),
    ],
)
def test_wocbp_grounds_are_data(overrides: dict[str, Any], ground: str | None, unknown: list[str]) -> None:
    values = _outcome(ALTER_V1, eligible_document(**overrides), "INC-06").values
    assert (values["wocbp_ground"], values["wocbp_unknown"]) == (ground, unknown)
    assert values["postmenopausal_age_years"] == 60 and values["amenorrhea_min_months"] == 12


@pytest.mark.criterion("EXC-01")
def test_matched_adc_names_are_data() -> None:
    doc = eligible_document(
        prior_therapy__drugs=["Enhertu 5.4 mg/kg", "capecitabine", "fam-trastuzumab deruxtecan-nxki"]
    )
    values = _outcome(ALTER_V1, doc, "EXC-01").values
    assert values["matched"] == ["Enhertu 5.4 mg/kg", "fam-trastuzumab deruxtecan-nxki"]
    assert values["matched_names"] == ["Enhertu", "trastuzumab deruxtecan"]
