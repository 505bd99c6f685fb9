"""Contract limits and small leaks of the web application (issue 9, points 1, 2 and 5).

- Screening numbers (screening/services.py): an imported ``screening_id`` is the site's
  code, ``-``, then 4 to 6 ASCII digits, not all zero; a number whose sequence is taken is
  refused with a message; an imported number moves the site's counter only up to 9999,
  so that no single import blocks a site's later new screenings (README, "Limits").
- No answer about a number tells whether another site's screening exists.
- The largest screening the exchange format allows opens and saves unchanged through the
  form (alter/settings.py DATA_UPLOAD_MAX_NUMBER_FIELDS); a request over Django's limits
  gets a page saying nothing was saved (screening.middleware.OversizedRequestMiddleware).
- Wrong old passwords of a password change count towards the account lockout.
- Every page is sent with ``Cache-Control: no-store``.
- The log's month table stays bounded whatever the assessment dates.
"""

from __future__ import annotations

import copy
import datetime
import json
from html.parser import HTMLParser
from typing import Any, Final

import pytest
from django import forms as django_forms
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms.renderers import DjangoTemplates
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from benchmarks.screening_page import largest_document
from screening import exchange, form_rendering, selectors, services
from screening.form_rendering import WIDGET_RENDERER, widget_html
from screening.forms import ScreeningEntry
from screening.models import LabResult, PregnancyTest, PriorDrug, Screening, Site, TumourSample, User
from screening.reporting.screening_log import MONTHS_FILLED_MAX, LogFilter
from screening.reporting.screening_log import screening_log as count_screening_log
from tests.conftest import PASSWORD
from tests.web.conftest import stored_state, text

LOCKED_OUT: Final = "Too many failed attempts; try again in 15 minutes or ask your site administrator."


def _upload(document: dict[str, Any] | bytes) -> SimpleUploadedFile:
    content = document if isinstance(document, bytes) else json.dumps(document).encode()
    return SimpleUploadedFile("screening.json", content, content_type="application/json")


def _error_rows(page: str) -> dict[str, str]:
    """The refused-import page's errors, by path."""
    table = page.split('data-testid="import-errors"')[1].split("</table>", maxsplit=1)[0]
    rows = {}
    for row in table.split("<tr>")[2:]:
        path = row.split("<code>")[1].split("</code>")[0]
        rows[path] = text(row.split("</code>")[1]).strip()
    return rows


def _counter(code: str = "IPC") -> int:
    return Site.objects.get(code=code).last_screening_sequence


def _new_number(by: User, document: dict[str, Any]) -> str:
    """The number a new screening (no screening_id) gets now."""
    return services.screening_import(raw={**document, "screening_id": None}, by=by).screening.number


# --- screening numbers ------------------------------------------------------------------------

# (imported screening_id, accepted, the site's counter after it, the next new screening's number)
NUMBERS: Final = [
    pytest.param("IPC-2147483647", False, 0, "IPC-0001", id="beyond-six-digits"),
    pytest.param("IPC-1000000", False, 0, "IPC-0001", id="seven-digits"),
    pytest.param("IPC-999999", True, 0, "IPC-0001", id="six-digits-max-keeps-the-counter"),
    pytest.param("IPC-10000", True, 0, "IPC-0001", id="five-digits-keeps-the-counter"),
    pytest.param("IPC-9999", True, 9999, "IPC-10000", id="four-digits-max-moves-the-counter"),
    pytest.param("IPC-0001", True, 1, "IPC-0002", id="four-digits"),
    pytest.param("IPC-001", False, 0, "IPC-0001", id="three-digits"),
    pytest.param("IPC-0000", False, 0, "IPC-0001", id="all-zero"),
    pytest.param("IPC-000000", False, 0, "IPC-0001", id="all-zero-six"),
    pytest.param("IPC-0\u0660\u06601", False, 0, "IPC-0001", id="arabic-indic-zeros"),
    pytest.param("IPC-\u0661\u0662\u0663\u0664", False, 0, "IPC-0001", id="arabic-indic-digits"),
    pytest.param("IPC-\uff11\uff12\uff13\uff14", False, 0, "IPC-0001", id="fullwidth-digits"),
    pytest.param("IPC- 1234", False, 0, "IPC-0001", id="space"),
    pytest.param("ipc-1234", False, 0, "IPC-0001", id="lower-case-site"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("number", "accepted", "counter", "next_number"), NUMBERS)
def test_imported_number_is_refused_or_taken_and_later_screenings_still_get_numbers(
    coordinator_ipc: User,
    example_document: dict[str, Any],
    *,
    number: str,
    accepted: bool,
    counter: int,
    next_number: str,
) -> None:
    document = {**example_document, "screening_id": number}
    if accepted:
        screening = services.screening_import(raw=document, by=coordinator_ipc, allowed_sites={"IPC"}).screening
        assert screening.number == number
        assert screening.sequence == int(number.removeprefix("IPC-"))
    else:
        before = stored_state()
        with pytest.raises(exchange.RefusedDocument) as refused:
            services.screening_import(raw=document, by=coordinator_ipc, allowed_sites={"IPC"})
        assert [e.path for e in refused.value.errors] == ["/screening_id"]
        assert stored_state() == before

    assert _counter() == counter
    assert _new_number(coordinator_ipc, example_document) == next_number


@pytest.mark.django_db
@pytest.mark.parametrize(("number", "accepted", "counter", "next_number"), NUMBERS)
def test_web_import_of_a_number_answers_a_refusal_or_the_screening_never_a_500(
    client: Client,
    coordinator_ipc: User,
    example_document: dict[str, Any],
    *,
    number: str,
    accepted: bool,
    counter: int,
    next_number: str,
) -> None:
    client.force_login(coordinator_ipc)
    before = stored_state()

    response = client.post(
        reverse("screening:import_new"), {"document": _upload({**example_document, "screening_id": number})}
    )

    if accepted:
        assert response.status_code == 302
        assert response["Location"] == reverse("screening:detail", args=[number])
    else:
        assert response.status_code == 400
        assert list(_error_rows(response.content.decode())) == ["/screening_id"]
        assert stored_state() == before
    # A later new screening, through the form this time, still gets its number.
    response = client.post(
        reverse("screening:import_new"), {"document": _upload({**example_document, "screening_id": None})}
    )
    assert response["Location"] == reverse("screening:detail", args=[next_number])


@pytest.mark.django_db
@pytest.mark.parametrize("number", ["IPC-00001", "IPC-000001"])
def test_a_number_with_the_sequence_of_an_existing_one_is_refused_naming_it(
    client: Client, coordinator_ipc: User, example_document: dict[str, Any], number: str
) -> None:
    # IPC-0001 and IPC-00001 are both sequence 1 of IPC (screening_sequence_unique_per_site).
    services.screening_import(raw={**example_document, "screening_id": "IPC-0001"}, by=coordinator_ipc)
    client.force_login(coordinator_ipc)
    before = stored_state()

    response = client.post(
        reverse("screening:import_new"), {"document": _upload({**example_document, "screening_id": number})}
    )

    assert response.status_code == 400
    assert _error_rows(response.content.decode()) == {
        "/screening_id": (
            f"screening number '{number}' is the same number as IPC-0001, which exists: import into IPC-0001, or "
            "leave screening_id out for a new number"
        )
    }
    assert stored_state() == before
    assert _new_number(coordinator_ipc, example_document) == "IPC-0002"


@pytest.mark.django_db
def test_new_numbers_step_over_imported_numbers_beyond_9999(
    coordinator_ipc: User, example_document: dict[str, Any]
) -> None:
    for number in ("IPC-9999", "IPC-10000", "IPC-10001", "IPC-10003"):
        services.screening_import(raw={**example_document, "screening_id": number}, by=coordinator_ipc)
    assert _counter() == 9999

    numbers = [_new_number(coordinator_ipc, example_document) for _ in range(3)]

    assert numbers == ["IPC-10002", "IPC-10004", "IPC-10005"]
    assert _counter() == 10005


@pytest.mark.django_db
def test_new_numbers_run_out_only_after_six_digits_with_a_message(
    coordinator_ipc: User, example_document: dict[str, Any]
) -> None:
    # Six digits hold 999,999 screenings a site: only 999,999 new screenings, never one import, get there.
    Site.objects.filter(code="IPC").update(last_screening_sequence=999_998)
    assert _new_number(coordinator_ipc, example_document) == "IPC-999999"
    before = stored_state()

    with pytest.raises(exchange.RefusedDocument) as refused:
        _new_number(coordinator_ipc, example_document)

    assert [(e.path, e.message) for e in refused.value.errors] == [
        ("", "Site IPC has used all its screening numbers (up to IPC-999999); nothing was stored.")
    ]
    assert stored_state() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    "number",
    [
        "IPC-\u0661\u0662\u0663\u0664",
        "IPC-0\u0660\u06601",
        "IPC-0000",
        "IPC-1000000",
        "IPC-12",
        "IGR-0003",
        "IPC-0003x",
    ],
)
def test_the_service_refuses_a_bad_number_by_itself(
    coordinator_ipc: User, example_document: dict[str, Any], number: str
) -> None:
    """Not only the exchange format: the service that takes the number checks it too."""
    document = exchange.parse_screening(
        {**example_document, "screening_id": None}, today=timezone.localdate(), known_sites=services.known_site_codes()
    )
    document.screening_id = number
    before = stored_state()

    with pytest.raises(services.ScreeningNumberRefused):
        services.screening_save(
            screening=None, document=document, expected_version=None, by=coordinator_ipc, keep_number=True
        )

    assert stored_state() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body", [b"[" * 100_000, b"[" * 100_000 + b"]" * 100_000, b'{"a":' * 50_000 + b"1" + b"}" * 50_000]
)
@pytest.mark.parametrize("into", [False, True])
def test_a_deeply_nested_file_is_refused_by_both_import_urls(
    client: Client, coordinator_ipc: User, screening_ipc: Screening, body: bytes, into: bool
) -> None:
    # Issue 9: the view's own JSON check recursed into it and answered 500.
    client.force_login(coordinator_ipc)
    before = stored_state()
    url = reverse("screening:import", args=[screening_ipc.number]) if into else reverse("screening:import_new")

    response = client.post(url, {"document": _upload(body), "version": "1"})

    assert response.status_code == 400
    assert "nested more than 8 levels deep" in text(response.content.decode())
    assert stored_state() == before


# --- no leak about another site's numbers -----------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("site", ["IPC", "IGR"])
def test_the_refusal_of_another_sites_number_is_the_same_whether_it_exists_or_not(
    client: Client, coordinator_ipc: User, screening_igr: Screening, example_document: dict[str, Any], site: str
) -> None:
    """IGR-0003 exists, IGR-0999 does not: an IPC coordinator cannot tell them apart."""
    assert Screening.objects.filter(number="IGR-0003").exists()
    assert not Screening.objects.filter(number="IGR-0999").exists()
    client.force_login(coordinator_ipc)
    before = stored_state()
    answers = {}
    for number in ("IGR-0003", "IGR-0999"):
        document = {**example_document, "site": site, "screening_id": number}
        with pytest.raises(exchange.RefusedDocument) as refused:
            services.screening_import(raw=document, by=coordinator_ipc, allowed_sites={"IPC"})
        response = client.post(reverse("screening:import_new"), {"document": _upload(document)})
        assert response.status_code == 400
        # The answer may repeat the number given; nothing else in it may differ.
        answers[number] = str((refused.value.errors, _error_rows(response.content.decode()))).replace(number, "N")

    assert answers["IGR-0003"] == answers["IGR-0999"]
    assert "belongs to" not in answers["IGR-0003"]
    assert stored_state() == before


# --- the largest screening through the form ---------------------------------------------------


class _FormFields(HTMLParser):
    """The (name, value) pairs a browser submits for the form ``form_id`` of a page, as it opened
    (text inputs with their value, ticked boxes only, each select's selected option), and every
    field name of the form; ``<template>`` rows (the page's script copies them) are not sent."""

    def __init__(self, form_id: str) -> None:
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.in_form = False
        self.in_template = 0
        self.pairs: list[tuple[str, str]] = []
        self.names: list[str] = []
        self._select: tuple[str, list[tuple[str, bool]]] | None = None
        self._textarea: tuple[str, list[str]] | None = None
        self._option: list[Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.in_form = a.get("id") == self.form_id
        if not self.in_form:
            return
        if tag == "template":
            self.in_template += 1
        if self.in_template:
            return
        name = a.get("name")
        if tag == "input" and name:
            self.names.append(name)
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("submit", "button", "file"):
                self.pairs.append((name, a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select" and name:
            self.names.append(name)
            self._select = (name, [])
        elif tag == "option" and self._select is not None:
            self._option = [a.get("value"), "selected" in a, ""]
        elif tag == "textarea" and name:
            self.names.append(name)
            self._textarea = (name, [])

    def handle_data(self, data: str) -> None:
        if self._option is not None:
            self._option[2] += data
        if self._textarea is not None:
            self._textarea[1].append(data)

    def handle_endtag(self, tag: str) -> None:
        if not self.in_form:
            return
        if tag == "form":
            self.in_form = False
        elif tag == "template":
            self.in_template -= 1
        elif tag == "option" and self._option is not None and self._select is not None:
            value, selected, label = self._option
            self._select[1].append((label.strip() if value is None else value, selected))
            self._option = None
        elif tag == "select" and self._select is not None:
            name, options = self._select
            chosen = [value for value, selected in options if selected] or [options[0][0]]
            self.pairs.append((name, chosen[0]))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            name, parts = self._textarea
            self.pairs.append((name, "".join(parts).removeprefix("\n")))
            self._textarea = None


def _form_fields(page: str) -> _FormFields:
    parser = _FormFields("screening-form")
    parser.feed(page)
    return parser


def _rows_of(screening: Screening) -> dict[str, list[Any]]:
    return {
        model.__name__: list(model.objects.filter(screening=screening).order_by("pk").values())
        for model in (LabResult, TumourSample, PregnancyTest, PriorDrug)
    }


@pytest.fixture
def largest(coordinator_ipc: User, example_document: dict[str, Any]) -> Screening:
    """The largest screening the exchange format allows: 60 labs, 10 samples, 20 pregnancy tests, 50 drugs."""
    document = largest_document({**example_document, "screening_id": None})
    screening = services.screening_import(raw=document, by=coordinator_ipc).screening
    assert {name: len(rows) for name, rows in selectors.screening_rows(screening).items()} == {
        "labs": 60,
        "tumour_samples": 10,
        "pregnancy_tests": 20,
        "drugs": 50,
    }
    return screening


# The largest form's fields (alter/settings.py, DATA_UPLOAD_MAX_NUMBER_FIELDS): on the page
# of a stored screening, 51 values + version + save key + reason + CSRF token, 16 management
# fields, and 646 row fields (delete boxes included).
LARGEST_PAGE_FIELDS: Final = 55 + 16 + 646


@pytest.mark.django_db
def test_the_largest_screening_opens_and_saves_unchanged_through_the_form(
    client: Client, coordinator_ipc: User, largest: Screening
) -> None:
    client.force_login(coordinator_ipc)
    url = reverse("screening:detail", args=[largest.number])
    page = client.get(url)
    assert page.status_code == 200
    fields = _form_fields(page.content.decode())
    assert len(fields.names) == len(set(fields.names)) == LARGEST_PAGE_FIELDS
    # Room to spare: every delete box ticked, the identity confirmation shown, and rows added.
    assert LARGEST_PAGE_FIELDS + 1 < settings.DATA_UPLOAD_MAX_NUMBER_FIELDS / 2
    document, rows = services.screening_document(screening=largest), _rows_of(largest)

    response = client.post(url, dict(fields.pairs))

    assert response.status_code == 302, text(response.content.decode())[:2000]
    largest.refresh_from_db()
    # Saved (a new version and evaluation), and nothing changed: no row rewritten, no reason asked.
    assert largest.version == 2
    assert services.screening_document(screening=largest) == document
    assert _rows_of(largest) == rows


@pytest.mark.django_db
def test_the_python_widget_templates_write_what_djangos_write(largest: Screening) -> None:
    """screening/form_rendering.py writes the form's widgets in Python: the same HTML as
    Django's templates, through the renderer (``str(field)``) and directly
    (``widget_html``, which the page uses), with the attributes the page adds."""
    entry = ScreeningEntry(screening=largest, rows=selectors.screening_rows(largest))
    invalid = ScreeningEntry(
        data={
            "labs-TOTAL_FORMS": "2",
            "labs-INITIAL_FORMS": "0",
            "labs-0-value": "<b>&",
            "labs-0-unit": "g/L",
            "labs-0-DELETE": "on",
            "labs-1-test": "no such test",
            "labs-1-date": "31/02/2026",
            "initials": '"><x',
            "sex": "female",
            "consent_signed": "true",
            "reason_for_change": "<why>",
        },
        screening=largest,
    )
    invalid.is_valid()
    forms = [
        form
        for e in (entry, invalid)
        for form in (e.form, *(f for fs in e.formsets.values() for f in (fs.management_form, *fs.forms, fs.empty_form)))
    ]
    page_attrs: list[dict[str, Any] | None] = [
        None,
        {"class": "form-select is-invalid", "aria-describedby": "id_x_error id_x_helptext"},
    ]
    compared = 0
    for language in ("en", "fr", "en"):  # the options' HTML is kept per language
        with translation.override(language):
            for form in forms:
                form.renderer = WIDGET_RENDERER
                python_html = [str(field) for field in form]
                direct = [widget_html(field, attrs) for attrs in page_attrs for field in form]
                form.renderer = DjangoTemplates()
                assert [str(field) for field in form] == python_html
                assert [str(field.as_widget(attrs=attrs)) for attrs in page_attrs for field in form] == direct
                compared += len(python_html) + len(direct)
    assert compared > 9 * LARGEST_PAGE_FIELDS
    with translation.override("fr"):
        unit = str(entry.formsets["labs"].forms[0]["unit"])
    assert '<optgroup label="hémoglobine">' in unit and ">UI/L</option>" in unit
    # The refused values come back escaped, the ticked box ticked, the refused fields marked.
    row = invalid.formsets["labs"].forms[0]
    row.renderer = WIDGET_RENDERER
    assert 'value="&lt;b&gt;&amp;"' in widget_html(row["value"]) and 'aria-invalid="true"' in widget_html(row["value"])
    assert widget_html(row["DELETE"]).endswith(" checked>")


def test_a_widget_with_its_own_value_format_is_written_in_python_as_django_writes_it() -> None:
    """A subclass that only formats its value (French decimal comma, say) keeps the Python
    path, with its own format; one that writes its own HTML goes to Django's templates."""

    class CommaInput(django_forms.TextInput):
        def format_value(self, value: Any) -> str | None:
            return None if value is None else str(value).replace(".", ",")

    class OwnTemplate(django_forms.TextInput):
        template_name = "django/forms/widgets/password.html"

    class Form(django_forms.Form):
        weight = django_forms.FloatField(widget=CommaInput(attrs={"class": "w"}))
        other = django_forms.CharField(widget=OwnTemplate)

    assert form_rendering._kind_of(CommaInput) == form_rendering._kind_of(django_forms.TextInput)
    form = Form(initial={"weight": 61.5, "other": "x"}, renderer=WIDGET_RENDERER)
    direct = [widget_html(form["weight"]), widget_html(form["other"])]
    form.renderer = DjangoTemplates()
    assert direct == [str(form["weight"]), str(form["other"])]
    assert 'value="61,5"' in direct[0]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (61, "at most 60"),  # the exchange format's limit, from the form
        (5000, "Please submit at most 120 forms."),  # no more than twice the limit of forms is built
    ],
)
def test_a_form_with_rows_beyond_the_limit_is_refused_with_a_message(
    client: Client, coordinator_ipc: User, screening_ipc: Screening, rows: int, message: str
) -> None:
    client.force_login(coordinator_ipc)
    page = client.get(reverse("screening:detail", args=[screening_ipc.number])).content.decode()
    data = dict(_form_fields(page).pairs)
    lab = {f: data[f"labs-0-{f}"] for f in ("test", "value", "unit", "uln", "date")}
    data.update({f"labs-{i}-{f}": v for i in range(min(rows, 61)) for f, v in lab.items()})
    data["labs-TOTAL_FORMS"] = str(rows)
    before = stored_state()

    response = client.post(reverse("screening:detail", args=[screening_ipc.number]), data)

    assert response.status_code == 400
    assert message in text(response.content.decode())
    assert stored_state() == before


def _too_many_fields() -> dict[str, str]:
    return {f"labs-{i}-value": "1" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", ["screening:detail", "screening:evaluate"])
def test_a_form_over_the_field_limit_gets_a_page_saying_nothing_was_saved(
    client: Client, coordinator_ipc: User, screening_ipc: Screening, url_name: str
) -> None:
    client.force_login(coordinator_ipc)
    before = stored_state()

    response = client.post(reverse(url_name, args=[screening_ipc.number]), _too_many_fields())

    assert response.status_code == 400
    page = " ".join(text(response.content.decode()).split())
    assert f"The form sent more than {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS} fields. Nothing was saved." in page
    assert "at most 60 laboratory results, 10 tumour samples, 20 pregnancy tests and 50 prior drugs" in page
    assert f'href="{reverse("screening:detail", args=[screening_ipc.number])}"' in response.content.decode()
    assert stored_state() == before


@pytest.mark.django_db
def test_a_body_over_the_size_limit_gets_a_page_saying_nothing_was_saved(
    client: Client, coordinator_ipc: User, screening_ipc: Screening
) -> None:
    client.force_login(coordinator_ipc)
    before = stored_state()

    response = client.post(
        reverse("screening:detail", args=[screening_ipc.number]),
        {"reason_for_change": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)},
    )

    assert response.status_code == 413
    page = " ".join(text(response.content.decode()).split())
    assert "The form sent more than 2.6 MB of data. Nothing was saved." in page
    assert stored_state() == before


@pytest.mark.django_db
def test_a_form_over_the_field_limit_before_login_gets_the_same_page(client: Client) -> None:
    response = client.post(reverse("login"), _too_many_fields())

    assert response.status_code == 400
    assert "Nothing was saved." in text(response.content.decode())


# --- the password change counts towards the lockout --------------------------------------------


def _change_password(client: Client, old: str, new: str = "a-new-long-passphrase-2026") -> Any:
    return client.post(reverse("password_change"), {"old_password": old, "new_password1": new, "new_password2": new})


@pytest.mark.django_db
def test_the_password_change_still_changes_the_password(client: Client, coordinator_ipc: User) -> None:
    client.force_login(coordinator_ipc)

    response = _change_password(client, PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == reverse("password_change_done")
    coordinator_ipc.refresh_from_db()
    assert coordinator_ipc.check_password("a-new-long-passphrase-2026")


@pytest.mark.django_db
def test_wrong_old_passwords_count_towards_the_account_lockout(client: Client, coordinator_ipc: User) -> None:
    # A session left open must not let anyone guess the password the e-signature relies on.
    client.force_login(coordinator_ipc)
    for _ in range(4):
        response = _change_password(client, "guess")
        assert response.status_code == 200
        assert "Your old password was entered incorrectly." in text(response.content.decode())

    fifth = _change_password(client, "guess")

    assert fifth.status_code == 429
    assert LOCKED_OUT in " ".join(text(fifth.content.decode()).split())
    # Locked: the right old password is refused too, and the login as well.
    assert _change_password(client, PASSWORD).status_code == 429
    coordinator_ipc.refresh_from_db()
    assert coordinator_ipc.check_password(PASSWORD)
    assert Client().post(reverse("login"), {"username": "coord.ipc", "password": PASSWORD}).status_code == 429


@pytest.mark.django_db
def test_failures_at_login_sign_off_and_password_change_add_up(
    client: Client, investigator_ipc: User, screening_ipc: Screening
) -> None:
    """docs/operations.md: the lockout counts wrong passwords at login, sign-off and password change."""
    client.force_login(investigator_ipc)  # first: a successful login resets the count
    for _ in range(2):
        assert Client().post(reverse("login"), {"username": "inv.ipc", "password": "guess"}).status_code == 200
    latest = screening_ipc.evaluations.first()
    assert latest is not None
    assert (
        client.post(
            reverse("screening:sign", args=[screening_ipc.number]),
            {"meaning": "eligibility_confirmed", "password": "guess", "evaluation": str(latest.pk)},
        ).status_code
        == 400
    )
    assert _change_password(client, "guess").status_code == 200

    assert _change_password(client, "guess").status_code == 429  # the fifth


# --- Cache-Control: no-store ---------------------------------------------------------------------


def _no_store(response: Any) -> bool:
    return "no-store" in [directive.strip() for directive in response.get("Cache-Control", "").split(",")]


def _patient_urls(screening: Screening) -> dict[str, str]:
    number = screening.number
    latest = screening.evaluations.first()
    assert latest is not None
    return {
        "list": reverse("screening:list"),
        "new screening": reverse("screening:create"),
        "screening": reverse("screening:detail", args=[number]),
        "history": reverse("screening:history", args=[number]),
        "evaluation": reverse("screening:evaluation", args=[number, latest.pk]),
        "JSON export": reverse("screening:export", args=[number]),
        "review queue": reverse("screening:review_queue"),
        "sign": reverse("screening:sign", args=[number]),
        "re-screen": reverse("screening:rescreen", args=[number]),
        "log": reverse("screening:log"),
        "log CSV": reverse("screening:log_export_csv"),
        "log XLSX": reverse("screening:log_export_xlsx"),
        "screenings CSV": reverse("screening:log_screenings_csv"),
        "screenings XLSX": reverse("screening:log_screenings_xlsx"),
        "password change": reverse("password_change"),
    }


@pytest.mark.django_db
def test_every_patient_page_is_sent_with_no_store(
    client: Client, investigator_ipc: User, screening_ipc: Screening
) -> None:
    client.force_login(investigator_ipc)
    answers = {}
    for name, url in _patient_urls(screening_ipc).items():
        response = client.get(url)
        answers[name] = (response.status_code, _no_store(response))
        if response.streaming:  # read to the end: the test client then closes it (and its file)
            b"".join(response.streaming_content)

    assert answers == {name: (200, True) for name in answers}


@pytest.mark.django_db
def test_saves_errors_and_the_login_page_are_sent_with_no_store(
    client: Client, coordinator_ipc: User, screening_ipc: Screening
) -> None:
    assert _no_store(client.get(reverse("login")))
    client.force_login(coordinator_ipc)
    missing = client.get(reverse("screening:detail", args=["IPC-9999"]))
    refused = client.post(reverse("screening:import_new"), {"document": _upload(b"[")})
    saved = client.post(reverse("screening:unlock", args=[screening_ipc.number]), {"reason": "x"})

    assert (missing.status_code, missing["Cache-Control"]) == (404, "no-store")
    assert (refused.status_code, refused["Cache-Control"]) == (400, "no-store")
    assert (saved.status_code, saved["Cache-Control"]) == (403, "no-store")


# --- the log's month table stays bounded ----------------------------------------------------


def _assessed(screening: Screening, day: datetime.date) -> None:
    # Past what the exchange format now accepts: as stored before it refused such dates.
    Screening.objects.filter(pk=screening.pk).update(assessment_date=day, planned_randomization_date=None)


def _screenings(by: User, document: dict[str, Any], count: int) -> list[Screening]:
    return [
        services.screening_import(raw={**copy.deepcopy(document), "screening_id": None}, by=by).screening
        for _ in range(count)
    ]


@pytest.mark.django_db
def test_the_log_of_a_far_past_screening_lists_only_the_months_with_screenings(
    client: Client, coordinator_ipc: User, example_document: dict[str, Any]
) -> None:
    far, recent = _screenings(coordinator_ipc, example_document, 2)
    later = timezone.localdate() + datetime.timedelta(days=700)
    _assessed(far, datetime.date(1900, 1, 1))
    _assessed(recent, later)
    client.force_login(coordinator_ipc)

    response = client.get(reverse("screening:log"))

    # Not the 1,500 months in between (issue 9: 0001-01-01 once rendered 24,000 rows).
    months = [row.month for row in response.context["log"].by_month]
    assert months == [datetime.date(1900, 1, 1), later.replace(day=1)]
    assert len(response.content) < 100_000


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("first", "rows"),
    [
        (datetime.date(2016, 7, 1), MONTHS_FILLED_MAX),  # 120 months, 2016-07 to 2026-06: every one
        (datetime.date(2016, 6, 30), 2),  # 121 months: only the two with screenings
    ],
)
def test_the_log_fills_empty_months_over_at_most_ten_years(
    coordinator_ipc: User, example_document: dict[str, Any], first: datetime.date, rows: int
) -> None:
    early, late = _screenings(coordinator_ipc, example_document, 2)
    _assessed(early, first)
    _assessed(late, datetime.date(2026, 6, 15))

    screening_log = count_screening_log(user=coordinator_ipc, log_filter=LogFilter())

    assert len(screening_log.by_month) == rows
    assert (screening_log.by_month[0].month, screening_log.by_month[-1].month) == (
        first.replace(day=1),
        datetime.date(2026, 6, 1),
    )
    assert sum(row.counts.screened for row in screening_log.by_month) == 2
