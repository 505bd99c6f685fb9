"""What changes screenings (screening/services.py), and ``manage.py screen --save``, which
stores documents through the same service as the web form and the JSON import."""

from __future__ import annotations

import copy
import io
import json
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from screening import exchange, services
from screening.models import Evaluation, LabResult, Screening, Site, User
from tests.web.conftest import igr_document, stored_state


def _parsed(document: dict[str, Any]) -> exchange.ScreeningDocument:
    return exchange.parse_screening(document, today=timezone.localdate(), known_sites=services.known_site_codes())


# --- screening_save ----------------------------------------------------------------------


@pytest.mark.django_db
def test_each_save_appends_an_evaluation_of_the_stored_document(
    coordinator_ipc: User, example_document: dict[str, Any]
) -> None:
    first = services.screening_save(
        screening=None, document=_parsed(example_document), expected_version=None, by=coordinator_ipc
    )
    screening = first.screening
    changed = {**example_document, "ecog": 2}
    second = services.screening_save(
        screening=screening,
        document=_parsed(changed),
        expected_version=1,
        by=coordinator_ipc,
        reason="ECOG reassessed at the visit",
    )

    screening.refresh_from_db()
    assert list(screening.evaluations.all()) == [second, first]
    for evaluation in (first, second):
        assert evaluation.ruleset == "alter-v1"
        assert evaluation.result_document["ruleset"] == "alter-v1"
        assert evaluation.result_document["status"] == evaluation.status
        assert evaluation.result_document["screening_id"] == screening.number
        assert evaluation.created_by == coordinator_ipc
    assert second.input_document == services.screening_document(screening=screening)
    assert first.input_document["ecog"] == 1 and second.input_document["ecog"] == 2
    assert (first.status, second.status, screening.status) == ("eligible", "ineligible", "ineligible")
    assert (screening.failed_count, screening.missing_count) == (1, 0)
    assert screening.version == 2


@pytest.mark.django_db
def test_save_numbers_screenings_per_site_from_the_counter(
    coordinator_ipc: User, coordinator_igr: User, example_document: dict[str, Any]
) -> None:
    document = {**example_document, "screening_id": None}
    numbers = [
        services.screening_save(screening=None, document=_parsed(doc), expected_version=None, by=by).screening.number
        for doc, by in [
            (document, coordinator_ipc),
            (igr_document(document, screening_id=None), coordinator_igr),
            (document, coordinator_ipc),
        ]
    ]

    assert numbers == ["IPC-0001", "IGR-0001", "IPC-0002"]
    assert dict(Site.objects.values_list("code", "last_screening_sequence")) == {"IPC": 2, "IGR": 1}


@pytest.mark.django_db
def test_save_based_on_an_old_version_stores_nothing(
    coordinator_ipc: User, investigator_ipc: User, screening_ipc: Screening, example_document: dict[str, Any]
) -> None:
    services.screening_save(
        screening=screening_ipc,
        document=_parsed({**example_document, "ecog": 0}),
        expected_version=1,
        by=investigator_ipc,
        reason="ECOG reassessed",
    )
    before = stored_state()

    # A reason is given: the refusal is for the version alone, and names who saved in between.
    with pytest.raises(
        services.StaleScreening,
        match=r"IPC-0007 was saved by Inv Test at .* \(now version 2\) "
        r"after the version 1 this change started from",
    ):
        services.screening_save(
            screening=screening_ipc,
            document=_parsed({**example_document, "ecog": 2}),
            expected_version=1,
            by=coordinator_ipc,
            reason="ECOG reassessed",
        )

    assert stored_state() == before


@pytest.mark.django_db
def test_save_keeps_unchanged_rows_and_appends_new_ones(
    coordinator_ipc: User, screening_ipc: Screening, example_document: dict[str, Any]
) -> None:
    """Registry: "The most recent results available must be used" - the older result is kept."""
    rows_before = list(LabResult.objects.filter(screening=screening_ipc).order_by("id").values())
    document = copy.deepcopy(example_document)
    document["labs"].append({"test": "creatinine", "value": 3.4, "unit": "mg/dL", "date": "2026-03-09"})

    evaluation = services.screening_save(
        screening=screening_ipc, document=_parsed(document), expected_version=1, by=coordinator_ipc
    )

    rows_after = list(LabResult.objects.filter(screening=screening_ipc).order_by("id").values())
    assert rows_after[:8] == rows_before
    assert (rows_after[8]["value"], rows_after[8]["value_canonical"]) == (3.4, 3.4)
    assert evaluation.result_document["failed"] == ["INC-07-CRCL"]


@pytest.mark.django_db
def test_lab_value_is_stored_as_entered_beside_its_canonical_value(screening_ipc: Screening) -> None:
    creatinine = LabResult.objects.get(screening=screening_ipc, test="creatinine")
    alt = LabResult.objects.get(screening=screening_ipc, test="alt")

    # The canonical value is the exact quotient 68 / 88.4, stored as the nearest float.
    exact = float(Fraction(68) / Fraction("88.4"))
    assert (creatinine.value, creatinine.unit, creatinine.value_canonical) == (68, "umol/L", exact)
    assert (alt.value, alt.unit, alt.uln, alt.value_canonical) == (25, "U/L", 40, 0.625)


# --- screening_import --------------------------------------------------------------------


@pytest.mark.django_db
def test_import_refuses_a_site_the_user_cannot_enter(coordinator_ipc: User, example_document: dict[str, Any]) -> None:
    with pytest.raises(exchange.RefusedDocument) as refused:
        services.screening_import(raw=igr_document(example_document), by=coordinator_ipc, allowed_sites={"IPC"})

    assert refused.value.errors == [exchange.DocumentError("/site", "you cannot enter screenings for IGR")]
    assert not Screening.objects.exists()


@pytest.mark.django_db
def test_import_by_screening_id_creates_then_updates_only_from_its_record_version(
    coordinator_ipc: User, example_document: dict[str, Any]
) -> None:
    """A document without a version may create a screening, never overwrite one (issue 8)."""
    created = services.screening_import(raw=json.dumps(example_document), by=coordinator_ipc)
    after_create = stored_state()

    with pytest.raises(services.VersionRequired, match="IPC-0007 already exists"):
        services.screening_import(
            raw=json.dumps({**example_document, "ecog": 0}), by=coordinator_ipc, reason="ECOG reassessed"
        )
    assert stored_state() == after_create

    export = services.screening_document(screening=created.screening, with_version=True)
    updated = services.screening_import(
        raw=json.dumps({**export, "ecog": 0}), by=coordinator_ipc, reason="ECOG reassessed"
    )

    screening = Screening.objects.get()
    assert created.screening == updated.screening == screening
    assert (screening.number, screening.ecog, screening.version) == ("IPC-0007", 0, 2)
    assert screening.site.last_screening_sequence == 7


# --- manage.py screen --save ---------------------------------------------------------------


def _screen_save(
    *files: Path, user: str | None = "coord.ipc", reason: str | None = None
) -> tuple[list[dict[str, Any]], int]:
    """(the JSON lines printed, exit status) of ``manage.py screen --save --user USER [--reason TEXT] files``."""
    out = io.StringIO()
    options: dict[str, Any] = {"save": True, "stdout": out, "stderr": io.StringIO()}
    if user is not None:
        options["user"] = user
    if reason is not None:
        options["reason"] = reason
    try:
        call_command("screen", *map(str, files), **options)
    except CommandError as error:
        return [json.loads(line) for line in out.getvalue().splitlines()], error.returncode
    return [json.loads(line) for line in out.getvalue().splitlines()], 0


def _write(tmp_path: Path, name: str, document: dict[str, Any]) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document))
    return path


@pytest.mark.django_db
def test_screen_save_stores_a_screening_with_its_evaluation(
    tmp_path: Path, coordinator_ipc: User, example_document: dict[str, Any]
) -> None:
    lines, status = _screen_save(_write(tmp_path, "ipc-0007.json", example_document))

    screening = Screening.objects.get()
    evaluation = screening.evaluations.get()
    assert status == 0
    assert lines == [evaluation.result_document]
    assert (screening.number, screening.status, screening.created_by) == ("IPC-0007", "eligible", coordinator_ipc)
    assert evaluation.input_document == example_document
    assert LabResult.objects.filter(screening=screening).count() == 8


@pytest.mark.django_db
def test_screen_save_updates_the_screening_named_by_its_id_from_its_export(
    tmp_path: Path, coordinator_ipc: User, investigator_ipc: User, screening_ipc: Screening
) -> None:
    """The export carries record_version 1, the version the change starts from; ECOG 1 → 3 needs a reason."""
    export = services.screening_document(screening=screening_ipc, with_version=True)
    lines, status = _screen_save(
        _write(tmp_path, "ipc-0007.json", {**export, "ecog": 3}), user="inv.ipc", reason="ECOG reassessed"
    )

    screening_ipc.refresh_from_db()
    assert status == 0
    assert lines[0]["status"] == "ineligible"
    assert Screening.objects.count() == 1
    assert (screening_ipc.ecog, screening_ipc.version, screening_ipc.updated_by) == (3, 2, investigator_ipc)
    assert screening_ipc.evaluations.count() == 2


@pytest.mark.django_db
def test_screen_save_of_a_document_without_record_version_does_not_overwrite(
    tmp_path: Path,
    coordinator_ipc: User,
    investigator_ipc: User,
    screening_ipc: Screening,
    example_document: dict[str, Any],
) -> None:
    """A document without a version may create a screening, never overwrite one (issue 8)."""
    before = stored_state()

    lines, status = _screen_save(
        _write(tmp_path, "ipc-0007.json", {**example_document, "ecog": 3}), user="inv.ipc", reason="ECOG reassessed"
    )

    assert status == 2
    assert [e["path"] for e in lines[0]["errors"]] == ["/record_version"]
    assert stored_state() == before


@pytest.mark.django_db
def test_screen_save_refused_document_exits_2_and_stores_nothing(
    tmp_path: Path, coordinator_ipc: User, screening_ipc: Screening, example_document: dict[str, Any]
) -> None:
    good = _write(tmp_path, "new.json", {**example_document, "screening_id": "IPC-0010"})
    refused_update = copy.deepcopy(example_document)
    refused_update["labs"][7]["unit"] = "mg/dl"
    refused_update["patient"]["initials"] = "ZZ"
    bad = _write(tmp_path, "bad.json", refused_update)
    before = stored_state()

    lines, status = _screen_save(bad, good)

    assert status == 2
    assert lines[0] == {
        "format": "alter-screening-result/1",
        "file": str(bad),
        "errors": [
            {
                "path": "/labs/7/unit",
                "message": "unit 'mg/dl' is not accepted for creatinine; did you mean mg/dL? "
                "accepted: mg/dL, umol/L, µmol/L",
            }
        ],
    }
    # The refused document changed nothing; the valid one after it was still stored.
    assert lines[1]["screening_id"] == "IPC-0010"
    screening_ipc.refresh_from_db()
    assert (screening_ipc.initials, screening_ipc.version) == ("MD", 1)
    assert Screening.objects.count() == 2
    assert Evaluation.objects.count() == before["evaluations"] + 1


@pytest.mark.django_db
def test_screen_save_refuses_a_document_of_another_sites_number(
    tmp_path: Path, coordinator_igr: User, screening_ipc: Screening, example_document: dict[str, Any]
) -> None:
    before = stored_state()

    lines, status = _screen_save(
        _write(tmp_path, "igr.json", igr_document(example_document, screening_id="IPC-0007")), user="coord.igr"
    )

    assert status == 2
    assert [e["path"] for e in lines[0]["errors"]] == ["/screening_id"]
    assert stored_state() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("user", "message"),
    [
        (None, "--save needs --user USERNAME"),
        ("nobody", "no active user 'nobody'"),
    ],
)
def test_screen_save_needs_a_known_user(
    tmp_path: Path, example_document: dict[str, Any], user: str | None, message: str
) -> None:
    with pytest.raises(CommandError, match=message):
        call_command(
            "screen",
            str(_write(tmp_path, "d.json", example_document)),
            save=True,
            stdout=io.StringIO(),
            **({"user": user} if user else {}),
        )

    assert not Screening.objects.exists()
