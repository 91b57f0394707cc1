"""Every generated method, sync and async, takes the per-call options and puts them on the wire.

The methods are found by introspecting `atono.resources`, so a method a spec revision adds is covered with no edit
here: each is called with its required arguments, `extra_headers`, `extra_query`, `timeout` and `max_retries`, over
a mock transport that answers with a document of the type the method returns.
"""

from __future__ import annotations

import inspect
import typing
from typing import Any

import httpx
import pytest
from atono import APIResponse, AsyncAtono, Atono, InternalServerError, RetryPolicy
from atono import resources as namespaces
from atono.pagination import Page
from atono.types import KNOWN_TYPES

STAMP = "2024-09-04T22:28:31Z"
ATTRIBUTES: dict[str, dict[str, Any]] = {
    "story": {"title": "t", "handle": "STORY-1", "createdAt": STAMP, "updatedAt": STAMP},
    "bug": {"title": "t", "handle": "BUG-1", "createdAt": STAMP, "updatedAt": STAMP},
    "team": {"name": "T", "createdAt": STAMP, "updatedAt": STAMP},
    "user": {"email": "a@b.c", "fullName": "A", "createdAt": STAMP, "updatedAt": STAMP},
    "flag": {"key": "k", "name": "F", "createdAt": STAMP, "updatedAt": STAMP},
    "workflow_step": {"name": "To do", "category": "TODO"},
}
CLASSES = {cls.__name__: type_name for type_name, cls in KNOWN_TYPES.items()}


METHODS = [
    (name, method)
    for name in sorted(n for n in namespaces.__all__ if not n.startswith("Async") and n[0].isupper())
    if inspect.isclass(getattr(namespaces, name)) and hasattr(getattr(namespaces, name), "_pager")
    for method, function in vars(getattr(namespaces, name)).items()
    if not method.startswith("_") and inspect.isfunction(function)
]


def _returned_type(function: Any) -> str | None:
    """The wire type of the resource a method returns (or pages), from its annotation."""
    annotation = str(inspect.signature(function).return_annotation)
    names = [word for word in annotation.replace("[", " ").replace("]", " ").split() if word in CLASSES]
    return CLASSES[names[0]] if names else None


def _arguments(function: Any) -> tuple[list[str], dict[str, Any]]:
    """Required arguments, each a plain string id or value (every required one is a string today)."""
    positional: list[str] = []
    keywords: dict[str, Any] = {}
    hints = typing.get_type_hints(function)
    for name, parameter in inspect.signature(function).parameters.items():
        if name == "self" or parameter.default is not inspect.Parameter.empty:
            continue
        if parameter.kind is inspect.Parameter.VAR_KEYWORD:
            continue
        assert str in typing.get_args(hints[name]) or hints[name] is str, f"{function.__qualname__}({name})"
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY:
            keywords[name] = "value"
        else:
            positional.append("x1")
    return positional, keywords


def _answer(type_name: str | None, sent: list[httpx.Request]) -> Any:
    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        if request.method == "DELETE":
            return httpx.Response(204)
        if request.method == "GET" and not request.url.path.endswith("/x1"):  # a collection: one empty page
            return httpx.Response(200, json={"data": [], "links": {}})
        assert type_name is not None
        return httpx.Response(200, json={"data": {"type": type_name, "id": "x1", "attributes": ATTRIBUTES[type_name]}})

    return handler


async def _run(flavor: str, name: str, method: str, handler: Any, *, raw: bool = False, **options: Any) -> Any:
    """Call `name.method` over a mock transport (through `with_raw_response` if `raw`); what it returned, awaited,
    or for a pager its first page."""
    cls = Atono if flavor == "sync" else AsyncAtono
    http = httpx.Client if flavor == "sync" else httpx.AsyncClient
    client: Any = cls(api_key="k", http_client=http(transport=httpx.MockTransport(handler)), rate_limit=None)
    client._retry_policy = RetryPolicy(sleep=lambda _: None, async_sleep=_no_sleep)
    namespace_name = next(a for a in dir(type(client)) if type(getattr(client, a, None)).__name__.endswith(name))
    namespace = getattr(client, namespace_name)
    function = getattr(namespace.with_raw_response if raw else namespace, method)
    positional, keywords = _arguments(getattr(getattr(namespaces, name), method))
    result = function(*positional, **keywords, **options)
    if inspect.isawaitable(result):
        return await result
    if hasattr(result, "pages"):
        pages = result.pages()
        if hasattr(pages, "__anext__"):
            return await pages.__anext__()
        return next(pages)
    return result


async def _no_sleep(seconds: float) -> None:
    return None


@pytest.mark.parametrize(("name", "method"), METHODS, ids=[f"{n}.{m}" for n, m in METHODS])
@pytest.mark.parametrize("flavor", ["sync", "async"])
async def test_every_method_sends_the_per_call_options(flavor: str, name: str, method: str) -> None:
    sent: list[httpx.Request] = []
    type_name = _returned_type(getattr(getattr(namespaces, name), method))
    options = {"extra_headers": {"X-Probe": "1"}, "extra_query": {"probe": "yes"}, "timeout": 7.0}
    await _run(flavor, name, method, _answer(type_name, sent), **options)
    (request,) = sent
    assert request.headers["x-probe"] == "1"
    assert request.url.params["probe"] == "yes"
    assert request.extensions["timeout"]["read"] == 7.0


@pytest.mark.parametrize(("name", "method"), METHODS, ids=[f"{n}.{m}" for n, m in METHODS])
async def test_every_method_keeps_to_its_max_retries(name: str, method: str) -> None:
    sent: list[httpx.Request] = []
    with pytest.raises(InternalServerError):
        await _run("sync", name, method, lambda request: sent.append(request) or httpx.Response(503), max_retries=0)
    assert len(sent) == 1


def test_the_generated_methods_were_found() -> None:
    assert {"Bugs.list", "Bugs.get", "Bugs.create", "Bugs.update", "Bugs.delete", "Teams.members"} <= {
        f"{n}.{m}" for n, m in METHODS
    }
    assert len(METHODS) == 23  # one per operation of the spec


@pytest.mark.parametrize(("name", "method"), METHODS, ids=[f"{n}.{m}" for n, m in METHODS])
@pytest.mark.parametrize("flavor", ["sync", "async"])
async def test_every_method_has_a_raw_response_twin(flavor: str, name: str, method: str) -> None:
    """`with_raw_response.<method>` returns the answer that ended the call (after a refused first attempt, which
    every method may resend), and `parse()` gives what the method itself returns."""
    sent: list[httpx.Request] = []
    type_name = _returned_type(getattr(getattr(namespaces, name), method))
    answer = _answer(type_name, [])

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        if len(sent) == 1:
            return httpx.Response(429, headers={"x-request-id": "req-refused"})
        response = answer(request)
        response.headers["x-request-id"] = "req-answered"
        response.headers["x-ratelimit-remaining"] = "2998"
        return response

    raw = await _run(flavor, name, method, handler, raw=True)
    plain = await _run(flavor, name, method, _answer(type_name, []))
    assert isinstance(raw, APIResponse)
    assert len(sent) == 2 and raw.retries_taken == 1
    assert raw.http_response.request.url == sent[1].url
    assert raw.request_id == "req-answered" and raw.headers["x-ratelimit-remaining"] == "2998"
    assert raw.status_code == (204 if sent[1].method == "DELETE" else 200)
    assert raw.elapsed.total_seconds() >= 0
    parsed = raw.parse()
    if isinstance(plain, Page):
        assert isinstance(parsed, Page) and parsed.items == plain.items and parsed.start == 0
    elif plain is None:
        assert parsed is None
    else:
        assert type(parsed) is type(plain) and parsed.id == plain.id
