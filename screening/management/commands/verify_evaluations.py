"""``manage.py verify_evaluations [--site CODE]``: every stored evaluation reproduced.

Each evaluation's stored input document is evaluated again under its own ruleset
(``Evaluation.ruleset``), as on the day it was made, through the same service as every save
(``screening.reproduction.evaluation_discrepancy``), and the result document compared with
the stored one. Each evaluation that differs is printed (screening number, evaluation id,
the paths that differ, stored and recomputed), and so is an evaluation naming a ruleset this
installation does not know; the command then exits 1. It exits 0 with a one-line summary
when every evaluation is reproduced. Run it after a restore and before an amendment takes
effect (docs/operations.md).

The evaluations are streamed from a server-side cursor, in id order, in one read-only
transaction: memory stays flat whatever their number.
"""

from __future__ import annotations

import collections
import json
from typing import Any, Final

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from screening import services
from screening.models import Evaluation, Site
from screening.reproduction import ABSENT, Difference, Discrepancy, evaluation_discrepancy

# An evaluation whose every criterion differs would print pages: the first paths say enough.
PATHS_SHOWN: Final = 12
VALUE_CHARS: Final = 80


def _brief(value: Any) -> str:
    text = "(absent)" if value is ABSENT else json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= VALUE_CHARS else f"{text[: VALUE_CHARS - 1]}…"


def _lines(found: Discrepancy) -> list[str]:
    head = f"{found.number} evaluation {found.evaluation_id} ({found.ruleset}, {found.day.isoformat()})"
    if found.problem != "differs":
        return [f"{head}: {found.message}"]
    lines = [f"{head}: {len(found.differences)} path(s) differ"]
    lines += [_path_line(d) for d in found.differences[:PATHS_SHOWN]]
    if len(found.differences) > PATHS_SHOWN:
        lines.append(f"  … and {len(found.differences) - PATHS_SHOWN} more")
    return lines


def _path_line(difference: Difference) -> str:
    return f"  {difference.path}: stored {_brief(difference.stored)}, recomputed {_brief(difference.recomputed)}"


class Command(BaseCommand):
    help = (
        "Re-evaluate every stored evaluation from its input document under its own ruleset, as on the day "
        "it was made, and compare with its stored result document. Prints each evaluation that differs "
        "(or names a ruleset this installation does not know) and exits 1; exits 0 when all are reproduced."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--site", metavar="CODE", help="only the evaluations of this site's screenings")
        parser.add_argument(
            "--exact",
            action="store_true",
            help="also report the values a newer version records besides those stored (default: every stored "
            "value, outcome, code and reason is compared; values the stored result does not have are not)",
        )

    def handle(self, *args: Any, site: str | None, exact: bool = False, **options: Any) -> None:
        evaluations = Evaluation.objects.all()
        if site is not None:
            if not Site.objects.filter(code=site).exists():
                known = ", ".join(sorted(Site.objects.values_list("code", flat=True)))
                raise CommandError(f"unknown site {site!r}; known: {known}")
            evaluations = evaluations.filter(screening__site__code=site)
        known_sites = services.known_site_codes()
        checked: collections.Counter[str] = collections.Counter()
        failed = 0
        # In a transaction: the server-side cursor is then declared WITHOUT HOLD, and streams
        # (outside one, PostgreSQL would first materialize every row of a WITH HOLD cursor).
        with transaction.atomic():
            rows = (
                evaluations.order_by("pk")
                .values_list(
                    "pk", "screening__number", "ruleset", "input_document", "result_document", "status", "created_at"
                )
                .iterator(chunk_size=500)
            )
            for pk, number, ruleset_id, input_document, result_document, status, created_at in rows:
                checked[ruleset_id] += 1
                found = evaluation_discrepancy(
                    evaluation_id=pk,
                    number=number,
                    ruleset_id=ruleset_id,
                    input_document=input_document,
                    result_document=result_document,
                    created_at=created_at,
                    status=status,
                    known_sites=known_sites,
                    exact=exact,
                )
                if found is not None:
                    failed += 1
                    self.stdout.write("\n".join(_lines(found)))
        total = sum(checked.values())
        rulesets = ", ".join(f"{r} {n:,}" for r, n in sorted(checked.items())) or "none"
        where = f" of {site}" if site is not None else ""
        if failed:
            raise CommandError(
                f"{failed:,} of {total:,} evaluations{where} differ (rulesets: {rulesets})", returncode=1
            )
        self.stdout.write(f"{total:,} evaluations{where} reproduced under their own ruleset ({rulesets}); none differ")
