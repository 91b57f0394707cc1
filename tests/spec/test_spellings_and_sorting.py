"""The spec's conventions for include spellings and sort fields hold together, beyond what the linter can follow:
every spelling maps between members of its enum, every relationship it names exists on the resources whose
requests take that enum, and every sort parameter's item pattern allows exactly its enum's fields."""

from __future__ import annotations

import re
from typing import Any

import pytest

METHODS = ("get", "put", "post", "patch", "delete")


def _resolve(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = spec["components"]["parameters"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def _parameters(spec: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(operationId, parameter) for every parameter of every operation."""
    found = []
    for item in spec["paths"].values():
        for method in METHODS:
            if method in item:
                op = item[method]
                for p in [*item.get("parameters", []), *op.get("parameters", [])]:
                    found.append((op["operationId"], _resolve(spec, p)))
    return found


def _returned_relationships(spec: dict[str, Any], operation_id: str) -> set[str]:
    """The relationship names of the resource an operation answers with."""
    schemas = spec["components"]["schemas"]
    for item in spec["paths"].values():
        for method in METHODS:
            op = item.get(method)
            if op is None or op["operationId"] != operation_id:
                continue
            (media, *_) = op["responses"]["200"]["content"].values()
            document = schemas[media["schema"]["$ref"].rsplit("/", 1)[-1]]
            data = document["properties"]["data"]
            resource = schemas[(data.get("items") or data)["$ref"].rsplit("/", 1)[-1]]
            relationships = schemas[resource["properties"]["relationships"]["$ref"].rsplit("/", 1)[-1]]
            return set(relationships["properties"])
    raise AssertionError(operation_id)


def test_include_spellings_name_members_and_relationships(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    checked = 0
    for operation_id, parameter in _parameters(spec):
        enum_name = parameter.get("x-atono-include-paths")
        if enum_name is None:
            continue
        enum = schemas[enum_name]
        members = set(enum["enum"])
        relationships = _returned_relationships(spec, operation_id)
        for spelling, sent in enum.get("x-atono-include-sent-as", {}).items():
            assert {spelling, sent} <= members, (enum_name, spelling, sent)
        for path, relationship in enum.get("x-atono-include-relationships", {}).items():
            assert path in members and relationship in relationships, (enum_name, path, relationship)
        for path in members:
            first = path.split(".")[0]
            assert enum.get("x-atono-include-relationships", {}).get(first, first) in relationships, (enum_name, path)
        checked += 1
    assert checked >= 8


def test_creator_and_reporter_are_one_relationship_sent_as_creator(spec: dict[str, Any]) -> None:
    for name in ("BugIncludePath", "StoryIncludePath"):
        enum = spec["components"]["schemas"][name]
        assert enum["x-atono-include-sent-as"] == {"reporter": "creator"}
        assert enum["x-atono-include-relationships"]["creator"] == "reporter"


@pytest.mark.parametrize("operation_id", ["listUsers"])
def test_sort_patterns_allow_exactly_the_enum_fields(spec: dict[str, Any], operation_id: str) -> None:
    (parameter,) = [p for op, p in _parameters(spec) if op == operation_id and p["name"] == "sort"]
    fields = spec["components"]["schemas"][parameter["x-atono-sort-fields"]]["enum"]
    pattern = re.compile(parameter["schema"]["items"]["pattern"])
    for field in fields:
        assert pattern.fullmatch(field) and pattern.fullmatch(f"-{field}")
    for bad in ["nickname", "--email", "email,fullName", "Email", ""]:
        assert not pattern.fullmatch(bad), bad
    assert parameter["style"] == "form" and parameter["explode"] is True
