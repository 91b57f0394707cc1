"""One client shared by many threads or tasks: every request answered, none failed, no connection left open."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator

import psutil
import pytest
from atono import AsyncAtono, Atono
from atono.testing import Sandbox

from .figures import record_figure

THREADS, PER_THREAD = 16, 63  # 1,008 requests
TASKS, PER_TASK = 100, 10  # 1,000 requests


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(stories=200, bugs=50, users=10, seed=41, rate_limit=None) as sb:
        yield sb


def open_connections(sandbox: Sandbox) -> int:
    """This process's TCP sockets connected to the sandbox (the client ends; the server's have it as local port)."""
    return sum(1 for c in psutil.Process().net_connections(kind="tcp") if c.raddr and c.raddr.port == sandbox.port)


def requests_of(client: Atono, bug_ids: list[str], worker: int) -> int:
    """PER_THREAD requests: gets of bugs and single pages of stories, alternating."""
    done = 0
    for n in range(PER_THREAD):
        if n % 3:
            bug_id = bug_ids[(worker * PER_THREAD + n) % len(bug_ids)]
            assert client.bugs.get(bug_id).id == bug_id
        else:
            page = next(iter(client.stories.list(page_size=20, limit=20).pages()))
            assert len(page.items) == 20
        done += 1
    return done


def test_one_sync_client_shared_by_16_threads(sandbox: Sandbox) -> None:
    client = Atono(api_key=sandbox.api_key, base_url=sandbox.url, max_retries=0, rate_limit=None)
    bug_ids = [bug.id for bug in client.bugs.list()]
    results: list[int] = []
    errors: list[BaseException] = []
    peak = 0

    def work(worker: int) -> None:
        try:
            results.append(requests_of(client, bug_ids, worker))
        except BaseException as error:  # reported below, with every other thread's
            errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    while any(thread.is_alive() for thread in threads):
        peak = max(peak, open_connections(sandbox))
        threads[0].join(0.01)
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(results) == THREADS * PER_THREAD
    assert peak > 1  # the threads really ran side by side
    assert open_connections(sandbox) > 0  # kept alive in the pool until close
    client.close()
    pool = client._http._transport._pool  # type: ignore[attr-defined]
    assert pool.connections == []
    assert open_connections(sandbox) == 0
    record_figure(
        "concurrency, sync",
        f"{sum(results)} requests from {THREADS} threads, 0 errors, {peak} connections at peak, 0 open after close",
    )


async def test_one_async_client_shared_by_100_tasks(sandbox: Sandbox) -> None:
    client = AsyncAtono(api_key=sandbox.api_key, base_url=sandbox.url, max_retries=0, rate_limit=None)
    bug_ids = [bug.id async for bug in client.bugs.list()]
    peak = 0

    async def work(worker: int) -> int:
        for n in range(PER_TASK):
            if n % 3:
                bug_id = bug_ids[(worker * PER_TASK + n) % len(bug_ids)]
                assert (await client.bugs.get(bug_id)).id == bug_id
            else:
                pages = client.stories.list(page_size=20, limit=20).pages()
                assert len((await pages.__anext__()).items) == 20
                await pages.aclose()
        return PER_TASK

    async def watch() -> None:
        nonlocal peak
        while True:
            peak = max(peak, await asyncio.to_thread(open_connections, sandbox))
            await asyncio.sleep(0.01)

    watcher = asyncio.create_task(watch())
    results = await asyncio.gather(*(work(n) for n in range(TASKS)), return_exceptions=True)
    watcher.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await watcher
    errors = [r for r in results if isinstance(r, BaseException)]
    assert errors == []
    assert sum(r for r in results if isinstance(r, int)) == TASKS * PER_TASK
    assert peak > 1
    assert open_connections(sandbox) > 0
    await client.close()
    assert client._http._transport._pool.connections == []  # type: ignore[attr-defined]
    assert open_connections(sandbox) == 0
    record_figure(
        "concurrency, async",
        f"{TASKS * PER_TASK} requests from {TASKS} tasks, 0 errors, {peak} connections at peak, 0 open after close",
    )
