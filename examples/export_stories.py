"""Export every story to JSON Lines or CSV, with a progress bar on stderr.

    python examples/export_stories.py -o stories.jsonl
    python examples/export_stories.py -o stories.csv --live      # your workspace (ATONO_API_KEY)
    python examples/export_stories.py -o stories.jsonl --resume  # go on after an export that failed

Pages are read ahead concurrently within the client's rate limit while the file is written, and the
assignee, team and workflow step of every story come in the same responses (`include=`).

After each page it writes, the export saves where the next page starts (`Page.next_start`) in
`OUTPUT.resume`; if it fails (the network, the API), `--resume` appends to OUTPUT from there, so every
story is in the file exactly once. A finished export removes `OUTPUT.resume`.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import re
import sys
import time
from collections.abc import Generator
from pathlib import Path
from typing import Any, TextIO

import atono
from _common import connect, describe, parser, run
from atono.types import ContentChunk, ContentChunkType, Story

TAG = re.compile(r"<[^>]+>")
FIELDS = [
    "id",
    "handle",
    "title",
    "team",
    "assignee",
    "assignee_email",
    "workflow_step",
    "created_at",
    "updated_at",
    "done_at",
    "text",
]


def record(story: Story) -> dict[str, Any]:
    """A flat record of a story: names instead of ids, dates in ISO 8601, content as plain text."""
    return {
        "id": story.id,
        "handle": story.handle,
        "title": story.title,
        "team": story.team.name if story.team else None,
        "assignee": story.assignee.full_name if story.assignee else None,
        "assignee_email": story.assignee.email if story.assignee else None,
        "workflow_step": story.workflow_step.name if story.workflow_step else None,
        "created_at": story.created_at.isoformat(),
        "updated_at": story.updated_at.isoformat(),
        "done_at": story.done_at.isoformat() if story.done_at else None,
        "text": plain_text(story.content or []),
    }


def plain_text(chunks: list[ContentChunk]) -> str:
    """The content as one line of text: persona names kept, HTML tags dropped."""
    text = "".join(TAG.sub(" ", c.value) if c.type == ContentChunkType.DISPLAY_HTML else c.value for c in chunks)
    return " ".join(text.split())


class Progress:
    """A one-line progress bar: redrawn in place on a terminal, a line per tenth elsewhere (logs, CI)."""

    WIDTH = 30

    def __init__(self, label: str, stream: TextIO = sys.stderr) -> None:
        self.label = label
        self.stream = stream
        self.interactive = stream.isatty()
        self.done = 0
        self.total: int | None = None
        self.started = time.monotonic()
        self._last_tenth = -1

    def update(self, count: int, total: int | None) -> None:
        self.done += count
        self.total = total if total is not None else self.total
        if self.interactive:
            self.stream.write("\r" + self._line())
        else:
            tenth = self.done * 10 // self.total if self.total else self.done // 1000
            if tenth == self._last_tenth:
                return
            self._last_tenth = tenth
            self.stream.write(self._line() + "\n")
        self.stream.flush()

    def close(self) -> None:
        elapsed = time.monotonic() - self.started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        timing = f"{elapsed:.1f} s, {rate:,.0f}/s"
        self.stream.write(f"\r{self._line()}  {timing}\n" if self.interactive else f"{self.label}: done in {timing}\n")
        self.stream.flush()

    def _line(self) -> str:
        if not self.total:
            return f"{self.label} {self.done:>7}"
        filled = round(self.WIDTH * self.done / self.total)
        bar = "#" * filled + "." * (self.WIDTH - filled)
        return f"{self.label} [{bar}] {self.done}/{self.total}"


class Writer:
    """Writes records as JSON Lines or as CSV with a header row (not when appending to a file that has one)."""

    def __init__(self, stream: TextIO, fmt: str, *, header: bool = True) -> None:
        self.stream = stream
        self.csv = csv.DictWriter(stream, fieldnames=FIELDS) if fmt == "csv" else None
        if self.csv is not None and header:
            self.csv.writeheader()

    def write(self, row: dict[str, Any]) -> None:
        if self.csv is not None:
            self.csv.writerow(row)
        else:
            self.stream.write(json.dumps(row, ensure_ascii=False) + "\n")


@contextlib.contextmanager
def open_output(name: str, *, append: bool = False) -> Generator[TextIO, None, None]:
    """The file to write (or to append to), or stdout for `-` (left open)."""
    if name == "-":
        yield sys.stdout
        return
    with Path(name).open("a" if append else "w", encoding="utf-8", newline="") as f:
        yield f


class Checkpoint:
    """Where the export goes on (`Page.next_start`), saved next to the output after each page is written."""

    def __init__(self, output: str) -> None:
        self.path = Path(output + ".resume")

    def load(self, page_size: int) -> int:
        """The saved start; the page size must be the one it was saved with, so pages fall where they did."""
        try:
            saved = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise SystemExit(f"error: nothing to resume: {self.path} does not exist") from None
        if saved["page_size"] != page_size:
            raise SystemExit(f"error: {self.path} was saved with --page-size {saved['page_size']}; pass that")
        return int(saved["next_start"])

    def save(self, next_start: int, page_size: int) -> None:
        # Written whole then renamed, so a crash mid-write leaves the previous checkpoint, never half of one.
        partial = self.path.with_name(self.path.name + ".partial")
        partial.write_text(json.dumps({"next_start": next_start, "page_size": page_size}), encoding="utf-8")
        os.replace(partial, self.path)

    def done(self) -> None:
        self.path.unlink(missing_ok=True)


def main() -> None:
    p = parser(__doc__ or "")
    p.add_argument("-o", "--output", default="stories.jsonl", help="file to write, - for stdout (default: %(default)s)")
    p.add_argument("--format", choices=["jsonl", "csv"], help="default: from the output's extension, else jsonl")
    p.add_argument("--page-size", type=int, default=100, help="stories per request, 1-100 (default: %(default)s)")
    p.add_argument("--resume", action="store_true", help="append to OUTPUT from where a failed export stopped")
    args = p.parse_args()
    fmt = args.format or ("csv" if args.output.endswith(".csv") else "jsonl")
    checkpoint = Checkpoint(args.output) if args.output != "-" else None
    if args.resume and checkpoint is None:
        p.error("--resume needs an output file (-o FILE), where the export left off")
    start = checkpoint.load(args.page_size) if checkpoint is not None and args.resume else 0
    if checkpoint is not None and not args.resume:
        checkpoint.done()  # a fresh export: a checkpoint of an earlier one no longer matches the file

    with connect(args) as client:
        print(
            f"Exporting stories from {describe(args, client)}" + (f", from story {start}" if start else ""),
            file=sys.stderr,
        )
        pager = client.stories.list(
            include=["assignee", "team", "workflow_step"], page_size=args.page_size, start=start
        )
        progress = Progress("stories")
        progress.done = start
        with open_output(args.output, append=args.resume) as out:
            writer = Writer(out, fmt, header=not args.resume)
            try:
                for page in pager.pages():
                    for story in page.items:
                        writer.write(record(story))
                    progress.update(len(page.items), page.total)
                    if checkpoint is not None and page.next_start is not None:
                        out.flush()
                        checkpoint.save(page.next_start, args.page_size)
            except atono.APIError:
                if checkpoint is not None and checkpoint.path.exists():
                    print(f"Stopped after {progress.done} stories; run again with --resume to go on", file=sys.stderr)
                raise
        progress.close()
    if checkpoint is not None:
        checkpoint.done()
    where = "stdout" if args.output == "-" else args.output
    print(f"Wrote {progress.done} stories to {where} as {fmt}", file=sys.stderr)


if __name__ == "__main__":
    run(main)
