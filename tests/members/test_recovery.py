"""The second factor (issue 14): every change needs the password or a current code; one-time
recovery codes stand in for the authenticator at sign-in; the secretariat can reset it (audited,
the member told by e-mail through the outbox)."""

import re
import time

from sqlalchemy import select

from expertnet.core import clock
from expertnet.core.models import AuditEntry
from expertnet.members.models import RecoveryCode
from tests.members.test_totp import _enable
from tests.notifications.conftest import drain, mail_env, smtp  # noqa: F401 - fixtures
from tests.web.conftest import pages  # noqa: F401 - fixture

CODE = re.compile(r"^[A-HJ-NP-Z2-9]{4}(-[A-HJ-NP-Z2-9]{4}){3}$")


def _login(env, user, code=None):
    body = {"email": user.email, "password": user.password}
    if code is not None:
        body["totp_code"] = code
    return env.client.post("/api/v1/auth/login", json=body)


def _with_totp(env, role="le_official"):
    """A member with the second factor on, and headers of a session opened with it."""
    user = env.member(role)
    totp, _ = _enable(env, user)
    r = _login(env, user, totp.at(time.time() + 30))
    assert r.status_code == 200, r.text
    return user, totp, {"Authorization": f"Bearer {r.json()['access_token']}"}


def _fields(response) -> set[str]:
    return {e["field"] for e in response.json().get("errors", [])}


def _audit(env, action):
    async def read(session):
        rows = await session.execute(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id))
        return list(rows.scalars())

    return env.db_run(read)


def test_every_change_of_the_second_factor_needs_the_password_or_a_current_code(env):
    user, totp, headers = _with_totp(env)
    for path in ("/api/v1/auth/totp/setup", "/api/v1/auth/totp/disable", "/api/v1/auth/recovery-codes"):
        bare = env.client.post(path, json={}, headers=headers)
        assert bare.status_code == 400, (path, bare.text)
        assert _fields(bare) == {"password"} and "re-enter your password" in bare.text, (path, bare.text)
    # (Each refusal counts towards the account's sign-in delay, so only one wrong password here.)
    wrong = env.client.post(
        "/api/v1/auth/recovery-codes", json={"password": "not the password at all"}, headers=headers
    )
    assert wrong.status_code == 400 and _fields(wrong) == {"password"}, wrong.text
    assert env.client.get("/api/v1/auth/second-factor", headers=headers).json()["totp_enabled"] is True
    # A current code is enough, and turning the factor off takes its recovery codes with it.
    assert (
        env.client.post("/api/v1/auth/recovery-codes", json={"password": user.password}, headers=headers).status_code
        == 200
    )
    with clock.use(clock.OffsetClock()) as later:
        later.advance(seconds=90)  # the codes of the last steps are spent; a later one is current
        off = env.client.post("/api/v1/auth/totp/disable", json={"code": totp.at(clock.time())}, headers=headers)
    assert off.status_code == 204, off.text
    assert _login(env, user).status_code == 200  # no code needed any more

    async def codes(session):
        return list((await session.execute(select(RecoveryCode).where(RecoveryCode.member_id == user.id))).scalars())

    assert env.db_run(codes) == []


def test_recovery_codes_sign_in_once_each_instead_of_the_code(env):
    user, totp, headers = _with_totp(env)
    made = env.client.post("/api/v1/auth/recovery-codes", json={"password": user.password}, headers=headers)
    assert made.status_code == 200, made.text
    codes = made.json()["codes"]
    assert len(codes) == len(set(codes)) == 10 and all(CODE.match(c) for c in codes)

    async def stored(session):
        return list((await session.execute(select(RecoveryCode).where(RecoveryCode.member_id == user.id))).scalars())

    rows = env.db_run(stored)
    assert len(rows) == 10 and not {r.code_hash for r in rows} & {c.replace("-", "") for c in codes}  # hashed

    assert _login(env, user).status_code == 401  # the password alone is not enough
    first = _login(env, user, codes[0].lower().replace("-", " "))  # as typed from paper
    assert first.status_code == 200, first.text
    again = _login(env, user, codes[0])
    assert again.status_code == 401 and "totp_code" in again.text, "a recovery code is used once"
    assert _login(env, user, codes[1]).status_code == 200
    left = env.client.get(
        "/api/v1/auth/second-factor", headers={"Authorization": f"Bearer {first.json()['access_token']}"}
    )
    assert left.json() == {"member_id": user.id, "totp_enabled": True, "recovery_codes_left": 8}
    used = _audit(env, "member.recovery_code_used")
    assert [(e.actor_id, e.detail["left"]) for e in used] == [(user.id, 9), (user.id, 8)]
    assert len(_audit(env, "member.recovery_codes_generated")) == 1

    # New codes end the old ones.
    fresh = first.json()
    renewed = env.client.post(
        "/api/v1/auth/recovery-codes",
        json={"password": user.password},
        headers={"Authorization": f"Bearer {fresh['access_token']}"},
    )
    assert renewed.status_code == 200
    assert _login(env, user, codes[2]).status_code == 401
    assert _login(env, user, renewed.json()["codes"][0]).status_code == 200


def test_recovery_codes_need_the_second_factor_on(env):
    user = env.member("le_official")
    r = env.client.post("/api/v1/auth/recovery-codes", json={"password": user.password}, headers=user.headers)
    assert r.status_code == 400 and _fields(r) == {"code"}


def test_an_admin_resets_a_members_second_factor_audited_and_the_member_is_told_by_email(mail_env, smtp):
    env = mail_env
    user, _, headers = _with_totp(env)
    admin = env.admin
    path = f"/api/v1/admin/members/{user.id}/totp/reset"
    assert env.client.post(path, json={"reason": "lost phone"}, headers=headers).status_code == 403  # not an admin
    short = env.client.post(path, json={"reason": "x"}, headers=admin.headers)
    assert short.status_code == 400 and "reason" in short.text

    r = env.client.post(path, json={"reason": "lost phone; identity checked by a call"}, headers=admin.headers)
    assert r.status_code == 200, r.text
    assert r.json() == {"member_id": user.id, "totp_enabled": False, "recovery_codes_left": 0}
    assert env.client.get("/api/v1/me", headers=headers).status_code == 401  # the member's sessions end
    assert _login(env, user).status_code == 200  # the password alone signs in again
    (entry,) = _audit(env, "member.totp_reset")
    assert (entry.actor_id, entry.object_id, entry.reason) == (
        admin.id,
        str(user.id),
        "lost phone; identity checked by a call",
    )
    assert env.client.post(path, json={"reason": "again, by mistake"}, headers=admin.headers).status_code == 409

    drain(env.settings)
    (mail,) = smtp.inbox.to(user.email)
    assert "second factor was reset" in mail.message["Subject"]
    assert "contact the secretariat" in mail.message.get_content()


def test_the_admin_page_has_a_reset_button(env, pages):
    user, _, _ = _with_totp(env)
    pages.login_admin()
    page = pages.get(f"/admin/members/{user.id}")
    assert "Reset the second factor" in page.text and "Recovery codes left: 0." in page.text
    form = f"/admin/members/{user.id}"
    refused = pages.post(f"/admin/members/{user.id}/second-factor/reset", {"reason": ""}, form_page=form)
    assert refused.status_code == 400 and 'id="e-reset-reason"' in refused.text
    done = pages.post(
        f"/admin/members/{user.id}/second-factor/reset", {"reason": "lost phone, checked by a call"}, form_page=form
    )
    assert done.status_code == 303
    after = pages.get(done.headers["location"])
    assert "second factor has been reset" in after.text and "Reset the second factor" not in after.text
    assert len(_audit(env, "member.totp_reset")) == 1


def test_a_recovery_code_signs_in_on_the_login_page_once(env, pages):
    user, _, headers = _with_totp(env)
    codes = env.client.post("/api/v1/auth/recovery-codes", json={"password": user.password}, headers=headers).json()
    code = codes["codes"][3]
    pages.logout_all()
    asked = pages.post("/login", {"email": user.email, "password": user.password})
    assert asked.status_code == 401 and "recovery codes" in asked.text  # the code field, with the hint
    ok = pages.post("/login", {"email": user.email, "password": user.password, "totp_code": code})
    assert ok.status_code == 303, ok.text
    pages.logout_all()
    again = pages.post("/login", {"email": user.email, "password": user.password, "totp_code": code})
    assert again.status_code == 401
