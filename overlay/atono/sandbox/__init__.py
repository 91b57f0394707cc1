"""A local Atono-compatible JSON:API server: seeded, stateful, with fault injection.

Install it with `pip install 'atono[sandbox]'`; use it through `atono.testing.Sandbox`, the
`atono_sandbox` pytest fixture, or `python -m atono.sandbox`.
"""

try:
    import starlette  # noqa: F401
    import uvicorn  # noqa: F401
except ImportError as _missing:  # pragma: no cover - depends on the installation
    raise ImportError("the Atono sandbox needs its server dependencies: pip install 'atono[sandbox]'") from _missing

from atono.sandbox._faults import FAULT_KINDS, FaultKind, Injection
from atono.sandbox._journal import AppliedWrite
from atono.sandbox._sandbox import API_KEY, OTHER_API_KEY, Sandbox

__all__ = ["API_KEY", "FAULT_KINDS", "OTHER_API_KEY", "AppliedWrite", "FaultKind", "Injection", "Sandbox"]
