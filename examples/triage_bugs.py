"""Triage bugs: give every bug without a team a team, and every unassigned bug one of its team's members.

    python examples/triage_bugs.py --dry-run     # print the plan, change nothing
    python examples/triage_bugs.py               # apply it (to a sandbox started in this process)
    python examples/triage_bugs.py --live        # apply it to your workspace (ATONO_API_KEY)

Teams and members are handed out round-robin, in the order the API lists them, so the work spreads
evenly. Done bugs are left alone. Each bug changes in a single PATCH; the updates run concurrently,
a few at a time, inside the client's rate limit.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TypeVar

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
        parts = []
        if self.team is not None:
            parts.append(f"team -> {self.team.name}")
        if self.assignee is not None:
            parts.append(f"assignee -> {self.assignee.full_name}")
        return f"{self.bug.handle:<9} {self.bug.title[:44]:<44}  {', '.join(parts)}"


def round_robin(items: list[T]) -> Iterator[T]:
    """The items in turn, forever; nothing when there are none."""
    return itertools.cycle(items) if items else iter(())


def plan(bugs: list[Bug], teams: list[Team]) -> list[Change]:
    """What to change: open bugs only; a team by turns across teams, an assignee by turns within each team."""
    next_team = round_robin([t for t in teams if t.member_ids])
    members = {team.id: round_robin(team.members) for team in teams}
    by_id = {team.id: team for team in teams}
    changes = []
    for bug in bugs:
        if bug.done_at is not None:
            continue
        team = None if bug.team_id is not None else next(next_team, None)
        team_id = team.id if team is not None else bug.team_id
        assignee = None
        if bug.assignee_id is None and team_id in by_id:
            assignee = next(members[team_id], None)
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
