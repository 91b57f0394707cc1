"""A delete is done when the API answers 204 No Content; a 2xx of another kind (a proxy's page) is not taken as one."""

from __future__ import annotations

import pytest
from atono import APIResponseValidationError

from tests.helpers import call, mock_client

from .test_resent_deletes import Step, script, status


@pytest.mark.parametrize(
    "answer",
    [
        status(200, text="OK", headers={"content-type": "text/plain"}),
        status(200, html="<html><body>Welcome to the hotel Wi-Fi</body></html>"),
        status(202),
    ],
    ids=["200-text", "200-html", "202"],
)
async def test_a_delete_answered_otherwise_than_204_is_not_taken_as_done(flavor: str, answer: Step) -> None:
    handler, _ = script(answer)
    with pytest.raises(APIResponseValidationError, match="not the 204 No Content") as caught:
        await call(mock_client(flavor, handler).bugs.delete, "b1")
    assert caught.value.status_code in (200, 202)


async def test_a_204_is_a_delete(flavor: str) -> None:
    handler, seen = script(status(204))
    assert await call(mock_client(flavor, handler).stories.delete, "s1") is None
    assert seen == ["DELETE"]
