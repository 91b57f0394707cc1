"""The sandbox is its own distribution, and `atono` keeps its old names: `atono.sandbox`, `atono.testing`.

Without the distribution installed, those names fail with an ImportError that says what to install.
"""

from __future__ import annotations

import subprocess
import sys

import atono.sandbox
import atono.testing
import atono_sandbox

# Makes `atono_sandbox` unimportable in a fresh interpreter, as where `atono[sandbox]` is not installed.
_WITHOUT_SANDBOX = "import sys; sys.modules['atono_sandbox'] = None; "


def test_the_old_names_are_the_sandbox_distributions_own() -> None:
    for name in atono_sandbox.__all__:
        if name != "__version__":
            assert getattr(atono.sandbox, name) is getattr(atono_sandbox, name)
            assert getattr(atono.testing, name) is getattr(atono_sandbox, name)


def test_the_sdk_does_not_import_the_sandbox() -> None:
    code = (
        "import atono, atono.pytest_plugin, sys; print(sorted(m for m in sys.modules if 'sandbox' in m or 'wire' in m))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_without_the_sandbox_the_error_names_the_extra() -> None:
    for module in ("atono.sandbox", "atono.testing"):
        code = _WITHOUT_SANDBOX + f"import {module}"
        result = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True)
        assert result.returncode == 1
        assert "ImportError: the Atono sandbox is not installed" in result.stderr
        assert "pip install 'atono[sandbox]'" in result.stderr


def test_python_m_atono_sandbox_without_the_sandbox_names_the_extra() -> None:
    code = _WITHOUT_SANDBOX + "import runpy; runpy.run_module('atono.sandbox', run_name='__main__')"
    result = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True)
    assert result.returncode == 1
    assert "pip install 'atono[sandbox]'" in result.stderr
