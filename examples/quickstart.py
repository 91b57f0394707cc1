"""Quickstart: the SDK against the embedded sandbox (filled in as the client and sandbox land)."""

import atono
import atono_api

print(f"atono {atono.__version__}: generated client for {len(atono_api.__all__)} entry points is importable")
