"""Every SDK exception survives pickle, copy and deepcopy, and so process pools and task queues, and its pickle
holds no key.

`BaseException` pickles as `cls(*args)`, which the keyword-only `response=`/`request=` arguments broke: unpickling
raised TypeError, and a process pool whose worker raised one broke.
"""

from __future__ import annotations

import concurrent.futures
import copy
import multiprocessing
import pickle
import time
from collections.abc import Callable
from typing import Any

import atono
import httpx
import pytest
from atono import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AtonoError,
    ErrorObject,
    NotFoundError,
    NotIncludedError,
    RateLimitError,
)
from atono._exceptions import __all__ as exception_names
from atono._exceptions import make_status_error

from tests.helpers import KEY, call, mock_client

from .figures import record_figure

URL = "https://api.atono.test/v1/bugs"
ERRORS = {"errors": [{"status": "422", "code": "E1", "title": "Bad", "detail": "Title is required.", "x": [1]}]}


def sent_request() -> httpx.Request:
    """A request as the SDK leaves it after sending: with a body, and the key replaced."""
    return httpx.Request("POST", URL, headers={"X-API-KEY": "<redacted>"}, json={"title": "T"})


def error_response(status: int, body: object = ERRORS, **headers: str) -> httpx.Response:
    return httpx.Response(status, json=body, headers={"x-request-id": "req-7", **headers}, request=sent_request())


class MyError(atono.NotFoundError):
    """A user's own subclass, with an `__init__` and an attribute of its own."""

    def __init__(self, message: str, *, response: httpx.Response, tag: str) -> None:
        super().__init__(message, response=response)
        self.tag = tag


def examples() -> dict[str, AtonoError]:
    """One of each exception the SDK defines, with every field it has filled in, and a subclass of a user's."""
    found: dict[str, AtonoError] = {
        "AtonoError": AtonoError("something failed"),
        "NotIncludedError": NotIncludedError("assignee was not included", relationship="assignee"),
        "APIError": APIError("failed", request=sent_request(), body={"k": [1, 2]}),
        "APIConnectionError": APIConnectionError(request=sent_request()),
        "APITimeoutError": APITimeoutError("GET /bugs timed out", request=sent_request()),
        "APIResponseValidationError": APIResponseValidationError(
            "does not fit", response=httpx.Response(200, content=b"<html>", request=sent_request()), body="<html>"
        ),
        "RateLimitError": make_status_error(error_response(429, **{"retry-after": "2.5"}), retry_after=2.5),
        "MyError": MyError("mine", response=error_response(404), tag="t1"),
    }
    for status in (400, 401, 403, 404, 409, 418, 422, 500):
        error = make_status_error(error_response(status))
        found.setdefault(type(error).__name__, error)
    return found


EXAMPLES = examples()
FIELDS = ("message", "status_code", "errors", "request_id", "retry_after", "body", "relationship", "tag")


def pickled(error: Any, protocol: int = pickle.HIGHEST_PROTOCOL) -> Any:
    return pickle.loads(pickle.dumps(error, protocol))


WAYS: dict[str, Callable[[Any], Any]] = {
    **{f"pickle-{p}": lambda e, p=p: pickled(e, p) for p in range(pickle.HIGHEST_PROTOCOL + 1)},
    "copy": copy.copy,
    "deepcopy": copy.deepcopy,
}


def assert_same(clone: Any, error: Any) -> None:
    assert type(clone) is type(error)
    assert str(clone) == str(error)
    assert clone.args == error.args
    for name in FIELDS:
        assert getattr(clone, name, "absent") == getattr(error, name, "absent"), name
    for mine, theirs in zip(getattr(clone, "errors", []), getattr(error, "errors", []), strict=True):
        assert isinstance(mine, ErrorObject) and mine.raw == theirs.raw
    if isinstance(error, APIError):
        assert clone.request.method == error.request.method and clone.request.url == error.request.url
        assert clone.request.headers == error.request.headers
        assert clone.request.content == error.request.content
    if hasattr(error, "response"):
        assert clone.response.status_code == error.response.status_code
        assert clone.response.content == error.response.content
        assert clone.response.headers == error.response.headers
        assert (clone.request is clone.response.request) == (error.request is error.response.request)


def test_the_examples_cover_every_exception_class() -> None:
    classes = {getattr(atono._exceptions, name) for name in exception_names}
    exceptions = {cls for cls in classes if isinstance(cls, type) and issubclass(cls, BaseException)}
    assert exceptions <= {type(error) for error in EXAMPLES.values()}
    with_errors = EXAMPLES["UnprocessableEntityError"]
    assert ErrorObject in classes and isinstance(with_errors, APIStatusError) and with_errors.errors


@pytest.mark.parametrize("way", list(WAYS))
@pytest.mark.parametrize("name", list(EXAMPLES))
def test_every_exception_round_trips(name: str, way: str) -> None:
    error = EXAMPLES[name]
    assert_same(WAYS[way](error), error)


def test_the_fields_that_matter_survive() -> None:
    clone = pickled(EXAMPLES["RateLimitError"])
    assert clone.retry_after == 2.5 and clone.request_id == "req-7" and clone.status_code == 429
    assert clone.errors == [ErrorObject(status="422", code="E1", title="Bad", detail="Title is required.")]
    assert clone.errors[0].raw == ERRORS["errors"][0]
    assert pickled(EXAMPLES["NotIncludedError"]).relationship == "assignee"
    assert pickled(EXAMPLES["MyError"]).tag == "t1"
    assert pickled(ErrorObject.from_json(ERRORS["errors"][0])).raw == ERRORS["errors"][0]


def test_a_raised_exception_with_cause_context_traceback_and_notes_round_trips() -> None:
    try:
        try:
            raise KeyError("inner")
        except KeyError as inner:
            raise make_status_error(error_response(404)) from inner
    except NotFoundError as raised:
        raised.add_note("while fetching b1")
        error = raised
    assert error.__cause__ is not None and error.__traceback__ is not None
    for way in WAYS.values():
        clone = way(error)
        assert_same(clone, error)
        assert clone.__notes__ == ["while fetching b1"]
        assert clone.__cause__ is None and clone.__traceback__ is None  # as for any exception


def test_an_unpicklable_response_is_dropped_from_the_pickle_but_kept_by_copies() -> None:
    response = error_response(500)
    response.default_encoding = lambda content: "utf-8"  # a callable httpx accepts; lambdas do not pickle
    error = make_status_error(response)
    with pytest.raises(Exception):  # noqa: B017 - whatever pickle raises for a lambda
        pickle.dumps(response)
    clone = pickled(error)
    assert clone.response is None
    assert clone.request is not None and clone.request.url == URL  # the request alone still pickles
    assert (str(clone), clone.status_code, clone.errors, clone.body) == (
        str(error),
        500,
        error.errors,
        error.body,
    )
    assert copy.copy(error).response is response
    assert copy.deepcopy(error).response.content == response.content


def test_a_shared_cycle_survives_deepcopy() -> None:
    error = make_status_error(error_response(409))
    error.body = {"error": error}
    clone = copy.deepcopy(error)
    assert clone.body["error"] is clone


async def test_an_exception_from_a_real_call_pickles_without_the_key(flavor: str) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["x-api-key"])
        if request.url.path.endswith("/down"):
            raise httpx.ConnectError("refused", request=request)
        if request.url.path.endswith("/slow"):
            raise httpx.ReadTimeout("slow", request=request)
        if request.url.path.endswith("/odd"):
            return httpx.Response(200, content=b"not json")
        return httpx.Response(404, json={"errors": [{"detail": "No such bug."}]})

    client = mock_client(flavor, handler, max_retries=0)
    errors: list[APIError] = []
    for bug_id in ("b1", "down", "slow", "odd"):
        with pytest.raises(APIError) as caught:
            await call(client.bugs.get, bug_id)
        errors.append(caught.value)
    await call(client.close)
    assert seen == [KEY] * 4  # the key was sent, so it was there to leak
    assert [type(e) for e in errors] == [NotFoundError, APIConnectionError, APITimeoutError, APIResponseValidationError]
    for error in errors:
        for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
            data = pickle.dumps(error, protocol)
            assert KEY.encode() not in data
            clone = pickle.loads(data)
            assert_same(clone, error)
            assert clone.request.headers["x-api-key"] == "<redacted>"


# Module-level, so that a spawned worker can import them.


def raise_status_error(status: int) -> None:
    """Runs in a worker: raises what the SDK raises for `status`."""
    raise make_status_error(error_response(status, **{"retry-after": "3"}), retry_after=3.0)


def echo(error: BaseException) -> BaseException:
    """Runs in a worker: sends back the exception it was sent."""
    return error


def test_exceptions_cross_a_process_pool_both_ways() -> None:
    started = time.perf_counter()
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        raised = pool.submit(raise_status_error, 429)
        sent = pool.submit(echo, EXAMPLES["UnprocessableEntityError"])
        with pytest.raises(RateLimitError) as caught:
            raised.result(timeout=30)
        returned = sent.result(timeout=30)
    assert caught.value.retry_after == 3.0 and caught.value.status_code == 429
    assert caught.value.errors[0].detail == "Title is required."
    assert caught.value.response.json() == ERRORS
    assert isinstance(returned, APIStatusError)
    assert_same(returned, EXAMPLES["UnprocessableEntityError"])
    record_figure("exception round trip through a spawned process pool", f"{time.perf_counter() - started:.2f} s")
