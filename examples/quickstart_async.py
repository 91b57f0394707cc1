"""Quickstart with asyncio: the same API as `Atono`, awaited; independent calls run concurrently.

python examples/quickstart_async.py           # against a sandbox started in this process
python examples/quickstart_async.py --live    # read-only against your workspace (ATONO_API_KEY)
"""

from __future__ import annotations

import asyncio
from collections import Counter

import atono
from _common import connect_async, describe, parser, run
from atono import AsyncAtono


async def busiest_teams(client: AsyncAtono) -> None:
    """Open bugs per team: `async for` walks every page, fetching ahead in tasks."""
    per_team: Counter[str] = Counter()
    async for bug in client.bugs.list(include=["team"], page_size=25):
        if bug.done_at is None:
            per_team[bug.team.name if bug.team else "(no team)"] += 1
    print("Open bugs per team:")
    for name, count in per_team.most_common():
        print(f"  {name:<16} {count:>4}")


async def three_users_at_once(client: AsyncAtono) -> None:
    """Independent reads gathered: one client shares its connections and its rate limit across tasks."""
    ids = [user.id async for user in client.users.list(limit=3)]
    users = await asyncio.gather(*(client.users.get(user_id) for user_id in ids))
    print("Three users, fetched concurrently:")
    for user in users:
        print(f"  {user.full_name:<18} {user.email}")


async def missing_flag(client: AsyncAtono) -> None:
    try:
        await client.flags.get("no-such-flag")
    except atono.NotFoundError as exc:
        print(f"A flag that does not exist: NotFoundError ({exc.status_code})")


async def main_async() -> None:
    args = parser(__doc__ or "").parse_args()
    async with connect_async(args) as client:
        print(f"atono {atono.__version__}, talking to {describe(args, client)}\n")
        await busiest_teams(client)
        await three_users_at_once(client)
        await missing_flag(client)


def main() -> None:
    asyncio.run(main_async())


if __name__ == "__main__":
    run(main)
