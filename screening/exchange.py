"""The exchange format: `alter-screening/1` documents in, `alter-screening-result/1` out.

``parse_screening`` turns JSON (bytes, text or already-decoded data) into a validated
:class:`ScreeningDocument`, or raises :class:`RefusedDocument` listing every error of
the document, each with the JSON Pointer of the offending field. ``result_document``
turns an evaluation into the result document.

Two passes, for speed and for complete error lists: msgspec decodes and type-checks a
well-formed document in one fast step; only when that fails does a slower walk over the
same type definitions collect every structural error (msgspec stops at the first).
The checks that need more than a type (site codes, units, plausibility, date order)
run on the typed document in both cases.
"""

from __future__ import annotations

import datetime
import json
import math
import re
from collections.abc import Collection, Iterator
from typing import TYPE_CHECKING, Any, Final, NamedTuple

import msgspec

if TYPE_CHECKING:  # Django has no type information here (no django-stubs): what is used of it
    def _django_gettext(message: str) -> str: ...
    apps: Any
else:
    from django.apps import apps
    from django.utils.translation import gettext as _django_gettext

from screening.rules import units
from screening.rules.dates import age_years, reference_date
from screening.rules.document import FORMAT, LabResult, ScreeningDocument
from screening.rules.outcome import Outcome
from screening.rules.ruleset import Evaluation, evaluate

RESULT_FORMAT: Final = "alter-screening-result/1"

# Initial sites; the web application reads its own Site table instead.
DEFAULT_SITE_CODES: Final = frozenset({"IPC", "IGR"})

WEIGHT_KG_MIN, WEIGHT_KG_MAX = 25.0, 300.0
AGE_YEARS_MAX: Final = 120
ECOG_MIN, ECOG_MAX = 0, 4
AMENORRHEA_MONTHS_MIN, AMENORRHEA_MONTHS_MAX = 0, 600
LVEF_PERCENT_MIN, LVEF_PERCENT_MAX = 5.0, 90.0
RECEPTOR_PERCENT_MIN, RECEPTOR_PERCENT_MAX = 0.0, 100.0


class DocumentError(NamedTuple):
    path: str  # JSON Pointer of the offending field ("" for the document itself)
    message: str  # in the active language: built by gettext when the error is found


# Messages are translated with gettext (not gettext_lazy) when an error is found, in the
# language active then (the request's; "en" for `manage.py screen`); a valid document
# never calls gettext. Messages chosen from a table are marked with gettext_noop here
# and translated where they are used.

def gettext(message: str) -> str:
    """``message`` in the active language; as written (English) when Django is not set up
    (exchange used as plain Python, as benchmarks/screen_throughput.py does)."""
    return _django_gettext(message) if apps.ready else message


def gettext_noop(message: str) -> str:
    """Marks a message for the catalogue, translated later with gettext (Django's own reads
    the settings, which importing this module must not need)."""
    return message


# The labels of units.LAB_UNITS (screening/rules has no Django), for the catalogue.
_LAB_LABELS: Final = (
    gettext_noop("hemoglobin"), gettext_noop("ANC"), gettext_noop("platelets"), gettext_noop("creatinine"),
    gettext_noop("albumin"), gettext_noop("total bilirubin"), gettext_noop("ALT"), gettext_noop("AST"),
)
_LAB_NEEDS: Final = {
    "test": gettext_noop("a lab result needs its test"),
    "value": gettext_noop("a lab result needs its value"),
    "unit": gettext_noop("a lab result needs its unit"),
    "date": gettext_noop("a lab result needs its date"),
}


class RefusedDocument(Exception):  # noqa: N818 - a refused document is the domain's word
    """A document that is not a valid `alter-screening/1`; nothing of it may be stored."""

    def __init__(self, errors: list[DocumentError]) -> None:
        super().__init__("; ".join(f"{e.path or '/'}: {e.message}" for e in errors))
        self.errors = errors


_DECODER: Final = msgspec.json.Decoder(ScreeningDocument)
_ENCODER: Final = msgspec.json.Encoder()


def parse_screening(
    raw: bytes | str | dict[str, Any],
    *,
    today: datetime.date,
    known_sites: Collection[str] = DEFAULT_SITE_CODES,
) -> ScreeningDocument:
    """A validated document, or :class:`RefusedDocument` with every error found.

    ``today`` is the date against which "dated after today" is judged (the caller's
    local date: the rules themselves never look at the clock).
    """
    errors: list[DocumentError] = []
    doc: ScreeningDocument | None
    try:
        if isinstance(raw, dict):
            doc = msgspec.convert(raw, ScreeningDocument)
        else:
            doc = _DECODER.decode(raw)
    except msgspec.ValidationError:  # well-formed JSON, not a valid document
        doc, errors = _parse_reporting_every_error(raw, today=today)
    except msgspec.DecodeError as exc:
        raise RefusedDocument([DocumentError("", _not_json(exc))]) from None

    if doc is not None:
        errors.extend(_check_values(doc, today=today, known_sites=known_sites))
    errors = _without_repeats(errors)
    if errors or doc is None:
        raise RefusedDocument(errors or [DocumentError("", gettext("not a screening document"))])
    return doc


# --- structural errors ------------------------------------------------------------

_DATE_SHAPE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")
_DROP: Final = object()  # a field whose value is refused: left out of the cleaned data


def _parse_reporting_every_error(
    raw: bytes | str | dict[str, Any], *, today: datetime.date
) -> tuple[ScreeningDocument | None, list[DocumentError]]:
    """Walk the document against the type definitions, collecting every structural error.

    Refused values are left out (as if absent), so that the value checks can still run on
    the rest of the document and report their errors too.
    """
    if isinstance(raw, dict):
        data: Any = raw
    else:
        try:
            data = msgspec.json.decode(raw)
        except msgspec.ValidationError:
            # Well-formed but with a number beyond a float's range (1e999): json reads it as
            # infinity, which the walk then refuses at its own path.
            try:
                data = json.loads(raw, parse_constant=_refuse_constant)
            except ValueError as exc:
                return None, [DocumentError("", _not_json(exc))]
        except msgspec.DecodeError as exc:  # malformed further on than the typed decoder read
            return None, [DocumentError("", _not_json(exc))]
    errors: list[DocumentError] = []
    if not isinstance(data, dict):
        return None, [DocumentError("", gettext("a screening document must be a JSON object"))]
    cleaned = _walk(data, msgspec.inspect.type_info(ScreeningDocument), "", errors)
    # Stand-ins for refused required fields, so that the rest of the document is still
    # checked; their own errors are already listed, and checks that would repeat them
    # are dropped with the repeats.
    cleaned.setdefault("format", FORMAT)
    cleaned.setdefault("site", "")
    cleaned.setdefault("assessment_date", cleaned.get("planned_randomization_date", today.isoformat()))
    try:
        return msgspec.convert(cleaned, ScreeningDocument), errors
    except msgspec.ValidationError as exc:  # the walk and msgspec disagree: still name the field
        return None, [*errors, _error_from_msgspec(exc)]


def _walk(value: Any, t: msgspec.inspect.Type, path: str, errors: list[DocumentError]) -> Any:
    """``value`` checked against type ``t``; the cleaned value, or _DROP with an error."""
    if isinstance(t, msgspec.inspect.UnionType):
        if value is None and any(isinstance(m, msgspec.inspect.NoneType) for m in t.types):
            return None
        members = [m for m in t.types if not isinstance(m, msgspec.inspect.NoneType)]
        if len(members) == 1:
            return _walk(value, members[0], path, errors)
        # int | float: an integer-valued field, checked further in _check_values
        return _walk(value, msgspec.inspect.FloatType(), path, errors)
    if isinstance(t, msgspec.inspect.StructType):
        if not isinstance(value, dict):
            errors.append(DocumentError(path, gettext("must be an object, not %(kind)s") % {"kind": _json_kind(value)}))
            return _DROP
        fields = {f.encode_name: f for f in t.fields}
        cleaned = {}
        for key, item in value.items():
            if key not in fields:
                errors.append(DocumentError(f"{path}/{_escape(key)}",
                                            gettext("unknown field %(key)s") % {"key": repr(key)}))
                continue
            checked = _walk(item, fields[key].type, f"{path}/{_escape(key)}", errors)
            if checked is not _DROP:
                cleaned[key] = checked
        for name, field in fields.items():
            if field.required and name not in value:
                errors.append(DocumentError(f"{path}/{name}", gettext("is required")))
        return cleaned
    if isinstance(t, msgspec.inspect.ListType):
        if not isinstance(value, list):
            errors.append(DocumentError(path, gettext("must be a list, not %(kind)s") % {"kind": _json_kind(value)}))
            return _DROP
        items = []
        for i, item in enumerate(value):
            checked = _walk(item, t.item_type, f"{path}/{i}", errors)
            # Keep every position so that later errors name the right index.
            items.append(_empty_like(t.item_type) if checked is _DROP else checked)
        return items
    if isinstance(t, msgspec.inspect.LiteralType):
        if value in t.values and isinstance(value, str):
            return value
        allowed = ", ".join(repr(v) for v in t.values)
        errors.append(DocumentError(path, gettext("must be one of %(allowed)s, not %(value)s")
                                    % {"allowed": allowed, "value": _shown(value)}))
        return _DROP
    if isinstance(t, msgspec.inspect.BoolType):
        if isinstance(value, bool):
            return value
        errors.append(DocumentError(path, gettext("must be true or false (or null), not %(value)s")
                                    % {"value": _shown(value)}))
        return _DROP
    if isinstance(t, msgspec.inspect.FloatType):
        if _is_number(value):
            return value
        if isinstance(value, float):
            errors.append(DocumentError(path, gettext("is a number out of range")))
            return _DROP
        errors.append(DocumentError(path, gettext("must be a number, not %(value)s") % {"value": _shown(value)}))
        return _DROP
    if isinstance(t, msgspec.inspect.StrType):
        if isinstance(value, str):
            return value
        errors.append(DocumentError(path, gettext("must be a string, not %(value)s") % {"value": _shown(value)}))
        return _DROP
    if isinstance(t, msgspec.inspect.DateType):
        if not isinstance(value, str) or not _DATE_SHAPE.fullmatch(value):
            errors.append(DocumentError(path, gettext("must be a date written YYYY-MM-DD, not %(value)s")
                                        % {"value": _shown(value)}))
            return _DROP
        try:
            datetime.date.fromisoformat(value)
        except ValueError:
            errors.append(DocumentError(path, gettext("%(value)s is not a date that exists") % {"value": repr(value)}))
            return _DROP
        return value
    raise TypeError(f"no check for {t!r} at {path}")  # a type added to document.py without one here


def _refuse_constant(name: str) -> None:
    raise ValueError(gettext("JSON has no %(constant)s") % {"constant": name})


def _not_json(exc: Exception) -> str:
    return gettext("not valid JSON: %(error)s") % {"error": exc}


def _is_number(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return not isinstance(value, float) or math.isfinite(value)


def _empty_like(t: msgspec.inspect.Type) -> Any:
    return {} if isinstance(t, msgspec.inspect.StructType) else None


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return gettext("a number")
    if isinstance(value, str):
        return gettext("a string")
    if isinstance(value, list):
        return gettext("a list")
    return gettext("an object")


def _shown(value: Any) -> str:
    """A refused value as the message shows it."""
    if isinstance(value, str):
        return repr(value) if len(value) <= 40 else repr(value[:40] + "…")
    if _is_number(value):
        return repr(value)
    return _json_kind(value)


def _escape(key: str) -> str:
    """JSON Pointer escaping (RFC 6901)."""
    return key.replace("~", "~0").replace("/", "~1")


_MSGSPEC_PATH: Final = re.compile(r"`\$((?:\.[^.\[`]+|\[\d+\])*)`")


def _error_from_msgspec(exc: msgspec.ValidationError) -> DocumentError:
    text = str(exc)
    match = _MSGSPEC_PATH.search(text)
    path = ""
    if match:
        path = re.sub(r"\.([^.\[]+)|\[(\d+)\]", lambda m: "/" + (m.group(1) or m.group(2)), match.group(1))
    return DocumentError(path, text.split(" - at ", maxsplit=1)[0])


def _without_repeats(errors: list[DocumentError]) -> list[DocumentError]:
    """One error per field, and none inside a field that is itself refused."""
    seen: set[str] = set()
    kept = []
    for error in errors:
        if error.path in seen or any(error.path.startswith(p + "/") for p in seen if p):
            continue
        seen.add(error.path)
        kept.append(error)
    return kept


# --- value checks -------------------------------------------------------------------


def _check_values(
    doc: ScreeningDocument, *, today: datetime.date, known_sites: Collection[str]
) -> Iterator[DocumentError]:
    """Checks beyond types: site, integers, plausibility, units, dates. Normalises
    integer-valued numbers (1.0 -> 1) in place."""
    if doc.site not in known_sites:
        yield DocumentError("/site", gettext("unknown site code %(code)s; known: %(known)s")
                            % {"code": repr(doc.site), "known": ", ".join(sorted(known_sites))})
    yield from _check_texts(doc)
    yield from _check_record_version(doc)
    dates = _DateChecks(doc, today)
    yield from dates.order()
    yield from _check_patient(doc, dates)
    yield from _check_clinical(doc, dates)
    latest_allowed = min(dates.today, dates.reference) if not dates.order_broken else dates.today
    for i, lab in enumerate(doc.labs or ()):
        # Most lab rows are fine: settle those with one quick test, and only look for
        # the error (with its message) in the others.
        if _lab_is_valid(lab) and lab.date <= latest_allowed:  # type: ignore[operator]
            continue
        yield from _check_lab(f"/labs/{i}", lab)
        yield from dates.observed(f"/labs/{i}/date", lab.date)
    yield from _check_reproductive(doc, dates)


def _check_texts(doc: ScreeningDocument) -> Iterator[DocumentError]:
    """Free text that PostgreSQL could not store: a NUL character is refused."""
    texts = [("/screening_id", doc.screening_id), ("/site", doc.site)]
    if doc.patient is not None:
        texts.append(("/patient/initials", doc.patient.initials))
    if doc.prior_therapy is not None:
        texts.extend((f"/prior_therapy/drugs/{i}", drug) for i, drug in enumerate(doc.prior_therapy.drugs or ()))
    for path, text in texts:
        if text is not None and "\x00" in text:
            yield DocumentError(path, gettext("must not contain a NUL character"))


RECORD_VERSION_MAX: Final = 2_147_483_647  # what the database's version column holds


def _check_record_version(doc: ScreeningDocument) -> Iterator[DocumentError]:
    """The exported record's version: a whole number from 1 (normalised to an int)."""
    if doc.record_version is None:
        return
    version = _integer(doc.record_version)
    if version is None or not 1 <= version <= RECORD_VERSION_MAX:
        yield DocumentError("/record_version", gettext("must be a whole number from 1 (the version of the "
                                                       "exported record), not %(value)s")
                            % {"value": format(doc.record_version, "g")})
    else:
        doc.record_version = version


class _DateChecks:
    """Spec, "Dates that are refused": observations dated after today or after R."""

    def __init__(self, doc: ScreeningDocument, today: datetime.date) -> None:
        self.today = today
        self.assessment = doc.assessment_date
        self.planned = doc.planned_randomization_date
        self.reference = reference_date(doc.assessment_date, doc.planned_randomization_date)
        # When R precedes A only that error is reported for the date order.
        self.order_broken = self.planned is not None and self.planned < self.assessment

    def order(self) -> Iterator[DocumentError]:
        if self.planned is not None and self.order_broken:
            yield DocumentError("/planned_randomization_date",
                                gettext("planned randomization date %(planned)s is before the "
                                        "assessment date %(assessment)s")
                                % {"planned": self.planned.isoformat(), "assessment": self.assessment.isoformat()})

    def observed(self, path: str, day: datetime.date | None) -> Iterator[DocumentError]:
        """An observation may not be dated after today, nor after the reference date R."""
        if day is None:
            return
        if day > self.today:
            yield DocumentError(path, gettext("%(date)s is after today (%(today)s)")
                                % {"date": day.isoformat(), "today": self.today.isoformat()})
        elif not self.order_broken and day > self.reference:
            message = (gettext("%(date)s is after the reference date %(reference)s (planned randomization date): "
                               "only results available by then count") if self.planned is not None else
                       gettext("%(date)s is after the reference date %(reference)s (assessment date): "
                               "only results available by then count"))
            yield DocumentError(path, message % {"date": day.isoformat(), "reference": self.reference.isoformat()})


def _check_patient(doc: ScreeningDocument, dates: _DateChecks) -> Iterator[DocumentError]:
    p = doc.patient
    if p is None:
        return
    dob = p.date_of_birth
    if dob is not None:
        if dob > dates.today:
            yield DocumentError("/patient/date_of_birth",
                                gettext("%(date)s is after today") % {"date": dob.isoformat()})
        elif dob > dates.assessment:
            yield DocumentError("/patient/date_of_birth",
                                gettext("%(date)s is after the assessment date %(assessment)s")
                                % {"date": dob.isoformat(), "assessment": dates.assessment.isoformat()})
        elif (age := age_years(dob, dates.assessment)) > AGE_YEARS_MAX:
            yield DocumentError("/patient/date_of_birth",
                                gettext("age %(age)s y at the assessment date is implausible (0 – %(max)s years)")
                                % {"age": age, "max": AGE_YEARS_MAX})
    weight = p.weight_kg
    if weight is not None and not WEIGHT_KG_MIN <= weight <= WEIGHT_KG_MAX:
        grams = WEIGHT_KG_MIN <= weight / 1000 <= WEIGHT_KG_MAX
        message = (gettext("weight %(weight)s kg is implausible (%(min)s – %(max)s kg); did you mean grams? "
                           "give kilograms") if grams else
                   gettext("weight %(weight)s kg is implausible (%(min)s – %(max)s kg)"))
        yield DocumentError("/patient/weight_kg", message % {
            "weight": format(weight, "g"), "min": format(WEIGHT_KG_MIN, "g"), "max": format(WEIGHT_KG_MAX, "g")})


def _check_clinical(doc: ScreeningDocument, dates: _DateChecks) -> Iterator[DocumentError]:
    """Consent, disease, samples, ECOG, LVEF, support and other-trial fields."""
    if doc.consent is not None:
        yield from dates.observed("/consent/date", doc.consent.date)
    if doc.disease is not None and doc.disease.brain_metastases is not None:
        yield from dates.observed("/disease/brain_metastases/last_local_treatment_date",
                                  doc.disease.brain_metastases.last_local_treatment_date)
    for i, sample in enumerate(doc.tumour_samples or ()):
        yield from dates.observed(f"/tumour_samples/{i}/date", sample.date)
        for name in ("er_percent", "pr_percent"):
            value = getattr(sample, name)
            if value is not None and not RECEPTOR_PERCENT_MIN <= value <= RECEPTOR_PERCENT_MAX:
                yield DocumentError(f"/tumour_samples/{i}/{name}",
                                    gettext("%(value)s%% is implausible (0 – 100 %%)") % {"value": format(value, "g")})
    if doc.ecog is not None:
        ecog = _integer(doc.ecog)
        if ecog is None:
            yield DocumentError("/ecog", gettext("ECOG must be a whole number, not %(value)s")
                                % {"value": format(doc.ecog, "g")})
        elif not ECOG_MIN <= ecog <= ECOG_MAX:
            yield DocumentError("/ecog", gettext("ECOG %(value)s is not a performance status for screening (0 – 4)")
                                % {"value": ecog})
        else:
            doc.ecog = ecog
    if doc.lvef is not None:
        percent = doc.lvef.percent
        if percent is not None and not LVEF_PERCENT_MIN <= percent <= LVEF_PERCENT_MAX:
            message = (gettext("LVEF %(value)s%% is implausible (5 – 90 %%); did you mean %(suggestion)s%%? "
                               "give a percentage")
                       if LVEF_PERCENT_MIN <= percent * 100 <= LVEF_PERCENT_MAX else
                       gettext("LVEF %(value)s%% is implausible (5 – 90 %%)"))
            yield DocumentError("/lvef/percent", message % {
                "value": format(percent, "g"), "suggestion": format(percent * 100, "g")})
        yield from dates.observed("/lvef/date", doc.lvef.date)
    if doc.support is not None:
        for name in ("rbc_transfusion_date", "gcsf_date", "platelet_transfusion_date"):
            yield from dates.observed(f"/support/{name}", getattr(doc.support, name))
    if doc.other_trial is not None:
        yield from dates.observed("/other_trial/last_date", doc.other_trial.last_date)


def _check_reproductive(doc: ScreeningDocument, dates: _DateChecks) -> Iterator[DocumentError]:
    rep = doc.reproductive
    if rep is None:
        return
    if rep.amenorrhea_months is not None:
        months = _integer(rep.amenorrhea_months)
        if months is None:
            yield DocumentError("/reproductive/amenorrhea_months",
                                gettext("must be a whole number of months, not %(value)s")
                                % {"value": format(rep.amenorrhea_months, "g")})
        elif not AMENORRHEA_MONTHS_MIN <= months <= AMENORRHEA_MONTHS_MAX:
            yield DocumentError("/reproductive/amenorrhea_months",
                                gettext("%(months)s months is implausible (0 – %(max)s)")
                                % {"months": months, "max": AMENORRHEA_MONTHS_MAX})
        else:
            rep.amenorrhea_months = months
    for i, test in enumerate(rep.pregnancy_tests or ()):
        path = f"/reproductive/pregnancy_tests/{i}"
        if test.result is None:
            yield DocumentError(f"{path}/result", gettext("a pregnancy test needs its result"))
        if test.date is None:
            yield DocumentError(f"{path}/date", gettext("a pregnancy test needs its date"))
        yield from dates.observed(f"{path}/date", test.date)


def _integer(value: float) -> int | None:
    """``value`` as an int when it has no fractional part (1.0 is 1), else None."""
    if isinstance(value, int):
        return value
    return int(value) if value.is_integer() else None


def _lab_is_valid(lab: LabResult) -> bool:
    """Whether a lab row passes every check of :func:`_check_lab` (dates aside)."""
    test, value, unit, uln = lab.test, lab.value, lab.unit, lab.uln
    if test is None or value is None or unit is None or lab.date is None:
        return False
    spec = units.LAB_UNITS[test]
    if unit not in spec.divisors or (uln is None and spec.needs_uln) or (uln is not None and uln <= 0):
        return False
    canonical = units.to_canonical(test, value, unit, uln)
    return spec.plausible_min <= canonical <= spec.plausible_max


def _check_lab(path: str, lab: LabResult) -> Iterator[DocumentError]:
    for name in ("test", "value", "unit", "date"):
        if getattr(lab, name) is None:
            yield DocumentError(f"{path}/{name}", gettext(_LAB_NEEDS[name]))
    if lab.uln is not None and lab.uln <= 0:
        yield DocumentError(f"{path}/uln",
                            gettext("ULN %(uln)s must be greater than 0") % {"uln": format(lab.uln, "g")})
    if lab.test is None:
        return
    spec = units.LAB_UNITS[lab.test]
    if spec.needs_uln and lab.uln is None:
        yield DocumentError(f"{path}/uln",
                            gettext("%(label)s needs its ULN (upper limit of normal), in the unit of the value")
                            % {"label": gettext(spec.label)})
    if lab.unit is not None and not units.is_accepted(lab.test, lab.unit):
        accepted = ", ".join(units.accepted_units(lab.test))
        slip = units.unit_case_slip(lab.test, lab.unit)
        message = (gettext("unit %(unit)s is not accepted for %(test)s; did you mean %(suggestion)s? "
                           "accepted: %(accepted)s") if slip else
                   gettext("unit %(unit)s is not accepted for %(test)s; accepted: %(accepted)s"))
        yield DocumentError(f"{path}/unit", message % {
            "unit": repr(lab.unit), "test": lab.test, "suggestion": slip, "accepted": accepted})
        return
    if lab.value is None or lab.unit is None or (spec.needs_uln and (lab.uln is None or lab.uln <= 0)):
        return
    canonical = units.to_canonical(lab.test, lab.value, lab.unit, lab.uln)
    if not units.is_plausible(lab.test, canonical):
        slips = units.unit_slip_hint(lab.test, lab.value, lab.unit)
        message = (gettext("%(label)s %(value)s %(unit)s is implausible (plausible: %(range)s); "
                           "did you mean %(units)s?") if slips else
                   gettext("%(label)s %(value)s %(unit)s is implausible (plausible: %(range)s)"))
        canonical_unit = gettext("× ULN") if spec.needs_uln else spec.canonical
        yield DocumentError(f"{path}/value", message % {
            "label": gettext(spec.label), "value": units.plain_number_text(lab.value), "unit": lab.unit,
            "range": units.plausible_range_text(lab.test, unit=canonical_unit), "units": _either(slips)})


def _either(choices: list[str]) -> str:
    """``a or b`` (as many as given; "" for none)."""
    text = choices[0] if choices else ""
    for choice in choices[1:]:
        text = gettext("%(first)s or %(second)s") % {"first": text, "second": choice}
    return text


# --- result document ----------------------------------------------------------------


class ScreeningResult(msgspec.Struct, kw_only=True):
    """An `alter-screening-result/1` document (exchange-format.md, "Result format")."""

    format: str = RESULT_FORMAT
    ruleset: str
    screening_id: str | None
    status: str
    reference_date: datetime.date
    valid_until: datetime.date | None
    wocbp: bool | None
    crcl_ml_min: float | None
    failed: list[str]
    missing: list[str]
    criteria: list[Outcome]


def result_document(evaluation: Evaluation, *, screening_id: str | None) -> ScreeningResult:
    """The result document of an evaluation (``encode`` it, or ``as_json_data`` to store it)."""
    return ScreeningResult(
        ruleset=evaluation.ruleset,
        screening_id=screening_id,
        status=evaluation.status,
        reference_date=evaluation.reference_date,
        valid_until=evaluation.valid_until,
        wocbp=evaluation.wocbp,
        crcl_ml_min=evaluation.crcl_ml_min,
        failed=list(evaluation.failed),
        missing=list(evaluation.missing),
        criteria=[o for _, o in evaluation.outcomes],
    )


def as_json_data(document: ScreeningResult | dict[str, Any]) -> Any:
    """A result or refusal as plain JSON data (dicts, lists, strings, numbers)."""
    return msgspec.to_builtins(document)


def refused_document(errors: list[DocumentError], *, file: str) -> dict[str, Any]:
    return {"format": RESULT_FORMAT, "file": file,
            "errors": [{"path": e.path, "message": e.message} for e in errors]}


def encode(document: ScreeningResult | dict[str, Any]) -> bytes:
    """A result or refusal as one line of JSON (no newline)."""
    return _ENCODER.encode(document)



def screen(
    raw: bytes | str, *, today: datetime.date, file: str, known_sites: Collection[str] = DEFAULT_SITE_CODES
) -> tuple[ScreeningResult | dict[str, Any], ScreeningDocument | None]:
    """Parse and evaluate one document: its result document, and the parsed document
    (None when refused, the result then being the refusal)."""
    try:
        doc = parse_screening(raw, today=today, known_sites=known_sites)
    except RefusedDocument as refused:
        return refused_document(refused.errors, file=file), None
    return result_document(evaluate(doc), screening_id=doc.screening_id), doc
