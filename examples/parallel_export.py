"""Export every story with several worker processes that share one rate limit, behind one progress bar.

    python examples/parallel_export.py -o stories.jsonl --workers 4
    python examples/parallel_export.py -o stories.jsonl --storage redis://localhost:6379/0 --live

Each worker exports a disjoint slice of the collection (`stories.list(start=..., limit=...)`) into its own part
file, and all of them pace through one budget: `RateLimit(3000, 300, storage=...)`, kept in a SQLite file (every
process on this host) or in Redis (every process on every host). However many workers run, together they stay
within the API's limit, so none of them meets a 429. The parts are then joined, in order, into OUTPUT.

`--storage` defaults to `ATONO_RATE_LIMIT_STORAGE`, else a SQLite file in a temporary directory.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import queue
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from _common import parser, run
from atono import Atono, RateLimit
from export_stories import Progress, record


@dataclass(frozen=True)
class Slice:
    """One worker's share: `limit` stories from `start`, written to `part`."""

    base_url: str | None
    api_key: str | None
    storage: str
    start: int
    limit: int
    part: str
    page_size: int


def export_slice(job: Slice, progress: Any) -> None:
    """In a worker process: export one slice, reporting each page's count on `progress`."""
    pacing = RateLimit(3000, 300, storage=job.storage, name="parallel-export")
    with Atono(api_key=job.api_key, base_url=job.base_url, rate_limit=pacing) as client, open(job.part, "w") as out:
        pager = client.stories.list(
            include=["assignee", "team", "workflow_step"], page_size=job.page_size, start=job.start, limit=job.limit
        )
        for page in pager.pages():
            for story in page.items:
                out.write(json.dumps(record(story), ensure_ascii=False) + "\n")
            progress.put(len(page.items))


def slices(total: int, workers: int, page_size: int) -> list[tuple[int, int]]:
    """At most `workers` (start, limit) pairs covering 0..total without overlap, each beginning at a page boundary
    (so every worker asks for whole pages), as even as can be."""
    pages = -(-total // page_size)
    share, extra = divmod(pages, workers)
    bounds: list[tuple[int, int]] = []
    first = 0
    for n in range(workers):
        count = share + (1 if n < extra else 0)
        start = first * page_size
        bounds.append((start, min(count * page_size, total - start)))
        first += count
    return [b for b in bounds if b[1] > 0]


def export(args: Any, base_url: str | None, api_key: str | None) -> int:
    with Atono(api_key=api_key, base_url=base_url) as client:
        first = next(iter(client.stories.list(page_size=1).pages()))
    total = first.total if first.total is not None else 0
    storage = args.storage or os.environ.get("ATONO_RATE_LIMIT_STORAGE")
    with tempfile.TemporaryDirectory() as scratch:
        storage = storage or "sqlite:///" + str(Path(scratch, "pacing.db").resolve())
        jobs = [
            Slice(base_url, api_key, storage, start, limit, str(Path(scratch, f"part-{n}.jsonl")), args.page_size)
            for n, (start, limit) in enumerate(slices(total, args.workers, args.page_size))
        ]
        print(
            f"Exporting {total} stories with {len(jobs)} workers sharing RateLimit(3000, 300) through "
            f"{storage.split('://')[0]}",
            file=sys.stderr,
        )
        context = multiprocessing.get_context("spawn")
        counts = context.Queue()
        workers = [context.Process(target=export_slice, args=(job, counts)) for job in jobs]
        for worker in workers:
            worker.start()
        progress = Progress("stories")
        while any(worker.is_alive() for worker in workers) or not counts.empty():
            with contextlib.suppress(queue.Empty):
                progress.update(counts.get(timeout=0.2), total)
        failed = [n for n, worker in enumerate(workers) if worker.exitcode != 0]
        if failed:
            print(f"error: workers {failed} failed (see above); {args.output} is not written", file=sys.stderr)
            return 1
        progress.close()
        with open(args.output, "w") as out:
            for job in jobs:
                out.write(Path(job.part).read_text())
    print(f"Wrote {progress.done} stories to {args.output}", file=sys.stderr)
    return 0


def main() -> int:
    p = parser(__doc__ or "")
    p.add_argument("-o", "--output", default="stories.jsonl", help="JSON Lines file to write (default: %(default)s)")
    p.add_argument("--workers", type=int, default=4, help="worker processes (default: %(default)s)")
    p.add_argument("--page-size", type=int, default=100, help="stories per request, 1-100 (default: %(default)s)")
    p.add_argument("--storage", help="where the workers share their budget: sqlite:///... or redis://...")
    args = p.parse_args()
    if args.workers < 1:
        p.error("--workers must be at least 1")
    if args.live or args.base_url or args.api_key:
        return export(args, args.base_url, args.api_key)
    from atono.testing import Sandbox  # noqa: PLC0415 - only when needed: the extra may not be installed

    with Sandbox(stories=1000) as sandbox:  # served from this process; the workers reach it over loopback
        return export(args, sandbox.url, sandbox.api_key)


if __name__ == "__main__":
    run(main)
