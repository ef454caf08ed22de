"""API key module: publishable (`pk_` + 64 hex, stored in clear) and secret (`sk_` + 64 hex, stored as a salted
scrypt hash and shown once) keys, revocation."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.errors import invalid_data, not_allowed, not_found
from euryale.ids import generate_id
from euryale.modules.api_key.models import api_key


def hash_secret(token: str, salt_hex: str) -> str:
    """scrypt(token, salt) hex (N=16384, r=8, p=1, 64 bytes): the stored form of a secret key."""
    return hashlib.scrypt(token.encode(), salt=bytes.fromhex(salt_hex), n=16384, r=8, p=1, dklen=64).hex()


def redact(token: str) -> str:
    """First 6 characters + `***` + last 3, as Medusa shows keys."""
    return f"{token[:6]}***{token[-3:]}"


async def create_api_key(conn: AsyncConnection, *, title: str, type: str, created_by: str) -> dict[str, Any]:
    """Create a key; the returned dict carries the clear token (the only time a secret key is visible)."""
    if type not in ("publishable", "secret"):
        raise invalid_data(f"Invalid request: Expected: 'publishable, secret' for field 'type', but got: '{type}'")
    if type == "secret":
        live = (await conn.execute(select(func.count()).select_from(api_key).where(
            api_key.c.type == "secret", api_key.c.revoked_at.is_(None)))).scalar_one()
        if live >= 1:
            raise not_allowed("You can only create one secret key at a time. "
                              "You must revoke the previous secret key before creating a new one.")
    prefix = "pk_" if type == "publishable" else "sk_"
    token = prefix + secrets.token_hex(32)
    salt = secrets.token_hex(64) if type == "secret" else ""
    stored = hash_secret(token, salt) if type == "secret" else token
    key_id = generate_id("apk")
    await conn.execute(insert(api_key).values(id=key_id, token=stored, salt=salt, redacted=redact(token),
                                              title=title, type=type, created_by=created_by))
    return {"id": key_id, "token": token, "type": type}


async def retrieve_api_key(conn: AsyncConnection, *, api_key_id: str) -> dict[str, Any]:
    """One key by id (404 in Medusa's words)."""
    row = (await conn.execute(select(api_key).where(api_key.c.id == api_key_id))).mappings().first()
    if row is None:
        raise not_found(f"API Key with id: {api_key_id} was not found")
    return dict(row)


async def update_api_key(conn: AsyncConnection, *, api_key_id: str, title: str) -> None:
    """Rename a key."""
    await retrieve_api_key(conn, api_key_id=api_key_id)
    await conn.execute(update(api_key).where(api_key.c.id == api_key_id).values(title=title, updated_at=func.now()))


async def revoke_api_key(conn: AsyncConnection, *, api_key_id: str, revoked_by: str,
                         revoke_in: int | None = None) -> dict[str, Any]:
    """Set `revoked_at` (now, or `revoke_in` seconds ahead); revoking twice is refused as Medusa does."""
    key = await retrieve_api_key(conn, api_key_id=api_key_id)
    if key["revoked_at"] is not None:
        raise invalid_data(f"There are 1 secret keys that are already revoked: {api_key_id}"
                           if key["type"] == "secret" else f"The api key {api_key_id} is already revoked")
    when = datetime.now(UTC) + timedelta(seconds=revoke_in or 0)
    await conn.execute(update(api_key).where(api_key.c.id == api_key_id)
                       .values(revoked_at=when, revoked_by=revoked_by, updated_at=func.now()))
    return key


async def delete_api_key(conn: AsyncConnection, *, api_key_id: str) -> dict[str, Any]:
    """Delete a key (Medusa refuses unrevoked keys)."""
    key = await retrieve_api_key(conn, api_key_id=api_key_id)
    if key["revoked_at"] is None or key["revoked_at"] > datetime.now(UTC):
        raise not_allowed(f"Cannot delete api keys that are not revoked - {api_key_id}")
    await conn.execute(api_key.delete().where(api_key.c.id == api_key_id))
    return key
