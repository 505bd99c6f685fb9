"""``manage.py reevaluate --ruleset ID [--site CODE] [--apply --user NAME --reason TEXT]``.

Re-evaluates every stored screening (of one site) under a ruleset, from its latest
evaluation's input document, and prints, as JSON Lines, each screening whose status or any
criterion's (outcome, code) changes: its number and site, ``before`` and ``after`` (ruleset,
status, and each changed criterion's ``[outcome, code]``, ``null`` where the ruleset has no
such criterion), and the changed criterion ids. Without ``--apply`` nothing is written (a
dry run). With ``--apply`` a new evaluation is appended to each changed screening, by
``--user``, for ``--reason`` (both recorded in the history); signed screenings stay locked
and are flagged "outcome changed since signature" for their investigators. A count goes to
standard error. Refusals (an unknown ruleset, site or user; ``--apply`` without its user and
reason) exit with status 2.
"""

from __future__ import annotations

import json
from typing import Any

import pghistory
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from screening import reevaluation
from screening.models import Site, User
from screening.rules.ruleset import RULESETS, UnknownRuleset, ruleset

USAGE_ERROR = 2


class Command(BaseCommand):
    help = "Re-evaluate stored screenings under a ruleset; print each change as JSON Lines (--apply to append)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--ruleset", required=True, help="the ruleset id (e.g. alter-v2)")
        parser.add_argument("--site", help="only this site's screenings (its code)")
        parser.add_argument("--apply", action="store_true", help="append the new evaluations (default: a dry run)")
        parser.add_argument("--user", help="with --apply: the username recorded as making the change")
        parser.add_argument("--reason", help="with --apply: the reason recorded in the history")
        parser.add_argument(
            "--jobs",
            type=int,
            default=1,
            help="worker processes re-evaluating (default 1; the machine's cores at most)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            ruleset_id = ruleset(options["ruleset"]).id
        except UnknownRuleset:
            raise CommandError(
                f"unknown ruleset {options['ruleset']!r}; known: {', '.join(sorted(RULESETS))}",
                returncode=USAGE_ERROR,
            ) from None
        site = None
        if options["site"] is not None:
            site = Site.objects.filter(code=options["site"]).first()
            if site is None:
                raise CommandError(f"unknown site {options['site']!r}", returncode=USAGE_ERROR)
        reason = (options["reason"] or "").strip()
        if not options["apply"]:
            if options["user"] is not None or options["reason"] is not None:
                raise CommandError(
                    "--user and --reason go with --apply (a dry run records nothing)", returncode=USAGE_ERROR
                )
            self._run(ruleset_id=ruleset_id, site=site, by=None, reason="", jobs=options["jobs"])
            return
        if not options["user"] or not reason:
            raise CommandError(
                "--apply needs --user NAME and --reason TEXT (both are recorded)", returncode=USAGE_ERROR
            )
        by = User.objects.filter(username=options["user"], is_active=True).first()
        if by is None:
            raise CommandError(f"no active user {options['user']!r}", returncode=USAGE_ERROR)
        # One history context for the whole run: every change it makes names the same user and reason.
        with pghistory.context(user=by.pk, action="reevaluate", ruleset=ruleset_id, reason=reason):
            self._run(ruleset_id=ruleset_id, site=site, by=by, reason=reason, jobs=options["jobs"])

    def _run(self, *, ruleset_id: str, site: Site | None, by: User | None, reason: str, jobs: int) -> None:
        today = timezone.localdate()
        changed = signed = 0
        changes = reevaluation.changes(
            ruleset_id=ruleset_id, today=today, site=site, jobs=jobs, keep_results=by is not None
        )
        for change in changes:
            shown = change
            if by is not None:
                done = reevaluation.screening_reevaluate(
                    change=change, ruleset_id=ruleset_id, today=today, by=by, reason=reason
                )
                if done is None:
                    continue  # saved meanwhile, and no longer changes
                # What was applied (recomputed when the screening was saved meanwhile).
                evaluation, shown = done
                signed += evaluation.screening.locked
            self.stdout.write(json.dumps(shown.as_json(), ensure_ascii=False))
            changed += 1
        if by is None:
            self.stderr.write(f"{changed} screening(s) would change under {ruleset_id}; nothing was stored.")
        else:
            self.stderr.write(
                f"{changed} screening(s) re-evaluated under {ruleset_id}; "
                f"{signed} signed, flagged as changed since their signature."
            )
