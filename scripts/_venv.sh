# shellcheck shell=bash
# Sourced by scripts/test and scripts/run so that both use one virtualenv, built the same way.
# A fresh clone has no .venv: build it. An existing one is reused, and pip runs again only
# when pyproject.toml changed since the last successful install (its hash is kept in .venv),
# which keeps a re-run of the tests to a few seconds.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit

venv_ensure() {
    if [ ! -x .venv/bin/python ]; then
        echo "== creating .venv with ${PYTHON:-python3}" >&2
        "${PYTHON:-python3}" -m venv .venv
    fi
    local stamp=.venv/.pyproject.sha256 want
    want=$(sha256sum pyproject.toml | cut -d' ' -f1)
    if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
        echo "== installing .[dev] into .venv (pyproject.toml changed or first run)" >&2
        .venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
        # Written only after pip succeeded, so a failed install is retried next time.
        echo "$want" >"$stamp"
    fi
    export VIRTUAL_ENV="$ROOT/.venv"
    export PATH="$VIRTUAL_ENV/bin:$PATH"
}

# The browser tests inject axe-core (npm, package.json) into each page. `npm ci` installs the
# locked version into node_modules/ on a fresh clone, and again only when the lock changed.
node_modules_ensure() {
    local stamp=node_modules/.package-lock.sha256 want
    want=$(sha256sum package-lock.json | cut -d' ' -f1)
    if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
        echo "== installing the browser tests' npm packages (npm ci)" >&2
        npm ci --no-audit --no-fund --loglevel=error >&2
        echo "$want" >"$stamp"
    fi
}

# Starts PostgreSQL only when the caller did not point us at a database already. DATABASE_URL
# is then the owner's (scripts/test: pytest-django creates the test database as the owner).
database_ensure() {
    if [ -z "${DATABASE_URL:-}" ]; then
        DATABASE_URL=$("$ROOT/scripts/postgres")
        export DATABASE_URL
    fi
}

# For scripts/run: MIGRATION_DATABASE_URL the owner's (migrate), DATABASE_URL the runtime
# role's (the application). A caller who set DATABASE_URL keeps it, and migrates with it
# unless they also set MIGRATION_DATABASE_URL.
database_roles_ensure() {
    if [ -z "${DATABASE_URL:-}" ]; then
        MIGRATION_DATABASE_URL=$("$ROOT/scripts/postgres")
        DATABASE_URL=$("$ROOT/scripts/postgres" --runtime)
    fi
    MIGRATION_DATABASE_URL=${MIGRATION_DATABASE_URL:-$DATABASE_URL}
    export DATABASE_URL MIGRATION_DATABASE_URL
}
