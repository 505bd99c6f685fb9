"""Electronic sign-off, the lock it sets, and unlocking (screening/views/signoff.py and unlock.py, services).

An investigator of the screening's site signs the latest evaluation of a decided screening:
they re-enter their password and state a meaning that matches the status. The signature
locks the record: the form, the JSON import and ``screen --save`` all refuse to change it
until an investigator unlocks it with a written reason; a later save then needs a new
signature. Signatures and unlocks are append-only, down to the database.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst

from screening import exchange, services
from screening.document_mapping import JUDGMENT_FIELDS
from screening.models import Evaluation, Screening, Signature, Unlock, User
from tests.conftest import PASSWORD
from tests.web.conftest import stored_state, text
from tests.web.formdata import form_data

ELIGIBLE, SCREEN_FAILURE = "eligibility_confirmed", "screen_failure_confirmed"


def _state() -> dict[str, Any]:
    """The web tests' snapshot, with the sign-off rows and each screening's lock."""
    return {
        **stored_state(),
        "signatures": list(
            Signature.objects.order_by("pk").values_list(
                "pk", "screening_id", "evaluation_id", "meaning", "signed_by_id", "signed_at"
            )
        ),
        "unlocks": list(
            Unlock.objects.order_by("pk").values_list(
                "pk", "screening_id", "signature_id", "reason", "unlocked_by_id", "unlocked_at"
            )
        ),
        "locked": list(Screening.objects.order_by("pk").values_list("pk", "locked")),
    }


def _import(by: User, document: dict[str, Any], **changes: Any) -> Screening:
    """Save ``document`` (top-level keys replaced by ``changes``) as its own screening_id."""
    evaluation = services.screening_import(raw={**document, **changes}, by=by)
    return Screening.objects.select_related("site").get(pk=evaluation.screening_id)


def _latest(screening: Screening) -> Evaluation:
    latest = screening.evaluations.order_by("-created_at", "-id").first()
    assert latest is not None
    return latest


def _sign_url(screening: Screening) -> str:
    return reverse("screening:sign", args=[screening.number])


def _sign_data(
    screening: Screening, *, meaning: str = ELIGIBLE, password: str = PASSWORD, evaluation: int | None = None
) -> dict[str, str]:
    """What the sign page posts: the meaning chosen, the password, the evaluation it showed."""
    return {
        "meaning": meaning,
        "password": password,
        "evaluation": str(evaluation if evaluation is not None else _latest(screening).pk),
    }


def _sign(by: User, screening: Screening, meaning: str = ELIGIBLE) -> Signature:
    return services.screening_sign(
        screening=screening, by=by, password=PASSWORD, meaning=meaning, evaluation_id=_latest(screening).pk
    )


def _upload(document: dict[str, Any]) -> SimpleUploadedFile:
    return SimpleUploadedFile("screening.json", json.dumps(document).encode(), content_type="application/json")


def _edited(screening: Screening, **patient: Any) -> dict[str, Any]:
    """The screening's export (with its record_version) with patient values changed."""
    document = services.screening_document(screening=screening, with_version=True)
    document["patient"].update(patient)
    return document


# A correction of a stored value that keeps the patient eligible, and the reason it needs.
CORRECTED_WEIGHT = {"weight_kg": 64.5}
WEIGHT_REASON = "weight misread from the nursing chart"


# --- signing ---------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "status", "meaning"),
    [
        ({}, "eligible", ELIGIBLE),
        ({"ecog": 3}, "ineligible", SCREEN_FAILURE),
    ],
)
def test_investigator_signs_the_latest_evaluation_and_locks_the_screening(
    client: Client,
    coordinator_ipc: User,
    investigator_ipc: User,
    example_document: dict[str, Any],
    *,
    changes: dict[str, Any],
    status: str,
    meaning: str,
) -> None:
    screening = _import(coordinator_ipc, example_document, **changes)
    # A correction since the first save: the latest evaluation is the second.
    services.screening_import(raw=_edited(screening, **CORRECTED_WEIGHT), by=coordinator_ipc, reason=WEIGHT_REASON)
    screening.refresh_from_db()
    assert (screening.status, screening.evaluations.count()) == (status, 2)
    latest = _latest(screening)
    client.force_login(investigator_ipc)

    page = client.get(_sign_url(screening))
    assert page.status_code == 200
    assert page.context["form"]["evaluation"].value() == latest.pk
    before = timezone.now()
    response = client.post(_sign_url(screening), _sign_data(screening, meaning=meaning))
    after = timezone.now()

    assert response.status_code == 302
    assert response.url == reverse("screening:detail", args=[screening.number])
    signature = Signature.objects.get()
    assert (signature.screening, signature.evaluation, signature.meaning, signature.signed_by) == (
        screening,
        latest,
        meaning,
        investigator_ipc,
    )
    assert before <= signature.signed_at <= after
    screening.refresh_from_db()
    assert screening.locked
    # Signing evaluates nothing: it signs what was there.
    assert (screening.evaluations.count(), screening.version, screening.status) == (2, 2, status)
    detail = text(client.get(response.url).content.decode())
    assert "The screening is locked." in detail


REFUSED_SIGNATURES = [
    # (top-level changes to the document, meaning, password, message)
    pytest.param(
        {}, ELIGIBLE, "not-my-password", "Wrong password: the signature was not recorded.", id="wrong-password"
    ),
    pytest.param({}, ELIGIBLE, "", "This field is required.", id="no-password"),
    pytest.param({"ecog": None}, ELIGIBLE, PASSWORD, "An incomplete screening cannot be signed", id="incomplete"),
    pytest.param(
        {"ecog": None},
        SCREEN_FAILURE,
        PASSWORD,
        "An incomplete screening cannot be signed",
        id="incomplete-as-screen-failure",
    ),
    pytest.param(
        {},
        SCREEN_FAILURE,
        PASSWORD,
        "The meaning of the signature must match the status (eligible)",
        id="eligible-signed-as-screen-failure",
    ),
    pytest.param(
        {"ecog": 3},
        ELIGIBLE,
        PASSWORD,
        "The meaning of the signature must match the status (ineligible)",
        id="ineligible-signed-as-eligible",
    ),
    pytest.param({}, "enrolled", PASSWORD, "Select a valid choice.", id="unknown-meaning"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("changes", "meaning", "password", "message"), REFUSED_SIGNATURES)
def test_refused_signature_stores_nothing_and_leaves_the_screening_open(
    client: Client,
    coordinator_ipc: User,
    investigator_ipc: User,
    example_document: dict[str, Any],
    *,
    changes: dict[str, Any],
    meaning: str,
    password: str,
    message: str,
) -> None:
    screening = _import(coordinator_ipc, example_document, **changes)
    client.force_login(investigator_ipc)
    before = _state()

    response = client.post(_sign_url(screening), _sign_data(screening, meaning=meaning, password=password))

    assert response.status_code == 400
    assert message in text(response.content.decode())
    assert _state() == before
    screening.refresh_from_db()
    assert not screening.locked


@pytest.mark.django_db
def test_incomplete_screening_sign_page_offers_no_signature(
    client: Client, coordinator_ipc: User, investigator_ipc: User, example_document: dict[str, Any]
) -> None:
    screening = _import(coordinator_ipc, example_document, ecog=None)
    client.force_login(investigator_ipc)

    page = client.get(_sign_url(screening)).content.decode()

    assert 'data-testid="sign-form"' not in page
    assert "An incomplete screening cannot be signed" in text(page)


@pytest.mark.django_db
def test_signing_twice_is_refused(client: Client, investigator_ipc: User, screening_ipc: Screening) -> None:
    client.force_login(investigator_ipc)
    assert client.post(_sign_url(screening_ipc), _sign_data(screening_ipc)).status_code == 302
    before = _state()

    response = client.post(_sign_url(screening_ipc), _sign_data(screening_ipc))

    assert response.status_code == 400
    # The locked page says so in place of the form (which would carry the service's message).
    assert "Already signed and locked." in text(response.content.decode())
    assert _state() == before
    assert Signature.objects.count() == 1


@pytest.mark.django_db
def test_signature_of_an_evaluation_replaced_since_the_page_was_opened_is_refused(
    client: Client, coordinator_ipc: User, investigator_ipc: User, screening_ipc: Screening
) -> None:
    client.force_login(investigator_ipc)
    shown = client.get(_sign_url(screening_ipc)).context["form"]["evaluation"].value()
    # Meanwhile the coordinator corrects the weight: a new evaluation, still eligible.
    services.screening_import(raw=_edited(screening_ipc, **CORRECTED_WEIGHT), by=coordinator_ipc, reason=WEIGHT_REASON)
    before = _state()

    response = client.post(_sign_url(screening_ipc), _sign_data(screening_ipc, evaluation=shown))

    assert response.status_code == 400
    assert "The screening changed since you opened it" in text(response.content.decode())
    assert _state() == before
    # Opened again, the page shows the new evaluation, and that one is signed.
    fresh = client.get(_sign_url(screening_ipc)).context["form"]["evaluation"].value()
    assert fresh != shown
    assert client.post(_sign_url(screening_ipc), _sign_data(screening_ipc, evaluation=fresh)).status_code == 302
    assert Signature.objects.get().evaluation_id == fresh == _latest(screening_ipc).pk


@pytest.mark.django_db
def test_service_refuses_a_coordinators_signature_even_with_the_right_password(
    coordinator_ipc: User, screening_ipc: Screening
) -> None:
    before = _state()

    with pytest.raises(services.SignatureRefused, match="Only an investigator"):
        _sign(coordinator_ipc, screening_ipc)

    assert _state() == before


# --- the sign page shows what is signed ------------------------------------------------------


def _judgment_rows(page: str) -> dict[str, tuple[str, str]]:
    """label -> (answer, answered by) from the sign page's judgments table."""
    table = page[page.index('data-testid="judgments"') :]
    body = table[table.index("<tbody>") : table.index("</tbody>")]
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", body, flags=re.S):
        cells = [" ".join(text(cell).split()) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)]
        rows[cells[0]] = (cells[1], cells[2])
    return rows


def _label(field: str) -> str:
    return str(capfirst(Screening._meta.get_field(field).verbose_name))


@pytest.mark.django_db
def test_sign_page_shows_every_criterion_with_its_outcome(
    client: Client, coordinator_ipc: User, investigator_ipc: User, example_document: dict[str, Any]
) -> None:
    screening = _import(coordinator_ipc, example_document, ecog=3)
    client.force_login(investigator_ipc)

    page = client.get(_sign_url(screening)).content.decode()

    shown = re.findall(r'data-criterion="([^"]+)" data-outcome="([^"]+)"', page)
    criteria = _latest(screening).result_document["criteria"]
    assert shown == [(c["id"], c["outcome"]) for c in criteria]
    assert len(shown) == 32
    assert ("INC-05", "fail") in shown
    assert "ECOG performance status 3 > 1" in text(page)


@pytest.mark.django_db
def test_sign_page_shows_who_entered_each_judgment(
    client: Client, coordinator_ipc: User, investigator_ipc: User, screening_ipc: Screening
) -> None:
    client.force_login(investigator_ipc)

    response = client.get(_sign_url(screening_ipc))

    answers = response.context["judgments"]
    assert [a.field for a in answers] == list(JUDGMENT_FIELDS)
    assert {a.answered_by for a in answers} == {coordinator_ipc}
    rows = _judgment_rows(response.content.decode())
    assert len(rows) == len(JUDGMENT_FIELDS) == 10
    for label, (_answer, who) in rows.items():
        assert "coord.ipc" in who, f"{label}: answered by {who!r}, not coord.ipc"


@pytest.mark.django_db
def test_judgment_changed_by_the_investigator_shows_the_investigator(
    client: Client, coordinator_ipc: User, investigator_ipc: User, screening_ipc: Screening
) -> None:
    client.force_login(investigator_ipc)
    document = services.screening_document(screening=screening_ipc)
    document["judgment"]["significant_cardiovascular_disease"] = True
    saved = client.post(
        reverse("screening:detail", args=[screening_ipc.number]),
        {
            **form_data(document, version=screening_ipc.version),
            "reason_for_change": "cardiomyopathy found in the cardiology letter",
        },
    )
    assert saved.status_code == 302

    response = client.get(_sign_url(screening_ipc))

    answers = {a.field: a for a in response.context["judgments"]}
    assert answers["significant_cardiovascular_disease"].answered_by == investigator_ipc
    assert answers["significant_cardiovascular_disease"].value is True
    assert {a.answered_by for f, a in answers.items() if f != "significant_cardiovascular_disease"} == {coordinator_ipc}
    rows = _judgment_rows(response.content.decode())
    changed = _label("significant_cardiovascular_disease")
    assert rows[changed][0] == "yes"
    assert "inv.ipc" in rows[changed][1]
    for label, (_answer, who) in rows.items():
        if label != changed:
            assert "coord.ipc" in who, f"{label}: answered by {who!r}, not coord.ipc"


# --- a locked screening refuses every edit -----------------------------------------------------


@pytest.fixture
def signed_ipc(investigator_ipc: User, screening_ipc: Screening) -> Screening:
    """IPC-0007, eligible, signed by inv.ipc: locked."""
    _sign(investigator_ipc, screening_ipc)
    screening_ipc.refresh_from_db()
    assert screening_ipc.locked
    return screening_ipc


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["coordinator_ipc", "investigator_ipc"])
def test_locked_screening_refuses_the_form(
    request: pytest.FixtureRequest, client: Client, signed_ipc: Screening, persona: str
) -> None:
    client.force_login(request.getfixturevalue(persona))
    before = _state()

    # A correction that would be saved, were the screening not locked.
    response = client.post(
        reverse("screening:detail", args=[signed_ipc.number]),
        {
            **form_data(_edited(signed_ipc, **CORRECTED_WEIGHT), version=signed_ipc.version),
            "reason_for_change": WEIGHT_REASON,
        },
    )

    assert response.status_code == 409
    assert "This screening is signed and locked" in text(response.content.decode())
    assert "Nothing was saved." in text(response.content.decode())
    assert _state() == before


@pytest.mark.django_db
def test_locked_screening_form_is_read_only(client: Client, coordinator_ipc: User, signed_ipc: Screening) -> None:
    client.force_login(coordinator_ipc)

    page = client.get(reverse("screening:detail", args=[signed_ipc.number])).content.decode()

    assert 'data-testid="locked"' in page
    assert 'data-testid="save"' not in page


@pytest.mark.django_db
def test_locked_screening_refuses_the_json_import(client: Client, coordinator_ipc: User, signed_ipc: Screening) -> None:
    client.force_login(coordinator_ipc)
    before = _state()

    # A current export, corrected, with its reason: only the lock refuses it (409, a conflict).
    into = client.post(
        reverse("screening:import", args=[signed_ipc.number]),
        {
            "document": _upload(_edited(signed_ipc, **CORRECTED_WEIGHT)),
            "version": str(signed_ipc.version),
            "reason_for_change": WEIGHT_REASON,
        },
    )
    by_number = client.post(
        reverse("screening:import_new"),
        {"document": _upload(_edited(signed_ipc, **CORRECTED_WEIGHT)), "reason_for_change": WEIGHT_REASON},
    )

    for response in (into, by_number):
        assert response.status_code == 409
        assert "IPC-0007 is signed and locked; an investigator must unlock it first." in text(response.content.decode())
    assert _state() == before


@pytest.mark.django_db
def test_locked_screening_refuses_the_import_service(coordinator_ipc: User, signed_ipc: Screening) -> None:
    before = _state()

    with pytest.raises(services.ScreeningLocked, match="IPC-0007 is signed and locked"):
        services.screening_import(raw=_edited(signed_ipc, **CORRECTED_WEIGHT), by=coordinator_ipc, reason=WEIGHT_REASON)
    with pytest.raises(services.ScreeningLocked, match="IPC-0007 is signed and locked"):
        services.screening_save(
            screening=signed_ipc,
            document=exchange.parse_screening(
                _edited(signed_ipc, **CORRECTED_WEIGHT), today=timezone.localdate(), known_sites={"IPC", "IGR"}
            ),
            expected_version=signed_ipc.version,
            by=coordinator_ipc,
            reason=WEIGHT_REASON,
        )

    assert _state() == before


@pytest.mark.django_db
def test_locked_screening_refuses_screen_save(tmp_path: Path, coordinator_ipc: User, signed_ipc: Screening) -> None:
    path = tmp_path / "ipc-0007.json"
    path.write_text(json.dumps(_edited(signed_ipc, **CORRECTED_WEIGHT)))
    out = io.StringIO()
    before = _state()

    with pytest.raises(CommandError) as refused:
        call_command(
            "screen", str(path), save=True, user="coord.ipc", reason=WEIGHT_REASON, stdout=out, stderr=io.StringIO()
        )

    assert refused.value.returncode == 2
    assert [json.loads(line) for line in out.getvalue().splitlines()] == [
        {
            "format": "alter-screening-result/1",
            "file": str(path),
            "errors": [
                {
                    "path": "/screening_id",
                    "message": "IPC-0007 is signed and locked; an investigator must unlock it first.",
                }
            ],
        }
    ]
    assert _state() == before


# --- unlocking -----------------------------------------------------------------------------------


def _unlock_url(screening: Screening) -> str:
    return reverse("screening:unlock", args=[screening.number])


@pytest.mark.django_db
@pytest.mark.parametrize("reason", ["", "   ", None])
def test_unlock_without_a_reason_is_refused(
    client: Client, investigator_ipc: User, signed_ipc: Screening, reason: str | None
) -> None:
    client.force_login(investigator_ipc)
    before = _state()

    response = client.post(_unlock_url(signed_ipc), {} if reason is None else {"reason": reason}, follow=True)

    assert response.redirect_chain == [(reverse("screening:detail", args=[signed_ipc.number]), 302)]
    assert "Give the reason for unlocking." in text(response.content.decode())
    assert _state() == before
    signed_ipc.refresh_from_db()
    assert signed_ipc.locked


@pytest.mark.django_db
def test_unlocking_a_screening_that_is_not_locked_is_refused(
    client: Client, investigator_ipc: User, screening_ipc: Screening
) -> None:
    client.force_login(investigator_ipc)
    before = _state()

    response = client.post(_unlock_url(screening_ipc), {"reason": "just in case"}, follow=True)

    assert "This screening is not locked." in text(response.content.decode())
    assert _state() == before


@pytest.mark.django_db
def test_unlock_then_correction_needs_a_new_signature(
    client: Client, coordinator_ipc: User, investigator_ipc: User, signed_ipc: Screening
) -> None:
    signature = Signature.objects.get()
    signed = _state()["signatures"]
    client.force_login(investigator_ipc)

    # The investigator unlocks, saying why.
    before = timezone.now()
    response = client.post(_unlock_url(signed_ipc), {"reason": "  ECOG was transcribed from the wrong visit  "})
    after = timezone.now()

    assert response.status_code == 302
    unlock = Unlock.objects.get()
    assert (unlock.screening, unlock.signature, unlock.reason, unlock.unlocked_by) == (
        signed_ipc,
        signature,
        "ECOG was transcribed from the wrong visit",
        investigator_ipc,
    )
    assert before <= unlock.unlocked_at <= after
    signed_ipc.refresh_from_db()
    assert not signed_ipc.locked

    # The history shows the signature and the unlock, with who and why.
    history = client.get(reverse("screening:history", args=[signed_ipc.number])).content.decode()
    assert 'data-testid="history-sign-offs"' in history
    sign_offs = " ".join(
        text(
            history[
                history.index('data-testid="history-sign-offs"') : history.index('data-testid="history-evaluations"')
            ]
        ).split()
    )
    assert "Electronic signature" in sign_offs
    assert "eligibility confirmed" in sign_offs
    assert "Unlocked" in sign_offs
    assert "ECOG was transcribed from the wrong visit" in sign_offs
    # Both by the investigator's full name (the signature's manifestation adds the username).
    assert sign_offs.count("Inv Test") == 2 and sign_offs.count("inv.ipc") == 1
    assert reverse("screening:evaluation", args=[signed_ipc.number, signature.evaluation_id]) in history

    # The coordinator corrects the ECOG, giving the reason: the save works, and nothing is
    # signed any more.
    client.force_login(coordinator_ipc)
    corrected = _edited(signed_ipc)
    corrected["ecog"] = 0
    saved = client.post(
        reverse("screening:detail", args=[signed_ipc.number]),
        {**form_data(corrected, version=signed_ipc.version), "reason_for_change": "ECOG of the screening visit is 0"},
    )
    assert saved.status_code == 302
    signed_ipc.refresh_from_db()
    assert (signed_ipc.version, signed_ipc.ecog, signed_ipc.locked) == (2, 0, False)
    history = client.get(reverse("screening:history", args=[signed_ipc.number])).content.decode()
    assert "ECOG of the screening visit is 0" in text(history)
    new_evaluation = _latest(signed_ipc)
    assert new_evaluation != signature.evaluation

    # Back in the investigator's queue; the old signature is as it was.
    client.force_login(investigator_ipc)
    queue = client.get(reverse("screening:review_queue"))
    assert [s.number for s in queue.context["page"]] == [signed_ipc.number]
    assert _state()["signatures"] == signed

    # A new signature signs the new evaluation and locks again.
    assert client.post(_sign_url(signed_ipc), _sign_data(signed_ipc)).status_code == 302
    new_signature = Signature.objects.exclude(pk=signature.pk).get()
    assert (new_signature.evaluation, new_signature.signed_by) == (new_evaluation, investigator_ipc)
    signed_ipc.refresh_from_db()
    assert signed_ipc.locked
    assert _state()["signatures"][0] == signed[0]


@pytest.mark.django_db
def test_signing_again_after_an_unlock_without_a_change_is_answered(
    client: Client, investigator_ipc: User, signed_ipc: Screening
) -> None:
    """Unlocked but not changed: the evaluation is already signed. The page must answer (a new
    signature or a clear refusal), not fail on the one-signature-per-evaluation constraint."""
    services.screening_unlock(screening=signed_ipc, by=investigator_ipc, reason="opened by mistake")
    client.force_login(investigator_ipc)

    response = client.post(_sign_url(signed_ipc), _sign_data(signed_ipc))

    assert response.status_code in (302, 400)
    signed_ipc.refresh_from_db()
    if response.status_code == 302:
        assert signed_ipc.locked
    else:
        assert Signature.objects.count() == 1
        assert not signed_ipc.locked


# --- append-only -----------------------------------------------------------------------------


def _update_by_save(row: Signature | Unlock) -> None:
    if isinstance(row, Signature):
        row.meaning = SCREEN_FAILURE
    else:
        row.reason = "rewritten"
    row.save()


def _update_by_queryset(row: Signature | Unlock) -> None:
    type(row).objects.filter(pk=row.pk).update(screening=row.screening)


def _delete(row: Signature | Unlock) -> None:
    row.delete()


def _delete_by_queryset(row: Signature | Unlock) -> None:
    type(row).objects.filter(pk=row.pk).delete()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change",
    [_update_by_save, _update_by_queryset, _delete, _delete_by_queryset],
    ids=["save", "update", "delete", "queryset-delete"],
)
@pytest.mark.parametrize("kind", ["signature", "unlock"])
def test_signatures_and_unlocks_are_append_only(
    investigator_ipc: User, signed_ipc: Screening, kind: str, change: Any
) -> None:
    if kind == "unlock":
        row: Signature | Unlock = services.screening_unlock(
            screening=signed_ipc, by=investigator_ipc, reason="wrong visit"
        )
    else:
        row = Signature.objects.get()
    before = _state()

    # The database refuses (a trigger), not only the model: raw SQL and the admin are held too.
    with (
        pytest.raises(DatabaseError, match=r"pgtrigger: Cannot update or delete rows from screening_"),
        transaction.atomic(),
    ):
        change(row)

    assert _state() == before


@pytest.mark.django_db
def test_wrong_signature_passwords_count_towards_the_account_lockout(
    client: Client, investigator_ipc: User, screening_ipc: Screening
) -> None:
    # Re-authentication is a password prompt like the login page's: guessing through it is
    # stopped by the same lockout (django-axes, 5 failures), even for the right password then.
    client.force_login(investigator_ipc)
    for _ in range(4):
        response = client.post(_sign_url(screening_ipc), _sign_data(screening_ipc, password="guess"))
        assert response.status_code == 400
        assert "Wrong password" in text(response.content.decode())
    fifth = client.post(_sign_url(screening_ipc), _sign_data(screening_ipc, password="guess"))
    assert fifth.status_code == 429  # axes' lockout page
    response = client.post(_sign_url(screening_ipc), _sign_data(screening_ipc))
    assert response.status_code == 429
    screening_ipc.refresh_from_db()
    assert not screening_ipc.locked
    assert not Signature.objects.exists()
