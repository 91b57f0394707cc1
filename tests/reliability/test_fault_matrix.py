"""Every fault the sandbox can inject, against every kind of call, over loopback HTTP: each cell ends as documented.

Rows are faults, columns are operations (`matrix.py` holds the expected outcome of each cell). A cell injects its
fault into the next matching request, runs the operation with `max_retries=2`, a 0.5 s timeout and pauses that are
recorded instead of slept, and checks the outcome, how many requests went out, and, for writes, that the sandbox's
record of applied writes holds the write exactly once. Both clients run the whole matrix; the observed table is
printed after the run and kept in tests/README.md.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from atono import APIError, AsyncAtono, Atono, NotFoundError
from atono.testing import AppliedWrite, Sandbox

from tests.helpers import AnyClient, call, no_wait_policy

from .figures import MATRIX
from .matrix import EXPECTED, FAULTS, FOLLOWED, OPERATIONS, RETRIED, WRITES, markdown_table

TIMEOUT = 0.5
RETRY_AFTER = 1
PAGE_SIZE = 5
_titles = itertools.count()


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    # The rate limit is not under test here (429s are injected); the stall outlasts the client's timeout.
    with Sandbox(stories=3, bugs=40, users=6, teams=2, seed=11, rate_limit=None, stall_seconds=2.0) as sb:
        yield sb


class Counted:
    """The caller's own httpx client for the SDK, counting the requests it sends."""

    def __init__(self, flavor: str) -> None:
        self.sent = 0
        self.http: httpx.Client | httpx.AsyncClient
        if flavor == "sync":
            self.http = httpx.Client(event_hooks={"request": [self._count]})
        else:

            async def count(request: httpx.Request) -> None:
                self._count(request)

            self.http = httpx.AsyncClient(event_hooks={"request": [count]})

    def _count(self, request: httpx.Request) -> None:
        self.sent += 1

    async def close(self) -> None:
        if isinstance(self.http, httpx.AsyncClient):
            await self.http.aclose()
        else:
            self.http.close()


async def ids_of(pages: Any) -> list[str]:
    """The item ids of a pager's pages, sync or async."""
    if hasattr(pages, "__aiter__"):
        return [item.id async for page in pages for item in page.items]
    return [item.id for page in pages for item in page.items]


async def read_all(client: AnyClient) -> list[str]:
    return await ids_of(client.bugs.list(page_size=PAGE_SIZE).pages())


async def bulk_read_with_fault(client: AnyClient, sandbox: Sandbox, fault: str, counted: Counted) -> list[str]:
    """Read every page; the fault hits the read-ahead pages (two of them), after the first page came back."""
    pages = client.bugs.list(page_size=PAGE_SIZE).pages()
    if isinstance(client, AsyncAtono):
        iterator: Any = pages.__aiter__()
        first = await iterator.__anext__()
    else:
        iterator = iter(pages)
        first = next(iterator)
    counted.sent = 0
    sandbox.inject(fault, path="/bugs", method="GET", count=2, retry_after=RETRY_AFTER)
    return [item.id for item in first.items] + await ids_of(iterator)


@dataclass
class Cell:
    """One cell being run: its fault and operation, the client, and what it observed."""

    sandbox: Sandbox
    fault: str
    operation: str
    client: AnyClient
    counted: Counted
    sleeps: list[float] = field(default_factory=list)

    @property
    def target(self) -> tuple[str, str]:
        """The method and path (as the sandbox matches them) of the operation's request."""
        return {
            "get": ("GET", "/bugs/{bugId}"),
            "list page": ("GET", "/bugs"),
            "bulk read": ("GET", "/bugs"),
            "create": ("POST", "/bugs"),
            "update": ("PATCH", "/bugs/{bugId}"),
            "delete": ("DELETE", "/bugs/{bugId}"),
        }[self.operation]


async def run_cell(flavor: str, sandbox: Sandbox, fault: str, operation: str) -> str:
    counted = Counted(flavor)
    cls = Atono if flavor == "sync" else AsyncAtono
    client: AnyClient = cls(
        api_key=sandbox.api_key,
        base_url=sandbox.url,
        timeout=TIMEOUT,
        max_retries=2,
        # Far above these tiny pages, and small enough that refusing the gzip bomb takes milliseconds, not a
        # good share of the 0.5 s timeout on a loaded machine.
        max_response_bytes=1 << 20,
        http_client=counted.http,  # type: ignore[arg-type]
    )
    cell = Cell(sandbox, fault, operation, client, counted)
    client._retry_policy = no_wait_policy(cell.sleeps)
    try:
        return await _run(cell)
    finally:
        sandbox.clear_faults()
        await call(client.close)
        await counted.close()


async def _operate(cell: Cell, all_ids: list[str], target: str, title: str) -> str:
    """Run the cell's operation (its fault already waiting); 'retried, ok' or the name of the error raised."""
    client = cell.client
    try:
        if cell.operation == "get":
            assert (await call(client.bugs.get, target)).id == target
        elif cell.operation == "list page":
            pages = client.bugs.list(page_size=PAGE_SIZE, limit=PAGE_SIZE).pages()
            assert await ids_of(pages) == all_ids[:PAGE_SIZE]
        elif cell.operation == "bulk read":
            assert await bulk_read_with_fault(client, cell.sandbox, cell.fault, cell.counted) == all_ids
        elif cell.operation == "create":
            assert (await call(client.bugs.create, title=title)).title == title
        elif cell.operation == "update":
            assert (await call(client.bugs.update, target, title=title)).title == title
        else:
            assert await call(client.bugs.delete, target) is None
    except APIError as error:
        return type(error).__name__
    return FOLLOWED if cell.fault == "redirect" else RETRIED


async def _run(cell: Cell) -> str:
    # Preparation, without faults: what the operation should return, and a bug of its own to change or delete.
    all_ids = await read_all(cell.client)
    target = all_ids[0]
    if cell.operation == "delete":
        target = (await call(cell.client.bugs.create, title=f"to delete {next(_titles)}")).id
    title = f"{cell.fault} {cell.operation} {next(_titles)}"
    writes_before = len(cell.sandbox.applied_writes)
    method, path = cell.target
    injection = None
    if cell.operation != "bulk read":
        injection = cell.sandbox.inject(cell.fault, path=path, method=method, retry_after=RETRY_AFTER)
    cell.counted.sent = 0
    outcome = await _operate(cell, all_ids, target, title)
    sent = cell.counted.sent
    writes = cell.sandbox.applied_writes[writes_before:]

    # The requests the client sent: one more than needed per fault when it retried, never a second write.
    faults = 2 if cell.operation == "bulk read" else 1
    needed = -(-len(all_ids) // PAGE_SIZE) - 1 if cell.operation == "bulk read" else 1
    if outcome in (RETRIED, FOLLOWED):
        assert sent == needed + faults, sent
        if cell.fault == "429":
            assert cell.sleeps.count(float(RETRY_AFTER)) == faults  # the server's Retry-After, not the backoff
    elif cell.operation != "bulk read":
        assert sent == 1, sent
    if injection is not None:
        assert injection.remaining == 0
    if cell.operation not in WRITES:
        assert writes == []
        return outcome
    return outcome + await _applied(cell, writes, method, target, title)


async def _applied(cell: Cell, writes: list[AppliedWrite], method: str, target: str, title: str) -> str:
    """What the sandbox applied (exactly one write, the one asked for) and what a caller sees afterwards."""
    creating = cell.operation == "create"
    assert [(w.method, "new" if creating else w.resource_id) for w in writes] == [
        (method, "new" if creating else target)
    ]
    if creating:
        assert writes[0].body["data"]["attributes"]["title"] == title
    elif cell.operation == "update":
        assert (await call(cell.client.bugs.get, target)).title == title
    else:
        with pytest.raises(NotFoundError):
            await call(cell.client.bugs.get, target)
    return "; applied once" if len(writes) == 1 else f"; applied {len(writes)} times"


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize("fault", FAULTS)
async def test_cell(flavor: str, sandbox: Sandbox, fault: str, operation: str) -> None:
    outcome = await run_cell(flavor, sandbox, fault, operation)
    MATRIX[(flavor, fault, operation)] = outcome
    assert outcome == EXPECTED[(fault, operation)]


def test_the_table_in_tests_readme_is_the_documented_one() -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    assert "\n".join(markdown_table(EXPECTED)) in readme
