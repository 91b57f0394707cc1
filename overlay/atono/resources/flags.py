"""`client.flags`: list and get feature flags (by id or key) and a flag's environments."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from atono_api.api.flags import get_flag, list_flag_environments, list_flags
from atono_api.models import FlagIncludePath

from atono._arguments import include_param, resource_id
from atono._pagination import DEFAULT_READ_AHEAD, AsyncPager, Strategy, SyncPager
from atono.resources._base import AsyncAPIResource, SyncAPIResource, page_of
from atono.types import Flag, FlagEnvironment


class Flags(SyncAPIResource):
    """Feature flags (read-only through the API)."""

    def list(
        self,
        *,
        include: Iterable[str] | None = None,
        page_size: int = 100,
        limit: int | None = None,
        strategy: Strategy = "number",
        read_ahead: int = DEFAULT_READ_AHEAD,
    ) -> SyncPager[Flag]:
        return self._pager(
            partial(page_of, cls=Flag),
            list_flags,
            include=include_param(include, FlagIncludePath),
            page_size=page_size,
            limit=limit,
            strategy=strategy,
            read_ahead=read_ahead,
        )

    def get(self, flag_id_or_key: str | Flag, *, include: Iterable[str] | None = None) -> Flag:
        """A flag by its UUID or its key."""
        flag = resource_id(flag_id_or_key, name="flag_id_or_key")
        return self._one(Flag, get_flag, flag, include=include_param(include, FlagIncludePath))

    def environments(
        self,
        flag_id_or_key: str | Flag,
        *,
        page_size: int = 100,
        limit: int | None = None,
        strategy: Strategy = "number",
        read_ahead: int = DEFAULT_READ_AHEAD,
    ) -> SyncPager[FlagEnvironment]:
        """The flag's configuration in each environment."""
        return self._pager(
            partial(page_of, cls=FlagEnvironment),
            list_flag_environments,
            resource_id(flag_id_or_key, name="flag_id_or_key"),
            page_size=page_size,
            limit=limit,
            strategy=strategy,
            read_ahead=read_ahead,
        )


class AsyncFlags(AsyncAPIResource):
    """Feature flags (read-only through the API)."""

    def list(
        self,
        *,
        include: Iterable[str] | None = None,
        page_size: int = 100,
        limit: int | None = None,
        strategy: Strategy = "number",
        read_ahead: int = DEFAULT_READ_AHEAD,
    ) -> AsyncPager[Flag]:
        return self._pager(
            partial(page_of, cls=Flag),
            list_flags,
            include=include_param(include, FlagIncludePath),
            page_size=page_size,
            limit=limit,
            strategy=strategy,
            read_ahead=read_ahead,
        )

    async def get(self, flag_id_or_key: str | Flag, *, include: Iterable[str] | None = None) -> Flag:
        """A flag by its UUID or its key."""
        flag = resource_id(flag_id_or_key, name="flag_id_or_key")
        return await self._one(Flag, get_flag, flag, include=include_param(include, FlagIncludePath))

    def environments(
        self,
        flag_id_or_key: str | Flag,
        *,
        page_size: int = 100,
        limit: int | None = None,
        strategy: Strategy = "number",
        read_ahead: int = DEFAULT_READ_AHEAD,
    ) -> AsyncPager[FlagEnvironment]:
        """The flag's configuration in each environment."""
        return self._pager(
            partial(page_of, cls=FlagEnvironment),
            list_flag_environments,
            resource_id(flag_id_or_key, name="flag_id_or_key"),
            page_size=page_size,
            limit=limit,
            strategy=strategy,
            read_ahead=read_ahead,
        )
