"""The pager and page types that `list()` methods return, for annotating your own code.

```python
from atono.pagination import Page, SyncPager
from atono.types import Bug

def open_bugs(pager: SyncPager[Bug]) -> list[Bug]: ...
```

Kept out of `import atono` so the package stays quick to import.
"""

from atono._pagination import AsyncPager, Page, SyncPager

__all__ = ["AsyncPager", "Page", "SyncPager"]
