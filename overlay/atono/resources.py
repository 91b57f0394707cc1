"""The resource namespaces of `Atono` and `AsyncAtono` (`client.bugs`, `client.stories`, ...)."""

from atono.resources._base import Identifier
from atono.resources.bugs import AsyncBugs, Bugs
from atono.resources.flags import AsyncFlags, Flags
from atono.resources.stories import AsyncStories, Stories
from atono.resources.teams import AsyncTeams, Teams
from atono.resources.users import AsyncUsers, Users
from atono.resources.workflow_steps import AsyncWorkflowSteps, WorkflowSteps

__all__ = [
    "AsyncBugs",
    "AsyncFlags",
    "AsyncStories",
    "AsyncTeams",
    "AsyncUsers",
    "AsyncWorkflowSteps",
    "Bugs",
    "Flags",
    "Identifier",
    "Stories",
    "Teams",
    "Users",
    "WorkflowSteps",
]
