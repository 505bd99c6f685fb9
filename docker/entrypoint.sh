#!/bin/sh
# Brings the schema and the static files up to the image's code before serving: both are
# idempotent, and an image started against an older database must not serve until migrated.
# The migrations run as the database owner (MIGRATION_DATABASE_URL, or its _FILE), which also
# grants the runtime role its rights; the application then runs as the runtime role
# (DATABASE_URL). docs/operations.md, "Database roles".
set -eu
if [ -n "${MIGRATION_DATABASE_URL_FILE:-}" ]; then
    DATABASE_URL_FILE=$MIGRATION_DATABASE_URL_FILE python manage.py migrate --noinput
elif [ -n "${MIGRATION_DATABASE_URL:-}" ]; then
    env -u DATABASE_URL_FILE DATABASE_URL="$MIGRATION_DATABASE_URL" python manage.py migrate --noinput
else
    echo "entrypoint: MIGRATION_DATABASE_URL(_FILE) unset: migrating with DATABASE_URL," \
        "which then must be the owner's (docs/operations.md, \"Database roles\")" >&2
    python manage.py migrate --noinput
fi
python manage.py collectstatic --noinput
exec "$@"
