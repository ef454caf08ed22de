"""Verifications (Medusa 2.16.0's `token` verification provider): one row per (identity, entity_id, entity_type),
a single-use random code whose SHA-256 is the only thing stored, valid `ttl_seconds` after the request."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.errors import invalid_data, not_allowed
from euryale.ids import generate_id
from euryale.modules.auth.models import auth_verification
from euryale.modules.auth.options import TOKEN, AuthOptions

_live = auth_verification.c.deleted_at.is_(None)
_token_hash = auth_verification.c.provider_metadata.op("->>")(text("'token_hash'"))


def hash_code(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def _unknown_provider(provider: str) -> Exception:
    # Medusa fails inside its provider registry (500); an unregistered name is bad input here
    return invalid_data(f"Unable to retrieve the verification provider with id: {provider}")


def serialize(row: Any) -> dict[str, Any]:
    """A stored verification as Medusa reads it back (login's `verification`)."""
    return {"id": row.id, "auth_identity_id": row.auth_identity_id, "auth_identity": {"id": row.auth_identity_id},
            "entity_id": row.entity_id, "entity_type": row.entity_type, "code_provider": row.code_provider,
            "verified_at": row.verified_at, "requested_at": row.requested_at,
            "provider_metadata": row.provider_metadata, "metadata": row.metadata, "created_at": row.created_at,
            "updated_at": row.updated_at, "deleted_at": row.deleted_at}


def _written(row: Any, *, created: bool) -> dict[str, Any]:
    """As Medusa answers a verification it just created or renewed (key order: `id` last; a renewal also has the
    `auth_identity` relation)."""
    relation = {} if created else {"auth_identity": {"id": row.auth_identity_id}}
    return {"auth_identity_id": row.auth_identity_id, **relation, "entity_id": row.entity_id,
            "entity_type": row.entity_type,
            "code_provider": row.code_provider, "verified_at": row.verified_at, "requested_at": row.requested_at,
            "provider_metadata": row.provider_metadata, "metadata": row.metadata, "created_at": row.created_at,
            "updated_at": row.updated_at, "deleted_at": row.deleted_at, "id": row.id}


async def find(conn: AsyncConnection, *, auth_identity_id: str, entity_id: str, entity_type: str
               ) -> dict[str, Any] | None:
    """The identity's verification of (entity_id, entity_type), or None."""
    row = (await conn.execute(select(auth_verification).where(
        auth_verification.c.auth_identity_id == auth_identity_id, auth_verification.c.entity_id == entity_id,
        auth_verification.c.entity_type == entity_type, _live))).first()
    return serialize(row) if row is not None else None


async def request(conn: AsyncConnection, opts: AuthOptions, *, auth_identity_id: str, entity_id: str,
                  entity_type: str, code_provider: str, metadata: dict[str, Any] | None
                  ) -> tuple[dict[str, Any], str | None, datetime | None]:
    """(verification, code, expires_at): a new code for a pending verification (the previous one stops working);
    an entity already verified is answered as is, without a code."""
    if code_provider != TOKEN:
        raise _unknown_provider(code_provider)
    existing = (await conn.execute(select(auth_verification).where(
        auth_verification.c.auth_identity_id == auth_identity_id, auth_verification.c.entity_id == entity_id,
        auth_verification.c.entity_type == entity_type, _live).with_for_update())).first()
    if existing is not None and existing.verified_at is not None:
        return serialize(existing), None, None
    code = secrets.token_urlsafe(32)
    requested_at = datetime.now(UTC)
    expires_at = requested_at + timedelta(seconds=opts.verification_ttl_seconds)
    provider_metadata = {"token_hash": hash_code(code)}
    if existing is not None:
        row = (await conn.execute(update(auth_verification).where(auth_verification.c.id == existing.id).values(
            code_provider=code_provider, provider_metadata=provider_metadata, requested_at=requested_at,
            verified_at=None, updated_at=func.now()).returning(*auth_verification.c))).one()
        return _written(row, created=False), code, expires_at
    row = (await conn.execute(insert(auth_verification).values(
        id=generate_id("authver"), auth_identity_id=auth_identity_id, entity_id=entity_id, entity_type=entity_type,
        code_provider=code_provider, provider_metadata=provider_metadata, requested_at=requested_at,
        metadata=metadata if metadata is not None else None).returning(*auth_verification.c))).one()
    return _written(row, created=True), code, expires_at


async def confirm(conn: AsyncConnection, opts: AuthOptions, *, code: str, code_provider: str | None
                  ) -> dict[str, Any]:
    """Mark the verification holding `code` verified: `{entity_id, entity_type, code_provider, verified_at}`."""
    provider = code_provider or TOKEN
    if provider != TOKEN:
        raise _unknown_provider(provider)
    row = (await conn.execute(select(auth_verification).where(_token_hash == hash_code(code), _live)
                              .with_for_update())).first()
    if row is None or row.verified_at is not None:
        raise not_allowed("Verification code is invalid or already used")
    if code_provider and code_provider != row.code_provider:
        raise not_allowed(f'Verification code does not belong to provider "{code_provider}"')
    if row.requested_at + timedelta(seconds=opts.verification_ttl_seconds) <= datetime.now(UTC):
        raise not_allowed("Verification code has expired")
    done = (await conn.execute(update(auth_verification).where(auth_verification.c.id == row.id).values(
        verified_at=func.now(), updated_at=func.now()).returning(*auth_verification.c))).one()
    return {"entity_id": done.entity_id, "entity_type": done.entity_type, "code_provider": done.code_provider,
            "verified_at": done.verified_at}
