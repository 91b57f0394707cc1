"""`client.teams`: list, get, create and update teams, and page through a team's members."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import partial
from typing import Any, Unpack

from atono_api.api.teams import create_team, get_team, list_team_members, list_teams, update_team
from atono_api.models import TeamCreateDocument, TeamIncludePath, TeamUpdateDocument

from atono._arguments import include_param, resource_id, write_body
from atono._constants import OMIT, Omit
from atono._pagination import AsyncPager, SyncPager
from atono.resources._base import AsyncAPIResource, Identifier, Paging, SyncAPIResource, identifier_page, page_of
from atono.types import Team, User

Members = Sequence[User | str]


def _create_body(**fields: Any) -> TeamCreateDocument:
    return write_body(TeamCreateDocument, fields)


def _update_body(team: str, **fields: Any) -> TeamUpdateDocument:
    return write_body(TeamUpdateDocument, fields, resource=team)


class Teams(SyncAPIResource):
    """Teams: groups of users who share a backlog."""

    def list(
        self,
        *,
        include: Iterable[str] | None = None,
        **paging: Unpack[Paging],
    ) -> SyncPager[Team]:
        """Every team, page by page; `include` may name members, admins and backlog_owners."""
        return self._pager(
            partial(page_of, cls=Team),
            list_teams,
            include=include_param(include, TeamIncludePath),
            paging=paging,
        )

    def get(self, team_id: str | Team, *, include: Iterable[str] | None = None) -> Team:
        team = resource_id(team_id, name="team_id")
        return self._one(Team, get_team, team, include=include_param(include, TeamIncludePath))

    def create(
        self,
        *,
        name: str,
        description: str | Omit | None = OMIT,
        is_public: bool | Omit = OMIT,
        backlog_management_by_owners: bool | Omit = OMIT,
        members: Members | Omit = OMIT,
    ) -> Team:
        body = _create_body(
            name=name,
            description=description,
            is_public=is_public,
            backlog_management_by_owners=backlog_management_by_owners,
            members=members,
        )
        return self._one(Team, create_team, body=body)

    def update(
        self,
        team_id: str | Team,
        *,
        name: str | Omit = OMIT,
        description: str | Omit | None = OMIT,
        is_public: bool | Omit = OMIT,
        backlog_management_by_owners: bool | Omit = OMIT,
        members: Members | Omit = OMIT,
    ) -> Team:
        """Change only what is given; `members` replaces the whole member list."""
        team = resource_id(team_id, name="team_id")
        body = _update_body(
            team,
            name=name,
            description=description,
            is_public=is_public,
            backlog_management_by_owners=backlog_management_by_owners,
            members=members,
        )
        return self._one(Team, update_team, team, body=body)

    def members(
        self,
        team_id: str | Team,
        **paging: Unpack[Paging],
    ) -> SyncPager[Identifier]:
        """The team's member identifiers; for the users themselves, `get(team_id, include=["members"])`."""
        return self._pager(
            identifier_page,
            list_team_members,
            resource_id(team_id, name="team_id"),
            paging=paging,
        )


class AsyncTeams(AsyncAPIResource):
    """Teams: groups of users who share a backlog."""

    def list(
        self,
        *,
        include: Iterable[str] | None = None,
        **paging: Unpack[Paging],
    ) -> AsyncPager[Team]:
        """Every team, page by page; `include` may name members, admins and backlog_owners."""
        return self._pager(
            partial(page_of, cls=Team),
            list_teams,
            include=include_param(include, TeamIncludePath),
            paging=paging,
        )

    async def get(self, team_id: str | Team, *, include: Iterable[str] | None = None) -> Team:
        team = resource_id(team_id, name="team_id")
        return await self._one(Team, get_team, team, include=include_param(include, TeamIncludePath))

    async def create(
        self,
        *,
        name: str,
        description: str | Omit | None = OMIT,
        is_public: bool | Omit = OMIT,
        backlog_management_by_owners: bool | Omit = OMIT,
        members: Members | Omit = OMIT,
    ) -> Team:
        body = _create_body(
            name=name,
            description=description,
            is_public=is_public,
            backlog_management_by_owners=backlog_management_by_owners,
            members=members,
        )
        return await self._one(Team, create_team, body=body)

    async def update(
        self,
        team_id: str | Team,
        *,
        name: str | Omit = OMIT,
        description: str | Omit | None = OMIT,
        is_public: bool | Omit = OMIT,
        backlog_management_by_owners: bool | Omit = OMIT,
        members: Members | Omit = OMIT,
    ) -> Team:
        """Change only what is given; `members` replaces the whole member list."""
        team = resource_id(team_id, name="team_id")
        body = _update_body(
            team,
            name=name,
            description=description,
            is_public=is_public,
            backlog_management_by_owners=backlog_management_by_owners,
            members=members,
        )
        return await self._one(Team, update_team, team, body=body)

    def members(
        self,
        team_id: str | Team,
        **paging: Unpack[Paging],
    ) -> AsyncPager[Identifier]:
        """The team's member identifiers; for the users themselves, `get(team_id, include=["members"])`."""
        return self._pager(
            identifier_page,
            list_team_members,
            resource_id(team_id, name="team_id"),
            paging=paging,
        )
