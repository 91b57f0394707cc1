"""Decoding JSON bodies: msgspec where it is installed (CPython), the standard library elsewhere.

msgspec reads any valid JSON as `json` does (integers of any size included), only faster. What it
refuses and `json` takes (NaN and Infinity, lone surrogates, UTF-16 bodies) goes to `json`, so the
result never depends on which decoder ran.
"""

from __future__ import annotations

import json
from typing import Any

try:
    import msgspec
except ImportError:  # other interpreters
    msgspec = None  # type: ignore[assignment]


def loads(body: bytes) -> Any:
    """Decode JSON exactly as `json` would; raise ValueError when it is not JSON."""
    if msgspec is not None:
        try:
            return msgspec.json.decode(body)
        except (msgspec.DecodeError, RecursionError):
            pass
    return json_loads(body)


def json_loads(body: bytes) -> Any:
    """The standard library's decoder, with nesting deeper than the stack reported as ValueError."""
    try:
        return json.loads(body)
    except RecursionError:  # nesting deeper than the interpreter's stack, which no API document has
        raise ValueError("the JSON is nested too deeply to decode") from None
