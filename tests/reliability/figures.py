"""The figures the reliability tests measure, and the fault matrix's outcomes, kept for the report at the end of
the run (`conftest.pytest_terminal_summary`), so the numbers quoted in tests/README.md can be checked by running
`pytest tests/reliability`."""

from __future__ import annotations

FIGURES: dict[str, str] = {}
MATRIX: dict[tuple[str, str, str], str] = {}  # (flavor, fault, operation) -> outcome


def record_figure(name: str, value: object) -> None:
    FIGURES[name] = str(value)
