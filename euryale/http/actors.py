"""Who may call a route: FastAPI dependencies mirroring Medusa's `authenticate(actor, methods, options)`.

- `require_user`: admin routes — bearer JWT (actor `user`), session cookie, or a secret API key
  (`Authorization: Basic base64("sk_...:")`, `Basic sk_...` or a bare `sk_...` header).
- `require_customer` / `optional_customer`: store routes — bearer JWT (actor `customer`) or session.
- `allow_unregistered(actor_types)`: register/accept flows where the identity has no actor yet.
- `authenticate(...)`: the general factory for anything else (e.g. `/auth/session`).

Each dependency returns `euryale.http.auth.AuthContext` (or None for the optional one) and raises
`UnauthorizedError` (bare `{"message": "Unauthorized"}` 401) otherwise. The context is also left on
`request.state.auth_context`.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime

from fastapi import Request
from sqlalchemy import or_, select

from euryale.http.auth import AuthContext, UnauthorizedError, config_of, context_from_payload, decode_token
from euryale.http.sessions import load_session
from euryale.modules.api_key.models import api_key

SESSION = "session"
BEARER = "bearer"
API_KEY = "api-key"
ADMIN_ACTOR = "user"
MFA_REQUIRED = "MFA verification is required to complete this request"
SECRET_AS_BEARER = (
    "A secret API key was passed as a Bearer token. Secret API keys must be sent using HTTP Basic "
    "authentication instead (Authorization: Basic <secret-api-key>)."
)
# The scrypt check costs ~50 ms per active key, so a token -> key id match is remembered briefly;
# revocation is still seen at once because `revoked_at` is re-read on every request.
SECRET_CACHE_TTL_S = 5.0
_secret_cache: dict[str, tuple[float, str]] = {}
# A miss is remembered only against the exact set of live keys it was checked against: a key created (or
# un-revoked) since changes that set, so a negative answer can never hide a valid key. This stops a client that
# repeats a wrong `sk_` from costing one scrypt per live key on every request.
_miss_cache: dict[str, tuple[float, frozenset[str]]] = {}
MISS_CACHE_MAX = 1024

Dependency = Callable[[Request], Awaitable[AuthContext]]
OptionalDependency = Callable[[Request], Awaitable[AuthContext | None]]


def _permitted(actor_types: Sequence[str], actor_type: str | None) -> bool:
    return "*" in actor_types or (actor_type or "") in actor_types


def hash_secret_token(token: str, salt_hex: str) -> str:
    """The stored form of a secret key: scrypt(token, salt) hex, N=16384 r=8 p=1, 64 bytes."""
    return hashlib.scrypt(token.encode(), salt=bytes.fromhex(salt_hex), n=16384, r=8, p=1, dklen=64).hex()


def secret_token_from_header(header: str | None) -> str | None:
    """The `sk_...` token of an `Authorization: Basic ...` (or bare `sk_...`) header, else None."""
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    if not value:
        token = scheme  # bare `sk_...` header
    elif scheme.lower() == "basic":
        token = value.strip()
        if not token.startswith("sk_"):
            try:
                token = base64.b64decode(token, validate=False).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError, ValueError):
                return None
    else:
        return None
    if token.endswith(":"):
        token = token[:-1]
    return token if token.startswith("sk_") else None


def forget_secret_key_cache() -> None:
    """Drop remembered secret-key matches (after a key is revoked or deleted)."""
    _secret_cache.clear()
    _miss_cache.clear()


async def authenticate_secret_key(request: Request, token: str) -> str | None:
    """The id of the live secret API key matching `token` (revoked_at null or in the future), else None."""
    container = request.app.state.container
    now = datetime.now(UTC)
    fingerprint = hashlib.sha256(token.encode()).hexdigest()
    live = or_(api_key.c.revoked_at.is_(None), api_key.c.revoked_at > now)
    cached = _secret_cache.get(fingerprint)
    async with container.database().read() as conn:
        if cached is not None and cached[0] > time.monotonic():
            row = (await conn.execute(
                select(api_key.c.id).where(api_key.c.id == cached[1], api_key.c.type == "secret", live)
            )).first()
            return str(row.id) if row is not None else None
        rows = (await conn.execute(
            select(api_key.c.id, api_key.c.token, api_key.c.salt).where(api_key.c.type == "secret", live)
        )).all()
    candidates = frozenset(str(row.id) for row in rows)
    miss = _miss_cache.get(fingerprint)
    if miss is not None and miss[0] > time.monotonic() and miss[1] == candidates:
        return None
    for row in rows:
        if not row.salt:
            continue
        try:
            digest = await asyncio.to_thread(hash_secret_token, token, row.salt)
        except ValueError:
            continue
        if hmac.compare_digest(digest, row.token):
            _secret_cache[fingerprint] = (time.monotonic() + SECRET_CACHE_TTL_S, row.id)
            _miss_cache.pop(fingerprint, None)
            return str(row.id)
    if len(_miss_cache) >= MISS_CACHE_MAX:
        _miss_cache.clear()
    _miss_cache[fingerprint] = (time.monotonic() + 60.0, candidates)
    return None


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    parts = header.split()
    if len(parts) >= 2 and parts[0].lower() == "bearer":
        return parts[1]
    return None


async def resolve_auth(request: Request, actor_types: Sequence[str], methods: Sequence[str], *,
                       allow_unregistered: bool = False, allow_unauthenticated: bool = False,
                       require_mfa: bool | None = None) -> AuthContext | None:
    """Medusa's authenticate middleware: the caller's context, None (anonymous allowed) or UnauthorizedError.

    `require_mfa` (default: unless anonymous callers are allowed, as Medusa) refuses a context of an identity
    with MFA enabled whose login challenge was not answered."""
    exclusively_user = list(actor_types) == [ADMIN_ACTOR]
    header = request.headers.get("authorization")
    if API_KEY in methods and exclusively_user:
        token = secret_token_from_header(header)
        if token is not None:
            key_id = await authenticate_secret_key(request, token)
            if key_id is not None:
                ctx = AuthContext(actor_id=key_id, actor_type="api-key", auth_identity_id="")
                request.state.auth_context = ctx
                return ctx

    ctx_found: AuthContext | None = None
    invalid_bearer = False
    bearer = _bearer(request) if BEARER in methods else None
    if bearer is not None:
        try:
            payload = decode_token(config_of(request), bearer)
        except UnauthorizedError:
            invalid_bearer = True
        else:
            if payload.get("purpose") == "reset":
                # single-use reset tokens only open the password update route, never a session
                invalid_bearer = True
            elif _permitted(actor_types, payload.get("actor_type")):
                ctx_found = context_from_payload(payload)
    if ctx_found is None and SESSION in methods:
        session = await load_session(request)
        auth_context = (session or {}).get("auth_context")
        if isinstance(auth_context, dict) and _permitted(actor_types, auth_context.get("actor_type")):
            ctx_found = context_from_payload(auth_context)

    if (ctx_found is not None and ctx_found.mfa_enabled and not ctx_found.mfa_challenge_completed_at
            and (require_mfa if require_mfa is not None else not allow_unauthenticated)):
        raise UnauthorizedError(MFA_REQUIRED)
    if ctx_found is not None and ctx_found.actor_id:
        request.state.auth_context = ctx_found
        return ctx_found
    if ctx_found is not None and ctx_found.auth_identity_id and allow_unregistered:
        request.state.auth_context = ctx_found
        return ctx_found
    if API_KEY in methods and exclusively_user and bearer is not None and bearer.startswith("sk_"):
        raise UnauthorizedError(SECRET_AS_BEARER)
    if invalid_bearer:
        raise UnauthorizedError()
    if allow_unauthenticated:
        return None
    raise UnauthorizedError()


def authenticate(actor_types: str | Sequence[str], methods: Sequence[str] = (SESSION, BEARER), *,
                 allow_unregistered: bool = False, require_mfa: bool = True) -> Dependency:
    """A dependency requiring one of `actor_types` (`"*"` = any) through one of `methods`; `require_mfa=False`
    lets a login whose MFA challenge is still open through (session creation, refresh, the challenge itself)."""
    actors = [actor_types] if isinstance(actor_types, str) else list(actor_types)

    async def dependency(request: Request) -> AuthContext:
        ctx = await resolve_auth(request, actors, methods, allow_unregistered=allow_unregistered,
                                 require_mfa=require_mfa)
        assert ctx is not None  # resolve_auth raises when not allow_unauthenticated
        return ctx

    return dependency


def optional(actor_types: str | Sequence[str], methods: Sequence[str] = (SESSION, BEARER)) -> OptionalDependency:
    """Like `authenticate` but anonymous callers get None (a bad bearer is still a 401)."""
    actors = [actor_types] if isinstance(actor_types, str) else list(actor_types)

    async def dependency(request: Request) -> AuthContext | None:
        return await resolve_auth(request, actors, methods, allow_unauthenticated=True)

    return dependency


def allow_unregistered(actor_types: str | Sequence[str], methods: Sequence[str] = (SESSION, BEARER), *,
                       require_mfa: bool = True) -> Dependency:
    """For register/accept flows: a token whose identity has no actor yet (`actor_id == ""`) is accepted."""
    return authenticate(actor_types, methods, allow_unregistered=True, require_mfa=require_mfa)


require_user: Dependency = authenticate(ADMIN_ACTOR, (SESSION, BEARER, API_KEY))
require_customer: Dependency = authenticate("customer", (SESSION, BEARER))
optional_customer: OptionalDependency = optional("customer", (SESSION, BEARER))


def created_by(ctx: AuthContext | None) -> str | None:
    """What Medusa records in `created_by` columns: the actor id."""
    return ctx.actor_id if ctx is not None else None
