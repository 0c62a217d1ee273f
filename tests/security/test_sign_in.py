"""Sign-in hardening (issue 12 finding 10). Against the old code: a suspended account with the
right password got 403 (not the generic answer), registration answered 409 for a taken address
and had no rate limit, a second factor could be enrolled with only an access token, a rotated
refresh token kept working for 14 days, and five wrong passwords locked an account for 15 minutes."""

import time
from dataclasses import replace
from datetime import timedelta

import pyotp
from litestar.testing import TestClient
from sqlalchemy import select

from expertnet.core.models import AuditEntry
from expertnet.members.models import LoginAttempt

LOGIN = "/api/v1/auth/login"
GENERIC = "wrong e-mail address or password"


def _login(client, email, password, **extra):
    return client.post(LOGIN, json={"email": email, "password": password, **extra})


def test_every_failed_sign_in_gets_the_same_answer(env):
    user = env.member("le_official")
    r = env.client.post(
        f"/api/v1/admin/members/{user.id}/suspend", json={"reason": "left the service"}, headers=env.admin.headers
    )
    assert r.status_code == 200
    answers = [
        _login(env.client, user.email, user.password),  # suspended, right password
        _login(env.client, user.email, "not the password at all"),  # suspended, wrong password
        _login(env.client, "nobody.here@test.example", "not the password at all"),  # no such account
    ]
    assert {(a.status_code, a.json()["detail"]) for a in answers} == {(401, GENERIC)}


def test_registration_does_not_tell_whether_an_address_has_an_account(env):
    existing = env.member("le_official")
    base = {
        "password": "granite harbour violet 7",
        "full_name": "Marko Marković",
        "role": "le_official",
        "organisation": "Border Police",
        "country": "RS",
        "languages": ["sr"],
    }
    new = env.client.post("/api/v1/auth/register", json={**base, "email": "new.one@test.example"})
    taken = env.client.post("/api/v1/auth/register", json={**base, "email": existing.email.upper()})
    assert (new.status_code, new.json()) == (taken.status_code, taken.json()) == (202, new.json())
    # The existing account is untouched: its own password still works, the new one does not.
    env.login(existing.email, existing.password)
    assert _login(env.client, existing.email, base["password"]).status_code == 401
    env.login("new.one@test.example", base["password"])


def test_registration_is_rate_limited_per_address(env, settings):
    strict = replace(settings, register_max_per_ip=3)
    base = {
        "password": "granite harbour violet 7",
        "full_name": "Marko Marković",
        "role": "le_official",
        "organisation": "Border Police",
        "country": "RS",
        "languages": ["sr"],
    }
    with TestClient(create_app(strict), base_url="https://testserver.local") as client:
        for n in range(3):
            assert client.post("/api/v1/auth/register", json={**base, "email": f"m{n}@test.example"}).status_code == 202
        r = client.post("/api/v1/auth/register", json={**base, "email": "m9@test.example"})
        assert r.status_code == 429
        assert _login(client, "m9@test.example", base["password"]).status_code == 401  # nothing was created


def create_app(settings):
    from expertnet.app import create_app as make

    return make(settings)


def test_changing_the_second_factor_needs_the_password_or_a_current_code(env):
    user = env.member("le_official")
    # A (possibly stolen) access token alone cannot enrol a factor.
    for body in ({}, {"password": "not the password at all"}, {"code": "123456"}):
        r = env.client.post("/api/v1/auth/totp/setup", json=body, headers=user.headers)
        assert r.status_code == 400 and "password" in r.text, body
    setup = env.client.post("/api/v1/auth/totp/setup", json={"password": user.password}, headers=user.headers).json()
    totp = pyotp.TOTP(setup["secret"])
    assert (
        env.client.post(
            "/api/v1/auth/totp/enable",
            json={"setup_token": setup["setup_token"], "code": totp.now()},
            headers=user.headers,
        ).status_code
        == 204
    )
    tokens = _login(env.client, user.email, user.password, totp_code=totp.at(time.time() + 30)).json()
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    # Changing the device or turning the factor off: the access token alone is not enough either.
    assert env.client.post("/api/v1/auth/totp/setup", json={}, headers=headers).status_code == 400
    assert env.client.post("/api/v1/auth/totp/disable", json={"code": "000000"}, headers=headers).status_code == 400
    # Those five wrong re-authentications count like failed sign-ins: the account must wait first.
    assert (
        env.client.post("/api/v1/auth/totp/disable", json={"password": user.password}, headers=headers).status_code
        == 429
    )
    _age_attempts(env, user.email, 60)
    r = env.client.post("/api/v1/auth/totp/disable", json={"password": user.password}, headers=headers)
    assert r.status_code == 204
    assert env.client.get("/api/v1/me", headers=headers).status_code == 401  # older tokens end
    env.login(user.email, user.password)  # no code needed any more
    actions = env.db_run(lambda s: s.scalars(select(AuditEntry.action).where(AuditEntry.object_id == str(user.id))))
    assert "member.totp_disabled" in list(actions)


def test_refresh_tokens_rotate_and_a_reused_one_ends_the_family(env):
    user = env.member("le_official")
    first = user.refresh
    r = env.client.post("/api/v1/auth/refresh", json={"refresh_token": first})
    assert r.status_code == 200
    second = r.json()
    other_session = env.login(user.email, user.password)  # another device: another family
    # The spent token shown again (a copy): refused, and the whole family ends with it.
    assert env.client.post("/api/v1/auth/refresh", json={"refresh_token": first}).status_code == 401
    assert env.client.post("/api/v1/auth/refresh", json={"refresh_token": second["refresh_token"]}).status_code == 401
    assert (
        env.client.get("/api/v1/me", headers={"Authorization": f"Bearer {second['access_token']}"}).status_code == 401
    )
    assert (
        env.client.post("/api/v1/auth/refresh", json={"refresh_token": other_session["refresh_token"]}).status_code
        == 401
    )
    actions = env.db_run(lambda s: s.scalars(select(AuditEntry.action).where(AuditEntry.object_id == str(user.id))))
    assert "member.refresh_reuse" in list(actions)
    # Signing in again starts a fresh family that works.
    fresh = env.login(user.email, user.password)
    assert env.client.post("/api/v1/auth/refresh", json={"refresh_token": fresh["refresh_token"]}).status_code == 200


def _age_attempts(env, email, seconds):
    async def go(s):
        rows = (await s.scalars(select(LoginAttempt).where(LoginAttempt.email == email))).all()
        for row in rows:
            row.at = row.at - timedelta(seconds=seconds)
        await s.commit()

    env.db_run(go)


def test_failures_slow_an_account_down_progressively_but_never_lock_it(env):
    user = env.member("le_official")
    limit = env.settings.login_max_failures
    for _ in range(limit):
        assert _login(env.client, user.email, "not the password at all").status_code == 401
    r = _login(env.client, user.email, user.password)
    assert r.status_code == 429 and "try again in 1 s" in r.json()["detail"]
    _age_attempts(env, user.email, 1)
    assert _login(env.client, user.email, "not the password at all").status_code == 401  # the 6th failure
    r = _login(env.client, user.email, user.password)
    assert r.status_code == 429 and "try again in 2 s" in r.json()["detail"]
    for _ in range(10):  # someone keeps trying: the wait grows, up to the cap
        _age_attempts(env, user.email, env.settings.login_max_delay_seconds)
        assert _login(env.client, user.email, "not the password at all").status_code == 401
    r = _login(env.client, user.email, user.password)
    assert r.status_code == 429 and f"try again in {env.settings.login_max_delay_seconds} s" in r.json()["detail"]
    # Well inside the old 15-minute window, once the last wait is over, the owner gets in.
    _age_attempts(env, user.email, env.settings.login_max_delay_seconds)
    assert _login(env.client, user.email, user.password).status_code == 200
