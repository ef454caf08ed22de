"""The search module (Medusa 2.21's `search` with the `search-postgres` provider, loaded by default):

```python
modules=[{"resolve": "euryale.modules.search", "options": {
    "indexes": ["euryale.flows.search_indexes:PRODUCT_INDEX"],   # default; add a project's own definitions
    "store_indexes": ["product"],                                 # opt indexes in for POST /store/search
}}]
```

`{"key": "search", "disable": True}` removes it (the search routes then answer as Medusa's without the module).
"""

from __future__ import annotations

import importlib
from typing import Any

from euryale.modules.search.definitions import SearchIndexDefinition
from euryale.modules.search.service import SearchService

DEFAULT_INDEXES = ("euryale.flows.search_indexes:PRODUCT_INDEX",)


def index_definition(path: str) -> SearchIndexDefinition:
    module_name, _, attribute = path.partition(":")
    found = getattr(importlib.import_module(module_name), attribute)
    if not isinstance(found, SearchIndexDefinition):
        raise TypeError(f"{path} is not a SearchIndexDefinition")
    return found


def load(container: Any, options: dict[str, Any]) -> SearchService:
    indexes = [index_definition(p) for p in options.get("indexes") or DEFAULT_INDEXES]
    return SearchService(indexes, store_indexes=options.get("store_indexes") or ())
