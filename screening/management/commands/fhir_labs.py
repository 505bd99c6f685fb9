"""``manage.py fhir_labs FILE [--screening NUMBER]``: FHIR R4 Observations → proposed lab rows.

Spec (fhir-labs.md, "Output of the command line"): prints one ``alter-fhir-labs/1`` JSON
document, the proposed rows and the skipped Observations in input order; a refused input
prints its errors and the command exits with status 2, otherwise 0. Without
``--screening`` it needs no database and ``duplicate`` only looks within the input; with
it, the screening's stored rows count too and the identity rule applies. Nothing is
stored either way: approving is the web page's.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from screening import selectors
from screening.fhir.labs import LabsOnFile, PatientOnFile, labs_from_fhir, refusal_document
from screening.fhir.reading import InputError, RefusedInput
from screening.fhir.text import Text
from screening.models import Screening


class Command(BaseCommand):
    help = (
        "Read a FHIR R4 Bundle or Observation (FILE, '-' for standard input) and print the lab rows it proposes "
        "and the Observations it skips, as one alter-fhir-labs/1 JSON document. Stores nothing. Exits with status "
        "2 when the input is refused."
    )
    # Without --screening it must work without a database; system checks add nothing here.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", metavar="FILE", help="FHIR R4 JSON: a Bundle or one Observation; '-' for stdin")
        parser.add_argument(
            "--screening",
            metavar="NUMBER",
            help="compare with this screening: its stored lab rows count as duplicates and its "
            "patient's date of birth and sex must agree with the input's Patient",
        )

    def handle(self, *args: Any, file: str, screening: str | None, **options: Any) -> None:
        on_file: LabsOnFile | None = None
        patient: PatientOnFile | None = None
        if screening is not None:
            found = Screening.objects.filter(number=screening).first()
            if found is None:
                raise CommandError(f"no screening {screening}")
            on_file, patient = selectors.labs_on_file(found), selectors.patient_on_file(found)
        try:
            raw = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
        except OSError as exc:
            self._print(
                refusal_document(
                    [InputError("", Text("cannot read the file: %(error)s", {"error": exc.strerror or str(exc)}))]
                )
            )
            raise CommandError("input refused", returncode=2) from None
        try:
            result = labs_from_fhir(
                raw, today=timezone.localdate(), zone=timezone.get_default_timezone(), on_file=on_file, patient=patient
            )
        except RefusedInput as refused:
            self._print(refusal_document(refused.errors))
            # CommandError with returncode prints its message on stderr and exits 2.
            raise CommandError(f"input refused: {len(refused.errors)} error(s)", returncode=2) from None
        self._print(result.as_json())

    def _print(self, document: dict[str, Any]) -> None:
        self.stdout.write(json.dumps(document, ensure_ascii=False, indent=2))
