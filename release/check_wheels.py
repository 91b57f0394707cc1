"""Check what each built wheel carries: the SDK's wheel the SDK only, the sandbox's wheel the server and its models.

    python release/check_wheels.py dist    # `make wheel-check`, after building both distributions into dist/

`atono` must ship `atono`, `atono_api` and `atono_sdk` (with `py.typed`) and the small `atono/sandbox.py` that
defers to the sandbox, and no server code: no `atono_sandbox`, no `atono_wire`, no `atono/sandbox/` package.
`atono-sandbox` must ship `atono_sandbox` and `atono_wire` (with the spec as JSON) and nothing of the SDK. Both
must have the version of overlay/atono/_version.py, and `atono[sandbox]` must pin `atono-sandbox` to it.
"""

from __future__ import annotations

import argparse
import email
import re
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SDK_NEEDS = {"atono/py.typed", "atono/sandbox.py", "atono_api/py.typed", "atono_sdk/py.typed"}
SDK_REFUSES = ("atono/sandbox/", "atono_sandbox/", "atono_wire/")
SANDBOX_NEEDS = {
    "atono_sandbox/__init__.py",
    "atono_sandbox/py.typed",
    "atono_wire/__init__.py",
    "atono_wire/openapi.json",
}
SANDBOX_REFUSES = ("atono/", "atono_api/", "atono_sdk/")


def version() -> str:
    found = re.search(r'^__version__ = "([^"]+)"$', (ROOT / "overlay/atono/_version.py").read_text(), re.MULTILINE)
    if found is None:
        raise SystemExit("overlay/atono/_version.py has no __version__")
    return found.group(1)


def _one(dist: Path, pattern: str) -> Path:
    found = sorted(dist.glob(pattern))
    if len(found) != 1:
        raise SystemExit(f"expected one {pattern} in {dist}, found {[p.name for p in found]}")
    return found[0]


def problems(wheel: Path, needs: set[str], refuses: tuple[str, ...], want_version: str) -> list[str]:
    """What is wrong with one wheel: files missing or not allowed, and a version other than `want_version`."""
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata_name = next(n for n in names if n.endswith(".dist-info/METADATA"))
        metadata = email.message_from_bytes(archive.read(metadata_name))
    found = [f"{wheel.name}: missing {name}" for name in sorted(needs - names)]
    found += [f"{wheel.name}: must not ship {name}" for name in sorted(names) if name.startswith(refuses)]
    if metadata["Version"] != want_version:
        found.append(f"{wheel.name}: version {metadata['Version']}, not {want_version}")
    return found


def sandbox_pin(wheel: Path) -> str | None:
    """The `atono-sandbox` requirement of the extra `sandbox` in the SDK wheel's metadata."""
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        requires = email.message_from_bytes(archive.read(name)).get_all("Requires-Dist") or []
    return next((r for r in requires if r.startswith("atono-sandbox")), None)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dist", type=Path, help="the folder both wheels were built into")
    args = parser.parse_args()
    want = version()
    sdk, sandbox = _one(args.dist, "atono-*.whl"), _one(args.dist, "atono_sandbox-*.whl")
    found = problems(sdk, SDK_NEEDS, SDK_REFUSES, want) + problems(sandbox, SANDBOX_NEEDS, SANDBOX_REFUSES, want)
    pin = sandbox_pin(sdk)
    if (
        pin is None
        or not pin.startswith(f"atono-sandbox=={want};")
        or "extra == 'sandbox'" not in pin.replace('"', "'")
    ):
        found.append(f"{sdk.name}: the extra `sandbox` must require atono-sandbox=={want}, found {pin!r}")
    if found:
        print("\n".join(found), file=sys.stderr)
        return 1
    print(f"wheels: {sdk.name} ships the SDK only, {sandbox.name} the sandbox and atono_wire, both {want}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
