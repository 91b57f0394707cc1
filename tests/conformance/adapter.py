"""The Python binding of the conformance vocabulary: calls, fake responses and value paths (spec/conformance/).

Everything language-specific lives here: how an operationId and its spec-named arguments become a call
on `Atono`/`AsyncAtono`, how a case's response is served through `httpx.MockTransport`, and how a path
such as `["data", "team", "#members"]` reads the typed objects. The tests in test_conformance.py only
compare what this module returns with what the case files expect.
"""

from __future__ import annotations

import datetime
import enum
import itertools
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import attrs
import httpx
from atono import AsyncAtono, Atono
from atono._frozen import set_fields
from atono._naming import snake_case
from atono._objects import ResourceObject, ToMany, ToOne, relationship_descriptors
from atono._retry import RetryPolicy
from atono.pagination import Page
from atono.resources import Identifier
from atono.types import ContentChunk, Resource

CONFORMANCE = Path(__file__).resolve().parents[2] / "spec" / "conformance"
KINDS = ("documents", "requests", "errors", "pagination")
Flavor = Literal["sync", "async"]
Shape = Literal["one", "list", "delete"]


def load(kind: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((CONFORMANCE / f"{kind}.json").read_text(encoding="utf-8"))
    return data


# ---- calls ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Operation:
    namespace: str
    method: str
    path_parameter: str | None
    shape: Shape


OPERATIONS: dict[str, Operation] = {
    "listStories": Operation("stories", "list", None, "list"),
    "createStory": Operation("stories", "create", None, "one"),
    "getStory": Operation("stories", "get", "storyId", "one"),
    "updateStory": Operation("stories", "update", "storyId", "one"),
    "deleteStory": Operation("stories", "delete", "storyId", "delete"),
    "listBugs": Operation("bugs", "list", None, "list"),
    "createBug": Operation("bugs", "create", None, "one"),
    "getBug": Operation("bugs", "get", "bugId", "one"),
    "updateBug": Operation("bugs", "update", "bugId", "one"),
    "deleteBug": Operation("bugs", "delete", "bugId", "delete"),
    "listTeams": Operation("teams", "list", None, "list"),
    "createTeam": Operation("teams", "create", None, "one"),
    "getTeam": Operation("teams", "get", "teamId", "one"),
    "updateTeam": Operation("teams", "update", "teamId", "one"),
    "listTeamMembers": Operation("teams", "members", "teamId", "list"),
    "listUsers": Operation("users", "list", None, "list"),
    "createUser": Operation("users", "create", None, "one"),
    "getUser": Operation("users", "get", "userId", "one"),
    "updateUser": Operation("users", "update", "userId", "one"),
    "listFlags": Operation("flags", "list", None, "list"),
    "getFlag": Operation("flags", "get", "flagIdOrKey", "one"),
    "listFlagEnvironments": Operation("flags", "environments", "flagIdOrKey", "list"),
    "getWorkflowStep": Operation("workflow_steps", "get", "workflowStepId", "one"),
}

# The vocabulary's argument names that are not simply the snake_case of the spec's name.
_ARGUMENT_NAMES = {"pageSize": "page_size"}


@dataclass
class Outcome:
    """What a call gave: the resource (or None), the pages and items of a list, and the error that ended it."""

    value: Any = None
    pages: list[Page[Any]] = field(default_factory=list)
    items: list[Any] = field(default_factory=list)
    error: BaseException | None = None


def _bound(client: Atono | AsyncAtono, call: Mapping[str, Any]) -> tuple[Callable[..., Any], Shape]:
    operation = OPERATIONS[call["operation"]]
    args = dict(call["args"])
    positional = [args.pop(operation.path_parameter)] if operation.path_parameter else []
    keywords = {_ARGUMENT_NAMES.get(name, snake_case(name)): value for name, value in args.items()}
    method = getattr(getattr(client, operation.namespace), operation.method)

    def invoke(**extra: Any) -> Any:
        return method(*positional, **keywords, **extra)

    return invoke, operation.shape


async def execute(client: Atono | AsyncAtono, call: Mapping[str, Any], *, read_ahead: int | None = None) -> Outcome:
    """Make the call on either client; a list is read to its end (or its first error)."""
    outcome = Outcome()
    invoke, shape = _bound(client, call)
    extra = {"read_ahead": read_ahead} if read_ahead is not None and shape == "list" else {}
    try:
        if shape != "list":
            result = invoke()
            outcome.value = await result if isinstance(client, AsyncAtono) else result
        elif isinstance(client, AsyncAtono):
            async for page in invoke(**extra).pages():
                outcome.pages.append(page)
                outcome.items.extend(page.items)
        else:
            for page in invoke(**extra).pages():
                outcome.pages.append(page)
                outcome.items.extend(page.items)
    except Exception as exc:
        outcome.error = exc
    return outcome


# ---- the fake server -------------------------------------------------------------------------------------
_NETWORK_ERRORS: dict[str, type[httpx.TransportError]] = {
    "connect": httpx.ConnectError,
    "connectTimeout": httpx.ConnectTimeout,
    "readTimeout": httpx.ReadTimeout,
    "broken": httpx.RemoteProtocolError,
}


def respond(spec: Mapping[str, Any], request: httpx.Request) -> httpx.Response:
    """The case's response (or network failure) for `request`."""
    if "network" in spec:
        raise _NETWORK_ERRORS[spec["network"]](f"simulated {spec['network']} failure", request=request)
    headers = dict(spec.get("headers", {}))
    if "body" in spec:
        headers = {"content-type": "application/vnd.api+json", **headers}
        return httpx.Response(spec["status"], headers=headers, content=json.dumps(spec["body"]).encode())
    return httpx.Response(spec["status"], headers=headers, content=spec.get("text", "").encode())


@dataclass
class Sent:
    """A request as it left the client (headers copied before the SDK redacts the key)."""

    method: str
    host: str
    raw_path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes


class FakeServer:
    """Answers through `answer(request)`, recording every request."""

    def __init__(self, answer: Callable[[httpx.Request], Mapping[str, Any]]) -> None:
        self.answer = answer
        self.sent: list[Sent] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        query: dict[str, list[str]] = {}
        for name, value in request.url.params.multi_items():
            query.setdefault(name, []).append(value)
        self.sent.append(
            Sent(
                method=request.method,
                host=request.url.host,
                raw_path=request.url.raw_path.decode("ascii").partition("?")[0],
                query=query,
                headers={k.lower(): v for k, v in request.headers.items()},
                body=request.content,
            )
        )
        return respond(self.answer(request), request)


class _CausedPolicy(RetryPolicy):
    """The SDK's retry policy, noting when a pause is its own backoff: the sleep hook reports each pause's cause."""

    __slots__ = ("backoffs",)
    _unshown = RetryPolicy._unshown | {"backoffs"}
    backoffs: list[float]

    def __init__(self, *, backoffs: list[float], **settings: Any) -> None:
        super().__init__(**settings)
        set_fields(self, backoffs=backoffs)

    def _backoff(self, retries_taken: int) -> float:
        delay = super()._backoff(retries_taken)
        self.backoffs.append(delay)
        return delay


def make_client(
    flavor: Flavor,
    server: FakeServer,
    client_config: Mapping[str, str],
    *,
    max_retries: int,
    pauses: list[dict[str, Any]],
    now: float | None = None,
) -> Atono | AsyncAtono:
    """A client over the fake server, with pacing off and retry pauses recorded, with their causes, instead of slept.

    A pause is `backoff` when the policy's backoff just chose that delay, else `retry-after` (the only other source
    of a retry pause; pacing is off). The backoff's random draws alternate between 0 and 1, the two ends of its
    range, so a pause outside the bounds a case states shows; `now` (Unix time) pins the clock a Retry-After date
    is read against.
    """
    draws = itertools.cycle((0.0, 1.0))
    backoffs: list[float] = []

    def record(seconds: float) -> None:
        cause = "backoff" if backoffs and backoffs[-1] == seconds else "retry-after"
        backoffs.clear()
        pauses.append({"cause": cause, "seconds": seconds})

    async def record_async(seconds: float) -> None:
        record(seconds)

    transport = httpx.MockTransport(server)
    options: dict[str, Any] = {
        "api_key": client_config["apiKey"],
        "base_url": client_config["baseUrl"],
        "max_retries": max_retries,
        "rate_limit": None,
    }
    client: Atono | AsyncAtono
    if flavor == "sync":
        client = Atono(http_client=httpx.Client(transport=transport), **options)
    else:
        client = AsyncAtono(http_client=httpx.AsyncClient(transport=transport), **options)
    clock = {} if now is None else {"wall_clock": lambda: now}
    client._retry_policy = _CausedPolicy(
        sleep=record, async_sleep=record_async, random=lambda: next(draws), backoffs=backoffs, **clock
    )
    return client


def pause_matches(actual: Mapping[str, Any], expected: Mapping[str, Any]) -> bool:
    """A recorded pause against a case's: the same cause, and the seconds or within the inclusive bounds."""
    if actual["cause"] != expected["cause"]:
        return False
    if "seconds" in expected:
        return bool(actual["seconds"] == expected["seconds"])
    return bool(expected.get("atLeast", 0) <= actual["seconds"] <= expected.get("atMost", float("inf")))


# ---- reading values by path ------------------------------------------------------------------------------
class _Absent:
    def __repr__(self) -> str:
        return "<absent>"


ABSENT: Any = _Absent()


def resolve(roots: Mapping[str, Any], path: list[str | int]) -> Any:
    """Walk `path` from one of `roots` (data, meta, links, items); NotIncludedError propagates."""
    value = roots[str(path[0])]
    for segment in path[1:]:
        value = _step(value, segment)
    return value


def _step(value: Any, segment: str | int) -> Any:
    if isinstance(segment, int):
        return value[segment]
    if isinstance(value, ResourceObject):
        return _resource_member(value, segment)
    if isinstance(value, ContentChunk):
        return {"type": value.type, "value": value.value}.get(segment, ABSENT)
    if isinstance(value, Mapping):
        return value.get(segment, ABSENT)
    raise AssertionError(f"cannot read {segment!r} from {value!r}")


def _resource_member(obj: ResourceObject, name: str) -> Any:
    if name in ("id", "type"):
        return getattr(obj, name)
    if name in ("$meta", "$links"):
        return getattr(obj, name[1:])
    if name.startswith("#"):
        linkage = obj.relationships.get(name[1:], {}).get("data")
        return obj.related_ids(name[1:]) if isinstance(linkage, list) else obj.related_id(name[1:])
    python_name = snake_case(name)
    descriptor = relationship_descriptors(type(obj)).get(python_name)
    if isinstance(descriptor, ToOne | ToMany):
        return getattr(obj, python_name)
    if name in obj.relationships:
        return obj.related(name)
    if isinstance(obj, Resource):
        return obj.attributes.get(name, ABSENT)
    if python_name in obj.fields_set:
        return getattr(obj, python_name)
    return obj.additional_properties.get(name, ABSENT)


def as_json(value: Any) -> Any:
    """A parsed value in the vocabulary's JSON form: enums as strings, objects (chunks, open maps) as JSON objects."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, ContentChunk):
        return {"type": as_json(value.type), "value": value.value}
    if attrs.has(type(value)) and hasattr(value, "to_dict"):  # a generated model of an open object
        return as_json(value.to_dict())
    if isinstance(value, list):
        return [as_json(item) for item in value]
    if isinstance(value, Mapping):
        return {key: as_json(item) for key, item in value.items()}
    if isinstance(value, ResourceObject | Identifier | datetime.datetime) or value is ABSENT:
        raise AssertionError(f"{value!r} has no JSON form; check its members or use `instant`/`absent`")
    return value


def same_json(actual: Any, expected: Any) -> bool:
    """JSON equality that, unlike `==`, tells true from 1 and 1.0 from "1"."""
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(actual) is type(expected) and actual == expected
    if isinstance(expected, int | float) and isinstance(actual, int | float):
        return actual == expected
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(actual) == len(expected)
            and all(same_json(a, e) for a, e in zip(actual, expected, strict=True))
        )
    if isinstance(expected, dict):
        return (
            isinstance(actual, dict)
            and actual.keys() == expected.keys()
            and all(same_json(actual[k], expected[k]) for k in expected)
        )
    return type(actual) is type(expected) and actual == expected


def item_id(item: Any) -> str:
    if isinstance(item, ResourceObject | Identifier):
        return item.id
    raise AssertionError(f"{item!r} is not a resource or an identifier")


def parse_instant(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
