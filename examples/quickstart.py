"""Quickstart: read stories page by page with related objects, write a bug, and handle a typed error.

python examples/quickstart.py            # against a sandbox started in this process (what `make demo` runs)
python examples/quickstart.py --live     # against your workspace: ATONO_API_KEY (it creates one bug)
"""

from __future__ import annotations

import argparse

import atono
from _common import connect, describe, parser, run
from atono import Atono
from atono.types import Story

STORIES_SHOWN_PER_PAGE = 3


def show_stories(client: Atono) -> None:
    """Every story, 50 per page: the pager fetches the next pages while this one is printed."""
    print("Stories, 50 per page, with their assignee and team included:")
    pager = client.stories.list(include=["assignee", "team"], page_size=50)
    seen = 0
    for number, page in enumerate(pager.pages(), start=1):
        seen += len(page.items)
        total = f" of {page.total}" if page.total is not None else ""
        print(f"  page {number}: {len(page.items)} stories ({seen}{total} so far)")
        for story in page.items[:STORIES_SHOWN_PER_PAGE]:
            print(f"    {story_line(story)}")
    print(f"  {seen} stories in all\n")


def story_line(story: Story) -> str:
    # Included objects are resolved from the same response; an empty relationship is None.
    who = story.assignee.full_name if story.assignee else "unassigned"
    team = story.team.name if story.team else "no team"
    return f"{story.handle:<10} {story.title[:38]:<38}  {who:<18}  {team}"


def create_and_update_bug(client: Atono) -> None:
    print("A bug, created and then updated:")
    team = next(iter(client.teams.list(limit=1)))
    assignee = next(iter(client.users.list(limit=1)))
    bug = client.bugs.create(
        title="Dropdown menus open off-screen on small displays",
        content=["Open the preset editor on a 13-inch screen and click the waveform dropdown."],
        team=team,
        assignee=assignee,
    )
    print(f"  created  {bug.handle}: {bug.title!r}, team {team.name}, assigned to {assignee.full_name}")
    bug = client.bugs.update(bug, title="Dropdown menus clipped on small displays", assignee=None)
    state = "unassigned" if bug.assignee_id is None else f"assigned to {bug.assignee_id}"
    print(f"  updated  {bug.handle}: {bug.title!r}, now {state} (assignee=None cleared it)")
    again = client.bugs.get(bug.id, include=["team"])
    team_name = again.team.name if again.team else "no team"
    print(f"  read back {again.handle}: created {again.created_at:%Y-%m-%d %H:%M} UTC, still in {team_name}\n")


def show_errors(client: Atono) -> None:
    print("Errors are typed exceptions:")
    try:
        client.bugs.get("00000000-0000-0000-0000-000000000000")
    except atono.NotFoundError as exc:
        codes = ", ".join(e.code or "?" for e in exc.errors)
        print(f"  NotFoundError: status {exc.status_code}, error codes [{codes}]")
        print(f"    {exc}")
    story = next(iter(client.stories.list(limit=1)))
    try:
        print(story.workflow_step)
    except atono.NotIncludedError as exc:
        print("  NotIncludedError (related objects never cost a hidden request):")
        print(f"    {exc}")
        print(f"    the id is there without include=: workflow_step_id = {story.workflow_step_id}")


def main() -> None:
    args: argparse.Namespace = parser(__doc__ or "").parse_args()
    with connect(args) as client:
        print(f"atono {atono.__version__}, talking to {describe(args, client)}\n")
        show_stories(client)
        create_and_update_bug(client)
        show_errors(client)


if __name__ == "__main__":
    run(main)
