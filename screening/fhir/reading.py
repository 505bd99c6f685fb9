"""Reading a FHIR R4 input with ``fhir.resources``: a Bundle (any type) or one Observation.

Spec, "Input": the input must parse as FHIR R4 (structure, types, required elements,
every resource in it), or it is refused with the JSON Pointer of each error and nothing
is proposed. The structure is the library's to check: its R4B models read R4
Observations and Patients (the elements used here are the same in R4 and R4B). This
module only adds what the library does not do:

- JSON itself (``NaN`` and ``Infinity`` are not JSON), the document being a Bundle or an
  Observation (refused at ``/resourceType``), and at most 2,000 entries;
- a ``resourceType`` that names a FHIR resource (the library raises a bare ``KeyError``
  on an unknown one, and takes an entry's resource without any);
- the numbers read from an Observation being JSON numbers (the library also takes the
  string ``"12"`` for a decimal);
- every error, not only the first of each resource: the library checks the required
  elements of a resource only once all its elements parsed, so the refused elements are
  left out and the input validated again until no new error appears (as
  ``exchange.parse_screening`` leaves refused values out to report the rest).
"""

from __future__ import annotations

import copy
import json
import math
from dataclasses import dataclass
from typing import Any, Final

from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.resource import Resource
from pydantic import ValidationError

from screening.fhir.tables import MAX_ENTRIES
from screening.fhir.text import Text, gettext_noop

# Each pass of the validation reports the errors one level further down (a required
# element of a resource whose other elements were refused); FHIR resources nest a few
# levels only.
_MAX_PASSES: Final = 12

Part = str | int


@dataclass(frozen=True, slots=True)
class InputError:
    path: str  # JSON Pointer of the offending element ("" for the document itself)
    text: Text

    @property
    def message(self) -> str:
        return self.text.render()


class RefusedInput(Exception):  # noqa: N818 - a refused input is the spec's word
    """An input that is not FHIR R4, or is about another patient: nothing is proposed."""

    def __init__(self, errors: list[InputError]) -> None:
        super().__init__("; ".join(f"{e.path or '/'}: {e.message}" for e in errors))
        self.errors = errors


@dataclass(frozen=True, slots=True)
class Entry:
    """An Observation or a Patient of the input, in input order."""

    pointer: str  # "/entry/3/resource", or "" for an input that is one Observation
    full_url: str | None
    resource: Observation | Patient
    raw: dict[str, Any]  # the resource as JSON, for the numbers as written


def pointer(parts: tuple[Part, ...]) -> str:
    """A JSON Pointer (RFC 6901) from its parts."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def read_input(raw: bytes | str | dict[str, Any]) -> list[Entry]:
    """The Observations and Patients of a FHIR JSON input, or :class:`RefusedInput`."""
    data = _json(raw)
    kind = data.get("resourceType")
    if kind not in ("Bundle", "Observation"):
        shown = kind if isinstance(kind, str) else json.dumps(kind)
        raise RefusedInput(
            [
                InputError(
                    "/resourceType",
                    Text(gettext_noop("a Bundle or an Observation is expected, not %(type)s"), {"type": shown}),
                )
            ]
        )
    entries = data.get("entry")
    if kind == "Bundle" and isinstance(entries, list) and len(entries) > MAX_ENTRIES:
        raise RefusedInput(
            [
                InputError(
                    "/entry",
                    Text(
                        gettext_noop("at most %(max)s entries; this bundle has %(count)s"),
                        {"max": MAX_ENTRIES, "count": len(entries)},
                    ),
                )
            ]
        )
    work = copy.deepcopy(data)
    errors = _resource_types(work, kind)
    model, library_errors = _validate(Bundle if kind == "Bundle" else Observation, work)
    errors += library_errors
    reported = {e.path for e in errors}
    errors += [e for e in _numbers(data, kind) if e.path not in reported]
    if errors or model is None:
        raise RefusedInput(
            sorted(errors, key=lambda e: _order(e.path))
            or [InputError("", Text(gettext_noop("not a FHIR R4 resource")))]
        )
    if isinstance(model, Observation):
        return [Entry(pointer="", full_url=None, resource=model, raw=data)]
    found = []
    for i, entry in enumerate(model.entry or ()):
        resource = entry.resource
        if isinstance(resource, Observation | Patient):
            found.append(
                Entry(
                    pointer=f"/entry/{i}/resource",
                    full_url=entry.fullUrl,
                    resource=resource,
                    raw=data["entry"][i]["resource"],
                )
            )
    return found


def _json(raw: bytes | str | dict[str, Any]) -> dict[str, Any]:
    if isinstance(raw, dict):
        return raw
    try:
        data = json.loads(raw, parse_constant=_refuse_constant)
    except (ValueError, UnicodeDecodeError) as exc:
        raise RefusedInput(
            [InputError("", Text(gettext_noop("not valid JSON: %(error)s"), {"error": str(exc)}))]
        ) from None
    if not isinstance(data, dict):
        raise RefusedInput([InputError("", Text(gettext_noop("a FHIR resource is a JSON object")))])
    return data


def _refuse_constant(name: str) -> None:
    raise ValueError(f"JSON has no {name}")


def _order(path: str) -> tuple[tuple[int, int, str], ...]:
    """Document order of two paths (``/entry/2`` before ``/entry/10``)."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in path.split("/")[1:])


def _is_resource_type(name: object) -> bool:
    if not isinstance(name, str):
        return False
    try:
        model = get_fhir_model_class(name)
    except ValueError:
        return False
    return issubclass(model, Resource)


def _resource_types(work: dict[str, Any], kind: str) -> list[InputError]:
    """Every object naming a resource type names one of FHIR R4 (the library cannot say
    which: it fails with a KeyError); every entry's resource names its type. Such a
    resource is left out of ``work`` so that the rest is still checked."""
    errors: list[InputError] = []

    def visit(node: Any, parts: tuple[Part, ...], parent: Any, key: Part | None) -> None:
        if isinstance(node, dict):
            if "resourceType" in node and parts and not _is_resource_type(node["resourceType"]):
                shown = (
                    node["resourceType"] if isinstance(node["resourceType"], str) else json.dumps(node["resourceType"])
                )
                errors.append(
                    InputError(
                        pointer((*parts, "resourceType")),
                        Text(gettext_noop("%(type)s is not a FHIR R4 resource type"), {"type": shown}),
                    )
                )
                _leave_out(parent, key)
                return
            for k, v in list(node.items()):
                visit(v, (*parts, k), node, k)
        elif isinstance(node, list):
            for i, item in enumerate(node):
                visit(item, (*parts, i), node, i)

    visit(work, (), None, None)
    if kind == "Bundle" and isinstance(work.get("entry"), list):
        for i, entry in enumerate(work["entry"]):
            if (
                isinstance(entry, dict)
                and isinstance(entry.get("resource"), dict)
                and "resourceType" not in entry["resource"]
            ):
                errors.append(InputError(f"/entry/{i}/resource/resourceType", Text(gettext_noop("is required"))))
                del entry["resource"]
    return errors


def _leave_out(parent: Any, key: Part | None) -> None:
    if isinstance(parent, dict) and isinstance(key, str):
        del parent[key]
    elif isinstance(parent, list) and isinstance(key, int):
        parent[key] = {}


def _validate(
    model: type[Bundle] | type[Observation], work: dict[str, Any]
) -> tuple[Bundle | Observation | None, list[InputError]]:
    """The library's model of ``work``, and every error it finds (JSON Pointers)."""
    errors: list[InputError] = []
    reported: list[tuple[Part, ...]] = []
    emptied: set[tuple[Part, ...]] = set()
    for _ in range(_MAX_PASSES):
        try:
            parsed = model.model_validate(work)
        except ValidationError as exc:
            changed = False
            for parts, message, absent_object in _located(exc):
                covering = next((r for r in reported if parts[: len(r)] == r), None)
                if covering is None:
                    errors.append(InputError(pointer(parts), message))
                    reported.append(parts)
                    if absent_object and parts not in emptied:
                        # An empty element in the place of a missing required one lets the
                        # library check the rest of its resource (its required elements).
                        changed |= _fill(work, parts)
                        emptied.add(parts)
                        continue
                # Left out (as if absent) so that the next pass reaches what this error hid.
                changed |= _prune(work, parts if covering is None else covering, emptied)
            if not changed:
                break
            continue
        return (None if errors else parsed), errors
    return None, errors


_REQUIRED: Final = gettext_noop("is required")


def _located(exc: ValidationError) -> list[tuple[tuple[Part, ...], Text, bool]]:
    """Each error of the library at its own path (a null item of a list at the item's),
    and whether it is a required complex element that is absent (pydantic's "missing";
    the library reports absent primitives itself, once the rest of the resource parsed)."""
    found = []
    for error in exc.errors(include_url=False):
        parts = _parts(error["loc"])
        value = error.get("input")
        if error["type"] == "list_type" and isinstance(value, list) and any(item is None for item in value):
            found += [
                ((*parts, i), Text(gettext_noop("must not be null")), False)
                for i, item in enumerate(value)
                if item is None
            ]
            continue
        found.append((parts, _library_message(error), error["type"] == "missing"))
    return found


def _parts(loc: tuple[str | int, ...]) -> tuple[Part, ...]:
    parts = ["resourceType" if p == "resource_type" else p for p in loc]
    while parts and parts[-1] == "root":  # the library's name for "this value itself"
        parts.pop()
    return tuple(parts)


def _library_message(error: Any) -> Text:
    if error["type"] in ("missing", "model_field_validation.missing"):
        return Text(_REQUIRED)
    if error["type"] == "json_invalid":  # the library reads a string as a JSON document
        return Text(gettext_noop("must be an object, not a string"))
    if error["type"] == "extra_forbidden":
        return Text(gettext_noop("unknown element"))
    # The library's own words (English): no values, so never %-formatted.
    return Text(str(error["msg"]).removeprefix("Value error, "))


def _fill(work: Any, parts: tuple[Part, ...]) -> bool:
    parent = work
    for part in parts[:-1]:
        try:
            parent = parent[part]
        except (KeyError, IndexError, TypeError):
            return False
    if isinstance(parent, dict) and parts and parts[-1] not in parent:
        parent[parts[-1]] = {}
        return True
    return False


def _prune(work: Any, parts: tuple[Part, ...], emptied: set[tuple[Part, ...]]) -> bool:
    """Leave the element at ``parts`` out; whether ``work`` changed."""
    if not parts:
        return False
    parent = work
    for part in parts[:-1]:
        try:
            parent = parent[part]
        except (KeyError, IndexError, TypeError):
            return False
    key = parts[-1]
    if isinstance(parent, dict) and key in parent:
        del parent[key]
        return True
    if isinstance(parent, list) and isinstance(key, int) and 0 <= key < len(parent):
        if parts not in emptied or parent[key] is None:
            # An empty element keeps the positions of the next ones (their errors' paths).
            parent[key] = {}
            emptied.add(parts)
            return True
        # Still refused when empty: the whole list goes.
        return _prune(work, parts[:-1], emptied)
    return False


def _numbers(data: dict[str, Any], kind: str) -> list[InputError]:
    """The numbers read from each Observation are JSON numbers (finite, not strings)."""
    resources: list[tuple[tuple[Part, ...], dict[str, Any]]]
    if kind == "Observation":
        resources = [((), data)]
    else:
        entries = data.get("entry")
        resources = (
            [
                (("entry", i, "resource"), e["resource"])
                for i, e in enumerate(entries)
                if isinstance(e, dict) and isinstance(e.get("resource"), dict)
            ]
            if isinstance(entries, list)
            else []
        )
    errors = []
    for parts, resource in resources:
        if resource.get("resourceType") != "Observation":
            continue
        quantities: list[tuple[tuple[Part, ...], Any]] = [((*parts, "valueQuantity"), resource.get("valueQuantity"))]
        ranges = resource.get("referenceRange")
        if isinstance(ranges, list):
            quantities += [
                ((*parts, "referenceRange", j, "high"), r.get("high"))
                for j, r in enumerate(ranges)
                if isinstance(r, dict)
            ]
        for where, quantity in quantities:
            if isinstance(quantity, dict) and quantity.get("value") is not None and not _is_number(quantity["value"]):
                errors.append(
                    InputError(
                        pointer((*where, "value")),
                        Text(
                            gettext_noop("a decimal is a JSON number, not %(value)s"),
                            {"value": json.dumps(quantity["value"])},
                        ),
                    )
                )
    return errors


def _is_number(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return not isinstance(value, float) or math.isfinite(value)
