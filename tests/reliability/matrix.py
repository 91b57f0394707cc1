"""The fault matrix: which outcome each {fault} x {operation} cell must end in, and how the table is printed.

The expectations follow the executor's rules (atono/_retry.py): idempotent requests (GET, DELETE) are retried after
a 429, a 5xx, a dropped connection, a read timeout or a cut-off body; POST and PATCH only after a 429, because every
other fault may come after the server applied them (the sandbox applies a failing write before its fault, the worst
case). A 2xx that is not a JSON:API document, or whose body exceeds the cap, is not retried: it is an
`APIResponseValidationError`. A dripped body is a timeout, the deadline being the whole exchange's. A 303 is
followed by reads and refused for writes, which it would turn into GETs.
"""

from __future__ import annotations

from collections.abc import Mapping

from atono.testing import FAULT_KINDS

FAULTS = FAULT_KINDS  # every fault the sandbox can inject, in its order
FAULT_LABELS = {
    "429": "429 + Retry-After",
    "500": "500",
    "502": "502",
    "503": "503",
    "504": "504",
    "reset": "connection reset, no response",
    "timeout": "read timeout (server stalls)",
    "truncate": "truncated JSON body",
    "html": "HTML error page (502)",
    "wrong_content_type": "200 text/plain body",
    "drip": "body dripped a byte at a time",
    "gzip_bomb": "gzip bomb (128 MiB inflated)",
    "redirect": "303 to the same URL",
}
OPERATIONS = ("get", "list page", "bulk read", "create", "update", "delete")
WRITES = ("create", "update", "delete")

RETRIED = "retried, ok"
FOLLOWED = "followed, ok"
_WRITE_ERRORS = {
    "500": "InternalServerError",
    "502": "InternalServerError",
    "503": "InternalServerError",
    "504": "InternalServerError",
    "html": "InternalServerError",
    "reset": "APIConnectionError",
    "truncate": "APIConnectionError",
    "timeout": "APITimeoutError",
    "drip": "APITimeoutError",
}


def expected(fault: str, operation: str) -> str:
    """The documented outcome of one cell; writes also say how often the sandbox applied them."""
    if fault in ("wrong_content_type", "gzip_bomb"):
        outcome = "APIResponseValidationError"
    elif fault == "redirect":
        # httpx would resend a write as a GET without its body: the SDK raises instead.
        outcome = "APIStatusError" if operation in WRITES else FOLLOWED
    elif operation in ("create", "update") and fault != "429":
        outcome = _WRITE_ERRORS[fault]
    else:
        outcome = RETRIED
    return f"{outcome}; applied once" if operation in WRITES else outcome


EXPECTED: dict[tuple[str, str], str] = {(f, op): expected(f, op) for f in FAULTS for op in OPERATIONS}


def markdown_table(outcomes: Mapping[tuple[str, str], str]) -> list[str]:
    """The outcome table as Markdown rows: one row per fault, one column per operation."""
    lines = [
        "| fault | " + " | ".join(OPERATIONS) + " |",
        "|---|" + "---|" * len(OPERATIONS),
    ]
    for fault in FAULTS:
        cells = [outcomes.get((fault, op), "not run") for op in OPERATIONS]
        lines.append(f"| {FAULT_LABELS[fault]} | " + " | ".join(cells) + " |")
    return lines


def render_table(matrix: Mapping[tuple[str, str, str], str], flavor: str) -> list[str]:
    """The observed outcomes of one client flavor, as printed after the run."""
    observed = {(fault, op): outcome for (fl, fault, op), outcome in matrix.items() if fl == flavor}
    passing = sum(observed.get(cell) == want for cell, want in EXPECTED.items())
    return [*markdown_table(observed), f"{passing} of {len(EXPECTED)} cells end in the documented outcome"]
