"""Which screenings a user may see or change: the one place that scopes querysets.

Every view reads screenings through :func:`screenings_visible_to`, so that another
site's screening is simply not found (404): its existence does not leak.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, NamedTuple, TypeAlias, TypedDict

from django.apps import apps
from django.db.models import BooleanField, Exists, ExpressionWrapper, JSONField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.expressions import RawSQL
from django.http import Http404
from django.utils.text import capfirst

from screening.document_mapping import JUDGMENT_FIELDS, LIST_FIELDS
from screening.fhir.labs import LabsOnFile, PatientOnFile
from screening.models import (
    LIST_MODELS,
    Evaluation,
    LabResult,
    LabResultSource,
    OutcomeChangeReview,
    Role,
    Screening,
    Signature,
    Site,
    SiteRuleset,
    Status,
    User,
    verbose_name_of,
)
from screening.rules.ruleset import DEFAULT, Ruleset
from screening.rules.ruleset import ruleset as ruleset_named


def sites_visible_to(user: User) -> QuerySet[Site]:
    """Monitors (and staff superusers) read every site; others their own sites."""
    if user.is_superuser or user.role == Role.MONITOR:
        return Site.objects.all()
    return Site.objects.filter(memberships__user=user)


def sites_for_entry(user: User) -> QuerySet[Site]:
    """Sites where the user may create and edit screenings (coordinators, investigators)."""
    if user.role not in (Role.COORDINATOR, Role.INVESTIGATOR):
        return Site.objects.none()
    return Site.objects.filter(memberships__user=user)


def screenings_visible_to(user: User) -> QuerySet[Screening]:
    if user.is_superuser or user.role == Role.MONITOR:
        return Screening.objects.all()
    # The site ids as literal values, not a subquery: PostgreSQL then walks the
    # (site, -updated_at, -id) index in order instead of sorting the whole site.
    return Screening.objects.filter(site_id__in=member_site_ids(user))


def member_site_ids(user: User) -> list[int]:
    """The ids of the sites the user is a member of, read once per user object (a request's
    user: the page asks "which sites" to find the screening and again "may they edit it")."""
    ids: list[int] | None = getattr(user, "_member_site_ids", None)
    if ids is None:
        ids = list(Site.objects.filter(memberships__user=user).values_list("id", flat=True))
        user._member_site_ids = ids
    return ids


def sites_and_screenings_visible_to(user: User) -> tuple[list[Site], QuerySet[Screening]]:
    """The user's visible sites (in code order) and their screenings, as
    :func:`screenings_visible_to` scopes them, from one query of the sites: for a page
    that shows the sites too (the list's site column and filter)."""
    sites = list(sites_visible_to(user).order_by("code"))
    if user.is_superuser or user.role == Role.MONITOR:
        return sites, Screening.objects.all()
    return sites, Screening.objects.filter(site_id__in=[site.pk for site in sites])


def screening_visible_to(user: User, number: str, *, with_authors: bool = True) -> Screening:
    """The screening ``number`` if the user may see it, else 404 (never 403: no leak); with
    its site, and its creator and last editor unless ``with_authors`` is false.

    A member of its site finds it through their membership (one query): :func:`can_edit`
    then knows they are one without reading their sites."""
    related = ("site", "updated_by", "created_by") if with_authors else ("site",)
    screenings = Screening.objects.select_related(*related)
    through_membership = not (user.is_superuser or user.role == Role.MONITOR)
    if through_membership:
        # One membership per user and site (membership_unique): one row at most. The user
        # found it as a member of its site: said by member_user_id, for can_edit.
        screenings = screenings.filter(site__memberships__user=user).annotate(member_user_id=Value(user.pk))
    try:
        return screenings.get(number=number)
    except Screening.DoesNotExist:
        raise Http404("No such screening") from None


# The newest evaluation's result, and no other's: numbered in the list's own order (newest
# first), before its LIMIT. Written in SQL: the same CASE over a Window built with Django's
# expressions, or a subquery per row, takes Django 0.5 to 0.7 ms more to compile, per page.
_NEWEST_RESULT_SQL = (
    "CASE WHEN row_number() OVER (ORDER BY screening_evaluation.created_at DESC, screening_evaluation.id DESC) = 1 "
    "THEN screening_evaluation.result_document END"
)


class _NewestResult(TypedDict):
    latest_result_document: dict[str, Any] | None


if TYPE_CHECKING:  # (WithAnnotations cannot be subscripted at run time on Python 3.11)
    from django_stubs_ext import WithAnnotations

    EvaluationWithNewestResult: TypeAlias = WithAnnotations[Evaluation, _NewestResult]


def latest_evaluations(screening: Screening, count: int) -> list[EvaluationWithNewestResult]:
    """The screening's ``count`` latest evaluations, newest first, with their authors but not
    their documents; the newest carries its result document as ``latest_result_document``
    (None on the others): the screening page lists them and shows the newest's panel."""
    return list(
        screening.evaluations.select_related("created_by")
        .defer("input_document", "result_document")
        # A constant statement, without parameters: nothing reaches it from a request.
        .annotate(latest_result_document=RawSQL(_NEWEST_RESULT_SQL, [], output_field=JSONField()))  # noqa: S611
        .order_by("-created_at", "-id")[:count]
    )


def screening_rows(screening: Screening) -> dict[str, list[dict[str, Any]]]:
    """The rows of each of the screening's lists, in entry order, as dicts of the
    exchange document's fields (entry order decides ties on date)."""
    return {
        name: list(
            model._default_manager.filter(screening=screening).order_by("position", "id").values(*LIST_FIELDS[name][1])
        )
        for name, model in LIST_MODELS.items()
    }


def screening_page_rows(screening: Screening) -> tuple[dict[str, list[dict[str, Any]]], list[LabResultSource | None]]:
    """:func:`screening_rows` and the source of each lab row (:func:`lab_sources`), the lab
    rows read once: what the screening page shows."""
    labs = lab_rows(screening)
    rows = {
        name: list(
            model._default_manager.filter(screening=screening).order_by("position", "id").values(*LIST_FIELDS[name][1])
        )
        for name, model in LIST_MODELS.items()
        if name != "labs"
    }
    rows["labs"] = [row for row, _source in labs]
    return rows, [source for _row, source in labs]


def lab_rows(screening: Screening) -> list[tuple[dict[str, Any], LabResultSource | None]]:
    """The screening's lab rows in entry order, as the document's fields, each with its
    source (None: typed). The sources, when there are any, are read by their rows' ids."""
    fields = LIST_FIELDS["labs"][1]
    rows = list(
        LabResult.objects.filter(screening=screening).order_by("position", "id").values("id", "source__id", *fields)
    )
    source_ids = [row["source__id"] for row in rows if row["source__id"] is not None]
    sources = {}
    if source_ids:
        sources = {s.pk: s for s in LabResultSource.objects.filter(pk__in=source_ids).select_related("approved_by")}
    return [
        ({f: row[f] for f in fields}, sources[row["source__id"]] if row["source__id"] is not None else None)
        for row in rows
    ]


def lab_sources(screening: Screening) -> list[LabResultSource | None]:
    """The source of each of the screening's lab rows, in the rows' order (None: typed)."""
    return [source for _row, source in lab_rows(screening)]


def labs_on_file(screening: Screening) -> LabsOnFile:
    """What a FHIR input's Observations are compared with for ``duplicate`` (fhir-labs.md):
    the stored rows, and the ids of the Observations they came from."""
    rows = LabResult.objects.filter(screening=screening).values_list("test", "date", "value", "unit")
    # An Observation without id is named by its JSON Pointer in its own input, which says
    # nothing of another input's.
    ids = (
        LabResultSource.objects.filter(screening=screening)
        .exclude(observation="")
        .exclude(observation__startswith="/")
        .values_list("observation", flat=True)
    )
    return LabsOnFile(
        rows=frozenset((test, day, float(value), unit) for test, day, value, unit in rows), observations=frozenset(ids)
    )


def patient_on_file(screening: Screening) -> PatientOnFile:
    return PatientOnFile(date_of_birth=screening.date_of_birth, sex=screening.sex or None)


def can_edit(user: User, screening: Screening) -> bool:
    """A coordinator or investigator of the screening's site (as :func:`sites_for_entry`)."""
    if user.role not in (Role.COORDINATOR, Role.INVESTIGATOR):
        return False
    if getattr(screening, "member_user_id", None) == user.pk:
        return True  # screening_visible_to found it through the user's membership of its site
    return screening.site_id in member_site_ids(user)


class JudgmentAnswer(NamedTuple):
    field: str
    label: str
    value: bool | None
    answered_by: User | None
    answered_at: datetime.datetime | None


def judgment_answers(screening: Screening, *, evaluation: Evaluation | None = None) -> list[JudgmentAnswer]:
    """Each investigator-judgment answer with who gave it and when (from the audit trail).

    The sign-off shows these so that the investigator confirms answers knowing who gave them.
    An answer's author is whoever last set the judgment to its current value; a judgment
    that is not answered (``None``) has no author, even though the row's creation or a
    blanking recorded an event for it.

    With ``evaluation``, the answers are those that evaluation was made of (its input
    document); when a later evaluation exists, their authors are those of the audit trail
    up to it, so that the checklist of an older evaluation is not rewritten by later saves.
    """
    event_model = apps.get_model("screening", "ScreeningEvent")
    events = event_model.objects.filter(pgh_obj_id=screening.pk)
    if (
        evaluation is not None
        and screening.evaluations.filter(
            Q(created_at__gt=evaluation.created_at) | Q(created_at=evaluation.created_at, pk__gt=evaluation.pk)
        ).exists()
    ):
        # A save's events are stamped with its transaction's start (the database's clock),
        # before its evaluation (the application's): only an older evaluation is cut off
        # by time, so that the usual case, the latest, does not depend on the two clocks.
        events = events.filter(pgh_created_at__lte=evaluation.created_at)
    events = (
        events.select_related("pgh_context")
        .order_by("pgh_created_at", "pgh_id")
        .values("pgh_created_at", "pgh_context__metadata", *JUDGMENT_FIELDS)
    )
    answered: dict[str, tuple[Any, datetime.datetime]] = {}
    previous: dict[str, Any] = {}
    for event in events:
        for name in JUDGMENT_FIELDS:
            value = event[name]
            if value is None:
                answered.pop(name, None)
            elif name not in previous or previous[name] != value:
                answered[name] = ((event["pgh_context__metadata"] or {}).get("user"), event["pgh_created_at"])
            previous[name] = value
    user_ids = {uid for uid, _when in answered.values() if uid is not None}
    users = User.objects.in_bulk(user_ids)
    answers = []
    judged = (evaluation.input_document.get("judgment") or {}) if evaluation is not None else None
    for name in JUDGMENT_FIELDS:
        value = getattr(screening, name) if judged is None else judged.get(name)
        uid, when = answered.get(name, (None, None)) if value is not None else (None, None)
        answers.append(
            JudgmentAnswer(
                field=name,
                label=str(capfirst(verbose_name_of(Screening, name))),
                value=value,
                answered_by=users.get(uid) if uid is not None else None,
                answered_at=when,
            )
        )
    return answers


def outcome_changed_since_signature(screening: Screening) -> Evaluation | None:
    """The latest evaluation of a signed (locked) screening when nobody signed it and no
    investigator recorded why not (:class:`OutcomeChangeReview`): a re-evaluation under a
    protocol amendment appended it after the signature. None otherwise (one query when
    locked, none when not).

    A locked screening takes no save; its latest evaluation is the signed one unless a
    re-evaluation appended another, so "the latest evaluation has no signature" is "the
    outcome changed since the signature"."""
    if not screening.locked:
        return None
    latest = screening.evaluations.order_by("-created_at", "-id").values("pk")[:1]
    return Evaluation.objects.filter(
        ~Exists(Signature.objects.filter(evaluation=OuterRef("pk"))),
        ~Exists(OutcomeChangeReview.objects.filter(evaluation=OuterRef("pk"))),
        pk=Subquery(latest),
    ).first()


def review_queue(user: User) -> QuerySet[Screening]:
    """Decided (eligible or ineligible), unsigned screenings of the investigator's sites,
    each with its latest result document; and their signed screenings whose outcome
    changed since the signature (``outcome_changed``, whatever the status: see
    :func:`outcome_changed_since_signature`), those first; then oldest first."""
    latest = Evaluation.objects.filter(screening=OuterRef("pk")).order_by("-created_at", "-id")
    unreviewed_change = (
        Q(locked=True)
        & ~Exists(Signature.objects.filter(evaluation_id=OuterRef("latest_evaluation_id")))
        & ~Exists(OutcomeChangeReview.objects.filter(evaluation_id=OuterRef("latest_evaluation_id")))
    )
    return (
        Screening.objects.filter(site__in=sites_for_entry(user))
        .annotate(latest_evaluation_id=Subquery(latest.values("pk")[:1]))
        .annotate(outcome_changed=ExpressionWrapper(unreviewed_change, output_field=BooleanField()))
        .filter(Q(locked=False, status__in=[Status.ELIGIBLE, Status.INELIGIBLE]) | Q(outcome_changed=True))
        .select_related("site", "updated_by")
        .annotate(latest_result=Subquery(latest.values("result_document")[:1]))
        .order_by("-outcome_changed", "updated_at", "id")
    )


class ReevaluationRow(NamedTuple):
    """An evaluation appended under a ruleset after one under another (an amendment applied to
    a screening), with the evaluation before it."""

    number: str
    site: str
    evaluation_id: int
    input_document: dict[str, Any]
    result_document: dict[str, Any]
    previous_input_document: dict[str, Any]
    previous_result_document: dict[str, Any]


def reevaluations_under(ruleset_id: str, *, sites: QuerySet[Site]) -> Iterator[ReevaluationRow]:
    """For each screening of ``sites``, its first evaluation under ``ruleset_id`` that follows
    one under another ruleset, with that one: how the amendment was applied to it. In
    screening number order, streamed."""
    previous = (
        Evaluation.objects.filter(screening=OuterRef("screening"))
        .filter(Q(created_at__lt=OuterRef("created_at")) | Q(created_at=OuterRef("created_at"), pk__lt=OuterRef("pk")))
        .order_by("-created_at", "-id")
    )
    rows = (
        Evaluation.objects.filter(ruleset=ruleset_id, screening__site__in=sites)
        .annotate(
            previous_ruleset=Subquery(previous.values("ruleset")[:1]),
            previous_input=Subquery(previous.values("input_document")[:1]),
            previous_result=Subquery(previous.values("result_document")[:1]),
        )
        .filter(previous_ruleset__isnull=False)
        .exclude(previous_ruleset=ruleset_id)
        .order_by("screening__number", "created_at", "id")
        .values_list(
            "screening__number",
            "screening__site__code",
            "pk",
            "input_document",
            "result_document",
            "previous_input",
            "previous_result",
        )
    )
    seen: str | None = None
    for number, site, pk, input_document, result, previous_input, previous_result in rows.iterator(chunk_size=500):
        if number == seen:
            continue  # the amendment applied once; a later return to it is another amendment's
        seen = number
        yield ReevaluationRow(number, site, pk, input_document, result, previous_input, previous_result)


def ruleset_in_force(site: Site, day: datetime.date) -> Ruleset:
    """The ruleset in force at ``site`` on ``day``: its SiteRuleset row in force from the
    latest date on or before ``day``; before any, the default ruleset (alter-v1)."""
    in_force = (
        SiteRuleset.objects.filter(site=site, effective_from__lte=day)
        .order_by("-effective_from")
        .values_list("ruleset", flat=True)
        .first()
    )
    return ruleset_named(in_force) if in_force is not None else DEFAULT
