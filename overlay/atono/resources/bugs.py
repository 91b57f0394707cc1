"""`client.bugs`: list, get, create, update and delete bugs."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import partial
from typing import Any, Unpack

from atono_api.api.bugs import create_bug, delete_bug, get_bug, list_bugs, update_bug
from atono_api.models import BugCreateDocument, BugIncludePath, BugUpdateDocument, ContentChunk

from atono._arguments import include_param, resource_id, write_body
from atono._constants import OMIT, Omit
from atono._pagination import AsyncPager, SyncPager
from atono.resources._base import AsyncAPIResource, Paging, SyncAPIResource, page_of
from atono.types import Bug, Team, User

Content = Sequence[ContentChunk | dict[str, str] | str]
UserRef = User | str
TeamRef = Team | str


def _create_body(**fields: Any) -> BugCreateDocument:
    return write_body(BugCreateDocument, fields)


def _update_body(bug: str, **fields: Any) -> BugUpdateDocument:
    return write_body(BugUpdateDocument, fields, resource=bug)


class Bugs(SyncAPIResource):
    """Bugs: problems found during use or testing."""

    def list(
        self,
        *,
        include: Iterable[str] | None = None,
        **paging: Unpack[Paging],
    ) -> SyncPager[Bug]:
        """Every bug, page by page; `include` names relationships to resolve (assignee, team, reporter, ...)."""
        return self._pager(
            partial(page_of, cls=Bug),
            list_bugs,
            include=include_param(include, BugIncludePath),
            paging=paging,
        )

    def get(self, bug_id: str | Bug, *, include: Iterable[str] | None = None) -> Bug:
        return self._one(
            Bug, get_bug, resource_id(bug_id, name="bug_id"), include=include_param(include, BugIncludePath)
        )

    def create(
        self,
        *,
        title: str,
        content: Content | Omit = OMIT,
        assignee: UserRef | Omit | None = OMIT,
        team: TeamRef | Omit | None = OMIT,
    ) -> Bug:
        """Create a bug; the reporter is the user of the API key."""
        return self._one(Bug, create_bug, body=_create_body(title=title, content=content, assignee=assignee, team=team))

    def update(
        self,
        bug_id: str | Bug,
        *,
        title: str | Omit = OMIT,
        content: Content | Omit = OMIT,
        assignee: UserRef | Omit | None = OMIT,
        team: TeamRef | Omit | None = OMIT,
        reporter: UserRef | Omit = OMIT,
    ) -> Bug:
        """Change only what is given; `assignee=None` or `team=None` unassigns."""
        bug = resource_id(bug_id, name="bug_id")
        body = _update_body(bug, title=title, content=content, assignee=assignee, team=team, reporter=reporter)
        return self._one(Bug, update_bug, bug, body=body)

    def delete(self, bug_id: str | Bug) -> None:
        self._delete(delete_bug, resource_id(bug_id, name="bug_id"))


class AsyncBugs(AsyncAPIResource):
    """Bugs: problems found during use or testing."""

    def list(
        self,
        *,
        include: Iterable[str] | None = None,
        **paging: Unpack[Paging],
    ) -> AsyncPager[Bug]:
        """Every bug, page by page; `include` names relationships to resolve (assignee, team, reporter, ...)."""
        return self._pager(
            partial(page_of, cls=Bug),
            list_bugs,
            include=include_param(include, BugIncludePath),
            paging=paging,
        )

    async def get(self, bug_id: str | Bug, *, include: Iterable[str] | None = None) -> Bug:
        return await self._one(
            Bug, get_bug, resource_id(bug_id, name="bug_id"), include=include_param(include, BugIncludePath)
        )

    async def create(
        self,
        *,
        title: str,
        content: Content | Omit = OMIT,
        assignee: UserRef | Omit | None = OMIT,
        team: TeamRef | Omit | None = OMIT,
    ) -> Bug:
        """Create a bug; the reporter is the user of the API key."""
        return await self._one(
            Bug, create_bug, body=_create_body(title=title, content=content, assignee=assignee, team=team)
        )

    async def update(
        self,
        bug_id: str | Bug,
        *,
        title: str | Omit = OMIT,
        content: Content | Omit = OMIT,
        assignee: UserRef | Omit | None = OMIT,
        team: TeamRef | Omit | None = OMIT,
        reporter: UserRef | Omit = OMIT,
    ) -> Bug:
        """Change only what is given; `assignee=None` or `team=None` unassigns."""
        bug = resource_id(bug_id, name="bug_id")
        body = _update_body(bug, title=title, content=content, assignee=assignee, team=team, reporter=reporter)
        return await self._one(Bug, update_bug, bug, body=body)

    async def delete(self, bug_id: str | Bug) -> None:
        await self._delete(delete_bug, resource_id(bug_id, name="bug_id"))
