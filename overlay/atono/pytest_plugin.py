"""The pytest plugin of atono: the `atono_sandbox` fixture.

Registered through the `pytest11` entry point, so installing `atono[sandbox]` is enough:

```python
def test_lists_bugs(atono_sandbox):
    client = Atono(api_key=atono_sandbox.api_key, base_url=atono_sandbox.url)
    assert len(list(client.bugs.list(limit=10))) == 10


@pytest.mark.atono_sandbox(stories=20, latency_ms=50, fault_rate=0.1, seed=7)
def test_survives_a_flaky_api(atono_sandbox): ...
```

Each test gets its own running `atono.testing.Sandbox`, so writes never leak between tests; the
`atono_sandbox` marker passes its keyword arguments to `Sandbox(...)`. The sandbox is imported only
when the fixture is used, so the plugin costs nothing where the extra is not installed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from atono.sandbox import Sandbox


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "atono_sandbox(**options): keyword arguments for the Sandbox of the atono_sandbox fixture"
    )


@pytest.fixture
def atono_sandbox(request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    """A running Atono sandbox for this test; configure it with `@pytest.mark.atono_sandbox(...)`."""
    from atono.sandbox import Sandbox  # noqa: PLC0415 - only when used: the extra may not be installed

    marker = request.node.get_closest_marker("atono_sandbox")
    options = dict(marker.kwargs) if marker is not None else {}
    with Sandbox(**options) as sandbox:
        yield sandbox
