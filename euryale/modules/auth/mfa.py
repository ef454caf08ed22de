"""MFA: TOTP factors (pending → enabled → disabled), recovery codes and login challenges (Medusa 2.21.2's auth
module behaviour and messages).

Every function runs in the caller's connection/transaction. Secrets stay in `provider_metadata` (encrypted) and
are never part of an answer; a TOTP code is accepted once (the matched time step is remembered on the factor, as
RFC 6238 §5.2 asks; Medusa accepts a code again within its window).
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Integer, String, bindparam, delete, exists, func, insert, literal, select, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from euryale.errors import invalid_data, not_allowed, not_found
from euryale.ids import generate_id
from euryale.modules.auth import otp
from euryale.modules.auth.models import auth_identity, auth_mfa_challenge, auth_mfa_factor, auth_mfa_recovery_code
from euryale.modules.auth.options import RECOVERY_CODE, TOTP, AuthOptions

PENDING, ENABLED, DISABLED = "pending", "enabled", "disabled"
ALREADY_ACTIVE = "An active TOTP factor already exists for this auth identity"
KEY_REQUIRED = "MFA encryption key is required to use MFA methods"

_factor_live = auth_mfa_factor.c.deleted_at.is_(None)
_code_live = auth_mfa_recovery_code.c.deleted_at.is_(None)


def factor_not_found(factor_id: str) -> Exception:
    return not_found(f'MFA factor with id "{factor_id}" was not found')


def unknown_method(method: str) -> Exception:
    # Medusa fails inside its provider registry (500); a name nobody registered is bad input here
    return invalid_data(f"Unable to retrieve the MFA method with id: {method}")


def serialize_factor(row: Any) -> dict[str, Any]:
    """A stored factor as Medusa answers it (never its `provider_metadata`)."""
    return {"id": row.id, "auth_identity_id": row.auth_identity_id, "auth_identity": {"id": row.auth_identity_id},
            "provider": row.provider, "status": row.status, "metadata": row.metadata,
            "created_at": row.created_at, "updated_at": row.updated_at, "deleted_at": row.deleted_at}


def serialize_challenge(row: Any) -> dict[str, Any]:
    """A challenge as Medusa answers it in a login's `mfa_challenge`."""
    return {"id": row.id, "auth_identity_id": row.auth_identity_id, "auth_provider": row.auth_provider,
            "methods": list(row.methods), "expires_at": row.expires_at, "attempts": row.attempts,
            "max_attempts": row.max_attempts, "completed_at": row.completed_at, "metadata": row.metadata}


async def list_factors(conn: AsyncConnection, *, auth_identity_id: str, status: str | None = None
                       ) -> list[dict[str, Any]]:
    """The identity's factors, oldest first."""
    stmt = select(auth_mfa_factor).where(auth_mfa_factor.c.auth_identity_id == auth_identity_id, _factor_live)
    if status is not None:
        stmt = stmt.where(auth_mfa_factor.c.status == status)
    rows = (await conn.execute(stmt.order_by(auth_mfa_factor.c.created_at, auth_mfa_factor.c.id))).all()
    return [serialize_factor(row) for row in rows]


async def _factor_row(conn: AsyncConnection, *, factor_id: str, auth_identity_id: str) -> Any:
    row = (await conn.execute(select(auth_mfa_factor).where(
        auth_mfa_factor.c.id == factor_id, auth_mfa_factor.c.auth_identity_id == auth_identity_id, _factor_live)
        .with_for_update())).first()
    if row is None:
        raise factor_not_found(factor_id)
    return row


async def start_factor(conn: AsyncConnection, opts: AuthOptions, *, auth_identity_id: str, provider: str,
                       label: str | None, issuer: str | None, metadata: dict[str, Any] | None) -> dict[str, Any]:
    """Enrol a pending TOTP factor: `{mfa_factor, secret, otpauth_url}` (the only time the secret is shown)."""
    known = (await conn.execute(select(auth_identity.c.id).where(auth_identity.c.id == auth_identity_id))).first()
    if known is None:
        raise not_found(f"AuthIdentity with id: {auth_identity_id} was not found")
    if provider == RECOVERY_CODE:
        raise invalid_data(f'MFA provider "{provider}" does not support setup')
    if provider != TOTP:
        raise unknown_method(provider)
    active = (await conn.execute(select(auth_mfa_factor.c.id).where(
        auth_mfa_factor.c.auth_identity_id == auth_identity_id, auth_mfa_factor.c.provider == TOTP,
        auth_mfa_factor.c.status.in_([PENDING, ENABLED]), _factor_live).limit(1))).first()
    if active is not None:
        raise not_allowed(ALREADY_ACTIVE)
    if not opts.encryption_key:
        raise invalid_data(KEY_REQUIRED)
    secret = otp.generate_secret()
    issuer = issuer if issuer is not None else opts.totp_issuer
    meta = {**(metadata or {}), **({"label": label} if label is not None else {})}
    factor_id = generate_id("authmfa")
    try:
        async with conn.begin_nested():
            await conn.execute(insert(auth_mfa_factor).values(
                id=factor_id, auth_identity_id=auth_identity_id, provider=TOTP, status=PENDING,
                provider_metadata={"secret": otp.encrypt_secret(secret, opts.encryption_key), "issuer": issuer},
                metadata=meta))
    except IntegrityError:  # a concurrent enrolment won the partial unique index
        raise not_allowed(ALREADY_ACTIVE) from None
    return {
        # as Medusa's create answer: no timestamps
        "mfa_factor": {"id": factor_id, "auth_identity_id": auth_identity_id, "provider": TOTP, "status": PENDING,
                       "metadata": meta},
        "secret": secret,
        "otpauth_url": otp.otpauth_url(issuer=issuer, account=label if label is not None else auth_identity_id,
                                       secret=secret, digits=opts.totp_digits, period=opts.totp_period),
    }


async def _check_totp(conn: AsyncConnection, opts: AuthOptions, factor: Any, code: str) -> bool:
    """Whether `code` is the factor's current code and was not used before (its step is then remembered)."""
    if not opts.encryption_key:
        raise invalid_data(KEY_REQUIRED)
    provider_metadata = dict(factor.provider_metadata or {})
    secret = otp.decrypt_secret(str(provider_metadata.get("secret") or ""), opts.encryption_key)
    if secret is None:
        return False
    step = otp.match_step(secret, code, digits=opts.totp_digits, period=opts.totp_period, window=opts.totp_window)
    last = provider_metadata.get("last_step")
    if step is None or (isinstance(last, int) and step <= last):
        return False
    await conn.execute(update(auth_mfa_factor).where(auth_mfa_factor.c.id == factor.id).values(
        provider_metadata=func.coalesce(auth_mfa_factor.c.provider_metadata, func.jsonb_build_object())
        .op("||")(literal({"last_step": step}, type_=JSONB))))
    return True


async def verify_factor(conn: AsyncConnection, opts: AuthOptions, *, factor_id: str, auth_identity_id: str,
                        code: str) -> tuple[str, dict[str, Any]]:
    """Confirm an enrolment with a code: a pending factor becomes enabled. Returns (status before, factor)."""
    factor = await _factor_row(conn, factor_id=factor_id, auth_identity_id=auth_identity_id)
    if factor.provider != TOTP:
        raise invalid_data("Only TOTP MFA factors can be verified with this method")
    if factor.status == DISABLED:
        raise not_allowed("Disabled MFA factors cannot be verified")
    if not await _check_totp(conn, opts, factor, code):
        raise not_allowed("Invalid TOTP code")
    row = (await conn.execute(update(auth_mfa_factor).where(auth_mfa_factor.c.id == factor.id).values(
        status=ENABLED, updated_at=func.now()).returning(*auth_mfa_factor.c))).one()
    return str(factor.status), serialize_factor(row)


async def _verify_method(conn: AsyncConnection, opts: AuthOptions, *, auth_identity_id: str, method: str,
                         code: str) -> bool:
    if method == TOTP:
        factor = (await conn.execute(select(auth_mfa_factor).where(
            auth_mfa_factor.c.auth_identity_id == auth_identity_id, auth_mfa_factor.c.provider == TOTP,
            auth_mfa_factor.c.status == ENABLED, _factor_live).limit(1).with_for_update())).first()
        return factor is not None and await _check_totp(conn, opts, factor, code)
    if method == RECOVERY_CODE:
        return await use_recovery_code(conn, auth_identity_id=auth_identity_id, code=code)
    raise unknown_method(method)


async def disable_factor(conn: AsyncConnection, opts: AuthOptions, *, factor_id: str, auth_identity_id: str,
                         method: str | None, code: str | None) -> tuple[str, dict[str, Any]]:
    """Disable a factor (with `disable_policy: "challenge"` an enabled one needs a valid code first)."""
    factor = await _factor_row(conn, factor_id=factor_id, auth_identity_id=auth_identity_id)
    if factor.status == ENABLED and opts.disable_policy == "challenge":
        if not method or not code:
            raise invalid_data("MFA verification code is required to disable MFA")
        if not await _verify_method(conn, opts, auth_identity_id=auth_identity_id, method=method, code=code):
            raise not_allowed("Invalid MFA verification code")
    row = (await conn.execute(update(auth_mfa_factor).where(auth_mfa_factor.c.id == factor.id).values(
        status=DISABLED, updated_at=func.now()).returning(*auth_mfa_factor.c))).one()
    return str(factor.status), serialize_factor(row)


# --- recovery codes --------------------------------------------------------------------------------------------

async def generate_recovery_codes(conn: AsyncConnection, *, auth_identity_id: str, count: int) -> list[str]:
    """Replace the identity's recovery codes with `count` new ones (only their hashes are stored)."""
    codes = [otp.generate_recovery_code() for _ in range(count)]
    await conn.execute(delete(auth_mfa_recovery_code).where(
        auth_mfa_recovery_code.c.auth_identity_id == auth_identity_id))
    await conn.execute(insert(auth_mfa_recovery_code), [
        {"id": generate_id("authmfarec"), "auth_identity_id": auth_identity_id, "code_hash": otp.hash_recovery_code(c)}
        for c in codes])
    return codes


async def use_recovery_code(conn: AsyncConnection, *, auth_identity_id: str, code: str) -> bool:
    """Consume one recovery code: found by its hash and deleted in one statement, so it works once."""
    used = (await conn.execute(delete(auth_mfa_recovery_code).where(
        auth_mfa_recovery_code.c.auth_identity_id == auth_identity_id,
        auth_mfa_recovery_code.c.code_hash == otp.hash_recovery_code(code)).returning(auth_mfa_recovery_code.c.id)
    )).first()
    if used is not None:
        return True
    legacy = (await conn.execute(select(auth_mfa_recovery_code.c.id, auth_mfa_recovery_code.c.code_hash).where(
        auth_mfa_recovery_code.c.auth_identity_id == auth_identity_id, _code_live,
        auth_mfa_recovery_code.c.code_hash.not_like(otp.SHA256_PREFIX + "%")).with_for_update())).all()
    for row in legacy:  # codes generated by Medusa (scrypt-kdf): checked one by one
        if otp.verify_legacy_recovery_code(row.code_hash, code):
            await conn.execute(delete(auth_mfa_recovery_code).where(auth_mfa_recovery_code.c.id == row.id))
            return True
    return False


# --- login challenges ------------------------------------------------------------------------------------------

@functools.cache
def _methods_statement() -> Any:
    """Enabled factor providers and whether recovery codes exist, in one round trip (every login runs it)."""
    identity = bindparam("auth_identity_id", type_=String)
    providers = select(func.array_agg(auth_mfa_factor.c.provider.distinct())).where(
        auth_mfa_factor.c.auth_identity_id == identity, auth_mfa_factor.c.status == ENABLED, _factor_live
    ).scalar_subquery()
    has_codes = exists().where(auth_mfa_recovery_code.c.auth_identity_id == identity, _code_live)
    return select(providers.label("providers"), has_codes.label("has_codes"))


async def challenge_methods(conn: AsyncConnection, *, auth_identity_id: str) -> list[str]:
    """Methods a login challenge accepts: enabled factors, plus `recovery_code` when codes exist; [] = no MFA."""
    row = (await conn.execute(_methods_statement(), {"auth_identity_id": auth_identity_id})).one()
    methods = [p for p in (row.providers or []) if p == TOTP]
    if methods and row.has_codes:
        methods.append(RECOVERY_CODE)
    return methods


async def create_challenge(conn: AsyncConnection, opts: AuthOptions, *, auth_identity_id: str,
                           auth_provider: str | None, methods: list[str]) -> dict[str, Any]:
    """A pending challenge for a login that passed its first factor."""
    # challenges that expired a while ago are of no use to anyone: dropped here, no job needed
    await conn.execute(delete(auth_mfa_challenge).where(
        auth_mfa_challenge.c.expires_at < func.now() - timedelta(hours=1)))
    row = (await conn.execute(insert(auth_mfa_challenge).values(
        id=generate_id("authmfachal"), auth_identity_id=auth_identity_id, auth_provider=auth_provider,
        methods=methods, expires_at=datetime.now(UTC) + timedelta(seconds=opts.challenge_ttl_seconds),
        attempts=0, max_attempts=opts.challenge_max_attempts, metadata=None,
    ).returning(*auth_mfa_challenge.c))).one()
    return serialize_challenge(row)


def challenge_not_found(challenge_id: str) -> Exception:
    return not_found(f'MFA challenge with id "{challenge_id}" was not found')


async def verify_challenge(conn: AsyncConnection, opts: AuthOptions, *, challenge_id: str, auth_identity_id: str,
                           method: str, code: str) -> tuple[dict[str, Any] | None, Exception | None]:
    """Answer a challenge: (completed challenge, None), or (None, error) after counting a failed attempt.

    The error is returned rather than raised so the caller commits the attempt before answering 400."""
    row = (await conn.execute(select(auth_mfa_challenge).where(auth_mfa_challenge.c.id == challenge_id)
                              .with_for_update())).first()
    if row is None or row.auth_identity_id != auth_identity_id:
        raise challenge_not_found(challenge_id)
    if row.completed_at is not None:
        raise not_allowed("MFA challenge has already been completed")
    if row.expires_at <= datetime.now(UTC):
        raise not_allowed("MFA challenge has expired")
    if row.attempts >= row.max_attempts:
        raise not_allowed("MFA challenge has too many failed attempts")
    if method not in row.methods:
        raise invalid_data(f'MFA challenge does not support method "{method}"')
    if not await _verify_method(conn, opts, auth_identity_id=row.auth_identity_id, method=method, code=code):
        attempts = (await conn.execute(update(auth_mfa_challenge).where(auth_mfa_challenge.c.id == row.id).values(
            attempts=auth_mfa_challenge.c.attempts + literal(1, Integer)).returning(auth_mfa_challenge.c.attempts)
        )).scalar_one()
        return None, not_allowed("MFA challenge has too many failed attempts" if attempts >= row.max_attempts
                                 else "Invalid MFA challenge code")
    done = (await conn.execute(update(auth_mfa_challenge).where(auth_mfa_challenge.c.id == row.id).values(
        completed_at=func.now()).returning(*auth_mfa_challenge.c))).one()
    return serialize_challenge(done), None
