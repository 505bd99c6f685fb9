"""The demo and load-test seeding commands (screening/management/commands/seed_*.py)."""

from __future__ import annotations

import fnmatch
import os
import subprocess
import sys
import tomllib
from io import StringIO
from pathlib import Path
from urllib.parse import quote

import pytest
import setuptools
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from pytest_django.fixtures import Settings

from screening import exchange, services
from screening.fhir.labs import labs_from_fhir
from screening.management.commands.seed_demo import DEMO_PASSWORD, DEMO_SCREENINGS, DEMO_USERS
from screening.models import Evaluation, LabResult, LabResultSource, Role, Screening, Site, SiteMembership, User
from screening.rules import units
from screening.rules.ruleset import evaluate
from screening.selectors import labs_on_file, patient_on_file
from tests.conftest import REPO_ROOT


@pytest.fixture(autouse=True)
def _fast_hasher(settings: Settings) -> None:
    # The demo passwords are hashed on every run: the default hasher is slow on purpose.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _counts() -> dict[str, int]:
    return {
        "users": User.objects.count(),
        "memberships": SiteMembership.objects.count(),
        "screenings": Screening.objects.count(),
        "evaluations": Evaluation.objects.count(),
        "labs": LabResult.objects.count(),
    }


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_evaluates_every_screening() -> None:
    call_command("seed_demo", stdout=StringIO())
    first = _counts()
    out = StringIO()
    call_command("seed_demo", stdout=out)

    assert _counts() == first
    assert first["users"] == len(DEMO_USERS)
    assert first["screenings"] == len(DEMO_SCREENINGS)
    # One evaluation per save: the screening entered incomplete, then completed, has two.
    assert first["evaluations"] == len(DEMO_SCREENINGS) + sum(1 for d in DEMO_SCREENINGS if d.first_entry)
    for demo in DEMO_USERS:
        assert f"{demo.username:<10} / {DEMO_PASSWORD}" in out.getvalue()


@pytest.mark.django_db
def test_seed_demo_screenings_show_each_status_through_the_services() -> None:
    call_command("seed_demo", stdout=StringIO())

    statuses = {(s.site.code, s.initials): s.status for s in Screening.objects.select_related("site")}
    assert statuses == {(d.site, d.initials): d.expected_status for d in DEMO_SCREENINGS}
    assert {"IPC", "IGR"} == {site for site, _ in statuses}
    ineligible = Evaluation.objects.filter(status="ineligible").order_by("screening__number")
    assert [e.result_document["failed"] for e in ineligible] == [["INC-07-PLT"], ["INC-07-CRCL"]]
    for screening in Screening.objects.all():
        latest = screening.evaluations.first()
        assert latest is not None and latest.status == screening.status
        # The evaluation stores the document of the rows, as the service builds it.
        assert latest.input_document == services.screening_document(screening=screening)


@pytest.mark.django_db
def test_seed_demo_users_roles_sites_and_password() -> None:
    call_command("seed_demo", stdout=StringIO())

    def sites(username: str) -> set[str]:
        return set(SiteMembership.objects.filter(user__username=username).values_list("site__code", flat=True))

    assert User.objects.get(username="coord.ipc").role == Role.COORDINATOR
    assert sites("coord.ipc") == {"IPC"}
    assert sites("coord.igr") == {"IGR"}
    assert User.objects.get(username="inv.ipc").role == Role.INVESTIGATOR
    assert sites("monitor") == set(Site.objects.values_list("code", flat=True))
    admin = User.objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser
    assert all(user.check_password(DEMO_PASSWORD) for user in User.objects.all())


@pytest.mark.django_db
def test_seed_screenings_stores_what_a_re_evaluation_gives() -> None:
    out = StringIO()
    call_command("seed_screenings", count=30, batch_size=7, jobs=1, stdout=out)

    screenings = list(Screening.objects.select_related("site").order_by("site__code", "sequence"))
    assert len(screenings) == 30
    assert "created 30 screenings" in out.getvalue()
    for site in Site.objects.all():
        sequences = [s.sequence for s in screenings if s.site_id == site.pk]
        # Numbered from the site's counter, without gaps, and the counter moved past them.
        assert sequences == list(range(1, len(sequences) + 1))
        assert site.last_screening_sequence == len(sequences)
        assert all(s.number == f"{site.code}-{s.sequence:04d}" for s in screenings if s.site_id == site.pk)
    for screening in screenings:
        (evaluation,) = screening.evaluations.all()
        # The stored input is exactly the document of the stored rows...
        assert evaluation.input_document == services.screening_document(screening=screening)
        # ...and evaluating it again gives the stored result and status.
        again = evaluate(
            exchange.parse_screening(
                evaluation.input_document, today=timezone.localdate(), known_sites=services.known_site_codes()
            )
        )
        assert again.status == evaluation.status == screening.status
        result = exchange.as_json_data(exchange.result_document(again, screening_id=screening.number))
        assert result == evaluation.result_document
        assert (screening.failed_count, screening.missing_count) == (len(again.failed), len(again.missing))
    for lab in LabResult.objects.all():
        assert lab.value_canonical == units.to_canonical(lab.test, lab.value, lab.unit, lab.uln)
    assert len({s.status for s in screenings}) > 1, "the generator should vary the statuses"


@pytest.mark.django_db
def test_seed_screenings_on_one_site_continues_its_numbers() -> None:
    call_command("seed_demo", stdout=StringIO())  # IGR-0001..0003 exist
    call_command("seed_screenings", count=5, sites=["IGR"], jobs=1, stdout=StringIO())

    seeded = Screening.objects.filter(created_by__username="loadtest").order_by("sequence")
    assert [s.number for s in seeded] == ["IGR-0004", "IGR-0005", "IGR-0006", "IGR-0007", "IGR-0008"]
    assert Site.objects.get(code="IGR").last_screening_sequence == 8


# Run as ``python -c``: the command as an installed copy of the application runs it, the
# repository's benchmarks/ and tests/ out of reach (neither is in the wheel nor in the
# Docker image, .dockerignore). Exit 3 if benchmarks/ could be imported all the same.
_WITHOUT_THE_REPOSITORY = """
import importlib.util, sys
from pathlib import Path
sys.path[:] = [p for p in sys.path if not (Path(p or ".") / "benchmarks").exists()]
if importlib.util.find_spec("benchmarks") is not None or importlib.util.find_spec("tests") is not None:
    sys.exit(3)
from django.core.management import execute_from_command_line
execute_from_command_line(["manage.py", *sys.argv[1:]])
"""


# The sites come from a data migration: serialized_rollback restores them after the flush.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_seed_screenings_runs_without_the_repositorys_benchmarks(tmp_path: Path) -> None:
    # Only the application's packages where the command runs (as in site-packages, or /app).
    for package in ("alter", "screening"):
        (tmp_path / package).symlink_to(REPO_ROOT / package, target_is_directory=True)
    db = connection.settings_dict
    url = f"postgres://{quote(db['USER'])}:{quote(db['PASSWORD'])}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "alter.settings", "PYTHONPATH": ""}

    result = subprocess.run(  # noqa: S603 - this Python, fixed arguments
        [sys.executable, "-c", _WITHOUT_THE_REPOSITORY, "seed_screenings", "--count", "3", "--jobs", "1"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert "created 3 screenings" in result.stdout
    assert Screening.objects.filter(created_by__username="loadtest").count() == 3


def test_the_document_generator_is_in_the_wheel_and_the_image() -> None:
    find = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]
    packages = setuptools.find_packages(where=str(REPO_ROOT), include=find["include"])
    ignored = [line.strip() for line in (REPO_ROOT / ".dockerignore").read_text().splitlines()]
    patterns = [line for line in ignored if line and not line.startswith("#")]

    assert "screening.testing" in packages and "benchmarks" not in packages
    # The image copies the repository less .dockerignore's paths: none of them is the generator's.
    for path in ("screening", "screening/testing", "screening/testing/documents.py"):
        assert not [pattern for pattern in patterns if fnmatch.fnmatch(path, pattern)], path


@pytest.mark.django_db
def test_seed_demo_writes_a_fhir_file_the_demo_screening_imports(tmp_path: Path) -> None:
    """docs/demo-fhir-labs.json: the eight lab results of the demo screening without any,
    three Observations skipped, the AST without a ULN to type; approved, she is eligible."""
    path = tmp_path / "demo-fhir-labs.json"
    call_command("seed_demo", fhir_file=str(path), stdout=StringIO())
    screening = Screening.objects.get(initials="LF")
    assert screening.status == "incomplete"

    result = labs_from_fhir(
        path.read_bytes(),
        today=timezone.localdate(),
        zone=timezone.get_default_timezone(),
        on_file=labs_on_file(screening),
        patient=patient_on_file(screening),
    )

    assert sorted(p.test for p in result.proposed) == sorted(units.LAB_UNITS)
    assert [(s.observation, s.code) for s in result.skipped] == [
        ("demo-creat-copy", "duplicate"),
        ("demo-hb-prelim", "not_final"),
        ("demo-na", "not_a_screening_test"),
    ]
    assert [p.test for p in result.proposed if p.uln is None and p.test in ("alt", "ast", "total_bilirubin")] == ["ast"]
    coordinator = User.objects.get(username="coord.ipc")
    labs = [
        services.ApprovedLab(
            test=p.test,
            value=p.value,
            unit=p.unit,
            date=p.date,
            uln=40 if p.test == "ast" else p.uln,
            observation=p.source.observation,
            loinc=p.source.loinc,
            value_received=str(p.source.value),
            unit_received=p.source.unit,
            origin_kind="file",
            origin=path.name,
        )
        for p in result.proposed
    ]
    evaluation = services.screening_add_lab_results(
        screening=screening, labs=labs, expected_version=screening.version, by=coordinator
    )
    assert evaluation.status == "eligible"
    assert LabResultSource.objects.filter(screening=screening).count() == 8
    # Re-run: the same file again, nothing else changes.
    call_command("seed_demo", fhir_file=str(path), stdout=StringIO())
    assert LabResultSource.objects.filter(screening=screening).count() == 8
