"""Auth identities: one `auth_identity` per person, one `provider_identity` per (provider, entity_id).

`auth_identity.app_metadata["<actor_type>_id"]` links the identity to its actor (user, customer...): that is how
a login token gets its `actor_id`. The emailpass provider keeps the password hash in
`provider_identity.provider_metadata.password`.
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from sqlalchemy import String, Text, bindparam, delete, func, insert, literal, select, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.errors import invalid_data, not_found, unauthorized
from euryale.ids import generate_id
from euryale.modules.auth import passwords
from euryale.modules.auth.models import auth_identity, auth_token_use, provider_identity

EMAILPASS = "emailpass"
INVALID_CREDENTIALS = "Invalid email or password"


def _identity_row(row: Any) -> dict[str, Any]:
    return {
        "id": row.auth_identity_id,
        "app_metadata": dict(row.app_metadata or {}),
        "provider_identity": {
            "id": row.id, "entity_id": row.entity_id, "provider": row.provider,
            "user_metadata": dict(row.user_metadata or {}) if row.user_metadata is not None else None,
            "provider_metadata": dict(row.provider_metadata or {}),
        },
    }


def _joined() -> Any:
    return (select(provider_identity, auth_identity.c.app_metadata)
            .select_from(provider_identity.join(auth_identity,
                                                auth_identity.c.id == provider_identity.c.auth_identity_id)))


@functools.cache
def _by_entity_statement(for_update: bool) -> Any:
    """Identity by (provider, entity_id), built once (every login and registration reads it)."""
    stmt = _joined().where(provider_identity.c.provider == bindparam("provider", type_=String),
                           provider_identity.c.entity_id == bindparam("entity_id", type_=String))
    return stmt.with_for_update(of=provider_identity) if for_update else stmt


@functools.cache
def _by_identity_statement(with_provider: bool) -> Any:
    """Identity by auth identity id (and provider), its first provider identity; built once."""
    stmt = _joined().where(provider_identity.c.auth_identity_id == bindparam("auth_identity_id", type_=String))
    if with_provider:
        stmt = stmt.where(provider_identity.c.provider == bindparam("provider", type_=String))
    return stmt.order_by(provider_identity.c.created_at).limit(1)


async def find_provider_identity(conn: AsyncConnection, *, provider: str, entity_id: str,
                                 for_update: bool = False) -> dict[str, Any] | None:
    """The identity registered with `provider` under `entity_id` (e.g. an email), or None."""
    row = (await conn.execute(_by_entity_statement(for_update), {"provider": provider, "entity_id": entity_id})
           ).first()
    return _identity_row(row) if row is not None else None


async def retrieve_auth_identity(conn: AsyncConnection, *, auth_identity_id: str,
                                 provider: str | None = None) -> dict[str, Any]:
    """An auth identity with (one of) its provider identities; 404 when unknown."""
    params = {"auth_identity_id": auth_identity_id, **({"provider": provider} if provider else {})}
    row = (await conn.execute(_by_identity_statement(bool(provider)), params)).first()
    if row is None:
        raise not_found(f"AuthIdentity with id: {auth_identity_id} was not found")
    return _identity_row(row)


async def create_auth_identity(conn: AsyncConnection, *, provider: str, entity_id: str,
                               provider_metadata: dict[str, Any] | None = None,
                               user_metadata: dict[str, Any] | None = None,
                               app_metadata: dict[str, Any] | None = None) -> dict[str, Any]:
    """Create an auth identity and its provider identity in the caller's transaction (one statement)."""
    row = (await conn.execute(_create_identity_statement(), {
        "identity_id": generate_id("authid"), "app_metadata": app_metadata or {},
        "provider_identity_id": generate_id("provid"), "entity_id": entity_id, "provider": provider,
        "user_metadata": user_metadata, "provider_metadata": provider_metadata or {}})).one()
    return _identity_row(row)


@functools.cache
def _create_identity_statement() -> Any:
    """The provider identity's INSERT with its auth identity's in a data-modifying CTE (every registration runs
    it), returning the provider identity and the app metadata written; built once."""
    identity_id = bindparam("identity_id", type_=String)
    app_metadata = bindparam("app_metadata", type_=JSONB)
    new_identity = insert(auth_identity).values(id=identity_id, app_metadata=app_metadata).cte("new_identity")
    return insert(provider_identity).values(
        id=bindparam("provider_identity_id", type_=String), entity_id=bindparam("entity_id", type_=String),
        provider=bindparam("provider", type_=String), auth_identity_id=identity_id,
        user_metadata=bindparam("user_metadata", type_=JSONB),
        provider_metadata=bindparam("provider_metadata", type_=JSONB),
    ).add_cte(new_identity).returning(*provider_identity.c, app_metadata.label("app_metadata"))


async def update_provider_metadata(conn: AsyncConnection, *, provider_identity_id: str,
                                   values: dict[str, Any]) -> None:
    """Merge `values` into a provider identity's `provider_metadata`."""
    await conn.execute(update(provider_identity).where(provider_identity.c.id == provider_identity_id).values(
        provider_metadata=func.coalesce(provider_identity.c.provider_metadata, func.jsonb_build_object())
        .op("||")(literal(values, type_=JSONB)),
        updated_at=func.now()))


@functools.cache
def _link_actor_statement() -> Any:
    """`app_metadata[key] = value` unless another value is linked under `key` (binds auth_identity_id, key,
    value); built once, its construction costs more than running it."""
    key, value = bindparam("key", type_=Text), bindparam("value", type_=Text)
    meta = auth_identity.c.app_metadata
    return update(auth_identity).where(
        auth_identity.c.id == bindparam("auth_identity_id", type_=String),
        func.coalesce(meta.op("->>", return_type=Text)(key), "").in_(["", value]),
    ).values(app_metadata=func.coalesce(meta, func.jsonb_build_object()).op("||")(func.jsonb_build_object(key, value)),
             updated_at=func.now()).returning(meta)


async def set_app_metadata(conn: AsyncConnection, *, auth_identity_id: str, actor_type: str,
                           value: str | None) -> dict[str, Any]:
    """Link (or with None unlink) an actor: `app_metadata["<actor_type>_id"] = value`.

    Linking an identity that already has an actor of that type is refused, as Medusa's setAuthAppMetadataStep.
    """
    key = f"{actor_type}_id"
    if value is not None:
        # one statement: the row lock of the UPDATE re-checks the condition against a concurrent link
        linked = (await conn.execute(_link_actor_statement(), {"auth_identity_id": auth_identity_id, "key": key,
                                                               "value": value})).first()
        if linked is not None:
            return dict(linked.app_metadata or {})
    row = (await conn.execute(select(auth_identity.c.app_metadata).where(auth_identity.c.id == auth_identity_id)
                              .with_for_update())).first()
    if row is None:
        raise not_found(f"AuthIdentity with id: {auth_identity_id} was not found")
    meta = dict(row.app_metadata or {})
    if value is not None and meta.get(key) and meta[key] != value:
        raise invalid_data(f"Key {key} already exists in app metadata")
    if value is None:
        meta.pop(key, None)
    else:
        meta[key] = value
    await conn.execute(update(auth_identity).where(auth_identity.c.id == auth_identity_id)
                       .values(app_metadata=meta, updated_at=func.now()))
    return meta


async def unlink_actor(conn: AsyncConnection, *, actor_type: str, actor_id: str) -> int:
    """Remove `<actor_type>_id = actor_id` from every identity (actor deleted); returns how many changed."""
    key = f"{actor_type}_id"
    result = await conn.execute(
        update(auth_identity).where(auth_identity.c.app_metadata[key].astext == actor_id)
        .values(app_metadata=auth_identity.c.app_metadata.op("-")(key), updated_at=func.now()))
    return int(result.rowcount or 0)


async def consume_token(conn: AsyncConnection, *, jti: str, purpose: str, expires_at: datetime) -> bool:
    """Mark a single-use token as used; False when it already was (atomic under concurrency)."""
    await conn.execute(delete(auth_token_use).where(auth_token_use.c.expires_at < func.now()))
    result = await conn.execute(
        pg_insert(auth_token_use).values(jti=jti, purpose=purpose, expires_at=expires_at)
        .on_conflict_do_nothing(index_elements=["jti"]).returning(auth_token_use.c.jti))
    return result.first() is not None


# --- emailpass provider ---------------------------------------------------------------------------------------

def _credentials(body: dict[str, Any] | None) -> tuple[str, str]:
    body = body or {}
    email, password = body.get("email"), body.get("password")
    if not password or not isinstance(password, str):
        raise unauthorized("Password should be a string")
    if not email or not isinstance(email, str):
        raise unauthorized("Email should be a string")
    return email, password


def _public(identity: dict[str, Any]) -> dict[str, Any]:
    """Never hand the password hash beyond the provider."""
    identity["provider_identity"]["provider_metadata"].pop("password", None)
    return identity


async def emailpass_register(conn: AsyncConnection, body: dict[str, Any] | None) -> dict[str, Any]:
    """Create an emailpass identity; 401 "Identity with email already exists" on a duplicate.

    As Medusa 2.21.2: registering again an identity no actor has claimed yet, with its password, succeeds (the
    storefront retries a sign-up whose customer creation failed)."""
    email, password = _credentials(body)
    existing = await find_provider_identity(conn, provider=EMAILPASS, entity_id=email)
    if existing is not None:
        stored = existing["provider_identity"]["provider_metadata"].get("password")
        if not existing["app_metadata"]:
            ok, _ = await passwords.verify_password(stored if isinstance(stored, str) else None, password)
            if ok:
                return _public(existing)
        raise unauthorized("Identity with email already exists")
    hashed = await passwords.hash_password(password)
    return _public(await create_auth_identity(conn, provider=EMAILPASS, entity_id=email,
                                              provider_metadata={"password": hashed}))


async def emailpass_authenticate(conn: AsyncConnection, body: dict[str, Any] | None) -> dict[str, Any]:
    """Check email + password; a legacy scrypt-kdf hash is upgraded to Argon2id on success."""
    email, password = _credentials(body)
    identity = await find_provider_identity(conn, provider=EMAILPASS, entity_id=email)
    if identity is None:
        # spend the same time as a real check so response timing does not reveal which emails exist
        await passwords.verify_password(_DUMMY_HASH, password)
        raise unauthorized(INVALID_CREDENTIALS)
    stored = identity["provider_identity"]["provider_metadata"].get("password")
    ok, needs_rehash = await passwords.verify_password(stored if isinstance(stored, str) else None, password)
    if not ok:
        raise unauthorized(INVALID_CREDENTIALS)
    if needs_rehash:
        await update_provider_metadata(conn, provider_identity_id=identity["provider_identity"]["id"],
                                       values={"password": await passwords.hash_password(password)})
    return _public(identity)


async def emailpass_update(conn: AsyncConnection, *, entity_id: str, body: dict[str, Any] | None) -> dict[str, Any]:
    """Set a new password for the identity `entity_id` (reset flow); without a password nothing changes."""
    identity = await find_provider_identity(conn, provider=EMAILPASS, entity_id=entity_id, for_update=True)
    if identity is None:
        raise unauthorized(f"Cannot update {EMAILPASS} provider identity without email")
    password = (body or {}).get("password")
    if password and isinstance(password, str):
        await update_provider_metadata(conn, provider_identity_id=identity["provider_identity"]["id"],
                                       values={"password": await passwords.hash_password(password)})
    return _public(identity)


_DUMMY_HASH = passwords.hash_password_sync("euryale-timing-equaliser")
