"""A local Atono-compatible JSON:API server: seeded, stateful, with fault injection.

Its own distribution, `atono-sandbox`, released with `atono` at the same version: install it with
`pip install 'atono[sandbox]'`, and use it through `atono.testing.Sandbox`, the `atono_sandbox` pytest
fixture, or `python -m atono.sandbox`. It validates requests with the wire models of `atono_wire`, which
ship in this distribution too, so the SDK's wheel carries no server code.
"""

from atono_sandbox._faults import FAULT_KINDS, FaultKind, Injection
from atono_sandbox._journal import AppliedWrite
from atono_sandbox._sandbox import API_KEY, OTHER_API_KEY, Sandbox
from atono_sandbox._version import __version__

__all__ = [
    "API_KEY",
    "FAULT_KINDS",
    "OTHER_API_KEY",
    "AppliedWrite",
    "FaultKind",
    "Injection",
    "Sandbox",
    "__version__",
]
