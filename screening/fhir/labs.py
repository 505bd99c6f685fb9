"""FHIR Observations → proposed lab rows of `alter-screening/1`, and the skipped ones.

Spec: fhir-labs.md. Each Observation of the input is either proposed as a lab row or
skipped with exactly one reason code, the first that applies in the spec's order
(:data:`SKIP_CODES`). Proposals are only proposals: nothing here stores anything, and the
caller (the command line, the approval page) gives today's date, the time zone and what
the screening already holds.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final
from zoneinfo import ZoneInfo

from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.quantity import Quantity
from fhir.resources.R4B.reference import Reference

from screening.fhir import tables
from screening.fhir.reading import Entry, InputError, RefusedInput, read_input
from screening.fhir.text import Text, gettext_noop

FORMAT: Final = "alter-fhir-labs/1"

NOT_A_SCREENING_TEST: Final = "not_a_screening_test"
AMBIGUOUS_CODE: Final = "ambiguous_code"
NOT_FINAL: Final = "not_final"
NO_VALUE: Final = "no_value"
CENSORED_VALUE: Final = "censored_value"
UNIT_NOT_ACCEPTED: Final = "unit_not_accepted"
NO_DATE: Final = "no_date"
DATED_AFTER_TODAY: Final = "dated_after_today"
DUPLICATE: Final = "duplicate"
# Spec, "Skipped, with a reason code": the first that applies, in this order.
SKIP_CODES: Final = (
    NOT_A_SCREENING_TEST,
    AMBIGUOUS_CODE,
    NOT_FINAL,
    NO_VALUE,
    CENSORED_VALUE,
    UNIT_NOT_ACCEPTED,
    NO_DATE,
    DATED_AFTER_TODAY,
    DUPLICATE,
)

Number = int | float


def _as_is(message: str) -> str:
    return message


@dataclass(frozen=True, slots=True)
class Source:
    """Where a proposed row comes from: the Observation, and its value and unit as received."""

    observation: str  # the Observation's id, or its JSON Pointer when it has none
    loinc: str
    value: Number
    unit: str

    def as_json(self) -> dict[str, Any]:
        return {"observation": self.observation, "loinc": self.loinc, "value": self.value, "unit": self.unit}


@dataclass(frozen=True, slots=True)
class Proposal:
    """A lab row of the exchange format, as it would be stored."""

    test: str
    value: Number
    unit: str
    date: datetime.date
    uln: Number | None
    source: Source

    def as_json(self) -> dict[str, Any]:
        row: dict[str, Any] = {"test": self.test, "value": self.value, "unit": self.unit, "date": self.date.isoformat()}
        if self.uln is not None:
            row["uln"] = self.uln
        row["source"] = self.source.as_json()
        return row


@dataclass(frozen=True, slots=True)
class Skip:
    observation: str
    code: str
    reason: Text

    def as_json(self, translate: Callable[[str], str] = _as_is) -> dict[str, Any]:
        return {"observation": self.observation, "code": self.code, "reason": self.reason.render(translate)}


@dataclass(frozen=True, slots=True)
class LabsOnFile:
    """The lab rows a screening already holds, for ``duplicate``."""

    rows: frozenset[tuple[str, datetime.date, float, str]] = frozenset()  # (test, date, value, unit)
    observations: frozenset[str] = frozenset()  # ids of the Observations they came from


@dataclass(frozen=True, slots=True)
class PatientOnFile:
    """The screening's patient, for the identity rule (None: not known)."""

    date_of_birth: datetime.date | None
    sex: str | None  # "female", "male"


@dataclass
class LabProposals:
    proposed: list[Proposal] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)

    def as_json(self, translate: Callable[[str], str] = _as_is) -> dict[str, Any]:
        """The ``alter-fhir-labs/1`` document (spec, "Output of the command line")."""
        return {
            "format": FORMAT,
            "proposed": [p.as_json() for p in self.proposed],
            "skipped": [s.as_json(translate) for s in self.skipped],
        }


def refusal_document(errors: Iterable[InputError], translate: Callable[[str], str] = _as_is) -> dict[str, Any]:
    return {"format": FORMAT, "errors": [{"path": e.path, "message": e.text.render(translate)} for e in errors]}


def labs_from_fhir(
    raw: bytes | str | dict[str, Any],
    *,
    today: datetime.date,
    zone: ZoneInfo,
    on_file: LabsOnFile | None = None,
    patient: PatientOnFile | None = None,
) -> LabProposals:
    """The proposals and skips of one input, or :class:`RefusedInput` (malformed, or
    about another patient). ``patient`` and ``on_file`` are the screening's (with
    ``--screening``); without them only the input itself counts."""
    entries = read_input(raw)
    check_identity(entries, patient)
    return propose(entries, today=today, zone=zone, on_file=on_file or LabsOnFile())


# --- identity -------------------------------------------------------------------------

_PATIENT_REFERENCE: Final = re.compile(r"(?:^|/)Patient/([A-Za-z0-9\-.]{1,64})(?:/_history/[^/]*)?$")
_OTHER_TYPE_REFERENCE: Final = re.compile(r"(?:^|/)([A-Z][A-Za-z]+)/[A-Za-z0-9\-.]{1,64}(?:/_history/[^/]*)?$")


def check_identity(entries: list[Entry], patient: PatientOnFile | None) -> None:
    """Spec, "Patient identity": refuse the whole input when its Observations are of two
    different patients, or when one of its Patients is not the screening's."""
    errors: list[InputError] = []
    patients = [e for e in entries if isinstance(e.resource, Patient)]
    by_url = {e.full_url: i for i, e in enumerate(patients) if e.full_url}
    by_id = {f"Patient/{e.resource.id}": i for i, e in enumerate(patients) if e.resource.id}
    first: tuple[Any, str] | None = None
    for entry in entries:
        resource = entry.resource
        if not isinstance(resource, Observation) or resource.subject is None:
            continue
        key = _subject_key(resource.subject, by_url, by_id)
        if key is None:
            continue
        if first is None:
            first = (key, _subject_text(resource.subject))
        elif key != first[0]:
            errors.append(
                InputError(
                    f"{entry.pointer}/subject",
                    Text(
                        gettext_noop(
                            "this Observation is of %(other)s, an earlier one of "
                            "%(first)s: the results of two patients are "
                            "never proposed"
                        ),
                        {"other": _subject_text(resource.subject), "first": first[1]},
                    ),
                )
            )
            break
    if patient is not None:
        for entry in patients:
            resource = entry.resource
            if isinstance(resource, Patient):
                errors += _patient_disagreements(entry.pointer, resource, patient)
    if errors:
        raise RefusedInput(errors)


def _subject_key(subject: Reference, by_url: Mapping[str, int], by_id: Mapping[str, int]) -> Any:
    """Who an Observation is about: the Patient entry it points to, else its reference or
    identifier as written; None when it names no patient (a Group, a Device...)."""
    reference = subject.reference
    if reference:
        if reference in by_url:
            return ("entry", by_url[reference])
        match = _PATIENT_REFERENCE.search(reference)
        if match is not None:
            relative = f"Patient/{match.group(1)}"
            return ("entry", by_id[relative]) if relative in by_id else ("reference", relative)
        other = _OTHER_TYPE_REFERENCE.search(reference)
        if other is not None:
            return None
        return ("reference", reference)
    identifier = subject.identifier
    if identifier is not None and identifier.value and subject.type in (None, "Patient"):
        return ("identifier", identifier.system or "", identifier.value)
    return None


def _subject_text(subject: Reference) -> str:
    if subject.reference:
        return subject.reference
    identifier = subject.identifier
    if identifier is not None and identifier.value:
        return f"{identifier.system}|{identifier.value}" if identifier.system else identifier.value
    return "?"


def _patient_disagreements(where: str, resource: Patient, patient: PatientOnFile) -> list[InputError]:
    errors = []
    born = resource.birthDate
    if born is not None and patient.date_of_birth is not None:
        # A partial date (1981, 1981-07) agrees with the dates it contains.
        given = born.isoformat() if isinstance(born, datetime.date) else str(born)
        if not patient.date_of_birth.isoformat().startswith(given):
            errors.append(
                InputError(
                    f"{where}/birthDate",
                    Text(
                        gettext_noop(
                            "born %(given)s, but the screening's patient was born "
                            "%(stored)s: the lab results of another "
                            "patient are never proposed"
                        ),
                        {"given": given, "stored": patient.date_of_birth.isoformat()},
                    ),
                )
            )
    gender = resource.gender
    if gender is not None and patient.sex is not None and gender != patient.sex:
        # FHIR "other" and "unknown" agree with neither female nor male.
        errors.append(
            InputError(
                f"{where}/gender",
                Text(
                    gettext_noop(
                        "gender %(given)s, but the screening's patient is "
                        "%(stored)s: the lab results of another patient are "
                        "never proposed"
                    ),
                    {"given": str(gender), "stored": patient.sex},
                ),
            )
        )
    return errors


# --- proposals --------------------------------------------------------------------------


class _Skipped(Exception):  # noqa: N818 - control flow inside _candidate only
    def __init__(self, code: str, reason: Text) -> None:
        super().__init__(code)
        self.code = code
        self.reason = reason


def propose(entries: list[Entry], *, today: datetime.date, zone: ZoneInfo, on_file: LabsOnFile) -> LabProposals:
    """Each Observation proposed or skipped, in input order."""
    result = LabProposals()
    proposed_ids: dict[str, str] = {}
    proposed_rows: dict[tuple[str, datetime.date, float, str], str] = {}
    for entry in entries:
        observation = entry.resource
        if not isinstance(observation, Observation):
            continue
        name = observation.id or entry.pointer
        try:
            proposal = _candidate(entry, observation, name, today=today, zone=zone)
            key = (proposal.test, proposal.date, float(proposal.value), proposal.unit)
            _not_a_duplicate(
                observation.id, key, on_file=on_file, proposed_ids=proposed_ids, proposed_rows=proposed_rows
            )
        except _Skipped as skipped:
            result.skipped.append(Skip(observation=name, code=skipped.code, reason=skipped.reason))
            continue
        result.proposed.append(proposal)
        if observation.id:
            proposed_ids.setdefault(observation.id, name)
        proposed_rows.setdefault(key, name)
    return result


def _candidate(entry: Entry, observation: Observation, name: str, *, today: datetime.date, zone: ZoneInfo) -> Proposal:
    """The row an Observation would be, or :class:`_Skipped` with the first reason that
    applies (all but ``duplicate``)."""
    loinc, test = _test_of(observation)
    _final(observation.status)
    quantity = _quantity(observation)
    value: Number = entry.raw["valueQuantity"]["value"]  # as written in the input: no rounding
    if quantity.comparator is not None:
        raise _Skipped(
            CENSORED_VALUE,
            Text(
                gettext_noop("censored value %(comparator)s %(value)s: not a number the rules can compare"),
                {"comparator": str(quantity.comparator), "value": value},
            ),
        )
    received, unit = _unit(test, quantity)
    day = _local_date(observation, zone)
    if day > today:
        raise _Skipped(
            DATED_AFTER_TODAY,
            Text(
                gettext_noop("dated %(date)s, after today (%(today)s)"),
                {"date": day.isoformat(), "today": today.isoformat()},
            ),
        )
    uln = _uln(entry, observation, quantity) if test in tables.ULN_TESTS else None
    return Proposal(
        test=test,
        value=value,
        unit=unit,
        date=day,
        uln=uln,
        source=Source(observation=name, loinc=loinc, value=value, unit=received),
    )


def _test_of(observation: Observation) -> tuple[str, str]:
    """(LOINC code, test) of the first coding of the table's codes."""
    codings = (observation.code.coding or []) if observation.code is not None else []
    loinc = [c.code for c in codings if c.system == tables.LOINC_SYSTEM and c.code]
    known = [(code, tables.LOINC_TESTS[code]) for code in loinc if code in tables.LOINC_TESTS]
    if not known:
        if loinc:
            raise _Skipped(
                NOT_A_SCREENING_TEST,
                Text(
                    gettext_noop("LOINC %(codes)s: not a screening test"), {"codes": ", ".join(str(c) for c in loinc)}
                ),
            )
        raise _Skipped(NOT_A_SCREENING_TEST, Text(gettext_noop("no LOINC code: not a screening test")))
    tests = {test for _code, test in known}
    if len(tests) > 1:
        raise _Skipped(
            AMBIGUOUS_CODE,
            Text(
                gettext_noop("LOINC codes of different tests: %(codes)s"),
                {"codes": ", ".join(f"{code} ({test})" for code, test in known)},
            ),
        )
    return str(known[0][0]), known[0][1]


def _final(status: Any) -> None:
    if status in tables.FINAL_STATUSES:
        return
    shown = str(status)
    if status in tables.NOT_YET_STATUSES:
        raise _Skipped(NOT_FINAL, Text(gettext_noop("status %(status)s: not yet a final result"), {"status": shown}))
    if status in ("cancelled", "entered-in-error", "unknown"):
        raise _Skipped(NOT_FINAL, Text(gettext_noop("status %(status)s: not a result"), {"status": shown}))
    raise _Skipped(NOT_FINAL, Text(gettext_noop("status %(status)s: not a final result"), {"status": shown}))


_OTHER_VALUES: Final = (
    "valueCodeableConcept",
    "valueString",
    "valueBoolean",
    "valueInteger",
    "valueRange",
    "valueRatio",
    "valueSampledData",
    "valueTime",
    "valueDateTime",
    "valuePeriod",
)


def _quantity(observation: Observation) -> Quantity:
    """The Observation's valueQuantity when it has a value, else ``no_value``."""
    quantity = observation.valueQuantity
    if quantity is not None and quantity.value is not None:
        return quantity
    if observation.dataAbsentReason is not None:
        reason = observation.dataAbsentReason
        why = reason.text or next((c.display or c.code for c in reason.coding or () if c.display or c.code), "")
        raise _Skipped(NO_VALUE, Text(gettext_noop("no value (data absent: %(why)s)"), {"why": str(why or "?")}))
    other = next((name for name in _OTHER_VALUES if getattr(observation, name, None) is not None), None)
    if other is not None:
        raise _Skipped(NO_VALUE, Text(gettext_noop("no numeric value (%(element)s)"), {"element": other}))
    if quantity is not None:
        raise _Skipped(NO_VALUE, Text(gettext_noop("valueQuantity has no value")))
    raise _Skipped(NO_VALUE, Text(gettext_noop("no value")))


def _read_unit(quantity: Quantity) -> tuple[str | None, bool]:
    """Spec, "Units": the UCUM code when the system is UCUM, else the printed unit."""
    if quantity.system == tables.UCUM_SYSTEM:
        return (str(quantity.code) if quantity.code is not None else None), True
    return (str(quantity.unit) if quantity.unit is not None else None), False


def _unit(test: str, quantity: Quantity) -> tuple[str, str]:
    """(unit as received, exchange unit)."""
    received, ucum = _read_unit(quantity)
    mapped = tables.exchange_unit(test, received, ucum=ucum) if received is not None else None
    if received is not None and mapped is not None:
        return received, mapped
    accepted = ", ".join(tables.ucum_codes(test) if ucum else tables.printed_units(test))
    if received is None:
        raise _Skipped(
            UNIT_NOT_ACCEPTED,
            Text(
                gettext_noop("no UCUM code; %(test)s accepts %(accepted)s")
                if ucum
                else gettext_noop("no unit; %(test)s accepts %(accepted)s"),
                {"test": test, "accepted": accepted},
            ),
        )
    raise _Skipped(
        UNIT_NOT_ACCEPTED,
        Text(
            gettext_noop("UCUM code %(unit)s is not accepted for %(test)s; accepted: %(accepted)s")
            if ucum
            else gettext_noop("printed unit %(unit)s is not accepted for %(test)s; accepted: %(accepted)s"),
            {"unit": received, "test": test, "accepted": accepted},
        ),
    )


def _local_date(observation: Observation, zone: ZoneInfo) -> datetime.date:
    """Spec, "Date": the local date of effectiveDateTime, else of effectivePeriod.start."""
    when: Any = observation.effectiveDateTime
    if when is None and observation.effectivePeriod is not None:
        when = observation.effectivePeriod.start
    if when is None:
        raise _Skipped(NO_DATE, Text(gettext_noop("no effectiveDateTime or effectivePeriod.start")))
    if isinstance(when, datetime.datetime):
        # FHIR requires an offset with a time; the library refuses a time without one.
        return when.astimezone(zone).date() if when.tzinfo is not None else when.date()
    if isinstance(when, datetime.date):
        return when
    # A year or a year and month (FHIR's partial dates): no day to date a lab row by.
    raise _Skipped(NO_DATE, Text(gettext_noop("date %(date)s has no day"), {"date": str(when)}))


def _uln(entry: Entry, observation: Observation, quantity: Quantity) -> Number | None:
    """Spec, "Upper limit of normal": the high of the first reference range in the unit of
    the value (same UCUM code, or the same printed unit)."""
    raw_ranges = entry.raw.get("referenceRange") or []
    for i, reference_range in enumerate(observation.referenceRange or ()):
        high = reference_range.high
        if high is None or high.value is None:
            continue
        same_code = (
            quantity.system == tables.UCUM_SYSTEM
            and high.system == tables.UCUM_SYSTEM
            and quantity.code is not None
            and high.code == quantity.code
        )
        same_printed = quantity.unit is not None and high.unit == quantity.unit
        if same_code or same_printed:
            value: Number = raw_ranges[i]["high"]["value"]
            return value
    return None


def _not_a_duplicate(
    observation_id: str | None,
    key: tuple[str, datetime.date, float, str],
    *,
    on_file: LabsOnFile,
    proposed_ids: Mapping[str, str],
    proposed_rows: Mapping[tuple[str, datetime.date, float, str], str],
) -> None:
    """Spec: "the same Observation (same id, or same test, local date, value and exchange
    unit) is already a lab row of the screening, or was proposed earlier in the same input"."""
    if observation_id and observation_id in on_file.observations:
        raise _Skipped(
            DUPLICATE,
            Text(gettext_noop("Observation %(id)s is already a lab row of the screening"), {"id": observation_id}),
        )
    if key in on_file.rows:
        raise _Skipped(
            DUPLICATE,
            Text(
                gettext_noop("the screening already has this lab row (%(test)s %(value)s %(unit)s, %(date)s)"),
                _row_params(key),
            ),
        )
    if observation_id and observation_id in proposed_ids:
        raise _Skipped(
            DUPLICATE, Text(gettext_noop("the same Observation %(id)s was proposed above"), {"id": observation_id})
        )
    if key in proposed_rows:
        raise _Skipped(
            DUPLICATE,
            Text(
                gettext_noop(
                    "the same lab row (%(test)s %(value)s %(unit)s, %(date)s) was proposed above, from %(earlier)s"
                ),
                {**_row_params(key), "earlier": proposed_rows[key]},
            ),
        )


def _row_params(key: tuple[str, datetime.date, float, str]) -> dict[str, str]:
    test, day, value, unit = key
    return {"test": test, "value": format(value, ".15g"), "unit": unit, "date": day.isoformat()}
