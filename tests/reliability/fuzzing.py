"""Strategies for the response fuzzing: documents generated from the spec's own schemas, mutated ones, and bodies
that are not documents at all.

Valid documents are drawn from the schemas of `sandbox/generated/atono_wire/openapi.json` (the spec as JSON) by
`from_schema` below, a small translation of the JSON Schema keywords the spec uses into Hypothesis strategies
(`$ref` into the spec's components, `type`, `properties`/`required`/`additionalProperties`, `items`, `enum`,
`const`, `oneOf`/`anyOf`/`allOf`, `not`, `minLength`, `minimum` and the `date-time`, `email` and `int32` formats).
A keyword it does not know fails loudly, so a spec revision cannot quietly narrow what is generated. (The
hypothesis-jsonschema package does the same in general but does not run on the Hypothesis version pinned here.)

One adjustment, explained where it is made: the generic `Resource` branch of `IncludedResource` is kept to types
the SDK does not know.
"""

from __future__ import annotations

import copy
import datetime
import functools
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
from atono.types import KNOWN_TYPES
from hypothesis import strategies as st

SPEC_JSON = Path(__file__).resolve().parents[2] / "sandbox" / "generated" / "atono_wire" / "openapi.json"
SPEC: dict[str, Any] = json.loads(SPEC_JSON.read_text())
JSONAPI = "application/vnd.api+json"


def success_schema(operation_id: str) -> tuple[int, str]:
    """(status, schema name) of the success response the spec gives an operation."""
    for methods in SPEC["paths"].values():
        for operation in methods.values():
            if isinstance(operation, dict) and operation.get("operationId") == operation_id:
                for status, response in operation["responses"].items():
                    if status.startswith("2"):
                        ref = response["content"][JSONAPI]["schema"]["$ref"]
                        return int(status), ref.rsplit("/", 1)[1]
    raise LookupError(operation_id)


@functools.cache
def document_schema(name: str) -> dict[str, Any]:
    """A self-contained JSON Schema for the component `name`: a `$ref` beside the spec's components."""
    components = copy.deepcopy(SPEC["components"])
    # `IncludedResource` is "any known resource, or any other `Resource`". A generic `Resource` whose type is one
    # the spec describes ("bug" without a title, say) satisfies that `anyOf`, but it is not what the spec means,
    # and the SDK rightly validates a known type against its own schema. So the generic branch is generated with
    # the other types only; known types come from their own branches.
    generic = components["schemas"]["Resource"]["properties"]
    generic["type"] = {"type": "string", "not": {"enum": sorted(KNOWN_TYPES)}}
    return {"$ref": f"#/components/schemas/{name}", "components": components}


@functools.cache
def documents(name: str) -> st.SearchStrategy[Any]:
    root = document_schema(name)
    return from_schema({"$ref": root["$ref"]}, root)


# ---- JSON Schema to strategies ----------------------------------------------------------------------------------

# Keywords that only describe: they constrain nothing a response may hold.
_ANNOTATIONS = frozenset({"description", "readOnly", "writeOnly", "example", "examples", "title", "deprecated"})
_KNOWN = _ANNOTATIONS | {
    "$ref",
    "type",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "enum",
    "const",
    "oneOf",
    "anyOf",
    "allOf",
    "not",
    "minLength",
    "minimum",
    "format",
}


@st.composite
def date_times(draw: st.DrawFn) -> str:
    """RFC 3339 `date-time`: any date, a time with 0 to 9 fraction digits, `Z` or an offset; `T`/`Z` may be lower
    case (RFC 3339, 5.6). Leap seconds (`:60`) are left out: no Python datetime can hold one."""
    moment = draw(st.datetimes(min_value=datetime.datetime(1, 1, 2), max_value=datetime.datetime(9999, 12, 30)))
    text = f"{moment.year:04d}-{moment:%m-%dT%H:%M:%S}"
    digits = draw(st.integers(0, 9))
    if digits:
        text += "." + draw(st.text("0123456789", min_size=digits, max_size=digits))
    offset = draw(
        st.sampled_from(["Z", "+00:00", "-00:00"])
        | st.builds(
            lambda sign, h, m: f"{sign}{h:02d}:{m:02d}", st.sampled_from("+-"), st.integers(0, 23), st.integers(0, 59)
        )
    )
    text += offset
    if draw(st.integers(0, 9)) == 0:
        text = text.replace("T", "t").replace("Z", "z")
    return text


def from_schema(schema: Any, root: dict[str, Any]) -> st.SearchStrategy[Any]:
    """A strategy for the JSON values `schema` allows; `$ref`s are resolved in `root`."""
    if schema is True or schema == {}:
        return JSON_VALUES
    unknown = {keyword for keyword in set(schema) - _KNOWN if not keyword.startswith("x-")}  # extensions: no constraint
    if unknown:
        raise NotImplementedError(f"no strategy for the keywords {sorted(unknown)} in {schema}")
    if "$ref" in schema:
        target: Any = root
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        return st.deferred(lambda: from_schema(target, root))
    if "allOf" in schema:
        (only,) = schema["allOf"]  # the spec uses allOf only to annotate a $ref
        return from_schema(only, root)
    for combinator in ("oneOf", "anyOf"):
        if combinator in schema:
            return st.one_of([from_schema(branch, root) for branch in schema[combinator]])
    if "const" in schema:
        return st.just(schema["const"])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    types = schema.get("type")
    if isinstance(types, list):
        return st.one_of([from_schema({**schema, "type": t}, root) for t in types])
    if types == "null":
        return st.none()
    if types == "boolean":
        return st.booleans()
    if types == "integer":
        # Beyond 64 bits too: an integer of any size must come back exactly, whichever decoder reads it.
        bounds = (-(2**31), 2**31 - 1) if schema.get("format") == "int32" else (None, None)
        return st.integers(min_value=schema.get("minimum", bounds[0]), max_value=bounds[1])
    if types == "number":
        return st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    if types == "string":
        return _strings(schema)
    if types == "array":
        return st.lists(from_schema(schema.get("items", True), root), max_size=3)
    if types == "object":
        return _objects(schema, root)
    raise NotImplementedError(f"no strategy for {schema}")


def _strings(schema: dict[str, Any]) -> st.SearchStrategy[str]:
    fmt = schema.get("format")
    strategy: st.SearchStrategy[str]
    if fmt == "date-time":
        strategy = date_times()
    elif fmt == "email":
        strategy = st.emails()
    elif fmt is None:
        strategy = st.text(min_size=schema.get("minLength", 0), max_size=12)
    else:
        raise NotImplementedError(f"no strategy for the string format {fmt!r}")
    excluded = schema.get("not")
    if excluded is not None:
        if set(excluded) != {"enum"}:
            raise NotImplementedError(f"no strategy for `not` {excluded}")
        strategy = strategy.filter(lambda value: value not in excluded["enum"])
    return strategy


def _objects(schema: dict[str, Any], root: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    properties = schema.get("properties", {})
    required = set(schema.get("required", ()))
    extra = schema.get("additionalProperties", True)
    base = st.fixed_dictionaries(
        {name: from_schema(properties[name], root) for name in properties if name in required},
        optional={name: from_schema(sub, root) for name, sub in properties.items() if name not in required},
    )
    if extra is False:
        return base
    # Members the spec does not name: a newer server's, which the SDK must keep or ignore, never choke on.
    others = st.dictionaries(
        st.text(max_size=6).filter(lambda key: key not in properties),
        from_schema(extra, root) if isinstance(extra, dict) else JSON_VALUES,
        max_size=1,
    )
    return st.builds(lambda named, unnamed: {**unnamed, **named}, base, others)


# ---- validity, by the spec's schemas ------------------------------------------------------------------------------

_DATE_TIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|[+-](\d{2}):(\d{2}))", re.ASCII
)
FORMATS = jsonschema.FormatChecker(formats=())


@FORMATS.checks("date-time")
def is_date_time(value: object) -> bool:
    """RFC 3339 `date-time` (the grammar, and real dates and times; leap seconds are not generated)."""
    if not isinstance(value, str):
        return True
    match = _DATE_TIME.fullmatch(value)
    if match is None:
        return False
    year, month, day, hour, minute, second, offset_hour, offset_minute = (int(g or 0) for g in match.groups())
    try:
        datetime.datetime(year, month, day, hour, minute, second)
    except ValueError:
        return False
    return offset_hour < 24 and offset_minute < 60


@functools.cache
def validator(name: str) -> jsonschema.Draft202012Validator:
    """Whether a document is one the spec allows for component `name`, formats included."""
    return jsonschema.Draft202012Validator(document_schema(name), format_checker=FORMATS)


# ---- mutations ----------------------------------------------------------------------------------------------------

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.sampled_from(["", "bug", "user", "team", "2024-13-45T99:00:00Z", "2024-01-01T00:00:00", "TEXT", "NORMAL"]),
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=4,
)


def _locations(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path inside a JSON value (the root is `()`)."""
    found = [path]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _locations(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _locations(child, (*path, index))
    return found


def _values(value: Any) -> list[Any]:
    """Every value inside a JSON value, to move one somewhere it does not belong."""
    found = [value]
    if isinstance(value, dict):
        for child in value.values():
            found += _values(child)
    elif isinstance(value, list):
        for child in value:
            found += _values(child)
    return found


@st.composite
def mutated(draw: st.DrawFn, name: str) -> Any:
    """A valid document of component `name` with one to three mutations: a member removed, a value replaced by
    another JSON value (of any type), or a value moved from elsewhere in the document."""
    document = draw(documents(name))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_locations(document)))
        kind = draw(st.sampled_from(["remove", "replace", "transplant"]))
        if kind == "transplant":
            replacement = copy.deepcopy(draw(st.sampled_from(_values(document))))
        else:
            replacement = draw(JSON_VALUES)
        if not path:
            document = replacement
            continue
        *parents, last = path
        container = document
        for step in parents:
            container = container[step]
        if kind == "remove" and isinstance(container, dict):
            del container[last]
        elif kind == "remove":
            container.pop(last)
        else:
            container[last] = replacement
    return document


# ---- bodies that are not documents ----------------------------------------------------------------------------------

CONTENT_TYPES = st.sampled_from(
    [JSONAPI, "application/json", "application/json; charset=utf-8", "text/html; charset=utf-8", "text/plain", None]
)


@st.composite
def raw_bodies(draw: st.DrawFn) -> bytes:
    """Bytes a broken server, proxy or network might hand back instead of a document."""
    kind = draw(st.sampled_from(["bytes", "json", "truncated", "nested", "html", "empty", "latin-1"]))
    if kind == "bytes":
        return draw(st.binary(max_size=64))
    if kind == "json":
        return json.dumps(draw(JSON_VALUES)).encode()
    if kind == "truncated":
        text = json.dumps(draw(documents("BugDocument"))).encode()
        return text[: draw(st.integers(0, max(0, len(text) - 1)))]
    if kind == "nested":
        depth = draw(st.sampled_from([10, 1_000, 5_000, 100_000]))
        inner = draw(st.sampled_from(['{"data": ', "[", '{"a": ']))
        return (inner * depth).encode()
    if kind == "html":
        return b"<!DOCTYPE html><html><head><title>Sign in</title></head><body><form>Wi-Fi</form></body></html>"
    if kind == "empty":
        return draw(st.sampled_from([b"", b" ", b"null", b"{}", b"[]", b'{"data": null}', b'{"errors": []}']))
    return draw(st.text(max_size=20)).encode("utf-8") + b"\xe9\xff\xfe"
