"""Optional second factor for members, required for admins where configured (SECURITY.md item 4)."""

import time
from dataclasses import replace

import pyotp
from litestar.testing import TestClient


def _enable(env, user):
    setup = env.client.post("/api/v1/auth/totp/setup", json={"password": user.password}, headers=user.headers)
    assert setup.status_code == 200, setup.text
    body = setup.json()
    totp = pyotp.TOTP(body["secret"])
    r = env.client.post(
        "/api/v1/auth/totp/enable",
        json={"setup_token": body["setup_token"], "code": "000000" if totp.now() != "000000" else "111111"},
        headers=user.headers,
    )
    assert r.status_code == 400 and "code" in r.text
    used = totp.now()
    r = env.client.post(
        "/api/v1/auth/totp/enable", json={"setup_token": body["setup_token"], "code": used}, headers=user.headers
    )
    assert r.status_code == 204, r.text
    return totp, used


def test_second_factor_is_required_once_enabled_and_codes_cannot_be_replayed(env):
    user = env.member("le_official")
    totp, used = _enable(env, user)
    assert env.client.get("/api/v1/me", headers=user.headers).status_code == 401  # older tokens end
    no_code = env.client.post("/api/v1/auth/login", json={"email": user.email, "password": user.password})
    assert no_code.status_code == 401 and "totp_code" in no_code.text
    wrong = env.client.post(
        "/api/v1/auth/login",
        json={
            "email": user.email,
            "password": user.password,
            "totp_code": "123456" if totp.now() != "123456" else "654321",
        },
    )
    assert wrong.status_code == 401
    # The enabling code is spent; the next step's code (within the accepted clock drift) works once.
    assert (
        env.client.post(
            "/api/v1/auth/login", json={"email": user.email, "password": user.password, "totp_code": used}
        ).status_code
        == 401
    )
    code = totp.at(time.time() + 30)
    ok = env.client.post("/api/v1/auth/login", json={"email": user.email, "password": user.password, "totp_code": code})
    assert ok.status_code == 200, ok.text
    replay = env.client.post(
        "/api/v1/auth/login", json={"email": user.email, "password": user.password, "totp_code": code}
    )
    assert replay.status_code == 401, "a code cannot be used twice"


def test_setup_token_is_bound_to_the_account(env):
    alice = env.member("le_official")
    bob = env.member("le_official")
    body = env.client.post("/api/v1/auth/totp/setup", json={"password": alice.password}, headers=alice.headers).json()
    r = env.client.post(
        "/api/v1/auth/totp/enable",
        json={"setup_token": body["setup_token"], "code": pyotp.TOTP(body["secret"]).now()},
        headers=bob.headers,
    )
    assert r.status_code == 400 and "setup_token" in r.text


def test_admins_need_two_factor_where_required(env, settings):
    from expertnet.app import create_app

    admin = env.admin
    strict = replace(settings, require_admin_totp=True)
    with TestClient(create_app(strict), base_url="https://testserver.local") as client:
        r = client.get("/api/v1/admin/members", headers=admin.headers)
        assert r.status_code == 403 and "two-factor" in r.text
        setup = client.post("/api/v1/auth/totp/setup", json={"password": admin.password}, headers=admin.headers).json()
        totp = pyotp.TOTP(setup["secret"])
        assert (
            client.post(
                "/api/v1/auth/totp/enable",
                json={"setup_token": setup["setup_token"], "code": totp.now()},
                headers=admin.headers,
            ).status_code
            == 204
        )
        tokens = client.post(
            "/api/v1/auth/login",
            json={"email": admin.email, "password": admin.password, "totp_code": totp.at(time.time() + 30)},
        ).json()
        assert (
            client.get(
                "/api/v1/admin/members", headers={"Authorization": f"Bearer {tokens['access_token']}"}
            ).status_code
            == 200
        )
