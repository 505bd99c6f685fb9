"""INC-03: disease (histology, extent), HER2-low, ER and PR < 10 % (criteria.md)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.builders import ABSENT, eligible_document, mentions, outcome_of, sample

# --- INC-03-DISEASE ------------------------------------------------------------------

DISEASE_TABLE = [
    # histologically_confirmed, extent, expected
    (True, "metastatic", "pass"),
    (True, "locally_advanced_unresectable", "pass"),
    (True, "locally_advanced_resectable", "fail"),
    (True, "early", "fail"),
    (False, "metastatic", "fail"),
    (False, None, "fail"),  # not confirmed decides it whatever the extent
    (None, "early", "fail"),  # another extent decides it whatever the histology
    (None, "locally_advanced_resectable", "fail"),
    (None, "metastatic", "missing"),
    (True, None, "missing"),
    (None, None, "missing"),
]


@pytest.mark.criterion("INC-03-DISEASE")
@pytest.mark.parametrize(("confirmed", "extent", "expected"), DISEASE_TABLE)
def test_disease_decision_table(confirmed: bool | None, extent: str | None, expected: str) -> None:
    doc = eligible_document(disease__histologically_confirmed=confirmed, disease__extent=extent)
    o = outcome_of(doc, "INC-03-DISEASE")
    assert o.outcome == expected
    if extent is not None and expected != "missing" and confirmed is not False:
        assert extent in o.reason


@pytest.mark.criterion("INC-03-DISEASE")
def test_disease_part_absent_missing() -> None:
    assert outcome_of(eligible_document(disease=ABSENT), "INC-03-DISEASE").outcome == "missing"


# --- INC-03-HER2 ----------------------------------------------------------------------
# One sample, not bilateral: the category of the sample decides.

HER2_ONE_SAMPLE = [
    # her2_ihc, her2_ish (ABSENT: key not given), expected
    ("1+", "negative", "pass"),
    ("1+", "not_done", "pass"),
    ("1+", ABSENT, "pass"),  # absent ISH counts as not done
    ("1+", None, "pass"),
    ("2+", "negative", "pass"),
    ("2+", "not_done", "missing"),
    ("2+", "equivocal", "missing"),
    ("2+", ABSENT, "missing"),
    ("1+", "equivocal", "missing"),
    (ABSENT, "negative", "missing"),  # no IHC
    (ABSENT, ABSENT, "missing"),
    ("3+", ABSENT, "fail"),
    ("3+", "negative", "fail"),
    ("1+", "positive", "fail"),
    ("2+", "positive", "fail"),
    ("0", "positive", "fail"),
    (ABSENT, "positive", "fail"),
    ("0", ABSENT, "fail"),
    ("0", "negative", "fail"),
    ("ultralow", ABSENT, "fail"),
    ("ultralow", "not_done", "fail"),
    ("0", "equivocal", "fail"),
]


def _her2_sample(ihc: object, ish: object, **more: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {"site": "primary", **more}
    if ihc is not ABSENT:
        fields["her2_ihc"] = ihc
    if ish is not ABSENT:
        fields["her2_ish"] = ish
    return sample(**fields)


@pytest.mark.criterion("INC-03-HER2")
@pytest.mark.parametrize(("ihc", "ish", "expected"), HER2_ONE_SAMPLE)
def test_her2_one_sample_decision_table(ihc: object, ish: object, expected: str) -> None:
    doc = eligible_document(disease__bilateral=False, tumour_samples=[_her2_sample(ihc, ish)])
    o = outcome_of(doc, "INC-03-HER2")
    assert o.outcome == expected
    if ihc is not ABSENT and ihc is not None:
        assert mentions(o.reason, f"IHC {ihc}")


@pytest.mark.criterion("INC-03-HER2")
@pytest.mark.parametrize("samples", [[], None, ABSENT])
def test_her2_no_samples_missing(samples: object) -> None:
    assert outcome_of(eligible_document(tumour_samples=samples), "INC-03-HER2").outcome == "missing"


HER2_SEVERAL_SAMPLES = [
    # samples as (site, ihc, ish), expected (not bilateral)
    ([("primary", "0", ABSENT), ("metastatic", "1+", ABSENT)], "pass"),  # primary or any metastatic site
    ([("primary", "ultralow", ABSENT), ("metastatic", "2+", "negative")], "pass"),
    ([("primary", "1+", ABSENT), ("metastatic", "3+", ABSENT)], "fail"),  # any HER2-positive sample fails
    ([("primary", "1+", "negative"), ("metastatic", "0", "positive")], "fail"),
    ([("primary", "0", ABSENT), ("metastatic", "2+", "not_done")], "missing"),
    ([("primary", "0", ABSENT), ("metastatic", "ultralow", ABSENT)], "fail"),
    ([("primary", "2+", "equivocal"), ("metastatic", "2+", "not_done")], "missing"),
    ([("primary", "2+", "equivocal"), ("metastatic", "1+", "not_done")], "pass"),
]


@pytest.mark.criterion("INC-03-HER2")
@pytest.mark.parametrize(("samples", "expected"), HER2_SEVERAL_SAMPLES)
def test_her2_several_samples_decision_table(samples: list[tuple[str, object, object]], expected: str) -> None:
    doc = eligible_document(
        disease__bilateral=False, tumour_samples=[_her2_sample(ihc, ish, site=site) for site, ihc, ish in samples]
    )
    assert outcome_of(doc, "INC-03-HER2").outcome == expected


# Bilateral cancer: each side must be HER2-low; the worse side counts (fail > missing > pass);
# a sample without laterality counts only towards "HER2-positive anywhere fails".
# `bilateral` absent: the outcome shared by both readings, else missing.
L, Rt, NONE = "left", "right", None

HER2_BILATERAL = [
    # samples as (laterality, ihc, ish), expected when bilateral = true, false, absent
    ([(L, "1+", ABSENT), (Rt, "1+", ABSENT)], "pass", "pass", "pass"),
    ([(L, "1+", ABSENT), (Rt, "2+", "negative")], "pass", "pass", "pass"),
    ([(L, "1+", ABSENT), (Rt, "0", ABSENT)], "fail", "pass", "missing"),
    ([(L, "0", ABSENT), (Rt, "1+", ABSENT)], "fail", "pass", "missing"),
    ([(L, "1+", ABSENT), (Rt, "2+", "equivocal")], "missing", "pass", "missing"),
    ([(L, "1+", ABSENT)], "missing", "pass", "missing"),  # no sample of the right side
    ([(Rt, "1+", ABSENT)], "missing", "pass", "missing"),
    ([(L, "0", ABSENT), (Rt, "2+", "not_done")], "fail", "missing", "missing"),  # fail over missing
    ([(L, "0", ABSENT), (Rt, "ultralow", ABSENT)], "fail", "fail", "fail"),
    ([(L, "2+", "equivocal"), (Rt, "2+", "not_done")], "missing", "missing", "missing"),
    ([(L, "1+", ABSENT), (Rt, "1+", ABSENT), (NONE, "3+", ABSENT)], "fail", "fail", "fail"),
    ([(L, "1+", ABSENT), (NONE, "1+", ABSENT)], "missing", "pass", "missing"),  # no laterality: not a side
    ([(L, "0", ABSENT), (Rt, "0", ABSENT), (NONE, "1+", ABSENT)], "fail", "pass", "missing"),
    ([(L, "1+", ABSENT), (L, "0", ABSENT), (Rt, "1+", "negative")], "pass", "pass", "pass"),
    ([(L, "1+", ABSENT), (Rt, "0", ABSENT), (Rt, "2+", "negative")], "pass", "pass", "pass"),
    ([(L, "1+", ABSENT), (Rt, "1+", "positive")], "fail", "fail", "fail"),
    ([(NONE, "1+", ABSENT)], "missing", "pass", "missing"),
]


@pytest.mark.criterion("INC-03-HER2")
@pytest.mark.parametrize(("samples", "if_bilateral", "if_not_bilateral", "if_unknown"), HER2_BILATERAL)
@pytest.mark.parametrize("bilateral", [True, False, None, ABSENT])
def test_her2_bilateral_decision_table(
    samples: list[tuple[str | None, object, object]],
    if_bilateral: str,
    if_not_bilateral: str,
    if_unknown: str,
    bilateral: object,
) -> None:
    expected = {True: if_bilateral, False: if_not_bilateral}.get(bilateral, if_unknown)
    tumour_samples = [
        _her2_sample(ihc, ish, site="primary" if side else "metastatic", **({"laterality": side} if side else {}))
        for side, ihc, ish in samples
    ]
    doc = eligible_document(disease__bilateral=bilateral, tumour_samples=tumour_samples)
    assert outcome_of(doc, "INC-03-HER2").outcome == expected


@pytest.mark.criterion("INC-03-HER2")
def test_her2_low_pass_reason_names_samples() -> None:
    o = outcome_of(eligible_document(), "INC-03-HER2")
    assert o.outcome == "pass"
    assert mentions(o.reason, "IHC 1+", "not_done")


@pytest.mark.criterion("INC-03-HER2")
def test_her2_positive_fail_reason_names_sample() -> None:
    doc = eligible_document(tumour_samples=[_her2_sample("1+", ABSENT), _her2_sample("3+", ABSENT, site="metastatic")])
    o = outcome_of(doc, "INC-03-HER2")
    assert o.outcome == "fail"
    assert mentions(o.reason, "IHC 3+")


# --- INC-03-HR -------------------------------------------------------------------------


def _hr_sample(er: object, pr: object, side: str | None = None) -> dict[str, Any]:
    fields: dict[str, Any] = {"site": "primary" if side else "metastatic"}
    if side is not None:
        fields["laterality"] = side
    if er is not ABSENT:
        fields["er_percent"] = er
    if pr is not ABSENT:
        fields["pr_percent"] = pr
    return sample(**fields)


HR_ONE_SAMPLE = [
    # er, pr, expected (one sample without laterality, bilateral false)
    (0, 2, "pass"),
    (9.9, 9.9, "pass"),
    (9.99, 0, "pass"),
    (10, 0, "fail"),
    (0, 10, "fail"),
    (10, 10, "fail"),
    (100, 0, "fail"),
    (0, ABSENT, "missing"),
    (ABSENT, 0, "missing"),
    (None, 5, "missing"),
    (10, ABSENT, "fail"),  # a reported value >= 10 fails whatever the other says
    (ABSENT, 10.5, "fail"),
    (ABSENT, ABSENT, "missing"),
]


@pytest.mark.criterion("INC-03-HR")
@pytest.mark.parametrize(("er", "pr", "expected"), HR_ONE_SAMPLE)
def test_hr_one_sample_decision_table(er: object, pr: object, expected: str) -> None:
    doc = eligible_document(disease__bilateral=False, tumour_samples=[_hr_sample(er, pr)])
    o = outcome_of(doc, "INC-03-HR")
    assert o.outcome == expected
    if expected == "fail":
        too_high = er if isinstance(er, int | float) and er >= 10 else pr
        assert mentions(o.reason, f"{too_high:g}%")


@pytest.mark.criterion("INC-03-HR")
@pytest.mark.parametrize("samples", [[], None, ABSENT])
def test_hr_no_samples_missing(samples: object) -> None:
    assert outcome_of(eligible_document(tumour_samples=samples), "INC-03-HR").outcome == "missing"


HR_SEVERAL = [
    # samples as (laterality, er, pr), expected when bilateral = true, false, absent
    ([(L, 0, 2)], "missing", "pass", "missing"),
    ([(L, 0, 2), (Rt, 1, 1)], "pass", "pass", "pass"),
    ([(L, 0, 2), (Rt, 1, ABSENT)], "missing", "pass", "missing"),
    ([(L, 0, 2), (Rt, 15, ABSENT)], "fail", "fail", "fail"),
    ([(L, 0, 2), (Rt, 1, 10)], "fail", "fail", "fail"),
    ([(L, 0, 2), (NONE, 0, 0)], "missing", "pass", "missing"),  # no laterality: not a side
    ([(L, 0, 2), (Rt, 0, 0), (NONE, 50, ABSENT)], "fail", "fail", "fail"),  # every reporting sample
    ([(L, 5, ABSENT), (L, ABSENT, 5), (Rt, 0, 0)], "missing", "pass", "missing"),  # both in one sample
    ([(L, 5, ABSENT), (NONE, 0, 0)], "missing", "pass", "missing"),
    ([(L, 5, ABSENT), (Rt, ABSENT, 3)], "missing", "missing", "missing"),
]


@pytest.mark.criterion("INC-03-HR")
@pytest.mark.parametrize(("samples", "if_bilateral", "if_not_bilateral", "if_unknown"), HR_SEVERAL)
@pytest.mark.parametrize("bilateral", [True, False, None, ABSENT])
def test_hr_bilateral_decision_table(
    samples: list[tuple[str | None, object, object]],
    if_bilateral: str,
    if_not_bilateral: str,
    if_unknown: str,
    bilateral: object,
) -> None:
    expected = {True: if_bilateral, False: if_not_bilateral}.get(bilateral, if_unknown)
    doc = eligible_document(
        disease__bilateral=bilateral, tumour_samples=[_hr_sample(er, pr, side) for side, er, pr in samples]
    )
    assert outcome_of(doc, "INC-03-HR").outcome == expected


@pytest.mark.criterion("INC-03-HR")
def test_hr_pass_reason_names_values() -> None:
    o = outcome_of(eligible_document(), "INC-03-HR")
    assert o.outcome == "pass"
    assert mentions(o.reason, "ER 0%", "PR 2%")
