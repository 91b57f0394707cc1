"""The spec-level diff in the changelog (release/spec_diff.py), from two versions of the spec."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from release import spec_diff
from tests.helpers import SPEC_PATH

OLD_SPEC = Path(__file__).resolve().parents[2] / "release" / "0.1.0" / "atono.openapi.yaml"


def _spec() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
    return document


def test_the_same_spec_has_no_changes() -> None:
    assert spec_diff.diff(_spec(), _spec()) == ["No operation, parameter or schema changed."]


def test_the_0_2_revision_shows_what_clients_send_and_read_differently() -> None:
    text = spec_diff.render(OLD_SPEC, SPEC_PATH)
    assert text.startswith("The API description changed from 1.0.0-curated.1 to 1.0.0-curated.2")
    for line in [
        "- `listUsers`:",
        "  - provenance inferred -> documented",
        "  - parameter `sort (query)` added: array of string",
        "  - parameter `page[size] (query)`: integer >= 1 <= 100 default 100 -> integer int32 >= 0 <= 100 default 100",
        "  - request body media types `application/vnd.api+json` -> `application/json`",
        "  - responses added: 415",
        "- `UserSortField` added",
        "  - enum value `creator` added",
        "  - property `backlogOwners` added",
    ]:
        assert line in text.splitlines(), line


def test_removals_renames_and_new_requirements_are_listed() -> None:
    old, new = _spec(), copy.deepcopy(_spec())
    users = new["paths"]["/users"].pop("post")
    new["paths"]["/people"] = {"post": users}
    del new["components"]["schemas"]["FlagIncludePath"]
    new["components"]["schemas"]["TeamAttributes"]["required"].append("isPublic")
    new["components"]["schemas"]["WorkflowStepCategory"]["enum"].remove("WONT_DO")
    lines = spec_diff.diff(old, new)
    assert "  - moved from `POST /users` to `POST /people`" in lines
    assert "- `FlagIncludePath` removed" in lines
    assert "  - `isPublic` now required" in lines
    assert "  - enum value `WONT_DO` removed" in lines
