"""`ErrorObject`, one JSON:API error object of an error response.

Its own module, loaded when the first error body is read (and by `atono.ErrorObject`): attrs compiles a class's
methods when it is defined, and a client that never meets an error need not pay for that at `import atono`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs


@attrs.frozen
class ErrorObject:
    """One JSON:API error object of an error response.

    Read leniently from whatever the server sent: the members JSON:API defines are typed here (absent ones are
    None) and `raw` keeps the whole object, members this SDK does not know included.
    """

    status: str | None = None
    code: str | None = None
    title: str | None = None
    detail: str | None = None
    source: Mapping[str, Any] | None = None
    meta: Mapping[str, Any] | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, repr=False, eq=False)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ErrorObject:
        """Build from one decoded member of `errors`."""

        def text(name: str) -> str | None:
            value = data.get(name)
            return None if value is None or isinstance(value, dict | list) else str(value)

        def mapping(name: str) -> Mapping[str, Any] | None:
            value = data.get(name)
            return value if isinstance(value, dict) else None

        return cls(
            status=text("status"),
            code=text("code"),
            title=text("title"),
            detail=text("detail"),
            source=mapping("source"),
            meta=mapping("meta"),
            raw=data,
        )
