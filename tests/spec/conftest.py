from __future__ import annotations

from typing import Any

import pytest
import yaml

from tests.helpers import SPEC_PATH


@pytest.fixture(scope="session")
def spec() -> dict[str, Any]:
    return yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
