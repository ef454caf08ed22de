"""MFA (TOTP + recovery codes) and verification routes end to end, with real TOTP codes computed in the test:
enrol → verify → login answers a challenge → challenge with TOTP / recovery code → actor token; wrong codes,
attempt limits, replay, ownership, the auth dependency refusing an open challenge; verification request/confirm
and the login's `verification_required`."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import httpx
import jwt
import pytest
from sqlalchemy import select, update

from euryale.config import ConfigError, define_config
from euryale.container import Container
from euryale.events.outbox import event_outbox
from euryale.flows.user_accounts import create_user_account
from euryale.modules.auth import otp
from euryale.modules.auth.models import auth_mfa_challenge, auth_mfa_factor, auth_mfa_recovery_code, auth_verification
from euryale.modules.auth.options import AuthOptions, parse_options
from euryale.modules.auth.passwords import scrypt_kdf_hash
from tests.conftest import TEST_SECRET
from tests.support.sql_capture import captured_statements

KEY = "test-mfa-encryption-key"
MFA_REQUIRED = {"message": "MFA verification is required to complete this request"}


def claims(token: str) -> dict[str, Any]:
    decoded: dict[str, Any] = jwt.decode(token, TEST_SECRET, algorithms=["HS256"])
    return decoded


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def set_options(container: Container, options: AuthOptions | None) -> None:
    services: dict[str, Any] = container._services  # tests swap the module's options in place
    if options is None:
        services.pop("auth", None)
    else:
        services["auth"] = options


@pytest.fixture
def mfa_options(container: Container) -> Iterator[AuthOptions]:
    """The auth module configured with an encryption key (what `modules=[{"resolve": "euryale.modules.auth",
    "options": {"mfa": {"encryption_key": ...}}}]` loads)."""
    options = parse_options({"mfa": {"encryption_key": KEY}})
    set_options(container, options)
    yield options
    set_options(container, None)


@pytest.fixture
def verify_customers_email(container: Container) -> Iterator[None]:
    http = container.config.project_config.http
    http.auth_verifications_per_actor = {"customer": [{"entity_type": "email", "auth_provider": "emailpass"}]}
    yield
    http.auth_verifications_per_actor = {}


async def new_user(client: httpx.AsyncClient, container: Container) -> tuple[str, str, str]:
    """(email, user id, login token) of a fresh admin user with an emailpass identity."""
    email = f"mfa-{uuid.uuid4().hex[:12]}@example.com"
    r = await client.post("/auth/user/emailpass/register", json={"email": email, "password": "pw-123456"})
    identity_id = claims(r.json()["token"])["auth_identity_id"]
    user = await create_user_account(container, auth_identity_id=identity_id, email=email, first_name=None,
                                     last_name=None)
    token = await login(client, email)
    return email, str(user["id"]), token


async def login(client: httpx.AsyncClient, email: str, actor: str = "user") -> str:
    r = await client.post(f"/auth/{actor}/emailpass", json={"email": email, "password": "pw-123456"})
    assert r.status_code == 200, r.text
    assert set(r.json()) == {"token"}, r.json()
    return str(r.json()["token"])


async def events(container: Container, name: str, key: str, value: str) -> list[dict[str, Any]]:
    async with container.database().read() as conn:
        rows = (await conn.execute(select(event_outbox.c.data).where(
            event_outbox.c.name == name, event_outbox.c.data[key].astext == value).order_by(event_outbox.c.seq))).all()
    return [dict(row.data) for row in rows]


async def enrol(client: httpx.AsyncClient, token: str) -> tuple[str, str, float]:
    """A factor enabled with a real code: (factor id, secret, time of the code used)."""
    r = await client.post("/auth/mfa/factors", json={"provider": "totp"}, headers=bearer(token))
    assert r.status_code == 200, r.text
    factor_id, secret = r.json()["mfa_factor"]["id"], r.json()["secret"]
    now = time.time()
    r = await client.post(f"/auth/mfa/factors/{factor_id}/verify", json={"code": otp.totp(secret, at=now)},
                          headers=bearer(token))
    assert r.status_code == 200 and r.json()["mfa_factor"]["status"] == "enabled", r.text
    return factor_id, secret, now


def next_code(secret: str) -> str:
    """The code of the next time step: accepted (window 1) and never the one enrolment just used."""
    return otp.totp(secret, at=time.time() + 30)


# --- TOTP and secrets ------------------------------------------------------------------------------------------

RFC6238_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # base32 of "12345678901234567890" (RFC 6238 Appendix B)


@pytest.mark.parametrize(("at", "code"), [(59, "94287082"), (1111111109, "07081804"), (1111111111, "14050471"),
                                          (1234567890, "89005924"), (2000000000, "69279037"),
                                          (20000000000, "65353130")])
def test_totp_matches_the_rfc_6238_sha1_vectors(at: int, code: str) -> None:
    assert otp.totp(RFC6238_SECRET, at=at, digits=8) == code
    assert otp.match_step(RFC6238_SECRET, code, digits=8, at=at) == at // 30
    assert otp.match_step(RFC6238_SECRET, code, digits=8, at=at + 30) == at // 30  # one step of drift
    two_steps_later = (at // 30 + 2) * 30
    assert otp.match_step(RFC6238_SECRET, code, digits=8, at=two_steps_later) is None
    assert otp.match_step(RFC6238_SECRET, code, digits=8, at=two_steps_later, window=2) == at // 30


def test_match_step_refuses_malformed_codes() -> None:
    code = otp.totp(RFC6238_SECRET, at=1000)
    for bad in ("", code[:-1], code + "0", "12345a", "١٢٣٤٥٦"):
        assert otp.match_step(RFC6238_SECRET, bad, at=1000) is None
    assert otp.match_step(RFC6238_SECRET, code, at=1000) == 1000 // 30


def test_secret_encryption_reads_medusa_payloads_and_refuses_another_key() -> None:
    # sealed by Node's aes-256-gcm exactly as Medusa's encryptSecret does (key = sha256("medusa-key"))
    medusa = "v1:AAECAwQFBgcICQoL:YaguGsrslSGDcMv0skCPAA:jj4mD-TwDZjJEPyAK8GnnQ"
    assert otp.decrypt_secret(medusa, "medusa-key") == "JBSWY3DPEHPK3PXP"
    assert otp.decrypt_secret(medusa, "another-key") is None
    sealed = otp.encrypt_secret("JBSWY3DPEHPK3PXP", KEY)
    assert sealed.startswith("v1:") and len(sealed.split(":")) == 4 and "JBSWY3DPEHPK3PXP" not in sealed
    assert otp.decrypt_secret(sealed, KEY) == "JBSWY3DPEHPK3PXP"
    assert otp.decrypt_secret(sealed[:-2] + "AA", KEY) is None
    assert otp.decrypt_secret("garbage", KEY) is None


def test_recovery_code_hashes_and_medusa_scrypt_hashes() -> None:
    code = otp.generate_recovery_code()
    assert len(code) == 39 and code.count("-") == 7
    assert otp.hash_recovery_code(code) == otp.hash_recovery_code(f"  {code.upper()} ")
    assert otp.hash_recovery_code(code).startswith("sha256$") and code not in otp.hash_recovery_code(code)
    legacy = scrypt_kdf_hash(code, log_n=10)
    assert otp.verify_legacy_recovery_code(legacy, code.upper())
    assert not otp.verify_legacy_recovery_code(legacy, otp.generate_recovery_code())


def test_auth_module_options_are_validated() -> None:
    loaded = define_config(modules=[{"resolve": "euryale.modules.auth", "options": {
        "mfa": {"encryption_key": "k", "challenge_max_attempts": 3,
                "providers": [{"id": "totp", "options": {"issuer": "Shop", "digits": 8}}]},
        "verification": {"providers": [{"id": "token", "options": {"ttl_seconds": 60}}]}}}])
    assert loaded.modules["auth"].resolve == "euryale.modules.auth"
    options = parse_options(loaded.modules["auth"].options)
    assert (options.encryption_key, options.challenge_max_attempts, options.totp_issuer, options.totp_digits,
            options.verification_ttl_seconds) == ("k", 3, "Shop", 8, 60)
    assert parse_options(None) == AuthOptions() and AuthOptions().encryption_key is None
    for bad in ({"mfa": {"providers": [{"id": "totp", "options": {"digits": 5}}]}},
                {"mfa": {"disable_policy": "never"}}, {"mfa": {"challenge_ttl_seconds": 0}},
                {"mfa": {"providers": [{"id": "sms"}]}}, {"mfa": {"encryption_key": ""}}):
        with pytest.raises(ConfigError):
            parse_options(bad)
    http = define_config(project_config={"http": {"auth_verifications_per_actor": {
        "customer": [{"entity_type": "email", "auth_provider": "emailpass"}]}}}).project_config.http
    assert http.auth_verifications_per_actor == {"customer": [{"entity_type": "email", "auth_provider": "emailpass"}]}
    assert define_config().project_config.http.auth_verifications_per_actor == {}
    with pytest.raises(ConfigError):
        define_config(project_config={"http": {"auth_verifications_per_actor": {"customer": [{"entity_type": ""}]}}})


# --- MFA routes ------------------------------------------------------------------------------------------------

async def test_enrolment_needs_the_encryption_key_and_valid_bodies(client: httpx.AsyncClient,
                                                                   container: Container) -> None:
    _, _, token = await new_user(client, container)
    r = await client.get("/auth/mfa/factors", headers=bearer(token))
    assert (r.status_code, r.json()) == (200, {"mfa_factors": []})
    r = await client.post("/auth/mfa/factors", json={"provider": "totp"}, headers=bearer(token))
    assert (r.status_code, r.json()) == (400, {"type": "invalid_data",
                                               "message": "MFA encryption key is required to use MFA methods"})
    r = await client.post("/auth/mfa/factors", json={}, headers=bearer(token))
    assert (r.status_code, r.json()) == (400, {"type": "invalid_data",
                                               "message": "Invalid request: Field 'provider' is required"})
    r = await client.post("/auth/mfa/factors", json={"provider": "sms"}, headers=bearer(token))
    assert r.status_code == 400 and r.json()["type"] == "invalid_data"
    r = await client.post("/auth/mfa/recovery-codes", json={"count": 0}, headers=bearer(token))
    assert r.json() == {"type": "invalid_data",
                        "message": "Invalid request: Value for field 'count' too small, expected at least: '1'"}
    r = await client.post("/auth/mfa/recovery-codes", json={}, headers=bearer(token))
    assert (r.status_code, r.json()) == (400, {"type": "not_allowed",
                                               "message": "Recovery codes require an enabled MFA factor"})
    assert (await client.get("/auth/mfa/factors")).json() == {"message": "Unauthorized"}


@pytest.mark.usefixtures("mfa_options")
async def test_enrol_verify_login_challenge_and_recovery_codes(client: httpx.AsyncClient,
                                                               container: Container) -> None:
    email, user_id, token = await new_user(client, container)
    assert claims(token)["mfa_enabled"] is False and claims(token)["mfa_challenge_completed_at"] is None

    r = await client.post("/auth/mfa/factors", json={"provider": "totp", "label": email, "metadata": {"a": 1}},
                          headers=bearer(token))
    assert r.status_code == 200, r.text
    started = r.json()
    factor_id, secret = started["mfa_factor"]["id"], started["secret"]
    assert started["mfa_factor"] == {"id": factor_id, "auth_identity_id": claims(token)["auth_identity_id"],
                                     "provider": "totp", "status": "pending", "metadata": {"a": 1, "label": email}}
    assert started["otpauth_url"] == (f"otpauth://totp/Medusa:{email.replace('@', '%40')}?secret={secret}"
                                      "&issuer=Medusa")
    async with container.database().read() as conn:
        stored = (await conn.execute(select(auth_mfa_factor.c.provider_metadata)
                                     .where(auth_mfa_factor.c.id == factor_id))).scalar_one()
    assert secret not in str(stored) and otp.decrypt_secret(stored["secret"], KEY) == secret
    r = await client.post("/auth/mfa/factors", json={"provider": "totp"}, headers=bearer(token))
    assert r.json() == {"type": "not_allowed", "message": "An active TOTP factor already exists for this auth identity"}

    # a pending factor does not change the login yet
    assert set((await client.post("/auth/user/emailpass", json={"email": email, "password": "pw-123456"})
                ).json()) == {"token"}
    r = await client.post(f"/auth/mfa/factors/{factor_id}/verify", json={"code": "000000"}, headers=bearer(token))
    if r.status_code == 200:  # 1 chance in 10^6 that 000000 is the current code
        pytest.skip("000000 happened to be the current code")
    assert (r.status_code, r.json()) == (400, {"type": "not_allowed", "message": "Invalid TOTP code"})
    setup_code = otp.totp(secret)
    r = await client.post(f"/auth/mfa/factors/{factor_id}/verify", json={"code": setup_code}, headers=bearer(token))
    assert r.status_code == 200
    factor = r.json()["mfa_factor"]
    assert factor["status"] == "enabled" and set(factor) == {
        "id", "auth_identity_id", "auth_identity", "provider", "status", "metadata", "created_at", "updated_at",
        "deleted_at"}
    assert await events(container, "auth.mfa_enabled", "mfa_id", factor_id) == [
        {"auth_identity_id": factor["auth_identity_id"], "mfa_id": factor_id, "provider": "totp"}]
    r = await client.get("/auth/mfa/factors", headers=bearer(token))
    assert [f["status"] for f in r.json()["mfa_factors"]] == ["enabled"] and "secret" not in r.text

    r = await client.post("/auth/mfa/recovery-codes", json={"count": 3}, headers=bearer(token))
    assert r.status_code == 200
    codes = r.json()["recovery_codes"]
    assert len(codes) == 3 and len(set(codes)) == 3
    async with container.database().read() as conn:
        hashes = list((await conn.execute(select(auth_mfa_recovery_code.c.code_hash).where(
            auth_mfa_recovery_code.c.auth_identity_id == factor["auth_identity_id"]))).scalars())
    assert sorted(hashes) == sorted(otp.hash_recovery_code(c) for c in codes)
    assert await events(container, "auth.mfa_recovery_codes_generated", "auth_identity_id",
                        factor["auth_identity_id"]) == [{"auth_identity_id": factor["auth_identity_id"], "count": 3}]

    # login now answers a challenge with an actorless token the API refuses until the challenge is answered
    r = await client.post("/auth/user/emailpass", json={"email": email, "password": "pw-123456"})
    answer = r.json()
    assert list(answer) == ["mfa_required", "mfa_challenge", "token"] and answer["mfa_required"] is True
    challenge = answer["mfa_challenge"]
    assert list(challenge) == ["id", "auth_identity_id", "auth_provider", "methods", "expires_at", "attempts",
                               "max_attempts", "completed_at", "metadata"]
    assert (challenge["methods"], challenge["attempts"], challenge["max_attempts"], challenge["auth_provider"]) == (
        ["totp", "recovery_code"], 0, 5, "emailpass")
    mfa_token = answer["token"]
    assert list(claims(mfa_token))[:8] == ["actor_id", "actor_type", "auth_identity_id", "auth_provider",
                                           "mfa_enabled", "mfa_challenge_completed_at", "app_metadata",
                                           "user_metadata"]
    assert (claims(mfa_token)["actor_id"], claims(mfa_token)["mfa_enabled"]) == ("", True)
    for method, path in (("GET", "/admin/users/me"), ("GET", "/auth/mfa/factors"),
                         ("POST", "/auth/mfa/recovery-codes")):
        r = await client.request(method, path, headers=bearer(mfa_token), json={} if method == "POST" else None)
        assert (r.status_code, r.json()) == (401, MFA_REQUIRED), path
    # ...also through a session made from it
    r = await client.post("/auth/session", headers=bearer(mfa_token))
    assert r.status_code == 200 and r.json()["user"]["mfa_enabled"] is True
    cookie = r.headers["set-cookie"].split(";")[0]
    client.cookies.clear()  # the shared client must not carry this session into other tests
    r = await client.get("/admin/users/me", headers={"cookie": cookie})
    assert (r.status_code, r.json()) == (401, MFA_REQUIRED)

    url = f"/auth/mfa/challenges/{challenge['id']}/verify"
    r = await client.post(url, json={"method": "sms", "code": "1"}, headers=bearer(mfa_token))
    assert r.json() == {"type": "invalid_data", "message": 'MFA challenge does not support method "sms"'}
    r = await client.post(url, json={"method": "totp", "code": setup_code}, headers=bearer(mfa_token))
    assert (r.status_code, r.json()) == (400, {"type": "not_allowed", "message": "Invalid MFA challenge code"}), \
        "a code is accepted once"
    async with container.database().read() as conn:
        attempts = (await conn.execute(select(auth_mfa_challenge.c.attempts)
                                       .where(auth_mfa_challenge.c.id == challenge["id"]))).scalar_one()
    assert attempts == 1  # the failed attempt was committed before the 400
    r = await client.post(url, json={"method": "totp", "code": next_code(secret)}, headers=bearer(mfa_token))
    assert r.status_code == 200 and list(r.json()) == ["token"]
    done = claims(r.json()["token"])
    assert (done["actor_id"], done["mfa_enabled"]) == (user_id, True)
    assert done["mfa_challenge_completed_at"].endswith("Z")
    r = await client.get("/admin/users/me", headers=bearer(r.json()["token"]))
    assert r.status_code == 200 and r.json()["user"]["id"] == user_id
    r = await client.post(url, json={"method": "totp", "code": next_code(secret)}, headers=bearer(mfa_token))
    assert r.json() == {"type": "not_allowed", "message": "MFA challenge has already been completed"}

    # a recovery code completes a challenge once (case and spaces do not matter)
    second = (await client.post("/auth/user/emailpass", json={"email": email, "password": "pw-123456"})).json()
    r = await client.post(f"/auth/mfa/challenges/{second['mfa_challenge']['id']}/verify",
                          json={"method": "recovery_code", "code": f" {codes[0].upper()} "},
                          headers=bearer(second["token"]))
    assert r.status_code == 200 and claims(r.json()["token"])["actor_id"] == user_id
    third = (await client.post("/auth/user/emailpass", json={"email": email, "password": "pw-123456"})).json()
    r = await client.post(f"/auth/mfa/challenges/{third['mfa_challenge']['id']}/verify",
                          json={"method": "recovery_code", "code": codes[0]}, headers=bearer(third["token"]))
    assert r.json() == {"type": "not_allowed", "message": "Invalid MFA challenge code"}

    # a refresh of the actorless token does not skip the challenge: it answers a new one
    r = await client.post("/auth/token/refresh", headers=bearer(third["token"]))
    assert r.json()["mfa_required"] is True and r.json()["mfa_challenge"]["id"] != third["mfa_challenge"]["id"]


@pytest.mark.usefixtures("mfa_options")
async def test_challenge_attempts_are_limited(client: httpx.AsyncClient, container: Container) -> None:
    email, _, token = await new_user(client, container)
    _, secret, _ = await enrol(client, token)
    answer = (await client.post("/auth/user/emailpass", json={"email": email, "password": "pw-123456"})).json()
    url = f"/auth/mfa/challenges/{answer['mfa_challenge']['id']}/verify"
    wrong = str((int(otp.totp(secret)) + 500_000) % 1_000_000).zfill(6)
    messages = [(await client.post(url, json={"method": "totp", "code": wrong}, headers=bearer(answer["token"]))
                 ).json()["message"] for _ in range(6)]
    assert messages == ["Invalid MFA challenge code"] * 4 + ["MFA challenge has too many failed attempts"] * 2
    r = await client.post(url, json={"method": "totp", "code": next_code(secret)}, headers=bearer(answer["token"]))
    assert (r.status_code, r.json()["message"]) == (400, "MFA challenge has too many failed attempts")
    # an expired challenge is refused too
    fresh = (await client.post("/auth/user/emailpass", json={"email": email, "password": "pw-123456"})).json()
    async with container.database().transaction() as conn:
        await conn.execute(update(auth_mfa_challenge).where(auth_mfa_challenge.c.id == fresh["mfa_challenge"]["id"])
                           .values(expires_at=auth_mfa_challenge.c.created_at))
    r = await client.post(f"/auth/mfa/challenges/{fresh['mfa_challenge']['id']}/verify",
                          json={"method": "totp", "code": next_code(secret)}, headers=bearer(fresh["token"]))
    assert r.json() == {"type": "not_allowed", "message": "MFA challenge has expired"}


@pytest.mark.usefixtures("mfa_options")
async def test_factors_and_challenges_belong_to_their_identity(client: httpx.AsyncClient,
                                                               container: Container) -> None:
    email, _, token = await new_user(client, container)
    factor_id, secret, _ = await enrol(client, token)
    _, _, other = await new_user(client, container)
    for method, path, body in (("POST", f"/auth/mfa/factors/{factor_id}/verify", {"code": next_code(secret)}),
                               ("DELETE", f"/auth/mfa/factors/{factor_id}", {})):
        r = await client.request(method, path, json=body, headers=bearer(other))
        assert (r.status_code, r.json()) == (404, {"type": "not_found",
                                                   "message": f'MFA factor with id "{factor_id}" was not found'})
    answer = (await client.post("/auth/user/emailpass", json={"email": email, "password": "pw-123456"})).json()
    challenge_id = answer["mfa_challenge"]["id"]
    r = await client.post(f"/auth/mfa/challenges/{challenge_id}/verify",
                          json={"method": "totp", "code": next_code(secret)}, headers=bearer(other))
    assert (r.status_code, r.json()["message"]) == (404, f'MFA challenge with id "{challenge_id}" was not found')


async def test_disable_by_session_and_by_challenge_policy(client: httpx.AsyncClient, container: Container,
                                                          mfa_options: AuthOptions) -> None:
    email, _, token = await new_user(client, container)
    factor_id, secret, _ = await enrol(client, token)
    set_options(container, replace(mfa_options, disable_policy="challenge"))
    r = await client.request("DELETE", f"/auth/mfa/factors/{factor_id}", json={}, headers=bearer(token))
    assert r.json() == {"type": "invalid_data", "message": "MFA verification code is required to disable MFA"}
    r = await client.request("DELETE", f"/auth/mfa/factors/{factor_id}", json={"method": "totp", "code": "12"},
                             headers=bearer(token))
    assert r.json() == {"type": "not_allowed", "message": "Invalid MFA verification code"}
    r = await client.request("DELETE", f"/auth/mfa/factors/{factor_id}",
                             json={"method": "totp", "code": next_code(secret)}, headers=bearer(token))
    assert r.status_code == 200 and r.json()["mfa_factor"]["status"] == "disabled"
    assert len(await events(container, "auth.mfa_disabled", "mfa_id", factor_id)) == 1
    r = await client.request("DELETE", f"/auth/mfa/factors/{factor_id}", headers=bearer(token))
    assert r.status_code == 200 and len(await events(container, "auth.mfa_disabled", "mfa_id", factor_id)) == 1
    r = await client.post(f"/auth/mfa/factors/{factor_id}/verify", json={"code": next_code(secret)},
                          headers=bearer(token))
    assert r.json() == {"type": "not_allowed", "message": "Disabled MFA factors cannot be verified"}
    await login(client, email)  # no enabled factor: a plain token again

    set_options(container, mfa_options)  # default policy "session": the token is enough
    second, secret2, _ = await enrol(client, token)
    r = await client.request("DELETE", f"/auth/mfa/factors/{second}", headers=bearer(token))
    assert r.status_code == 200 and r.json()["mfa_factor"]["status"] == "disabled"
    assert secret2 != secret


# --- verification ----------------------------------------------------------------------------------------------

@pytest.fixture
async def customer_identity(client: httpx.AsyncClient) -> AsyncIterator[str]:
    email = f"verify-{uuid.uuid4().hex[:12]}@example.com"
    r = await client.post("/auth/customer/emailpass/register", json={"email": email, "password": "pw-123456"})
    assert r.status_code == 200
    yield email


@pytest.mark.usefixtures("verify_customers_email")
async def test_login_requires_verification_until_confirmed(client: httpx.AsyncClient, container: Container,
                                                           customer_identity: str) -> None:
    email = customer_identity
    r = await client.post("/auth/customer/emailpass", json={"email": email, "password": "pw-123456"})
    assert list(r.json()) == ["verification_required", "token"] and r.json()["verification_required"] is True
    token = r.json()["token"]
    assert claims(token)["actor_id"] == "" and claims(token)["mfa_enabled"] is False

    r = await client.post("/auth/verification/request", json={"entity_id": email, "entity_type": "email",
                                                               "metadata": {"source": "signup"}},
                          headers=bearer(token))
    assert r.status_code == 201, r.text
    verification = r.json()["verification"]
    assert list(verification) == ["auth_identity_id", "entity_id", "entity_type", "code_provider", "verified_at",
                                  "requested_at", "provider_metadata", "metadata", "created_at", "updated_at",
                                  "deleted_at", "id"]
    assert (verification["entity_id"], verification["code_provider"], verification["verified_at"],
            verification["metadata"]) == (email, "token", None, {"source": "signup"})
    sent = await events(container, "auth.verification_requested", "entity_id", email)
    assert len(sent) == 1 and set(sent[0]) == {"entity_id", "entity_type", "code_provider", "auth_identity_id",
                                               "code", "expires_at", "metadata"}
    code = sent[0]["code"]
    assert code not in r.text and verification["provider_metadata"]["token_hash"] != code

    r = await client.post("/auth/customer/emailpass", json={"email": email, "password": "pw-123456"})
    assert r.json()["verification_required"] is True and r.json()["verification"]["id"] == verification["id"]

    r = await client.post("/auth/verification/confirm", json={"code": code + "x"})
    assert (r.status_code, r.json()) == (400, {"type": "not_allowed",
                                               "message": "Verification code is invalid or already used"})
    r = await client.post("/auth/verification/confirm", json={"code": code, "code_provider": "token"})
    assert r.status_code == 200
    assert list(r.json()) == ["entity_id", "entity_type", "code_provider", "verified_at"]
    assert r.json()["entity_id"] == email and r.json()["verified_at"].endswith("Z")
    r = await client.post("/auth/verification/confirm", json={"code": code})
    assert r.json()["message"] == "Verification code is invalid or already used"
    await login(client, email, "customer")
    # asking again for a verified entity answers it as is, without a new code
    r = await client.post("/auth/verification/request", json={"entity_id": email, "entity_type": "email"},
                          headers=bearer(token))
    assert r.status_code == 201 and r.json()["verification"]["verified_at"] is not None
    assert "code" not in (await events(container, "auth.verification_requested", "entity_id", email))[-1]


async def test_verification_codes_expire_and_are_replaced(client: httpx.AsyncClient, container: Container,
                                                          customer_identity: str) -> None:
    email = customer_identity
    token = (await client.post("/auth/customer/emailpass", json={"email": email, "password": "pw-123456"})
             ).json()["token"]
    body = {"entity_id": email, "entity_type": "email"}
    first = (await client.post("/auth/verification/request", json=body, headers=bearer(token))).json()
    second = (await client.post("/auth/verification/request", json=body, headers=bearer(token))).json()
    assert second["verification"]["id"] == first["verification"]["id"]
    assert list(second["verification"])[:3] == ["auth_identity_id", "auth_identity", "entity_id"]  # as Medusa
    assert list(second["verification"])[-1] == "id"
    old, new = [e["code"] for e in await events(container, "auth.verification_requested", "entity_id", email)]
    r = await client.post("/auth/verification/confirm", json={"code": old})
    assert r.json()["message"] == "Verification code is invalid or already used"
    async with container.database().transaction() as conn:
        await conn.execute(update(auth_verification).where(auth_verification.c.id == first["verification"]["id"])
                           .values(requested_at=auth_verification.c.requested_at - timedelta(seconds=901)))
    r = await client.post("/auth/verification/confirm", json={"code": new})
    assert (r.status_code, r.json()) == (400, {"type": "not_allowed", "message": "Verification code has expired"})


async def test_verification_validation(client: httpx.AsyncClient, customer_identity: str) -> None:
    token = (await client.post("/auth/customer/emailpass", json={"email": customer_identity,
                                                                  "password": "pw-123456"})).json()["token"]
    r = await client.post("/auth/verification/request", json={"entity_id": "", "entity_type": "email"},
                          headers=bearer(token))
    assert r.json() == {"type": "invalid_data",
                        "message": "Invalid request: Value for field 'entity_id' too small, expected at least: '1'"}
    r = await client.post("/auth/verification/request", json={"entity_id": "x", "entity_type": "email",
                                                               "code_provider": "sms"}, headers=bearer(token))
    assert r.status_code == 400 and r.json()["type"] == "invalid_data"
    r = await client.post("/auth/verification/request", json={"entity_id": "x", "entity_type": "email"})
    assert (r.status_code, r.json()) == (401, {"message": "Unauthorized"})
    r = await client.post("/auth/verification/confirm", json={})
    assert r.json() == {"type": "invalid_data", "message": "Invalid request: Field 'code' is required"}


async def test_login_statement_budget(client: httpx.AsyncClient, container: Container,
                                      mfa_options: AuthOptions) -> None:
    """A login without MFA pays one statement for the MFA check (identity + methods); with MFA, the challenge."""
    email, _, token = await new_user(client, container)

    def data_statements(seen: list[tuple[str, Any]]) -> list[str]:
        return [sql for sql, _ in seen if sql.split(None, 1)[0].upper() in ("SELECT", "INSERT", "UPDATE", "DELETE")]

    with captured_statements(container) as seen:
        await login(client, email)
    assert len(data_statements(seen)) == 2, data_statements(seen)
    await enrol(client, token)
    with captured_statements(container) as seen:
        r = await client.post("/auth/user/emailpass", json={"email": email, "password": "pw-123456"})
    assert r.json()["mfa_required"] is True
    assert len(data_statements(seen)) == 4, data_statements(seen)  # + expired-challenge cleanup + insert
