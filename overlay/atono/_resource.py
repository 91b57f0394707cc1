"""What every generated resource namespace (`atono_sdk.resources`) stands on: sending through the client with the
per-call options, parsing responses into typed objects, and building pagers."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Protocol, TypedDict, TypeVar

import httpx
from atono_sdk.types import ContentChunk

from atono._constants import NotGiven, Omit
from atono._documents import Document, decode_document
from atono._exceptions import APIResponseValidationError
from atono._json import loads
from atono._objects import InvalidAttributes, MalformedDocumentError, ResourceObject
from atono._pagination import (
    DEFAULT_READ_AHEAD,
    PAGE_NUMBER,
    PAGE_OFFSET,
    PAGE_SIZE,
    AsyncPager,
    Page,
    PageParams,
    Strategy,
    SyncPager,
)
from atono._retry import RetryPolicy

T = TypeVar("T", bound=ResourceObject)
D = TypeVar("D")

__all__ = ["AsyncAPIResource", "Content", "Headers", "Identifier", "Paging", "Query", "SyncAPIResource", "Timeout"]

Content = Sequence[ContentChunk | Mapping[str, str] | str]
"""Content as the API takes it: chunks, `{"type": ..., "value": ...}` mappings, or strings (TEXT chunks)."""
Headers = Mapping[str, str | Omit]
"""`extra_headers=`: sent after the SDK's own; `atono.OMIT` removes one of those."""
Query = Mapping[str, object]
"""`extra_query=`: query parameters added to the operation's own, or replacing one of the same name."""
Timeout = float | httpx.Timeout | None
"""`timeout=`: seconds for each attempt as a whole, an `httpx.Timeout` for each phase, or None for none."""


def request_options(
    extra_headers: Headers | None,
    extra_query: Query | None,
    timeout: Timeout | NotGiven,
    max_retries: int | None,
    retry_policy: RetryPolicy | None = None,
) -> dict[str, Any]:
    """The per-call options a method was given, for the executor; those left out take the client's."""
    options: dict[str, Any] = {}
    if retry_policy is not None:
        options["retry_policy"] = retry_policy
    if extra_headers is not None:
        options["extra_headers"] = extra_headers
    if extra_query is not None:
        options["extra_query"] = extra_query
    if not isinstance(timeout, NotGiven):
        options["timeout"] = timeout
    if max_retries is not None:
        options["max_retries"] = max_retries
    return options


class Paging(TypedDict, total=False):
    """How a `list()` walks a collection (every key optional).

    - `page_size`: items per request, 1-100 (default 100).
    - `limit`: the most items to yield, and so the fewest requests (default: all).
    - `strategy`: "number" or "offset", which of page[number] and page[offset] to send (default "number").
    - `read_ahead`: pages fetched concurrently ahead of the one being read, 1-32 (default 10; 1 is sequential).
      More would not read faster at the API's pacing of ten requests a second, and each holds a connection.
    """

    page_size: int
    limit: int | None
    strategy: Strategy
    read_ahead: int


def _paging(options: Paging) -> dict[str, Any]:
    unknown = sorted(set(options) - set(Paging.__annotations__))
    if unknown:
        raise TypeError(f"unexpected keyword argument {unknown[0]!r}; paging takes {sorted(Paging.__annotations__)}")
    return {
        "page_size": options.get("page_size", 100),
        "limit": options.get("limit"),
        "strategy": options.get("strategy", "number"),
        "read_ahead": options.get("read_ahead", DEFAULT_READ_AHEAD),
    }


# The keyword each page parameter has in the generated operations, which drop the brackets (`page[size]` ->
# `pagesize`).
_OPERATION_KEYWORDS = {PAGE_SIZE: "pagesize", PAGE_NUMBER: "pagenumber", PAGE_OFFSET: "pageoffset"}


def _operation_paging(params: PageParams) -> dict[str, int]:
    """The page parameters as keyword arguments of a generated operation."""
    return {_OPERATION_KEYWORDS[name]: value for name, value in params.items()}


class _SyncSender(Protocol):
    def _request_raw(self, operation: ModuleType, *args: Any, **kwargs: Any) -> httpx.Response: ...


class _AsyncSender(Protocol):
    async def _request_raw(self, operation: ModuleType, *args: Any, **kwargs: Any) -> httpx.Response: ...


@dataclass(frozen=True, slots=True)
class Identifier:
    """A related resource named by type and id only (what relationship endpoints return)."""

    type: str
    id: str


def _invalid(response: httpx.Response, reason: str) -> APIResponseValidationError:
    return APIResponseValidationError(
        f"the response to {response.request.method} {response.request.url.path} is not a valid JSON:API "
        f"document: {reason}",
        response=response,
        body=response.text,
    )


def _decoded(response: httpx.Response, decode: Callable[[bytes], D]) -> D:
    """`decode(body)` of a JSON response; a body that is not JSON, or not the document expected, raises
    APIResponseValidationError."""
    content_type = response.headers.get("content-type", "")
    if "json" not in content_type:
        raise _invalid(response, f"content type {content_type or 'missing'!r} is not JSON")
    try:
        return decode(response.content)
    except MalformedDocumentError as exc:
        raise _invalid(response, str(exc)) from exc
    except ValueError as exc:  # both decoders raise a ValueError for text that is not JSON
        raise _invalid(response, f"the body is not JSON ({exc})") from exc


def _invalid_attributes(response: httpx.Response) -> InvalidAttributes:
    """The error for attributes found not to fit the spec when first read, after the response is gone.

    It keeps the request and status, not the response, whose body would stay in memory as long as any object of
    the page does; `.body` is the resource's attributes as received.
    """
    request, status_code = response.request, response.status_code

    def invalid(reason: str, attributes: Any) -> APIResponseValidationError:
        body = json.dumps(attributes, ensure_ascii=False)
        return APIResponseValidationError(
            f"the response to {request.method} {request.url.path}: {reason}. The attributes as received are in .body.",
            response=httpx.Response(status_code, request=request, text=body),
            body=body,
        )

    return invalid


def parse(response: httpx.Response, *, many: bool) -> Document[Any]:
    """The typed document of a successful response; a body that is not one raises APIResponseValidationError.

    Attributes are converted when first read, so one that does not fit the spec raises APIResponseValidationError
    then (see `atono._objects`).
    """
    invalid = _invalid_attributes(response)
    return _decoded(response, lambda body: decode_document(body, many=many, invalid=invalid))


def single_resource(response: httpx.Response, document: Document[Any], cls: type[T]) -> T:
    """The single primary resource, checked to be of the type the operation returns, its attributes converted.

    Unlike the items of a page, which are converted when first read so that one odd item does not stop a bulk
    read, a single resource and what was included with it are checked here, where the call can report it.
    """
    (item,) = document.data
    if not isinstance(item, cls):
        raise _invalid(response, f"expected a {cls.type_name}, got a {item.type}")
    item._convert_attributes()
    for included in document.included:
        included._convert_attributes()
    return item


def page_of(response: httpx.Response, cls: type[T]) -> Page[T]:
    document = parse(response, many=True)
    for item in document.data:
        if not isinstance(item, cls):
            raise _invalid(response, f"expected {cls.type_name} resources, got a {item.type}")
    return Page(document.data, document.included, document.links, document.meta)


def deleted(response: httpx.Response) -> None:
    """Check a delete's answer: 204 No Content as the spec gives it, or the 404 that the executor passes on when an
    earlier attempt of the same delete was applied. Any other answer (a 200 page from a proxy, say) did not come
    from the API's delete, so it is not taken as one."""
    if response.status_code not in (204, 404):
        content_type = response.headers.get("content-type") or "no content type"
        raise APIResponseValidationError(
            f"the response to {response.request.method} {response.request.url.path}: status "
            f"{response.status_code} ({content_type}) is not the 204 No Content the API description gives for a "
            "delete, so the delete is not known to be done. The raw body is in .body.",
            response=response,
            body=response.text,
        )


def identifier_page(response: httpx.Response) -> Page[Identifier]:
    """A page of resource identifiers (a relationship endpoint)."""
    payload = _decoded(response, loads)
    data = payload.get("data") if isinstance(payload, dict) else None
    if not isinstance(data, list) or not all(
        isinstance(item, dict) and isinstance(item.get("type"), str) and isinstance(item.get("id"), str)
        for item in data
    ):
        raise _invalid(response, "`data` must be an array of resource identifiers")
    links = payload.get("links") or {}
    meta = payload.get("meta") or {}
    if not isinstance(links, dict) or not isinstance(meta, dict):
        raise _invalid(response, "`links` and `meta` must be objects")
    return Page([Identifier(item["type"], item["id"]) for item in data], [], links, meta)


class SyncAPIResource:
    """Base of the sync namespaces (`client.bugs`, ...)."""

    def __init__(self, client: _SyncSender) -> None:
        self._client = client

    def _one(self, cls: type[T], operation: ModuleType, *args: Any, **kwargs: Any) -> T:
        response = self._client._request_raw(operation, *args, **kwargs)
        return single_resource(response, parse(response, many=False), cls)

    def _pager(
        self,
        to_page: Callable[[httpx.Response], Page[Any]],
        operation: ModuleType,
        *args: Any,
        paging: Paging,
        start: int = 0,
        **kwargs: Any,
    ) -> SyncPager[Any]:
        def fetch(params: PageParams) -> httpx.Response:
            return self._client._request_raw(operation, *args, **kwargs, **_operation_paging(params))

        return SyncPager(fetch, parse=to_page, start=start, **_paging(paging))

    def _delete(self, operation: ModuleType, *args: Any, **options: Any) -> None:
        deleted(self._client._request_raw(operation, *args, **options))


class AsyncAPIResource:
    """Base of the async namespaces (`async_client.bugs`, ...)."""

    def __init__(self, client: _AsyncSender) -> None:
        self._client = client

    async def _one(self, cls: type[T], operation: ModuleType, *args: Any, **kwargs: Any) -> T:
        response = await self._client._request_raw(operation, *args, **kwargs)
        return single_resource(response, parse(response, many=False), cls)

    def _pager(
        self,
        to_page: Callable[[httpx.Response], Page[Any]],
        operation: ModuleType,
        *args: Any,
        paging: Paging,
        start: int = 0,
        **kwargs: Any,
    ) -> AsyncPager[Any]:
        async def fetch(params: PageParams) -> httpx.Response:
            return await self._client._request_raw(operation, *args, **kwargs, **_operation_paging(params))

        fetcher: Callable[[PageParams], Awaitable[httpx.Response]] = fetch
        return AsyncPager(fetcher, parse=to_page, start=start, **_paging(paging))

    async def _delete(self, operation: ModuleType, *args: Any, **options: Any) -> None:
        deleted(await self._client._request_raw(operation, *args, **options))
