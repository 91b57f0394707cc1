"""The record of applied writes, so a test can prove that no write was applied twice."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class AppliedWrite:
    """One write the sandbox applied: the request that made it and the resource it changed.

    `path` is the request path as sent (for example `/v1/bugs`), `body` the request document as
    parsed JSON (`None` for a delete).
    """

    method: str
    path: str
    resource_type: str
    resource_id: str
    body: Any


class Journal:
    """Applied writes in the order they were applied; appended on the server thread, read from tests."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._writes: list[AppliedWrite] = []

    def record(self, write: AppliedWrite) -> None:
        with self._lock:
            self._writes.append(write)

    def snapshot(self) -> list[AppliedWrite]:
        with self._lock:
            return list(self._writes)
