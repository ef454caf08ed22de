"""`euryale exec tests/e2e/setup_shop.py <admin-email> <admin-password>`: the demo seed and an admin user, as an
operator would prepare a shop; prints one JSON line with what was created."""

from __future__ import annotations

import inspect
import json
from typing import Any


async def main(container: Any, args: list[str]) -> None:
    from euryale.modules.user.commands import create_admin_user  # auth-people's `euryale user` implementation
    from euryale.seed import seed_demo  # catalog's demo seed

    email, password = args
    result = seed_demo(container)
    if inspect.isawaitable(result):
        result = await result
    made = create_admin_user(container, email=email, password=password)
    if inspect.isawaitable(made):
        made = await made
    print(json.dumps({"seed": result, "admin": email}, default=str))
