"""The report of the reliability tests: after the run, the figures they recorded (`figures.record_figure`) and the
fault matrix's outcome table."""

from __future__ import annotations

from typing import Any

from .figures import FIGURES, MATRIX


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not FIGURES and not MATRIX:
        return
    from .matrix import render_table  # the table's layout lives with the matrix

    terminalreporter.section("reliability figures")
    for name, value in FIGURES.items():
        terminalreporter.write_line(f"{name}: {value}")
    for flavor in ("sync", "async"):
        if any(key[0] == flavor for key in MATRIX):
            terminalreporter.write_line("")
            terminalreporter.write_line(f"fault matrix ({flavor} client):")
            for line in render_table(MATRIX, flavor):
                terminalreporter.write_line(line)
