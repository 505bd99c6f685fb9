"""The eligibility checklist of a screening, as a PDF for the patient's file.

A site files it in the medical record and the investigator site file; a monitor checks it
against the source documents. It prints one stored evaluation as it was decided — the
signed one when the screening is signed (never a later one), else the latest, marked
"NOT SIGNED — DRAFT" on every page — from that evaluation's own input and result
documents, in the reader's language (:mod:`screening.reasons`), never by re-running
today's rules.

The PDF is made by WeasyPrint from ``templates/screening/checklist.html`` and
``static/screening/checklist.css``, with Debian's DejaVu fonts (fontconfig) and no network:
:class:`LocalOnlyFetcher` refuses any URL that is not a file of the app's static folders.

Every page's footer carries the SHA-256 of the evaluation's result document in the
canonical form of :func:`canonical_json`, so that a printed copy can be matched to the
stored record (``manage.py checklist_hash NUMBER`` prints it; the evaluation page shows it).
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final
from urllib.parse import unquote, urlsplit

import weasyprint
from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.formats import get_format
from django.utils.translation import get_language, gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from weasyprint.urls import URLFetcher, URLFetcherResponse

from screening import selectors
from screening.errors import DomainError
from screening.models import Evaluation, LabTest, Screening, Sex, Signature, User
from screening.reasons import STATUS_LABELS, STORED_BEFORE_RULESETS, criterion_title, localized_reason
from screening.rules import ruleset as rulesets
from screening.rules import units
from screening.rules.dates import age_years
from screening.rules.derived import COCKCROFT_GAULT_FEMALE_FACTOR
from screening.rules.ruleset import Criterion

# The trial, as the registry record and the protocol name it (shared/protocol/).
TRIAL: Final = {
    "acronym": "ALTER",
    # The registry's title, spelling included ("Alterning"): the record is quoted, not edited.
    "title": (
        "Testing Two Different Drugs (Sacituzumab-govitecan and Trastuzumab-deruxtecan) Combinations "
        "Prescribed in an Alterning Pattern to Patients With Metastatic or Locally Advanced "
        "Triple-negative Breast Cancer"
    ),
    "nct": "NCT07151586",
    "eu_ct": "2025-521909-40-00",
    "sponsor": "UNICANCER",
    "sponsor_code": "UC-BCG-2503",
}

# The glossary's words for a criterion's outcome (shared/glossary-fr.md): the same for
# inclusion and non-inclusion criteria; a context of their own keeps them apart.
OUTCOME_WORDS: Final = {
    "pass": pgettext_lazy("checklist outcome", "pass"),
    "fail": pgettext_lazy("checklist outcome", "fail"),
    "missing": pgettext_lazy("checklist outcome", "missing"),
    "not_applicable": pgettext_lazy("checklist outcome", "not applicable"),
}

# Units as a document writes them -> as printed (the glossary's G/L and UI/L in French).
_UNITS_EN: Final = {
    "10^9/L": "10⁹/L",
    "/mm3": "/mm³",
    "/uL": "/µL",
    "/\u03bcL": "/µL",
    "umol/L": "µmol/L",
    "\u03bcmol/L": "µmol/L",
}
_UNITS_FR: Final = {**_UNITS_EN, "10^9/L": "G/L", "U/L": "UI/L", "IU/L": "UI/L"}

TEMPLATE: Final = "screening/checklist.html"
STYLESHEET: Final = "screening/checklist.css"


class NothingToPrint(DomainError):  # noqa: N818 - the domain's word
    """The screening has no evaluation yet: there is no checklist to print."""

    code = "nothing_to_print"
    default_message = _("This screening has no evaluation yet: there is no checklist to print.")


# --- the hash that ties a printed copy to the stored record ---------------------------

CANONICAL_FORM: Final = _(
    "SHA-256 of the UTF-8 bytes of the result document as canonical JSON: object keys sorted by "
    'code point at every level, no whitespace (separators "," and ":"), non-ASCII characters '
    "written as themselves, numbers as stored."
)


def canonical_json(document: Any) -> bytes:
    """The result document as the bytes that are hashed.

    ``json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)``
    encoded as UTF-8: keys sorted at every level, no whitespace, non-ASCII characters
    (×, ≥, µ) as themselves rather than ``\\u`` escapes, numbers as Python writes the
    stored value (``2400.0`` keeps its ``.0``). README, "The eligibility checklist (PDF)".
    """
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode(
        "utf-8"
    )


def result_sha256(document: Any) -> str:
    """The lowercase hex SHA-256 of :func:`canonical_json` of ``document``."""
    return hashlib.sha256(canonical_json(document)).hexdigest()


# --- no network: only the app's own static files --------------------------------------


class LocalOnlyFetcher(URLFetcher):  # type: ignore[misc]  # weasyprint has no type hints: its class is Any
    """WeasyPrint's fetcher, refusing every URL but a file under the static folders.

    A template that named a remote stylesheet, font or image would make the PDF depend on
    the network (and tell a third party who prints which patient's file): it stops the
    rendering instead (``fail_on_errors``), so the mistake is seen in the tests.
    """

    def __init__(self) -> None:
        super().__init__(allowed_protocols={"file"}, allow_redirects=False, fail_on_errors=True)
        self.roots = [Path(root).resolve() for root in (*settings.STATICFILES_DIRS, settings.STATIC_ROOT)]

    def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> URLFetcherResponse:
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            raise ValueError(f"the checklist fetches no URL but the app's static files: {url}")
        path = Path(unquote(parts.path)).resolve()
        if not any(path.is_relative_to(root) for root in self.roots):
            raise ValueError(f"not a static file of the app: {url}")
        return URLFetcherResponse(path.as_uri(), path.read_bytes())


# --- what is printed ------------------------------------------------------------------


def _localized(text: str) -> str:
    """Python's "1,234.5" with the active language's separators ("1 234,5" in French)."""
    decimal, thousands = get_format("DECIMAL_SEPARATOR"), get_format("THOUSAND_SEPARATOR")
    return text.replace(",", "\0").replace(".", decimal).replace("\0", thousands)


def _number(value: float | int) -> str:
    """A value as entered: the decimal as written (as the rules show it)."""
    return _localized(units.number_text(value))


def _fixed(value: float, decimals: int) -> str:
    """A computed value to ``decimals`` places, rounded half up as the reasons are (creatinine 0.70)."""
    return _localized(units.number_text(value, decimals))


def _unit(unit: str) -> str:
    language = get_language() or settings.LANGUAGE_CODE
    return (_UNITS_FR if language.startswith("fr") else _UNITS_EN).get(unit, unit)


def _day(value: Any) -> datetime.date | None:
    return None if value is None else datetime.date.fromisoformat(value)


@dataclass(frozen=True)
class LabRow:
    """One lab result of the evaluated document, as entered, and what it decided."""

    number: int  # 1-based, the row's place in the document (and on the screening page)
    test: str
    value: str
    unit: str
    uln: str
    date: datetime.date | None
    used_by: tuple[str, ...]


def _lab_rows(document: Mapping[str, Any], criteria: list[dict[str, Any]], crcl_index: int | None) -> list[LabRow]:
    used: dict[int, list[str]] = {}
    for criterion in criteria:
        index = criterion.get("values", {}).get("lab_index")
        if index is not None:
            used.setdefault(index, []).append(criterion["id"])
    if crcl_index is not None:
        used.setdefault(crcl_index, []).append("INC-07-CRCL")
    rows = []
    for index, lab in enumerate(document.get("labs") or []):
        rows.append(
            LabRow(
                number=index + 1,
                test=str(LabTest(lab["test"]).label) if lab.get("test") in LabTest.values else str(lab.get("test")),
                value=_number(lab["value"]) if isinstance(lab.get("value"), int | float) else "—",
                unit=_unit(str(lab.get("unit") or "")),
                uln=_number(lab["uln"]) if isinstance(lab.get("uln"), int | float) else "",
                date=_day(lab.get("date")),
                used_by=tuple(used.get(index, ())),
            )
        )
    return rows


def _lab_text(row: LabRow) -> str:
    text = gettext("lab result no. %(number)s: %(test)s %(value)s %(unit)s") % {
        "number": row.number,
        "test": row.test,
        "value": row.value,
        "unit": row.unit,
    }
    if row.uln:
        text += gettext(", ULN %(uln)s") % {"uln": row.uln}
    if row.date is not None:
        text += gettext(", on %(date)s") % {"date": _date(row.date)}
    return text


def _date(day: datetime.date | str) -> str:
    """A date (or an ISO date of a document) as the pages write it: ISO in English
    (alter/formats/en), JJ/MM/AAAA in French."""
    if isinstance(day, str):
        day = datetime.date.fromisoformat(day)
    return date_format(day, get_format("SHORT_DATE_FORMAT"))


def _crcl_index(document: Mapping[str, Any], values: Mapping[str, Any]) -> int | None:
    """The creatinine row the CrCl was computed from: the result stores its date; of the
    creatinine rows of that date, the rules use the one listed last."""
    if values.get("crcl_ml_min") is None or values.get("date") is None:
        return None
    found = [
        i
        for i, lab in enumerate(document.get("labs") or [])
        if lab.get("test") == "creatinine" and lab.get("date") == values["date"]
    ]
    return found[-1] if found else None


def _crcl_formula(result: Mapping[str, Any], values: Mapping[str, Any]) -> str:
    """Cockcroft-Gault with the values the rules used, as the registry writes it."""
    female = values.get("sex") == Sex.FEMALE
    text = "[(140 − {age}) × {weight} kg] / [72 × {creatinine} mg/dL]".format(
        age=values["age_years"], weight=_number(values["weight_kg"]), creatinine=_fixed(values["creatinine_mg_dl"], 2)
    )
    if female:
        text += f" × {_number(values.get('female_factor', COCKCROFT_GAULT_FEMALE_FACTOR))}"
    # The result's own CrCl, rounded to 1 decimal as the rules report it.
    shown = result.get("crcl_ml_min")
    crcl = _fixed(shown if isinstance(shown, int | float) else values["crcl_ml_min"], 1)
    return gettext(
        "CrCl (Cockcroft-Gault) = %(formula)s = %(crcl)s mL/min (%(sex)s, age %(age)s y at the "
        "date of the creatinine result)"
    ) % {
        "formula": text,
        "crcl": crcl,
        "sex": Sex(values["sex"]).label if values.get("sex") in Sex.values else "?",
        "age": values["age_years"],
    }


def _details(
    criterion: Mapping[str, Any],
    document: Mapping[str, Any],
    result: Mapping[str, Any],
    labs: list[LabRow],
    judgments: Mapping[str, selectors.JudgmentAnswer],
) -> list[str]:
    """The values that decided a criterion, beyond its reason: the source rows as entered."""
    cid, values = criterion["id"], criterion.get("values") or {}
    lines = []
    for key, line in (("lab_index", gettext("Used: %(lab)s")), ("latest_lab_index", gettext("Latest: %(lab)s"))):
        index = values.get(key)
        if isinstance(index, int) and 0 <= index < len(labs):
            lines.append(line % {"lab": _lab_text(labs[index])})
    if cid == "INC-07-CRCL" and values.get("crcl_ml_min") is not None:
        lines.append(_crcl_formula(result, values))
        index = _crcl_index(document, values)
        if index is not None:
            lines.append(gettext("Creatinine used: %(lab)s") % {"lab": _lab_text(labs[index])})
    if cid == "INC-02" and values.get("age_years") is not None and values.get("assessment_date"):
        # The age only: the date of birth identifies the patient and is never printed.
        lines.append(
            ngettext(
                "Age %(age)s year at the assessment date (%(date)s)",
                "Age %(age)s years at the assessment date (%(date)s)",
                values["age_years"],
            )
            % {"age": values["age_years"], "date": _date(values["assessment_date"])}
        )
    if cid == "INC-08" and values.get("date"):
        lines.append(gettext("LVEF measured on %(date)s") % {"date": _date(values["date"])})
    test_index = values.get("test_index")
    tests = (document.get("reproductive") or {}).get("pregnancy_tests") or []
    if isinstance(test_index, int) and 0 <= test_index < len(tests):
        test = tests[test_index]
        lines.append(
            gettext("Used: pregnancy test no. %(number)s, %(result)s, %(type)s, on %(date)s")
            % {
                "number": test_index + 1,
                "result": _word(_TEST_RESULTS, test.get("result")),
                "type": _word(_TEST_TYPES, test.get("type")),
                "date": _date(test["date"]),
            }
        )
    declared = _declared(result.get("ruleset", STORED_BEFORE_RULESETS), cid)
    field = "" if declared is None else declared.field
    if field in judgments:
        lines.append(_answered(judgments[field]))
    return lines


def _declared(ruleset_id: object, cid: str) -> Criterion | None:
    """Criterion ``cid`` as the result's ruleset declares it (None: a ruleset not known)."""
    try:
        return rulesets.ruleset(str(ruleset_id)).criterion(cid)
    except rulesets.UnknownRuleset:
        return None


_TEST_RESULTS: Final = {
    "negative": pgettext_lazy("pregnancy test", "negative"),
    "positive": pgettext_lazy("pregnancy test", "positive"),
}
_TEST_TYPES: Final = {
    "serum": pgettext_lazy("pregnancy test", "serum"),
    "urine": pgettext_lazy("pregnancy test", "urine"),
    None: pgettext_lazy("pregnancy test", "type not given"),
}


def _word(words: Mapping[Any, Any], key: Any) -> str:
    return str(words.get(key, key))


def person(user: User) -> str:
    """A person as printed: full name and username, or the username alone."""
    name = user.get_full_name()
    return f"{name} ({user.username})" if name else user.username


def _moment(when: datetime.datetime) -> str:
    """A date and time with its time zone, in the sites' clock (21 CFR 11.50)."""
    local = timezone.localtime(when)
    return f"{date_format(local, get_format('SHORT_DATETIME_FORMAT'))} {date_format(local, 'T')}"


def _answered(answer: selectors.JudgmentAnswer) -> str:
    if answer.value is None:
        return gettext("Investigator judgment not answered yet")
    if answer.answered_at is None:
        return gettext("Investigator judgment: who answered it is not recorded")
    who = person(answer.answered_by) if answer.answered_by is not None else "—"
    return gettext("Answered by %(who)s on %(when)s") % {"who": who, "when": _moment(answer.answered_at)}


@dataclass(frozen=True)
class Subject:
    """What a checklist prints: an evaluation, and the signature it carries (None: a draft)."""

    evaluation: Evaluation
    signature: Signature | None


def checklist_subject(screening: Screening) -> Subject:
    """The signed evaluation of a signed (locked) screening, else the latest evaluation."""
    if screening.locked:
        signature = (
            screening.signatures.select_related("signed_by", "evaluation__created_by")
            .order_by("-signed_at", "-id")
            .first()
        )
        if signature is not None:
            return Subject(signature.evaluation, signature)
    latest = screening.evaluations.select_related("created_by").order_by("-created_at", "-id").first()
    if latest is None:
        raise NothingToPrint
    return Subject(latest, None)


def checklist_context(
    *, screening: Screening, subject: Subject, by: User, generated_at: datetime.datetime
) -> dict[str, Any]:
    """Everything the template prints, in the active language."""
    evaluation, signature = subject.evaluation, subject.signature
    document, result = evaluation.input_document, evaluation.result_document
    criteria = list(result.get("criteria") or [])
    crcl = next((c for c in criteria if c["id"] == "INC-07-CRCL"), None)
    labs = _lab_rows(document, criteria, _crcl_index(document, crcl.get("values") or {}) if crcl else None)
    answers = selectors.judgment_answers(screening, evaluation=evaluation)
    judgments = {a.field: a for a in answers}
    rows = [
        {
            "id": c["id"],
            "kind": c.get("kind"),
            "title": criterion_title(c["id"], result.get("ruleset", STORED_BEFORE_RULESETS)),
            "outcome": c["outcome"],
            "outcome_label": OUTCOME_WORDS.get(c["outcome"], c["outcome"]),
            "reason": localized_reason(c, result.get("ruleset", STORED_BEFORE_RULESETS)),
            "details": _details(c, document, result, labs, judgments),
        }
        for c in criteria
    ]
    order = list(screening.evaluations.order_by("created_at", "id").values_list("pk", flat=True))
    patient = document.get("patient") or {}
    born, assessed = _day(patient.get("date_of_birth")), _day(document.get("assessment_date"))
    withdrawn = [
        (s, s.unlocks.order_by("unlocked_at", "id").select_related("unlocked_by").first())
        for s in evaluation.signatures.select_related("signed_by").order_by("signed_at", "id")
        if signature is None or s.pk != signature.pk
    ]
    return {
        "trial": TRIAL,
        "screening": screening,
        "site": screening.site,
        "initials": patient.get("initials") or "",
        "sex_label": Sex(patient["sex"]).label if patient.get("sex") in Sex.values else "",
        # The date of birth identifies the patient: the checklist gives the age instead.
        "age_years": age_years(born, assessed) if born is not None and assessed is not None else None,
        "assessment_date": assessed,
        "planned_randomization_date": _day(document.get("planned_randomization_date")),
        "reference_date": _day(result.get("reference_date")),
        "valid_until": _day(result.get("valid_until")),
        "evaluation": evaluation,
        "evaluation_n": order.index(evaluation.pk) + 1,
        "evaluation_total": len(order),
        "evaluation_at": _moment(evaluation.created_at),
        "evaluation_by": person(evaluation.created_by),
        "ruleset": result.get("ruleset", evaluation.ruleset),
        "status": result.get("status"),
        "status_label": STATUS_LABELS.get(result.get("status", ""), ""),
        "wocbp": result.get("wocbp"),
        "groups": [
            (_("Inclusion criteria"), [r for r in rows if r["kind"] == "inclusion"]),
            (_("Exclusion criteria"), [r for r in rows if r["kind"] == "exclusion"]),
        ],
        "criteria_count": len(rows),
        "failed": [r for r in rows if r["outcome"] == "fail"],
        "missing": [r for r in rows if r["outcome"] == "missing"],
        "labs": labs,
        "judgments": [
            {
                "label": a.label,
                "value": a.value,
                "by": person(a.answered_by) if a.answered_by is not None else "",
                "at": _moment(a.answered_at) if a.value is not None and a.answered_at is not None else "",
            }
            for a in answers
        ],
        "signature": signature,
        "signed_by": person(signature.signed_by) if signature else "",
        "signed_at": _moment(signature.signed_at) if signature else "",
        "withdrawn": [
            {
                "signed": f"{person(s.signed_by)}, {_moment(s.signed_at)}, {s.get_meaning_display()}",
                "unlocked": (f"{person(u.unlocked_by)}, {_moment(u.unlocked_at)}: {u.reason}" if u is not None else ""),
            }
            for s, u in withdrawn
        ],
        "generated_at": _moment(generated_at),
        "generated_by": person(by),
        "sha256": result_sha256(result),
        "canonical_form": CANONICAL_FORM,
        "language": get_language() or settings.LANGUAGE_CODE,
    }


@dataclass(frozen=True)
class Checklist:
    """A rendered checklist and what it printed."""

    pdf: bytes
    evaluation: Evaluation
    signature: Signature | None
    sha256: str
    language: str


def checklist_html(context: Mapping[str, Any]) -> str:
    return render_to_string(TEMPLATE, dict(context))


def render_pdf(html: str) -> bytes:
    """HTML to PDF with the checklist's stylesheet, fetching nothing but local static files."""
    fetcher = LocalOnlyFetcher()
    stylesheet = finders.find(STYLESHEET)
    if stylesheet is None:
        raise FileNotFoundError(STYLESHEET)
    css = weasyprint.CSS(filename=str(stylesheet), url_fetcher=fetcher)
    base = Path(settings.BASE_DIR, "static").as_uri() + "/"
    pdf: bytes = weasyprint.HTML(string=html, base_url=base, url_fetcher=fetcher).write_pdf(stylesheets=[css])
    return pdf


def checklist_build(*, screening: Screening, by: User, generated_at: datetime.datetime) -> Checklist:
    """The checklist of ``screening`` as a PDF, generated by ``by`` at ``generated_at``."""
    subject = checklist_subject(screening)
    context = checklist_context(screening=screening, subject=subject, by=by, generated_at=generated_at)
    return Checklist(
        pdf=render_pdf(checklist_html(context)),
        evaluation=subject.evaluation,
        signature=subject.signature,
        sha256=context["sha256"],
        language=context["language"],
    )
