"""Parse: one 100-bug page with `included` (assignee, team), served from memory by an in-process transport.

    python -m bench.parse [--rounds 200] [--smoke]

Compares the SDK (typed objects, relationships resolved) with httpx + json.loads + dict access on the same
bytes, each sending the same request (page size and include), and reports the generated client's own parse
separately (as its ratio to the baseline in a rotation of its own, scaled to the baseline's time), so we know where
the time goes.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import httpx
from atono import Atono
from atono.testing import Sandbox
from atono_api import Client as GeneratedClient
from atono_api.api.bugs import list_bugs

from bench._common import alternate, record


def page_bytes() -> bytes:
    """A real page from the sandbox: 100 bugs with their assignees and teams included."""
    with Sandbox(stories=0, bugs=150, users=60, teams=6, rate_limit=None) as sb:
        response = httpx.get(
            f"{sb.url}/bugs",
            params={"page[size]": 100, "include": "assignee,team"},
            headers={"X-API-KEY": sb.api_key},
        )
        response.raise_for_status()
        return response.content


def transport(body: bytes) -> httpx.MockTransport:
    headers = {"content-type": "application/vnd.api+json"}
    return httpx.MockTransport(lambda request: httpx.Response(200, content=body, headers=headers))


def raw(http: httpx.Client) -> list[tuple[str, str | None]]:
    """What people write by hand: json.loads and dict access, resolving the assignee through `included`."""
    response = http.get("https://api.test/v1/bugs", params={"page[size]": 100, "include": "assignee,team"})
    document = json.loads(response.content)
    included = {(r["type"], r["id"]): r for r in document.get("included", [])}
    out = []
    for bug in document["data"]:
        linkage = bug["relationships"]["assignee"]["data"]
        assignee = included[("user", linkage["id"])]["attributes"]["fullName"] if linkage else None
        out.append((bug["attributes"]["title"], assignee))
    return out


def sdk(client: Atono) -> list[tuple[str, str | None]]:
    page = next(iter(client.bugs.list(include=["assignee", "team"], page_size=100, limit=100).pages()))
    return [(bug.title, bug.assignee.full_name if bug.assignee else None) for bug in page.items]


def generated(client: GeneratedClient) -> Any:
    return list_bugs.sync(client=client, pagesize=100, include="assignee,team")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--smoke", action="store_true", help="one round, checking results, not time")
    args = parser.parse_args()
    body = page_bytes()
    http = httpx.Client(transport=transport(body))
    client = Atono(
        api_key="bench",
        base_url="https://api.test/v1",
        http_client=httpx.Client(transport=transport(body)),
        rate_limit=None,
    )
    generated_client = GeneratedClient(base_url="https://api.test/v1", httpx_args={"transport": transport(body)})
    expected = raw(http)
    assert len(expected) == 100 and any(name for _, name in expected), "the page should have assigned bugs"
    assert sdk(client) == expected, "the SDK parsed other values than dict access"
    assert len(generated(generated_client).data) == 100
    if args.smoke:
        print(f"parse smoke: {len(body)} bytes, 100 bugs parsed alike by dict access and the SDK")
        return 0
    # The goal's two sides alternate alone: a third case between them (the generated client's parse, many times
    # slower) would leave the caches of the one after it cold. The generated client is compared with the baseline
    # in a rotation of its own.
    medians = alternate(
        {"httpx + json.loads + dicts": lambda: raw(http), "Atono typed + resolved": lambda: sdk(client)},
        rounds=args.rounds,
    )
    baseline = medians["httpx + json.loads + dicts"]
    beside_generated = alternate(
        {"baseline": lambda: raw(http), "generated": lambda: generated(generated_client)}, rounds=args.rounds
    )
    medians["generated client parse"] = beside_generated["generated"] * baseline / beside_generated["baseline"]
    print(
        f"Parse of one 100-bug page with included assignee and team ({len(body) // 1024} KiB), "
        f"median of {args.rounds} alternating rounds"
    )
    for name, seconds in medians.items():
        print(f"  {name:32} {seconds * 1000:8.2f} ms   {seconds / baseline:5.2f}x the baseline")
    sdk_ratio = medians["Atono typed + resolved"] / baseline
    print(f"  goal: Atono <= 1.5x the baseline: {'met' if sdk_ratio <= 1.5 else 'not met'}")
    record(
        "parse",
        milliseconds={name: round(seconds * 1000, 3) for name, seconds in medians.items()},
        ratio=round(sdk_ratio, 3),
        goal="<= 1.5x httpx + json.loads + dict access",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
