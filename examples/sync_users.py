"""Keep a CSV of the workspace's users in step with Atono, and say what changed since the last run.

    python examples/sync_users.py -o users.csv
    python examples/sync_users.py -o users.csv --live     # your workspace (ATONO_API_KEY)

Rows are keyed by user id: new users are added, changed names or emails updated, and users that are
gone (or deleted) dropped. The file is replaced in one step, so an interrupted run leaves the
previous one intact.
"""

from __future__ import annotations

import csv
import os
import sys
import tempfile
from pathlib import Path

from _common import connect, describe, parser, run
from atono.types import User

FIELDS = ["id", "email", "full_name", "created_at", "invited_at"]
Row = dict[str, str]


def row(user: User) -> Row:
    return {
        "id": user.id,
        "email": user.email,
        "full_name": user.full_name,
        "created_at": user.created_at.isoformat(),
        "invited_at": user.invited_at.isoformat() if user.invited_at else "",
    }


def read_rows(path: Path) -> dict[str, Row]:
    """The rows of the previous run by id; none when there was no previous run."""
    if not path.exists():
        return {}
    with path.open(encoding="utf-8", newline="") as f:
        return {r["id"]: {name: r.get(name) or "" for name in FIELDS} for r in csv.DictReader(f)}


def write_rows(path: Path, rows: list[Row]) -> None:
    """Write to a temporary file beside `path`, then rename it over `path` (atomic on POSIX and Windows)."""
    fd, temporary = tempfile.mkstemp(dir=path.parent or Path("."), prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=FIELDS)
            writer.writeheader()
            writer.writerows(rows)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def main() -> None:
    p = parser(__doc__ or "")
    p.add_argument("-o", "--output", default="users.csv", help="the CSV to create or update (default: %(default)s)")
    args = p.parse_args()
    path = Path(args.output)
    before = read_rows(path)

    with connect(args) as client:
        print(f"Syncing users from {describe(args, client)} into {path}")
        current = [row(user) for user in client.users.list() if not user.deleted]

    added = [r for r in current if r["id"] not in before]
    updated = [r for r in current if r["id"] in before and before[r["id"]] != r]
    kept_ids = {r["id"] for r in current}
    removed = [r for r in before.values() if r["id"] not in kept_ids]
    for label, rows in (("added", added), ("updated", updated), ("removed", removed)):
        for r in rows:
            print(f"  {label:<8} {r['full_name']} <{r['email']}>")
    write_rows(path, current)
    unchanged = len(current) - len(added) - len(updated)
    print(
        f"{len(current)} users: {len(added)} added, {len(updated)} updated, {len(removed)} removed, "
        f"{unchanged} unchanged"
    )
    sys.stdout.flush()


if __name__ == "__main__":
    run(main)
