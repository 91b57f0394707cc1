"""Response bodies decode exactly as the standard library decodes them, whichever decoder runs."""

from __future__ import annotations

import json

import pytest
from atono._json import loads


@pytest.mark.parametrize(
    "body",
    [
        b'{"count": 123456789012345678901234567890}',
        b'{"count": 18446744073709551616, "n": -9223372036854775809}',
        b'{"count": 18446744073709551615, "n": -9223372036854775808}',
        b'{"x": NaN, "y": Infinity}',
        b'{"data": [{"id": "a", "attributes": {"title": "\\u00e9t\\u00e9", "position": 3}}]}',
        '{"title": "d\u00e9j\u00e0"}'.encode(),
    ],
)
def test_decodes_like_json(body: bytes) -> None:
    assert repr(loads(body)) == repr(json.loads(body))


@pytest.mark.parametrize("body", [b"<html>502</html>", b"", b'{"data": [', b"\xff\xfe"])
def test_not_json_raises_value_error(body: bytes) -> None:
    with pytest.raises(ValueError):
        loads(body)


@pytest.mark.parametrize(
    "body",
    [
        b'"\\ud800"',  # a lone surrogate escape
        '{"a": 1}'.encode("utf-16"),
        b"[" * 100_000 + b"]" * 100_000,
        b'{"a": 1e400}',
        b'{"a": 1, "a": 2}',
        b'  {"a": [1.5, -0.0, 5e-324, 1.7976931348623157e308]}  ',
    ],
)
def test_what_the_fast_decoder_refuses_decodes_like_json(body: bytes) -> None:
    try:
        expected = repr(json.loads(body))
    except RecursionError:
        with pytest.raises(ValueError, match="nested too deeply"):
            loads(body)
    else:
        assert repr(loads(body)) == expected


def test_without_msgspec_the_standard_library_decodes(monkeypatch: pytest.MonkeyPatch) -> None:
    import atono._json

    monkeypatch.setattr(atono._json, "msgspec", None)  # what other interpreters have
    body = b'{"count": 123456789012345678901234567890, "x": NaN}'
    assert repr(atono._json.loads(body)) == repr(json.loads(body))
    with pytest.raises(ValueError):
        atono._json.loads(b"<html>")
