"""Facts: what every rule reads, worked out once per screening.

The reference date, the lab result used for each test, the WOCBP status, the latest
pregnancy test and the Cockcroft-Gault CrCl are shared by several criteria; computing
them here keeps each rule a few lines long and makes them agree with one another.
"""

from __future__ import annotations

import datetime
from fractions import Fraction
from typing import NamedTuple

from screening.rules.dates import days_before, reference_date
from screening.rules.derived import CockcroftGault, WocbpStatus, cockcroft_gault, wocbp_status
from screening.rules.document import (
    BrainMetastases,
    Consent,
    Disease,
    Ild,
    Judgment,
    LabRow,
    Lvef,
    OtherTrial,
    Patient,
    PregnancyTestRow,
    PriorTherapy,
    Reproductive,
    ScreeningDocument,
    Support,
    TumourSampleRow,
)
from screening.rules.parameters import ALTER_V1_PARAMETERS, Parameters
from screening.rules.units import exact_canonical, number_text


class LabUsed(NamedTuple):
    """The result of one test that the rules use: the latest dated on or before R."""

    test: str
    lab_index: int  # position in the document's ``labs`` list
    value: Fraction  # exact, in the canonical unit (× ULN for bilirubin, ALT, AST)
    value_entered: float  # as decoded from the document (exact: units.exact)
    unit: str
    uln: float | None
    date: datetime.date
    days_before_reference: int

    @property
    def entered_text(self) -> str:
        # The numbers as written in the document: nothing to round.
        uln = f" (ULN {number_text(self.uln)})" if self.uln is not None else ""
        return f"{number_text(self.value_entered)} {self.unit}{uln} on {self.date.isoformat()}"


class PregnancyTestUsed(NamedTuple):
    test_index: int  # position in ``reproductive.pregnancy_tests``
    result: str
    type: str | None
    date: datetime.date
    days_before_reference: int


_EMPTY_BRAIN_METASTASES = BrainMetastases()


class Facts:
    """A screening document seen by the rules: parts never None, derived values ready."""

    __slots__ = (
        "parameters",
        "doc",
        "assessment_date",
        "reference_date",
        "patient",
        "consent",
        "disease",
        "brain_metastases",
        "tumour_samples",
        "lvef",
        "support",
        "reproductive",
        "pregnancy_tests",
        "prior_therapy",
        "drugs",
        "other_trial",
        "ild",
        "judgment",
        "labs",
        "wocbp",
        "pregnancy_test",
        "crcl",
    )

    def __init__(self, doc: ScreeningDocument, parameters: Parameters = ALTER_V1_PARAMETERS) -> None:
        # The numbers of the ruleset evaluating (alter-v1's unless said).
        self.parameters = parameters
        self.doc = doc
        self.assessment_date: datetime.date = doc.assessment_date
        self.reference_date: datetime.date = reference_date(doc.assessment_date, doc.planned_randomization_date)
        self.patient: Patient = doc.patient if doc.patient is not None else Patient()
        self.consent: Consent = doc.consent if doc.consent is not None else Consent()
        self.disease: Disease = doc.disease if doc.disease is not None else Disease()
        bm = self.disease.brain_metastases
        self.brain_metastases: BrainMetastases = bm if bm is not None else _EMPTY_BRAIN_METASTASES
        self.tumour_samples: list[TumourSampleRow] = doc.tumour_samples if doc.tumour_samples is not None else []
        self.lvef: Lvef = doc.lvef if doc.lvef is not None else Lvef()
        self.support: Support = doc.support if doc.support is not None else Support()
        self.reproductive: Reproductive = doc.reproductive if doc.reproductive is not None else Reproductive()
        tests = self.reproductive.pregnancy_tests
        self.pregnancy_tests: list[PregnancyTestRow] = tests if tests is not None else []
        self.prior_therapy: PriorTherapy = doc.prior_therapy if doc.prior_therapy is not None else PriorTherapy()
        drugs = self.prior_therapy.drugs
        self.drugs: list[str] = drugs if drugs is not None else []
        self.other_trial: OtherTrial = doc.other_trial if doc.other_trial is not None else OtherTrial()
        self.ild: Ild = doc.ild if doc.ild is not None else Ild()
        self.judgment: Judgment = doc.judgment if doc.judgment is not None else Judgment()

        self.labs: dict[str, LabUsed] = _labs_used(doc.labs or [], self.reference_date)
        self.wocbp: WocbpStatus = wocbp_status(
            patient=self.patient,
            reproductive=self.reproductive,
            assessment_date=self.assessment_date,
            postmenopausal_age_years=parameters.postmenopausal_age_years,
            amenorrhea_postmenopausal_months=parameters.amenorrhea_postmenopausal_months,
        )
        self.pregnancy_test: PregnancyTestUsed | None = _latest_pregnancy_test(
            self.pregnancy_tests, self.reference_date
        )
        self.crcl: CockcroftGault | None = self._crcl()

    def usable_lab(self, test: str) -> LabUsed | None:
        """The result used for ``test`` if it is recent enough, else None."""
        lab = self.labs.get(test)
        # Registry: "within 28 days before enrollment"; spec: (R - d).days > 28 -> missing.
        if lab is None or lab.days_before_reference > self.parameters.lab_window_days:
            return None
        return lab

    def support_window_start(self, lab: LabUsed | None) -> datetime.date:
        """S = min(L, A), with L the date of the result used; S = A without a usable result."""
        if lab is None or lab.date > self.assessment_date:
            return self.assessment_date
        return lab.date

    def in_support_window(self, day: datetime.date | None, lab: LabUsed | None) -> bool:
        """Spec: a support date d is in the window when (S - d).days < 7 and d <= R."""
        if day is None:
            return False
        start = self.support_window_start(lab)
        return days_before(start, day) < self.parameters.support_window_days and day <= self.reference_date

    def _crcl(self) -> CockcroftGault | None:
        creatinine = self.usable_lab("creatinine")
        p = self.patient
        if creatinine is None or p.sex is None or p.date_of_birth is None or p.weight_kg is None:
            return None
        return cockcroft_gault(
            sex=p.sex,
            date_of_birth=p.date_of_birth,
            weight_kg=p.weight_kg,
            creatinine_mg_dl=creatinine.value,
            creatinine_date=creatinine.date,
        )


def _labs_used(labs: list[LabRow], reference: datetime.date) -> dict[str, LabUsed]:
    """For each test, the result with the latest date on or before R; on a tie of dates
    the one listed last ("The most recent results available must be used")."""
    # test -> (index, date) of its latest result so far
    latest: dict[str, tuple[int, datetime.date]] = {}
    for index, lab in enumerate(labs):
        day = lab.date
        if lab.test is None or day is None or day > reference:
            continue
        seen = latest.get(lab.test)
        if seen is None or day >= seen[1]:
            latest[lab.test] = (index, day)
    used = {}
    for test, (index, _day) in latest.items():
        lab = labs[index]
        assert lab.value is not None and lab.unit is not None and lab.date is not None
        used[test] = LabUsed(
            test,
            index,
            exact_canonical(test, lab.value, lab.unit, lab.uln),
            lab.value,
            lab.unit,
            lab.uln,
            lab.date,
            (reference - lab.date).days,
        )
    return used


def _latest_pregnancy_test(tests: list[PregnancyTestRow], reference: datetime.date) -> PregnancyTestUsed | None:
    """The latest test dated on or before R; on a tie of dates the one listed last."""
    best: tuple[int, datetime.date, PregnancyTestRow] | None = None
    for index, test in enumerate(tests):
        if test.date is None or test.result is None or test.date > reference:
            continue
        if best is None or test.date >= best[1]:
            best = (index, test.date, test)
    if best is None:
        return None
    index, _date, test = best
    assert test.date is not None and test.result is not None
    return PregnancyTestUsed(
        test_index=index,
        result=test.result,
        type=test.type,
        date=test.date,
        days_before_reference=days_before(reference, test.date),
    )
