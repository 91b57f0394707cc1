"""`python -m atono.sandbox`: serve a seeded Atono sandbox in the foreground until Ctrl-C."""

from __future__ import annotations

import argparse
import contextlib
import sys

import uvicorn

from atono_sandbox._app import build_app
from atono_sandbox._data import seed_store
from atono_sandbox._faults import FaultPlan, Gateway, ServerRateLimit
from atono_sandbox._journal import Journal
from atono_sandbox._sandbox import API_KEY, ATONO_RATE_LIMIT, MEDIA_TYPES, OTHER_API_KEY
from atono_sandbox._server import bind, config


def _rate_limit(text: str) -> tuple[int, float] | None:
    """`3000/300` (requests per seconds), or `off`."""
    if text == "off":
        return None
    requests, _, seconds = text.partition("/")
    try:
        return int(requests), float(seconds or "1")
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected REQUESTS/SECONDS or 'off', not {text!r}") from None


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m atono.sandbox", description="Serve a local, seeded Atono-compatible API until interrupted."
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    p.add_argument("--port", type=int, default=8750, help="port, 0 for any free one (default: %(default)s)")
    p.add_argument("--seed", type=int, default=0, help="seed of the generated workspace (default: %(default)s)")
    p.add_argument("--stories", type=int, default=5000, help="default: %(default)s")
    p.add_argument("--bugs", type=int, default=1000, help="default: %(default)s")
    p.add_argument("--users", type=int, default=50, help="default: %(default)s")
    p.add_argument("--teams", type=int, default=6, help="default: %(default)s")
    p.add_argument("--flags", type=int, default=20, help="default: %(default)s")
    p.add_argument("--latency-ms", type=float, default=0.0, help="delay added to every request (default: 0)")
    p.add_argument("--fault-rate", type=float, default=0.0, help="share of requests that fail, 0-1 (default: 0)")
    p.add_argument(
        "--rate-limit",
        type=_rate_limit,
        default=ATONO_RATE_LIMIT,
        metavar="REQUESTS/SECONDS",
        help="sliding-window limit per client, or 'off' (default: 3000/300, Atono's)",
    )
    p.add_argument(
        "--strict-media-type",
        choices=MEDIA_TYPES,
        default=None,
        help="take request bodies of this media type only, answering 415 to the other (default: both)",
    )
    p.add_argument(
        "--rate-limit-headers",
        action="store_true",
        help="send X-RateLimit-Limit, -Remaining and -Reset on every answer (Atono documents none)",
    )
    p.add_argument("--quiet", action="store_true", help="do not log each request")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        store = seed_store(
            seed=args.seed, stories=args.stories, bugs=args.bugs, users=args.users, teams=args.teams, flags=args.flags
        )
        faults = FaultPlan(seed=args.seed, fault_rate=args.fault_rate)
        limiter = ServerRateLimit(*args.rate_limit) if args.rate_limit is not None else None
    except ValueError as exc:
        parser().error(str(exc))
    users = list(store.users)
    keys = {API_KEY: users[0], OTHER_API_KEY: users[1]}
    app = build_app(store, Journal(), keys, strict_media_type=args.strict_media_type)
    try:
        gateway = Gateway(
            app,
            faults=faults,
            rate_limit=limiter,
            latency=args.latency_ms / 1000,
            rate_limit_headers=args.rate_limit_headers,
        )
    except ValueError as exc:
        parser().error(str(exc))
    try:
        sock = bind(args.host, args.port)
    except OSError as exc:
        print(f"cannot listen on {args.host}:{args.port}: {exc.strerror}", file=sys.stderr)
        return 1
    host, port = sock.getsockname()[:2]
    shown_host = f"[{host}]" if ":" in host else host
    private = ", ".join(t.name for t in store.teams.values() if not t.is_public)
    print(
        f"Atono sandbox on http://{shown_host}:{port}/v1 (seed {args.seed}: {args.stories} stories, {args.bugs} bugs, "
        f"{args.users} users, {args.teams} teams, {args.flags} flags)\n"
        f"  X-API-KEY: {API_KEY}  (a member of every team)\n"
        f"  X-API-KEY: {OTHER_API_KEY}  (not a member of the private team: {private})\n"
        "Press Ctrl-C to stop.",
        flush=True,
    )
    # uvicorn re-raises the Ctrl-C it shut down on; for this command, stopping is the normal end.
    with contextlib.suppress(KeyboardInterrupt):
        uvicorn.Server(config(gateway, verbose=not args.quiet)).run(sockets=[sock])
    return 0


if __name__ == "__main__":
    sys.exit(main())
