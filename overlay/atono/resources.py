"""The resource namespaces of `Atono` and `AsyncAtono` (`client.bugs`, `client.stories`, ...), generated from the
spec into `atono_sdk.resources`, and the types their signatures use."""

import atono_sdk.resources
from atono_sdk.resources import *  # noqa: F403 - the generated namespaces, whatever the spec names

from atono._resource import Content, Headers, Identifier, Paging, Query, Timeout

__all__ = ["Content", "Headers", "Identifier", "Paging", "Query", "Timeout"]
__all__ += atono_sdk.resources.__all__  # the generated namespaces: `Bugs`, `AsyncBugs`, ...
