"""Refusal messages in the request's language (glossary-fr.md).

The messages of ``parse_screening`` are built when the error is found, in the language
active then: French for a French coordinator's request, English otherwise (``manage.py
screen`` runs in the default language, "en"). The JSON Pointer paths never change.
"""

from __future__ import annotations

from django.utils import translation

from screening.exchange import messages
from screening.rules import units
from tests.exchange.conftest import errors_of, example_with, lab_index, with_lab

CREATININE = lab_index("creatinine")
HEMOGLOBIN = lab_index("hemoglobin")
ALT = lab_index("alt")


def _refused() -> dict[str, str]:
    """A document with a unit slip, two implausible values and an unknown field: path -> message."""
    doc = with_lab("creatinine", {"unit": "mg/dl"})
    doc = with_lab("hemoglobin", {"value": 112}, doc)  # g/dL: 112 g/L was meant
    doc = with_lab("alt", {"value": 5000}, doc)  # 125 × ULN
    doc["patient"]["age"] = 44
    return {e.path: e.message for e in errors_of(doc)}


def test_refusal_messages_are_french_under_french() -> None:
    with translation.override("fr"):
        messages = _refused()
    assert messages == {
        f"/labs/{CREATININE}/unit": "unité 'mg/dl' non acceptée pour l'analyse creatinine ; "
        "vouliez-vous dire mg/dL ? unités acceptées : mg/dL, umol/L, µmol/L",
        f"/labs/{HEMOGLOBIN}/value": "hémoglobine 112 g/dL : valeur invraisemblable "
        "(plage plausible : 2 – 25 g/dL) ; vouliez-vous dire g/L ?",
        f"/labs/{ALT}/value": "ALAT 5000 U/L : valeur invraisemblable (plage plausible : 0 – 100 × LSN)",
        "/patient/age": "champ inconnu 'age'",
    }


def test_refusal_messages_are_english_under_english() -> None:
    with translation.override("en"):
        messages = _refused()
    assert messages == {
        f"/labs/{CREATININE}/unit": "unit 'mg/dl' is not accepted for creatinine; did you mean mg/dL? "
        "accepted: mg/dL, umol/L, µmol/L",
        f"/labs/{HEMOGLOBIN}/value": "hemoglobin 112 g/dL is implausible (plausible: 2 – 25 g/dL); did you mean g/L?",
        f"/labs/{ALT}/value": "ALT 5000 U/L is implausible (plausible: 0 – 100 × ULN)",
        "/patient/age": "unknown field 'age'",
    }


def test_paths_do_not_depend_on_the_language() -> None:
    doc = example_with({"/assessment_date": "2026-02-30", "/ecog": 7, "/lvef/percent": 0.61})
    with translation.override("fr"):
        french = [e.path for e in errors_of(doc)]
    with translation.override("en"):
        english = [e.path for e in errors_of(doc)]
    assert french == english == ["/assessment_date", "/ecog", "/lvef/percent"]


def test_every_lab_label_is_in_the_catalogue() -> None:
    """units.LAB_UNITS labels are translated through exchange.messages.LAB_LABELS (rules has no Django)."""
    assert {spec.label for spec in units.LAB_UNITS.values()} == set(messages.LAB_LABELS)
    with translation.override("fr"):
        untranslated = [
            spec.label for spec in units.LAB_UNITS.values() if translation.gettext(spec.label) == spec.label
        ]
    assert untranslated == []
