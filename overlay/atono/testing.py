"""Helpers for testing code that uses the Atono API, without an Atono account.

`Sandbox` runs a local, seeded Atono-compatible server (needs `pip install 'atono[sandbox]'`). With
pytest, the `atono_sandbox` fixture (from the `atono.pytest_plugin` plugin, registered automatically
when atono is installed) gives each test a fresh one.
"""

from atono.sandbox import API_KEY, FAULT_KINDS, OTHER_API_KEY, AppliedWrite, FaultKind, Injection, Sandbox

__all__ = ["API_KEY", "FAULT_KINDS", "OTHER_API_KEY", "AppliedWrite", "FaultKind", "Injection", "Sandbox"]
