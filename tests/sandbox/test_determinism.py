"""The seed decides everything: the same seed gives byte-identical responses, another seed another workspace."""

from __future__ import annotations

import httpx
from atono.testing import Sandbox

READS = [
    ("/stories", {"page[size]": 50, "page[number]": 1, "include": "assignee,team,WORKFLOW_STEP,acceptanceCriteria"}),
    ("/bugs", {"include": "reporter,team.members"}),
    ("/teams", {"include": "members,admins,backlogOwners"}),
    ("/users", {}),
    ("/flags", {"include": "slices"}),
]


def responses(sandbox: Sandbox) -> list[bytes]:
    with httpx.Client(base_url=sandbox.url, headers={"X-API-KEY": sandbox.api_key}) as client:
        return [client.get(path, params=params).raise_for_status().content for path, params in READS]


def create_bug(sandbox: Sandbox) -> dict[str, object]:
    document = {"data": {"type": "bug", "attributes": {"title": "Same"}}}
    response = httpx.post(f"{sandbox.url}/bugs", json=document, headers={"X-API-KEY": sandbox.api_key})
    data: dict[str, object] = response.raise_for_status().json()["data"]
    return data


def test_the_same_seed_gives_identical_responses_and_ids() -> None:
    with Sandbox(stories=120, seed=42) as first, Sandbox(stories=120, seed=42) as second:
        assert first.port != second.port
        assert responses(first) == responses(second)
        assert (first.user_id, first.other_user_id) == (second.user_id, second.other_user_id)
        one, two = create_bug(first), create_bug(second)
        assert one["id"] == two["id"]
        assert one["attributes"]["handle"] == two["attributes"]["handle"] == "BUG-101"


def test_another_seed_gives_another_workspace() -> None:
    with Sandbox(stories=120, seed=42) as first, Sandbox(stories=120, seed=43) as second:
        ours, theirs = responses(first), responses(second)
        assert all(a != b for a, b in zip(ours, theirs, strict=True))
        assert first.user_id != second.user_id


def test_the_seed_survives_a_restart() -> None:
    sandbox = Sandbox(stories=30, seed=7)
    with sandbox:
        before = responses(sandbox)
    with sandbox:
        assert responses(sandbox) == before
