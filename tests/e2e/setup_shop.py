"""`euryale exec tests/e2e/setup_shop.py`: the demo seed, as an operator would prepare a shop; prints one JSON line
with what it created. (The admin user comes from `euryale user -e ... -p ...`.)"""

from __future__ import annotations

import inspect
import json
from typing import Any


async def main(container: Any, args: list[str]) -> None:
    from euryale.seed import seed_demo  # catalog's demo seed

    result = seed_demo(container)
    if inspect.isawaitable(result):
        result = await result
    print(json.dumps({"seed": result}, default=str))
