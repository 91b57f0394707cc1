"""Relationship linkage is checked when a response is parsed, so reading `bug.assignee_id` later cannot fail."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from atono import APIResponseValidationError

from tests.helpers import mock_client


def serving(relationships: dict[str, Any]) -> Callable[[httpx.Request], httpx.Response]:
    attributes = {
        "title": "t",
        "handle": "BUG-1",
        "createdAt": "2024-09-04T22:28:31Z",
        "updatedAt": "2024-09-04T22:28:31Z",
    }
    document = {"data": {"type": "bug", "id": "b1", "attributes": attributes, "relationships": relationships}}

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=json.dumps(document), headers={"content-type": "application/vnd.api+json"})

    return handler


@pytest.mark.parametrize(
    "relationships",
    [
        {"assignee": {"data": {"type": "user"}}},  # no id
        {"assignee": {"data": {"type": "user", "id": 7}}},  # id not a string
        {"assignee": {"data": "u1"}},  # an id instead of an identifier
        {"assignee": {"data": [{"type": "user", "id": "u1"}]}},  # an array for a to-one
        {"assignee": {"data": [[]]}},
        {"epic": {"data": ["e1"]}},  # unknown to the SDK, still not linkage
        {"epic": {"data": 5}},
    ],
)
def test_malformed_linkage_is_a_validation_error(relationships: dict[str, Any]) -> None:
    with pytest.raises(APIResponseValidationError, match="resource identifier"):
        mock_client("sync", serving(relationships)).bugs.get("b1")


def test_well_formed_linkage_reads_without_error() -> None:
    relationships = {
        "assignee": {"data": None},
        "team": {"data": {"type": "team", "id": "t1", "meta": {"x": 1}}},
        "reporter": {"links": {"related": "/users/u9"}},  # no linkage at all
        "epic": {"data": [{"type": "epic", "id": "e1"}]},  # a relationship the SDK does not know
    }
    bug = mock_client("sync", serving(relationships)).bugs.get("b1")
    assert (bug.assignee_id, bug.team_id, bug.reporter_id) == (None, "t1", None)
    assert bug.assignee is None
    assert bug.related_ids("epic") == ["e1"]
