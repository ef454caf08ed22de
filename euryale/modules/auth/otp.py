"""TOTP (RFC 6238 over RFC 4226 HOTP, HMAC-SHA1), TOTP secret encryption and recovery-code hashing.

TOTP is written here with `hmac` rather than taken from a library: the algorithm is a dozen lines, the tests check
it against RFC 6238's own test vectors, and verification needs what libraries hide (the matched time step, so a
code is accepted once). Secrets are encrypted with AES-256-GCM in Medusa's exact format (`v1:iv:tag:ciphertext`,
base64url, key = SHA-256 of the configured `mfa.encryption_key`), so factors of a database migrated from Medusa
still verify. Recovery codes carry 128 random bits, so one SHA-256 is as safe as a slow KDF and lets a code be
found (and deleted, i.e. used once) by its hash in one statement; Medusa's scrypt-kdf hashes are still verified.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import struct
import time
from urllib.parse import quote

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from euryale.modules.auth.passwords import scrypt_kdf_verify

ENCRYPTION_VERSION = "v1"
SHA256_PREFIX = "sha256$"


def generate_secret(size: int = 20) -> str:
    """A base32 shared secret (160 bits by default, RFC 4226's recommended length), without padding."""
    return base64.b32encode(os.urandom(size)).decode().rstrip("=")


def _decode_secret(secret: str) -> bytes:
    normalized = "".join(secret.split()).upper().rstrip("=")
    return base64.b32decode(normalized + "=" * (-len(normalized) % 8))


def hotp(key: bytes, counter: int, digits: int = 6) -> str:
    """RFC 4226 HOTP value of `counter` (dynamic truncation of HMAC-SHA1)."""
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10 ** digits).zfill(digits)


def totp(secret: str, *, at: float | None = None, digits: int = 6, period: int = 30) -> str:
    """The code of base32 `secret` at unix time `at` (now by default)."""
    step = int((time.time() if at is None else at) // period)
    return hotp(_decode_secret(secret), step, digits)


def match_step(secret: str, code: str, *, digits: int = 6, period: int = 30, window: int = 1,
               at: float | None = None) -> int | None:
    """The time step (within ±`window` steps of now) whose code is `code`, or None."""
    if not code or len(code) != digits or not code.isascii() or not code.isdigit():
        return None
    try:
        key = _decode_secret(secret)
    except ValueError:
        return None
    now = int((time.time() if at is None else at) // period)
    for step in range(now - window, now + window + 1):
        if hmac.compare_digest(hotp(key, step, digits), code):
            return step
    return None


def _uri_component(text: str) -> str:
    """JavaScript's encodeURIComponent (what Medusa's otplib applies)."""
    return quote(text, safe="-_.!~*'()")


def otpauth_url(*, issuer: str, account: str, secret: str, digits: int = 6, period: int = 30) -> str:
    """The `otpauth://totp/Issuer:account?secret=...&issuer=...` URI authenticator apps read, as otplib writes it
    (SHA1, `digits`/`period` only when not the defaults 6/30)."""
    label = ":".join(_uri_component(part) for part in f"{issuer}:{account}".split(":"))
    params = [f"secret={_uri_component(secret)}", f"issuer={_uri_component(issuer)}"]
    if digits != 6:
        params.append(f"digits={digits}")
    if period != 30:
        params.append(f"period={period}")
    return f"otpauth://totp/{label}?{'&'.join(params)}"


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _key(encryption_key: str) -> bytes:
    return hashlib.sha256(encryption_key.encode()).digest()


def encrypt_secret(secret: str, encryption_key: str) -> str:
    """AES-256-GCM, Medusa's `v1:iv:tag:ciphertext` layout."""
    iv = os.urandom(12)
    sealed = AESGCM(_key(encryption_key)).encrypt(iv, secret.encode(), None)
    ciphertext, tag = sealed[:-16], sealed[-16:]
    return ":".join((ENCRYPTION_VERSION, _b64url(iv), _b64url(tag), _b64url(ciphertext)))


def decrypt_secret(payload: str, encryption_key: str) -> str | None:
    """The secret, or None when the payload is malformed or was sealed under another key."""
    parts = payload.split(":") if isinstance(payload, str) else []
    if len(parts) != 4 or parts[0] != ENCRYPTION_VERSION or not all(parts[1:]):
        return None
    try:
        iv, tag, ciphertext = (_unb64url(p) for p in parts[1:])
        return AESGCM(_key(encryption_key)).decrypt(iv, ciphertext + tag, None).decode()
    except (InvalidTag, ValueError):
        return None


def generate_recovery_code() -> str:
    """`xxxx-xxxx-xxxx-xxxx-xxxx-xxxx-xxxx-xxxx` from 16 random bytes (Medusa's shape)."""
    raw = secrets.token_hex(16)
    return "-".join(raw[i:i + 4] for i in range(0, 32, 4))


def normalize_recovery_code(code: str) -> str:
    return code.strip().lower()


def hash_recovery_code(code: str) -> str:
    """`sha256$<hex>` of the normalized code."""
    return SHA256_PREFIX + hashlib.sha256(normalize_recovery_code(code).encode()).hexdigest()


def verify_legacy_recovery_code(stored: str, code: str) -> bool:
    """A recovery code against a hash Medusa stored (scrypt-kdf, base64)."""
    return scrypt_kdf_verify(stored, normalize_recovery_code(code))
