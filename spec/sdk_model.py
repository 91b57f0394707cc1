"""What the SDK's generated layer needs to know of the spec, read once: its resource types and operations.

Shared by the generators of `atono_sdk.types` (`sdk_types.py`) and `atono_sdk.resources` (`sdk_resources.py`).
Only facts the spec states are read here; the conventions they rely on are linted (spec/lint/.spectral.yaml) and
described for other languages in spec/conformance/README.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def snake_case(name: str) -> str:
    """`backlogOwners` -> `backlog_owners`, `WORKFLOW_STEP` -> `workflow_step` (the rule of `atono._naming`)."""
    return ".".join(_BOUNDARY.sub("_", part).lower() for part in name.split("."))


def pascal_case(name: str) -> str:
    """`workflow_step` or `workflowStep` -> `WorkflowStep`."""
    return "".join(part[:1].upper() + part[1:] for part in snake_case(name).split("_"))


def load(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return document


def ref_name(schema: dict[str, Any] | None) -> str | None:
    """The component name a schema refers to: `$ref` directly, or the single `$ref` of an `allOf`."""
    if not isinstance(schema, dict):
        return None
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    all_of = schema.get("allOf")
    if isinstance(all_of, list) and len(all_of) == 1:
        return ref_name(all_of[0])
    return None


@dataclass(frozen=True)
class ResourceType:
    """A JSON:API resource type the spec describes with a schema of its own."""

    type_name: str  # as on the wire: `workflow_step`
    schema: str  # its component schema: `WorkflowStep`
    attributes: str | None  # the component schema of its attributes, when they have one
    relationships: str | None  # the component schema of its relationships, when it has one
    description: str

    @property
    def class_name(self) -> str:
        return self.schema


def resource_types(document: dict[str, Any]) -> dict[str, ResourceType]:
    """Every component schema with a constant `type` and an `id`: the resources, by wire type name."""
    found: dict[str, ResourceType] = {}
    for name, schema in document["components"]["schemas"].items():
        properties = schema.get("properties") or {}
        type_const = (properties.get("type") or {}).get("const")
        if not isinstance(type_const, str) or "id" not in properties or "attributes" not in properties:
            continue
        if name.endswith(("Identifier", "Document")):
            continue
        found[type_const] = ResourceType(
            type_name=type_const,
            schema=name,
            attributes=ref_name(properties.get("attributes")),
            relationships=ref_name(properties.get("relationships")),
            description=" ".join(str(schema.get("description", "")).split()),
        )
    return found


def schema(document: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = document["components"]["schemas"][name]
    return found
