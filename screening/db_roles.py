"""The runtime role's rights, granted by the owner on every ``migrate`` (docs/operations.md,
"Database roles").

Two PostgreSQL roles: the **owner** owns the database, the schema's tables and the triggers,
and runs the migrations; the **runtime** role (``settings.DATABASE_RUNTIME_ROLE``) runs the
application and owns nothing, so it can neither ``ALTER`` a table (no ``DISABLE TRIGGER``) nor
``TRUNCATE`` one, nor create anything. :func:`apply_runtime_grants` runs after every
``migrate`` (``ScreeningConfig.ready`` connects it to ``post_migrate``), so that tables of
later migrations, and the test database pytest-django creates, get the same rights:

- every table of the schema: SELECT, INSERT, UPDATE, DELETE, except
- append-only tables, read and appended to only: every history event table, and each model
  whose django-pgtrigger ``Protect`` refuses UPDATE (no UPDATE) or DELETE (no DELETE);
- ``pghistory_context``: SELECT, INSERT and UPDATE of ``metadata`` and ``updated_at``, which
  pghistory's upsert needs (a reason for change joins a save's context); a trigger of
  migration 0008 refuses an update that changes or removes a key, and any DELETE;
- tables no model declares (``django_migrations``): SELECT;
- sequences: USAGE, SELECT (no ``setval``); the schema: USAGE only; the database: CONNECT,
  and no TEMPORARY for anyone but the owner, since a temporary table named like a history
  table would take the history triggers' rows (they name their tables without a schema).

django-pgtrigger's triggers, pghistory's included, skip themselves when the session setting
``pgtrigger.ignore`` names them, and any role may set it. A guard trigger on every table
that has such triggers refuses the statement when that setting is not empty, unless the
role owns the table: before each row (django-pgtrigger's ``Protect`` is a BEFORE ROW
trigger) and after the statement (pghistory's triggers run after the rows, so the setting
may have been changed by then, e.g. by ``set_config`` in a ``RETURNING``). The guard is
re-created on every ``migrate``, so that a table tracked later is guarded too.
"""

from __future__ import annotations

import logging
from typing import Any

import pgtrigger
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections, transaction
from pghistory.models import Context, Event
from psycopg import sql

logger = logging.getLogger(__name__)

SCHEMA = "public"
ALL_RIGHTS = frozenset({"SELECT", "INSERT", "UPDATE", "DELETE"})
APPEND_ONLY = frozenset({"SELECT", "INSERT"})
# pghistory's _pgh_attach_context() upserts the context row: ON CONFLICT (id) DO UPDATE SET
# metadata, updated_at (pghistory/models.py).
CONTEXT_UPDATABLE_COLUMNS = ("metadata", "updated_at")

IGNORE_GUARD_FUNCTION = "alter_refuse_trigger_ignore"
IGNORE_GUARD_TRIGGERS = ("alter_refuse_trigger_ignore_row", "alter_refuse_trigger_ignore_statement")
# Empty, or never set in this session: nothing is ignored. '{}' is what an empty list reads as.
_IGNORE_SET = "coalesce(pg_catalog.current_setting('pgtrigger.ignore', true), '') NOT IN ('', '{}')"

IGNORE_GUARD_FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION public.alter_refuse_trigger_ignore() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN
    IF coalesce(current_setting('pgtrigger.ignore', true), '') NOT IN ('', '{}') AND NOT pg_has_role(
            current_user, (SELECT c.relowner FROM pg_class c WHERE c.oid = TG_RELID), 'MEMBER') THEN
        RAISE EXCEPTION 'pgtrigger.ignore is set (%): only the owner of % may switch its triggers off',
            current_setting('pgtrigger.ignore', true), TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_LEVEL = 'STATEMENT' THEN
        RETURN NULL;
    ELSIF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
$$;
"""


def table_rights() -> dict[str, frozenset[str]]:
    """The runtime role's rights on each table a model declares, by table name."""
    rights: dict[str, frozenset[str]] = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if not meta.managed or meta.proxy:
            continue
        if issubclass(model, Event):
            rights[meta.db_table] = APPEND_ONLY
            continue
        refused: set[str] = set()
        for trigger in getattr(meta, "triggers", []):
            if isinstance(trigger, pgtrigger.Protect) and trigger.condition is None:
                refused |= set(str(trigger.operation).split(" OR ")) & {"UPDATE", "DELETE"}
        rights[meta.db_table] = ALL_RIGHTS - refused
    rights[Context._meta.db_table] = APPEND_ONLY
    return rights


def _grants_sql(role: str, database: str, tables: list[str]) -> sql.Composed:
    rights = table_rights()
    ident = sql.Identifier
    statements = [
        sql.SQL("REVOKE CREATE, TEMPORARY ON DATABASE {} FROM PUBLIC").format(ident(database)),
        sql.SQL("REVOKE ALL ON DATABASE {db} FROM {role}").format(db=ident(database), role=ident(role)),
        sql.SQL("GRANT CONNECT ON DATABASE {db} TO {role}").format(db=ident(database), role=ident(role)),
        sql.SQL("REVOKE CREATE ON SCHEMA {} FROM PUBLIC").format(ident(SCHEMA)),
        sql.SQL("REVOKE ALL ON SCHEMA {schema} FROM {role}").format(schema=ident(SCHEMA), role=ident(role)),
        sql.SQL("GRANT USAGE ON SCHEMA {schema} TO {role}").format(schema=ident(SCHEMA), role=ident(role)),
        sql.SQL("REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {role}").format(
            schema=ident(SCHEMA), role=ident(role)
        ),
        sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {role}").format(
            schema=ident(SCHEMA), role=ident(role)
        ),
    ]
    for table in tables:
        name = ident(SCHEMA, table)
        granted = sorted(rights.get(table, {"SELECT"}))
        statements.append(sql.SQL("REVOKE ALL ON TABLE {} FROM {}").format(name, ident(role)))
        statements.append(
            sql.SQL("GRANT {rights} ON TABLE {table} TO {role}").format(
                rights=sql.SQL(", ").join(sql.SQL(right) for right in granted), table=name, role=ident(role)
            )
        )
    if Context._meta.db_table in tables:  # not yet, after `migrate auth` on an empty database
        statements.append(
            sql.SQL("GRANT UPDATE ({columns}) ON TABLE {table} TO {role}").format(
                columns=sql.SQL(", ").join(ident(column) for column in CONTEXT_UPDATABLE_COLUMNS),
                table=ident(SCHEMA, Context._meta.db_table),
                role=ident(role),
            )
        )
    return sql.SQL(";\n").join(statements)


def _ignore_guard_sql(tables: list[str]) -> sql.Composed:
    row, statement = IGNORE_GUARD_TRIGGERS
    statements: list[sql.Composable] = [sql.SQL(IGNORE_GUARD_FUNCTION_SQL)]
    function = sql.Identifier(SCHEMA, IGNORE_GUARD_FUNCTION)
    for table in tables:
        name = sql.Identifier(SCHEMA, table)
        statements.append(
            sql.SQL(
                "CREATE OR REPLACE TRIGGER {trigger} BEFORE INSERT OR UPDATE OR DELETE ON {table} FOR EACH ROW "
                "WHEN ({ignore_set}) EXECUTE FUNCTION {function}()"
            ).format(trigger=sql.Identifier(row), table=name, ignore_set=sql.SQL(_IGNORE_SET), function=function)
        )
        statements.append(
            sql.SQL(
                "CREATE OR REPLACE TRIGGER {trigger} AFTER INSERT OR UPDATE OR DELETE ON {table} FOR EACH STATEMENT "
                "EXECUTE FUNCTION {function}()"
            ).format(trigger=sql.Identifier(statement), table=name, function=function)
        )
    return sql.SQL(";\n").join(statements)


def apply_runtime_grants(*, using: str) -> bool:
    """Guard the tables against ``pgtrigger.ignore`` and grant the runtime role its rights.

    Connected as the owner (``migrate``). Skipped, with a warning, when the runtime role does
    not exist or is the connected role; refused when it could bypass the guards anyway.
    Returns whether the grants were applied.
    """
    role: str = settings.DATABASE_RUNTIME_ROLE
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, current_database()")
        current_user, database = cursor.fetchone()
        cursor.execute("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = %s", [role])
        found = cursor.fetchone()
        if found is None:
            logger.warning(
                "Database role %r (DATABASE_RUNTIME_ROLE) does not exist: its rights were not granted. "
                'Create it (docs/operations.md, "Database roles") and run migrate again.',
                role,
            )
        elif role == current_user:
            logger.warning(
                "migrate is connected as the runtime role %r: nothing granted. Run migrate as the owner "
                "(MIGRATION_DATABASE_URL).",
                role,
            )
            return False
        elif found[0]:
            raise ImproperlyConfigured(
                f"The runtime role {role!r} is a superuser or bypasses row security: it could "
                "switch off every guard. Give the application a role without these rights."
            )
        cursor.execute(
            """
            SELECT c.relname,
                   EXISTS (SELECT FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
                           WHERE t.tgrelid = c.oid AND NOT t.tgisinternal
                             AND p.prosrc LIKE '%%_pgtrigger_should_ignore%%')
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = %s AND c.relkind IN ('r', 'p') ORDER BY c.relname""",
            [SCHEMA],
        )
        tables = cursor.fetchall()
        with transaction.atomic(using=using):
            guarded = [name for name, has_pgtrigger in tables if has_pgtrigger]
            if guarded:
                cursor.execute(_ignore_guard_sql(guarded).as_string(cursor.connection))
            if found is None:
                return False
            cursor.execute(_grants_sql(role, database, [name for name, _ in tables]).as_string(cursor.connection))
    return True


def on_post_migrate(*, using: str, **kwargs: Any) -> None:
    apply_runtime_grants(using=using)
