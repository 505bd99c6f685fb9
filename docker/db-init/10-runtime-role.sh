#!/bin/sh
# Creates, or repairs, the runtime role the application connects as (docs/operations.md,
# "Database roles"): it may only log in; `migrate`, run as the owner, grants its table rights.
# The postgres image runs this once, when it initialises an empty volume. On a volume made
# before the role existed, run it by hand (it is safe to re-run):
#   docker compose exec db sh /docker-entrypoint-initdb.d/10-runtime-role.sh
# No `set -u` nor `exit`: the image sources this file when it lost its executable bit.
set -e
psql -X -q -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v runtime_role="${DATABASE_RUNTIME_ROLE:-alter_app}" -v runtime_password="$(cat /run/secrets/db_app_password)" <<'SQL'
SELECT format('CREATE ROLE %I', :'runtime_role') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'runtime_role') \gexec
ALTER ROLE :"runtime_role" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'runtime_password';
SQL
