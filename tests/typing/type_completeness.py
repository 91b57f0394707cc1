"""Fail when pyright's type completeness of the public API of `atono` falls below the floor.

`pyright --verifytypes atono --ignoreexternal --outputjson` is read from stdin: every public symbol must have a
type a user's checker infers alike (no `Unknown`, no missing annotation). Run by `make typecheck`.
"""

from __future__ import annotations

import json
import sys

FLOOR = 0.95

report = json.load(sys.stdin)
score = report["typeCompleteness"]["completenessScore"]
for diagnostic in report.get("generalDiagnostics", []):
    if diagnostic.get("severity") == "error":
        print(f"{diagnostic.get('file', '')}: {diagnostic['message']}", file=sys.stderr)
print(f"pyright --verifytypes atono: type completeness {score:.1%} (floor {FLOOR:.0%})")
sys.exit(0 if score >= FLOOR else 1)
