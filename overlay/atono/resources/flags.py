"""`client.flags`: list and get feature flags (by id or key) and a flag's environments."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import Unpack

from atono_api.api.flags import get_flag, list_flag_environments, list_flags
from atono_api.models import FlagIncludePath

from atono._arguments import include_param, resource_id
from atono._pagination import AsyncPager, SyncPager
from atono.resources._base import AsyncAPIResource, Paging, SyncAPIResource, page_of
from atono.types import Flag, FlagEnvironment


class Flags(SyncAPIResource):
    """Feature flags (read-only through the API)."""

    def list(
        self,
        *,
        include: Iterable[str] | None = None,
        **paging: Unpack[Paging],
    ) -> SyncPager[Flag]:
        return self._pager(
            partial(page_of, cls=Flag),
            list_flags,
            include=include_param(include, FlagIncludePath),
            paging=paging,
        )

    def get(self, flag_id_or_key: str | Flag, *, include: Iterable[str] | None = None) -> Flag:
        """A flag by its UUID or its key."""
        flag = resource_id(flag_id_or_key, name="flag_id_or_key")
        return self._one(Flag, get_flag, flag, include=include_param(include, FlagIncludePath))

    def environments(
        self,
        flag_id_or_key: str | Flag,
        **paging: Unpack[Paging],
    ) -> SyncPager[FlagEnvironment]:
        """The flag's configuration in each environment."""
        return self._pager(
            partial(page_of, cls=FlagEnvironment),
            list_flag_environments,
            resource_id(flag_id_or_key, name="flag_id_or_key"),
            paging=paging,
        )


class AsyncFlags(AsyncAPIResource):
    """Feature flags (read-only through the API)."""

    def list(
        self,
        *,
        include: Iterable[str] | None = None,
        **paging: Unpack[Paging],
    ) -> AsyncPager[Flag]:
        return self._pager(
            partial(page_of, cls=Flag),
            list_flags,
            include=include_param(include, FlagIncludePath),
            paging=paging,
        )

    async def get(self, flag_id_or_key: str | Flag, *, include: Iterable[str] | None = None) -> Flag:
        """A flag by its UUID or its key."""
        flag = resource_id(flag_id_or_key, name="flag_id_or_key")
        return await self._one(Flag, get_flag, flag, include=include_param(include, FlagIncludePath))

    def environments(
        self,
        flag_id_or_key: str | Flag,
        **paging: Unpack[Paging],
    ) -> AsyncPager[FlagEnvironment]:
        """The flag's configuration in each environment."""
        return self._pager(
            partial(page_of, cls=FlagEnvironment),
            list_flag_environments,
            resource_id(flag_id_or_key, name="flag_id_or_key"),
            paging=paging,
        )
