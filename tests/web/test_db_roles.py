"""The application's own database role cannot bypass the audit trail (docs/operations.md,
"Database roles"; screening/db_roles.py, migration 0008).

The tests connect as the runtime role (``DATABASE_RUNTIME_ROLE``), as the application does
in production, and try each bypass that worked with the application's credentials before
(issue 9): each is refused, and nothing of the record or its history changes. A plain
UPDATE is allowed and lands in the history. The application itself then runs a whole
sign-off cycle through its pages connected as that role, so its rights are enough.

The data are built with the services and committed (``transaction=True``), so that the
runtime role's own connection sees them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NamedTuple

import pgtrigger
import psycopg
import pytest
from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import reverse
from pghistory.models import Context, Event
from pytest_django.fixtures import Settings

from screening import db_roles, services
from screening.models import (
    Evaluation,
    LabResultSource,
    Screening,
    ScreeningEvent,
    Signature,
    Site,
    SiteEvent,
    Unlock,
    User,
)
from tests.conftest import PASSWORD
from tests.web.conftest import stored_state
from tests.web.formdata import form_data

# The tables the issue names append-only: read and appended to, never changed or deleted.
APPEND_ONLY_MODEL_TABLES = {
    "pghistory_context",
    "screening_evaluation",
    "screening_signature",
    "screening_unlock",
    "screening_saverequest",
    "screening_checklistprint",
    "screening_outcomechangereview",
}
ELIGIBLE = "eligibility_confirmed"
Connection = psycopg.Connection[Any]


def _runtime_connection(**options: Any) -> Connection:
    """A connection to the test database as the runtime role, in autocommit (each test opens
    its own transaction)."""
    s = connection.settings_dict
    role = settings.DATABASE_RUNTIME_ROLE
    try:
        return psycopg.connect(
            dbname=s["NAME"],
            user=role,
            password=settings.DATABASE_RUNTIME_PASSWORD,
            host=s["HOST"] or None,
            port=s["PORT"] or None,
            autocommit=True,
            **options,
        )
    except psycopg.OperationalError as error:
        pytest.fail(
            f"cannot connect as the runtime role {role!r} (scripts/postgres creates it; "
            f"DATABASE_RUNTIME_ROLE and DATABASE_RUNTIME_PASSWORD name it): {error}"
        )


@pytest.fixture
def runtime() -> Iterator[Connection]:
    with _runtime_connection() as conn:
        assert conn.execute("SELECT current_user").fetchone() == (settings.DATABASE_RUNTIME_ROLE,)
        yield conn


def _ignore_everything(conn: Connection) -> str:
    """The value of ``pgtrigger.ignore`` that names every django-pgtrigger trigger (pghistory's too)."""
    (names,) = conn.execute(
        "SELECT string_agg(DISTINCT tgname, ',') FROM pg_trigger WHERE tgname LIKE 'pgtrigger\\_%'"
    ).fetchone()
    assert names
    return "{" + names + "}"


@pytest.fixture
def records(investigator_ipc: User, screening_ipc: Screening, screening_igr: Screening) -> dict[str, Any]:
    """IPC-0007 signed by inv.ipc (locked), IGR-0003 open; what is stored, to compare after a refusal."""
    services.screening_sign(screening=screening_ipc, by=investigator_ipc, password=PASSWORD, meaning=ELIGIBLE)
    signed = Screening.objects.get(pk=screening_ipc.pk)
    assert signed.locked
    sign_context = Context.objects.get(metadata__action="sign")
    assert sign_context.metadata["user"] == investigator_ipc.pk
    return {"signed": signed.pk, "open": screening_igr.pk, "context": str(sign_context.pk)}


def _everything() -> dict[str, Any]:
    """What a refused statement must leave as it was: the web tests' snapshot, every field of
    every screening, the sign-off rows and the history with its contexts."""
    return {
        **stored_state(),
        "screenings": list(Screening.objects.order_by("pk").values()),
        "signatures": list(Signature.objects.order_by("pk").values()),
        "unlocks": list(Unlock.objects.order_by("pk").values()),
        "evaluations": list(Evaluation.objects.order_by("pk").values_list("pk", "status", "result_document")),
        "screening_events": list(ScreeningEvent.objects.order_by("pgh_id").values()),
        "contexts": list(Context.objects.order_by("pk").values()),
        "sites": list(Site.objects.order_by("pk").values()),
    }


class Bypass(NamedTuple):
    """Statements run first in the same transaction, the bypass, and the refusal it meets.

    In them %(ignore)s is the pgtrigger.ignore value naming every trigger, %(signed)s the
    locked screening, %(open)s the open one, %(context)s the signature's history context.
    """

    setup: list[str]
    statement: str
    refusal: tuple[type[Exception], str]
    name: str


SET_IGNORE = "SELECT set_config('pgtrigger.ignore', %(ignore)s, true)"
# The refusals: (error, what its message says).
DENIED = (psycopg.errors.InsufficientPrivilege, "^(permission denied|must be owner)")
IGNORE_REFUSED = (psycopg.errors.InsufficientPrivilege, "^pgtrigger.ignore is set .*only the owner of")
LOCKED = (psycopg.errors.RaiseException, "signed and locked")
LOCK_NEEDS_SIGNATURE = (psycopg.errors.RaiseException, "only a new signature locks")
UNLOCK_NEEDS_ROW = (psycopg.errors.RaiseException, "only an unlock, with its reason, of the latest signature")
CONTEXT_KEPT = (psycopg.errors.RaiseException, "a context only gains keys")
SITE_CODE_KEPT = (psycopg.errors.RaiseException, "the code of a site with screenings cannot change")
BYPASSES = [
    # pgtrigger.ignore set by the runtime role switches nothing off: the statement is refused.
    Bypass(
        [SET_IGNORE],
        "UPDATE screening_screening SET ecog = 3 WHERE id = %(signed)s",
        IGNORE_REFUSED,
        name="ignore-then-update-locked-screening",
    ),
    Bypass(
        [SET_IGNORE],
        "UPDATE screening_screening SET initials = 'ZZ' WHERE id = %(open)s",
        IGNORE_REFUSED,
        name="ignore-then-update-without-history",
    ),
    Bypass(
        [],
        "UPDATE screening_screening SET initials = 'ZZ' WHERE id = %(open)s "
        "AND set_config('pgtrigger.ignore', %(ignore)s, true) IS NOT NULL",
        IGNORE_REFUSED,
        name="ignore-set-by-the-where-clause",
    ),
    # Set after the rows are written, before pghistory's triggers run: the statement-level guard.
    Bypass(
        [],
        "UPDATE screening_screening SET initials = 'ZZ' WHERE id = %(open)s "
        "RETURNING set_config('pgtrigger.ignore', %(ignore)s, true)",
        IGNORE_REFUSED,
        name="ignore-set-by-returning",
    ),
    Bypass(
        [SET_IGNORE],
        "INSERT INTO screening_evaluation (screening_id, ruleset, input_document, "
        "result_document, status, created_at, created_by_id) SELECT screening_id, ruleset, "
        "input_document, result_document, status, now(), created_by_id "
        "FROM screening_evaluation LIMIT 1",
        IGNORE_REFUSED,
        name="ignore-then-insert",
    ),
    Bypass(
        [SET_IGNORE],
        "DELETE FROM screening_screening WHERE id = %(signed)s",
        DENIED,
        name="ignore-then-delete-signed-screening",
    ),
    Bypass(
        [SET_IGNORE],
        "DELETE FROM screening_evaluation WHERE screening_id = %(signed)s",
        DENIED,
        name="ignore-then-delete-evaluations",
    ),
    Bypass(
        [SET_IGNORE],
        "DELETE FROM screening_signature WHERE screening_id = %(signed)s",
        DENIED,
        name="ignore-then-delete-signatures",
    ),
    Bypass(
        [SET_IGNORE],
        "UPDATE screening_signature SET meaning = 'screen_failure_confirmed'",
        DENIED,
        name="ignore-then-update-signature",
    ),
    Bypass([], "SET session_replication_role = replica", DENIED, name="replica-mode-skips-triggers"),
    # No TRUNCATE, no ALTER (the runtime role owns nothing), no CREATE.
    *(
        Bypass([], f"TRUNCATE {table} CASCADE", DENIED, name=f"truncate-{table}")
        for table in (
            "screening_evaluation",
            "screening_signature",
            "screening_unlock",
            "screening_screening",
            "screening_screeningevent",
            "pghistory_context",
        )
    ),
    *(
        Bypass([], f"ALTER TABLE {table} DISABLE TRIGGER USER", DENIED, name=f"disable-triggers-{table}")
        for table in (
            "screening_screening",
            "screening_evaluation",
            "screening_signature",
            "screening_unlock",
            "screening_site",
        )
    ),
    Bypass(
        [], "DROP TRIGGER alter_screening_lock_follows_signature ON screening_screening", DENIED, name="drop-a-guard"
    ),
    Bypass([], "CREATE TABLE public.shadow (id int)", DENIED, name="create-in-the-schema"),
    Bypass(
        [],
        "CREATE FUNCTION public._pgtrigger_should_ignore(name NAME) RETURNS boolean LANGUAGE sql AS 'SELECT true'",
        DENIED,
        name="replace-the-ignore-function",
    ),
    # A temporary table named like a history table would take the history triggers' rows.
    Bypass(
        [],
        "CREATE TEMPORARY TABLE screening_screeningevent (LIKE public.screening_screeningevent)",
        DENIED,
        name="temporary-table-shadowing-the-history",
    ),
    Bypass([], "SELECT setval('screening_screening_id_seq', 1)", DENIED, name="rewind-a-sequence"),
    # The history: no UPDATE or DELETE of events; contexts only gain keys, never lose or change one.
    Bypass([], "UPDATE screening_screeningevent SET ecog = 0", DENIED, name="update-history-events"),
    Bypass([], "DELETE FROM screening_screeningevent", DENIED, name="delete-history-events"),
    Bypass([], "DELETE FROM screening_evaluation", DENIED, name="delete-evaluations"),
    Bypass([], "DELETE FROM screening_unlock", DENIED, name="delete-unlocks"),
    Bypass(
        [],
        "UPDATE pghistory_context SET metadata = jsonb_set(metadata, '{user}', '0') WHERE id = %(context)s",
        CONTEXT_KEPT,
        name="rewrite-who-made-a-change",
    ),
    Bypass(
        [],
        "UPDATE pghistory_context SET metadata = metadata - 'action' WHERE id = %(context)s",
        CONTEXT_KEPT,
        name="remove-a-context-key",
    ),
    Bypass(
        [], "UPDATE pghistory_context SET created_at = now() WHERE id = %(context)s", DENIED, name="redate-a-context"
    ),
    Bypass([], "DELETE FROM pghistory_context", DENIED, name="delete-contexts"),
    # Through pghistory's own upsert: a change that names an existing context with other metadata.
    Bypass(
        [
            "SELECT set_config('pghistory.context_id', %(context)s, true), "
            'set_config(\'pghistory.context_metadata\', \'{"user": 0, "action": "sign"}\', true)'
        ],
        "UPDATE screening_screening SET initials = 'ZZ' WHERE id = %(open)s",
        CONTEXT_KEPT,
        name="rewrite-a-context-through-the-history-trigger",
    ),
    # The lock follows the signature rows.
    Bypass(
        [],
        "UPDATE screening_screening SET locked = false WHERE id = %(signed)s",
        UNLOCK_NEEDS_ROW,
        name="unlock-without-an-unlock-row",
    ),
    Bypass(
        [],
        "UPDATE screening_screening SET locked = true WHERE id = %(open)s",
        LOCK_NEEDS_SIGNATURE,
        name="lock-without-a-signature",
    ),
    Bypass(
        [], "UPDATE screening_screening SET ecog = 3 WHERE id = %(signed)s", LOCKED, name="change-a-locked-screening"
    ),
    Bypass(
        [],
        "UPDATE screening_screening SET locked = false, ecog = 3 WHERE id = %(signed)s",
        LOCKED,
        name="unlock-and-change-at-once",
    ),
    Bypass(
        [
            "INSERT INTO screening_unlock (screening_id, signature_id, reason, unlocked_by_id, unlocked_at) "
            "SELECT screening_id, id, 'x', signed_by_id, now() FROM screening_signature "
            "WHERE screening_id = %(signed)s"
        ],
        "UPDATE screening_screening SET locked = false, ecog = 3 WHERE id = %(signed)s",
        LOCKED,
        name="unlock-row-then-unlock-and-change",
    ),
    # A site's code is in its screenings' numbers and stored evaluations.
    Bypass(
        [],
        "UPDATE screening_site SET code = 'IPX' WHERE code = 'IPC'",
        SITE_CODE_KEPT,
        name="rename-a-site-with-screenings",
    ),
]


# One test walks the whole table: the records must be committed for the runtime role's
# connection to see them, and a transactional test's setup and teardown cost a second or
# two, which forty cases of their own would multiply. Each bypass runs in its own
# transaction, and every failing case is reported by name.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_every_runtime_role_bypass_is_refused(runtime: Connection, records: dict[str, Any]) -> None:
    params = {**records, "ignore": _ignore_everything(runtime)}
    before = _everything()
    failures = []

    for bypass in BYPASSES:
        error, message = bypass.refusal
        try:
            with pytest.raises(error, match=message), runtime.transaction():
                for statement in bypass.setup:
                    runtime.execute(statement, params)
                runtime.execute(bypass.statement, params if "%(" in bypass.statement else None)
        except (pytest.fail.Exception, AssertionError, psycopg.Error) as failure:
            failures.append(f"{bypass.name}: {type(failure).__name__}: {failure}")
        if _everything() != before:
            failures.append(f"{bypass.name}: the record changed")

    assert not failures, "\n".join(failures)
    assert len({bypass.name for bypass in BYPASSES}) == len(BYPASSES) == 41


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_ignore_given_when_connecting_is_refused(records: dict[str, Any]) -> None:
    with _runtime_connection() as probe:
        ignore = _ignore_everything(probe)
    before = _everything()

    with _runtime_connection(options=f"-c pgtrigger.ignore={ignore}") as runtime:
        assert runtime.execute("SHOW pgtrigger.ignore").fetchone() == (ignore,)
        with pytest.raises(IGNORE_REFUSED[0], match=IGNORE_REFUSED[1]):
            runtime.execute("UPDATE screening_screening SET initials = 'ZZ' WHERE id = %s", [records["open"]])

    assert _everything() == before


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_plain_update_by_the_runtime_role_is_in_the_history(runtime: Connection, records: dict[str, Any]) -> None:
    events = ScreeningEvent.objects.filter(pgh_obj_id=records["open"])
    count = events.count()

    # An empty ignore list (what django-pgtrigger leaves after its block) switches nothing off.
    with runtime.transaction():
        runtime.execute("SET LOCAL pgtrigger.ignore = ''")
        runtime.execute("UPDATE screening_screening SET initials = 'ZZ' WHERE id = %s", [records["open"]])

    assert events.count() == count + 1
    latest = events.order_by("-pgh_id").first()
    assert latest is not None
    assert (latest.pgh_label, latest.initials) == ("update", "ZZ")
    assert Screening.objects.get(pk=records["open"]).initials == "ZZ"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_context_may_gain_a_key(runtime: Connection, records: dict[str, Any]) -> None:
    # What the application does when a reason for change joins a save's context.
    with runtime.transaction():
        runtime.execute(
            'UPDATE pghistory_context SET metadata = metadata || \'{"reason": "r"}\' WHERE id = %s',
            [records["context"]],
        )

    assert Context.objects.get(pk=records["context"]).metadata["reason"] == "r"


@pytest.mark.django_db
def test_the_owner_cannot_delete_or_rewrite_a_context_either(records: dict[str, Any]) -> None:
    context = Context.objects.get(pk=records["context"])
    for change in (
        lambda: Context.objects.filter(pk=context.pk).delete(),
        lambda: Context.objects.filter(pk=context.pk).update(metadata={"user": 0}),
    ):
        with pytest.raises(DatabaseError, match="pghistory_context"), transaction.atomic():
            change()
    assert Context.objects.get(pk=context.pk).metadata == context.metadata


@pytest.mark.django_db
def test_the_owner_may_still_use_pgtrigger_ignore(records: dict[str, Any]) -> None:
    # A data repair is the owner's, whose credentials the application never holds.
    class Rollback(Exception):
        pass

    with pytest.raises(Rollback), transaction.atomic():
        with pgtrigger.ignore("screening.Evaluation:evaluation_append_only"):
            assert Evaluation.objects.filter(screening_id=records["signed"]).update(ruleset="repaired") == 1
        raise Rollback
    assert not Evaluation.objects.filter(ruleset="repaired").exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_site_without_screenings_may_be_renamed_and_the_change_is_in_the_history(runtime: Connection) -> None:
    site = Site.objects.create(code="CLB", name="Centre Léon Bérard", city="Lyon")

    with runtime.transaction():
        runtime.execute("UPDATE screening_site SET code = 'CLBX' WHERE id = %s", [site.pk])

    assert list(SiteEvent.objects.filter(pgh_obj_id=site.pk).order_by("pgh_id").values_list("pgh_label", "code")) == [
        ("insert", "CLB"),
        ("update", "CLBX"),
    ]


@pytest.mark.django_db
def test_the_owner_cannot_rename_a_site_with_screenings_either(screening_ipc: Screening) -> None:
    with pytest.raises(DatabaseError, match="site IPC"), transaction.atomic():
        Site.objects.filter(code="IPC").update(code="IPX")
    assert Site.objects.filter(code="IPC").exists()


@pytest.mark.django_db
def test_the_admin_shows_the_code_of_a_site_with_screenings_read_only(client: Client, screening_ipc: Screening) -> None:
    staff = User.objects.create_superuser(username="admin", password=PASSWORD)
    client.force_login(staff)
    igr, ipc = Site.objects.get(code="IGR"), Site.objects.get(code="IPC")

    with_screenings = client.get(reverse("admin:screening_site_change", args=[ipc.pk])).content.decode()
    without = client.get(reverse("admin:screening_site_change", args=[igr.pk])).content.decode()

    assert 'name="code"' not in with_screenings
    assert 'name="name"' in with_screenings
    assert 'name="code"' in without


# --- what the runtime role may do: everything the application needs -------------------------


def test_grants_cover_every_table_of_every_installed_app() -> None:
    rights = db_roles.table_rights()
    tables = {
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    }
    event_tables = {
        model._meta.db_table for model in apps.get_models() if issubclass(model, Event) and model._meta.managed
    }

    assert set(rights) == tables
    assert {t for t in event_tables if t.startswith("screening_")} == {
        t for t in tables if t.startswith("screening_") and t.endswith("event")
    }
    # The list: every history event table and the append-only ones, read and appended only.
    assert {t for t, granted in rights.items() if granted == db_roles.APPEND_ONLY} == (
        event_tables | APPEND_ONLY_MODEL_TABLES
    )
    assert rights[Screening._meta.db_table] == {"SELECT", "INSERT", "UPDATE"}
    # A lab row's FHIR source is never rewritten, and goes with its row.
    assert rights[LabResultSource._meta.db_table] == {"SELECT", "INSERT", "DELETE"}
    assert {t for t, granted in rights.items() if granted == db_roles.ALL_RIGHTS} == (
        tables - event_tables - APPEND_ONLY_MODEL_TABLES - {Screening._meta.db_table, LabResultSource._meta.db_table}
    )


@pytest.mark.django_db
def test_the_runtime_role_has_exactly_the_granted_rights() -> None:
    role = settings.DATABASE_RUNTIME_ROLE
    rights = db_roles.table_rights()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname, array(SELECT p FROM unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE',
                                                               'REFERENCES', 'TRIGGER']) p
                                    WHERE has_table_privilege(%s, c.oid, p))
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')""",
            [role],
        )
        held = {name: set(privileges) for name, privileges in cursor.fetchall()}
        cursor.execute(
            """
            WITH sequences AS (SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                               WHERE n.nspname = 'public' AND c.relkind = 'S')
            SELECT has_column_privilege(%(role)s, 'pghistory_context', 'metadata', 'UPDATE'),
                   has_column_privilege(%(role)s, 'pghistory_context', 'updated_at', 'UPDATE'),
                   has_column_privilege(%(role)s, 'pghistory_context', 'id', 'UPDATE'),
                   has_column_privilege(%(role)s, 'pghistory_context', 'created_at', 'UPDATE'),
                   (SELECT bool_and(has_sequence_privilege(%(role)s, oid, 'USAGE')) FROM sequences),
                   (SELECT bool_or(has_sequence_privilege(%(role)s, oid, 'UPDATE')) FROM sequences),
                   has_schema_privilege(%(role)s, 'public', 'USAGE'),
                   has_schema_privilege(%(role)s, 'public', 'CREATE'),
                   has_database_privilege(%(role)s, current_database(), 'CONNECT'),
                   has_database_privilege(%(role)s, current_database(), 'CREATE'),
                   has_database_privilege(%(role)s, current_database(), 'TEMPORARY')""",
            {"role": role},
        )
        others = cursor.fetchone()

    assert held == {**{table: set(granted) for table, granted in rights.items()}, "django_migrations": {"SELECT"}}
    assert others == (True, True, False, False, True, False, True, False, True, False, False)


@pytest.mark.django_db
def test_the_runtime_role_owns_nothing_and_holds_no_power() -> None:
    role = settings.DATABASE_RUNTIME_ROLE
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT r.rolsuper, r.rolcreatedb, r.rolcreaterole, r.rolreplication, r.rolbypassrls,
                   pg_has_role(r.oid, current_user, 'MEMBER'),
                   (SELECT count(*) FROM pg_class WHERE relowner = r.oid),
                   (SELECT count(*) FROM pg_proc WHERE proowner = r.oid),
                   (SELECT count(*) FROM pg_namespace WHERE nspowner = r.oid),
                   (SELECT count(*) FROM pg_database WHERE datdba = r.oid)
            FROM pg_roles r WHERE r.rolname = %s""",
            [role],
        )
        found = cursor.fetchone()
    assert found is not None, f"no role {role!r}: scripts/postgres creates it"
    assert found == (False, False, False, False, False, False, 0, 0, 0, 0)


@pytest.mark.django_db
def test_every_table_with_ignorable_triggers_is_guarded() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname, array(SELECT t.tgname FROM pg_trigger t WHERE t.tgrelid = c.oid
                                      AND t.tgname = ANY(%s) ORDER BY 1)
            FROM pg_class c
            WHERE EXISTS (SELECT FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
                          WHERE t.tgrelid = c.oid AND p.prosrc LIKE '%%_pgtrigger_should_ignore%%')""",
            [list(db_roles.IGNORE_GUARD_TRIGGERS)],
        )
        guarded = dict(cursor.fetchall())
    tracked = {model._meta.db_table for model in apps.get_models() if getattr(model._meta, "triggers", None)}
    assert set(guarded) == tracked
    assert set(map(tuple, guarded.values())) == {tuple(sorted(db_roles.IGNORE_GUARD_TRIGGERS))}


@pytest.mark.django_db
def test_grants_are_skipped_with_a_warning_when_the_runtime_role_does_not_exist(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    settings.DATABASE_RUNTIME_ROLE = "alter_no_such_role"
    with caplog.at_level(logging.WARNING, logger="screening.db_roles"):
        assert db_roles.apply_runtime_grants(using="default") is False
    assert "'alter_no_such_role' (DATABASE_RUNTIME_ROLE) does not exist" in caplog.text


@contextmanager
def _django_as_runtime_role() -> Iterator[None]:
    """Django's own connection, reconnected as the runtime role for the block."""
    saved = {key: connection.settings_dict[key] for key in ("USER", "PASSWORD")}
    connection.close()
    connection.settings_dict.update(USER=settings.DATABASE_RUNTIME_ROLE, PASSWORD=settings.DATABASE_RUNTIME_PASSWORD)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            assert cursor.fetchone() == (settings.DATABASE_RUNTIME_ROLE,)
        yield
    finally:
        connection.close()
        connection.settings_dict.update(saved)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_application_works_as_the_runtime_role(
    client: Client, coordinator_ipc: User, investigator_ipc: User, example_document: dict[str, Any]
) -> None:
    with _django_as_runtime_role():
        # Logging in (django-axes records it), entering, signing, unlocking with a reason,
        # correcting with a reason (it joins the save's history context), signing again.
        assert client.post(reverse("login"), {"username": "coord.ipc", "password": PASSWORD}).status_code == 302
        screening = Screening.objects.get(
            pk=services.screening_import(raw=example_document, by=coordinator_ipc).screening_id
        )
        client.force_login(investigator_ipc)
        sign = reverse("screening:sign", args=[screening.number])
        evaluation = screening.evaluations.get()
        assert (
            client.post(sign, {"meaning": ELIGIBLE, "password": PASSWORD, "evaluation": str(evaluation.pk)}).status_code
            == 302
        )
        assert (
            client.post(
                reverse("screening:unlock", args=[screening.number]), {"reason": "ECOG from the wrong visit"}
            ).status_code
            == 302
        )
        client.force_login(coordinator_ipc)
        corrected = services.screening_document(screening=screening, with_version=True)
        corrected["ecog"] = 0
        response = client.post(
            reverse("screening:detail", args=[screening.number]),
            {
                **form_data(corrected, version=Screening.objects.get(pk=screening.pk).version),
                "reason_for_change": "ECOG of the screening visit is 0",
            },
        )
        assert response.status_code == 302
        client.force_login(investigator_ipc)
        latest = screening.evaluations.order_by("-created_at", "-id").first()
        assert latest is not None
        assert (
            client.post(sign, {"meaning": ELIGIBLE, "password": PASSWORD, "evaluation": str(latest.pk)}).status_code
            == 302
        )
        for page in (
            reverse("screening:list"),
            reverse("screening:detail", args=[screening.number]),
            reverse("screening:history", args=[screening.number]),
            reverse("screening:log"),
            reverse("screening:review_queue"),
            reverse("screening:export", args=[screening.number]),
        ):
            assert client.get(page).status_code == 200, page
        client.logout()

    screening.refresh_from_db()
    assert (screening.locked, screening.ecog, screening.version) == (True, 0, 2)
    assert Signature.objects.filter(screening=screening).count() == 2
    assert Unlock.objects.filter(screening=screening).count() == 1
    correction = Context.objects.get(metadata__reason="ECOG of the screening visit is 0")
    assert correction.metadata["user"] == coordinator_ipc.pk
    assert ScreeningEvent.objects.filter(pgh_obj_id=screening.pk, pgh_context=correction, ecog=0).exists()
