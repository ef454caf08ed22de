"""Password hashing: Argon2id for new hashes, Medusa's scrypt-kdf hashes still verified (and upgraded on login).

Argon2id parameters are one of OWASP's equivalent minimum configurations: 7 MiB, t=5, p=1 (the cheat sheet lists
46/1, 19/2, 12/3, 9/4 and 7/5 MiB/passes as "an equal level of defense", a trade between memory and CPU). It is the
smallest block, and here also the cheapest: the server fixes glibc's mmap threshold at 1 MiB (`euryale.memory`), so
each hash maps a fresh block, faults its pages in and returns it to the OS when done. Measured that way (two
threads, 40 hashes): 7/5 ~18 ms of CPU per hash, 12/3 ~21 ms; and RSS carries one block per hash in flight (a
5-minute soak ended at 159.7 MB with two 12 MiB threads, 147.7-148.2 MB with one 7 MiB thread, peaks ~155; issue
7's bound is 150). Hashes made with other parameters still verify and are re-hashed on the next login.

Hashing runs on ONE dedicated thread (argon2-cffi releases the GIL) so the event loop keeps serving requests, a
burst of logins cannot take every default-executor thread, and at most one block is mapped at a time. One thread
hashes ~55 passwords a second; on two cores shared with the event loop and PostgreSQL, one 7/5 thread against two
12/3 threads gave 14.9 / 14.2 against 14.0 / 13.4 checkouts a second (issue 7). More processes (`euryale start
--workers N`) add hashing threads.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import os
import struct
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

ARGON2_TIME_COST = 5
ARGON2_MEMORY_KIB = 7_168
ARGON2_PARALLELISM = 1
_hasher = PasswordHasher(time_cost=ARGON2_TIME_COST, memory_cost=ARGON2_MEMORY_KIB,
                         parallelism=ARGON2_PARALLELISM, type=Type.ID)
_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="euryale-pw")

SCRYPT_KDF_MAGIC = b"scrypt"
SCRYPT_KDF_LEN = 96


def hash_password_sync(password: str) -> str:
    """An Argon2id PHC string (`$argon2id$v=19$m=...`)."""
    return _hasher.hash(password)


def scrypt_kdf_hash(password: str, *, log_n: int = 15, r: int = 8, p: int = 1, salt: bytes | None = None) -> str:
    """A hash in npm `scrypt-kdf` format (what Medusa stores), base64 of 96 bytes.

    Layout: "scrypt" | version 0 | logN | r (u32 BE) | p (u32 BE) | salt (32) | sha256(prefix48)[:16]
    | HMAC-SHA256(prefix64, key = scrypt(password, salt, N, r, p, 64)[32:]).
    """
    salt = salt if salt is not None else os.urandom(32)
    prefix48 = SCRYPT_KDF_MAGIC + bytes([0, log_n]) + struct.pack(">II", r, p) + salt
    prefix64 = prefix48 + hashlib.sha256(prefix48).digest()[:16]
    derived = hashlib.scrypt(password.encode(), salt=salt, n=2**log_n, r=r, p=p, dklen=64,
                             maxmem=256 * 1024 * 1024)
    return base64.b64encode(prefix64 + hmac.new(derived[32:], prefix64, hashlib.sha256).digest()).decode()


def scrypt_kdf_verify(stored: str, password: str) -> bool:
    """Verify a `scrypt-kdf` hash (checksum first, then the HMAC under the derived key)."""
    try:
        raw = base64.b64decode(stored, validate=True)
    except (binascii.Error, ValueError):
        return False
    if len(raw) != SCRYPT_KDF_LEN or not raw.startswith(SCRYPT_KDF_MAGIC):
        return False
    prefix48, checksum, mac = raw[:48], raw[48:64], raw[64:]
    if not hmac.compare_digest(hashlib.sha256(prefix48).digest()[:16], checksum):
        return False
    log_n = raw[7]
    r, p = struct.unpack(">II", raw[8:16])
    if not (1 <= log_n <= 20) or r <= 0 or p <= 0 or r * p > 64:
        return False  # refuse absurd cost parameters from stored data
    derived = hashlib.scrypt(password.encode(), salt=raw[16:48], n=2**log_n, r=r, p=p, dklen=64,
                             maxmem=2**31 - 1)
    return hmac.compare_digest(hmac.new(derived[32:], raw[:64], hashlib.sha256).digest(), mac)


def is_scrypt_kdf(stored: str) -> bool:
    return not stored.startswith("$argon2")


def verify_password_sync(stored: str | None, password: str) -> tuple[bool, bool]:
    """(matches, needs_rehash): legacy scrypt-kdf or outdated Argon2 parameters ask for a re-hash."""
    if not stored:
        return False, False
    if is_scrypt_kdf(stored):
        ok = scrypt_kdf_verify(stored, password)
        return ok, ok
    try:
        _hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False, False
    return True, _hasher.check_needs_rehash(stored)


async def hash_password(password: str) -> str:
    """Argon2id off the event loop."""
    return await asyncio.get_running_loop().run_in_executor(_pool, hash_password_sync, password)


async def verify_password(stored: str | None, password: str) -> tuple[bool, bool]:
    """`verify_password_sync` off the event loop."""
    return await asyncio.get_running_loop().run_in_executor(_pool, verify_password_sync, stored, password)
