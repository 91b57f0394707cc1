"""The differences between two versions of spec/atono.openapi.yaml, as Markdown for the changelog.

    python release/spec_diff.py OLD.yaml NEW.yaml

Operations (by operationId): added, removed, and for each one kept, its provenance, parameters, request media
types and response statuses. Schemas (components): added, removed, and for each one kept, its properties,
required members, enum values and type. Descriptions and evidence notes are left out: the changelog says what a
client can send and read, and the entries written by hand say why.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]

_METHODS = ("get", "put", "post", "patch", "delete")


def _load(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return document


def _resolve(document: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        target: Any = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def _shape(document: dict[str, Any], schema: Any) -> str:
    """A parameter schema in a few words: `integer int32 >= 0 <= 100`, `array of string`, `$ref Name`."""
    if isinstance(schema, dict) and "$ref" in schema:
        return f"`{schema['$ref'].rsplit('/', 1)[-1]}`"
    if not isinstance(schema, dict):
        return repr(schema)
    words = [str(schema.get("type", "any"))]
    if "format" in schema:
        words.append(str(schema["format"]))
    if schema.get("type") == "array":
        words.append("of " + _shape(document, schema.get("items", {})))
    for key, sign in (("minimum", ">="), ("maximum", "<=")):
        if key in schema:
            words.append(f"{sign} {schema[key]}")
    if "default" in schema:
        words.append(f"default {schema['default']}")
    return " ".join(words)


def _operations(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for path, item in document.get("paths", {}).items():
        shared = item.get("parameters", [])
        for method in _METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            parameters = {}
            for reference in [*shared, *operation.get("parameters", [])]:
                parameter = _resolve(document, reference)
                where = f"{parameter['name']} ({parameter['in']})"
                parameters[where] = _shape(document, parameter.get("schema", {}))
            body = operation.get("requestBody", {}).get("content", {})
            found[operation["operationId"]] = {
                "route": f"{method.upper()} {path}",
                "provenance": operation.get("x-atono-provenance"),
                "parameters": parameters,
                "request media types": sorted(body),
                "responses": sorted(operation.get("responses", {})),
            }
    return found


def _operation_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    changes: list[str] = []
    if old["route"] != new["route"]:
        changes.append(f"moved from `{old['route']}` to `{new['route']}`")
    if old["provenance"] != new["provenance"]:
        changes.append(f"provenance {old['provenance']} -> {new['provenance']}")
    for name in sorted(new["parameters"].keys() - old["parameters"].keys()):
        changes.append(f"parameter `{name}` added: {new['parameters'][name]}")
    for name in sorted(old["parameters"].keys() - new["parameters"].keys()):
        changes.append(f"parameter `{name}` removed")
    for name in sorted(old["parameters"].keys() & new["parameters"].keys()):
        if old["parameters"][name] != new["parameters"][name]:
            changes.append(f"parameter `{name}`: {old['parameters'][name]} -> {new['parameters'][name]}")
    if old["request media types"] != new["request media types"]:
        before, after = (", ".join(f"`{m}`" for m in x["request media types"]) for x in (old, new))
        changes.append(f"request body media types {before} -> {after}")
    added = [s for s in new["responses"] if s not in old["responses"]]
    removed = [s for s in old["responses"] if s not in new["responses"]]
    if added:
        changes.append("responses added: " + ", ".join(added))
    if removed:
        changes.append("responses removed: " + ", ".join(removed))
    return changes


def _schema_changes(document_old: dict[str, Any], old: Any, document_new: dict[str, Any], new: Any) -> list[str]:
    changes: list[str] = []
    if old.get("type") != new.get("type"):
        changes.append(f"type {old.get('type')} -> {new.get('type')}")
    old_props, new_props = old.get("properties") or {}, new.get("properties") or {}
    changes += [f"property `{p}` added" for p in new_props if p not in old_props]
    changes += [f"property `{p}` removed" for p in old_props if p not in new_props]
    for name in [p for p in new_props if p in old_props]:
        before, after = _shape(document_old, old_props[name]), _shape(document_new, new_props[name])
        if before != after:
            changes.append(f"property `{name}`: {before} -> {after}")
    old_required, new_required = set(old.get("required", [])), set(new.get("required", []))
    changes += [f"`{p}` now required" for p in sorted(new_required - old_required)]
    changes += [f"`{p}` no longer required" for p in sorted(old_required - new_required)]
    old_enum, new_enum = old.get("enum") or [], new.get("enum") or []
    changes += [f"enum value `{v}` added" for v in new_enum if v not in old_enum]
    changes += [f"enum value `{v}` removed" for v in old_enum if v not in new_enum]
    return changes


def diff(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """The changes as Markdown lines: two sections of nested bullets, or one line saying there are none."""
    lines: list[str] = []
    old_ops, new_ops = _operations(old), _operations(new)
    operations: list[str] = []
    for op_id in sorted(new_ops.keys() - old_ops.keys()):
        operations.append(f"- `{op_id}` (`{new_ops[op_id]['route']}`) added")
    for op_id in sorted(old_ops.keys() - new_ops.keys()):
        operations.append(f"- `{op_id}` (`{old_ops[op_id]['route']}`) removed")
    for op_id in sorted(old_ops.keys() & new_ops.keys()):
        changes = _operation_changes(old_ops[op_id], new_ops[op_id])
        if changes:
            operations.append(f"- `{op_id}`:")
            operations += [f"  - {change}" for change in changes]
    old_schemas = old.get("components", {}).get("schemas", {})
    new_schemas = new.get("components", {}).get("schemas", {})
    schemas: list[str] = [f"- `{name}` added" for name in sorted(new_schemas.keys() - old_schemas.keys())]
    schemas += [f"- `{name}` removed" for name in sorted(old_schemas.keys() - new_schemas.keys())]
    for name in sorted(old_schemas.keys() & new_schemas.keys()):
        changes = _schema_changes(old, old_schemas[name], new, new_schemas[name])
        if changes:
            schemas.append(f"- `{name}`:")
            schemas += [f"  - {change}" for change in changes]
    if operations:
        lines += ["Operations:", "", *operations, ""]
    if schemas:
        lines += ["Schemas:", "", *schemas, ""]
    return lines or ["No operation, parameter or schema changed."]


def render(old_path: Path, new_path: Path) -> str:
    old, new = _load(old_path), _load(new_path)
    versions = f"{old['info']['version']} to {new['info']['version']}"
    head = f"The API description changed from {versions} (generated by `release/spec_diff.py`)."
    return "\n".join([head, "", *diff(old, new)]).rstrip() + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    args = parser.parse_args()
    sys.stdout.write(render(args.old, args.new))
    return 0


if __name__ == "__main__":
    sys.exit(main())
