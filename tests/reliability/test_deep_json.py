"""A body nested deeper than the interpreter's stack is an error like any other malformed body, not RecursionError."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from atono import APIResponseValidationError, InternalServerError

from tests.helpers import call, mock_client

DEEP = b'{"data": ' * 100_000


def answer(status: int) -> Callable[[httpx.Request], httpx.Response]:
    return lambda request: httpx.Response(status, content=DEEP, headers={"content-type": "application/vnd.api+json"})


async def test_a_deeply_nested_success_body_is_a_validation_error(flavor: str) -> None:
    with pytest.raises(APIResponseValidationError, match="nested too deeply"):
        await call(mock_client(flavor, answer(200)).bugs.get, "b1")


async def test_a_deeply_nested_error_body_is_kept_as_text(flavor: str) -> None:
    with pytest.raises(InternalServerError) as caught:
        await call(mock_client(flavor, answer(500), max_retries=0).bugs.get, "b1")
    assert caught.value.body == DEEP.decode()
    assert caught.value.errors == []
