"""One rule for the Python spelling of wire names (`workflowStep`, `WORKFLOW_STEP` -> `workflow_step`)."""

from __future__ import annotations

import re

_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def snake_case(name: str) -> str:
    """`backlogOwners` -> `backlog_owners`, `WORKFLOW_STEP` -> `workflow_step`, `team.members` unchanged."""
    return ".".join(_BOUNDARY.sub("_", part).lower() for part in name.split("."))


def spelling_key(name: str) -> str:
    """A key under which every spelling of one name compares equal."""
    return snake_case(name).replace("_", "")
