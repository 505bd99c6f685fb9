#!/bin/sh
# Brings the schema and the static files up to the image's code before serving: both are
# idempotent, and an image started against an older database must not serve until migrated.
set -eu
python manage.py migrate --noinput
python manage.py collectstatic --noinput
exec "$@"
