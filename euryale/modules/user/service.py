"""Admin users and invites (SQLAlchemy Core, caller-owned transactions).

Invite tokens are JWTs `{id}` with a `jti`, signed with the project's JWT secret and valid one day
(`DEFAULT_INVITE_TTL_S`), as Medusa's user module issues them; `invite.token` stores the current one.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.db import crud
from euryale.db.crud import filter_conditions, list_page, search_condition
from euryale.errors import duplicate, invalid_data
from euryale.ids import generate_id
from euryale.modules.user.models import invite, user

Row = dict[str, Any]
DEFAULT_INVITE_TTL_S = 24 * 3600
USER_FIELDS = ("email", "first_name", "last_name", "avatar_url", "metadata")


def _pick(data: Mapping[str, Any], names: Sequence[str]) -> Row:
    return {k: data[k] for k in names if k in data}


# --- users ----------------------------------------------------------------------------------------------------

async def find_user_by_email(conn: AsyncConnection, *, email: str) -> Row | None:
    """The live user with this email, if any."""
    row = (await conn.execute(select(user).where(user.c.email == email, user.c.deleted_at.is_(None)))).mappings().first()
    return dict(row) if row else None


async def create_user(conn: AsyncConnection, *, data: Mapping[str, Any]) -> Row:
    """Create a user; an email already in use → 422 duplicate_error."""
    email = data.get("email")
    if not email or not isinstance(email, str):
        raise invalid_data("Invalid request: Field 'email' is required")
    if await find_user_by_email(conn, email=email) is not None:
        raise duplicate(f"User with email: {email}, already exists.")
    row = (await conn.execute(insert(user).values(id=generate_id("user"), **_pick(data, USER_FIELDS))
                              .returning(*user.c))).mappings().one()
    return dict(row)


async def retrieve_user(conn: AsyncConnection, *, user_id: str) -> Row:
    """A live user; 404 "User with id: x was not found"."""
    return await crud.require_row(conn, user, user_id, f"User with id: {user_id} was not found")


async def update_user(conn: AsyncConnection, *, user_id: str, data: Mapping[str, Any]) -> Row:
    """Update profile fields of a user (email changes are not allowed through the admin API)."""
    current = await retrieve_user(conn, user_id=user_id)
    values = _pick(data, ("first_name", "last_name", "avatar_url", "metadata"))
    if not values:
        return current
    row = (await conn.execute(update(user).where(user.c.id == user_id).values(**values, updated_at=func.now())
                              .returning(*user.c))).mappings().one()
    return dict(row)


async def delete_user(conn: AsyncConnection, *, user_id: str) -> None:
    """Soft-delete a user (404 when unknown)."""
    await retrieve_user(conn, user_id=user_id)
    await conn.execute(update(user).where(user.c.id == user_id).values(deleted_at=func.now()))


async def list_users(conn: AsyncConnection, *, filters: Mapping[str, Any], limit: int, offset: int,
                     order: str | None = None, with_deleted: bool = False) -> tuple[list[Row], int]:
    """A page of users (filters: q, id, email, first_name, last_name, dates)."""
    cond = filter_conditions(user, filters, ("id", "email", "first_name", "last_name", "created_at", "updated_at",
                                             "deleted_at"))
    q = search_condition(user, filters.get("q"), ("email", "first_name", "last_name"))
    if q is not None:
        cond.append(q)
    return await list_page(conn, user, conditions=cond, limit=limit, offset=offset, order=order,
                           with_deleted=with_deleted)


# --- invites --------------------------------------------------------------------------------------------------

def invite_token(invite_id: str, *, secret: str, ttl_s: int = DEFAULT_INVITE_TTL_S) -> str:
    """A fresh invite JWT."""
    now = int(time.time())
    return jwt.encode({"id": invite_id, "jti": str(uuid.uuid4()), "iat": now, "exp": now + ttl_s}, secret,
                      algorithm="HS256")


async def create_invite(conn: AsyncConnection, *, email: str, secret: str, metadata: Mapping[str, Any] | None = None,
                        ttl_s: int = DEFAULT_INVITE_TTL_S) -> Row:
    """Invite an email; a pending invite or an existing user with that email → 422 duplicate_error."""
    existing = (await conn.execute(select(invite.c.id).where(invite.c.email == email,
                                                             invite.c.deleted_at.is_(None)))).first()
    if existing is not None:
        raise duplicate(f"Invite with email: {email}, already exists.")
    if await find_user_by_email(conn, email=email) is not None:
        raise invalid_data(f"User with email: {email} already exists")
    invite_id = generate_id("invite")
    row = (await conn.execute(insert(invite).values(
        id=invite_id, email=email, accepted=False, token=invite_token(invite_id, secret=secret, ttl_s=ttl_s),
        expires_at=datetime.now(UTC) + timedelta(seconds=ttl_s),
        metadata=dict(metadata) if metadata is not None else None).returning(*invite.c))).mappings().one()
    return dict(row)


async def retrieve_invite(conn: AsyncConnection, *, invite_id: str) -> Row:
    """A live invite; 404 otherwise."""
    return await crud.require_row(conn, invite, invite_id, f"Invite with id: {invite_id} was not found")


async def refresh_invite(conn: AsyncConnection, *, invite_id: str, secret: str,
                         ttl_s: int = DEFAULT_INVITE_TTL_S) -> Row:
    """New token and expiry (resend)."""
    await retrieve_invite(conn, invite_id=invite_id)
    row = (await conn.execute(update(invite).where(invite.c.id == invite_id).values(
        token=invite_token(invite_id, secret=secret, ttl_s=ttl_s),
        expires_at=datetime.now(UTC) + timedelta(seconds=ttl_s), updated_at=func.now()).returning(*invite.c))
           ).mappings().one()
    return dict(row)


async def delete_invites(conn: AsyncConnection, *, ids: Sequence[str]) -> list[str]:
    """Soft-delete invites; returns the ids that were live."""
    return await crud.soft_delete(conn, invite, ids)


async def validate_invite_token(conn: AsyncConnection, *, token: str, secret: str) -> Row:
    """The live, unexpired invite a token was issued for (and still current); 401/400 otherwise."""
    try:
        payload = jwt.decode(token, secret, algorithms=["HS256"])
    except jwt.ExpiredSignatureError:
        raise invalid_data("The invite has expired") from None
    except jwt.PyJWTError:
        raise invalid_data("Invalid invite token") from None
    row = (await conn.execute(select(invite).where(invite.c.id == str(payload.get("id") or ""),
                                                   invite.c.deleted_at.is_(None)).with_for_update())
           ).mappings().first()
    if row is None or row["token"] != token:
        # a resend replaces the token: older links stop working
        raise invalid_data("Invalid invite token")
    if row["expires_at"] < datetime.now(UTC):
        raise invalid_data("The invite has expired")
    return dict(row)


async def accept_invite(conn: AsyncConnection, *, invite_id: str) -> None:
    """Mark accepted and retire the invite."""
    await conn.execute(update(invite).where(invite.c.id == invite_id)
                       .values(accepted=True, deleted_at=func.now(), updated_at=func.now()))


async def list_invites(conn: AsyncConnection, *, filters: Mapping[str, Any], limit: int, offset: int,
                       order: str | None = None) -> tuple[list[Row], int]:
    """A page of live invites (filters: q, id, email, accepted, dates)."""
    cond = filter_conditions(invite, filters, ("id", "email", "accepted", "created_at", "updated_at", "expires_at"))
    q = search_condition(invite, filters.get("q"), ("email",))
    if q is not None:
        cond.append(q)
    return await list_page(conn, invite, conditions=cond, limit=limit, offset=offset, order=order)
