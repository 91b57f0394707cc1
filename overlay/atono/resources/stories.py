"""`client.stories`: list, get, create, update and delete stories."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import partial
from typing import Any, Unpack

from atono_api.api.stories import create_story, delete_story, get_story, list_stories, update_story
from atono_api.models import ContentChunk, StoryCreateDocument, StoryIncludePath, StoryUpdateDocument

from atono._arguments import include_param, resource_id, write_body
from atono._constants import OMIT, Omit
from atono._pagination import AsyncPager, SyncPager
from atono.resources._base import AsyncAPIResource, Paging, SyncAPIResource, page_of
from atono.types import Story, Team, User, WorkflowStep

Content = Sequence[ContentChunk | dict[str, str] | str]


def _create_body(**fields: Any) -> StoryCreateDocument:
    return write_body(StoryCreateDocument, fields)


def _update_body(story: str, **fields: Any) -> StoryUpdateDocument:
    return write_body(StoryUpdateDocument, fields, resource=story)


class Stories(SyncAPIResource):
    """Stories: planned work with a user story statement and acceptance criteria."""

    def list(
        self,
        *,
        include: Iterable[str] | None = None,
        **paging: Unpack[Paging],
    ) -> SyncPager[Story]:
        """Every story, page by page; `include` names relationships to resolve (assignee, team, ...)."""
        return self._pager(
            partial(page_of, cls=Story),
            list_stories,
            include=include_param(include, StoryIncludePath),
            paging=paging,
        )

    def get(self, story_id: str | Story, *, include: Iterable[str] | None = None) -> Story:
        story = resource_id(story_id, name="story_id")
        return self._one(Story, get_story, story, include=include_param(include, StoryIncludePath))

    def create(
        self,
        *,
        title: str,
        content: Content | Omit = OMIT,
        additional_content: Content | Omit = OMIT,
        team: Team | str | Omit | None = OMIT,
        assignee: User | str | Omit | None = OMIT,
        workflow_step: WorkflowStep | str | Omit | None = OMIT,
    ) -> Story:
        body = _create_body(
            title=title,
            content=content,
            additional_content=additional_content,
            team=team,
            assignee=assignee,
            workflow_step=workflow_step,
        )
        return self._one(Story, create_story, body=body)

    def update(
        self,
        story_id: str | Story,
        *,
        title: str | Omit = OMIT,
        content: Content | Omit = OMIT,
        additional_content: Content | Omit = OMIT,
        team: Team | str | Omit | None = OMIT,
        assignee: User | str | Omit | None = OMIT,
        workflow_step: WorkflowStep | str | Omit | None = OMIT,
    ) -> Story:
        """Change only what is given; None clears a relationship."""
        story = resource_id(story_id, name="story_id")
        body = _update_body(
            story,
            title=title,
            content=content,
            additional_content=additional_content,
            team=team,
            assignee=assignee,
            workflow_step=workflow_step,
        )
        return self._one(Story, update_story, story, body=body)

    def delete(self, story_id: str | Story) -> None:
        self._delete(delete_story, resource_id(story_id, name="story_id"))


class AsyncStories(AsyncAPIResource):
    """Stories: planned work with a user story statement and acceptance criteria."""

    def list(
        self,
        *,
        include: Iterable[str] | None = None,
        **paging: Unpack[Paging],
    ) -> AsyncPager[Story]:
        """Every story, page by page; `include` names relationships to resolve (assignee, team, ...)."""
        return self._pager(
            partial(page_of, cls=Story),
            list_stories,
            include=include_param(include, StoryIncludePath),
            paging=paging,
        )

    async def get(self, story_id: str | Story, *, include: Iterable[str] | None = None) -> Story:
        story = resource_id(story_id, name="story_id")
        return await self._one(Story, get_story, story, include=include_param(include, StoryIncludePath))

    async def create(
        self,
        *,
        title: str,
        content: Content | Omit = OMIT,
        additional_content: Content | Omit = OMIT,
        team: Team | str | Omit | None = OMIT,
        assignee: User | str | Omit | None = OMIT,
        workflow_step: WorkflowStep | str | Omit | None = OMIT,
    ) -> Story:
        body = _create_body(
            title=title,
            content=content,
            additional_content=additional_content,
            team=team,
            assignee=assignee,
            workflow_step=workflow_step,
        )
        return await self._one(Story, create_story, body=body)

    async def update(
        self,
        story_id: str | Story,
        *,
        title: str | Omit = OMIT,
        content: Content | Omit = OMIT,
        additional_content: Content | Omit = OMIT,
        team: Team | str | Omit | None = OMIT,
        assignee: User | str | Omit | None = OMIT,
        workflow_step: WorkflowStep | str | Omit | None = OMIT,
    ) -> Story:
        """Change only what is given; None clears a relationship."""
        story = resource_id(story_id, name="story_id")
        body = _update_body(
            story,
            title=title,
            content=content,
            additional_content=additional_content,
            team=team,
            assignee=assignee,
            workflow_step=workflow_step,
        )
        return await self._one(Story, update_story, story, body=body)

    async def delete(self, story_id: str | Story) -> None:
        await self._delete(delete_story, resource_id(story_id, name="story_id"))
