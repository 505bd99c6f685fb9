"""``manage.py traceability``: print, write or check docs/traceability.md."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from screening.traceability import shipped_rulesets, traceability_document, untested_criteria


class Command(BaseCommand):
    help = (
        "Print the registry → criterion → rule → tests table of each shipped ruleset; --write updates "
        "docs/traceability.md, "
        "--check fails when that file is stale or a criterion has no test."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: Any) -> None:
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--write", action="store_true", help="write docs/traceability.md")
        group.add_argument("--check", action="store_true", help="fail if docs/traceability.md is stale")

    def handle(self, *args: Any, write: bool, check: bool, **options: Any) -> None:
        root = Path(settings.BASE_DIR)
        target = root / "docs" / "traceability.md"
        shipped = shipped_rulesets()
        table = traceability_document(shipped, tests_dir=root / "tests", root=root)
        if write:
            target.write_text(table, encoding="utf-8")
            self.stdout.write(f"wrote {target.relative_to(root)}")
        elif check:
            untested = sorted(
                {cid for ruleset in shipped for cid in untested_criteria(ruleset, tests_dir=root / "tests", root=root)}
            )
            if untested:
                raise CommandError(f"criteria without a test: {', '.join(untested)}")
            current = target.read_text(encoding="utf-8") if target.exists() else ""
            if current != table:
                raise CommandError(
                    f"{target.relative_to(root)} is stale: run `python manage.py traceability --write` and commit it"
                )
            self.stdout.write("docs/traceability.md is up to date")
        else:
            self.stdout.write(table, ending="")
