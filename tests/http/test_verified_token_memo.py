"""Bearer JWTs are verified once per (secret, token) and remembered; expiry is still enforced on every use."""

from __future__ import annotations

import time

import pytest

from euryale.config import define_config
from euryale.http import auth
from euryale.http.auth import AuthContext, UnauthorizedError, decode_token, issue_token

CTX = AuthContext(actor_id="user_memo", actor_type="user", auth_identity_id="authid_memo")


def _config(secret: str) -> auth.EuryaleConfig:
    return define_config(project_config={"http": {"jwt_secret": secret, "cookie_secret": secret}})


def test_remembered_token_expires_like_a_fresh_decode(monkeypatch: pytest.MonkeyPatch) -> None:
    config = _config("memo-secret-" + "a" * 40)
    token = issue_token(config, CTX, extra={"exp": int(time.time()) + 60})
    first = decode_token(config, token)
    assert first["actor_id"] == "user_memo"
    first["actor_id"] = "tampered"  # callers get their own copy
    assert decode_token(config, token)["actor_id"] == "user_memo"
    later = time.time() + 61
    monkeypatch.setattr(auth.time, "time", lambda: later)
    with pytest.raises(UnauthorizedError):
        decode_token(config, token)


def test_remembered_token_is_not_valid_under_another_secret() -> None:
    signer = _config("memo-secret-" + "b" * 40)
    token = issue_token(signer, CTX)
    assert decode_token(signer, token)["actor_type"] == "user"
    with pytest.raises(UnauthorizedError):
        decode_token(_config("memo-secret-" + "c" * 40), token)


def test_a_forged_token_is_never_remembered() -> None:
    config = _config("memo-secret-" + "d" * 40)
    forged = issue_token(_config("other-secret-" + "e" * 40), CTX)
    for _ in range(2):
        with pytest.raises(UnauthorizedError):
            decode_token(config, forged)
