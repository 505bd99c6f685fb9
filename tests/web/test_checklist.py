"""The eligibility checklist PDF (screening/checklist.py, views/checklist.py, services.checklist_print).

The PDF's text is extracted with pypdf, page by page, and checked as a monitor reads it:
every criterion once and in spec order with its outcome and reason in the reader's
language, the values that decided it, who answered each judgment and when, the
signature's manifestation or the draft banner on every page, the footer (page N of M,
generated when and by whom, the hash of the result document), and never the date of birth.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import pypdf
import pytest
from django.core.management import call_command
from django.db import DatabaseError, transaction
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone, translation
from weasyprint.urls import FatalURLFetchingError

from screening import checklist, selectors, services
from screening.models import ChecklistPrint, Evaluation, Role, Screening, User
from screening.reasons import localized_reason
from tests.conftest import PASSWORD, SHARED, make_user
from tests.web.conftest import text

SCREENSHOTS: Final = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
CRITERION_ID: Final = re.compile(r"\b(?:INC|EXC)-\d{2}(?:-[A-Z][A-Z0-9]*)?\b")
DATE_OF_BIRTH: Final = ("1981-07-14", "14/07/1981", "14.07.1981", "07/14/1981")


def _pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def _flat(value: str) -> str:
    """Text with every run of white space (line breaks, no-break spaces) as one space."""
    return " ".join(value.replace("\u00a0", " ").replace("\u202f", " ").split())


def _squeezed(value: str) -> str:
    """Text without any white space: a reason wrapped after a hyphen ("anti-" / "TROP2")
    reads back with a line break that no single space stands for."""
    return re.sub(r"\s+", "", value)


def _download(client: Client, screening: Screening, **headers: str) -> bytes:
    response = client.get(reverse("screening:checklist", args=[screening.number]), headers=headers)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    content: bytes = response.content
    assert content.startswith(b"%PDF-")
    return content


def _sign(screening: Screening, by: User, meaning: str = "eligibility_confirmed") -> None:
    services.screening_sign(screening=screening, by=by, password=PASSWORD, meaning=meaning)
    screening.refresh_from_db()


def _latest(screening: Screening) -> Evaluation:
    latest = screening.evaluations.order_by("-created_at", "-id").first()
    assert latest is not None
    return latest


def _independent_sha256(document: Any) -> str:
    """The README's canonicalisation, written out again here so that a change of it fails."""
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@pytest.fixture
def signed_ipc(screening_ipc: Screening, investigator_ipc: User) -> Screening:
    """IPC-0007, eligible, signed by inv.ipc."""
    _sign(screening_ipc, investigator_ipc)
    return screening_ipc


@pytest.fixture
def failure_ipc(coordinator_ipc: User, example_document: dict[str, Any]) -> Screening:
    """IPC-0008: ECOG 3 (a failure) and no albumin result (missing), not signed."""
    document = {
        **example_document,
        "screening_id": "IPC-0008",
        "ecog": 3,
        "labs": [lab for lab in example_document["labs"] if lab["test"] != "albumin"],
    }
    evaluation = services.screening_import(raw=document, by=coordinator_ipc)
    return Screening.objects.select_related("site").get(pk=evaluation.screening_id)


# --- what a signed checklist carries ----------------------------------------------------
# One signed screening, printed three times (in English by its investigator, in French by
# the same, in English by a monitor), inside a transaction that is rolled back: the tests
# below read what was printed and stored then, without rendering a PDF each. They are
# marked django_db all the same: pytest-django then runs them before the transactional
# tests, whose flush would leave no site (a data migration's rows) for the fixture.


@dataclass(frozen=True)
class Printed:
    pdf: bytes
    pages: list[str]  # each page's text, as extracted
    whole: str  # all pages, white space flattened
    record: ChecklistPrint


@dataclass(frozen=True)
class SignedWorld:
    english: Printed
    french: Printed
    by_monitor: Printed
    result: dict[str, Any]  # the signed evaluation's result document, read back from PostgreSQL
    evaluation_created_at: datetime.datetime
    signed_at: datetime.datetime
    answers: list[tuple[str, bool | None, str | None, datetime.datetime | None]]  # label, value, who, when
    evaluation_page: str
    command_output: str
    history_page: str
    date_of_birth: datetime.date | None


def _printed(client: Client, screening: Screening, **headers: str) -> Printed:
    pdf = _download(client, screening, **headers)
    pages = _pages(pdf)
    record = ChecklistPrint.objects.select_related("printed_by", "signature").latest("printed_at", "id")
    return Printed(pdf, pages, _flat("\n".join(pages)), record)


@pytest.fixture(scope="module")
def signed_world(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> SignedWorld:
    static_root = tmp_path_factory.mktemp("static")
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"], STATIC_ROOT=static_root),
        transaction.atomic(),
    ):
        coordinator, investigator = (
            make_user("coord.ipc", Role.COORDINATOR, "IPC"),
            make_user("inv.ipc", Role.INVESTIGATOR, "IPC"),
        )
        monitor = make_user("monitor", Role.MONITOR)
        document = json.loads((SHARED / "examples" / "eligible-ipc-0007.json").read_text())
        screening = services.screening_import(raw=document, by=coordinator).screening
        _sign(screening, investigator)
        client = Client()
        client.force_login(investigator)
        english = _printed(client, screening)
        french = _printed(client, screening, **{"Accept-Language": "fr-FR,fr;q=0.9"})
        evaluation = _latest(screening)
        evaluation_page = client.get(reverse("screening:evaluation", args=[screening.number, evaluation.pk]))
        client.force_login(monitor)
        by_monitor = _printed(client, screening)
        history_page = client.get(reverse("screening:history", args=[screening.number]))
        out = io.StringIO()
        call_command("checklist_hash", screening.number, stdout=out)
        world = SignedWorld(
            english=english,
            french=french,
            by_monitor=by_monitor,
            result=Evaluation.objects.get(pk=evaluation.pk).result_document,
            evaluation_created_at=evaluation.created_at,
            signed_at=screening.signatures.get().signed_at,
            answers=[
                (a.label, a.value, a.answered_by.username if a.answered_by else None, a.answered_at)
                for a in selectors.judgment_answers(screening)
            ],
            evaluation_page=evaluation_page.content.decode(),
            command_output=out.getvalue(),
            history_page=history_page.content.decode(),
            date_of_birth=screening.date_of_birth,
        )
        transaction.set_rollback(True)
    return world


def _local(when: datetime.datetime, form: str = "%Y-%m-%d %H:%M %Z") -> str:
    return timezone.localtime(when).strftime(form)


@pytest.mark.django_db
def test_signed_checklist_lists_every_criterion_once_in_spec_order_with_outcome_and_reason(
    signed_world: SignedWorld,
) -> None:
    whole, result = signed_world.english.whole, signed_world.result

    # Spec order is the order of the stored result (ruleset alter-v1): each id once.
    assert CRITERION_ID.findall(whole) == [c["id"] for c in result["criteria"]]
    assert len(result["criteria"]) == 32
    with translation.override("en"):
        for criterion in result["criteria"]:
            assert _squeezed(localized_reason(criterion)) in _squeezed(whole), criterion["id"]
    # Each row reads "<id> <title> <outcome> <reason>": the outcome is printed beside its id.
    assert "INC-05 ECOG performance status ≤ 1 pass ECOG performance status 1 ≤ 1" in whole
    assert "EXC-02 Uncontrolled or significant cardiovascular disease pass" in whole


@pytest.mark.django_db
def test_signed_checklist_names_the_trial_site_patient_and_evaluation(signed_world: SignedWorld) -> None:
    whole = signed_world.english.whole

    for expected in (
        "NCT07151586",
        "2025-521909-40-00",
        "UC-BCG-2503",
        "UNICANCER",
        "Sacituzumab-govitecan and Trastuzumab-deruxtecan",
        "IPC — Institut Paoli-Calmettes",
        "Screening number IPC-0007",
        "Initials MD",
        "Age at the assessment date 44 years",
        "Assessment date 2026-03-10",
        "Ruleset alter-v1",
        "Status eligible",
        "32 criteria: 0 not met, 0 with missing data",
    ):
        assert expected in whole, expected
    when = _local(signed_world.evaluation_created_at)
    assert f"evaluation 1 of 1, {when}, saved by Coord Test (coord.ipc)" in whole


@pytest.mark.django_db
def test_checklist_prints_the_values_that_decided_the_lab_row_as_entered_and_the_crcl(
    signed_world: SignedWorld,
) -> None:
    whole = signed_world.english.whole

    # The row used, with its value, unit and date as entered (not the canonical value).
    assert "Used: lab result no. 3: platelets 231 10⁹/L, on 2026-03-05" in whole
    assert "Used: lab result no. 4: total bilirubin 9 µmol/L, ULN 21, on 2026-03-05" in whole
    # Cockcroft-Gault with its inputs, and the creatinine row it was computed from.
    assert (
        "CrCl (Cockcroft-Gault) = [(140 − 44) × 63.5 kg] / [72 × 0.77 mg/dL] × 0.85 = 93.6 mL/min "
        "(female, age 44 y at the date of the creatinine result)"
    ) in whole
    assert "Creatinine used: lab result no. 8: creatinine 68 µmol/L, on 2026-03-05" in whole
    assert "Used: pregnancy test no. 1, negative, serum, on 2026-03-09" in whole
    assert "LVEF measured on 2026-03-03" in whole
    # The lab results of the evaluation, in entry order, each with its unit as entered.
    assert "8 creatinine 68 µmol/L 2026-03-05 used" in whole


@pytest.mark.django_db
def test_checklist_says_who_answered_each_judgment_and_when(signed_world: SignedWorld) -> None:
    whole = signed_world.english.whole

    assert len(signed_world.answers) == 10
    for label, value, who, when in signed_world.answers:
        assert who == "coord.ipc" and when is not None
        assert f"{label} {'yes' if value else 'no'} Coord Test (coord.ipc) · {_local(when)}" in whole
    # And beside each criterion a judgment decides.
    assert whole.count(f"Answered by Coord Test (coord.ipc) on {_local(signed_world.answers[0][3])}") == 10


@pytest.mark.django_db
def test_signature_manifestation_and_footer_on_every_page_and_never_the_date_of_birth(
    signed_world: SignedWorld,
) -> None:
    printed = signed_world.english
    pages = [_flat(page) for page in printed.pages]
    signed_at = _local(signed_world.signed_at)
    generated = _local(printed.record.printed_at)
    sha = _independent_sha256(signed_world.result)

    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        # 21 CFR 11.50: printed name, date and time with the time zone, meaning.
        assert f"Signed by Inv Test (inv.ipc) on {signed_at}. Meaning: eligibility confirmed." in page
        assert "NOT SIGNED" not in page and "DRAFT" not in page
        assert f"Page {number} of {len(pages)} · Generated {generated} by Inv Test (inv.ipc)" in page
        assert f"SHA-256 of the result document: {sha}" in page
    assert f"Printed name Inv Test (inv.ipc) Date and time {signed_at} Meaning eligibility confirmed" in printed.whole
    # The date of birth is in the stored documents, never on the paper: the age is.
    assert signed_world.date_of_birth == datetime.date(1981, 7, 14)
    for written in DATE_OF_BIRTH:
        assert written not in printed.whole
    metadata = pypdf.PdfReader(io.BytesIO(printed.pdf)).metadata or {}
    assert not any(written in str(value) for value in metadata.values() for written in DATE_OF_BIRTH)


@pytest.mark.django_db
def test_hash_on_the_checklist_matches_the_stored_result_document(signed_world: SignedWorld) -> None:
    # The stored record read back from PostgreSQL (jsonb), hashed as the README says.
    sha = _independent_sha256(signed_world.result)

    printed = set(re.findall(r"SHA-256 of the result document: ([0-9a-f]{64})", signed_world.english.whole))
    assert printed == {sha} == {checklist.result_sha256(signed_world.result)}
    assert signed_world.english.record.result_sha256 == sha
    # The same on the evaluation's page, and from the command.
    assert f"SHA-256 of the result document, as its checklist prints it: {sha}" in text(signed_world.evaluation_page)
    assert signed_world.command_output.strip().endswith(f"printed now (signed): {sha}")


def test_canonical_json_is_sorted_compact_utf8() -> None:
    document = {"b": [1.0, 2400.0, {"z": None, "a": True}], "a": "0.4 × ULN ≥ µmol/L", "é": 1}

    assert checklist.canonical_json(document) == (
        '{"a":"0.4 × ULN ≥ µmol/L","b":[1.0,2400.0,{"a":true,"z":null}],"é":1}'.encode()
    )
    assert checklist.result_sha256(document) == hashlib.sha256(checklist.canonical_json(document)).hexdigest()


@pytest.mark.django_db
def test_checklist_hash_command_writes_the_canonical_bytes(
    signed_ipc: Screening, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    call_command("checklist_hash", signed_ipc.number, "--canonical", "1")

    written = capsysbinary.readouterr().out
    assert hashlib.sha256(written).hexdigest() == _independent_sha256(_latest(signed_ipc).result_document)


# --- French ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_french_checklist_uses_the_glossary_french_dates_and_decimal_commas(signed_world: SignedWorld) -> None:
    printed = signed_world.french
    pages = [_flat(page) for page in printed.pages]
    signed_at = _local(signed_world.signed_at, "%d/%m/%Y %H:%M %Z")

    assert CRITERION_ID.findall(printed.whole) == [c["id"] for c in signed_world.result["criteria"]]
    with translation.override("fr"):
        for criterion in signed_world.result["criteria"]:
            assert _squeezed(localized_reason(criterion)) in _squeezed(printed.whole), criterion["id"]
    for expected in (
        "Fiche d'éligibilité",
        "Critères d'inclusion",
        "Critères de non-inclusion",
        "Numéro de sélection IPC-0007",
        "Date de la visite de sélection 10/03/2026",
        "Code promoteur UC-BCG-2503",
        "Âge à la date de la visite de sélection 44 ans",
        "INC-05 PS ECOG ≤ 1 conforme",
        "[(140 − 44) × 63,5 kg] / [72 × 0,77 mg/dL] × 0,85 = 93,6 mL/min",
        "résultat biologique n° 2 : polynucléaires neutrophiles (PNN) 2,4 G/L, le 05/03/2026",
        "ALAT 25 UI/L, LSN 40, le 05/03/2026",
    ):
        assert expected in printed.whole, expected
    # The glossary's outcome words: "satisfait" would read backwards on a non-inclusion criterion.
    assert "satisfait" not in printed.whole
    for number, page in enumerate(pages, start=1):
        assert f"Signé par Inv Test (inv.ipc) le {signed_at}. Signification : éligibilité confirmée." in page
        assert f"Page {number} sur {len(pages)} · Générée le " in page
        assert f"SHA-256 du document de résultat : {_independent_sha256(signed_world.result)}" in page
    for written in DATE_OF_BIRTH:
        assert written not in printed.whole
    assert printed.record.language == "fr"


# --- drafts, and which evaluation is printed ---------------------------------------------


@pytest.mark.django_db
def test_unsigned_checklist_says_not_signed_draft_on_every_page(
    client: Client, coordinator_ipc: User, failure_ipc: Screening
) -> None:
    client.force_login(coordinator_ipc)
    pages = [_flat(page) for page in _pages(_download(client, failure_ipc))]
    whole = " ".join(pages)

    assert len(pages) >= 2
    for page in pages:
        assert "NOT SIGNED — DRAFT" in page
        assert "Signed by" not in page
    assert "INC-05 ECOG performance status ≤ 1 fail ECOG performance status 3 > 1" in whole
    assert "INC-07-ALB Albumin ≥ 2.5 g/dL missing No albumin result on or before 2026-03-12" in whole
    assert "32 criteria: 1 not met, 1 with missing data" in whole
    record = ChecklistPrint.objects.get()
    assert (record.signature, record.evaluation, record.printed_by) == (None, _latest(failure_ipc), coordinator_ipc)


@pytest.mark.django_db
def test_signed_checklist_prints_the_signed_evaluation_not_a_later_one(
    client: Client, investigator_ipc: User, signed_ipc: Screening
) -> None:
    signed = signed_ipc.signatures.get().evaluation
    # A later evaluation beside the signed one (no path of the app appends one to a locked
    # screening; the checklist must not rely on that).
    later = Evaluation.objects.create(
        screening=signed_ipc,
        ruleset=signed.ruleset,
        input_document=signed.input_document,
        result_document={**signed.result_document, "status": "incomplete"},
        status="incomplete",
        created_by=investigator_ipc,
    )
    client.force_login(investigator_ipc)

    whole = _flat("\n".join(_pages(_download(client, signed_ipc))))

    assert "evaluation 1 of 2" in whole and "Status eligible" in whole
    assert _independent_sha256(signed.result_document) in whole
    assert _independent_sha256(later.result_document) not in whole
    assert ChecklistPrint.objects.get().evaluation == signed


@pytest.mark.django_db
def test_after_an_unlock_the_checklist_is_a_draft_of_the_latest_evaluation(
    client: Client, coordinator_ipc: User, investigator_ipc: User, signed_ipc: Screening
) -> None:
    services.screening_unlock(screening=signed_ipc, by=investigator_ipc, reason="ECOG from the wrong visit")
    document = services.screening_document(screening=signed_ipc, with_version=True)
    document["ecog"] = 0
    services.screening_import(raw=document, by=coordinator_ipc, reason="ECOG reassessed")
    signed_ipc.refresh_from_db()
    client.force_login(investigator_ipc)

    pages = [_flat(page) for page in _pages(_download(client, signed_ipc))]
    whole = " ".join(pages)

    assert all("NOT SIGNED — DRAFT" in page for page in pages)
    assert "evaluation 2 of 2" in whole and "ECOG performance status 0 ≤ 1" in whole
    assert ChecklistPrint.objects.get().evaluation == _latest(signed_ipc)


# The audit trail's time is the transaction's: each save must commit for its own time, and
# the sites come from a data migration (serialized_rollback restores them afterwards).
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_judgments_of_an_evaluation_are_those_it_was_made_of(
    coordinator_ipc: User, investigator_ipc: User, screening_ipc: Screening
) -> None:
    """A later change of a judgment does not rewrite who answered it on an older evaluation."""
    first = _latest(screening_ipc)
    document = services.screening_document(screening=screening_ipc, with_version=True)
    document["judgment"]["significant_cardiovascular_disease"] = True
    services.screening_import(raw=document, by=investigator_ipc, reason="cardiology letter received")
    screening_ipc.refresh_from_db()

    then = {a.field: a for a in selectors.judgment_answers(screening_ipc, evaluation=first)}
    now = {a.field: a for a in selectors.judgment_answers(screening_ipc)}

    assert (
        then["significant_cardiovascular_disease"].value,
        then["significant_cardiovascular_disease"].answered_by,
    ) == (False, coordinator_ipc)
    assert (now["significant_cardiovascular_disease"].value, now["significant_cardiovascular_disease"].answered_by) == (
        True,
        investigator_ipc,
    )
    assert then["social_security_affiliation"] == now["social_security_affiliation"]


# --- the record of the download -------------------------------------------------------


@pytest.mark.django_db
def test_signed_checklist_is_reproducible_apart_from_the_generated_line(signed_world: SignedWorld) -> None:
    def without_generated(pages: list[str]) -> list[list[str]]:
        return [[line for line in page.splitlines() if " · Generated " not in line] for page in pages]

    first, second = signed_world.english.pages, signed_world.by_monitor.pages
    assert without_generated(first) == without_generated(second)
    assert first != second  # the generated line names who printed it
    assert "by Monitor Test (monitor)" in signed_world.by_monitor.whole


@pytest.mark.django_db
def test_each_download_is_recorded_and_shown_in_the_history(signed_world: SignedWorld) -> None:
    records = [signed_world.english.record, signed_world.french.record, signed_world.by_monitor.record]

    assert [(r.printed_by.username, r.language, r.signature is not None) for r in records] == [
        ("inv.ipc", "en", True),
        ("inv.ipc", "fr", True),
        ("monitor", "en", True),
    ]
    assert len({r.evaluation_id for r in records}) == 1
    page = signed_world.history_page
    table = " ".join(text(page[page.index('data-testid="history-checklists"') :].split("</table>")[0]).split())
    # Newest first: who printed which evaluation, signed or draft, in which language, the hash printed.
    for record in reversed(records):
        who = record.printed_by.get_full_name()
        assert (
            f"{_local(record.printed_at, '%Y-%m-%d %H:%M %Z')} {who} evaluation 1 of 1 signed "
            f"{record.language} {record.result_sha256}"
        ) in table


@pytest.mark.django_db
@pytest.mark.parametrize("change", ["save", "update", "delete"])
def test_checklist_prints_are_append_only(investigator_ipc: User, signed_ipc: Screening, change: str) -> None:
    record = ChecklistPrint.objects.create(
        screening=signed_ipc,
        evaluation=_latest(signed_ipc),
        language="en",
        result_sha256="0" * 64,
        printed_by=investigator_ipc,
        printed_at=timezone.now(),
    )

    with (
        pytest.raises(DatabaseError, match=r"pgtrigger: Cannot update or delete rows from screening_"),
        transaction.atomic(),
    ):
        if change == "save":
            record.language = "fr"
            record.save()
        elif change == "update":
            ChecklistPrint.objects.filter(pk=record.pk).update(printed_by=signed_ipc.created_by)
        else:
            record.delete()

    assert ChecklistPrint.objects.get().language == "en"


@pytest.mark.django_db
def test_refused_downloads_record_nothing(client: Client, coordinator_igr: User, signed_ipc: Screening) -> None:
    client.force_login(coordinator_igr)
    assert client.get(reverse("screening:checklist", args=[signed_ipc.number])).status_code == 404
    client.logout()
    response = client.get(reverse("screening:checklist", args=[signed_ipc.number]))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert not ChecklistPrint.objects.exists()


@pytest.mark.django_db
def test_screening_and_sign_off_pages_offer_the_checklist(
    client: Client, investigator_ipc: User, screening_ipc: Screening
) -> None:
    client.force_login(investigator_ipc)
    url = reverse("screening:checklist", args=[screening_ipc.number])
    for page in ("screening:detail", "screening:sign"):
        content = client.get(reverse(page, args=[screening_ipc.number])).content.decode()
        assert f'href="{url}"' in content and "Checklist (PDF, draft)" in content
    _sign(screening_ipc, investigator_ipc)
    content = client.get(reverse("screening:detail", args=[screening_ipc.number])).content.decode()
    assert f'href="{url}"' in content and "Signed checklist (PDF)" in content


# --- how it is made: no network, Debian's fonts, page 1 as a picture --------------------


def test_the_pdf_fetches_nothing_but_the_apps_static_files(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.css"
    outside.write_text("body { color: red }")
    for url in (
        "https://cdn.example.org/bootstrap.css",
        "http://127.0.0.1:8000/static/x.css",
        outside.as_uri(),
        "file:///etc/passwd",
    ):
        with pytest.raises(FatalURLFetchingError):
            checklist.render_pdf(f'<html><head><link rel="stylesheet" href="{url}"></head><body>x</body></html>')
    # The app's own static files are read from the disk.
    assert checklist.render_pdf('<html><body><img src="screening/favicon.svg"></body></html>').startswith(b"%PDF")


@pytest.mark.django_db
def test_page_one_as_a_picture_with_debian_fonts(signed_world: SignedWorld, tmp_path: Path) -> None:
    pdf = signed_world.english.pdf
    fonts = {
        str(font.get_object()["/BaseFont"]).partition("+")[2]
        for page in pypdf.PdfReader(io.BytesIO(pdf)).pages
        for font in page["/Resources"]["/Font"].values()
    }
    # fonts-dejavu-core, found through fontconfig: nothing else is embedded.
    assert fonts and all(name.startswith("DejaVu") for name in fonts), fonts

    pdftoppm = shutil.which("pdftoppm")
    assert pdftoppm is not None, "pdftoppm (Debian poppler-utils) is needed: .ci/run installs it"
    source = tmp_path / "checklist.pdf"
    source.write_bytes(pdf)
    # Debian's pdftoppm on our own file, fixed arguments: page 1 at 80 dpi.
    command = [
        pdftoppm,
        "-png",
        "-r",
        "80",
        "-f",
        "1",
        "-l",
        "1",
        "-singlefile",
        str(source),
        str(tmp_path / "checklist"),
    ]
    subprocess.run(command, check=True, timeout=60)  # noqa: S603
    picture = (tmp_path / "checklist.png").read_bytes()
    assert picture.startswith(b"\x89PNG")
    width, height = int.from_bytes(picture[16:20], "big"), int.from_bytes(picture[20:24], "big")
    assert abs(height / width - 297 / 210) < 0.01  # A4 portrait
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "checklist.png").write_bytes(picture)
