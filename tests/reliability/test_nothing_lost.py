"""Under transient faults no item is lost or repeated, and no write is applied twice: the figures of tests/README.md.

The sandbox fails 10% of requests with a seeded mix of 429, 500, 502, 503, a dropped connection and a cut-off body.
Reads retry through all of them. Writes are resent only after a 429, so each write is applied at most once: a write
whose call raised may have been applied (the sandbox applies a failing write before its fault), which is why the
SDK raises instead of resending it.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from atono import APIError, AsyncAtono, Atono
from atono.testing import Sandbox

from tests.helpers import call, no_wait_policy

from .figures import record_figure

ITEMS = 10_000
FAULT_RATE = 0.1


class Counting:
    """Counts the requests a client sends (through the caller's own httpx client)."""

    def __init__(self) -> None:
        self.sent = 0

    def count(self, request: httpx.Request) -> None:
        self.sent += 1

    async def acount(self, request: httpx.Request) -> None:
        self.sent += 1


@pytest.fixture(scope="module")
def server_order() -> list[str]:
    """The ids of the 10,000 stories in server order, read without faults."""
    with (
        Sandbox(stories=ITEMS, bugs=1, seed=21, rate_limit=None) as sb,
        Atono(api_key=sb.api_key, base_url=sb.url) as c,
    ):
        return [story.id for story in c.stories.list()]


def test_a_bulk_read_under_faults_yields_every_item_once_in_order(server_order: list[str]) -> None:
    counting = Counting()
    with Sandbox(stories=ITEMS, bugs=1, seed=21, fault_rate=FAULT_RATE, rate_limit=None) as sb:
        http = httpx.Client(event_hooks={"request": [counting.count]})
        with Atono(api_key=sb.api_key, base_url=sb.url, max_retries=8, http_client=http) as client:
            client._retry_policy = no_wait_policy()
            ids = [story.id for story in client.stories.list(page_size=50)]
        http.close()
    assert len(server_order) == ITEMS
    assert ids == server_order
    faults = counting.sent - ITEMS // 50
    assert faults > 0
    record_figure("bulk read, sync: items read / expected / distinct", f"{len(ids)} / {ITEMS} / {len(set(ids))}")
    record_figure("bulk read, sync: requests / pages / faults met", f"{counting.sent} / {ITEMS // 50} / {faults}")


async def test_an_async_bulk_read_under_faults_yields_every_item_once_in_order(server_order: list[str]) -> None:
    counting = Counting()
    with Sandbox(stories=ITEMS, bugs=1, seed=21, fault_rate=FAULT_RATE, rate_limit=None) as sb:
        http = httpx.AsyncClient(event_hooks={"request": [counting.acount]})
        async with AsyncAtono(api_key=sb.api_key, base_url=sb.url, max_retries=8, http_client=http) as client:
            client._retry_policy = no_wait_policy()
            ids = [story.id async for story in client.stories.list(page_size=50)]
        await http.aclose()
    assert ids == server_order
    faults = counting.sent - ITEMS // 50
    assert faults > 0
    record_figure("bulk read, async: items read / expected / distinct", f"{len(ids)} / {ITEMS} / {len(set(ids))}")
    record_figure("bulk read, async: requests / pages / faults met", f"{counting.sent} / {ITEMS // 50} / {faults}")


# ---- writes ---------------------------------------------------------------------------------------------------------

WRITES = 150


@pytest.fixture
def flaky() -> Iterator[Sandbox]:
    with Sandbox(stories=5, bugs=WRITES, seed=23, fault_rate=FAULT_RATE, rate_limit=None) as sb:
        yield sb


async def write_everything(client: Atono | AsyncAtono, bug_ids: list[str], tag: str) -> dict[str, Counter[str]]:
    """Create, update and delete under faults; each call's outcome ('ok' or the error's name) counted per kind."""
    outcomes: dict[str, Counter[str]] = {"create": Counter(), "update": Counter(), "delete": Counter()}

    async def attempt(kind: str, fn: Any, *args: Any, **kwargs: Any) -> None:
        try:
            await call(fn, *args, **kwargs)
            outcomes[kind]["ok"] += 1
        except APIError as error:
            outcomes[kind][type(error).__name__] += 1

    jobs = [attempt("create", client.bugs.create, title=f"{tag} create {n}") for n in range(WRITES)]
    # Updates and deletes touch different bugs, so the concurrent run cannot update a bug it just deleted.
    deleted, updated = bug_ids[: WRITES // 3], bug_ids[WRITES // 3 :]
    jobs += [
        attempt("update", client.bugs.update, bug_id, title=f"{tag} update {n}") for n, bug_id in enumerate(updated)
    ]
    jobs += [attempt("delete", client.bugs.delete, bug_id) for bug_id in deleted]
    if isinstance(client, AsyncAtono):
        await asyncio.gather(*jobs)  # all at once, over one client
    else:
        for job in jobs:
            await job
    return outcomes


def check_applied_once(sandbox: Sandbox, outcomes: dict[str, Counter[str]], flavor: str) -> None:
    writes = sandbox.applied_writes
    creates = Counter(w.body["data"]["attributes"]["title"] for w in writes if w.method == "POST")
    updates = Counter(w.body["data"]["attributes"]["title"] for w in writes if w.method == "PATCH")
    deletes = Counter(w.resource_id for w in writes if w.method == "DELETE")
    twice = [key for counter in (creates, updates, deletes) for key, n in counter.items() if n > 1]
    assert twice == []
    # Every call that returned was applied; the ones that raised were applied or not, never twice.
    for kind, applied in (("create", creates), ("update", updates), ("delete", deletes)):
        assert outcomes[kind]["ok"] <= len(applied) <= sum(outcomes[kind].values())
    assert outcomes["delete"]["ok"] == len(deletes) == WRITES // 3  # deletes are retried through every fault
    calls = sum(sum(c.values()) for c in outcomes.values())
    raised = calls - sum(c["ok"] for c in outcomes.values())
    record_figure(
        f"writes under faults, {flavor}: calls / applied / applied twice / raised (applied anyway)",
        f"{calls} / {len(writes)} / {len(twice)} / {raised} ({len(writes) - sum(c['ok'] for c in outcomes.values())})",
    )
    record_figure(
        f"writes under faults, {flavor}: outcomes",
        "; ".join(f"{kind} {dict(sorted(c.items()))}" for kind, c in outcomes.items()),
    )


async def test_writes_under_faults_are_never_applied_twice(flaky: Sandbox, flavor: str) -> None:
    cls = Atono if flavor == "sync" else AsyncAtono
    client = cls(api_key=flaky.api_key, base_url=flaky.url, max_retries=8, rate_limit=None)
    client._retry_policy = no_wait_policy()
    # The ids are read under faults too; reads are retried.
    bug_ids = (
        [bug.id async for bug in client.bugs.list()]
        if isinstance(client, AsyncAtono)
        else [b.id for b in client.bugs.list()]
    )
    assert len(bug_ids) == WRITES
    outcomes = await write_everything(client, bug_ids, flavor)
    await call(client.close)
    check_applied_once(flaky, outcomes, flavor)
    assert sum(outcomes["create"].values()) > outcomes["create"]["ok"] > 0  # faults did hit the writes
