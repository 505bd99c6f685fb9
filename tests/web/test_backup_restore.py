"""Backup and restore as docs/operations.md describes them: `pg_dump --format=custom`,
then `pg_restore --clean --if-exists --no-owner` into a fresh database, and the checks to
make after a restore: the same rows, the protections still in place, and every stored
evaluation reproduced by re-evaluating its input document with its ruleset.
"""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
import pytest
from django.db import connection
from django.utils import timezone
from psycopg import sql

from screening import exchange, services
from screening.models import Evaluation, Screening, User
from tests.conftest import REPO_ROOT
from tests.web.conftest import igr_document

# The options docs/operations.md gives; the test runs exactly these.
DUMP_OPTIONS = ["--format=custom"]
RESTORE_OPTIONS = ["--clean", "--if-exists", "--no-owner", "--single-transaction"]


def _connect(dbname: str, **options: Any) -> psycopg.Connection[Any]:
    s = connection.settings_dict
    return psycopg.connect(
        dbname=dbname, user=s["USER"], password=s["PASSWORD"], host=s["HOST"] or None, port=s["PORT"] or None, **options
    )


def _client(name: str) -> str:
    """The PostgreSQL client of the server's major version (Debian installs each under its
    own directory; /usr/bin/pg_dump is a wrapper that may pick another)."""
    major = connection.cursor().connection.info.server_version // 10_000
    versioned = Path(f"/usr/lib/postgresql/{major}/bin/{name}")
    found = str(versioned) if versioned.exists() else shutil.which(name)
    assert found is not None, f"{name} is not installed (apt-get install postgresql-client-{major})"
    return found


def _pg(name: str, *args: str) -> None:
    s = connection.settings_dict
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PGPASSWORD": s["PASSWORD"]}
    connect = ["--host", s["HOST"] or "localhost", "--port", str(s["PORT"] or 5432), "--username", s["USER"]]
    result = subprocess.run(  # noqa: S603 - our own fixed client binaries and arguments
        [_client(name), *connect, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, f"{name} failed:\n{result.stderr}"


@pytest.fixture
def fresh_database() -> Iterator[str]:
    """An empty database beside the test database, dropped afterwards."""
    name = f"{connection.settings_dict['NAME']}_restore_{uuid.uuid4().hex[:8]}"
    with _connect("postgres", autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield name
    finally:
        _drop(name)


def _drop(name: str) -> None:
    """Drop the restored database. An autovacuum worker may still be analysing the rows just
    restored, and the owner role may not terminate it (FORCE): wait for it, briefly."""
    for _attempt in range(60):
        try:
            with _connect("postgres", autocommit=True) as admin:
                admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            return
        except psycopg.errors.InsufficientPrivilege:
            time.sleep(0.5)
    raise AssertionError(f"could not drop {name}: a session that cannot be terminated stays connected")


def _verify_evaluations(dbname: str) -> tuple[int, str]:
    """``manage.py verify_evaluations`` run against the database ``dbname``, as the owner: its
    exit status and output."""
    s = connection.settings_dict
    url = (
        f"postgres://{quote(s['USER'])}:{quote(s['PASSWORD'])}@{s['HOST'] or 'localhost'}:{s['PORT'] or 5432}/{dbname}"
    )
    result = subprocess.run(  # noqa: S603 - this Python and manage.py, fixed arguments
        [sys.executable, str(REPO_ROOT / "manage.py"), "verify_evaluations"],
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode in {0, 1}, f"verify_evaluations failed:\n{result.stdout}{result.stderr}"
    return result.returncode, result.stdout


def _save(document: dict[str, Any], *, screening: Screening | None, by: User, reason: str = "") -> Evaluation:
    parsed = exchange.parse_screening(document, today=timezone.localdate(), known_sites=services.known_site_codes())
    version = None if screening is None else screening.version
    return services.screening_save(screening=screening, document=parsed, expected_version=version, by=by, reason=reason)


def _tables(conn: psycopg.Connection[Any]) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of the public schema, in a stable order."""
    names = [
        row[0] for row in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    ]
    return {
        name: sorted(conn.execute(sql.SQL("SELECT * FROM {}").format(sql.Identifier(name))).fetchall(), key=repr)
        for name in names
    }


def _triggers(conn: psycopg.Connection[Any]) -> list[tuple[str, str]]:
    return conn.execute("""
        SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
        WHERE NOT t.tgisinternal ORDER BY 1, 2""").fetchall()


def _sequences(conn: psycopg.Connection[Any]) -> list[tuple[str, int | None]]:
    return conn.execute(
        "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1"
    ).fetchall()


# The sites come from a data migration: serialized_rollback restores them for this test and
# for the transactional tests that run after it.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_restored_dump_holds_the_same_rows_and_reproduces_every_evaluation(
    coordinator_ipc: User, coordinator_igr: User, example_document: dict[str, Any], fresh_database: str, tmp_path: Path
) -> None:
    eligible = _save(example_document, screening=None, by=coordinator_ipc)
    _save(
        {**example_document, "ecog": 2},
        screening=eligible.screening,
        by=coordinator_ipc,  # ineligible
        reason="ECOG re-assessed at the screening visit",
    )
    incomplete = copy.deepcopy(example_document)
    incomplete["screening_id"] = None
    incomplete["labs"] = []
    _save(incomplete, screening=None, by=coordinator_ipc)
    _save(igr_document(example_document), screening=None, by=coordinator_igr)
    assert set(Evaluation.objects.values_list("status", flat=True)) == {"eligible", "ineligible", "incomplete"}

    dump = tmp_path / "alter.dump"
    _pg("pg_dump", *DUMP_OPTIONS, "--file", str(dump), connection.settings_dict["NAME"])
    _pg("pg_restore", *RESTORE_OPTIONS, "--dbname", fresh_database, str(dump))

    with _connect(connection.settings_dict["NAME"]) as original, _connect(fresh_database) as restored:
        original_rows = _tables(original)
        assert original_rows[Evaluation._meta.db_table], "nothing was saved"
        assert _tables(restored) == original_rows
        assert _sequences(restored) == _sequences(original)
        assert _triggers(restored) == _triggers(original)
        # The audit trail kept the reason for change with the correction.
        assert restored.execute(
            "SELECT count(*) FROM pghistory_context WHERE metadata->>'reason' = %s",
            ["ECOG re-assessed at the screening visit"],
        ).fetchone() == (1,)

        # Every evaluation, read back from the restored database alone, is what its ruleset
        # gives for its stored input document: the check docs/operations.md has the operator run.
        assert Evaluation.objects.count() == 4
        assert _verify_evaluations(fresh_database) == (
            0,
            "4 evaluations reproduced under their own ruleset (alter-v1 4); none differ\n",
        )

        # The protections came back with the rows: evaluations are still append-only.
        with pytest.raises(psycopg.errors.RaiseException), restored.transaction():
            restored.execute(
                sql.SQL("UPDATE {} SET status = 'eligible'").format(sql.Identifier(Evaluation._meta.db_table))
            )

        # The check read the restored database: an evaluation appended there alone, naming a
        # ruleset this installation does not know, is reported there and only there.
        with restored.transaction():
            restored.execute(
                sql.SQL(
                    "INSERT INTO {e} (screening_id, ruleset, input_document, result_document, status, created_at, "
                    "created_by_id) SELECT screening_id, 'alter-v9', input_document, result_document, status, "
                    "created_at, created_by_id FROM {e} ORDER BY id LIMIT 1"
                ).format(e=sql.Identifier(Evaluation._meta.db_table))
            )
    returncode, out = _verify_evaluations(fresh_database)
    assert (returncode, out.count("ruleset 'alter-v9' is not known here")) == (1, 1)
    assert _verify_evaluations(connection.settings_dict["NAME"])[0] == 0


def test_the_documented_restore_options_are_tested() -> None:
    # docs/operations.md gives the commands this module runs; a change to one must reach the other.
    operations = (Path(__file__).resolve().parents[2] / "docs" / "operations.md").read_text()
    assert f"pg_dump {' '.join(DUMP_OPTIONS)}" in operations
    assert f"pg_restore {' '.join(RESTORE_OPTIONS)}" in operations
