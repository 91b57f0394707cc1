"""The typed resource objects the SDK returns: `Story`, `Bug`, `Team`, `User`, `Flag`, ...

The classes are generated from the spec (`atono_sdk.types`, whose docstring gives the naming rules). Attributes
are typed as the spec gives them (snake_case, aware datetimes, enums that keep unknown values, content chunks as
`ContentChunk` objects); one the response did not have reads as None, and `obj.fields_set` names those it had. An
attribute the server sends that the spec does not know is kept in `additional_properties`. Relationship ids are always there (`bug.assignee_id`); related objects
(`bug.assignee`) come from the response's `included` and raise `NotIncludedError` when it did not include them.

The attributes of a list's items are converted when one is first read, so a bulk read pays only for what it
looks at; `get`, `create` and `update` convert before they return. Either way, a value that does not fit the
spec raises `APIResponseValidationError`, naming the resource and the member.

Two attributes are also read where the docs disagree with the spec: `WorkflowStep.allow_new_items` from
`allNewItems`, the spelling of the newer docs, and `FlagEnvironment.environment_code` from the resource's `meta`,
where the newer docs place it (the older ones list it among the attributes).
"""

from __future__ import annotations

import atono_sdk.types
from atono_sdk.types import *  # noqa: F403 - the resource classes, whatever the spec names
from atono_sdk.types import FlagEnvironment, WorkflowStep

from atono._objects import ATTRIBUTE_FIXUPS, Resource, ResourceObject

__all__ = ["Resource", "ResourceObject"]
__all__ += atono_sdk.types.__all__  # the generated classes: `Bug`, `ContentChunk`, `CycleTimeMode`, ...

KNOWN_TYPES = atono_sdk.types.KNOWN_TYPES
"""The class of every resource type of the spec, by JSON:API type: what decoding builds (others are `Resource`)."""


def _allow_new_items_alias(step: WorkflowStep) -> None:
    alias = step.additional_properties.get("allNewItems")
    if "allow_new_items" not in step.fields_set and isinstance(alias, bool):
        step.allow_new_items = alias


def _environment_code_from_meta(environment: FlagEnvironment) -> None:
    code = environment.meta.get("environmentCode")
    if "environment_code" not in environment.fields_set and isinstance(code, str):
        environment.environment_code = code


ATTRIBUTE_FIXUPS[WorkflowStep.type_name] = _allow_new_items_alias
ATTRIBUTE_FIXUPS[FlagEnvironment.type_name] = _environment_code_from_meta
