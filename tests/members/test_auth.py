"""Tokens, passwords and login throttling (SECURITY.md items 1-4)."""

import time

from jose import jwt

from expertnet.core.security import hash_password, issue_token
from tests.conftest import TEST_SECRET


def _claims(**over):
    now = int(time.time())
    base = {"sub": "1", "iss": "expertnet", "aud": "expertnet", "iat": now, "exp": now + 600, "typ": "access", "ver": 0}
    base.update(over)
    return {k: v for k, v in base.items() if v is not None}


def test_forged_and_incomplete_tokens_are_refused(env):
    user = env.member("le_official")
    good = env.client.get("/api/v1/me", headers=user.headers)
    assert good.status_code == 200
    sub = str(user.id)
    bad_tokens = {
        "wrong key": jwt.encode(_claims(sub=sub), "another-secret-" + "y" * 40, algorithm="HS256"),
        "HS512": jwt.encode(_claims(sub=sub), TEST_SECRET, algorithm="HS512"),
        "no exp": jwt.encode(_claims(sub=sub, exp=None), TEST_SECRET, algorithm="HS256"),
        "expired": jwt.encode(_claims(sub=sub, exp=int(time.time()) - 10), TEST_SECRET, algorithm="HS256"),
        "no aud": jwt.encode(_claims(sub=sub, aud=None), TEST_SECRET, algorithm="HS256"),
        "wrong aud": jwt.encode(_claims(sub=sub, aud="other"), TEST_SECRET, algorithm="HS256"),
        "no iss": jwt.encode(_claims(sub=sub, iss=None), TEST_SECRET, algorithm="HS256"),
        "wrong iss": jwt.encode(_claims(sub=sub, iss="evil"), TEST_SECRET, algorithm="HS256"),
        "no sub": jwt.encode(_claims(sub=None), TEST_SECRET, algorithm="HS256"),
        "refresh as access": user.refresh,
        "garbage": "not.a.token",
    }
    # alg none: header {"alg":"none"} with the same claims and an empty signature
    import base64
    import json

    def b64(obj):
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    bad_tokens["alg none"] = f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(_claims(sub=sub))}."
    for name, token in bad_tokens.items():
        r = env.client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 401, name
    # Control: a token we sign correctly for this user is accepted.
    ok = issue_token(env.settings, user.id, 0)
    assert env.client.get("/api/v1/me", headers={"Authorization": f"Bearer {ok}"}).status_code == 200


def test_logout_and_password_change_revoke_tokens(env):
    user = env.member("le_official")
    assert env.client.post("/api/v1/auth/logout", headers=user.headers).status_code == 204
    assert env.client.get("/api/v1/me", headers=user.headers).status_code == 401

    tokens = env.login(user.email, user.password)
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    r = env.client.post(
        "/api/v1/auth/password",
        json={"current_password": "wrong one entirely", "new_password": "x" * 20},
        headers=headers,
    )
    assert r.status_code == 400 and "current_password" in r.text
    r = env.client.post(
        "/api/v1/auth/password", json={"current_password": user.password, "new_password": "short"}, headers=headers
    )
    assert r.status_code == 400 and "new_password" in r.text
    r = env.client.post(
        "/api/v1/auth/password",
        json={"current_password": user.password, "new_password": "a brand new long passphrase 42"},
        headers=headers,
    )
    assert r.status_code == 204
    assert env.client.get("/api/v1/me", headers=headers).status_code == 401
    assert env.client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}).status_code == 401
    env.login(user.email, "a brand new long passphrase 42")


def test_refresh_gives_a_working_access_token(env):
    user = env.member("le_official")
    r = env.client.post("/api/v1/auth/refresh", json={"refresh_token": user.refresh})
    assert r.status_code == 200
    assert (
        env.client.get("/api/v1/me", headers={"Authorization": f"Bearer {r.json()['access_token']}"}).status_code == 200
    )
    # An access token is not a refresh token.
    assert env.client.post("/api/v1/auth/refresh", json={"refresh_token": user.token}).status_code == 401


def test_login_throttled_per_account(env):
    user = env.member("le_official")
    limit = env.settings.login_max_failures
    for _ in range(limit):
        r = env.client.post("/api/v1/auth/login", json={"email": user.email, "password": "wrong password here"})
        assert r.status_code == 401
    r = env.client.post("/api/v1/auth/login", json={"email": user.email, "password": user.password})
    assert r.status_code == 429, "the right password must not help once the account is throttled"
    # Another account from the same address is not locked by this one.
    other = env.member("le_official")
    env.login(other.email, other.password)


def test_login_throttled_per_address(env, settings):
    from dataclasses import replace

    from expertnet.app import create_app
    from litestar.testing import TestClient

    strict = replace(settings, login_max_failures_per_ip=3)
    with TestClient(create_app(strict), base_url="https://testserver.local") as client:
        for n in range(3):
            r = client.post(
                "/api/v1/auth/login", json={"email": f"nobody{n}@x.example", "password": "wrong password here"}
            )
            assert r.status_code == 401
        r = client.post(
            "/api/v1/auth/login", json={"email": "someone.else@x.example", "password": "wrong password here"}
        )
        assert r.status_code == 429


def test_password_policy(env):
    base = {
        "full_name": "Ana Test",
        "role": "le_official",
        "organisation": "Customs",
        "country": "RS",
        "languages": ["sr"],
    }
    for password, reason in [("short pass", "at least 12"), ("password1234", "common"), ("x" * 129, "")]:
        r = env.client.post("/api/v1/auth/register", json={**base, "email": "ana@test.example", "password": password})
        assert r.status_code == 400, password
        assert "password" in r.text and reason in r.text
    r = env.client.post(
        "/api/v1/auth/register", json={**base, "email": "ana@test.example", "password": "x" * 64 + "Yz1 long"}
    )
    assert r.status_code == 202


def test_outdated_hash_is_upgraded_on_login(env):
    from argon2 import PasswordHasher

    from expertnet.members.models import Member

    user = env.member("le_official")
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(user.password)

    async def set_hash(session):
        member = await session.get(Member, user.id)
        member.password_hash = weak

    env.db_run(set_hash)
    env.login(user.email, user.password)
    stored = env.db_run(lambda s: s.get(Member, user.id)).password_hash
    assert stored != weak and stored.startswith("$argon2id$")
    assert hash_password("x" * 12).startswith("$argon2id$")


def test_field_level_authorization_on_own_account(env):
    user = env.register("le_official")
    me = env.client.get("/api/v1/me", headers=user.headers).json()
    for field, value in [
        ("role", "admin"),
        ("vetting_status", "approved"),
        ("vetted_until", "2099-01-01T00:00:00Z"),
        ("email", "x@y.example"),
    ]:
        r = env.client.patch("/api/v1/me", json={"version": me["version"], field: value}, headers=user.headers)
        assert r.status_code == 400 and field in r.text, field
    again = env.client.get("/api/v1/me", headers=user.headers).json()
    assert again["role"] == "le_official" and again["vetting_status"] == "pending"


def test_stale_edit_gets_409(env):
    user = env.register("le_official")
    version = env.client.get("/api/v1/me", headers=user.headers).json()["version"]
    assert (
        env.client.patch(
            "/api/v1/me", json={"version": version, "position": "Inspector"}, headers=user.headers
        ).status_code
        == 200
    )
    r = env.client.patch("/api/v1/me", json={"version": version, "position": "Chief"}, headers=user.headers)
    assert r.status_code == 409
    assert env.client.get("/api/v1/me", headers=user.headers).json()["position"] == "Inspector"
