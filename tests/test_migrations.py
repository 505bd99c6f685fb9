"""A model change whose migration was not written fails here, not on a hospital's database."""

from io import StringIO

import pytest
from django.core.management import call_command


@pytest.mark.usefixtures("db")
def test_no_pending_migrations() -> None:
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=StringIO())
    except SystemExit:
        # makemigrations --check exits 1 when it would write a migration.
        pytest.fail(f"Models and migrations disagree; run `python manage.py makemigrations`:\n{out.getvalue()}")
