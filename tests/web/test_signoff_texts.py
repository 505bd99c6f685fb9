"""What the sign-off and the pages around it say (issue 8, "sign-off that means what it says",
"truthful pages"): who answered each judgment, the text the investigator confirms, the
signature's manifestation (21 CFR 11.50), the list's last change and the evaluations' labels.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

import pghistory
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import dateformat, formats, timezone

from screening import services
from screening.document_mapping import JUDGMENT_FIELDS
from screening.models import Evaluation, Role, Screening, Signature, User
from screening.reasons import CRITERION_TITLES
from tests.conftest import PASSWORD, make_user
from tests.web.conftest import stored_state, text
from tests.web.formdata import form_data

ELIGIBLE, SCREEN_FAILURE = "eligibility_confirmed", "screen_failure_confirmed"
NO_JUDGMENTS = dict.fromkeys(JUDGMENT_FIELDS)


def _import(by: User, document: dict[str, Any], **changes: Any) -> Screening:
    """Save ``document`` (top-level keys replaced by ``changes``) as a new screening."""
    evaluation = services.screening_import(raw={**document, **changes}, by=by)
    return Screening.objects.select_related("site").get(pk=evaluation.screening_id)


def _latest(screening: Screening) -> Evaluation:
    latest = screening.evaluations.order_by("-created_at", "-id").first()
    assert latest is not None
    return latest


def _sign(by: User, screening: Screening, meaning: str = ELIGIBLE) -> Signature:
    return services.screening_sign(
        screening=screening, by=by, password=PASSWORD, meaning=meaning, evaluation_id=_latest(screening).pk
    )


def _sign_page(client: Client, screening: Screening) -> Any:
    return client.get(reverse("screening:sign", args=[screening.number]))


def _set_judgment(screening: Screening, *, by: User, **values: bool | None) -> None:
    """Change judgments as ``by`` straight in the database, recorded by the audit trail like any
    save. (This bypasses the form's reason-for-change and the evaluation: only the audit
    trail, which the sign-off reads, matters here.)"""
    with pghistory.context(user=by.pk):
        Screening.objects.filter(pk=screening.pk).update(**values)


def _confirmation(page: str) -> str:
    start = page.index('data-testid="sign-confirmation"')
    return " ".join(text(page[start : page.index("</div>", start)]).split())


def _manifestation(
    signature: Signature, *, name: str = "Inv Test (inv.ipc)", meaning: str = "eligibility confirmed"
) -> str:
    """The signature as every page must show it: printed name, date and time with the time
    zone (Europe/Paris: CET or CEST), meaning."""
    local = timezone.localtime(signature.signed_at)
    when = formats.date_format(local, "SHORT_DATETIME_FORMAT")
    zone = dateformat.format(local, "T")
    assert zone in ("CET", "CEST")
    return f"Signed by {name} on {when} {zone}. Meaning: {meaning}."


# --- who answered each judgment -------------------------------------------------------------


@pytest.mark.django_db
def test_unanswered_judgments_have_no_author(
    client: Client, coordinator_ipc: User, investigator_ipc: User, example_document: dict[str, Any]
) -> None:
    screening = _import(coordinator_ipc, example_document, judgment=NO_JUDGMENTS)
    client.force_login(investigator_ipc)

    response = _sign_page(client, screening)

    answers = response.context["judgments"]
    assert [(a.value, a.answered_by, a.answered_at) for a in answers] == [(None, None, None)] * 10
    table = text(response.content.decode().split('data-testid="judgments"')[1].split("</table>")[0])
    assert table.count("not answered yet") == 10
    assert "coord.ipc" not in table


# The audit trail's time is the transaction's: each save must commit for its own time, and
# the sites come from a data migration (serialized_rollback restores them afterwards).
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_judgment_answered_later_by_a_second_user_names_that_user_and_time(
    client: Client, coordinator_ipc: User, investigator_ipc: User, example_document: dict[str, Any]
) -> None:
    screening = _import(
        coordinator_ipc,
        example_document,
        judgment={**example_document["judgment"], "social_security_affiliation": None},
    )
    client.force_login(investigator_ipc)
    document = services.screening_document(screening=screening)
    document["judgment"]["social_security_affiliation"] = True

    before = timezone.now()
    saved = client.post(
        reverse("screening:detail", args=[screening.number]), form_data(document, version=screening.version)
    )
    after = timezone.now()

    assert saved.status_code == 302
    answers = {a.field: a for a in _sign_page(client, screening).context["judgments"]}
    answer = answers.pop("social_security_affiliation")
    assert (answer.value, answer.answered_by) == (True, investigator_ipc)
    assert answer.answered_at is not None
    assert before <= answer.answered_at <= after
    assert {a.answered_by for a in answers.values()} == {coordinator_ipc}


@pytest.mark.django_db
def test_judgment_blanked_again_has_no_author(
    client: Client, coordinator_ipc: User, investigator_ipc: User, screening_ipc: Screening
) -> None:
    _set_judgment(screening_ipc, by=investigator_ipc, incompatible_condition=None)
    client.force_login(investigator_ipc)

    answers = {a.field: a for a in _sign_page(client, screening_ipc).context["judgments"]}

    answer = answers["incompatible_condition"]
    assert (answer.value, answer.answered_by, answer.answered_at) == (None, None, None)


@pytest.mark.django_db
def test_judgment_answered_again_after_a_blank_names_the_last_answer(
    client: Client, coordinator_ipc: User, investigator_ipc: User, monitor: User, screening_ipc: Screening
) -> None:
    # True (coord.ipc) -> None (monitor) -> True (inv.ipc): the answer shown is inv.ipc's.
    _set_judgment(screening_ipc, by=monitor, willing_and_able_to_comply=None)
    _set_judgment(screening_ipc, by=investigator_ipc, willing_and_able_to_comply=True)
    client.force_login(investigator_ipc)

    answers = {a.field: a for a in _sign_page(client, screening_ipc).context["judgments"]}

    answer = answers["willing_and_able_to_comply"]
    assert (answer.value, answer.answered_by) == (True, investigator_ipc)
    assert answer.answered_at is not None


# --- the text the investigator confirms ------------------------------------------------------


@pytest.mark.django_db
def test_eligibility_confirmation_says_every_criterion_decided_and_every_judgment_answered(
    client: Client, investigator_ipc: User, screening_ipc: Screening
) -> None:
    client.force_login(investigator_ipc)

    page = _sign_page(client, screening_ipc).content.decode()

    assert 'data-testid="sign-form"' in page
    confirmation = _confirmation(page)
    assert "every criterion is decided" in confirmation
    assert "every investigator judgment above is answered" in confirmation
    assert "the patient is eligible" in confirmation
    assert "screen failure" not in confirmation


@pytest.mark.django_db
def test_screen_failure_confirmation_lists_the_failed_criteria_and_the_undecided_ones(
    client: Client, coordinator_ipc: User, investigator_ipc: User, example_document: dict[str, Any]
) -> None:
    # ECOG 3 fails INC-05; with no judgment answered, the ten judgment criteria are missing.
    screening = _import(coordinator_ipc, example_document, ecog=3, judgment=NO_JUDGMENTS)
    criteria = _latest(screening).result_document["criteria"]
    missing = [c["id"] for c in criteria if c["outcome"] == "missing"]
    assert screening.status == "ineligible"
    assert [c["id"] for c in criteria if c["outcome"] == "fail"] == ["INC-05"]
    assert len(missing) == 10
    client.force_login(investigator_ipc)

    page = _sign_page(client, screening).content.decode()

    assert 'data-testid="sign-form"' in page
    confirmation = _confirmation(page)
    assert f"I confirm the screen failure on this criterion: INC-05 {CRITERION_TITLES['INC-05']}" in confirmation
    assert "10 other criteria are not decided; my signature does not decide them:" in confirmation
    for cid in missing:
        assert f"{cid} {CRITERION_TITLES[cid]}" in confirmation
    assert "10 investigator judgments are not answered yet; my signature does not confirm them." in confirmation
    # Nothing it does not confirm: no judgment answers, no eligibility.
    assert "judgment answers above" not in confirmation
    assert "eligible" not in confirmation


@pytest.mark.django_db
def test_screen_failure_with_every_criterion_decided_says_so(
    client: Client, coordinator_ipc: User, investigator_ipc: User, example_document: dict[str, Any]
) -> None:
    screening = _import(coordinator_ipc, example_document, ecog=3)
    client.force_login(investigator_ipc)

    confirmation = _confirmation(_sign_page(client, screening).content.decode())

    assert "I confirm the screen failure on this criterion: INC-05" in confirmation
    assert "Every other criterion is decided." in confirmation
    assert "not answered" not in confirmation


@pytest.mark.django_db
def test_eligible_signature_refused_while_a_judgment_is_unanswered(
    client: Client, investigator_ipc: User, screening_ipc: Screening
) -> None:
    """Not reachable through a save (an unanswered judgment makes its criterion missing, so the
    status incomplete); a record changed behind the rules' back must still not be signed as
    eligible with a text saying every judgment is answered."""
    _set_judgment(screening_ipc, by=investigator_ipc, social_security_affiliation=None)
    screening_ipc.refresh_from_db()
    assert screening_ipc.status == "eligible"
    client.force_login(investigator_ipc)

    page = _sign_page(client, screening_ipc).content.decode()

    assert 'data-testid="sign-form"' not in page
    assert "Eligibility cannot be confirmed while an investigator judgment is not answered." in text(page)
    before = {**stored_state(), "signatures": Signature.objects.count()}
    with pytest.raises(services.SignatureRefused, match="investigator judgment is not answered"):
        _sign(investigator_ipc, screening_ipc)
    posted = client.post(
        reverse("screening:sign", args=[screening_ipc.number]),
        {"meaning": ELIGIBLE, "password": PASSWORD, "evaluation": str(_latest(screening_ipc).pk)},
    )
    assert posted.status_code == 400
    assert {**stored_state(), "signatures": Signature.objects.count()} == before
    screening_ipc.refresh_from_db()
    assert not screening_ipc.locked


# --- the signature's manifestation -----------------------------------------------------------


@pytest.mark.django_db
def test_signature_manifestation_on_every_page_that_shows_it(
    client: Client, coordinator_ipc: User, investigator_ipc: User, screening_ipc: Screening
) -> None:
    signature = _sign(investigator_ipc, screening_ipc)
    expected = _manifestation(signature)
    client.force_login(coordinator_ipc)
    number = screening_ipc.number

    pages = {
        "screening": client.get(reverse("screening:detail", args=[number])),
        "history": client.get(reverse("screening:history", args=[number])),
        "evaluation": client.get(reverse("screening:evaluation", args=[number, signature.evaluation_id])),
    }
    client.force_login(investigator_ipc)
    pages["sign-off"] = _sign_page(client, screening_ipc)

    for name, response in pages.items():
        assert response.status_code == 200, name
        shown = [
            " ".join(text(m).split())
            for m in re.findall(r'<span data-testid="signature">(.*?)</span>', response.content.decode(), flags=re.S)
        ]
        assert shown == [expected], f"{name}: {shown}"


@pytest.mark.django_db
def test_signature_manifestation_in_french(
    client: Client, coordinator_ipc: User, investigator_ipc: User, screening_ipc: Screening
) -> None:
    signature = _sign(investigator_ipc, screening_ipc, ELIGIBLE)
    local = timezone.localtime(signature.signed_at)
    client.force_login(coordinator_ipc)

    page = client.get(
        reverse("screening:detail", args=[screening_ipc.number]), headers={"Accept-Language": "fr-FR,fr;q=0.9"}
    ).content.decode()

    banner = " ".join(
        text(
            page[page.index('data-testid="locked"') : page.index("</span>", page.index('data-testid="locked"'))]
        ).split()
    )
    assert (
        f"Signé par Inv Test (inv.ipc) le {local:%d/%m/%Y %H:%M} {dateformat.format(local, 'T')}. "
        "Signification : éligibilité confirmée."
    ) in banner


@pytest.mark.django_db
def test_unsigned_evaluation_shows_no_signature(
    client: Client, coordinator_ipc: User, screening_ipc: Screening
) -> None:
    client.force_login(coordinator_ipc)

    page = client.get(reverse("screening:evaluation", args=[screening_ipc.number, _latest(screening_ipc).pk]))

    assert 'data-testid="signature"' not in page.content.decode()


# --- the list's last change ------------------------------------------------------------------


def _last_change(client: Client, screening: Screening) -> str:
    page = client.get(reverse("screening:list")).content.decode()
    row = next(r for r in re.findall(r"<tr[^>]*>(.*?)</tr>", page, flags=re.S) if f">{screening.number}<" in r)
    return " ".join(text(re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)[-1]).split())


@pytest.mark.django_db
def test_last_change_after_a_signature_and_an_unlock_names_the_investigator(
    client: Client, coordinator_ipc: User, investigator_ipc: User, screening_ipc: Screening
) -> None:
    client.force_login(coordinator_ipc)
    assert _last_change(client, screening_ipc).endswith("Coord Test")

    signature = _sign(investigator_ipc, screening_ipc)

    screening_ipc.refresh_from_db()
    assert screening_ipc.updated_by == investigator_ipc
    assert abs(screening_ipc.updated_at - signature.signed_at) < datetime.timedelta(seconds=5)
    shown = _last_change(client, screening_ipc)
    assert (
        shown == f"{formats.date_format(timezone.localtime(screening_ipc.updated_at), 'SHORT_DATETIME_FORMAT')}"
        " · Inv Test"
    )

    second = make_user("inv2.ipc", Role.INVESTIGATOR, "IPC")
    unlock = services.screening_unlock(screening=screening_ipc, by=second, reason="wrong visit")

    screening_ipc.refresh_from_db()
    assert screening_ipc.updated_by == second
    assert abs(screening_ipc.updated_at - unlock.unlocked_at) < datetime.timedelta(seconds=5)
    assert _last_change(client, screening_ipc).endswith(" · Inv2 Test")


# --- evaluation labels -----------------------------------------------------------------------


def _append_evaluations(screening: Screening, by: User, count: int) -> list[Evaluation]:
    """``count`` more evaluations of the same documents, appended as saves append them."""
    first = _latest(screening)
    for _ in range(count):
        Evaluation.objects.create(
            screening=screening,
            ruleset=first.ruleset,
            input_document=first.input_document,
            result_document=first.result_document,
            status=first.status,
            created_by=by,
        )
    return list(screening.evaluations.order_by("created_at", "id"))


def _panel_label(page: str) -> str:
    [label] = re.findall(r'data-testid="evaluation-label">(.*?)</span>', page, flags=re.S)
    return " ".join(text(label).split())


@pytest.mark.django_db
def test_evaluation_pages_are_labelled_with_their_position(
    client: Client, coordinator_ipc: User, screening_ipc: Screening
) -> None:
    evaluations = _append_evaluations(screening_ipc, coordinator_ipc, 2)
    client.force_login(coordinator_ipc)

    labels = [
        _panel_label(client.get(reverse("screening:evaluation", args=[screening_ipc.number, ev.pk])).content.decode())
        for ev in evaluations
    ]

    first, second = (
        formats.date_format(timezone.localtime(ev.created_at), "SHORT_DATETIME_FORMAT") for ev in evaluations[:2]
    )
    assert labels == [f"evaluation 1 of 3, {first}", f"evaluation 2 of 3, {second}", "latest evaluation (3 of 3)"]
    page = client.get(reverse("screening:evaluation", args=[screening_ipc.number, evaluations[0].pk]))
    assert "last saved evaluation" not in page.content.decode()
    # The screening's own panel shows the last saved evaluation, and says so.
    assert (
        "last saved evaluation" in client.get(reverse("screening:detail", args=[screening_ipc.number])).content.decode()
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("saved", "shown"),
    [
        (3, ["3 of 3", "2 of 3", "1 of 3"]),
        # The screening page lists the newest 20: numbered from the total, not from 20.
        (22, [f"{n} of 22" for n in range(22, 2, -1)]),
    ],
)
def test_screening_page_numbers_its_evaluations(
    client: Client, coordinator_ipc: User, screening_ipc: Screening, saved: int, shown: list[str]
) -> None:
    _append_evaluations(screening_ipc, coordinator_ipc, saved - 1)
    client.force_login(coordinator_ipc)

    page = client.get(reverse("screening:detail", args=[screening_ipc.number])).content.decode()

    assert re.findall(r'data-testid="evaluation-position">([^<]*)<', page) == shown
