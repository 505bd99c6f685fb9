"""Units are chosen, never assumed (issue 10, item 1).

A new lab row has no unit until one is chosen; each site's default units (a site setting,
managed in the admin, screening/models.py SiteDefaultUnit) pre-fill a new row once its test
is chosen (the page's script reads them from the lab table's ``data-units``); a value saved
without a unit is refused at that field, naming the test and row. The unit list offers each
unit once, as French lab reports print it, while the exchange format keeps its codes as the
options' values; a row stored with a synonym (umol/L) shows its option (µmol/L) selected.
"""

from __future__ import annotations

import datetime
import html
import json
import re
from typing import Any, Final

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import translation

from screening import exchange, services
from screening.forms import LabProposalForm, LabResultForm
from screening.models import LabResult, LabTest, Role, Screening, Site, SiteDefaultUnit, User
from screening.rules import units
from tests.conftest import make_user
from tests.exchange.conftest import with_lab
from tests.web.conftest import near, stored_state
from tests.web.formdata import form_data

# Rows of the example's labs (shared/examples/eligible-ipc-0007.json).
HEMOGLOBIN, ANC, PLATELETS, BILIRUBIN, ALT, AST, ALBUMIN, CREATININE = range(8)

# What the data migration (0012) gives IPC and IGR: French lab reports' units.
FRENCH_DEFAULTS: Final = {
    "hemoglobin": "g/dL",
    "anc": "G/L",
    "platelets": "G/L",
    "total_bilirubin": "µmol/L",
    "alt": "U/L",
    "ast": "U/L",
    "albumin": "g/L",
    "creatinine": "µmol/L",
}


def _units_data(page: str) -> dict[str, Any]:
    """What the lab table hands the page's script: units per test, defaults per site."""
    match = re.search(r'data-formset-prefix="labs" data-units="([^"]*)"', page)
    assert match, "no lab table with its units"
    data: dict[str, Any] = json.loads(html.unescape(match.group(1)))
    return data


def _options(page: str, field_id: str) -> list[tuple[str, str, bool]]:
    """(value, label, selected) of each option of one select."""
    start = page.index(f'id="{field_id}"')
    select = page[page.rfind("<select", 0, start) : page.index("</select>", start)]
    return [
        (html.unescape(value), html.unescape(label), bool(selected))
        for value, selected, label in re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', select)
    ]


def _site_without_defaults() -> Site:
    return Site.objects.create(code="TST", name="Test site", city="Lyon")


# --- the site setting ----------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["IPC", "IGR"])
def test_the_first_sites_start_with_french_report_units(code: str) -> None:
    defaults = dict(SiteDefaultUnit.objects.filter(site__code=code).values_list("test", "unit"))
    assert defaults == FRENCH_DEFAULTS


@pytest.mark.django_db
def test_a_site_has_at_most_one_default_unit_per_test() -> None:
    site = _site_without_defaults()
    SiteDefaultUnit.objects.create(site=site, test="anc", unit="G/L")
    with pytest.raises(IntegrityError), transaction.atomic():
        SiteDefaultUnit.objects.create(site=site, test="anc", unit="/mm3")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("test", "unit"),
    [
        ("platelets", "g/L"),  # grams per litre is not a count
        ("creatinine", "umol/L"),  # a synonym: the form offers µmol/L, which the default must be
        ("anc", "10^9/L"),
        ("albumin", "mmol/L"),
        ("hemoglobin", ""),
    ],
)
def test_the_database_refuses_a_default_unit_the_form_does_not_offer(test: str, unit: str) -> None:
    site = _site_without_defaults()
    with pytest.raises(IntegrityError), transaction.atomic():
        SiteDefaultUnit.objects.create(site=site, test=test, unit=unit)


@pytest.fixture
def staff(db: Any) -> User:
    return User.objects.create_superuser(username="admin", password="x", email="admin@example.org")  # noqa: S106


def _admin_site_post(site: Site | None, rows: list[tuple[str, str]]) -> dict[str, str]:
    """The admin's site form with its default units inline (prefix ``default_units``)."""
    existing = list(SiteDefaultUnit.objects.filter(site=site).order_by("id")) if site is not None else []
    data = {
        "code": site.code if site is not None else "TST",
        "name": site.name if site is not None else "Test site",
        "city": site.city if site is not None else "Lyon",
        "default_units-TOTAL_FORMS": str(len(existing) + len(rows)),
        "default_units-INITIAL_FORMS": str(len(existing)),
        "default_units-MIN_NUM_FORMS": "0",
        "default_units-MAX_NUM_FORMS": "1000",
        # The rulesets inline (tests/web/test_site_rulesets.py), posted unchanged: none here.
        "rulesets-TOTAL_FORMS": "0",
        "rulesets-INITIAL_FORMS": "0",
        "rulesets-MIN_NUM_FORMS": "0",
        "rulesets-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(existing):
        data.update(
            {
                f"default_units-{i}-id": str(row.pk),
                f"default_units-{i}-site": str(row.site_id),
                f"default_units-{i}-test": row.test,
                f"default_units-{i}-unit": row.unit,
            }
        )
    for k, (test, unit) in enumerate(rows, start=len(existing)):
        data.update({f"default_units-{k}-test": test, f"default_units-{k}-unit": unit})
    return data


@pytest.mark.django_db
def test_staff_set_a_sites_default_units_in_the_admin(client: Client, staff: User) -> None:
    client.force_login(staff)
    page = client.get(reverse("admin:screening_site_add")).content.decode()
    assert "default_units-TOTAL_FORMS" in page

    response = client.post(
        reverse("admin:screening_site_add"), _admin_site_post(None, [("anc", "G/L"), ("creatinine", "µmol/L")])
    )

    assert response.status_code == 302, response.content.decode()
    site = Site.objects.get(code="TST")
    assert dict(site.default_units.values_list("test", "unit")) == {"anc": "G/L", "creatinine": "µmol/L"}


@pytest.mark.django_db
def test_the_admin_refuses_a_unit_not_offered_for_the_test_and_a_second_default(client: Client, staff: User) -> None:
    client.force_login(staff)
    ipc = Site.objects.get(code="IPC")

    wrong_unit = client.post(
        reverse("admin:screening_site_change", args=[ipc.pk]), _admin_site_post(ipc, [("anc", "g/L")])
    )
    assert wrong_unit.status_code == 200  # the form again, with its error
    assert "site_default_unit_offered" in wrong_unit.content.decode()

    twice = client.post(
        reverse("admin:screening_site_change", args=[Site.objects.get(code="IGR").pk]),
        _admin_site_post(Site.objects.get(code="IGR"), [("anc", "/mm3")]),
    )
    assert twice.status_code == 200
    assert "Please correct the duplicate data for test" in html.unescape(twice.content.decode())
    assert dict(SiteDefaultUnit.objects.filter(site=ipc).values_list("test", "unit")) == FRENCH_DEFAULTS


# --- what the page offers ------------------------------------------------------------


@pytest.mark.django_db
def test_a_new_screening_page_hands_the_sites_default_units_to_its_script(client: Client) -> None:
    other = _site_without_defaults()
    coordinator = make_user("coord.two", Role.COORDINATOR, "IPC", other.code)
    client.force_login(coordinator)

    data = _units_data(client.get(reverse("screening:create")).content.decode())

    assert data["defaults"] == {"IPC": FRENCH_DEFAULTS, "TST": {}}
    assert data["site"] is None  # two sites: the page's site select decides
    assert data["units"]["anc"] == [["/mm3", "/mm³"], ["G/L", "G/L"]]


@pytest.mark.django_db
def test_an_existing_screening_uses_its_own_sites_defaults(
    client: Client, coordinator_ipc: User, screening_ipc: Screening
) -> None:
    SiteDefaultUnit.objects.filter(site__code="IPC", test="anc").update(unit="/mm3")
    client.force_login(coordinator_ipc)

    data = _units_data(client.get(reverse("screening:detail", args=[screening_ipc.number])).content.decode())

    assert data["site"] == "IPC"
    assert data["defaults"] == {"IPC": {**FRENCH_DEFAULTS, "anc": "/mm3"}}


@pytest.mark.django_db
def test_a_new_lab_row_has_no_unit_chosen(client: Client, coordinator_ipc: User) -> None:
    client.force_login(coordinator_ipc)
    page = client.get(reverse("screening:create")).content.decode()

    for row in (0, 1):  # the two empty rows
        options = _options(page, f"id_labs-{row}-unit")
        assert [value for value, _label, selected in options if selected] == [""]  # "—", no unit
        assert options[0][:2] == ("", "—")


def _unit_groups() -> dict[str, list[tuple[str, str]]]:
    """The lab row's unit list: test -> its options (value, label as shown)."""
    by_label = {str(group): options for group, options in LabResultForm.base_fields["unit"].choices[1:]}
    return {test: [(v, str(label)) for v, label in by_label[str(label)]] for test, label in LabTest.choices}


@pytest.mark.parametrize("test", LabTest.values)
def test_the_unit_list_offers_each_unit_once(test: str) -> None:
    options = _unit_groups()[test]
    values = [value for value, _label in options]
    labels = [label for _value, label in options]
    assert len(set(values)) == len(values) == len(set(labels))
    # One option per real unit: no two options are spellings of one unit.
    assert not any(units.same_unit(test, a, b) for i, a in enumerate(values) for b in values[i + 1 :])
    # Every spelling the exchange format accepts has its option.
    assert {units.unit_option(u) for u in units.accepted_units(test)} == set(values)


def test_the_unit_lists_read_as_french_lab_reports_print_them() -> None:
    with translation.override("fr"):
        labels = {test: [label for _value, label in options] for test, options in _unit_groups().items()}
    assert labels["anc"] == labels["platelets"] == ["/mm³", "G/L"]
    assert labels["creatinine"] == labels["total_bilirubin"] == ["mg/dL", "µmol/L"]
    assert labels["albumin"] == ["g/dL", "g/L"]
    assert labels["hemoglobin"] == ["g/dL", "g/L", "mmol/L"]
    assert labels["alt"] == labels["ast"] == ["UI/L"]


@pytest.mark.django_db
def test_a_row_stored_with_a_synonym_shows_its_option_selected(
    client: Client, coordinator_ipc: User, screening_ipc: Screening
) -> None:
    # The example stores creatinine and bilirubin in umol/L and the counts in 10^9/L.
    assert LabResult.objects.get(screening=screening_ipc, test="creatinine").unit == "umol/L"
    assert LabResult.objects.get(screening=screening_ipc, test="anc").unit == "10^9/L"
    client.force_login(coordinator_ipc)

    page = client.get(reverse("screening:detail", args=[screening_ipc.number])).content.decode()

    for row, option in ((CREATININE, "µmol/L"), (BILIRUBIN, "µmol/L"), (ANC, "G/L"), (PLATELETS, "G/L")):
        selected = [value for value, _label, chosen in _options(page, f"id_labs-{row}-unit") if chosen]
        assert selected == [option], row


@pytest.mark.django_db
def test_saving_the_page_as_shown_changes_no_stored_unit(
    client: Client, coordinator_ipc: User, screening_ipc: Screening
) -> None:
    """The page posts µmol/L for a row stored umol/L: the same unit, so nothing changes and
    no reason for change is asked."""
    client.force_login(coordinator_ipc)
    stored = dict(LabResult.objects.filter(screening=screening_ipc).values_list("test", "unit"))
    data = form_data(services.screening_document(screening=screening_ipc), version=screening_ipc.version)
    data.update({f"labs-{CREATININE}-unit": "µmol/L", f"labs-{BILIRUBIN}-unit": "µmol/L", f"labs-{ANC}-unit": "G/L"})

    response = client.post(reverse("screening:detail", args=[screening_ipc.number]), data)

    assert response.status_code == 302, near(response.content.decode(), "id_reason_for_change")
    assert dict(LabResult.objects.filter(screening=screening_ipc).values_list("test", "unit")) == stored


@pytest.mark.django_db
def test_a_unit_spelled_as_the_file_format_allows_is_still_accepted(
    client: Client, coordinator_ipc: User, example_document: dict[str, Any]
) -> None:
    """The exchange format's codes stay valid values (a JSON-shaped post, an older page)."""
    client.force_login(coordinator_ipc)

    response = client.post(reverse("screening:create"), form_data(example_document))

    assert response.status_code == 302
    assert LabResult.objects.get(test="creatinine").unit == "umol/L"


def test_a_fhir_proposal_offers_each_unit_once_and_shows_a_synonym_selected() -> None:
    form = LabProposalForm(
        prefix="proposal-0",
        test="creatinine",
        initial={"value": 62.0, "unit": "umol/L", "uln": None, "date": "2026-11-28"},
    )
    page = str(form["unit"])
    assert _options(page, "id_proposal-0-unit") == [("mg/dL", "mg/dL", False), ("µmol/L", "µmol/L", True)]
    counts = LabProposalForm(prefix="proposal-1", test="platelets", initial={"unit": "10^9/L"})
    assert _options(str(counts["unit"]), "id_proposal-1-unit") == [("/mm3", "/mm³", False), ("G/L", "G/L", True)]


# --- a value without its unit ----------------------------------------------------------


@pytest.mark.django_db
def test_a_value_without_a_unit_is_refused_at_the_unit_naming_the_test_and_row(
    client: Client, coordinator_ipc: User, example_document: dict[str, Any]
) -> None:
    client.force_login(coordinator_ipc)
    before = stored_state()
    data = {**form_data(example_document, comma=True), f"labs-{ANC}-value": "2,1", f"labs-{ANC}-unit": ""}

    response = client.post(reverse("screening:create"), data)

    assert response.status_code == 400
    assert "ANC of 2026-03-05: choose its unit, as printed on the report (no unit is assumed)" in near(
        response.content.decode(), f"id_labs-{ANC}-unit"
    )
    assert 'value="2,1"' in near(response.content.decode(), f"id_labs-{ANC}-value")
    assert stored_state() == before


@pytest.mark.django_db
def test_a_value_without_a_unit_is_refused_in_french(
    client: Client, coordinator_ipc: User, example_document: dict[str, Any]
) -> None:
    coordinator_ipc.language = "fr"
    coordinator_ipc.save(update_fields=["language"])
    client.force_login(coordinator_ipc)
    data = {**form_data(example_document, comma=True), f"labs-{ANC}-value": "2,1", f"labs-{ANC}-unit": ""}

    response = client.post(reverse("screening:create"), data, headers={"accept-language": "fr"})

    assert response.status_code == 400
    assert "PNN du 05/03/2026 : choisir l'unité" in near(response.content.decode(), f"id_labs-{ANC}-unit")
    assert not Screening.objects.exists()


# --- unit slips ----------------------------------------------------------------------

SLIPS: Final = [
    # test, value, unit, uln, what was meant (as the form shows it)
    ("anc", 1500, "G/L", None, "/mm³"),  # neutrophils typed per mm³ with G/L chosen
    ("platelets", 231_000, "G/L", None, "/mm³"),
    ("platelets", 231, "/mm3", None, "G/L"),
    ("hemoglobin", 112, "g/dL", None, "g/L"),
    ("albumin", 38, "g/dL", None, "g/L"),
    ("creatinine", 62, "mg/dL", None, "µmol/L"),
    ("total_bilirubin", 9, "mg/dL", 21, "µmol/L"),  # its ULN, in µmol/L, with mg/dL chosen
]


@pytest.mark.django_db
@pytest.mark.parametrize(("test", "value", "unit", "uln", "meant"), SLIPS)
def test_a_value_plausible_only_in_another_unit_gets_the_hint_in_the_units_shown(
    test: str, value: float, unit: str, uln: float | None, meant: str
) -> None:
    lab = {"value": value, "unit": unit, "date": "2026-03-05"}
    if uln is not None:
        lab["uln"] = uln
    doc = with_lab(test, lab)

    with translation.override("en"), exchange.message_style(exchange.LocalizedStyle()):
        with pytest.raises(exchange.RefusedDocument) as refused:
            exchange.parse_screening(doc, today=datetime.date(2026, 3, 10))
    messages = [e.message for e in refused.value.errors if e.path.startswith("/labs/")]

    assert len(messages) == 1, messages
    assert messages[0].endswith(f"did you mean {meant}?"), messages
    assert not re.search(r"umol|10\^9|/mm3\b", messages[0]), messages
