"""``manage.py seed_demo``: demo users and a few demo screenings (demonstration only).

Creates, once, the demo accounts printed below (one password for all: a demo, never a
hospital's database) and seven screenings at IPC and IGR, each entered through
``services.screening_import`` like any other, so that each has its evaluation and its
history; one of them is entered incomplete by its coordinator and then completed by the
investigator, so that its history shows an edit. Re-running changes nothing that is
already there.

One IPC screening (initials LF) has no lab results yet: the hospital's come as a FHIR
file, ``docs/demo-fhir-labs.json``, written on every run for that screening's patient and
dated a few days ago, to import with "Import lab results (FHIR)" (fhir-labs.md).
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from screening import services
from screening.models import Role, Screening, Site, SiteMembership, User
from screening.rules.document import FORMAT

# Demo credentials, documented in the README: they exist to be shown, never in production.
DEMO_PASSWORD: Final = "alter-demo-2026"  # noqa: S105


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    sites: tuple[str, ...]  # site codes; ("*",) for every site
    superuser: bool = False
    first_name: str = ""
    last_name: str = ""


DEMO_USERS: Final = (
    DemoUser("coord.ipc", Role.COORDINATOR, ("IPC",), first_name="Claire", last_name="Coordinatrice"),
    DemoUser("coord.igr", Role.COORDINATOR, ("IGR",), first_name="Gaëlle", last_name="Coordinatrice"),
    DemoUser("inv.ipc", Role.INVESTIGATOR, ("IPC",), first_name="Inès", last_name="Investigatrice"),
    DemoUser("monitor", Role.MONITOR, ("*",), first_name="Marc", last_name="Moniteur"),
    DemoUser("admin", "", (), superuser=True),
)

Edit = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class DemoScreening:
    """A demo screening, known again by its site, initials and coordinator (idempotence)."""

    site: str
    initials: str
    expected_status: str
    edits: tuple[Edit, ...] = ()
    age_years: int = 44
    # Entered first with these edits on top (incomplete), then completed by ``completed_by``.
    first_entry: tuple[Edit, ...] = ()
    completed_by: str = ""


def _lab(test: str, value: float, unit: str) -> Edit:
    def edit(doc: dict[str, Any]) -> None:
        for lab in doc["labs"]:
            if lab["test"] == test:
                lab["value"], lab["unit"] = value, unit

    return edit


def _without_lab(test: str) -> Edit:
    def edit(doc: dict[str, Any]) -> None:
        doc["labs"] = [lab for lab in doc["labs"] if lab["test"] != test]

    return edit


def _set(*path: str, value: Any) -> Edit:
    def edit(doc: dict[str, Any]) -> None:
        node = doc
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return edit


def _years_before(day: datetime.date, years: int) -> datetime.date:
    return day.replace(year=day.year - years, day=min(day.day, 28))


DEMO_SCREENINGS: Final = (
    # Eligible, entered while the creatinine and the weight were not known (CrCl missing),
    # then completed by the investigator.
    DemoScreening(
        "IPC",
        "MD",
        "eligible",
        first_entry=(_without_lab("creatinine"), _set("patient", "weight_kg", value=None)),
        completed_by="inv.ipc",
    ),
    # Ineligible: Cockcroft-Gault CrCl about 15 mL/min (79 years, 46 kg, creatinine 190 µmol/L).
    DemoScreening(
        "IPC",
        "JB",
        "ineligible",
        age_years=79,
        edits=(
            _set("patient", "weight_kg", value=46.0),
            _lab("creatinine", 190, "µmol/L"),
            _set("reproductive", "amenorrhea_months", value=240),
        ),
    ),
    # Incomplete: LVEF not measured yet.
    DemoScreening("IPC", "SL", "incomplete", edits=(_set("lvef", value=None),)),
    DemoScreening("IGR", "AR", "eligible"),
    # Ineligible: platelets 82 G/L (< 100,000/mm³).
    DemoScreening("IGR", "NP", "ineligible", edits=(_lab("platelets", 82, "G/L"),)),
    # Incomplete: the investigator has not yet given the judgments.
    DemoScreening(
        "IGR",
        "CT",
        "incomplete",
        edits=(
            _set("judgment", "eligible_for_sg_and_tdxd", value=None),
            _set("judgment", "willing_and_able_to_comply", value=None),
        ),
    ),
    # Incomplete: no lab results yet; they come from the hospital as a FHIR file (FHIR_DEMO below).
    DemoScreening("IPC", "LF", "incomplete", edits=(_set("labs", value=[]),)),
)

FHIR_DEMO: Final = ("IPC", "LF")
FHIR_DEMO_FILE: Final = Path("docs") / "demo-fhir-labs.json"


def demo_document(*, site: str, initials: str, planned: datetime.date, age_years: int = 44) -> dict[str, Any]:
    """An eligible `alter-screening/1` document, dated around ``planned`` (the planned
    randomization date), as the spec's example is dated around its own."""

    def before(days: int) -> str:
        return (planned - datetime.timedelta(days=days)).isoformat()

    assessment = planned - datetime.timedelta(days=2)
    labs = [
        ("hemoglobin", 11.2, "g/dL", None),
        ("anc", 2.4, "10^9/L", None),
        ("platelets", 231, "10^9/L", None),
        ("total_bilirubin", 9, "umol/L", 21),
        ("alt", 25, "U/L", 40),
        ("ast", 31, "U/L", 40),
        ("albumin", 38, "g/L", None),
        ("creatinine", 68, "umol/L", None),
    ]
    return {
        "format": FORMAT,
        "screening_id": None,
        "site": site,
        "assessment_date": assessment.isoformat(),
        "planned_randomization_date": planned.isoformat(),
        "patient": {
            "initials": initials,
            "sex": "female",
            "date_of_birth": _years_before(assessment - datetime.timedelta(days=120), age_years).isoformat(),
            "weight_kg": 63.5,
        },
        "consent": {"signed": True, "date": before(10), "impartial_witness": False},
        "disease": {
            "histologically_confirmed": True,
            "extent": "metastatic",
            "bilateral": False,
            "liver_metastases": False,
            "brain_metastases": {
                "present": False,
                "treated": None,
                "symptomatic": None,
                "corticosteroids_ongoing": None,
                "stable_on_mri": None,
                "last_local_treatment_date": None,
            },
        },
        "tumour_samples": [
            {
                "site": "primary",
                "laterality": "left",
                "date": before(492),
                "er_percent": 0,
                "pr_percent": 2,
                "her2_ihc": "1+",
                "her2_ish": "not_done",
            }
        ],
        "ecog": 1,
        "lvef": {"percent": 61, "method": "echocardiogram", "date": before(9)},
        "labs": [
            {"test": test, "value": value, "unit": unit, "date": before(7), **({"uln": uln} if uln else {})}
            for test, value, unit, uln in labs
        ],
        "support": {"rbc_transfusion_date": None, "gcsf_date": None, "platelet_transfusion_date": None},
        "gilbert_syndrome": False,
        "reproductive": {
            "hysterectomy": False,
            "bilateral_oophorectomy": False,
            "amenorrhea_months": 0,
            "amenorrhea_other_cause": False,
            "pregnant": False,
            "breastfeeding": False,
            "plans_pregnancy": False,
            "pregnancy_tests": [{"result": "negative", "type": "serum", "date": before(3)}],
        },
        "contraception_agreed": True,
        "prior_therapy": {"her2_or_trop2_adc": False, "drugs": ["paclitaxel", "pembrolizumab", "capecitabine"]},
        "other_trial": {"enrolled": False, "last_date": None},
        "ild": {"history_requiring_steroids": False, "current": False, "suspected_not_ruled_out": False},
        "judgment": {
            "eligible_for_sg_and_tdxd": True,
            "social_security_affiliation": True,
            "willing_and_able_to_comply": True,
            "significant_cardiovascular_disease": False,
            "incompatible_condition": False,
            "hypersensitivity_to_trial_drugs": False,
            "confounding_concurrent_condition": False,
            "disease_requiring_hospitalisation": False,
            "deprived_of_liberty_or_guardianship": False,
            "unable_to_comply_with_follow_up": False,
        },
    }


def _document(demo: DemoScreening, edits: tuple[Edit, ...], planned: datetime.date) -> dict[str, Any]:
    doc = demo_document(site=demo.site, initials=demo.initials, planned=planned, age_years=demo.age_years)
    for edit in edits:
        edit(doc)
    return doc


class Command(BaseCommand):
    help = (
        "Create the demo users (printed, with their demo password) and six demo screenings at IPC and IGR, "
        "entered through the screening services. Demonstration only; safe to re-run (nothing is duplicated)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--fhir-file",
            metavar="PATH",
            default=str(settings.BASE_DIR / FHIR_DEMO_FILE),
            help=f"where to write the demo FHIR bundle of lab results (default {FHIR_DEMO_FILE})",
        )

    def handle(self, *args: Any, fhir_file: str, **options: Any) -> None:
        missing = {"IPC", "IGR"} - set(Site.objects.values_list("code", flat=True))
        if missing:
            raise CommandError(f"sites {', '.join(sorted(missing))} do not exist: run `manage.py migrate` first")
        with transaction.atomic():
            users = {demo.username: self._user(demo) for demo in DEMO_USERS}
            # Dated so that the demo screenings are current: planned randomization in 3 days.
            planned = timezone.localdate() + datetime.timedelta(days=3)
            for demo_screening in DEMO_SCREENINGS:
                self._screening(demo_screening, users, planned)
        site, initials = FHIR_DEMO
        target = Screening.objects.get(site__code=site, initials=initials, created_by=users[f"coord.{site.lower()}"])
        Path(fhir_file).write_text(
            json.dumps(demo_fhir_bundle(target, today=timezone.localdate()), indent=2, ensure_ascii=False) + "\n",
            encoding="utf-8",
        )
        self.stdout.write(f"wrote   {fhir_file}: the hospital's lab results of {target.number}, to import as FHIR")
        self.stdout.write("Demo accounts (demonstration only; every password is the same):")
        for demo in DEMO_USERS:
            where = "all sites" if demo.sites == ("*",) else ", ".join(demo.sites) or "staff superuser"
            self.stdout.write(f"  {demo.username:<10} / {DEMO_PASSWORD}   {demo.role or 'admin':<12} {where}")

    def _user(self, demo: DemoUser) -> User:
        user, created = User.objects.get_or_create(
            username=demo.username,
            defaults={
                "role": demo.role,
                "is_staff": demo.superuser,
                "is_superuser": demo.superuser,
                "first_name": demo.first_name,
                "last_name": demo.last_name,
            },
        )
        # Hashing is slow on purpose: only (re)set the password when it is not the demo one.
        if created or not user.check_password(DEMO_PASSWORD):
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        sites = Site.objects.all() if demo.sites == ("*",) else Site.objects.filter(code__in=demo.sites)
        for site in sites:
            SiteMembership.objects.get_or_create(user=user, site=site)
        self.stdout.write(f"{'created' if created else 'exists '} user {demo.username}")
        return user

    def _screening(self, demo: DemoScreening, users: dict[str, User], planned: datetime.date) -> None:
        coordinator = users[f"coord.{demo.site.lower()}"]
        existing = Screening.objects.filter(
            site__code=demo.site, initials=demo.initials, created_by=coordinator
        ).first()
        if existing is not None:
            self.stdout.write(f"exists  screening {existing.number} ({demo.initials}, {existing.status})")
            return
        complete = _document(demo, demo.edits, planned)
        if demo.first_entry:
            first = services.screening_import(
                raw=_document(demo, demo.edits + demo.first_entry, planned), by=coordinator, allowed_sites={demo.site}
            )
            screening = first.screening
            evaluation = services.screening_import(
                raw={**complete, "screening_id": screening.number},
                by=users[demo.completed_by],
                screening=screening,
                expected_version=screening.version,
                allowed_sites={demo.site},
            )
        else:
            evaluation = services.screening_import(raw=complete, by=coordinator, allowed_sites={demo.site})
        if evaluation.status != demo.expected_status:
            # The demo says what it shows; a rules change that alters it must be seen.
            raise CommandError(
                f"demo screening {demo.site}/{demo.initials} is {evaluation.status}, "
                f"expected {demo.expected_status}: {evaluation.result_document['failed']} "
                f"{evaluation.result_document['missing']}"
            )
        self.stdout.write(f"created screening {evaluation.screening.number} ({demo.initials}, {evaluation.status})")


def _fhir_observation(
    id_: str,
    loinc: str,
    display: str,
    when: str,
    value: dict[str, Any],
    *,
    status: str = "final",
    high: dict[str, Any] | None = None,
) -> dict[str, Any]:
    observation: dict[str, Any] = {
        "resourceType": "Observation",
        "id": id_,
        "status": status,
        "category": [
            {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "laboratory"}]}
        ],
        "code": {"coding": [{"system": "http://loinc.org", "code": loinc, "display": display}]},
        "subject": {"reference": "Patient/demo-patient"},
        "effectiveDateTime": when,
        "valueQuantity": value,
    }
    if high is not None:
        observation["referenceRange"] = [{"high": high}]
    return observation


def _ucum(value: float, code: str, printed: str | None = None) -> dict[str, Any]:
    return {"value": value, "unit": printed or code, "system": "http://unitsofmeasure.org", "code": code}


def demo_fhir_bundle(screening: Screening, *, today: datetime.date) -> dict[str, Any]:
    """The hospital's lab results of a demo screening, as a FHIR R4 Bundle: its patient,
    the eight screening tests sampled two days before its reference date (or today), in
    the units hospitals write, and what the import skips (a preliminary result, a test
    that is not a screening test, a copy of one result)."""
    reference = screening.planned_randomization_date or screening.assessment_date
    sampled = min(today, reference) - datetime.timedelta(days=2)
    when = f"{sampled.isoformat()}T07:45:00+01:00"
    later = f"{(sampled + datetime.timedelta(days=1)).isoformat()}T08:10:00+01:00"
    observations = [
        _fhir_observation("demo-hb", "718-7", "Hemoglobin [Mass/volume] in Blood", when, _ucum(11.8, "g/dL")),
        _fhir_observation(
            "demo-anc", "751-8", "Neutrophils [#/volume] in Blood by Automated count", when, _ucum(3.1, "10*9/L")
        ),
        _fhir_observation(
            "demo-plt", "777-3", "Platelets [#/volume] in Blood by Automated count", when, {"value": 254, "unit": "G/L"}
        ),
        _fhir_observation(
            "demo-bili",
            "14631-6",
            "Bilirubin.total [Moles/volume] in Serum or Plasma",
            when,
            _ucum(8, "umol/L", "µmol/L"),
            high=_ucum(21, "umol/L", "µmol/L"),
        ),
        _fhir_observation(
            "demo-alt",
            "1742-6",
            "Alanine aminotransferase [Enzymatic activity/volume]",
            when,
            {"value": 22, "unit": "UI/L"},
            high={"value": 40, "unit": "UI/L"},
        ),
        # No reference range in the export: the coordinator types the ULN from the report.
        _fhir_observation(
            "demo-ast",
            "1920-8",
            "Aspartate aminotransferase [Enzymatic activity/volume]",
            when,
            _ucum(27, "[IU]/L", "UI/L"),
        ),
        _fhir_observation("demo-alb", "1751-7", "Albumin [Mass/volume] in Serum or Plasma", when, _ucum(39, "g/L")),
        _fhir_observation(
            "demo-creat", "14682-9", "Creatinine [Moles/volume] in Serum or Plasma", when, _ucum(64, "umol/L", "µmol/L")
        ),
        _fhir_observation(
            "demo-creat-copy",
            "14682-9",
            "Creatinine [Moles/volume] in Serum or Plasma",
            when,
            _ucum(64, "umol/L", "µmol/L"),
        ),
        _fhir_observation(
            "demo-hb-prelim",
            "718-7",
            "Hemoglobin [Mass/volume] in Blood",
            later,
            _ucum(11.6, "g/dL"),
            status="preliminary",
        ),
        _fhir_observation("demo-na", "2951-2", "Sodium [Moles/volume] in Serum or Plasma", when, _ucum(139, "mmol/L")),
    ]
    patient: dict[str, Any] = {"resourceType": "Patient", "id": "demo-patient", "gender": screening.sex or "unknown"}
    if screening.date_of_birth is not None:
        patient["birthDate"] = screening.date_of_birth.isoformat()
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"fullUrl": "urn:uuid:demo-patient", "resource": patient}]
        + [{"fullUrl": f"urn:uuid:{o['id']}", "resource": o} for o in observations],
    }
