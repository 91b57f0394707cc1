"""The Atono sandbox under its old name: `python -m atono.sandbox` and `from atono.sandbox import Sandbox`.

The server lives in its own distribution, `atono-sandbox` (package `atono_sandbox`), so that the SDK's wheel
carries no web server; `pip install 'atono[sandbox]'` installs it at the SDK's version. This module only
defers to it, and says how to install it where it is missing.
"""

import sys

try:
    from atono_sandbox import API_KEY, FAULT_KINDS, OTHER_API_KEY, AppliedWrite, FaultKind, Injection, Sandbox
except ImportError as _missing:  # pragma: no cover - depends on the installation
    raise ImportError(
        f"the Atono sandbox is not installed ({_missing}): pip install 'atono[sandbox]'", name=_missing.name
    ) from _missing

__all__ = ["API_KEY", "FAULT_KINDS", "OTHER_API_KEY", "AppliedWrite", "FaultKind", "Injection", "Sandbox"]

if __name__ == "__main__":
    from atono_sandbox.__main__ import main

    sys.exit(main())
