"""Assertions shared by the sandbox's tests."""

from __future__ import annotations

import re
from typing import Any

import httpx
from atono_wire.models import ErrorDocument

JSONAPI = "application/vnd.api+json"
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def error_of(
    response: httpx.Response,
    status: int,
    *,
    pointer: str | None = None,
    parameter: str | None = None,
    header: str | None = None,
) -> dict[str, Any]:
    """Check that `response` is a JSON:API error document for `status`; return its first error object.

    Every error object must carry the status as a string, a code, a title and a detail; `pointer`,
    `parameter` or `header`, when given, must be the `source` of one of them.
    """
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == JSONAPI
    body = response.json()
    ErrorDocument.model_validate(body)
    errors = body["errors"]
    assert errors
    for error in errors:
        assert error["status"] == str(status)
        assert error["code"] and error["title"] and error["detail"]
    for key, value in (("pointer", pointer), ("parameter", parameter), ("header", header)):
        if value is not None:
            sources = [e.get("source", {}).get(key) for e in errors]
            assert value in sources, f"no error with source.{key} == {value!r} in {errors}"
    first: dict[str, Any] = errors[0]
    return first


def handles(document: dict[str, Any]) -> list[str]:
    return [item["attributes"]["handle"] for item in document["data"]]


def keys(resources: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(r["type"], r["id"]) for r in resources]


def linked(document: dict[str, Any], *names: str) -> set[tuple[str, str]]:
    """The (type, id) of every resource the primary data links to through the relationships `names`."""
    out: set[tuple[str, str]] = set()
    data = document["data"] if isinstance(document["data"], list) else [document["data"]]
    for resource in data:
        for name in names:
            related = resource["relationships"][name]["data"]
            for identifier in related if isinstance(related, list) else [related] if related else []:
                out.add((identifier["type"], identifier["id"]))
    return out


def check_included(document: dict[str, Any]) -> list[tuple[str, str]]:
    """`included` holds no duplicates and none of the primary data; returns its (type, id) pairs."""
    included = keys(document["included"])
    assert len(included) == len(set(included)), "duplicates in included"
    data = document["data"] if isinstance(document["data"], list) else [document["data"]]
    assert not set(included) & set(keys(data)), "primary data repeated in included"
    return included
