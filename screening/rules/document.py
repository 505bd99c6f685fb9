"""The screening document `alter-screening/1` as typed Python objects: what the rules read.

The classes mirror ``shared/spec/exchange-format.md`` field for field; parsing and the
checks that need more than a type (units, plausibility, date order) live in
``screening/exchange/``. A field that is absent or ``null`` is ``None`` here, meaning
"not known yet"; ``rules.facts`` gives the rules an empty part for an absent one.

msgspec is used because it decodes and type-checks a document faster than ``json.loads``
alone; it knows nothing of Django.
"""

from __future__ import annotations

import datetime
from typing import Annotated, Final, Literal

import msgspec

FORMAT = "alter-screening/1"

# exchange-format.md, "Limits": far beyond any real screening, so that one document cannot
# block a site or a server. The list limits are declared on the types below, so that
# msgspec refuses a longer list in its one decoding step and the exchange format's walk
# names the limit from the same declaration.
LABS_MAX: Final = 60
TUMOUR_SAMPLES_MAX: Final = 10
PREGNANCY_TESTS_MAX: Final = 20
DRUGS_MAX: Final = 50
# "prior_therapy.drugs[]: a non-empty name of at most 200 characters" (what the record
# keeps): checked by exchange/checks.py, not declared on the type, so that the rules can
# still be given any name (their tests try the empty one).
DRUG_NAME_MAX_CHARS: Final = 200

Sex = Literal["female", "male"]
Extent = Literal["metastatic", "locally_advanced_unresectable", "locally_advanced_resectable", "early"]
SampleSite = Literal["primary", "metastatic"]
Laterality = Literal["left", "right"]
Her2Ihc = Literal["0", "ultralow", "1+", "2+", "3+"]
Her2Ish = Literal["negative", "positive", "equivocal", "not_done"]
LvefMethod = Literal["echocardiogram", "muga"]
PregnancyResult = Literal["negative", "positive"]
PregnancyTestType = Literal["serum", "urine"]
LabTest = Literal["hemoglobin", "anc", "platelets", "total_bilirubin", "alt", "ast", "albumin", "creatinine"]

# The exchange format accepts 1.0 where an integer is required (ECOG, amenorrhea months);
# exchange/checks.py refuses a fractional part and stores the int.
Integer = int | float


class _Part(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """A part of the document: unknown keys are refused, absent fields are None."""


class Patient(_Part):
    initials: str | None = None
    sex: Sex | None = None
    date_of_birth: datetime.date | None = None
    weight_kg: float | None = None


class Consent(_Part):
    signed: bool | None = None
    date: datetime.date | None = None
    impartial_witness: bool | None = None


class BrainMetastases(_Part):
    present: bool | None = None
    treated: bool | None = None
    symptomatic: bool | None = None
    corticosteroids_ongoing: bool | None = None
    stable_on_mri: bool | None = None
    last_local_treatment_date: datetime.date | None = None


class Disease(_Part):
    histologically_confirmed: bool | None = None
    extent: Extent | None = None
    bilateral: bool | None = None
    liver_metastases: bool | None = None
    brain_metastases: BrainMetastases | None = None


class TumourSampleRow(_Part):
    site: SampleSite | None = None
    laterality: Laterality | None = None
    date: datetime.date | None = None
    er_percent: float | None = None
    pr_percent: float | None = None
    her2_ihc: Her2Ihc | None = None
    her2_ish: Her2Ish | None = None


class Lvef(_Part):
    percent: float | None = None
    method: LvefMethod | None = None
    date: datetime.date | None = None


class LabSource(_Part):
    """Not clinical data: where an imported lab row came from (fhir-labs.md, "Approval"),
    as an export writes it (ALTER Screen's addition to the format, like record_version).
    The rules never read it; an import accepts it back and does not store it (a source
    records an approval made in ALTER Screen), and the rows it leaves unchanged keep theirs."""

    observation: str | None = None
    loinc: str | None = None
    value: float | None = None
    unit: str | None = None
    origin: str | None = None
    approved_by: str | None = None
    approved_at: str | None = None


class LabRow(_Part):
    # Required by the format; None only so that exchange/checks.py can name each absent one.
    test: LabTest | None = None
    value: float | None = None
    unit: str | None = None
    date: datetime.date | None = None
    uln: float | None = None
    source: LabSource | None = None


class Support(_Part):
    rbc_transfusion_date: datetime.date | None = None
    gcsf_date: datetime.date | None = None
    platelet_transfusion_date: datetime.date | None = None


class PregnancyTestRow(_Part):
    result: PregnancyResult | None = None
    type: PregnancyTestType | None = None
    date: datetime.date | None = None


class Reproductive(_Part):
    hysterectomy: bool | None = None
    bilateral_oophorectomy: bool | None = None
    amenorrhea_months: Integer | None = None
    amenorrhea_other_cause: bool | None = None
    pregnant: bool | None = None
    breastfeeding: bool | None = None
    plans_pregnancy: bool | None = None
    pregnancy_tests: Annotated[list[PregnancyTestRow], msgspec.Meta(max_length=PREGNANCY_TESTS_MAX)] | None = None


class PriorTherapy(_Part):
    her2_or_trop2_adc: bool | None = None
    drugs: Annotated[list[str], msgspec.Meta(max_length=DRUGS_MAX)] | None = None


class OtherTrial(_Part):
    enrolled: bool | None = None
    last_date: datetime.date | None = None


class Ild(_Part):
    history_requiring_steroids: bool | None = None
    current: bool | None = None
    suspected_not_ruled_out: bool | None = None


class Judgment(_Part):
    """The investigator's answers: None until someone has answered."""

    eligible_for_sg_and_tdxd: bool | None = None
    social_security_affiliation: bool | None = None
    willing_and_able_to_comply: bool | None = None
    significant_cardiovascular_disease: bool | None = None
    incompatible_condition: bool | None = None
    hypersensitivity_to_trial_drugs: bool | None = None
    confounding_concurrent_condition: bool | None = None
    disease_requiring_hospitalisation: bool | None = None
    deprived_of_liberty_or_guardianship: bool | None = None
    unable_to_comply_with_follow_up: bool | None = None


class ScreeningDocument(_Part):
    format: Literal["alter-screening/1"]
    site: str
    assessment_date: datetime.date
    screening_id: str | None = None
    planned_randomization_date: datetime.date | None = None
    patient: Patient | None = None
    consent: Consent | None = None
    disease: Disease | None = None
    tumour_samples: Annotated[list[TumourSampleRow], msgspec.Meta(max_length=TUMOUR_SAMPLES_MAX)] | None = None
    ecog: Integer | None = None
    lvef: Lvef | None = None
    labs: Annotated[list[LabRow], msgspec.Meta(max_length=LABS_MAX)] | None = None
    support: Support | None = None
    gilbert_syndrome: bool | None = None
    reproductive: Reproductive | None = None
    contraception_agreed: bool | None = None
    prior_therapy: PriorTherapy | None = None
    other_trial: OtherTrial | None = None
    ild: Ild | None = None
    judgment: Judgment | None = None
    # Not clinical data: the version of the stored record a document was exported from
    # (ALTER Screen's addition to the format), so that importing a stale export over a
    # newer record is refused. The rules never read it.
    record_version: Integer | None = None
