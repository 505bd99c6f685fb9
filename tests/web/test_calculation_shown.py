"""The calculation shown (issue 10, item 4): CrCl with its formula and every input as
entered, the lab row each criterion used, the lab table's marks (used, too old, not used),
and each criterion's link going to the field or row that decides it, on every page it
appears on (screening/panel.py, screening/reasons.py, templates/screening/_panel.html).

Pages are rendered by the real views on PostgreSQL and parsed with lxml.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import lxml.html
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from screening import services
from screening.exchange import as_json_data
from screening.models import Screening, User
from screening.reasons import crcl_calculation, row_used
from tests.builders import outcome_of
from tests.web.formdata import form_data

NBSP = "\u00a0"

# R = planned randomization 2026-03-12. Three creatinine rows: too old (39 days before R),
# the one used (62 µmol/L on 05/03), and an older one inside the window (not used).
CREATININE_TOO_OLD = {"test": "creatinine", "value": 80, "unit": "umol/L", "date": "2026-02-01"}
CREATININE_USED = {"test": "creatinine", "value": 62, "unit": "umol/L", "date": "2026-03-05"}
CREATININE_OLDER = {"test": "creatinine", "value": 75, "unit": "umol/L", "date": "2026-02-20"}


def _document(example: dict[str, Any], **changes: Any) -> dict[str, Any]:
    doc = copy.deepcopy(example)
    labs = [row for row in doc["labs"] if row["test"] != "creatinine"]
    doc["labs"] = [*labs, *copy.deepcopy([CREATININE_TOO_OLD, CREATININE_USED, CREATININE_OLDER])]
    for path, value in changes.items():
        node = doc
        *parents, last = path.split("__")
        for key in parents:
            node = node.setdefault(key, {})
        if value is None:
            node.pop(last, None)
        else:
            node[last] = value
    return doc


# Positions of the rows in the document (and on the form): the seven other labs come first.
TOO_OLD_ROW, USED_ROW, OLDER_ROW = 7, 8, 9


def _save(document: dict[str, Any], by: User) -> Screening:
    evaluation = services.screening_import(raw=document, by=by)
    return Screening.objects.get(pk=evaluation.screening_id)


@pytest.fixture
def creatinine_ipc(coordinator_ipc: User, example_document: dict[str, Any]) -> Screening:
    return _save(_document(example_document), coordinator_ipc)


def _get(client: Client, url: str, language: str) -> lxml.html.HtmlElement:
    response = client.get(url, headers={"accept-language": language})
    assert response.status_code == 200
    return lxml.html.fromstring(response.content.decode())


def _text(element: Any) -> str:
    return " ".join(element.text_content().replace(NBSP, " ").split())


def _panel(page: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    (panel,) = page.xpath('//*[@data-testid="evaluation-panel"]')
    return panel


def _criterion(page: lxml.html.HtmlElement, cid: str) -> lxml.html.HtmlElement:
    (row,) = page.xpath(f'//*[@data-testid="evaluation-panel"]//li[@data-criterion="{cid}"]')
    return row


def _ids(page: lxml.html.HtmlElement) -> set[str]:
    return {str(i) for i in page.xpath("//@id")}


# --- CrCl ------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "fr",
            [
                "Clairance = [(140 − âge) × poids (kg)] / [72 × créatinine (mg/dL)], × 0,85 chez la femme",
                "Créatinine : 62 µmol/L = 0,70 mg/dL (÷ 88,4)",
                "Date du résultat : 05/03/2026",
                "Âge à cette date : 44 ans",
                "Poids : 63,5 kg",
                "Sexe : femme : × 0,85",
                "[(140 − 44) × 63,5] / [72 × (62 ÷ 88,4)] × 0,85 = 102,6 mL/min",
                "Créatinine utilisée : créatinine du 05/03/2026",
            ],
        ),
        (
            "en",
            [
                "CrCl = [(140 − age) × weight (kg)] / [72 × creatinine (mg/dL)], × 0.85 for a woman",
                "Creatinine: 62 µmol/L = 0.70 mg/dL (÷ 88.4)",
                "Date of the result: 2026-03-05",
                "Age on that date: 44 y",
                "Weight: 63.5 kg",
                "Sex: female: × 0.85",
                "[(140 − 44) × 63.5] / [72 × (62 ÷ 88.4)] × 0.85 = 102.6 mL/min",
                "Creatinine used: creatinine of 2026-03-05",
            ],
        ),
    ],
)
def test_crcl_panel_shows_the_formula_and_every_input_as_entered(
    client: Client, coordinator_ipc: User, creatinine_ipc: Screening, language: str, expected: list[str]
) -> None:
    client.force_login(coordinator_ipc)
    page = _get(client, reverse("screening:detail", args=[creatinine_ipc.number]), language)
    (crcl,) = page.xpath('//*[@data-testid="crcl"]')
    shown = _text(crcl)
    for part in expected:
        assert part in shown, f"{part!r} not in {shown!r}"
    # Exactly: (140 − 44) × 63.5 × 0.85 / (72 × 62 / 88.4) = 102.63…; rounded half up to 1 decimal.
    assert creatinine_ipc.evaluations.first().result_document["crcl_ml_min"] == 102.6
    # The creatinine named is the row used, and its link goes to that row's value.
    (link,) = crcl.xpath('.//a[@data-testid="crcl-row"]')
    assert link.get("href") == f"#id_labs-{USED_ROW}-value"
    assert f"id_labs-{USED_ROW}-value" in _ids(page)


@pytest.mark.django_db
def test_crcl_of_a_creatinine_in_mg_dl_shows_no_conversion(
    client: Client, coordinator_ipc: User, example_document: dict[str, Any]
) -> None:
    doc = copy.deepcopy(example_document)
    for row in doc["labs"]:
        if row["test"] == "creatinine":
            row.update(value=0.705, unit="mg/dL")
    screening = _save(doc, coordinator_ipc)
    client.force_login(coordinator_ipc)
    shown = _text(
        _get(client, reverse("screening:detail", args=[screening.number]), "fr").xpath('//*[@data-testid="crcl"]')[0]
    )
    # As entered (0,705), not as rounded for display (0,71): the formula gives the CrCl shown.
    assert "Créatinine : 0,705 mg/dL" in shown
    assert "÷ 88,4" not in shown
    assert "[(140 − 44) × 63,5] / [72 × 0,705] × 0,85 = 102,1 mL/min" in shown


# --- the row each lab criterion used ---------------------------------------------------

ROW_USED_FR = {
    "INC-07-HB": "Résultat utilisé : hémoglobine du 05/03/2026 : 11,2 g/dL",
    "INC-07-ANC": "Résultat utilisé : PNN du 05/03/2026 : 2,4 G/L",
    "INC-07-PLT": "Résultat utilisé : plaquettes du 05/03/2026 : 231 G/L",
    "INC-07-BILI": "Résultat utilisé : bilirubine totale du 05/03/2026 : 9 µmol/L (LSN 21)",
    "INC-07-ALT": "Résultat utilisé : ALAT du 05/03/2026 : 25 UI/L (LSN 40)",
    "INC-07-AST": "Résultat utilisé : ASAT du 05/03/2026 : 31 UI/L (LSN 40)",
    "INC-07-ALB": "Résultat utilisé : albumine du 05/03/2026 : 38 g/L",
    "INC-07-CRCL": "Résultat utilisé : créatinine du 05/03/2026 : 62 µmol/L",
}
ROW_USED_EN = {
    "INC-07-HB": "Result used: hemoglobin of 2026-03-05: 11.2 g/dL",
    "INC-07-ANC": "Result used: ANC of 2026-03-05: 2.4 G/L",
    "INC-07-PLT": "Result used: platelets of 2026-03-05: 231 G/L",
    "INC-07-BILI": "Result used: total bilirubin of 2026-03-05: 9 µmol/L (ULN 21)",
    "INC-07-ALT": "Result used: ALT of 2026-03-05: 25 U/L (ULN 40)",
    "INC-07-AST": "Result used: AST of 2026-03-05: 31 U/L (ULN 40)",
    "INC-07-ALB": "Result used: albumin of 2026-03-05: 38 g/L",
    "INC-07-CRCL": "Result used: creatinine of 2026-03-05: 62 µmol/L",
}
LAB_ROWS = {
    "INC-07-HB": 0,
    "INC-07-ANC": 1,
    "INC-07-PLT": 2,
    "INC-07-BILI": 3,
    "INC-07-ALT": 4,
    "INC-07-AST": 5,
    "INC-07-ALB": 6,
    "INC-07-CRCL": USED_ROW,
}


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "expected"), [("fr", ROW_USED_FR), ("en", ROW_USED_EN)])
def test_each_lab_criterion_names_the_row_used(
    client: Client, coordinator_ipc: User, creatinine_ipc: Screening, language: str, expected: dict[str, str]
) -> None:
    client.force_login(coordinator_ipc)
    page = _get(client, reverse("screening:detail", args=[creatinine_ipc.number]), language)
    for cid, used in expected.items():
        (line,) = _criterion(page, cid).xpath('.//*[@data-testid="row-used"]')
        assert _text(line) == used
        (link,) = line.xpath(".//a")
        assert link.get("href") == f"#id_labs-{LAB_ROWS[cid]}-value"
    # Criteria that read no lab row say none.
    assert _criterion(page, "INC-05").xpath('.//*[@data-testid="row-used"]') == []


@pytest.mark.django_db
def test_too_old_latest_result_is_named_with_its_date(
    client: Client, coordinator_ipc: User, example_document: dict[str, Any]
) -> None:
    doc = copy.deepcopy(example_document)
    doc["labs"] = [row for row in doc["labs"] if row["test"] != "creatinine"] + [CREATININE_TOO_OLD]
    screening = _save(doc, coordinator_ipc)
    client.force_login(coordinator_ipc)
    page = _get(client, reverse("screening:detail", args=[screening.number]), "fr")
    row = _criterion(page, "INC-07-CRCL")
    assert row.get("data-outcome") == "missing"
    assert (
        "Dernier résultat de créatinine du 01/02/2026, 39 jours avant le 12/03/2026 : plus de 28 jours, à refaire"
        in _text(row)
    )
    (line,) = row.xpath('.//*[@data-testid="row-used"]')
    assert _text(line) == (
        "Dernier résultat trop ancien pour être pris en compte : créatinine du 01/02/2026, 39 jours avant le "
        "12/03/2026 (plus de 28 jours)"
    )
    assert line.xpath(".//a")[0].get("href") == "#id_labs-7-value"


# --- the lab table's marks -------------------------------------------------------------


def _marks(page: lxml.html.HtmlElement, row: int) -> list[tuple[str, str]]:
    (cell,) = page.xpath(f'//*[@id="mark-labs-{row}"]')
    return [(m.get("data-mark"), _text(m)) for m in cell.xpath(".//*[@data-mark]")]


@pytest.mark.django_db
def test_lab_table_marks_the_rows_used_and_those_that_do_not_count(
    client: Client, coordinator_ipc: User, creatinine_ipc: Screening
) -> None:
    client.force_login(coordinator_ipc)
    page = _get(client, reverse("screening:detail", args=[creatinine_ipc.number]), "fr")
    assert _marks(page, USED_ROW) == [("used", "Utilisé pour INC-07-CRCL")]
    assert _marks(page, TOO_OLD_ROW) == [
        ("too_old", "Trop ancien pour être pris en compte : 39 jours avant le 12/03/2026 (plus de 28 jours)")
    ]
    assert _marks(page, OLDER_ROW) == [
        ("superseded", "Non utilisé : un résultat plus récent est pris en compte (créatinine du 05/03/2026)")
    ]
    for cid, row in LAB_ROWS.items():
        assert _marks(page, row) == [("used", f"Utilisé pour {cid}")]
    # The empty rows have an (empty) mark, so that the live panel can fill it.
    assert _marks(page, OLDER_ROW + 1) == []


@pytest.mark.django_db
def test_live_panel_marks_and_links_follow_the_rows_as_typed(
    client: Client, coordinator_ipc: User, creatinine_ipc: Screening, example_document: dict[str, Any]
) -> None:
    """A blank row typed before the creatinine used is not in the evaluated document: the
    live panel's link and marks still name the form's own row."""
    doc = _document(example_document)
    data = form_data(doc, version=creatinine_ipc.version)
    # Move the used creatinine one row down, leaving row 8 blank.
    for field in ("test", "value", "unit", "uln", "date"):
        data[f"labs-{USED_ROW + 3}-{field}"] = data.pop(f"labs-{USED_ROW}-{field}", "")
        data[f"labs-{USED_ROW}-{field}"] = ""
    data["labs-TOTAL_FORMS"] = str(USED_ROW + 4)
    client.force_login(coordinator_ipc)
    response = client.post(reverse("screening:evaluate", args=[creatinine_ipc.number]), data)
    assert response.status_code == 200
    page = lxml.html.fromstring(response.content.decode())
    moved = USED_ROW + 3
    (link,) = page.xpath('//*[@data-testid="crcl-row"]')
    assert link.get("href") == f"#id_labs-{moved}-value"
    # Out-of-band swaps of the lab table's marks, one per form row.
    (mark,) = page.xpath(f'//*[@id="mark-labs-{moved}"]')
    assert mark.get("hx-swap-oob") == "true"
    assert [m.get("data-mark") for m in mark.xpath(".//*[@data-mark]")] == ["used"]
    assert page.xpath(f'//*[@id="mark-labs-{USED_ROW}"]//*[@data-mark]') == []


# --- links -----------------------------------------------------------------------------


def _everything_missing(example: dict[str, Any]) -> dict[str, Any]:
    """A screening where most criteria are undecided: each shows its link."""
    doc = _document(
        example,
        patient__weight_kg=None,
        reproductive__hysterectomy=None,
        consent__signed=None,
        ecog=None,
        lvef=None,
        judgment=None,
        ild=None,
        other_trial=None,
        prior_therapy__her2_or_trop2_adc=None,
        disease__brain_metastases=None,
        disease__histologically_confirmed=None,
    )
    doc["labs"] = [row for row in doc["labs"] if row["test"] not in ("platelets", "albumin")]
    doc["labs"].append({"test": "albumin", "value": 38, "unit": "g/L", "date": "2026-01-02"})
    return doc


def _panel_links(page: lxml.html.HtmlElement) -> list[str]:
    return [str(a.get("href")) for a in _panel(page).xpath(".//a[@href]")]


@pytest.mark.django_db
def test_every_link_of_the_panel_goes_to_an_element_of_the_form_page(
    client: Client, coordinator_ipc: User, example_document: dict[str, Any]
) -> None:
    screening = _save(_everything_missing(example_document), coordinator_ipc)
    client.force_login(coordinator_ipc)
    page = _get(client, reverse("screening:detail", args=[screening.number]), "en")
    links = _panel_links(page)
    assert len(links) > 30  # each missing criterion twice (the summary and its reason), and the rows used
    ids = _ids(page)
    assert [href for href in links if not href.startswith("#") or href[1:] not in ids] == []


@pytest.mark.django_db
def test_links_go_to_the_field_or_row_that_decides(
    client: Client, coordinator_ipc: User, example_document: dict[str, Any]
) -> None:
    screening = _save(_everything_missing(example_document), coordinator_ipc)
    client.force_login(coordinator_ipc)
    page = _get(client, reverse("screening:detail", args=[screening.number]), "en")

    def link(cid: str) -> str:
        return str(_criterion(page, cid).xpath(".//a")[0].get("href"))

    # WOCBP unknown: the reproductive field that decides it, not contraception or the tests.
    assert link("INC-06") == "#id_hysterectomy"
    assert link("INC-09") == "#id_hysterectomy"
    assert link("INC-07-PLT") == "#section-labs"  # no platelet result: the section, to add one
    assert link("INC-07-ALB") == "#id_labs-8-value"  # the albumin row (after three creatinine rows), too old
    assert link("INC-07-CRCL") == "#id_weight_kg"  # CrCl cannot be computed: the weight is missing
    assert link("INC-05") == "#id_ecog"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "cid", "anchor"),
    [
        ({"patient__sex": None}, "INC-06", "#id_sex"),
        ({"reproductive__amenorrhea_months": None}, "INC-09", "#id_amenorrhea_months"),
        (
            {"reproductive__amenorrhea_months": 14, "reproductive__amenorrhea_other_cause": None},
            "INC-06",
            "#id_amenorrhea_other_cause",
        ),
        ({"contraception_agreed": None}, "INC-06", "#id_contraception_agreed"),
        (
            {"reproductive__pregnancy_tests": [{"result": "negative", "type": "serum", "date": "2026-03-01"}]},
            "INC-09",
            "#id_pregnancy_tests-0-result",
        ),
        ({"support__gcsf_date": "2026-03-04"}, "INC-07-ANC", "#id_gcsf_date"),
    ],
)
def test_reproductive_and_support_links(  # noqa: PLR0917 - fixtures and parameters
    client: Client,
    coordinator_ipc: User,
    example_document: dict[str, Any],
    changes: dict[str, Any],
    cid: str,
    anchor: str,
) -> None:
    screening = _save(_document(example_document, **changes), coordinator_ipc)
    client.force_login(coordinator_ipc)
    page = _get(client, reverse("screening:detail", args=[screening.number]), "en")
    row = _criterion(page, cid)
    assert row.get("data-outcome") in ("fail", "missing")
    href = str(row.xpath(".//a")[0].get("href"))
    assert href == anchor
    assert href[1:] in _ids(page)


@pytest.mark.django_db
@pytest.mark.parametrize("page_name", ["sign", "evaluation"])
def test_links_on_other_pages_go_to_the_screening_page_where_the_anchor_exists(
    client: Client, coordinator_ipc: User, investigator_ipc: User, example_document: dict[str, Any], page_name: str
) -> None:
    doc = _everything_missing(example_document)
    doc["ecog"] = 3  # a failure too, for the sign-off page's confirmation
    screening = _save(doc, coordinator_ipc)
    client.force_login(investigator_ipc)
    if page_name == "sign":
        url = reverse("screening:sign", args=[screening.number])
    else:
        url = reverse("screening:evaluation", args=[screening.number, screening.evaluations.first().pk])
    page = _get(client, url, "fr")
    links = _panel_links(page)
    assert len(links) > 30
    detail = reverse("screening:detail", args=[screening.number])
    assert [href for href in links if not href.startswith(f"{detail}#")] == []
    assert not any(href == "#section-labs" for href in page.xpath("//a/@href"))
    screening_ids = _ids(_get(client, detail, "fr"))
    assert [href for href in links if href.split("#", 1)[1] not in screening_ids] == []


@pytest.mark.django_db
def test_sign_off_and_review_queue_say_which_creatinine_was_used(
    client: Client, coordinator_ipc: User, investigator_ipc: User, example_document: dict[str, Any]
) -> None:
    doc = _document(example_document)
    doc["labs"][USED_ROW]["value"] = 250  # 2.83 mg/dL: CrCl 25.4 mL/min, a screen failure
    screening = _save(doc, coordinator_ipc)
    assert screening.status == "ineligible"
    client.force_login(investigator_ipc)

    sign = _get(client, reverse("screening:sign", args=[screening.number]), "fr")
    confirmation = _text(sign.xpath('//*[@data-testid="sign-confirmation"]')[0])
    assert "INC-07-CRCL" in confirmation
    assert "(Résultat utilisé : créatinine du 05/03/2026 : 250 µmol/L)" in confirmation

    queue = _get(client, reverse("screening:review_queue"), "fr")
    (entry,) = queue.xpath('//*[@data-testid="review-queue"]//*[@data-criterion="INC-07-CRCL"]')
    shown = _text(entry)
    assert "Clairance de la créatinine 25,4 mL/min < 30" in shown
    assert "Résultat utilisé : créatinine du 05/03/2026 : 250 µmol/L" in shown
    href = str(entry.xpath(".//a")[0].get("href"))
    detail = reverse("screening:detail", args=[screening.number])
    assert href == f"{detail}#id_labs-{USED_ROW}-value"
    assert f"id_labs-{USED_ROW}-value" in _ids(_get(client, detail, "fr"))


# --- French words ----------------------------------------------------------------------


@pytest.mark.django_db
def test_french_panel_has_no_codes_no_ascii_comparisons_and_decimal_commas(
    client: Client, coordinator_ipc: User, example_document: dict[str, Any]
) -> None:
    doc = _document(example_document)
    doc["tumour_samples"][0]["her2_ish"] = "not_done"
    screening = _save(doc, coordinator_ipc)
    client.force_login(coordinator_ipc)
    shown = _text(_panel(_get(client, reverse("screening:detail", args=[screening.number]), "fr")))
    assert re.search(r">=|<=|not_done|umol|10\^9|IU/L|\bULN\b|\d\.\d|\d{4}-\d{2}-\d{2}", shown) is None, shown
    assert "ISH non faite" in shown
    assert "0,70 mg/dL" in shown
    assert "conforme" in shown and "satisfait" not in shown


@pytest.mark.django_db
def test_outcome_words_follow_the_glossary(client: Client, coordinator_ipc: User, creatinine_ipc: Screening) -> None:
    client.force_login(coordinator_ipc)
    page = _get(client, reverse("screening:detail", args=[creatinine_ipc.number]), "fr")
    labels = {_text(badge) for badge in _panel(page).xpath('.//li[@data-criterion]/span[contains(@class, "badge")]')}
    assert labels <= {"conforme", "non conforme", "donnée manquante", "sans objet"}
    # A non-inclusion criterion whose condition is absent reads "conforme", not "satisfait".
    assert _text(_criterion(page, "EXC-02").xpath("./span")[0]) == "conforme"


# --- what the rules give the page, and results stored before they gave it ---------------


def test_crcl_values_name_the_creatinine_row_used(example_document: dict[str, Any]) -> None:
    values = outcome_of(_document(example_document), "INC-07-CRCL").values
    assert {k: values[k] for k in ("lab_index", "value_entered", "unit", "days_before_reference")} == {
        "lab_index": USED_ROW,
        "value_entered": 62,
        "unit": "umol/L",
        "days_before_reference": 7,
    }


def test_a_result_stored_before_the_row_was_named_still_shows_the_calculation(
    example_document: dict[str, Any],
) -> None:
    criterion = as_json_data(outcome_of(_document(example_document), "INC-07-CRCL"))
    for key in ("lab_index", "value_entered", "unit", "days_before_reference"):
        del criterion["values"][key]
    with translation.override("fr"):
        calculation = crcl_calculation(criterion)
        assert row_used(criterion) is None
    assert calculation is not None
    assert calculation["lab_index"] is None
    assert dict(calculation["inputs"])["Créatinine"] == "0,70 mg/dL"
    # Not "[72 × 0,70]": the rounded creatinine would give 102,8, not the 102,6 computed.
    assert calculation["substituted"] is None
    assert calculation["crcl"] == "102,6"
