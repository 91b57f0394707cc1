"""`client.workflow_steps`: get a workflow step."""

from __future__ import annotations

from atono_api.api.workflow_steps import get_workflow_step

from atono._arguments import resource_id
from atono.resources._base import AsyncAPIResource, SyncAPIResource
from atono.types import WorkflowStep


class WorkflowSteps(SyncAPIResource):
    """Workflow steps: the stages of a team's workflow."""

    def get(self, workflow_step_id: str | WorkflowStep) -> WorkflowStep:
        step = resource_id(workflow_step_id, name="workflow_step_id")
        return self._one(WorkflowStep, get_workflow_step, step)


class AsyncWorkflowSteps(AsyncAPIResource):
    """Workflow steps: the stages of a team's workflow."""

    async def get(self, workflow_step_id: str | WorkflowStep) -> WorkflowStep:
        step = resource_id(workflow_step_id, name="workflow_step_id")
        return await self._one(WorkflowStep, get_workflow_step, step)
