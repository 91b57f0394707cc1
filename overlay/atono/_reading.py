"""Reading a response body within a size cap and the exchange deadline, so memory and time stay bounded.

httpx's `read()` keeps whatever the server sends: a 2 GB `Content-Length`, or a 1 MB gzip body that inflates to
gigabytes. The SDK reads responses as streams instead, counting the decoded bytes, and stops at the cap. Decoders
expand each chunk they are given at once, so compressed bodies are fed to them in small pieces (deflate's worst
ratio is about 1:1032, so a 4 KiB piece grows to 4 MiB at most), and only the encodings the SDK asks for (`gzip`,
`deflate`) are accepted; a server that answers in another one (say `br`, which httpx decodes when brotli is
installed) has not been asked to, and its body is refused unread.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx

from atono._deadline import past_deadline
from atono._exceptions import APIResponseValidationError

__all__ = ["ACCEPT_ENCODING", "aread_body", "read_body"]

ACCEPT_ENCODING = "gzip, deflate"
_DECODABLE = frozenset({"identity", "gzip", "deflate"})
_PIECE = 4096


class _Pieces(httpx.SyncByteStream):
    def __init__(self, stream: httpx.SyncByteStream) -> None:
        self._stream = stream

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._stream:
            for start in range(0, len(chunk), _PIECE):
                yield chunk[start : start + _PIECE]

    def close(self) -> None:
        self._stream.close()


class _AsyncPieces(httpx.AsyncByteStream):
    def __init__(self, stream: httpx.AsyncByteStream) -> None:
        self._stream = stream

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            for start in range(0, len(chunk), _PIECE):
                yield chunk[start : start + _PIECE]

    async def aclose(self) -> None:
        await self._stream.aclose()


def _too_large(response: httpx.Response, limit: int, what: str) -> APIResponseValidationError:
    return APIResponseValidationError(
        f"The response to {response.request.method} {response.request.url.path} {what}, more than the "
        f"{limit:,} bytes the client accepts (max_response_bytes); it was not read. No Atono response comes near "
        "that: if one really does, pass a larger max_response_bytes to the client.",
        response=response,
        body="",
    )


def _check_headers(response: httpx.Response, limit: int) -> bool:
    """Refuse a body announced too large or in an encoding not asked for; return whether it is compressed."""
    codings = [c.strip().lower() for c in response.headers.get("content-encoding", "").split(",") if c.strip()]
    unknown = [c for c in codings if c not in _DECODABLE]
    if unknown:
        raise APIResponseValidationError(
            f"The response to {response.request.method} {response.request.url.path} is encoded as "
            f"{', '.join(unknown)!r}, which the SDK did not ask for (it accepts {ACCEPT_ENCODING}); it was not read.",
            response=response,
            body="",
        )
    compressed = any(c != "identity" for c in codings)
    length = response.headers.get("content-length", "")
    if not compressed and length.isascii() and length.isdigit() and int(length) > limit:
        raise _too_large(response, limit, f"announces {int(length):,} bytes")
    return compressed


def _deadline_passed(response: httpx.Response) -> httpx.ReadTimeout:
    return httpx.ReadTimeout("the body was still arriving at the deadline (timeout=)", request=response.request)


class _Body:
    """The decoded chunks of one body as they arrive, refused past the cap or the exchange deadline."""

    def __init__(self, response: httpx.Response, limit: int) -> None:
        self._response = response
        self._limit = limit
        self._chunks: list[bytes] = []
        self._size = 0

    def add(self, chunk: bytes) -> None:
        self._size += len(chunk)
        if self._size > self._limit:
            raise _too_large(self._response, self._limit, "is larger")
        self._chunks.append(chunk)
        if past_deadline():
            raise _deadline_passed(self._response)

    def keep(self) -> None:
        # What `Response.read()` stores: the body was read by hand only to bound it.
        self._response._content = b"".join(self._chunks)


def _unbind(response: httpx.Response) -> None:
    """Give a read response a stream of its kept body.

    httpx's client binds the stream to its response, a reference cycle: a read response, and its body with it, would
    wait for the garbage collector (a page's 100+ KB for several passes), where dropping it now frees it at once.
    """
    response.stream = httpx.ByteStream(response.content)


def read_body(response: httpx.Response, limit: int) -> None:
    """Read a streamed response's body into `response.content`, at most `limit` decoded bytes; closes it."""
    try:
        if _check_headers(response, limit):
            response.stream = _Pieces(response.stream)  # type: ignore[arg-type]
        body = _Body(response, limit)
        for chunk in response.iter_bytes():
            body.add(chunk)
        body.keep()
    finally:
        response.close()
    _unbind(response)


async def aread_body(response: httpx.Response, limit: int) -> None:
    """`read_body` for a response of an `httpx.AsyncClient`."""
    try:
        if _check_headers(response, limit):
            response.stream = _AsyncPieces(response.stream)  # type: ignore[arg-type]
        body = _Body(response, limit)
        async for chunk in response.aiter_bytes():
            body.add(chunk)
        body.keep()
    finally:
        await response.aclose()
    _unbind(response)
