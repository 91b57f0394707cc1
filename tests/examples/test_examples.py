"""Every example, run as a user runs it (a separate Python process) against a sandbox, with its output checked.

Most tests point the example at a sandbox this test started (`--base-url`/`--api-key`), so they can
compare what the example printed or wrote with what the sandbox holds and the writes it applied.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from atono import Atono
from atono.testing import Sandbox

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def run_example(name: str, *args: str, cwd: Path | None = None, expect_failure: bool = False) -> tuple[str, str]:
    """Run `examples/<name>` with the test's Python; return its stdout and stderr."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATONO_")}
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / name), *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
        env=env,
        check=False,
    )
    if expect_failure:
        assert done.returncode != 0, done.stdout
    else:
        assert done.returncode == 0, f"{name} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout, done.stderr


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(stories=120, bugs=40, users=12, teams=3) as sb:
        yield sb


@pytest.fixture
def client(sandbox: Sandbox) -> Iterator[Atono]:
    with Atono(api_key=sandbox.api_key, base_url=sandbox.url) as c:
        yield c


def connect_args(sandbox: Sandbox) -> list[str]:
    return ["--base-url", sandbox.url, "--api-key", sandbox.api_key]


def test_quickstart_on_its_own_sandbox() -> None:
    """What `make demo` runs: no arguments, a sandbox in the example's own process."""
    out, _ = run_example("quickstart.py")
    assert "(a sandbox started in this process)" in out
    assert [line.split(":")[0].strip() for line in out.splitlines() if line.strip().startswith("page ")] == [
        f"page {n}" for n in range(1, 6)
    ]
    assert "250 stories in all" in out
    assert "created  BUG-" in out and "updated  BUG-" in out and "now unassigned" in out
    assert "NotFoundError: status 404, error codes [not_found]" in out
    assert "NotIncludedError" in out and "include=['workflow_step']" in out


def test_quickstart_writes_exactly_one_bug_create_and_update(sandbox: Sandbox, client: Atono) -> None:
    out, _ = run_example("quickstart.py", *connect_args(sandbox))
    assert "120 stories in all" in out
    created = [bug for bug in client.bugs.list() if bug.title == "Dropdown menus clipped on small displays"]
    assert len(created) == 1 and created[0].assignee_id is None and created[0].team_id is not None
    writes = [(w.method, w.resource_type, w.resource_id) for w in sandbox.applied_writes]
    assert writes == [("POST", "bug", created[0].id), ("PATCH", "bug", created[0].id)]
    # The stories the example printed are the first ones of each page, with names from `included`.
    first = next(iter(client.stories.list(include=["assignee", "team"], limit=1)))
    assert first.handle in out and first.title[:38] in out


def test_quickstart_async(sandbox: Sandbox, client: Atono) -> None:
    out, _ = run_example("quickstart_async.py", *connect_args(sandbox))
    open_bugs = [bug for bug in client.bugs.list(include=["team"]) if bug.done_at is None]
    counted = sum(
        int(line.split()[-1]) for line in out.split("Open bugs per team:")[1].split("Three")[0].splitlines()[1:]
    )
    assert counted == len(open_bugs)
    users = [user.full_name for user in client.users.list(limit=3)]
    assert all(name in out for name in users)
    assert "NotFoundError (404)" in out
    assert sandbox.applied_writes == []


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_export_stories(fmt: str, sandbox: Sandbox, client: Atono, tmp_path: Path) -> None:
    target = tmp_path / f"stories.{fmt}"
    _, err = run_example("export_stories.py", *connect_args(sandbox), "-o", str(target), "--page-size", "25")
    expected = list(client.stories.list(include=["assignee", "team", "workflow_step"]))
    text = target.read_text(encoding="utf-8")
    rows = (
        [json.loads(line) for line in text.splitlines()] if fmt == "jsonl" else list(csv.DictReader(text.splitlines()))
    )
    assert [row["id"] for row in rows] == [story.id for story in expected]
    by_id = {story.id: story for story in expected}
    for row in rows:
        story = by_id[row["id"]]
        assert row["handle"] == story.handle and row["title"] == story.title
        assert (row["assignee"] or None) == (story.assignee.full_name if story.assignee else None)
        assert (row["team"] or None) == (story.team.name if story.team else None)
    # A progress line per tenth on a non-terminal, ending at the total.
    bars = [line for line in err.splitlines() if line.startswith("stories [")]
    assert bars[-1].endswith("120/120") and len(bars) >= 4
    assert f"Wrote 120 stories to {target} as {fmt}" in err


def test_export_stories_to_stdout(sandbox: Sandbox) -> None:
    out, _ = run_example("export_stories.py", *connect_args(sandbox), "-o", "-", "--format", "csv")
    assert out.splitlines()[0].startswith("id,handle,title,")
    assert len(list(csv.DictReader(out.splitlines()))) == 120


def test_sync_users_reports_what_changed(sandbox: Sandbox, client: Atono, tmp_path: Path) -> None:
    target = tmp_path / "users.csv"
    out, _ = run_example("sync_users.py", *connect_args(sandbox), "-o", str(target))
    assert "12 users: 12 added, 0 updated, 0 removed, 0 unchanged" in out
    with target.open(encoding="utf-8", newline="") as f:
        assert [row["email"] for row in csv.DictReader(f)] == [user.email for user in client.users.list()]

    out, _ = run_example("sync_users.py", *connect_args(sandbox), "-o", str(target))
    assert "12 users: 0 added, 0 updated, 0 removed, 12 unchanged" in out

    renamed = next(iter(client.users.list(limit=1)))
    client.users.update(renamed, full_name="Renamed Person")
    client.users.create(email="new.person@example.com", full_name="New Person")
    with target.open("a", encoding="utf-8", newline="") as f:
        f.write("gone-user-id,gone@example.com,Gone Person,2024-01-01T00:00:00+00:00,\n")
    out, _ = run_example("sync_users.py", *connect_args(sandbox), "-o", str(target))
    assert "13 users: 1 added, 1 updated, 1 removed, 11 unchanged" in out
    assert "added    New Person <new.person@example.com>" in out
    assert "updated  Renamed Person" in out and "removed  Gone Person" in out
    assert "Renamed Person" in target.read_text(encoding="utf-8")
    assert not list(tmp_path.glob(".users.csv.*")), "the temporary file was left behind"


def test_triage_dry_run_changes_nothing(sandbox: Sandbox) -> None:
    out, _ = run_example("triage_bugs.py", *connect_args(sandbox), "--dry-run")
    assert "would change" in out
    assert sandbox.applied_writes == []


def test_triage_leaves_no_open_bug_without_team_or_assignee(sandbox: Sandbox, client: Atono) -> None:
    before = list(client.bugs.list())
    needs_work = [bug for bug in before if bug.done_at is None and (bug.team_id is None or bug.assignee_id is None)]
    assert needs_work, "the seeded workspace should have bugs to triage"

    out, _ = run_example("triage_bugs.py", *connect_args(sandbox))
    after = {bug.id: bug for bug in client.bugs.list()}
    assert all(after[bug.id].team_id and after[bug.id].assignee_id for bug in needs_work)
    assert len(sandbox.applied_writes) == len(needs_work)
    assert f"changed {len(needs_work)}:" in out
    # Only bugs that needed it were touched, and assignees are members of the bug's team where one can be.
    teams = {team.id: team for team in client.teams.list()}
    for bug in needs_work:
        new = after[bug.id]
        assert new.team_id is not None
        in_some_team = any(new.assignee_id in team.member_ids for team in teams.values())
        assert new.assignee_id in teams[new.team_id].member_ids or (bug.assignee_id and not in_some_team)
    untouched = [bug for bug in before if bug not in needs_work]
    assert all(after[bug.id].updated_at == bug.updated_at for bug in untouched)


def test_an_api_error_ends_the_example_with_its_message(sandbox: Sandbox) -> None:
    _, err = run_example("quickstart.py", "--base-url", sandbox.url, "--api-key", "wrong-key", expect_failure=True)
    assert err.startswith("error: AuthenticationError: 401")
    assert "Traceback" not in err


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_export_stories_resumes_after_a_failure_at_a_late_page(
    fmt: str, sandbox: Sandbox, client: Atono, tmp_path: Path
) -> None:
    """Page 4 of 5 fails beyond the retries; `--resume` goes on from the saved `next_start`: every story once, in
    order, and no page before the failure is asked for again."""
    target = tmp_path / f"stories.{fmt}"
    checkpoint = tmp_path / f"stories.{fmt}.resume"
    args = [*connect_args(sandbox), "-o", str(target), "--page-size", "25"]
    sandbox.inject("503", path="/stories", query={"page[number]": 3}, count=3)  # the first try and both retries
    _, err = run_example("export_stories.py", *args, expect_failure=True)
    assert "InternalServerError" in err and "Stopped after 75 stories; run again with --resume" in err
    assert json.loads(checkpoint.read_text(encoding="utf-8")) == {"next_start": 75, "page_size": 25}

    for early in range(3):  # any page before the failure, read again, would fail the resumed export
        sandbox.inject("500", path="/stories", query={"page[number]": early}, count=3)
    _, err = run_example("export_stories.py", *args, "--resume")
    assert "from story 75" in err and "Wrote 120 stories" in err
    assert not checkpoint.exists()
    sandbox.clear_faults()
    text = target.read_text(encoding="utf-8")
    rows = (
        [json.loads(line) for line in text.splitlines()] if fmt == "jsonl" else list(csv.DictReader(text.splitlines()))
    )
    expected = [story.id for story in client.stories.list()]
    assert [row["id"] for row in rows] == expected and len(set(expected)) == 120


def test_export_stories_resume_needs_a_checkpoint(sandbox: Sandbox, tmp_path: Path) -> None:
    _, err = run_example(
        "export_stories.py", *connect_args(sandbox), "-o", str(tmp_path / "s.jsonl"), "--resume", expect_failure=True
    )
    assert "nothing to resume" in err


def test_parallel_export_writes_every_story_once_in_order(sandbox: Sandbox, client: Atono, tmp_path: Path) -> None:
    """Three worker processes, disjoint page-aligned slices, one budget in a SQLite file: the joined file holds
    every story exactly once, in the server's order, and the sandbox answered no 429."""
    target = tmp_path / "stories.jsonl"
    storage = "sqlite:///" + str((tmp_path / "pacing.db").resolve())
    _, err = run_example(
        "parallel_export.py",
        *connect_args(sandbox),
        "-o",
        str(target),
        "--workers",
        "3",
        "--page-size",
        "25",
        "--storage",
        storage,
    )
    ids = [json.loads(line)["id"] for line in target.read_text().splitlines()]
    assert ids == [story.id for story in client.stories.list()]
    assert "3 workers" in err and "120/120" in err
    assert all(ok for _, ok in sandbox.rate_limit_log)
