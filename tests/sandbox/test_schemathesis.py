"""Every response of the sandbox conforms to the spec: property-based requests from schemathesis.

Schemathesis generates valid and invalid requests for each operation of the spec and checks each
response's status, content type, headers and body against what the spec declares. Generated ids
rarely exist, so about half of them are swapped for real ones: reads, updates and deletes of
existing resources are checked too, not only their 404s. Cases per operation are bounded.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from importlib import resources

import httpx
import pytest
import schemathesis
from atono.testing import Sandbox
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

SPEC = resources.files("atono_wire").joinpath("openapi.json")
schema = schemathesis.openapi.from_path(str(SPEC))

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def conformance_sandbox() -> Iterator[Sandbox]:
    # Small, and without the rate limit: schemathesis sends a few hundred requests quickly.
    with Sandbox(stories=30, bugs=30, users=10, teams=3, flags=5, rate_limit=None) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def real_ids(conformance_sandbox: Sandbox) -> dict[str, list[str]]:
    """Ids of existing resources, by the name of the path parameter that takes them."""
    with httpx.Client(base_url=conformance_sandbox.url, headers={"X-API-KEY": conformance_sandbox.api_key}) as http:

        def listed(path: str) -> list[dict]:
            return http.get(path).raise_for_status().json()["data"]

        bugs = listed("/bugs")
        flags = listed("/flags")
        steps = {
            b["relationships"]["workflowStep"]["data"]["id"] for b in bugs if b["relationships"]["workflowStep"]["data"]
        }
        return {
            "storyId": [s["id"] for s in listed("/stories")],
            "bugId": [b["id"] for b in bugs],
            "teamId": [t["id"] for t in listed("/teams")],
            "userId": [u["id"] for u in listed("/users")],
            "flagIdOrKey": [f["id"] for f in flags] + [f["attributes"]["key"] for f in flags],
            "workflowStepId": sorted(steps),
        }


@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_response_conforms_to_the_spec(
    case: schemathesis.Case, conformance_sandbox: Sandbox, real_ids: dict[str, list[str]]
) -> None:
    for name, value in (case.path_parameters or {}).items():
        digest = zlib.crc32(str(value).encode())
        if digest % 2 == 0:
            ids = real_ids[name]
            case.path_parameters[name] = ids[digest // 2 % len(ids)]
            data = case.body.get("data") if isinstance(case.body, dict) else None
            if isinstance(data, dict) and "id" in data:
                data["id"] = case.path_parameters[name]
    case.call_and_validate(
        base_url=conformance_sandbox.url, headers={"X-API-KEY": conformance_sandbox.api_key}, checks=CHECKS
    )
