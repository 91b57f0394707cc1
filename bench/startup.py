"""Start-up: `python -c "import atono"` vs `python -c "import httpx"`, each in fresh processes.

python -m bench.startup [--rounds 20] [--smoke]
"""

from __future__ import annotations

import argparse
import subprocess
import sys

from bench._common import alternate


def importer(module: str) -> None:
    subprocess.run([sys.executable, "-c", f"import {module}"], check=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--smoke", action="store_true", help="one round")
    args = parser.parse_args()
    rounds = 1 if args.smoke else args.rounds
    medians = alternate(
        {
            "python": lambda: importer("sys"),
            "import httpx": lambda: importer("httpx"),
            "import atono": lambda: importer("atono"),
        },
        rounds=rounds,
    )
    interpreter = medians["python"]
    httpx_cost = medians["import httpx"] - interpreter
    atono_cost = medians["import atono"] - interpreter
    print(
        f"Start-up in fresh processes, median of {rounds} alternating rounds (interpreter alone: "
        f"{interpreter * 1000:.0f} ms)"
    )
    print(
        f"  import httpx {medians['import httpx'] * 1000:7.1f} ms   ({httpx_cost * 1000:+.1f} ms over the interpreter)"
    )
    print(
        f"  import atono {medians['import atono'] * 1000:7.1f} ms   ({atono_cost * 1000:+.1f} ms over the interpreter)"
    )
    print(
        f"  ratio {medians['import atono'] / medians['import httpx']:.2f}x as whole processes, "
        f"{atono_cost / httpx_cost:.2f}x counting the imports only"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
