"""A small FHIR R4 server on loopback for the tests: recorded resources, FHIR search.

It serves the resources of a recorded searchset Bundle (tests/fhir/data/) and answers
``GET [base]/Patient?identifier=`` and ``GET [base]/Observation?patient=&code=&date=``
with searchset Bundles, as a hospital's server does: ``identifier`` and ``code`` take
``system|value`` or ``value`` (``code`` a comma-separated list), ``date`` a prefix
(``ge``, ``gt``, ``le``, ``lt``, ``eq``) and a date, ``_count`` a page size (the server
gives at most ``MAX_PAGE`` a page, with a ``next`` link). Any other search parameter is
refused (400), as a strict server would. The recording's dates are moved so that the
recording's day (its ``meta.lastUpdated``) is today: "2 days ago" stays 2 days ago.

Each request is kept in ``requests`` (path and parameters) for the tests to read.
"""

from __future__ import annotations

import datetime
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Final
from urllib.parse import parse_qs, urlencode, urlsplit

DATA: Final = Path(__file__).parent / "data"
MAX_PAGE: Final = 2
BASE_PATH: Final = "/fhir"
_SEARCH_PARAMETERS: Final = {
    "Patient": {"identifier", "_count", "_offset"},
    "Observation": {"patient", "code", "date", "_count", "_offset"},
}


def _shifted(node: Any, days: int) -> Any:
    """Every date and dateTime of the recording moved by ``days`` (birth dates kept)."""
    if isinstance(node, dict):
        return {k: (v if k == "birthDate" else _shifted(v, days)) for k, v in node.items()}
    if isinstance(node, list):
        return [_shifted(item, days) for item in node]
    if isinstance(node, str) and len(node) >= 10 and node[4] == "-" and node[7] == "-" and node[:4].isdigit():
        try:
            day = datetime.date.fromisoformat(node[:10])
        except ValueError:
            return node
        return (day + datetime.timedelta(days=days)).isoformat() + node[10:]
    return node


def load(name: str, *, today: datetime.date) -> list[dict[str, Any]]:
    recording = json.loads((DATA / name).read_text(encoding="utf-8"))
    recorded_on = datetime.date.fromisoformat(recording["meta"]["lastUpdated"][:10])
    return [_shifted(entry["resource"], (today - recorded_on).days) for entry in recording["entry"]]


def _token_matches(wanted: str, system: str | None, value: str | None) -> bool:
    if "|" in wanted:
        want_system, _, want_value = wanted.partition("|")
        return (not want_system or want_system == system) and want_value == value
    return wanted == value


def _effective_day(resource: dict[str, Any]) -> str | None:
    when = resource.get("effectiveDateTime") or (resource.get("effectivePeriod") or {}).get("start")
    return when[:10] if isinstance(when, str) else None


def _date_matches(condition: str, day: str | None) -> bool:
    if day is None:
        return False
    prefix, value = (condition[:2], condition[2:]) if condition[:2].isalpha() else ("eq", condition)
    value = value[:10]
    return {"eq": day == value, "ge": day >= value, "gt": day > value, "le": day <= value, "lt": day < value}[prefix]


class FhirServer:
    def __init__(self, resources: list[dict[str, Any]]) -> None:
        self.resources = resources
        self.requests: list[tuple[str, dict[str, list[str]]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                server._answer(self)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}{BASE_PATH}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> FhirServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        url = urlsplit(handler.path)
        params = parse_qs(url.query)
        self.requests.append((url.path, params))
        kind = url.path.removeprefix(BASE_PATH + "/")
        if kind not in _SEARCH_PARAMETERS:
            return self._send(handler, 404, _outcome("not-found", f"no {kind}"))
        unknown = set(params) - _SEARCH_PARAMETERS[kind]
        if unknown:
            return self._send(handler, 400, _outcome("not-supported", f"unknown parameters {sorted(unknown)}"))
        found = [r for r in self.resources if r["resourceType"] == kind and self._matches(r, params)]
        offset = int(params.get("_offset", ["0"])[0])
        count = min(int(params.get("_count", [str(MAX_PAGE)])[0]), MAX_PAGE)
        page = found[offset : offset + count]
        bundle: dict[str, Any] = {
            "resourceType": "Bundle",
            "type": "searchset",
            "total": len(found),
            "link": [{"relation": "self", "url": self.base_url + "/" + kind + "?" + url.query}],
            "entry": [
                {"fullUrl": f"{self.base_url}/{kind}/{r['id']}", "resource": r, "search": {"mode": "match"}}
                for r in page
            ],
        }
        if offset + count < len(found):
            following = {k: v for k, v in params.items() if k != "_offset"} | {"_offset": [str(offset + count)]}
            bundle["link"].append(
                {"relation": "next", "url": f"{self.base_url}/{kind}?{urlencode(following, doseq=True)}"}
            )
        return self._send(handler, 200, bundle)

    @staticmethod
    def _matches(resource: dict[str, Any], params: dict[str, list[str]]) -> bool:
        for wanted in params.get("identifier", []):
            if not any(_token_matches(wanted, i.get("system"), i.get("value")) for i in resource.get("identifier", [])):
                return False
        for wanted in params.get("patient", []):
            if (resource.get("subject") or {}).get("reference") not in (wanted, f"Patient/{wanted}"):
                return False
        for wanted in params.get("code", []):
            codings = (resource.get("code") or {}).get("coding", [])
            if not any(_token_matches(w, c.get("system"), c.get("code")) for w in wanted.split(",") for c in codings):
                return False
        return all(_date_matches(condition, _effective_day(resource)) for condition in params.get("date", []))

    @staticmethod
    def _send(handler: BaseHTTPRequestHandler, status: int, body: dict[str, Any]) -> None:
        content = json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/fhir+json")
        handler.send_header("Content-Length", str(len(content)))
        handler.end_headers()
        handler.wfile.write(content)


def _outcome(code: str, text: str) -> dict[str, Any]:
    return {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": code, "diagnostics": text}]}
