"""Logging (`ATONO_LOG`, the `atono` logger) and keeping the API key out of anything printed or logged.

The SDK logs metadata only: method, path, status, retry count and pauses; never headers or bodies. The transport
libraries are another matter: httpcore and hpack log request headers at DEBUG when an application turns DEBUG on
globally, and httpx prints `x-api-key` in clear in `Headers` reprs (it masks only `authorization`). So a filter on
those loggers, and on ours, rewrites any record that carries a credential header value or a key this process uses.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from typing import Final

from atono._constants import ENV_LOG

logger: Final = logging.getLogger("atono")

REDACTED: Final = "<redacted>"

# Header names whose values are credentials, after the redaction lists of well-kept SDKs.
SENSITIVE_HEADERS: Final = (
    "x-api-key",
    "api-key",
    "apikey",
    "authorization",
    "proxy-authorization",
    "x-auth-token",
    "cookie",
    "set-cookie",
)

# Loggers that can see request headers. A filter only applies to records created on its own logger (not on its
# children), so each module logger is listed.
FILTERED_LOGGERS: Final = (
    "atono",
    "httpx",
    "httpcore",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
    "hpack.hpack",
    "hpack.table",
)

_LEVELS: Final = {"debug": logging.DEBUG, "info": logging.INFO}

# A header name, optionally quoted (or bytes-quoted), a separator (`:`, `=` or the `,` of a tuple), then the value:
# quoted up to its closing quote, or bare up to whitespace or a delimiter. Compiled on first use (`re` keeps it),
# not at `import atono`.
_HEADER_VALUE: Final = (
    r"(?P<name>b?(?P<nq>['\"]?)(?:" + "|".join(re.escape(h) for h in SENSITIVE_HEADERS) + r")(?P=nq)\s*[:=,]\s*)"
    r"(?:(?P<vp>b?)(?P<q>['\"])(?P<quoted>.*?)(?P=q)|(?P<bare>[^\s'\",;)}\]]+))"
)

# Keys shorter than this are not matched by value: they would blank out ordinary words in log lines.
_MIN_SECRET_LENGTH: Final = 8
# Replaced, never mutated, so a filter running on another thread always sees a whole set.
_secrets: frozenset[str] = frozenset()
_lock = threading.Lock()


class Secret:
    """A string that never shows itself in `repr()` or `str()`; `reveal()` is the only way to read it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret({REDACTED!r})"

    __str__ = __repr__


def _replace_header_value(match: re.Match[str]) -> str:
    if match.group("q"):
        return f"{match.group('name')}{match.group('vp')}{match.group('q')}{REDACTED}{match.group('q')}"
    return f"{match.group('name')}{REDACTED}"


def redact(text: str) -> str:
    """`text` with credential header values and known keys replaced."""
    text = re.sub(_HEADER_VALUE, _replace_header_value, text, flags=re.IGNORECASE)
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites a record whose message carries a credential; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # A broken record is the handler's to report; do not hide it.
            return True
        redacted = redact(message)
        if redacted != message:
            record.msg = redacted
            record.args = None
        return True


_FILTER: Final = RedactingFilter()


def register_secret(value: str) -> None:
    """Remember a key this process uses, so the filter redacts it wherever it appears."""
    global _secrets  # noqa: PLW0603 - one registry per process, as there is one logging tree
    if len(value) >= _MIN_SECRET_LENGTH:
        with _lock:
            _secrets = _secrets | {value}


def setup_logging() -> None:
    """Attach the redaction filter (once) and apply `ATONO_LOG=info|debug` to the `atono` logger."""
    with _lock:
        for name in FILTERED_LOGGERS:
            target = logging.getLogger(name)
            if _FILTER not in target.filters:
                target.addFilter(_FILTER)
        level = _LEVELS.get(os.environ.get(ENV_LOG, "").strip().lower())
        if level is None:
            return
        logger.setLevel(level)
        # An application that configured logging already has a handler on the way up; do not print twice.
        if not logger.hasHandlers():
            handler = logging.StreamHandler()
            handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
            logger.addHandler(handler)
