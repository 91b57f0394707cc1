"""Date-times in responses are RFC 3339: a lower-case `t`/`z` is one, a date-time without an offset is not."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable

import httpx
import pytest
from atono import APIResponseValidationError

from tests.helpers import mock_client


def serve_bug(created_at: str) -> Callable[[httpx.Request], httpx.Response]:
    document = {
        "data": {
            "type": "bug",
            "id": "b1",
            "attributes": {"title": "t", "handle": "BUG-1", "createdAt": created_at, "updatedAt": created_at},
        }
    }

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=json.dumps(document), headers={"content-type": "application/vnd.api+json"})

    return handler


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-09-04T22:28:31Z", datetime.datetime(2024, 9, 4, 22, 28, 31, tzinfo=datetime.UTC)),
        ("2024-09-04t22:28:31z", datetime.datetime(2024, 9, 4, 22, 28, 31, tzinfo=datetime.UTC)),
        ("2024-09-04t22:28:31.5+02:00", datetime.datetime(2024, 9, 4, 20, 28, 31, 500000, tzinfo=datetime.UTC)),
        # Finer than a microsecond: rounded to the nearest one (half up), whichever decoder reads the page.
        ("0688-01-14T20:28:30.123456789-00:00", datetime.datetime(688, 1, 14, 20, 28, 30, 123457, tzinfo=datetime.UTC)),
        ("0688-01-14T20:28:30.1234564-00:00", datetime.datetime(688, 1, 14, 20, 28, 30, 123456, tzinfo=datetime.UTC)),
        ("2024-12-31T23:59:59.9999995Z", datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)),
    ],
)
def test_rfc_3339_date_times_parse_to_aware_datetimes(text: str, expected: datetime.datetime) -> None:
    bug = mock_client("sync", serve_bug(text)).bugs.get("b1")
    assert bug.created_at == expected
    assert bug.created_at.tzinfo is not None


@pytest.mark.parametrize("text", ["2024-09-04T22:28:31", "2024-09-04", "2024-09-04T22:28:31 UTC", "yesterday", ""])
def test_a_date_time_without_an_offset_is_a_validation_error(text: str) -> None:
    with pytest.raises(APIResponseValidationError, match="createdAt"):
        mock_client("sync", serve_bug(text)).bugs.get("b1")
