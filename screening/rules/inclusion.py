"""Inclusion criteria of ALTER (ruleset alter-v1), one function per criterion id.

Each function takes the screening's :class:`Facts` and returns an :class:`Outcome`
whose reason names the values used. The docstring quotes the registry sentence that
the rule implements; ``shared/spec/criteria.md`` gives the reading chosen. Each compares
with the thresholds and windows of the ruleset evaluating (``f.parameters``,
rules/parameters.py: alter-v1's named constants are there), so that an amendment reuses a
rule with other numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from fractions import Fraction
from typing import Final

from screening.rules.dates import age_years
from screening.rules.derived import COCKCROFT_GAULT_FEMALE_FACTOR
from screening.rules.document import TumourSampleRow
from screening.rules.facts import Facts, LabUsed
from screening.rules.outcome import FAIL, MISSING, NOT_APPLICABLE, PASS, Outcome, OutcomeValue, worse
from screening.rules.units import at_least, is_converted, number_text, shown_beside

ACCEPTED_EXTENTS: Final = frozenset({"metastatic", "locally_advanced_unresectable"})


def _yes_no(criterion: str, answer: bool | None, what: str, field: str) -> Outcome:
    """A criterion answered by a person: true -> pass, false -> fail, absent -> missing."""
    if answer is None:
        return Outcome(criterion, MISSING, f"{what}: not answered yet", "not_answered", {field: None})
    if answer:
        return Outcome(criterion, PASS, f"{what}: yes", "yes", {field: True})
    return Outcome(criterion, FAIL, f"{what}: no", "no", {field: False})


def inc_01_consent(f: Facts) -> Outcome:
    """Registry: "Patient must have signed a written informed consent prior to any trial
    specific procedures." (An impartial witness may sign for a patient unable to write.)"""
    c = f.consent
    a = f.assessment_date
    witness = " (impartial witness)" if c.impartial_witness else ""
    values = {
        "signed": c.signed,
        "consent_date": c.date,
        "assessment_date": a,
        "impartial_witness": c.impartial_witness,
    }
    if c.signed is False:
        return Outcome("INC-01", FAIL, "Informed consent not signed", "not_signed", values)
    if c.date is not None and c.date > a:
        return Outcome(
            "INC-01",
            FAIL,
            f"Consent dated {c.date.isoformat()}, after the screening assessment of {a.isoformat()}: "
            "consent must precede any trial procedure; the patient may be re-screened once "
            "consent precedes the assessment",
            "consent_after_assessment",
            values,
        )
    if c.signed is None:
        return Outcome("INC-01", MISSING, "Informed consent: not known whether signed", "signed_unknown", values)
    if c.date is None:
        return Outcome("INC-01", MISSING, "Informed consent signed, date not given", "date_unknown", values)
    return Outcome("INC-01", PASS, f"Consent signed {c.date.isoformat()}{witness}", "signed", values)


def inc_02_age(f: Facts) -> Outcome:
    """Registry: "Men or women ≥ 18 years of age"."""
    dob = f.patient.date_of_birth
    if dob is None:
        return Outcome("INC-02", MISSING, "Date of birth not given", "no_date_of_birth", {"date_of_birth": None})
    age = age_years(dob, f.assessment_date)
    values = {"age_years": age, "date_of_birth": dob, "assessment_date": f.assessment_date}
    adult = f.parameters.adult_age_years
    if age >= adult:
        return Outcome("INC-02", PASS, f"Age {age} y >= {adult}", "adult", values)
    return Outcome("INC-02", FAIL, f"Age {age} y < {adult}", "minor", values)


def inc_03_disease(f: Facts) -> Outcome:
    """Registry: "Histologically confirmed metastatic or locally advanced and unresectable
    triple-negative breast cancer"."""
    confirmed = f.disease.histologically_confirmed
    extent = f.disease.extent
    values = {"histologically_confirmed": confirmed, "extent": extent}
    if confirmed is False:
        return Outcome("INC-03-DISEASE", FAIL, "Breast cancer not histologically confirmed", "not_confirmed", values)
    if extent is not None and extent not in ACCEPTED_EXTENTS:
        return Outcome(
            "INC-03-DISEASE",
            FAIL,
            f"Disease extent {extent}: must be metastatic or locally advanced unresectable",
            "extent_not_accepted",
            values,
        )
    if confirmed is None or extent is None:
        unknown = " and ".join(
            n for n, v in (("histological confirmation", confirmed), ("extent", extent)) if v is None
        )
        return Outcome("INC-03-DISEASE", MISSING, f"Disease: {unknown} not given", "unknown", values)
    return Outcome("INC-03-DISEASE", PASS, f"Histologically confirmed, {extent}", "confirmed", values)


# --- INC-03-HER2 -------------------------------------------------------------------

HER2_POSITIVE, HER2_LOW, HER2_UNDETERMINED, HER2_ZERO = "positive", "low", "undetermined", "zero"


def her2_category(sample: TumourSampleRow) -> str:
    """Registry: HER2-low is "IHC 2+ / ISH-negative or IHC 1+ (ISH-negative or untested)".

    An absent ISH counts as not done. 3+ or ISH-positive is HER2-positive; 2+ without a
    negative ISH, 1+ with an equivocal ISH, or no IHC is undetermined; 0 and ultralow
    (whatever an ISH says, unless positive) are below HER2-low.
    """
    ihc = sample.her2_ihc
    ish = sample.her2_ish if sample.her2_ish is not None else "not_done"
    if ihc == "3+" or ish == "positive":
        return HER2_POSITIVE
    if (ihc == "1+" and ish in ("negative", "not_done")) or (ihc == "2+" and ish == "negative"):
        return HER2_LOW
    if ihc is None or ihc in ("1+", "2+"):
        return HER2_UNDETERMINED
    return HER2_ZERO


def _her2_of_samples(categories: list[str]) -> OutcomeValue:
    """Samples of one tumour: a HER2-low one passes, else undetermined is missing, else fail."""
    if not categories:
        return MISSING
    if HER2_POSITIVE in categories:
        return FAIL
    if HER2_LOW in categories:
        return PASS
    if HER2_UNDETERMINED in categories:
        return MISSING
    return FAIL


def _sample_text(i: int, s: TumourSampleRow, extra: str) -> str:
    where = s.site or "sample"
    side = f" {s.laterality}" if s.laterality else ""
    return f"#{i + 1} {where}{side}: {extra}"


def _her2_text(i: int, s: TumourSampleRow) -> str:
    return _sample_text(i, s, f"IHC {s.her2_ihc or '?'}, ISH {s.her2_ish or 'not_done'}")


def _both_readings(bilateral: bool | None, judge: Callable[[bool], OutcomeValue]) -> tuple[OutcomeValue, str]:
    """Judge as bilateral or not; when unknown, the outcome the two readings share, else missing."""
    if bilateral is not None:
        return judge(bilateral), ("bilateral: each side judged" if bilateral else "")
    as_bilateral, as_single = judge(True), judge(False)
    if as_bilateral == as_single:
        return as_single, "bilateral unknown, same outcome either way"
    return MISSING, "bilateral cancer unknown and the outcome depends on it"


def inc_03_her2(f: Facts) -> Outcome:
    """Registry: "HER2-low breast cancer, defined as either immunohistochemistry (IHC) 2+ /
    in situ hybridization (ISH)-negative or IHC 1+ (ISH-negative or untested), on either
    the primary or any metastatic site" and, for bilateral cancer, "both tumours
    correspond to a triple-negative breast cancer meeting the above criteria"."""
    samples = f.tumour_samples
    categories = [her2_category(s) for s in samples]
    listing = "; ".join(_her2_text(i, s) for i, s in enumerate(samples))
    values = {
        "samples": [
            {
                "index": i,
                "site": s.site,
                "laterality": s.laterality,
                "her2_ihc": s.her2_ihc,
                "her2_ish": s.her2_ish,
                "category": c,
            }
            for i, (s, c) in enumerate(zip(samples, categories, strict=True))
        ],
        "bilateral": f.disease.bilateral,
    }
    if not samples:
        return Outcome("INC-03-HER2", MISSING, "No tumour sample with HER2 results", "no_samples", values)
    if HER2_POSITIVE in categories:
        return Outcome("INC-03-HER2", FAIL, f"HER2-positive sample ({listing})", "her2_positive", values)

    def judge(bilateral: bool) -> OutcomeValue:
        if not bilateral:
            return _her2_of_samples(categories)
        left = [c for s, c in zip(samples, categories, strict=True) if s.laterality == "left"]
        right = [c for s, c in zip(samples, categories, strict=True) if s.laterality == "right"]
        return worse(_her2_of_samples(left), _her2_of_samples(right))

    outcome, how = _both_readings(f.disease.bilateral, judge)
    how = f"; {how}" if how else ""
    if outcome == PASS:
        return Outcome("INC-03-HER2", PASS, f"HER2-low ({listing}){how}", "her2_low", values)
    if outcome == FAIL:
        return Outcome("INC-03-HER2", FAIL, f"Not HER2-low: IHC 0 or ultralow ({listing}){how}", "her2_zero", values)
    return Outcome("INC-03-HER2", MISSING, f"HER2-low not established ({listing}){how}", "her2_undetermined", values)


def inc_03_hr(f: Facts) -> Outcome:
    """Registry: "Estrogen receptor (ER) expression <10% and progesterone receptor (PR)
    expression <10%", for both tumours of a bilateral cancer."""
    samples = f.tumour_samples
    values = {
        "samples": [
            {
                "index": i,
                "site": s.site,
                "laterality": s.laterality,
                "er_percent": s.er_percent,
                "pr_percent": s.pr_percent,
            }
            for i, s in enumerate(samples)
        ],
        "bilateral": f.disease.bilateral,
    }
    too_high = [
        _sample_text(i, s, f"{name} {number_text(v)}%")
        for i, s in enumerate(samples)
        for name, v in (("ER", s.er_percent), ("PR", s.pr_percent))
        if v is not None and at_least(v, f.parameters.hormone_receptor_max_percent)
    ]
    limit = f.parameters.limit_text["INC-03-HR"]
    if too_high:
        return Outcome(
            "INC-03-HR", FAIL, f"Hormone receptors >= {limit}%: " + "; ".join(too_high), "receptor_positive", values
        )

    def reports_both(group: Iterable[TumourSampleRow]) -> bool:
        return any(s.er_percent is not None and s.pr_percent is not None for s in group)

    def judge(bilateral: bool) -> OutcomeValue:
        if not bilateral:
            return PASS if reports_both(samples) else MISSING
        left = reports_both(s for s in samples if s.laterality == "left")
        right = reports_both(s for s in samples if s.laterality == "right")
        return PASS if left and right else MISSING

    outcome, how = _both_readings(f.disease.bilateral, judge)
    how = f"; {how}" if how else ""
    listing = "; ".join(
        _sample_text(i, s, f"ER {_pct(s.er_percent)}, PR {_pct(s.pr_percent)}") for i, s in enumerate(samples)
    )
    if outcome == PASS:
        return Outcome("INC-03-HR", PASS, f"ER and PR < {limit}% ({listing}){how}", "receptor_negative", values)
    if not samples:
        return Outcome("INC-03-HR", MISSING, "No tumour sample with ER and PR results", "no_samples", values)
    return Outcome(
        "INC-03-HR", MISSING, f"ER and PR not both reported ({listing}){how}", "receptors_not_reported", values
    )


def _pct(v: float | None) -> str:
    return "?" if v is None else f"{number_text(v)}%"


def inc_04_eligible_for_sg_and_tdxd(f: Facts) -> Outcome:
    """Registry: "Patient eligible to receive sacituzumab-govitecan and T-Dxd according to
    their indication" (investigator judgment)."""
    return _yes_no(
        "INC-04",
        f.judgment.eligible_for_sg_and_tdxd,
        "Eligible for SG and T-DXd per their indication",
        "eligible_for_sg_and_tdxd",
    )


def inc_05_ecog(f: Facts) -> Outcome:
    """Registry: "Eastern Cooperative Oncology Group (ECOG) performance status ≤1"."""
    ecog = f.doc.ecog
    if ecog is None:
        return Outcome("INC-05", MISSING, "ECOG not given", "not_given", {"ecog": None})
    ecog_max = f.parameters.ecog_max
    if ecog <= ecog_max:
        return Outcome("INC-05", PASS, f"ECOG {ecog} <= {ecog_max}", "ecog_ok", {"ecog": ecog})
    return Outcome("INC-05", FAIL, f"ECOG {ecog} > {ecog_max}", "ecog_too_high", {"ecog": ecog})


def inc_06_contraception(f: Facts) -> Outcome:
    """Registry: "Women of childbearing potential and male patients must agree to use
    adequate contraception for the duration of trial participation and up to 7 months
    after completing treatment for women and up to 4 months for men"."""
    w = f.wocbp
    agreed = f.doc.contraception_agreed
    values = {
        "sex": f.patient.sex,
        "wocbp": w.wocbp,
        "wocbp_because": w.because,
        **w.values(),
        "contraception_agreed": agreed,
    }
    if w.wocbp is None:
        return Outcome("INC-06", MISSING, f"WOCBP status unknown ({w.because})", "wocbp_unknown", values)
    if w.wocbp is False and f.patient.sex == "female":
        return Outcome(
            "INC-06", NOT_APPLICABLE, f"Woman not of childbearing potential ({w.because})", "not_wocbp", values
        )
    who = "Male patient" if f.patient.sex == "male" else "Woman of childbearing potential"
    if agreed is None:
        return Outcome("INC-06", MISSING, f"{who}: agreement to contraception not recorded", "not_answered", values)
    if agreed:
        return Outcome("INC-06", PASS, f"{who} agrees to adequate contraception", "agreed", values)
    return Outcome("INC-06", FAIL, f"{who} does not agree to adequate contraception", "refused", values)


# --- INC-07: organ and bone marrow function ----------------------------------------


def _shown(lab: LabUsed | None, *limits: Fraction) -> float | None:
    """The canonical value of ``lab`` as its reason shows it and its values store it: the
    exact value rounded half up to 3 decimals, or to more when 3 would show it on a limit it
    is not on, so that 8.99 g/dL never reads as "9 < 9" (nor 8.99999999999 g/dL). A float
    of at most 15 significant digits, whose repr is the decimal shown."""
    return None if lab is None else shown_beside(lab.value, *limits, decimals=3)


def _lab_values(lab: LabUsed | None, shown: float | None, **more: object) -> dict[str, object]:
    """The values of a lab criterion: ``value`` as shown (:func:`_shown`), the others as
    written in the document."""
    values: dict[str, object] = {}
    if lab is not None:
        values.update(
            value=shown,
            value_entered=lab.value_entered,
            unit=lab.unit,
            uln=lab.uln,
            date=lab.date,
            lab_index=lab.lab_index,
            days_before_reference=lab.days_before_reference,
        )
    values.update(more)
    return values


def _no_usable_lab(criterion: str, f: Facts, test: str, name: str, values: dict[str, object]) -> Outcome:
    lab = f.labs.get(test)
    values["reference_date"] = f.reference_date
    if lab is not None:
        values.update(
            latest_date=lab.date, latest_days_before_reference=lab.days_before_reference, latest_lab_index=lab.lab_index
        )
    if lab is None:
        return Outcome(
            criterion, MISSING, f"No {name} result on or before {f.reference_date.isoformat()}", "no_result", values
        )
    return Outcome(
        criterion,
        MISSING,
        f"{name[0].upper()}{name[1:]} of {lab.date.isoformat()} is {lab.days_before_reference} days before "
        f"{f.reference_date.isoformat()}, older than {f.parameters.lab_window_days} days; repeat",
        "result_too_old",
        values,
    )


def _count_with_support(
    f: Facts,
    *,
    criterion: str,
    test: str,
    name: str,
    minimum: Fraction,
    unit: str,
    support_date_field: str,
    support_name: str,
) -> Outcome:
    """A count that must reach ``minimum`` without support given in the support window.

    Registry: support is "not allowed within 1 week prior to screening assessment" (or
    registration): a count propped up by support is not the patient's own.
    """
    lab = f.usable_lab(test)
    shown = _shown(lab, minimum)
    support_date = getattr(f.support, support_date_field)
    supported = f.in_support_window(support_date, lab)
    values = _lab_values(
        lab,
        shown,
        support_date=support_date,
        support_in_window=supported,
        support_window_start=f.support_window_start(lab),
    )
    if supported:
        assert support_date is not None
        what = f"{name} {number_text(shown)} {unit}" if shown is not None else f"no usable {name} result"
        return Outcome(
            criterion,
            FAIL,
            f"{support_name} on {support_date.isoformat()}, within {f.parameters.support_window_days} days of "
            f"{f.support_window_start(lab).isoformat()} ({what})",
            "support_in_window",
            values,
        )
    if lab is None or shown is None:
        return _no_usable_lab(criterion, f, test, name, values)
    text = f"{name[0].upper()}{name[1:]} {number_text(shown)} {unit} ({_entered(lab)})"
    limit = f.parameters.limit_text[criterion]
    if lab.value >= minimum:
        return Outcome(criterion, PASS, f"{text} >= {limit}", "at_least_min", values)
    return Outcome(criterion, FAIL, f"{text} < {limit}", "below_min", values)


def _entered(lab: LabUsed) -> str:
    """The result as entered when its unit was converted, else just its date."""
    if lab.uln is None and not is_converted(lab.test, lab.unit):
        return lab.date.isoformat()
    return lab.entered_text


def inc_07_hb(f: Facts) -> Outcome:
    """Registry: "Hemoglobin ≥ 9 g/dL. Red blood cell transfusion is not allowed within
    1 week prior to screening assessment"."""
    return _count_with_support(
        f,
        criterion="INC-07-HB",
        test="hemoglobin",
        name="hemoglobin",
        minimum=f.parameters.hemoglobin_min_g_dl,
        unit="g/dL",
        support_date_field="rbc_transfusion_date",
        support_name="RBC transfusion",
    )


def inc_07_anc(f: Facts) -> Outcome:
    """Registry: "Absolute neutrophil count (ANC) ≥ 1,500/mm³. Granulocyte-colony
    stimulating factor (G-CSF) administration is not allowed within 1 week prior to
    screening assessment"."""
    return _count_with_support(
        f,
        criterion="INC-07-ANC",
        test="anc",
        name="ANC",
        minimum=f.parameters.anc_min_per_mm3,
        unit="/mm³",
        support_date_field="gcsf_date",
        support_name="G-CSF",
    )


def inc_07_plt(f: Facts) -> Outcome:
    """Registry: "Platelet count ≥ 100,000/mm³. Platelet transfusion is not allowed within
    1 week prior to registration"."""
    return _count_with_support(
        f,
        criterion="INC-07-PLT",
        test="platelets",
        name="platelets",
        minimum=f.parameters.platelets_min_per_mm3,
        unit="/mm³",
        support_date_field="platelet_transfusion_date",
        support_name="Platelet transfusion",
    )


def _relative_to_uln(
    f: Facts,
    *,
    criterion: str,
    test: str,
    name: str,
    raised_limit: bool | None,
    raised_because: str,
    strict_max: Fraction,
    raised_below: Fraction,
) -> Outcome:
    """A value in × ULN: <= ``strict_max`` normally, < ``raised_below`` when the limit is
    raised (liver metastases, Gilbert's syndrome); an unknown reason to raise it matters
    only between the two limits."""
    lab = f.usable_lab(test)
    ratio_shown = _shown(lab, strict_max, raised_below)
    values = _lab_values(lab, ratio_shown, raised_limit=raised_limit, raised_because=raised_because)
    if lab is None or ratio_shown is None:
        return _no_usable_lab(criterion, f, test, name, values)
    ratio = lab.value  # exact: value / ULN on the decimals written
    shown = f"{name} {number_text(ratio_shown)} × ULN ({lab.entered_text})"
    low, high = f.parameters.limit_text[criterion], f.parameters.limit_text[f"{criterion} raised"]
    if raised_limit is True:
        if ratio < raised_below:
            return Outcome(criterion, PASS, f"{shown} < {high} × ULN ({raised_because})", "below_raised_limit", values)
        return Outcome(criterion, FAIL, f"{shown} >= {high} × ULN ({raised_because})", "above_raised_limit", values)
    if ratio <= strict_max:
        return Outcome(criterion, PASS, f"{shown} <= {low} × ULN", "within_limit", values)
    if raised_limit is False:
        return Outcome(criterion, FAIL, f"{shown} > {low} × ULN (no {raised_because})", "above_limit", values)
    if ratio >= raised_below:
        return Outcome(criterion, FAIL, f"{shown} >= {high} × ULN", "above_raised_limit", values)
    return Outcome(
        criterion,
        MISSING,
        f"{shown} is between {low} and {high} × ULN: "
        f"whether the patient has {raised_because} decides it, and it is not given",
        "limit_depends_on_unknown",
        values,
    )


def _or3(a: bool | None, b: bool | None) -> bool | None:
    if a is True or b is True:
        return True
    if a is None or b is None:
        return None
    return False


def inc_07_bili(f: Facts) -> Outcome:
    """Registry: "Total bilirubin ≤ 1.5 × upper limit of normal (ULN) if no liver
    metastases, or < 3 × ULN in the presence of documented Gilbert's Syndrome
    (unconjugated hyperbilirubinemia) or liver metastasis at baseline"."""
    liver = f.disease.liver_metastases
    gilbert = f.doc.gilbert_syndrome
    raised = _or3(liver, gilbert)
    if raised is True:
        because = " and ".join(n for n, v in (("liver metastases", liver), ("Gilbert's syndrome", gilbert)) if v)
    else:
        because = "liver metastases or Gilbert's syndrome"
    return _relative_to_uln(
        f,
        criterion="INC-07-BILI",
        test="total_bilirubin",
        name="Total bilirubin",
        raised_limit=raised,
        raised_because=because,
        strict_max=f.parameters.bilirubin_max_x_uln,
        raised_below=f.parameters.bilirubin_raised_below_x_uln,
    )


def inc_07_alt(f: Facts) -> Outcome:
    """Registry: "Alanine transaminase (ALT) and aspartate aminotransferase (AST) ≤ 3 ×
    ULN, or < 5 × ULN in patients with liver metastasis"."""
    return _relative_to_uln(
        f,
        criterion="INC-07-ALT",
        test="alt",
        name="ALT",
        raised_limit=f.disease.liver_metastases,
        raised_because="liver metastases",
        strict_max=f.parameters.transaminases_max_x_uln,
        raised_below=f.parameters.transaminases_raised_below_x_uln,
    )


def inc_07_ast(f: Facts) -> Outcome:
    """Registry: "Alanine transaminase (ALT) and aspartate aminotransferase (AST) ≤ 3 ×
    ULN, or < 5 × ULN in patients with liver metastasis"."""
    return _relative_to_uln(
        f,
        criterion="INC-07-AST",
        test="ast",
        name="AST",
        raised_limit=f.disease.liver_metastases,
        raised_because="liver metastases",
        strict_max=f.parameters.transaminases_max_x_uln,
        raised_below=f.parameters.transaminases_raised_below_x_uln,
    )


def inc_07_alb(f: Facts) -> Outcome:
    """Registry: "Serum albumin ≥ 2.5 g/dL"."""
    lab = f.usable_lab("albumin")
    minimum = f.parameters.albumin_min_g_dl
    albumin = _shown(lab, minimum)
    values = _lab_values(lab, albumin)
    if lab is None or albumin is None:
        return _no_usable_lab("INC-07-ALB", f, "albumin", "albumin", values)
    shown = f"Albumin {number_text(albumin)} g/dL ({_entered(lab)})"
    limit = f.parameters.limit_text["INC-07-ALB"]
    if lab.value >= minimum:
        return Outcome("INC-07-ALB", PASS, f"{shown} >= {limit}", "at_least_min", values)
    return Outcome("INC-07-ALB", FAIL, f"{shown} < {limit}", "below_min", values)


def inc_07_crcl(f: Facts) -> Outcome:
    """Registry: "Creatinine clearance (CrCl) ≥ 30 mL/min, calculated using the
    Cockcroft-Gault equation"."""
    cg = f.crcl
    if cg is None:
        creatinine = f.usable_lab("creatinine")
        p = f.patient
        values = _lab_values(
            creatinine, _shown(creatinine), sex=p.sex, date_of_birth=p.date_of_birth, weight_kg=p.weight_kg
        )
        if creatinine is None:
            return _no_usable_lab("INC-07-CRCL", f, "creatinine", "creatinine", values)
        absent = [
            n for n, v in (("sex", p.sex), ("date of birth", p.date_of_birth), ("weight", p.weight_kg)) if v is None
        ]
        return Outcome(
            "INC-07-CRCL", MISSING, f"CrCl cannot be computed: {', '.join(absent)} not given", "inputs_missing", values
        )
    # JSON values, as shown: CrCl and creatinine (mg/dL) rounded half up as displayed,
    # the weight as written. The rule compares the exact CrCl.
    # The creatinine row used, as entered (62 umol/L), so that a page can name it and show
    # its conversion: values are the result document's own, not fixed by the exchange spec.
    creatinine = f.usable_lab("creatinine")
    assert creatinine is not None
    values = {
        "crcl_ml_min": cg.displayed,
        "sex": cg.sex,
        "age_years": cg.age_years,
        "weight_kg": f.patient.weight_kg,
        "creatinine_mg_dl": float(cg.creatinine_shown),
        "date": cg.creatinine_date,
        "lab_index": creatinine.lab_index,
        "value_entered": creatinine.value_entered,
        "unit": creatinine.unit,
        "days_before_reference": creatinine.days_before_reference,
    }
    if cg.sex == "female":
        values["female_factor"] = COCKCROFT_GAULT_FEMALE_FACTOR
    crcl = f"CrCl {cg.crcl_shown:,f} mL/min"
    limit = f.parameters.limit_text["INC-07-CRCL"]
    if cg.crcl_ml_min >= f.parameters.crcl_min_ml_min:
        return Outcome("INC-07-CRCL", PASS, f"{crcl} >= {limit} ({cg.inputs_text})", "at_least_min", values)
    return Outcome("INC-07-CRCL", FAIL, f"{crcl} < {limit} ({cg.inputs_text})", "below_min", values)


def inc_08_lvef(f: Facts) -> Outcome:
    """Registry: "Adequate cardiac function, defined as a left ventricular ejection
    fraction ≥ 55% estimated by echocardiogram or multigated acquisition scintigraphy"."""
    lvef = f.lvef
    values = {"percent": lvef.percent, "method": lvef.method, "date": lvef.date}
    if lvef.percent is None:
        return Outcome("INC-08", MISSING, "LVEF not given", "not_given", values)
    how = f" by {lvef.method}" if lvef.method else ""
    shown = f"LVEF {number_text(lvef.percent)}%{how}"
    limit = f.parameters.limit_text["INC-08"]
    if at_least(lvef.percent, f.parameters.lvef_min_percent):
        return Outcome("INC-08", PASS, f"{shown} >= {limit}%", "at_least_min", values)
    return Outcome("INC-08", FAIL, f"{shown} < {limit}%", "below_min", values)


def inc_09_pregnancy_test(f: Facts) -> Outcome:
    """Registry: "Women of childbearing potential must have a negative serum or urine
    pregnancy test done within 7 days before randomization"."""
    w = f.wocbp
    t = f.pregnancy_test
    values: dict[str, object] = {"wocbp": w.wocbp, "wocbp_because": w.because, **w.values()}
    if t is not None:
        values.update(
            result=t.result,
            type=t.type,
            date=t.date,
            test_index=t.test_index,
            days_before_reference=t.days_before_reference,
        )
    if w.wocbp is None:
        return Outcome("INC-09", MISSING, f"WOCBP status unknown ({w.because})", "wocbp_unknown", values)
    if w.wocbp is False:
        return Outcome(
            "INC-09", NOT_APPLICABLE, f"Not a woman of childbearing potential ({w.because})", "not_wocbp", values
        )
    if t is None:
        values["reference_date"] = f.reference_date
        return Outcome(
            "INC-09", MISSING, f"No pregnancy test on or before {f.reference_date.isoformat()}", "no_test", values
        )
    shown = (
        f"Pregnancy test{f' ({t.type})' if t.type else ''} {t.result} on {t.date.isoformat()}, "
        f"{t.days_before_reference} days before {f.reference_date.isoformat()}"
    )
    if t.result == "positive":
        return Outcome("INC-09", FAIL, shown, "positive", values)
    window = f.parameters.pregnancy_test_window_days
    if t.days_before_reference > window:
        return Outcome("INC-09", MISSING, f"{shown}: older than {window} days; repeat", "test_too_old", values)
    return Outcome("INC-09", PASS, shown, "negative_in_window", values)


def inc_10_social_security(f: Facts) -> Outcome:
    """Registry: "Affiliated to the French Social Security System (or equivalent)"."""
    return _yes_no(
        "INC-10", f.judgment.social_security_affiliation, "Affiliated to social security", "social_security_affiliation"
    )


def inc_11_compliance(f: Facts) -> Outcome:
    """Registry: "Patient willing and able to comply with the protocol for the duration of
    the trial including undergoing treatment and scheduled visits, and examinations
    including follow-up"."""
    return _yes_no(
        "INC-11",
        f.judgment.willing_and_able_to_comply,
        "Willing and able to comply with the protocol",
        "willing_and_able_to_comply",
    )
