"""``manage.py checklist_hash NUMBER``: the SHA-256 printed on a screening's checklists.

A paper checklist found in a patient's file carries, in its footer, the SHA-256 of the
result document it printed (screening/checklist.py, ``canonical_json``). This command
prints that hash for every evaluation of the screening, so that the copy can be matched
to the stored record; ``--canonical N`` writes evaluation N's canonical bytes instead, for
``| sha256sum``.
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from screening.checklist import canonical_json, checklist_subject, result_sha256
from screening.models import Screening


class Command(BaseCommand):
    help = "Print the SHA-256 of each evaluation's result document of a screening, as its checklist prints it."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("number", help="screening number, e.g. IPC-0007")
        parser.add_argument(
            "--canonical",
            type=int,
            metavar="N",
            help="write the canonical JSON bytes of evaluation N (1 = the first) to stdout",
        )

    def handle(self, *args: Any, number: str, canonical: int | None, **options: Any) -> None:
        screening = Screening.objects.filter(number=number).first()
        if screening is None:
            raise CommandError(f"no screening {number}")
        evaluations = list(screening.evaluations.order_by("created_at", "id"))
        if not evaluations:
            raise CommandError(f"{number} has no evaluation")
        if canonical is not None:
            if not 1 <= canonical <= len(evaluations):
                raise CommandError(f"{number} has evaluations 1 to {len(evaluations)}")
            sys.stdout.buffer.write(canonical_json(evaluations[canonical - 1].result_document))
            sys.stdout.buffer.flush()
            return
        printed = checklist_subject(screening)
        for n, evaluation in enumerate(evaluations, start=1):
            signed = evaluation.signatures.exists()
            notes = [evaluation.status, "signed" if signed else "not signed"]
            if evaluation.pk == printed.evaluation.pk:
                notes.append("printed now" + (" (signed)" if printed.signature is not None else " (draft)"))
            when = timezone.localtime(evaluation.created_at).strftime("%Y-%m-%d %H:%M %Z")
            self.stdout.write(
                f"{number} evaluation {n} of {len(evaluations)}, {when}, {', '.join(notes)}: "
                f"{result_sha256(evaluation.result_document)}"
            )
