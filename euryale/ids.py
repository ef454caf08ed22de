"""Medusa-style identifiers: `<prefix>_<ULID>`."""

from ulid import ULID


def generate_id(prefix: str) -> str:
    """Return a new id such as `prod_01J...` (26-char Crockford ULID, uppercase)."""
    return f"{prefix}_{ULID()}"
