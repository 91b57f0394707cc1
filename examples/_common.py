"""What the examples share: the command line that says where to connect, and a clean exit on API errors.

By default an example starts a sandbox in its own process (`atono.testing.Sandbox`, from
`pip install 'atono[sandbox]'`), so it runs anywhere without an account and never touches real data.
`--base-url`/`--api-key` point it at another server, such as `make sandbox`; `--live` uses the
`ATONO_API_KEY` and `ATONO_BASE_URL` of the environment, that is your Atono workspace.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import AsyncGenerator, Callable, Generator

import atono
from atono import AsyncAtono, Atono


def parser(description: str) -> argparse.ArgumentParser:
    """An argument parser with the connection options every example takes."""
    p = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    where = p.add_argument_group("where to connect (default: a sandbox started in this process)")
    where.add_argument("--base-url", help="API base URL, e.g. http://127.0.0.1:8750/v1 for `make sandbox`")
    where.add_argument("--api-key", help="API key (default: ATONO_API_KEY)")
    where.add_argument(
        "--live", action="store_true", help="use ATONO_API_KEY and ATONO_BASE_URL: your real Atono workspace"
    )
    return p


def _uses_sandbox(args: argparse.Namespace) -> bool:
    return not (args.live or args.base_url or args.api_key)


def describe(args: argparse.Namespace, client: Atono | AsyncAtono) -> str:
    """One line saying which API the example talks to."""
    origin = "a sandbox started in this process" if _uses_sandbox(args) else "the server you chose"
    return f"{client.base_url} ({origin})"


@contextlib.contextmanager
def connect(args: argparse.Namespace) -> Generator[Atono, None, None]:
    """A client for the chosen server, closed on exit; the in-process sandbox, if any, stops with it."""
    if not _uses_sandbox(args):
        with Atono(api_key=args.api_key, base_url=args.base_url) as client:
            yield client
        return
    from atono.testing import Sandbox  # noqa: PLC0415 - only when needed: the extra may not be installed

    with Sandbox() as sandbox, Atono(api_key=sandbox.api_key, base_url=sandbox.url) as client:
        yield client


@contextlib.asynccontextmanager
async def connect_async(args: argparse.Namespace) -> AsyncGenerator[AsyncAtono, None]:
    """The asyncio flavour of `connect`."""
    if not _uses_sandbox(args):
        async with AsyncAtono(api_key=args.api_key, base_url=args.base_url) as client:
            yield client
        return
    from atono.testing import Sandbox  # noqa: PLC0415 - only when needed: the extra may not be installed

    with Sandbox() as sandbox:
        async with AsyncAtono(api_key=sandbox.api_key, base_url=sandbox.url) as client:
            yield client


def run(main: Callable[[], int | None]) -> None:
    """Run `main`; an SDK error ends the program with its message instead of a traceback."""
    try:
        code = main()
    except atono.AtonoError as exc:
        print(f"error: {type(exc).__name__}: {exc}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
    sys.exit(code or 0)
