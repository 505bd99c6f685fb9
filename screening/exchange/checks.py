"""The checks that need more than a type: site codes, screening numbers, texts, integers,
plausibility, units and dates (exchange-format.md, "Dates that are refused" and "Limits").

They run on the typed document, whichever way it was read (``parse.py``). A check that
needs a value which is refused or absent is skipped: none runs against a stand-in. The
plausibility ranges and the limits the database also enforces are the rules' own
(``rules/limits.py``, ``rules/units.py``).
"""

from __future__ import annotations

import calendar
import datetime
import functools
import re
from collections.abc import Collection, Iterator
from typing import Final

from screening.exchange.messages import (
    LONE_SURROGATE,
    DocumentError,
    current_style,
    either,
    gettext,
    gettext_noop,
    plain_number,
    shown,
    shown_date,
    shown_number,
)
from screening.rules import units
from screening.rules.dates import age_years, reference_date
from screening.rules.document import DRUG_NAME_MAX_CHARS, LabRow, ScreeningDocument
from screening.rules.limits import (
    AGE_YEARS_MAX,
    AMENORRHEA_MONTHS_MAX,
    AMENORRHEA_MONTHS_MIN,
    ECOG_STATUS_MAX,
    ECOG_STATUS_MIN,
    INITIALS_MAX_CHARS,
    LVEF_PERCENT_MAX,
    LVEF_PERCENT_MIN,
    RECEPTOR_PERCENT_MAX,
    RECEPTOR_PERCENT_MIN,
    RELATIVE_ULN_RANGES,
    WEIGHT_KG_MAX,
    WEIGHT_KG_MIN,
)

# Initial sites; the web application reads its own Site table instead.
DEFAULT_SITE_CODES: Final = frozenset({"IPC", "IGR"})

# exchange-format.md, "Limits".
EARLIEST_DATE: Final = datetime.date(1900, 1, 1)  # "every date from 1900-01-01"
VISIT_YEARS_AHEAD_MAX: Final = 2  # assessment and planned randomization "at most 2 years after today"
RECORD_VERSION_MAX: Final = 2_147_483_647  # what the database's version column holds

_LAB_NEEDS: Final = {
    "test": gettext_noop("a lab result needs its test"),
    "value": gettext_noop("a lab result needs its value"),
    "unit": gettext_noop("a lab result needs its unit"),
    "date": gettext_noop("a lab result needs its date"),
}


def check_values(
    doc: ScreeningDocument,
    *,
    today: datetime.date,
    known_sites: Collection[str],
    refused: Collection[str],
    check_texts: bool = True,
) -> Iterator[DocumentError]:
    """Checks beyond types: site, screening number, texts, integers, plausibility, units,
    dates. ``refused`` holds the paths already refused (their values are absent or mere
    placeholders here): no check reads them; ``check_texts`` False when no text can hold
    a NUL or a lone surrogate. Normalises initials (capitals) and integer-valued numbers
    (1.0 -> 1) in place."""
    site = None if "/site" in refused or doc.site not in known_sites else doc.site
    if site is None and "/site" not in refused:
        yield DocumentError(
            "/site",
            gettext("unknown site code %(code)s; known: %(known)s")
            % {"code": repr(doc.site), "known": ", ".join(sorted(known_sites))},
        )
    if check_texts:
        yield from _check_texts(doc, refused)
    yield from _check_drug_names(doc, refused)
    yield from _check_screening_id(doc, site)
    yield from _check_record_version(doc)
    dates = _DateChecks(doc, today, refused)
    yield from dates.visit_errors
    yield from dates.order()
    yield from _check_patient(doc, dates)
    yield from _check_clinical(doc, dates, refused)
    earliest, latest = EARLIEST_DATE, dates.latest_observation
    for i, lab in enumerate(doc.labs or ()):
        # Most lab rows are fine: settle those with one quick test, and only look for
        # the error (with its message) in the others (a parse 1.5 to 2 times as fast; the
        # two agree: tests/exchange/test_lab_fast_path.py).
        if refused and f"/labs/{i}" in refused:
            continue
        if _lab_is_valid(lab) and earliest <= lab.date <= latest:  # type: ignore[operator]  # valid: date not None
            continue
        yield from _check_lab(f"/labs/{i}", lab)
        yield from _lab_dates(f"/labs/{i}", lab, dates)
    yield from _check_reproductive(doc, dates, refused)


def bad_text(text: str) -> str | None:
    """Why ``text`` cannot be stored as text (NUL, lone surrogate), or None."""
    if "\x00" in text:
        return gettext("must not contain a NUL character")
    if not text.isascii() and (surrogate := LONE_SURROGATE.search(text)) is not None:
        return gettext("must not contain a lone surrogate (%(code)s): it is not a character") % {
            "code": f"\\u{ord(surrogate.group()):04x}"
        }
    return None


def _check_texts(doc: ScreeningDocument, refused: Collection[str]) -> Iterator[DocumentError]:
    """Free text that PostgreSQL could not store: NUL and lone surrogates are refused."""
    texts = [("/screening_id", doc.screening_id), ("/site", doc.site)]
    if doc.patient is not None:
        texts.append(("/patient/initials", doc.patient.initials))
    drugs = doc.prior_therapy.drugs if doc.prior_therapy is not None else None
    for path, text in texts:
        if text is not None and (message := bad_text(text)) is not None and path not in refused:
            yield DocumentError(path, message)
    for i, lab in enumerate(doc.labs or ()):
        if lab.unit is not None and (message := bad_text(lab.unit)) is not None:
            yield DocumentError(f"/labs/{i}/unit", message)
    for i, drug in enumerate(drugs or ()):
        if (message := bad_text(drug)) is not None and f"/prior_therapy/drugs/{i}" not in refused:
            yield DocumentError(f"/prior_therapy/drugs/{i}", message)


def _check_drug_names(doc: ScreeningDocument, refused: Collection[str]) -> Iterator[DocumentError]:
    """Limits: "a non-empty name of at most 200 characters" (what the record keeps)."""
    drugs = doc.prior_therapy.drugs if doc.prior_therapy is not None else None
    for i, drug in enumerate(drugs or ()):
        if 0 < len(drug) <= DRUG_NAME_MAX_CHARS or (refused and f"/prior_therapy/drugs/{i}" in refused):
            continue
        yield DocumentError(
            f"/prior_therapy/drugs/{i}",
            gettext("must not be empty")
            if not drug
            else gettext("at most %(n)s characters") % {"n": DRUG_NAME_MAX_CHARS},
        )


# "screening_id: when present: the document's site code, -, then 4 to 6 ASCII digits, not
# all zero". Site codes are 2 to 8 capitals (models.Site); [0-9], since \d takes any digit.
_SCREENING_NUMBER: Final = re.compile(r"([A-Z]{2,8})-([0-9]{4,6})", re.ASCII)


def _check_screening_id(doc: ScreeningDocument, site: str | None) -> Iterator[DocumentError]:
    """The number's form only; whether it is free to take is the application's to say.
    ``site`` is the document's site code, None when that is refused (then any code's form)."""
    number = doc.screening_id
    if number is None:
        return
    match = _SCREENING_NUMBER.fullmatch(number)
    if match is not None and match.group(2).strip("0") and (site is None or match.group(1) == site):
        return
    if site is None:
        message = gettext(
            "must be the site code, '-', then 4 to 6 digits 0-9, not all zero (e.g. IPC-0007); not %(value)s"
        )
    else:
        message = gettext("must be %(site)s-, then 4 to 6 digits 0-9, not all zero (e.g. %(site)s-0007); not %(value)s")
    yield DocumentError("/screening_id", message % {"site": site, "value": shown(number)})


def _check_record_version(doc: ScreeningDocument) -> Iterator[DocumentError]:
    """The exported record's version: a whole number from 1 (normalised to an int)."""
    if doc.record_version is None:
        return
    version = _integer(doc.record_version)
    if version is None or not 1 <= version <= RECORD_VERSION_MAX:
        yield DocumentError(
            "/record_version",
            gettext("must be a whole number from 1 (the version of the exported record), not %(value)s")
            % {"value": shown_number(doc.record_version)},
        )
    else:
        doc.record_version = version


@functools.lru_cache(maxsize=16)
def _years_after(day: datetime.date, years: int) -> datetime.date:
    """The same day ``years`` later; 28 February for a 29 February that year lacks."""
    year = day.year + years
    if (day.month, day.day) == (2, 29) and not calendar.isleap(year):
        return datetime.date(year, 2, 28)
    return day.replace(year=year)


def _too_early(path: str, day: datetime.date) -> DocumentError:
    return DocumentError(
        path,
        gettext("%(date)s is before %(earliest)s") % {"date": shown_date(day), "earliest": shown_date(EARLIEST_DATE)},
    )


class _DateChecks:
    """Spec, "Dates that are refused" and "Limits": observations dated after today or
    after R; every date from 1900-01-01; visits at most 2 years ahead.

    A date that is refused or absent is None here, and so is R when the date it would be
    is: a check that needs one is skipped.
    """

    def __init__(self, doc: ScreeningDocument, today: datetime.date, refused: Collection[str]) -> None:
        self.today = today
        self.visit_errors: list[DocumentError] = []
        latest_visit = _years_after(today, VISIT_YEARS_AHEAD_MAX)
        self.assessment = (
            None
            if "/assessment_date" in refused
            else self._visit("/assessment_date", doc.assessment_date, latest_visit)
        )
        planned_refused = "/planned_randomization_date" in refused
        self.planned = (
            None
            if planned_refused
            else self._visit("/planned_randomization_date", doc.planned_randomization_date, latest_visit)
        )
        if doc.planned_randomization_date is None and not planned_refused:
            self.reference: datetime.date | None = (
                None if self.assessment is None else reference_date(self.assessment, None)
            )
        else:
            self.reference = self.planned  # None when refused: R is then unknown
        # When R precedes A only that error is reported for the date order.
        self.order_broken = self.planned is not None and self.assessment is not None and self.planned < self.assessment
        self.latest_observation = (
            min(today, self.reference) if self.reference is not None and not self.order_broken else today
        )

    def _visit(self, path: str, day: datetime.date | None, latest: datetime.date) -> datetime.date | None:
        """``day`` when within the limits, else None with its error."""
        if day is None:
            return None
        if day < EARLIEST_DATE:
            self.visit_errors.append(_too_early(path, day))
            return None
        if day > latest:
            self.visit_errors.append(
                DocumentError(
                    path,
                    gettext("%(date)s is more than %(years)s years after today (%(today)s); at most %(latest)s")
                    % {
                        "date": shown_date(day),
                        "years": VISIT_YEARS_AHEAD_MAX,
                        "today": shown_date(self.today),
                        "latest": shown_date(latest),
                    },
                )
            )
            return None
        return day

    def order(self) -> Iterator[DocumentError]:
        if self.order_broken and self.planned is not None and self.assessment is not None:
            yield DocumentError(
                "/planned_randomization_date",
                gettext("planned randomization date %(planned)s is before the assessment date %(assessment)s")
                % {"planned": shown_date(self.planned), "assessment": shown_date(self.assessment)},
            )

    def observed(self, path: str, day: datetime.date | None) -> Iterator[DocumentError]:
        """An observation may not be dated before 1900, after today, nor after the reference date R."""
        if day is None:
            return
        if day < EARLIEST_DATE:
            yield _too_early(path, day)
        elif day > self.today:
            yield DocumentError(
                path,
                gettext("%(date)s is after today (%(today)s)")
                % {"date": shown_date(day), "today": shown_date(self.today)},
            )
        elif day > self.latest_observation and self.reference is not None:
            message = (
                gettext(
                    "%(date)s is after the reference date %(reference)s (planned randomization date): "
                    "only results available by then count"
                )
                if self.planned is not None
                else gettext(
                    "%(date)s is after the reference date %(reference)s (assessment date): "
                    "only results available by then count"
                )
            )
            yield DocumentError(path, message % {"date": shown_date(day), "reference": shown_date(self.reference)})


_INITIALS: Final = re.compile(rf"[A-ZÀ-ÖØ-Þ\- ]{{1,{INITIALS_MAX_CHARS}}}")  # the form's rule (forms.py)


def _check_patient(doc: ScreeningDocument, dates: _DateChecks) -> Iterator[DocumentError]:
    p = doc.patient
    if p is None:
        return
    if p.initials is not None:
        # Initials, never a name: letters (accented ones too), a hyphen or a space; stored in capitals.
        initials = p.initials.upper()
        if _INITIALS.fullmatch(initials):
            p.initials = initials
        else:
            yield DocumentError(
                "/patient/initials",
                gettext("initials are 1 to %(max)s letters (a hyphen or space allowed), not %(value)s")
                % {"max": INITIALS_MAX_CHARS, "value": shown(p.initials)},
            )
    dob = p.date_of_birth
    if dob is not None:
        if dob < EARLIEST_DATE:
            yield _too_early("/patient/date_of_birth", dob)
        elif dob > dates.today:
            yield DocumentError(
                "/patient/date_of_birth", gettext("%(date)s is after today") % {"date": shown_date(dob)}
            )
        # The order and the age need the assessment date: skipped when it is refused or absent.
        elif dates.assessment is not None and dob > dates.assessment:
            yield DocumentError(
                "/patient/date_of_birth",
                gettext("%(date)s is after the assessment date %(assessment)s")
                % {"date": shown_date(dob), "assessment": shown_date(dates.assessment)},
            )
        elif dates.assessment is not None and (age := age_years(dob, dates.assessment)) > AGE_YEARS_MAX:
            yield DocumentError(
                "/patient/date_of_birth",
                gettext("age %(age)s y at the assessment date is implausible (0 – %(max)s years)")
                % {"age": age, "max": AGE_YEARS_MAX},
            )
    weight = p.weight_kg
    if weight is not None and not WEIGHT_KG_MIN <= weight <= WEIGHT_KG_MAX:
        grams = WEIGHT_KG_MIN <= weight / 1000 <= WEIGHT_KG_MAX
        message = (
            gettext("weight %(weight)s kg is implausible (%(min)s – %(max)s kg); did you mean grams? give kilograms")
            if grams
            else gettext("weight %(weight)s kg is implausible (%(min)s – %(max)s kg)")
        )
        yield DocumentError(
            "/patient/weight_kg",
            message
            % {"weight": shown_number(weight), "min": shown_number(WEIGHT_KG_MIN), "max": shown_number(WEIGHT_KG_MAX)},
        )


def _check_clinical(doc: ScreeningDocument, dates: _DateChecks, refused: Collection[str]) -> Iterator[DocumentError]:
    """Consent, disease, samples, ECOG, LVEF, support and other-trial fields."""
    if doc.consent is not None:
        yield from dates.observed("/consent/date", doc.consent.date)
    if doc.disease is not None and doc.disease.brain_metastases is not None:
        yield from dates.observed(
            "/disease/brain_metastases/last_local_treatment_date",
            doc.disease.brain_metastases.last_local_treatment_date,
        )
    for i, sample in enumerate(doc.tumour_samples or ()):
        if refused and f"/tumour_samples/{i}" in refused:
            continue
        yield from dates.observed(f"/tumour_samples/{i}/date", sample.date)
        for name in ("er_percent", "pr_percent"):
            value = getattr(sample, name)
            if value is not None and not RECEPTOR_PERCENT_MIN <= value <= RECEPTOR_PERCENT_MAX:
                yield DocumentError(
                    f"/tumour_samples/{i}/{name}",
                    gettext("%(value)s%% is implausible (%(min)s – %(max)s %%)")
                    % {
                        "value": shown_number(value),
                        "min": shown_number(RECEPTOR_PERCENT_MIN),
                        "max": shown_number(RECEPTOR_PERCENT_MAX),
                    },
                )
    if doc.ecog is not None:
        ecog = _integer(doc.ecog)
        if ecog is None:
            yield DocumentError(
                "/ecog", gettext("ECOG must be a whole number, not %(value)s") % {"value": shown_number(doc.ecog)}
            )
        elif not ECOG_STATUS_MIN <= ecog <= ECOG_STATUS_MAX:
            yield DocumentError(
                "/ecog",
                gettext("ECOG %(value)s is not a performance status for screening (%(min)s – %(max)s)")
                % {"value": ecog, "min": ECOG_STATUS_MIN, "max": ECOG_STATUS_MAX},
            )
        else:
            doc.ecog = ecog
    if doc.lvef is not None:
        percent = doc.lvef.percent
        if percent is not None and not LVEF_PERCENT_MIN <= percent <= LVEF_PERCENT_MAX:
            message = (
                gettext(
                    "LVEF %(value)s%% is implausible (%(min)s – %(max)s %%); did you mean %(suggestion)s%%? "
                    "give a percentage"
                )
                if LVEF_PERCENT_MIN <= percent * 100 <= LVEF_PERCENT_MAX
                else gettext("LVEF %(value)s%% is implausible (%(min)s – %(max)s %%)")
            )
            yield DocumentError(
                "/lvef/percent",
                message
                % {
                    "value": shown_number(percent),
                    "suggestion": shown_number(percent * 100),
                    "min": shown_number(LVEF_PERCENT_MIN),
                    "max": shown_number(LVEF_PERCENT_MAX),
                },
            )
        yield from dates.observed("/lvef/date", doc.lvef.date)
    if doc.support is not None:
        for name in ("rbc_transfusion_date", "gcsf_date", "platelet_transfusion_date"):
            yield from dates.observed(f"/support/{name}", getattr(doc.support, name))
    if doc.other_trial is not None:
        yield from dates.observed("/other_trial/last_date", doc.other_trial.last_date)


def _check_reproductive(
    doc: ScreeningDocument, dates: _DateChecks, refused: Collection[str]
) -> Iterator[DocumentError]:
    rep = doc.reproductive
    if rep is None:
        return
    if rep.amenorrhea_months is not None:
        months = _integer(rep.amenorrhea_months)
        if months is None:
            yield DocumentError(
                "/reproductive/amenorrhea_months",
                gettext("must be a whole number of months, not %(value)s")
                % {"value": shown_number(rep.amenorrhea_months)},
            )
        elif not AMENORRHEA_MONTHS_MIN <= months <= AMENORRHEA_MONTHS_MAX:
            yield DocumentError(
                "/reproductive/amenorrhea_months",
                gettext("%(months)s months is implausible (%(min)s – %(max)s)")
                % {"months": months, "min": AMENORRHEA_MONTHS_MIN, "max": AMENORRHEA_MONTHS_MAX},
            )
        else:
            rep.amenorrhea_months = months
    for i, test in enumerate(rep.pregnancy_tests or ()):
        path = f"/reproductive/pregnancy_tests/{i}"
        if refused and path in refused:
            continue
        if test.result is None:
            yield DocumentError(f"{path}/result", gettext("a pregnancy test needs its result"))
        if test.date is None:
            yield DocumentError(f"{path}/date", gettext("a pregnancy test needs its date"))
        yield from dates.observed(f"{path}/date", test.date)


def _integer(value: float) -> int | None:
    """``value`` as an int when it has no fractional part (1.0 is 1), else None (NaN and
    infinities included)."""
    if isinstance(value, int):
        return value
    return int(value) if value.is_integer() else None


def _uln_range(test: str, unit: str) -> tuple[float, float] | None:
    """The plausible ULN of a × ULN test in ``unit``; None for the other tests (whose ULN is
    judged like their value, in the canonical unit)."""
    return RELATIVE_ULN_RANGES[test].get(unit) if test in RELATIVE_ULN_RANGES else None


# Beyond this magnitude a number is implausible for every test in every accepted unit (the
# largest plausible canonical value is 2,000,000 /mm³; the units divide by 0.001 to 88.4;
# a × ULN value is divided by a ULN of at least 0.1): judged so without converting it.
_LAB_NUMBER_MAGNITUDE_MAX: Final = 1e12


def _is_plausible(test: str, value: float, unit: str, uln: float | None = None) -> bool:
    """The value (with its accepted unit, and ULN where the test needs one) is plausible."""
    if not abs(value) <= _LAB_NUMBER_MAGNITUDE_MAX:  # NaN too
        return False
    return units.is_plausible(test, units.to_canonical(test, value, unit, uln))


def _uln_is_plausible(test: str, unit: str, uln: float) -> bool:
    """``uln`` (> 0, in the accepted ``unit`` of the value) is plausible for ``test``."""
    bounds = _uln_range(test, unit)
    if bounds is not None:
        return bounds[0] <= uln <= bounds[1]
    return _is_plausible(test, uln, unit)


def _lab_is_valid(lab: LabRow) -> bool:
    """Whether a lab row passes every check of :func:`_check_lab` (dates aside): the same
    checks without their messages, kept in step by tests/exchange/test_lab_fast_path.py."""
    test, value, unit, uln = lab.test, lab.value, lab.unit, lab.uln
    if test is None or value is None or unit is None or lab.date is None:
        return False
    spec = units.LAB_UNITS[test]
    if unit not in spec.divisors:
        return False
    if uln is None:
        if spec.needs_uln:
            return False
    elif spec.needs_uln:
        low, high = RELATIVE_ULN_RANGES[test][unit]
        if not low <= uln <= high:
            return False
    elif not (uln > 0 and _is_plausible(test, uln, unit)):
        return False
    return _is_plausible(test, value, unit, uln)


# The messages of a lab row's errors in the web form, which name the row ("creatinine of
# 28/11/2026: ..."); manage.py screen and the JSON refusals keep the plain ones (the path
# names the row there).
_LAB_NEEDS_NAMED: Final = {
    "test": gettext_noop("%(row)s: choose its test"),
    "value": gettext_noop("%(row)s: enter its value"),
    "unit": gettext_noop("%(row)s: choose its unit, as printed on the report (no unit is assumed)"),
    "date": gettext_noop("%(row)s: enter its date"),
}


def _lab_row_name(path: str, lab: LabRow) -> str | None:
    """The row's own words when the style names rows, else None."""
    style = current_style()
    if not style.names_rows:
        return None
    return style.lab_row(lab.test, lab.date, int(path.rsplit("/", 1)[-1]) + 1)


def _range_in(test: str, unit: str) -> str:
    """The plausible range of ``test``'s value: in the canonical unit (× ULN for the tests
    judged against their ULN); named rows write it in the value's own unit (1 – 2000 G/L)."""
    spec = units.LAB_UNITS[test]
    if spec.needs_uln:
        return units.plausible_range_text(test, unit=gettext("× ULN"))
    if not current_style().names_rows:
        return units.plausible_range_text(test)
    divisor = spec.divisors[unit]
    low, high = units.exact(spec.plausible_min) * divisor, units.exact(spec.plausible_max) * divisor
    return f"{plain_number(low)} – {plain_number(high)} {current_style().unit(unit)}"


def _uln_slips(test: str, unit: str, uln: float) -> list[str]:
    """Other units of a × ULN test in which ``uln`` would be plausible (bilirubin's ULN 21
    given in mg/dL: µmol/L was meant); none for tests whose ULN is judged like their value."""
    ranges = RELATIVE_ULN_RANGES.get(test)
    if ranges is None:
        return units.unit_slip_hint(test, uln, unit)
    slips: list[str] = []
    for other in units.accepted_units(test):
        bounds = ranges.get(other)
        if bounds is None or units.same_unit(test, other, unit) or any(units.same_unit(test, other, s) for s in slips):
            continue
        if bounds[0] <= uln <= bounds[1]:
            slips.append(other)
    return slips


def _check_lab(path: str, lab: LabRow) -> Iterator[DocumentError]:
    row = _lab_row_name(path, lab)
    for name in ("test", "value", "unit", "date"):
        if getattr(lab, name) is None:
            message = gettext(_LAB_NEEDS[name]) if row is None else gettext(_LAB_NEEDS_NAMED[name]) % {"row": row}
            yield DocumentError(f"{path}/{name}", message)
    uln_usable = lab.uln is not None and lab.uln > 0
    if lab.uln is not None and not uln_usable:
        params = {"uln": shown_number(lab.uln), "row": row}
        yield DocumentError(
            f"{path}/uln",
            (
                gettext("ULN %(uln)s must be greater than 0")
                if row is None
                else gettext("%(row)s: ULN %(uln)s must be greater than 0")
            )
            % params,
        )
    if lab.test is None:
        return
    spec = units.LAB_UNITS[lab.test]
    if spec.needs_uln and lab.uln is None:
        yield DocumentError(
            f"{path}/uln",
            gettext("%(label)s needs its ULN (upper limit of normal), in the unit of the value")
            % {"label": gettext(spec.label) if row is None else row},
        )
    if lab.unit is None:
        return
    style = current_style()
    if not units.is_accepted(lab.test, lab.unit):
        offered = units.accepted_units(lab.test) if row is None else units.unit_options(lab.test)
        accepted = ", ".join(style.unit(u) for u in offered)
        slip = units.unit_case_slip(lab.test, lab.unit)
        if row is None:
            message = (
                gettext(
                    "unit %(unit)s is not accepted for %(test)s; did you mean %(suggestion)s? accepted: %(accepted)s"
                )
                if slip
                else gettext("unit %(unit)s is not accepted for %(test)s; accepted: %(accepted)s")
            )
        else:
            message = (
                gettext("%(row)s: unit %(unit)s is not accepted; did you mean %(suggestion)s? accepted: %(accepted)s")
                if slip
                else gettext("%(row)s: unit %(unit)s is not accepted; accepted: %(accepted)s")
            )
        yield DocumentError(
            f"{path}/unit",
            message
            % {
                "unit": repr(lab.unit),
                "test": lab.test,
                "row": row,
                "suggestion": slip if slip is None else style.unit(slip),
                "accepted": accepted,
            },
        )
        return
    if lab.uln is not None and uln_usable and not _uln_is_plausible(lab.test, lab.unit, lab.uln):
        uln_usable = False
        bounds = _uln_range(lab.test, lab.unit)
        if bounds is None:
            plausible = _range_in(lab.test, lab.unit)
        else:
            plausible = f"{plain_number(bounds[0])} – {plain_number(bounds[1])} {style.unit(lab.unit)}"
        slips = _uln_slips(lab.test, lab.unit, lab.uln)
        if row is None:
            message = (
                gettext(
                    "ULN %(uln)s %(unit)s is implausible for %(label)s (plausible: %(range)s); did you mean %(units)s?"
                )
                if slips
                else gettext("ULN %(uln)s %(unit)s is implausible for %(label)s (plausible: %(range)s)")
            )
        else:
            message = (
                gettext("%(row)s: ULN %(uln)s %(unit)s is implausible (plausible: %(range)s); did you mean %(units)s?")
                if slips
                else gettext("%(row)s: ULN %(uln)s %(unit)s is implausible (plausible: %(range)s)")
            )
        yield DocumentError(
            f"{path}/uln",
            message
            % {
                "uln": plain_number(lab.uln),
                "unit": style.unit(lab.unit),
                "label": gettext(spec.label),
                "row": row,
                "range": plausible,
                "units": either([style.unit(u) for u in slips]),
            },
        )
    # A × ULN value is judged against its ULN: not against a refused or absent one.
    if lab.value is None or (spec.needs_uln and not uln_usable):
        return
    if not _is_plausible(lab.test, lab.value, lab.unit, lab.uln):
        slips = units.unit_slip_hint(lab.test, lab.value, lab.unit)
        if row is None:
            message = (
                gettext("%(label)s %(value)s %(unit)s is implausible (plausible: %(range)s); did you mean %(units)s?")
                if slips
                else gettext("%(label)s %(value)s %(unit)s is implausible (plausible: %(range)s)")
            )
        else:
            message = (
                gettext("%(row)s: %(value)s %(unit)s is implausible (plausible: %(range)s); did you mean %(units)s?")
                if slips
                else gettext("%(row)s: %(value)s %(unit)s is implausible (plausible: %(range)s)")
            )
        yield DocumentError(
            f"{path}/value",
            message
            % {
                "label": gettext(spec.label),
                "row": row,
                "value": plain_number(lab.value),
                "unit": style.unit(lab.unit),
                "range": _range_in(lab.test, lab.unit),
                "units": either([style.unit(u) for u in slips]),
            },
        )


def _lab_dates(path: str, lab: LabRow, dates: _DateChecks) -> Iterator[DocumentError]:
    """The row's date checks; named rows say which row ("creatinine of 05/01/2027: ...")."""
    row = _lab_row_name(path, lab)
    for error in dates.observed(f"{path}/date", lab.date):
        if row is None:
            yield error
        else:
            yield DocumentError(error.path, gettext("%(row)s: %(message)s") % {"row": row, "message": error.message})
