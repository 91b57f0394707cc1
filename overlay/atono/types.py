"""The typed resource objects the SDK returns: `Story`, `Bug`, `Team`, `User`, `Flag`, ...

Attributes come from the generated models of the spec (snake_case, aware datetimes, enums that keep
unknown values, content chunks as objects); an attribute the server sends that the spec does not know
is kept in `additional_properties` and reachable as `obj["name"]`. Relationship ids are always there
(`bug.assignee_id`); related objects (`bug.assignee`) come from the response's `included` and raise
`NotIncludedError` when it did not include them.

The attributes of a list's items are converted when one is first read, so a bulk read pays only for what it
looks at; `get`, `create` and `update` convert before they return. Either way, a value that does not fit the
spec raises `APIResponseValidationError`, naming the resource and the member.
"""

from __future__ import annotations

from typing import Any, ClassVar

from atono_api.models import (
    BugAttributes,
    ContentChunk,
    ContentChunkType,
    CycleTimeMode,
    FlagAttributes,
    FlagConfiguration,
    FlagEnvironmentAttributes,
    StoryAttributes,
    TeamAttributes,
    UserAttributes,
    WorkflowStepAttributes,
    WorkflowStepCategory,
)
from atono_api.types import UNSET, Unset

from atono._objects import ResourceObject, ToMany, ToManyIds, ToOne, ToOneId

__all__ = [
    "UNSET",
    "AcceptanceCriterion",
    "Bug",
    "ContentChunk",
    "ContentChunkType",
    "CycleTimeMode",
    "Flag",
    "FlagConfiguration",
    "FlagEnvironment",
    "Resource",
    "ResourceObject",
    "Story",
    "Team",
    "Unset",
    "User",
    "WorkflowStep",
    "WorkflowStepCategory",
]


class Resource(ResourceObject):
    """A resource of a type this SDK does not know (from a newer server), kept as it came."""

    attributes: dict[str, Any]

    def __getitem__(self, name: str) -> Any:
        return self.attributes[name]

    def __contains__(self, name: object) -> bool:
        return name in self.attributes


class AcceptanceCriterion(Resource):
    """An acceptance criterion of a story; Atono documents no attributes, so they stay a dict."""

    type_name: ClassVar[str] = "acceptance_criterion"


class User(ResourceObject, UserAttributes):
    """A person with access to the workspace."""

    type_name: ClassVar[str] = "user"


class WorkflowStep(ResourceObject, WorkflowStepAttributes):
    """A stage of a team's workflow.

    `allow_new_items` also reads `allNewItems`, the spelling of the newer docs.
    """

    type_name: ClassVar[str] = "workflow_step"

    def _attributes_converted(self) -> None:
        alias = self.additional_properties.get("allNewItems")
        if isinstance(self.allow_new_items, Unset) and isinstance(alias, bool):
            self.allow_new_items = alias


class Team(ResourceObject, TeamAttributes):
    """A group of users who share a backlog."""

    type_name: ClassVar[str] = "team"
    members = ToMany("members", User)
    member_ids = ToManyIds("members")
    admins = ToMany("admins", User)
    admin_ids = ToManyIds("admins")
    backlog_owners = ToMany("backlogOwners", User)
    backlog_owner_ids = ToManyIds("backlogOwners")
    channel = ToOne("channel", ResourceObject)
    channel_id = ToOneId("channel")


class _BacklogItem(ResourceObject):
    """The relationships stories and bugs share."""

    assignee = ToOne("assignee", User)
    assignee_id = ToOneId("assignee")
    team = ToOne("team", Team)
    team_id = ToOneId("team")
    reporter = ToOne("reporter", User)
    reporter_id = ToOneId("reporter")
    workflow_step = ToOne("workflowStep", WorkflowStep)
    workflow_step_id = ToOneId("workflowStep")


class Story(_BacklogItem, StoryAttributes):
    """A piece of planned work."""

    type_name: ClassVar[str] = "story"
    acceptance_criteria = ToMany("acceptanceCriteria", AcceptanceCriterion)
    acceptance_criterion_ids = ToManyIds("acceptanceCriteria")


class Bug(_BacklogItem, BugAttributes):
    """A problem that makes the product behave incorrectly."""

    type_name: ClassVar[str] = "bug"


class FlagEnvironment(ResourceObject, FlagEnvironmentAttributes):
    """A feature flag's configuration in one environment.

    `environment_code` is read from the resource's `meta` (newer docs) or its attributes (older docs).
    """

    type_name: ClassVar[str] = "flag_environment"

    def _attributes_converted(self) -> None:
        code = self.meta.get("environmentCode")
        if isinstance(self.environment_code, Unset) and isinstance(code, str):
            self.environment_code = code


class Flag(ResourceObject, FlagAttributes):
    """A feature flag's definition; its per-environment state is in `slices`."""

    type_name: ClassVar[str] = "flag"
    slices = ToMany("slices", FlagEnvironment)
    slice_ids = ToManyIds("slices")


KNOWN_TYPES: dict[str, type[ResourceObject]] = {
    cls.type_name: cls for cls in (Story, Bug, Team, User, Flag, FlagEnvironment, WorkflowStep, AcceptanceCriterion)
}
