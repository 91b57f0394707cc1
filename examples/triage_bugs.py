"""Triage bugs: give every bug without a team a team, and every unassigned bug one of its team's members.

    python examples/triage_bugs.py --dry-run     # print the plan, change nothing
    python examples/triage_bugs.py               # apply it (to a sandbox started in this process)
    python examples/triage_bugs.py --live        # apply it to your workspace (ATONO_API_KEY)

Teams and members are handed out round-robin, in the order the API lists them, so the work spreads
evenly; a bug that has an assignee but no team goes to a team its assignee belongs to. Done bugs are left alone. Each bug changes in a single PATCH; the updates run concurrently,
a few at a time, inside the client's rate limit.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from _common import connect_async, describe, parser, run
from atono import AsyncAtono
from atono.types import Bug, Team, User

CONCURRENT_UPDATES = 8
T = TypeVar("T")


@dataclass
class Change:
    bug: Bug
    team: Team | None  # None: the bug keeps its team
    assignee: User | None  # None: the bug keeps its assignee

    def describe(self) -> str:
        parts: list[str] = []
        if self.team is not None:
            parts.append(f"team -> {self.team.name}")
        if self.assignee is not None:
            parts.append(f"assignee -> {self.assignee.full_name}")
        return f"{self.bug.handle:<9} {self.bug.title[:44]:<44}  {', '.join(parts)}"


class Rotation(Generic[T]):
    """Hands out items in turn; `next(fits)` skips those that do not fit and keeps its place."""

    def __init__(self, items: list[T]) -> None:
        self.items = items
        self.position = 0

    def next(self, fits: Callable[[T], bool] = lambda _: True) -> T | None:
        for _ in range(len(self.items)):
            item = self.items[self.position % len(self.items)]
            self.position += 1
            if fits(item):
                return item
        return None


def has_member(user_id: str) -> Callable[[Team], bool]:
    return lambda team: user_id in team.member_ids


def plan(bugs: list[Bug], teams: list[Team]) -> list[Change]:
    """What to change in open bugs: a team by turns (one its assignee is in, if any), a member of it by turns."""
    team_turns = Rotation([team for team in teams if team.member_ids])
    member_turns = {team.id: Rotation(team.members) for team in teams}
    changes: list[Change] = []
    for bug in bugs:
        if bug.done_at is not None:
            continue
        team = None
        if bug.team_id is None:
            team = team_turns.next(has_member(bug.assignee_id)) if bug.assignee_id else None
            team = team or team_turns.next()
        team_id = team.id if team is not None else bug.team_id
        assignee = None
        if bug.assignee_id is None and team_id in member_turns:
            assignee = member_turns[team_id].next()
        if team is not None or assignee is not None:
            changes.append(Change(bug, team, assignee))
    return changes


async def apply(client: AsyncAtono, changes: list[Change]) -> None:
    """One PATCH per bug, at most CONCURRENT_UPDATES at a time; arguments left out stay unchanged."""
    gate = asyncio.Semaphore(CONCURRENT_UPDATES)

    async def update(change: Change) -> None:
        async with gate:  # only what changes is sent: an argument left out stays as it is
            if change.team is not None and change.assignee is not None:
                await client.bugs.update(change.bug, team=change.team, assignee=change.assignee)
            elif change.team is not None:
                await client.bugs.update(change.bug, team=change.team)
            elif change.assignee is not None:
                await client.bugs.update(change.bug, assignee=change.assignee)

    async with asyncio.TaskGroup() as group:
        for change in changes:
            group.create_task(update(change))


async def main_async() -> None:
    p = parser(__doc__ or "")
    p.add_argument("--dry-run", action="store_true", help="print what would change, change nothing")
    args = p.parse_args()
    async with connect_async(args) as client:
        print(f"Triaging bugs at {describe(args, client)}")
        # The users are needed as objects (for their names), so the members are included with the teams.
        teams = [team async for team in client.teams.list(include=["members"])]
        bugs = [bug async for bug in client.bugs.list()]
        changes = plan(bugs, teams)
        for change in changes:
            print(f"  {change.describe()}")
        if not args.dry_run:
            await apply(client, changes)
    given_team = sum(c.team is not None for c in changes)
    assigned = sum(c.assignee is not None for c in changes)
    verb = "would change" if args.dry_run else "changed"
    print(f"{len(bugs)} bugs, {verb} {len(changes)}: {given_team} given a team, {assigned} given an assignee")


def main() -> None:
    asyncio.run(main_async())


if __name__ == "__main__":
    run(main)
