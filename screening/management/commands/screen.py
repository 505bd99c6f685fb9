"""``manage.py screen FILE [FILE ...]``: evaluate screening documents, print JSON Lines.

Spec (exchange-format.md, "Command line"): one result document per input document, as
one line of JSON; a refused document prints its errors in its place; the exit status is
2 when any document was refused, after all files are processed. Evaluation needs no
database.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from screening import exchange, selectors, services
from screening.errors import DomainError
from screening.models import User
from screening.rules.ruleset import DEFAULT, RULESETS


class Command(BaseCommand):
    help = (
        "Evaluate alter-screening/1 documents and print one alter-screening-result/1 per document "
        "as JSON Lines. FILE may be '-' for standard input; a FILE ending in .jsonl holds one document "
        "per line. Exits with status 2 when any document is refused."
    )
    # Evaluation must work without a database; system checks add nothing here.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE", help="JSON document, '-' for stdin, or .jsonl")
        parser.add_argument(
            "--save",
            action="store_true",
            help="also store each valid document as a screening (created or updated by its "
            "screening_id) with its evaluation, as the web form would; needs --user",
        )
        parser.add_argument("--user", metavar="USERNAME", help="who saves (recorded in the audit trail)")
        parser.add_argument(
            "--ruleset",
            metavar="ID",
            help=f"evaluate under this ruleset (default {DEFAULT.id}; known: {', '.join(sorted(RULESETS))}); "
            "not with --save, which evaluates under the ruleset in force at the document's site today",
        )
        parser.add_argument(
            "--reason",
            default="",
            metavar="TEXT",
            help="with --save: the reason for changing or deleting values an earlier save stored "
            "(recorded with each change in the history); required when a document does so",
        )
        parser.add_argument(
            "--confirm-identity-correction",
            action="store_true",
            help="with --save: the document corrects the stored patient's identity (initials, "
            "date of birth or sex); without it such a document is refused",
        )

    def handle(
        self,
        *args: Any,
        files: list[str],
        save: bool,
        user: str | None,
        ruleset: str | None,
        reason: str,
        confirm_identity_correction: bool,
        **options: Any,
    ) -> None:
        ruleset_id = _ruleset_asked(ruleset, save=save)
        saver = _saving_user(user) if save else None
        today = timezone.localdate()
        # Bytes straight to the terminal or pipe when there is one (much faster for large
        # batches); text through the wrapper otherwise (call_command with a StringIO).
        binary = getattr(self.stdout, "buffer", None)
        refused = 0
        for name, raw in _documents(files):
            try:
                if isinstance(raw, OSError):
                    result: Any = exchange.refused_document(
                        [exchange.DocumentError("", f"cannot read the file: {raw.strerror}")], file=name
                    )
                    doc = None
                elif saver is not None:
                    result, doc = _save(
                        raw, by=saver, file=name, reason=reason, identity_confirmed=confirm_identity_correction
                    )
                else:
                    result, doc = exchange.screen(raw, today=today, file=name, ruleset_id=ruleset_id)
            # Spec: every document gets its answer. A failure of this program on one document
            # (a bug: exchange refuses whatever it is given) is shown, with its traceback on
            # standard error, as that document's refusal; the others are still answered.
            except Exception as exc:
                self.stderr.write(f"{name}: internal error\n{traceback.format_exc()}")
                result = exchange.refused_document(
                    [
                        exchange.DocumentError(
                            "",
                            f"internal error while screening this document ({type(exc).__name__}); "
                            "nothing was stored; see standard error",
                        )
                    ],
                    file=name,
                )
                doc = None
            if doc is None:
                refused += 1
            line = exchange.encode(result)
            if binary is not None:
                binary.write(line + b"\n")
            else:
                self.stdout.write(line.decode())
        if binary is not None:
            binary.flush()
        if refused:
            # CommandError with returncode prints its message on stderr and exits 2.
            raise CommandError(f"{refused} document(s) refused", returncode=2)


def _ruleset_asked(ruleset_id: str | None, *, save: bool) -> str:
    """The ruleset to evaluate under: ``--ruleset``, else the default one."""
    if ruleset_id is None:
        return DEFAULT.id
    if save:
        raise CommandError(
            "--ruleset cannot be given with --save: a save is evaluated under the ruleset in force "
            "at the document's site today"
        )
    if ruleset_id not in RULESETS:
        raise CommandError(f"unknown ruleset {ruleset_id!r}; known: {', '.join(sorted(RULESETS))}")
    return ruleset_id


def _saving_user(username: str | None) -> User:
    if not username:
        raise CommandError("--save needs --user USERNAME: every stored change records who made it")
    try:
        return User.objects.get(username=username, is_active=True)
    except User.DoesNotExist:
        raise CommandError(f"no active user {username!r}") from None


# Where each refusal of the save points in the document.
_REFUSAL_PATHS: dict[type[DomainError], str] = {
    services.StaleScreening: "/record_version",
    services.VersionRequired: "/record_version",
    services.IdentityMismatch: "/patient",
    services.ScreeningLocked: "/screening_id",
    services.ReasonRequired: "",
}


def _save(raw: bytes, *, by: User, file: str, reason: str, identity_confirmed: bool) -> tuple[Any, Any]:
    """Store one document through the same validation and service as the web form."""
    try:
        evaluation = services.screening_import(
            raw=raw,
            by=by,
            allowed_sites={site.code for site in selectors.sites_for_entry(by)},
            reason=reason,
            identity_confirmed=identity_confirmed,
        )
    except exchange.RefusedDocument as refused:
        return exchange.refused_document(refused.errors, file=file), None
    except tuple(_REFUSAL_PATHS) as refusal:
        path = _REFUSAL_PATHS[type(refusal)]
        return exchange.refused_document([exchange.DocumentError(path, refusal.message)], file=file), None
    return evaluation.result_document, evaluation


def _documents(files: list[str]) -> Iterator[tuple[str, bytes | OSError]]:
    """(name, content) for each document; the error instead when the file cannot be read."""
    for name in files:
        if name == "-":
            try:
                content = sys.stdin.buffer.read()
            except OSError as exc:
                yield name, exc
                continue
            yield name, content
            continue
        try:
            content = Path(name).read_bytes()
        except OSError as exc:
            yield name, exc
            continue
        if name.endswith(".jsonl"):
            for number, line in enumerate(content.splitlines(), start=1):
                if line.strip():
                    yield f"{name}:{number}", line
        else:
            yield name, content
