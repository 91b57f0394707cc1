"""`client.users`: list, get, add and rename users."""

from __future__ import annotations

from functools import partial
from typing import Unpack

from atono_api.api.users import create_user, get_user, list_users, update_user
from atono_api.models import UserCreateDocument, UserUpdateDocument

from atono._arguments import resource_id, write_body
from atono._constants import OMIT, Omit
from atono._pagination import AsyncPager, SyncPager
from atono.resources._base import AsyncAPIResource, Paging, SyncAPIResource, page_of
from atono.types import User


def _create_body(email: str, full_name: str) -> UserCreateDocument:
    return write_body(UserCreateDocument, {"email": email, "full_name": full_name})


def _update_body(user: str, full_name: str | Omit) -> UserUpdateDocument:
    return write_body(UserUpdateDocument, {"full_name": full_name}, resource=user)


class Users(SyncAPIResource):
    """Users: the people with access to the workspace."""

    def list(
        self,
        **paging: Unpack[Paging],
    ) -> SyncPager[User]:
        return self._pager(
            partial(page_of, cls=User),
            list_users,
            paging=paging,
        )

    def get(self, user_id: str | User) -> User:
        return self._one(User, get_user, resource_id(user_id, name="user_id"))

    def create(self, *, email: str, full_name: str) -> User:
        """Add (invite) a user; the email must be unique across users."""
        return self._one(User, create_user, body=_create_body(email, full_name))

    def update(self, user_id: str | User, *, full_name: str | Omit = OMIT) -> User:
        """Rename a user (the email cannot change)."""
        user = resource_id(user_id, name="user_id")
        return self._one(User, update_user, user, body=_update_body(user, full_name))


class AsyncUsers(AsyncAPIResource):
    """Users: the people with access to the workspace."""

    def list(
        self,
        **paging: Unpack[Paging],
    ) -> AsyncPager[User]:
        return self._pager(
            partial(page_of, cls=User),
            list_users,
            paging=paging,
        )

    async def get(self, user_id: str | User) -> User:
        return await self._one(User, get_user, resource_id(user_id, name="user_id"))

    async def create(self, *, email: str, full_name: str) -> User:
        """Add (invite) a user; the email must be unique across users."""
        return await self._one(User, create_user, body=_create_body(email, full_name))

    async def update(self, user_id: str | User, *, full_name: str | Omit = OMIT) -> User:
        """Rename a user (the email cannot change)."""
        user = resource_id(user_id, name="user_id")
        return await self._one(User, update_user, user, body=_update_body(user, full_name))
