"""Defaults and environment variable names, kept in one place so the documentation can point at them."""

from __future__ import annotations

from typing import Final, Literal

import httpx

from atono._ratelimit import RateLimit

ENV_API_KEY: Final = "ATONO_API_KEY"
ENV_BASE_URL: Final = "ATONO_BASE_URL"
ENV_LOG: Final = "ATONO_LOG"

DEFAULT_BASE_URL: Final = "https://api.atono.io/v1"

# Atono serves small JSON:API documents (a page holds at most 100 resources), so a healthy response takes well
# under a second. 30 s per read, write or wait for a pooled connection leaves room for a slow page with includes
# while still turning a hung connection into an error the retry loop can act on. A TCP and TLS handshake that
# needs more than 5 s means the network is in trouble; connect failures are retried even for writes, so failing
# fast there costs nothing.
DEFAULT_TIMEOUT: Final = httpx.Timeout(30.0, connect=5.0)

DEFAULT_MAX_RETRIES: Final = 2

# The documented limit: 3,000 requests per 5 minutes per IP address.
DEFAULT_RATE_LIMIT: Final = RateLimit(requests=3000, per_seconds=300.0)

JSONAPI_MEDIA_TYPE: Final = "application/vnd.api+json"
API_KEY_HEADER: Final = "X-API-KEY"


class NotGiven:
    """The type of `NOT_GIVEN`: an argument left out, as opposed to an explicit `None` (which means "no timeout")."""

    def __bool__(self) -> Literal[False]:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Final = NotGiven()


class Omit:
    """The type of `OMIT`, the default of an `update()` argument: leave the field unchanged (None clears it)."""

    def __bool__(self) -> Literal[False]:
        return False

    def __repr__(self) -> str:
        return "OMIT"


OMIT: Final = Omit()
