"""Locust load test: coordinators opening and saving screenings, against bare baselines.

Run it through ``benchmarks/load.py``, which starts gunicorn on loopback, runs locust
headless for a bounded time, and prints the figures. Each simulated user signs in as a
coordinator (``ALTER_LOAD_USERS``, seed_demo's ``coord.ipc`` and ``coord.igr`` by default)
and repeats: open the list, open a screening of that list, save it unchanged (the real
POST of the form: validation, ``screening_save``, evaluation, a new evaluation row and the
audit events), and open the bare baselines (``benchmarks/bare_urls.py``) that the same
server serves beside the real pages.

The form is read from the page at run time (its inputs, selects and textareas, with the
CSRF token and the hidden version field) and posted back as a browser would, so that the
test follows the form as it changes.
"""

from __future__ import annotations

import itertools
import os
import random
import re
from html.parser import HTMLParser
from typing import Any

from locust import HttpUser, between, task

PASSWORD = os.environ.get("ALTER_LOAD_PASSWORD", "alter-demo-2026")  # seed_demo's demo password
USERNAMES = itertools.cycle(os.environ.get("ALTER_LOAD_USERS", "coord.ipc,coord.igr").split(","))
LIST_PAGES = int(os.environ.get("ALTER_LOAD_LIST_PAGES", "5"))  # screenings are picked from these pages
NUMBER = re.compile(r'href="/screenings/([A-Z]{2,8}-\d{4,})/"')
SKIPPED_INPUTS = frozenset({"submit", "button", "image", "reset", "file"})


class _Form:
    def __init__(self, attrs: dict[str, str | None]) -> None:
        self.attrs = attrs
        self.fields: list[tuple[str, str]] = []
        self.buttons: list[tuple[str, str, str]] = []  # (name, value, text)


class FormParser(HTMLParser):
    """The forms of a page with what a browser would submit from each, as it stands."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[_Form] = []
        self._form: _Form | None = None
        self._select: dict[str, Any] | None = None
        self._option: dict[str, Any] | None = None
        self._textarea: dict[str, Any] | None = None
        self._button: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form":
            self._form = _Form(a)
            self.forms.append(self._form)
            return
        form = self._form
        if form is None or "disabled" in a:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    form.fields.append((name, a.get("value") or "on"))
            elif kind in ("submit", "image"):
                form.buttons.append((name, a.get("value") or "", a.get("value") or ""))
            elif kind not in SKIPPED_INPUTS:
                form.fields.append((name, a.get("value") or ""))
        elif tag == "select" and name:
            self._select = {"name": name, "multiple": "multiple" in a, "options": []}
        elif tag == "option" and self._select is not None:
            self._option = {"value": a.get("value"), "text": "", "selected": "selected" in a}
            self._select["options"].append(self._option)
        elif tag == "textarea" and name:
            self._textarea = {"name": name, "text": []}
        elif tag == "button" and (a.get("type") or "submit").lower() == "submit":
            self._button = [a.get("name") or "", a.get("value") or "", ""]

    def handle_data(self, data: str) -> None:
        if self._option is not None:
            self._option["text"] += data
        if self._textarea is not None:
            self._textarea["text"].append(data)
        if self._button is not None:
            self._button[2] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "option":
            self._option = None
        elif tag == "select" and self._select is not None and self._form is not None:
            options = self._select["options"]
            chosen = [o for o in options if o["selected"]] or ([] if self._select["multiple"] else options[:1])
            for option in chosen:
                value = option["value"] if option["value"] is not None else option["text"].strip()
                self._form.fields.append((self._select["name"], value))
            self._select = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            # A browser drops the newline that directly follows <textarea>.
            text = "".join(self._textarea["text"]).removeprefix("\n")
            self._form.fields.append((self._textarea["name"], text))
            self._textarea = None
        elif tag == "button" and self._button is not None and self._form is not None:
            name, value, text = self._button
            self._form.buttons.append((name, value, text.strip()))
            self._button = None


def screening_form(html: str) -> tuple[str | None, list[tuple[str, str]]]:
    """(action, fields) of the page's screening form: the POST form with the version field,
    with the save button a person would press."""
    parser = FormParser()
    parser.feed(html)
    posts = [f for f in parser.forms if (f.attrs.get("method") or "").lower() == "post"]
    with_version = [f for f in posts if any(name == "version" for name, _ in f.fields)]
    if not with_version:
        raise ValueError("no POST form with a 'version' field on the page")
    form = with_version[0]
    fields = list(form.fields)
    named = [b for b in form.buttons if b[0]]
    save = [b for b in named if re.search(r"save|enregistrer", f"{b[1]} {b[2]}", re.IGNORECASE)] or named
    if save:
        fields.append((save[0][0], save[0][1]))
    return form.attrs.get("action") or None, fields


def _csrf(html: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    if match is None:
        raise ValueError("no CSRF token on the page")
    return match.group(1)


class Coordinator(HttpUser):
    # A person reads the page before the next click; kept short to load the server.
    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        self.username = next(USERNAMES)
        page = self.client.get("/accounts/login/", name="login form")
        response = self.client.post(
            "/accounts/login/",
            name="login",
            allow_redirects=False,
            data={"username": self.username, "password": PASSWORD, "csrfmiddlewaretoken": _csrf(page.text)},
        )
        if response.status_code != 302:
            raise RuntimeError(f"{self.username} could not sign in ({response.status_code}): run seed_demo")
        self.numbers: list[str] = []
        for number in range(1, LIST_PAGES + 1):
            self.numbers += NUMBER.findall(self.client.get(f"/?page={number}", name="list (warm-up)").text)
        if not self.numbers:
            raise RuntimeError(f"{self.username} sees no screening: run seed_screenings")

    @task
    def open_and_save(self) -> None:
        page = random.randint(1, LIST_PAGES)
        self.client.get(f"/?page={page}", name="list")
        self.client.get(f"/bare/screenings/?page={page}", name="bare list")
        number = random.choice(self.numbers)
        url = f"/screenings/{number}/"
        with self.client.get(url, name="open", catch_response=True) as opened:
            try:
                action, fields = screening_form(opened.text)
            except ValueError as exc:
                opened.failure(str(exc))
                return
        self.client.get(f"/bare/screenings/{number}/", name="bare open")
        with self.client.post(
            action or url, data=fields, name="save+evaluate", allow_redirects=False, catch_response=True
        ) as saved:
            if saved.status_code == 302:
                saved.success()
            elif saved.status_code == 409:
                saved.failure("409 stale version: another user saved it in between")
            else:
                errors = re.findall(r'class="[^"]*invalid-feedback[^"]*"[^>]*>\s*(?:<[^>]+>)*([^<]+)', saved.text)
                saved.failure(f"{saved.status_code}: {'; '.join(e.strip() for e in errors[:3]) or 'refused'}")
