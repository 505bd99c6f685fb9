"""Re-evaluation under a protocol amendment and its diff (screening/reevaluation.py,
``manage.py reevaluate``), the "outcome changed since signature" flag and how it ends
(re-signing, or a recorded reason), and the amendment impact page.

The hand-built set, under the test ruleset alter-test (tests/rulesets.py: CrCl >= 40,
LVEF >= 50, EXC-13 liver metastases added), all saved under alter-v1:

- IPC-0001 eligible, CrCl 35.3 mL/min: becomes ineligible (INC-07-CRCL);
- IPC-0002 ineligible by LVEF 52 %: becomes eligible (INC-08);
- IPC-0003 incomplete (INC-11 not answered) with liver metastases: becomes ineligible (EXC-13).
  (An incomplete cannot become eligible under alter-test: it decides no criterion that
  alter-v1 left missing.)
- IPC-0004 eligible, signed, with liver metastases: becomes ineligible (EXC-13), stays
  locked, and is flagged;
- IGR-0001 eligible, already re-evaluated under alter-test: does not change.

Every alter-v1 result lacks EXC-13: a criterion only one ruleset has is a change, shown
``null`` on the side without it.
"""

from __future__ import annotations

import copy
import datetime
import io
import json
from typing import Any, Final

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from screening import reevaluation, selectors, services
from screening.models import Evaluation, OutcomeChangeReview, Screening, Signature, User
from screening.rules.ruleset import Ruleset
from tests.conftest import PASSWORD
from tests.web.conftest import stored_state, text

RULESET: Final = "alter-test"
REASON: Final = "Amendment 2 approved by the ethics committee on 2026-11-20"

EXPECTED: Final = [
    {
        "number": "IPC-0001",
        "site": "IPC",
        "before": {
            "ruleset": "alter-v1",
            "status": "eligible",
            "criteria": {"INC-07-CRCL": ["pass", "at_least_min"], "EXC-13": None},
        },
        "after": {
            "ruleset": "alter-test",
            "status": "ineligible",
            "criteria": {"INC-07-CRCL": ["fail", "below_min"], "EXC-13": ["pass", "absent"]},
        },
        "changed": ["INC-07-CRCL", "EXC-13"],
    },
    {
        "number": "IPC-0002",
        "site": "IPC",
        "before": {
            "ruleset": "alter-v1",
            "status": "ineligible",
            "criteria": {"INC-08": ["fail", "below_min"], "EXC-13": None},
        },
        "after": {
            "ruleset": "alter-test",
            "status": "eligible",
            "criteria": {"INC-08": ["pass", "at_least_min"], "EXC-13": ["pass", "absent"]},
        },
        "changed": ["INC-08", "EXC-13"],
    },
    {
        "number": "IPC-0003",
        "site": "IPC",
        "before": {"ruleset": "alter-v1", "status": "incomplete", "criteria": {"EXC-13": None}},
        "after": {"ruleset": "alter-test", "status": "ineligible", "criteria": {"EXC-13": ["fail", "present"]}},
        "changed": ["EXC-13"],
    },
    {
        "number": "IPC-0004",
        "site": "IPC",
        "before": {"ruleset": "alter-v1", "status": "eligible", "criteria": {"EXC-13": None}},
        "after": {"ruleset": "alter-test", "status": "ineligible", "criteria": {"EXC-13": ["fail", "present"]}},
        "changed": ["EXC-13"],
    },
]


def _doc(example: dict[str, Any], number: str, **changes: Any) -> dict[str, Any]:
    """The spec's eligible patient as ``number``, with values changed by path (``lvef__percent``)."""
    doc = copy.deepcopy(example)
    doc["screening_id"] = number
    doc["site"] = number.partition("-")[0]
    for path, value in changes.items():
        *parents, last = path.split("__")
        target = doc
        for name in parents:
            target = target[name]
        target[last] = value
    return doc


def _creatinine(example: dict[str, Any], value: float) -> list[dict[str, Any]]:
    return [{**lab, "value": value} if lab["test"] == "creatinine" else lab for lab in example["labs"]]


def _reevaluate(*args: str) -> tuple[list[dict[str, Any]], str, str]:
    """``reevaluate --ruleset alter-test ARGS``: its JSON Lines (parsed), its raw output and its standard error."""
    out, err = io.StringIO(), io.StringIO()
    call_command("reevaluate", "--ruleset", RULESET, *args, stdout=out, stderr=err)
    return [json.loads(line) for line in out.getvalue().splitlines()], out.getvalue(), err.getvalue()


def _state() -> dict[str, Any]:
    return {
        **stored_state(),
        "evaluation_rows": list(Evaluation.objects.order_by("pk").values_list("pk", "ruleset", "status")),
        "screening_rows": list(
            Screening.objects.order_by("pk").values_list("pk", "ruleset", "status", "locked", "version")
        ),
        "signatures": list(Signature.objects.order_by("pk").values_list("pk", "evaluation_id")),
        "reviews": OutcomeChangeReview.objects.count(),
    }


def _screening(number: str) -> Screening:
    return Screening.objects.select_related("site").get(number=number)


@pytest.fixture
def amendment_set(
    alter_test: Ruleset,
    *,
    example_document: dict[str, Any],
    coordinator_ipc: User,
    coordinator_igr: User,
    investigator_ipc: User,
    monitor: User,
) -> dict[str, Screening]:
    for doc in (
        _doc(example_document, "IPC-0001", labs=_creatinine(example_document, 180)),
        _doc(example_document, "IPC-0002", lvef__percent=52),
        _doc(example_document, "IPC-0003", disease__liver_metastases=True, judgment__willing_and_able_to_comply=None),
        _doc(example_document, "IPC-0004", disease__liver_metastases=True),
    ):
        services.screening_import(raw=doc, by=coordinator_ipc)
    services.screening_import(raw=_doc(example_document, "IGR-0001", patient__initials="JB"), by=coordinator_igr)
    services.screening_sign(
        screening=_screening("IPC-0004"), by=investigator_ipc, password=PASSWORD, meaning="eligibility_confirmed"
    )
    # IGR-0001 is already under the amendment (its site applied it first): it does not change again.
    _reevaluate("--site", "IGR", "--apply", "--user", monitor.username, "--reason", REASON)
    screenings = {s.number: s for s in Screening.objects.select_related("site")}
    assert {n: (s.status, s.ruleset) for n, s in screenings.items()} == {
        "IPC-0001": ("eligible", "alter-v1"),
        "IPC-0002": ("ineligible", "alter-v1"),
        "IPC-0003": ("incomplete", "alter-v1"),
        "IPC-0004": ("eligible", "alter-v1"),
        "IGR-0001": ("eligible", "alter-test"),
    }
    assert screenings["IGR-0001"].evaluations.count() == 2
    return screenings


# --- the dry run ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_dry_run_prints_exactly_each_change_and_stores_nothing(amendment_set: dict[str, Screening]) -> None:
    before = _state()

    lines, raw, err = _reevaluate()

    assert lines == EXPECTED
    assert raw == "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in EXPECTED)
    assert "4 screening(s) would change under alter-test; nothing was stored." in err
    assert _state() == before


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # the workers read what is committed
def test_two_worker_processes_print_the_same_lines_in_the_same_order(
    amendment_set: dict[str, Screening], monkeypatch: pytest.MonkeyPatch
) -> None:
    # One screening per range: the five screenings are spread over the two workers.
    monkeypatch.setattr(reevaluation, "PART_SCREENINGS", 1)

    lines, raw, err = _reevaluate("--jobs", "2")

    assert lines == EXPECTED
    assert "4 screening(s) would change under alter-test; nothing was stored." in err


@pytest.mark.django_db
def test_dry_run_of_one_site(amendment_set: dict[str, Screening]) -> None:
    assert _reevaluate("--site", "IPC")[0] == EXPECTED
    assert _reevaluate("--site", "IGR")[0] == []


@pytest.mark.django_db
def test_a_ruleset_against_itself_changes_nothing(amendment_set: dict[str, Screening]) -> None:
    out = io.StringIO()
    call_command("reevaluate", "--ruleset", "alter-v1", "--site", "IPC", stdout=out, stderr=io.StringIO())

    assert out.getvalue() == ""


def test_result_diff_same_status_and_criteria_is_no_change_whatever_the_ruleset() -> None:
    criteria = [{"id": "INC-01", "outcome": "pass", "code": "signed"}]
    v1 = {"ruleset": "alter-v1", "status": "eligible", "criteria": criteria}
    v2 = {"ruleset": "alter-v2", "status": "eligible", "criteria": criteria}

    assert reevaluation.result_diff(v1, v2) is None
    # The code alone changing is a change; so is the status alone.
    recoded = {**v2, "criteria": [{"id": "INC-01", "outcome": "pass", "code": "witnessed"}]}
    diff = reevaluation.result_diff(v1, recoded)
    assert diff is not None and diff.changed == ("INC-01",)
    restated = reevaluation.result_diff(v1, {**v2, "status": "incomplete"})
    assert restated is not None and restated.changed == () and restated.after.status == "incomplete"
    # A criterion only the earlier ruleset had.
    dropped = reevaluation.result_diff(v1, {**v2, "criteria": []})
    assert dropped is not None and dropped.before.criteria == {"INC-01": ("pass", "signed")}
    assert dropped.after.criteria == {"INC-01": None}


# --- refusals ------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--apply"], "--apply needs --user NAME and --reason TEXT"),
        (["--apply", "--user", "monitor"], "--apply needs --user NAME and --reason TEXT"),
        (["--apply", "--reason", REASON], "--apply needs --user NAME and --reason TEXT"),
        (["--apply", "--user", "monitor", "--reason", "  "], "--apply needs --user NAME and --reason TEXT"),
        (["--apply", "--user", "nobody", "--reason", REASON], "no active user 'nobody'"),
        (["--reason", REASON], "--user and --reason go with --apply"),
        (["--site", "XYZ"], "unknown site 'XYZ'"),
    ],
)
def test_refused_runs_exit_2_and_store_nothing(
    amendment_set: dict[str, Screening], args: list[str], message: str
) -> None:
    before = _state()

    with pytest.raises(CommandError) as refused:
        _reevaluate(*args)

    assert refused.value.returncode == 2
    assert message in str(refused.value)
    assert _state() == before


@pytest.mark.django_db
def test_unknown_ruleset_exits_2(amendment_set: dict[str, Screening]) -> None:
    with pytest.raises(CommandError) as refused:
        call_command("reevaluate", "--ruleset", "alter-v9", stdout=io.StringIO())

    assert refused.value.returncode == 2
    assert "unknown ruleset 'alter-v9'; known: alter-test, alter-v1" in str(refused.value)


# --- --apply -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_apply_appends_an_evaluation_to_each_changed_screening(
    amendment_set: dict[str, Screening], monitor: User, client: Client
) -> None:
    earlier = {n: (s.version, s.locked, s.evaluations.get().pk) for n, s in amendment_set.items() if n != "IGR-0001"}
    igr_evaluations = list(amendment_set["IGR-0001"].evaluations.values_list("pk", flat=True))

    lines, _raw, err = _reevaluate("--apply", "--user", "monitor", "--reason", REASON)

    assert lines == EXPECTED
    assert "4 screening(s) re-evaluated under alter-test; 1 signed, flagged as changed since their signature." in err
    for line in EXPECTED:
        screening = _screening(line["number"])
        first, latest = screening.evaluations.order_by("created_at", "id")
        assert first.pk == earlier[screening.number][2]
        assert (latest.ruleset, latest.status, latest.created_by) == (RULESET, line["after"]["status"], monitor)
        assert latest.input_document == first.input_document
        assert latest.result_document["ruleset"] == RULESET
        assert (screening.ruleset, screening.status) == (RULESET, line["after"]["status"])
        assert screening.failed_criteria == latest.result_document["failed"]
        assert screening.failed_count == len(latest.result_document["failed"])
        assert screening.missing_criteria == latest.result_document["missing"]
        # Neither the version (the data did not change) nor the lock.
        assert (screening.version, screening.locked) == earlier[screening.number][:2]
        # The history context names who and why.
        event = screening.events.order_by("-pgh_id").select_related("pgh_context").first()  # type: ignore[attr-defined]  # pghistory's reverse relation
        assert event.pgh_context.metadata == {
            "user": monitor.pk,
            "action": "reevaluate",
            "ruleset": RULESET,
            "reason": REASON,
        }
        assert (event.ruleset, event.status, event.version) == (RULESET, line["after"]["status"], screening.version)
    assert list(amendment_set["IGR-0001"].evaluations.values_list("pk", flat=True)) == igr_evaluations
    # The screening's history shows the change of ruleset with its reason, by its author.
    client.force_login(monitor)
    history = text(client.get(reverse("screening:history", args=["IPC-0001"])).content.decode())
    assert REASON in history and "alter-test" in history
    # Applied, nothing changes any more.
    assert _reevaluate()[0] == []


@pytest.mark.django_db
def test_apply_keeps_the_signature_with_the_evaluation_it_signed_and_flags(
    amendment_set: dict[str, Screening], investigator_ipc: User, client: Client
) -> None:
    signed = amendment_set["IPC-0004"]
    signature = Signature.objects.get(screening=signed)

    _reevaluate("--apply", "--user", "monitor", "--reason", REASON)

    signed.refresh_from_db()
    first, latest = signed.evaluations.order_by("created_at", "id")
    assert Signature.objects.get(screening=signed) == signature
    assert signature.evaluation == first
    assert signed.locked
    assert selectors.outcome_changed_since_signature(signed) == latest
    assert [selectors.outcome_changed_since_signature(_screening(n)) for n in ("IPC-0001", "IPC-0002")] == [None] * 2
    client.force_login(investigator_ipc)
    queue = client.get(reverse("screening:review_queue"))
    # Flagged first, then the decided unsigned ones.
    assert [(s.number, s.outcome_changed) for s in queue.context["page"]] == [
        ("IPC-0004", True),
        ("IPC-0001", False),
        ("IPC-0002", False),
        ("IPC-0003", False),
    ]
    page = queue.content.decode()
    assert page.count('data-testid="outcome-changed"') == 1
    assert "Outcome changed since signature" in text(page)
    detail = client.get(reverse("screening:detail", args=["IPC-0004"])).content.decode()
    assert 'data-testid="outcome-changed"' in detail
    assert "re-evaluated under alter-test, status now ineligible" in text(detail)
    assert (
        'data-testid="outcome-changed"'
        not in client.get(reverse("screening:detail", args=["IPC-0001"])).content.decode()
    )


@pytest.mark.django_db
def test_the_database_lets_a_locked_status_follow_only_an_evaluation_appended_since_the_signature(
    amendment_set: dict[str, Screening],
) -> None:
    signed = amendment_set["IPC-0004"]
    locked = Screening.objects.filter(pk=signed.pk)

    # Signed and not re-evaluated: its latest evaluation is the signed one.
    with pytest.raises(DatabaseError, match="its status follows only an evaluation appended since its signature"):
        with transaction.atomic():
            locked.update(status="ineligible", failed_count=1, failed_criteria=["EXC-13"])

    _reevaluate("--apply", "--user", "monitor", "--reason", REASON)

    # Re-evaluated: its summary repeats the new evaluation, and nothing else may move.
    with pytest.raises(DatabaseError, match="its status follows only"), transaction.atomic():
        locked.update(status="eligible", failed_count=0, failed_criteria=[])
    with pytest.raises(DatabaseError, match="an investigator must unlock it"), transaction.atomic():
        locked.update(ecog=2)
    assert locked.values_list("status", "ecog").get() == ("ineligible", 1)


@pytest.mark.django_db
def test_apply_recomputes_a_screening_saved_since_the_dry_run(
    amendment_set: dict[str, Screening], coordinator_ipc: User, monitor: User, example_document: dict[str, Any]
) -> None:
    [change] = [
        c for c in reevaluation.changes(ruleset_id=RULESET, today=_today(), site=None) if c.number == "IPC-0001"
    ]
    # Saved with a lower creatinine since: eligible under both rulesets, only EXC-13 differs.
    document = services.screening_document(screening=_screening("IPC-0001"), with_version=True)
    document["labs"] = _creatinine(document, 68)
    services.screening_import(raw=document, by=coordinator_ipc, reason="creatinine re-measured")

    done = reevaluation.screening_reevaluate(
        change=change, ruleset_id=RULESET, today=_today(), by=monitor, reason=REASON
    )

    assert done is not None
    evaluation, applied = done
    assert applied.diff.changed == ("EXC-13",)
    assert (evaluation.status, _screening("IPC-0001").status) == ("eligible", "eligible")


def _today() -> datetime.date:
    return timezone.localdate()


# --- the flag ends: re-signed, or a reason recorded -------------------------------------------


@pytest.mark.django_db
def test_flag_ends_when_the_investigator_signs_the_new_evaluation(
    amendment_set: dict[str, Screening], investigator_ipc: User, client: Client
) -> None:
    _reevaluate("--apply", "--user", "monitor", "--reason", REASON)
    screening = _screening("IPC-0004")
    old_signature = Signature.objects.get(screening=screening)
    latest = screening.evaluations.order_by("-created_at", "-id").first()
    assert latest is not None
    client.force_login(investigator_ipc)

    page = client.get(reverse("screening:sign", args=[screening.number]))

    content = page.content.decode()
    assert 'data-testid="outcome-changed"' in content and 'data-testid="sign-form"' in content
    assert 'data-testid="outcome-review-form"' in content
    assert [row["id"] for row in page.context["outcome_change"]["rows"]] == ["EXC-13"]
    assert "Signed evaluation (alter-v1): eligible. Re-evaluated under alter-test: ineligible." in text(content)
    assert page.context["form"]["evaluation"].value() == latest.pk

    response = client.post(
        reverse("screening:sign", args=[screening.number]),
        {"meaning": "screen_failure_confirmed", "password": PASSWORD, "evaluation": str(latest.pk)},
    )

    assert response.status_code == 302
    screening.refresh_from_db()
    new_signature = Signature.objects.exclude(pk=old_signature.pk).get(screening=screening)
    assert (new_signature.evaluation, new_signature.meaning) == (latest, "screen_failure_confirmed")
    assert Signature.objects.get(pk=old_signature.pk).evaluation_id == old_signature.evaluation_id
    assert screening.locked
    assert selectors.outcome_changed_since_signature(screening) is None
    assert "IPC-0004" not in {s.number for s in client.get(reverse("screening:review_queue")).context["page"]}
    # Signed again: the page says so, and a second signature is refused.
    assert (
        'data-testid="sign-form"' not in client.get(reverse("screening:sign", args=[screening.number])).content.decode()
    )
    with pytest.raises(services.SignatureRefused, match="already signed"):
        services.screening_sign(
            screening=screening, by=investigator_ipc, password=PASSWORD, meaning="screen_failure_confirmed"
        )


@pytest.mark.django_db
def test_flag_ends_when_the_investigator_records_why_not(
    amendment_set: dict[str, Screening], investigator_ipc: User, client: Client
) -> None:
    _reevaluate("--apply", "--user", "monitor", "--reason", REASON)
    screening = _screening("IPC-0004")
    latest = screening.evaluations.order_by("-created_at", "-id").first()
    assert latest is not None
    client.force_login(investigator_ipc)
    url = reverse("screening:outcome_change_review", args=[screening.number])
    before = _state()

    empty = client.post(url, {"reason": " ", "evaluation": str(latest.pk)})

    assert empty.status_code == 400
    assert _state() == before
    assert selectors.outcome_changed_since_signature(screening) == latest

    reason = "Randomised on 2026-11-02, before the amendment took effect"
    response = client.post(url, {"reason": reason, "evaluation": str(latest.pk)})

    assert response.status_code == 302
    review = OutcomeChangeReview.objects.get()
    assert (review.screening, review.evaluation, review.reviewed_by, review.reason) == (
        screening,
        latest,
        investigator_ipc,
        reason,
    )
    assert selectors.outcome_changed_since_signature(screening) is None
    assert "IPC-0004" not in {s.number for s in client.get(reverse("screening:review_queue")).context["page"]}
    screening.refresh_from_db()
    assert screening.locked and Signature.objects.filter(screening=screening).count() == 1
    # The history lists it; a second one is refused (nothing left to review).
    history = text(client.get(reverse("screening:history", args=[screening.number])).content.decode())
    assert "Outcome change reviewed, not signed again" in history and reason in history
    with pytest.raises(services.OutcomeReviewRefused, match="has not changed since its signature"):
        services.screening_review_outcome_change(screening=screening, by=investigator_ipc, reason=reason)
    # Append-only, down to the database.
    with pytest.raises(DatabaseError), transaction.atomic():
        OutcomeChangeReview.objects.filter(pk=review.pk).update(reason="edited")
    with pytest.raises(DatabaseError), transaction.atomic():
        OutcomeChangeReview.objects.filter(pk=review.pk).delete()


@pytest.mark.django_db
def test_a_reason_is_refused_where_nothing_changed_since_the_signature(
    amendment_set: dict[str, Screening], investigator_ipc: User, coordinator_ipc: User
) -> None:
    signed = amendment_set["IPC-0004"]  # signed, not re-evaluated yet

    with pytest.raises(services.OutcomeReviewRefused, match="has not changed since its signature"):
        services.screening_review_outcome_change(screening=signed, by=investigator_ipc, reason="no")
    with pytest.raises(services.OutcomeReviewRefused, match="Only an investigator"):
        services.screening_review_outcome_change(screening=signed, by=coordinator_ipc, reason="no")
    assert OutcomeChangeReview.objects.count() == 0


@pytest.mark.django_db
def test_a_later_reevaluation_flags_again(amendment_set: dict[str, Screening], investigator_ipc: User) -> None:
    _reevaluate("--apply", "--user", "monitor", "--reason", REASON)
    screening = _screening("IPC-0004")
    services.screening_review_outcome_change(screening=screening, by=investigator_ipc, reason="randomised before")

    # Back to alter-v1 (an amendment withdrawn): a new unsigned evaluation, flagged anew.
    out = io.StringIO()
    call_command(
        "reevaluate",
        "--ruleset",
        "alter-v1",
        "--site",
        "IPC",
        "--apply",
        "--user",
        "monitor",
        "--reason",
        "withdrawn",
        stdout=out,
        stderr=io.StringIO(),
    )

    latest = selectors.outcome_changed_since_signature(screening)
    assert latest is not None and latest.ruleset == "alter-v1"


# --- the impact page -----------------------------------------------------------------------


def _counts(section: dict[str, Any], kind: str) -> dict[tuple[str, str], int]:
    part = dict(section["parts"])[kind]
    return {(c["before_status"], c["after_status"]): c["count"] for c in part["counts"]}


def _numbers(section: dict[str, Any], kind: str) -> list[str]:
    return [row["number"] for row in dict(section["parts"])[kind]["rows"]]


PENDING_IPC: Final = {("eligible", "ineligible"): 2, ("incomplete", "ineligible"): 1, ("ineligible", "eligible"): 1}


@pytest.mark.django_db
def test_impact_page_shows_pending_then_applied_counts(
    amendment_set: dict[str, Screening], investigator_ipc: User, client: Client
) -> None:
    client.force_login(investigator_ipc)
    url = reverse("screening:amendment_impact")
    before = _state()

    pending = client.get(url, {"ruleset": RULESET, "site": "IPC"})

    assert pending.status_code == 200
    assert _state() == before
    [section] = pending.context["sections"]
    assert section["site"].code == "IPC"
    assert _counts(section, "pending") == PENDING_IPC
    assert _numbers(section, "pending") == ["IPC-0001", "IPC-0002", "IPC-0003", "IPC-0004"]
    assert _counts(section, "applied") == {}
    page = pending.content.decode()
    assert 'data-transition="eligible-ineligible"' in page
    assert f'href="{reverse("screening:detail", args=["IPC-0001"])}"' in page
    row = dict(section["parts"])["pending"]["rows"][0]
    assert [
        (c["id"], c["before"]["outcome"] if c["before"] else None, c["after"]["outcome"]) for c in row["criteria"]
    ] == [
        ("INC-07-CRCL", "pass", "fail"),
        ("EXC-13", None, "pass"),
    ]

    _reevaluate("--apply", "--user", "monitor", "--reason", REASON)
    applied = client.get(url, {"ruleset": RULESET, "site": "IPC"})

    [section] = applied.context["sections"]
    assert _counts(section, "pending") == {}
    assert _counts(section, "applied") == PENDING_IPC
    assert _numbers(section, "applied") == ["IPC-0001", "IPC-0002", "IPC-0003", "IPC-0004"]


@pytest.mark.django_db
def test_impact_page_per_site_for_the_persona(
    amendment_set: dict[str, Screening], monitor: User, coordinator_igr: User, client: Client
) -> None:
    client.force_login(monitor)
    response = client.get(reverse("screening:amendment_impact"), {"ruleset": RULESET, "site": ""})

    sections = {s["site"].code: s for s in response.context["sections"]}
    assert list(sections) == ["IGR", "IPC"]
    # IGR-0001 was applied: eligible before and after, EXC-13 added.
    assert _counts(sections["IGR"], "applied") == {("eligible", "eligible"): 1}
    assert _counts(sections["IGR"], "pending") == {}
    assert _counts(sections["IPC"], "pending") == PENDING_IPC

    client.force_login(coordinator_igr)
    own = client.get(reverse("screening:amendment_impact"), {"ruleset": RULESET})
    assert [s["site"].code for s in own.context["sections"]] == ["IGR"]
    other = client.get(reverse("screening:amendment_impact"), {"ruleset": RULESET, "site": "IPC"})
    assert other.context["sections"] == []
    assert "IPC-0001" not in other.content.decode()
