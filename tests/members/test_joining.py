"""Members can join: invitations, password reset and address confirmation by single-use e-mailed
links, and vetting decisions by e-mail, all through the API, the pages and the CLI, with the mail
received by a real SMTP server (aiosmtpd) in this process."""

import hashlib
import json
import re
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select, update

from expertnet.config import get_settings
from expertnet.core.models import OutboxEvent
from expertnet.db import utcnow
from expertnet.members.models import AccountToken, Member
from tests.notifications.conftest import drain, mail_env, smtp  # noqa: F401 - fixtures
from tests.web.conftest import Pages

LINK = re.compile(r"https://desk\.example\.org/(join|reset-password|confirm-email)/([A-Za-z0-9_-]{43})")
PASSWORD = "a brand new passphrase for the desk"


def _expert_record(n: int, **over) -> dict:
    return {
        "external_id": f"J-{n}",
        "full_name": f"Invited Expert {n}",
        "email": f"invited{n}@museum.example",
        "organisation": "National Museum",
        "org_type": "museum",
        "country": "RS",
        "languages": ["sr", "en"],
        "categories": ["numismatics"],
        "specialties": ["Roman Imperial coinage"],
        "vetting_status": "approved",
        **over,
    }


def _import(cli, tmp_path, records) -> None:
    path = tmp_path / "experts.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    result = cli("experts", "import", str(path))
    assert result.exit_code == 0, result.output


def _member_id(env, email: str) -> int:
    async def go(session):
        return (await session.execute(select(Member.id).where(Member.email == email))).scalar_one()

    return env.db_run(go)


def _links(smtp, address: str, kind: str) -> list[str]:
    found = []
    for mail in smtp.inbox.to(address):
        for match in LINK.finditer(mail.message.get_content()):
            if match.group(1) == kind:
                found.append(match.group(2))
    return found


def _last_link(smtp, address: str, kind: str) -> str:
    links = _links(smtp, address, kind)
    assert links, f"no {kind} link mailed to {address}: {[m.message['Subject'] for m in smtp.inbox.to(address)]}"
    return links[-1]


def _invite(env, member_id: int) -> dict:
    r = env.client.post(f"/api/v1/admin/members/{member_id}/invite", headers=env.admin.headers)
    assert r.status_code == 200, r.text
    drain(env.settings)
    return r.json()


def _accept(env, token: str, password: str = PASSWORD, **extra):
    return env.client.post("/api/v1/auth/invitation/accept", json={"token": token, "password": password, **extra})


def test_invitation_is_single_use_and_signs_the_expert_in(mail_env, smtp, cli, tmp_path):
    env = mail_env
    _import(cli, tmp_path, [_expert_record(1)])
    member_id = _member_id(env, "invited1@museum.example")
    assert (
        env.client.post(
            "/api/v1/auth/login", json={"email": "invited1@museum.example", "password": PASSWORD}
        ).status_code
        == 401
    )

    shown = _invite(env, member_id)
    assert shown["invited_at"] and shown["invitation_expires_at"] and not shown["has_password"]
    [mail] = smtp.inbox.to("invited1@museum.example")
    assert mail.message["Subject"] == "[expertnet] You are invited to the expert network"
    body = mail.message.get_content()
    assert "Invited Expert 1" in body and "works once" in body
    token = _last_link(smtp, "invited1@museum.example", "join")

    # Only the SHA-256 of the secret is stored, and the nonce it came from is gone once sent.
    async def stored(session):
        hashes = (await session.execute(select(AccountToken.token_hash))).scalars().all()
        payloads = (
            (await session.execute(select(OutboxEvent.payload).where(OutboxEvent.topic == "account.mail")))
            .scalars()
            .all()
        )
        return hashes, payloads

    hashes, payloads = env.db_run(stored)
    assert hashlib.sha256(token.encode()).hexdigest() in hashes
    assert token not in json.dumps(payloads) and all("nonce" not in p for p in payloads)

    r = env.client.post("/api/v1/auth/invitation", json={"token": token})
    assert r.status_code == 200 and r.json()["email"] == "invited1@museum.example" and r.json()["totp"] is None

    weak = _accept(env, token, password="password")
    assert weak.status_code == 400 and weak.json()["errors"][0]["field"] == "password"
    accepted = _accept(env, token)  # the typo above did not cost the link
    assert accepted.status_code == 200, accepted.text
    me = env.client.get("/api/v1/me", headers={"Authorization": f"Bearer {accepted.json()['access_token']}"})
    assert me.status_code == 200 and me.json()["joined_at"] and me.json()["has_password"]
    assert env.login("invited1@museum.example", PASSWORD)["access_token"]

    again = _accept(env, token, password="another long passphrase here")
    assert again.status_code == 400 and again.json()["errors"][0]["field"] == "token"
    assert env.client.post("/api/v1/auth/invitation", json={"token": token}).status_code == 400
    # Someone who has a password is not invited (they reset it instead).
    r = env.client.post(f"/api/v1/admin/members/{member_id}/invite", headers=env.admin.headers)
    assert r.status_code == 409

    async def audit_actions(session):
        from expertnet.core.models import AuditEntry

        return (
            (await session.execute(select(AuditEntry.action).where(AuditEntry.object_id == str(member_id))))
            .scalars()
            .all()
        )

    assert {"member.invite", "member.join"} <= set(env.db_run(audit_actions))


def test_resend_kills_the_old_link_and_revoke_and_expiry_end_it(mail_env, smtp, cli, tmp_path):
    env = mail_env
    _import(cli, tmp_path, [_expert_record(2), _expert_record(3), _expert_record(4, email="ru@museum.example")])
    two, three = _member_id(env, "invited2@museum.example"), _member_id(env, "invited3@museum.example")

    _invite(env, two)
    first = _last_link(smtp, "invited2@museum.example", "join")
    _invite(env, two)  # resend
    second = _last_link(smtp, "invited2@museum.example", "join")
    assert first != second
    assert _accept(env, first).status_code == 400
    assert _accept(env, second).status_code == 200

    _invite(env, three)
    revoked_link = _last_link(smtp, "invited3@museum.example", "join")
    r = env.client.post(f"/api/v1/admin/members/{three}/invitation/revoke", headers=env.admin.headers)
    assert r.status_code == 200 and r.json()["invitation_expires_at"] is None and r.json()["invited_at"]
    assert _accept(env, revoked_link).status_code == 400
    assert (
        env.client.post(f"/api/v1/admin/members/{three}/invitation/revoke", headers=env.admin.headers).status_code
        == 409
    )

    _invite(env, three)
    expiring = _last_link(smtp, "invited3@museum.example", "join")

    async def expire(session):
        await session.execute(update(AccountToken).values(expires_at=utcnow() - timedelta(minutes=1)))

    env.db_run(expire)
    assert _accept(env, expiring).status_code == 400

    # The mail is in the member's language.
    ru = _member_id(env, "ru@museum.example")

    async def russian(session):
        await session.execute(update(Member).where(Member.id == ru).values(ui_language="ru"))

    env.db_run(russian)
    _invite(env, ru)
    [mail] = smtp.inbox.to("ru@museum.example")
    assert mail.message["Subject"] == "[expertnet] Приглашение в сеть экспертов"
    assert "Ссылка действует один раз" in mail.message.get_content()


def test_invite_all_imported_from_the_cli_and_the_admin_page(mail_env, smtp, cli, tmp_path, monkeypatch):
    env = mail_env
    _import(cli, tmp_path, [_expert_record(n) for n in (5, 6, 7)] + [_expert_record(8, vetting_status="suspended")])
    pages = Pages(env)
    pages.login_admin()
    page = pages.get("/admin/members")
    assert "Invite 3 experts without a password" in page.text

    # The CLI sends the mails itself, over the configured SMTP server.
    monkeypatch.setenv("EXPERTNET_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("EXPERTNET_SMTP_PORT", str(smtp.port))
    monkeypatch.setenv("EXPERTNET_BASE_URL", "https://desk.example.org")
    get_settings.cache_clear()
    result = cli("users", "invite", "invited5@museum.example")
    assert result.exit_code == 0 and "1 invitation(s) sent" in result.output, result.output
    assert _links(smtp, "invited5@museum.example", "join")
    result = cli("users", "invite", "--all-imported")
    assert result.exit_code == 0 and "2 invitation(s) sent" in result.output, result.output
    for n in (6, 7):
        assert len(_links(smtp, f"invited{n}@museum.example", "join")) == 1
    assert not smtp.inbox.to("invited8@museum.example")  # suspended: not invited
    assert "nobody to invite" in cli("users", "invite", "--all-imported").output
    assert cli("users", "invite", "nobody@nowhere.example").exit_code == 1

    page = pages.get("/admin/members?status=all&role=expert")
    assert "Every imported expert has a password or an open invitation." in page.text
    assert page.text.count(">Invited<") == 3

    # After the invitations lapse, the page offers them again, and sends them.
    async def lapse(session):
        await session.execute(update(AccountToken).values(expires_at=utcnow() - timedelta(minutes=1)))

    env.db_run(lapse)
    assert "Invite 3 experts without a password" in pages.get("/admin/members").text
    r = pages.post("/admin/members/invite-imported", {}, form_page="/admin/members")
    assert r.status_code == 303
    drain(env.settings)
    assert len(_links(smtp, "invited6@museum.example", "join")) == 2


def test_an_invited_admin_enrols_the_second_factor(mail_env, smtp):
    env = mail_env
    body = {
        "email": "new.admin@secretariat.example",
        "full_name": "New Admin",
        "role": "admin",
        "organisation": "Network secretariat",
        "country": "AT",
        "languages": ["en"],
    }
    r = env.client.post("/api/v1/admin/members/invite", json=body, headers=env.admin.headers)
    assert r.status_code == 201, r.text
    assert r.json()["vetting_status"] == "approved"
    bad = env.client.post("/api/v1/admin/members/invite", json={**body, "country": "XX"}, headers=env.admin.headers)
    assert bad.status_code == 400 and "country" in bad.text
    drain(env.settings)
    token = _last_link(smtp, "new.admin@secretariat.example", "join")
    shown = env.client.post("/api/v1/auth/invitation", json={"token": token}).json()
    assert shown["totp_required"] and shown["totp"]["secret"]
    missing = _accept(env, token)
    assert missing.status_code == 400 and missing.json()["errors"][0]["field"] == "totp_code"
    code = pyotp.TOTP(shown["totp"]["secret"]).now()
    ok = _accept(env, token, setup_token=shown["totp"]["setup_token"], totp_code=code)
    assert ok.status_code == 200, ok.text
    # Signing in now needs the second factor.
    r = env.client.post("/api/v1/auth/login", json={"email": body["email"], "password": PASSWORD})
    assert r.status_code == 401 and "totp_code" in r.text


def test_password_reset_answers_alike_works_once_and_ends_every_session(mail_env, smtp):
    env = mail_env
    member = env.member("le_official")
    tokens = env.login(member.email, member.password)

    known = env.client.post("/api/v1/auth/password-reset", json={"email": member.email.upper()})
    unknown = env.client.post("/api/v1/auth/password-reset", json={"email": "nobody@nowhere.example"})
    assert (known.status_code, known.json()) == (unknown.status_code, unknown.json())
    assert known.status_code == 202
    drain(env.settings)
    assert not smtp.inbox.to("nobody@nowhere.example")
    [mail] = smtp.inbox.to(member.email)
    assert mail.message["Subject"] == "[expertnet] Reset your password"
    token = _last_link(smtp, member.email, "reset-password")

    weak = env.client.post("/api/v1/auth/password-reset/confirm", json={"token": token, "new_password": "short"})
    assert weak.status_code == 400 and weak.json()["errors"][0]["field"] == "new_password"
    r = env.client.post("/api/v1/auth/password-reset/confirm", json={"token": token, "new_password": PASSWORD})
    assert r.status_code == 204, r.text
    again = env.client.post(
        "/api/v1/auth/password-reset/confirm", json={"token": token, "new_password": PASSWORD + "!"}
    )
    assert again.status_code == 400

    assert (
        env.client.get("/api/v1/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}).status_code == 401
    )
    assert env.client.get("/api/v1/me", headers=member.headers).status_code == 401
    assert env.client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}).status_code == 401
    assert (
        env.client.post("/api/v1/auth/login", json={"email": member.email, "password": member.password}).status_code
        == 401
    )
    assert env.login(member.email, PASSWORD)["access_token"]


def test_password_reset_is_rate_limited_per_address_and_per_client(mail_env, smtp):
    env = mail_env
    member = env.member("le_official")
    answers = [
        env.client.post("/api/v1/auth/password-reset", json={"email": member.email}).status_code for _ in range(4)
    ]
    assert answers == [202, 202, 202, 429]
    # Also for an address without an account: the limit tells nothing either.
    answers = [
        env.client.post("/api/v1/auth/password-reset", json={"email": "ghost@nowhere.example"}).status_code
        for _ in range(4)
    ]
    assert answers == [202, 202, 202, 429]
    # Per client: other addresses, the same client, up to reset_max_per_ip in the window.
    for n in range(env.settings.reset_max_per_ip - 6):  # 6 counted so far (refused requests are not)
        assert (
            env.client.post("/api/v1/auth/password-reset", json={"email": f"x{n}@nowhere.example"}).status_code == 202
        )
    assert env.client.post("/api/v1/auth/password-reset", json={"email": "last@nowhere.example"}).status_code == 429
    drain(env.settings)
    links = _links(smtp, member.email, "reset-password")
    assert len(links) == 3  # one mail per request that counted; each new link replaces the one before
    assert (
        env.client.post(
            "/api/v1/auth/password-reset/confirm", json={"token": links[0], "new_password": PASSWORD}
        ).status_code
        == 400
    )
    assert (
        env.client.post(
            "/api/v1/auth/password-reset/confirm", json={"token": links[-1], "new_password": PASSWORD}
        ).status_code
        == 204
    )
    bad = env.client.post("/api/v1/auth/password-reset", json={"email": "not an address"})
    assert bad.status_code == 400 and "email" in bad.text


def test_forgot_password_pages(mail_env, smtp):
    env = mail_env
    member = env.member("expert")
    pages = Pages(env)
    login = pages.get("/login")
    assert 'href="/forgot-password"' in login.text
    r = pages.post("/forgot-password", {"email": member.email}, form_page="/forgot-password")
    assert r.status_code == 303 and r.headers["location"] == "/login"
    r2 = pages.post("/forgot-password", {"email": "ghost@nowhere.example"}, form_page="/forgot-password")
    assert r2.status_code == 303 and r2.headers["location"] == "/login"
    drain(env.settings)
    token = _last_link(smtp, member.email, "reset-password")
    form = pages.get(f"/reset-password/{token}")
    assert form.status_code == 200 and "Choose a new password" in form.text
    differ = pages.post(
        f"/reset-password/{token}", {"new_password": PASSWORD, "password_confirm": "x"}, form_page="/login"
    )
    assert differ.status_code == 400
    done = pages.post(
        f"/reset-password/{token}", {"new_password": PASSWORD, "password_confirm": PASSWORD}, form_page="/login"
    )
    assert done.status_code == 303 and done.headers["location"] == "/login"
    assert pages.get(f"/reset-password/{token}").status_code == 400
    pages.login(member.email, PASSWORD)


def test_the_vetting_queue_lists_only_confirmed_applicants(mail_env, smtp):
    env = mail_env
    applicant = env.register("le_official", confirm=False)
    drain(env.settings)
    queue = env.client.get("/api/v1/admin/members", params={"status": "pending"}, headers=env.admin.headers).json()
    assert applicant.id not in [m["id"] for m in queue["items"]]
    waiting = env.client.get(
        "/api/v1/admin/members", params={"status": "unconfirmed"}, headers=env.admin.headers
    ).json()
    assert [m["id"] for m in waiting["items"]] == [applicant.id]
    first = _last_link(smtp, applicant.email, "confirm-email")

    r = env.client.post("/api/v1/me/confirm-email", headers=applicant.headers)  # resend
    assert r.status_code == 202, r.text
    drain(env.settings)
    second = _last_link(smtp, applicant.email, "confirm-email")
    assert first != second
    assert env.client.post("/api/v1/auth/confirm-email", json={"token": first}).status_code == 400

    pages = Pages(env)
    pages.login(applicant)
    assert "Send the link again" in pages.get("/application").text
    assert pages.get(f"/confirm-email/{second}").status_code == 200
    r = pages.post(f"/confirm-email/{second}", {}, form_page="/application")
    assert r.status_code == 303 and r.headers["location"] == "/application"
    assert "Send the link again" not in pages.get("/application").text
    queue = env.client.get("/api/v1/admin/members", params={"status": "pending"}, headers=env.admin.headers).json()
    assert applicant.id in [m["id"] for m in queue["items"]]
    assert env.client.post("/api/v1/me/confirm-email", headers=applicant.headers).status_code == 409


def test_members_are_told_of_vetting_decisions(mail_env, smtp):
    env = mail_env
    applicant = env.register("expert")
    drain(env.settings)
    smtp.inbox.clear()
    headers = env.admin.headers
    assert env.client.post(f"/api/v1/admin/members/{applicant.id}/approve", json={}, headers=headers).status_code == 200
    until = (utcnow() + timedelta(days=30)).date().isoformat()
    r = env.client.post(
        f"/api/v1/admin/members/{applicant.id}/revet", json={"vetted_until": f"{until}T00:00:00Z"}, headers=headers
    )
    assert r.status_code == 200, r.text
    r = env.client.post(
        f"/api/v1/admin/members/{applicant.id}/suspend", json={"reason": "declared a dealer tie"}, headers=headers
    )
    assert r.status_code == 200
    drain(env.settings)
    subjects = [m.message["Subject"] for m in smtp.inbox.to(applicant.email)]
    assert subjects == [
        "[expertnet] Membership approved",
        "[expertnet] Re-vetting due",
        "[expertnet] Membership suspended",
    ]
    texts = [m.message.get_content() for m in smtp.inbox.to(applicant.email)]
    assert until in texts[1]
    assert "declared a dealer tie" in texts[2]


@pytest.mark.parametrize("path", ["/join/", "/reset-password/", "/confirm-email/"])
def test_a_made_up_link_gets_the_same_dead_link_page(env, path):
    pages = Pages(env)
    for token in ("x" * 43, "short", "A" * 43):
        r = pages.get(path + token)
        assert r.status_code == 400 and "This link does not work" in r.text


def test_an_admin_invites_an_official_from_the_members_page(mail_env, smtp):
    env = mail_env
    pages = Pages(env)
    pages.login_admin()
    form = {
        "email": "olga.customs@customs.example",
        "full_name": "Olga Customs",
        "role": "le_official",
        "organisation": "Customs Administration",
        "country": "RS",
        "languages": ["sr", "en"],
        "ui_language": "en",
    }
    bad = pages.post("/admin/members/invite", {**form, "country": "XX"}, form_page="/admin/members")
    assert bad.status_code == 400 and 'href="#f-country"' in bad.text
    assert not smtp.inbox.to(form["email"])
    r = pages.post("/admin/members/invite", form, form_page="/admin/members")
    assert r.status_code == 303, r.text
    page = pages.get(r.headers["location"])
    assert "The invitation has been sent." in page.text and "Withdraw the invitation" in page.text
    drain(env.settings)
    withdrawn = _last_link(smtp, form["email"], "join")
    member_page = r.headers["location"]
    r = pages.post(f"{member_page}/revoke-invitation", {}, form_page=member_page)
    assert r.status_code == 303
    page = pages.get(member_page).text
    assert "The invitation has been withdrawn" in page and "Send the invitation again" in page
    assert pages.get(f"/join/{withdrawn}").status_code == 400
    assert pages.post(f"{member_page}/invite", {}, form_page=member_page).status_code == 303
    drain(env.settings)
    token = _last_link(smtp, form["email"], "join")
    assert token != withdrawn
    pages.logout_all()
    r = pages.post(f"/join/{token}", {"password": PASSWORD, "password_confirm": PASSWORD}, form_page=f"/join/{token}")
    assert r.status_code == 303 and r.headers["location"] == "/"
    assert "Welcome, Olga Customs" in pages.get("/").text
    again = pages.post("/admin/members/invite", form, form_page="/")
    assert again.status_code == 403  # the official is no admin
