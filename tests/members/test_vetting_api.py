"""Application -> approval -> access; rejection, suspension and expiry lock members out."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from expertnet.members.models import Member, VettingDecision


def test_applicant_sees_only_own_application_until_approved(env):
    official = env.register("le_official")
    me = env.client.get("/api/v1/me", headers=official.headers)
    assert me.status_code == 200
    assert me.json()["vetting_status"] == "pending"
    assert me.json()["vetting_current"] is False
    # Completing the application is allowed ...
    r = env.client.patch(
        "/api/v1/me",
        json={"version": me.json()["version"], "referee": "Chief Inspector M. Jovanović"},
        headers=official.headers,
    )
    assert r.status_code == 200, r.text
    assert r.json()["referee"] == "Chief Inspector M. Jovanović"
    # ... everything else is refused.
    expert = env.member("expert")
    assert env.client.get(f"/api/v1/experts/{expert.extra['expert_id']}", headers=official.headers).status_code == 403
    assert env.client.get("/api/v1/admin/members", headers=official.headers).status_code == 403

    env.approve(official)
    assert env.client.get(f"/api/v1/experts/{expert.extra['expert_id']}", headers=official.headers).status_code == 200
    assert env.client.get("/api/v1/me", headers=official.headers).json()["vetting_current"] is True


def test_only_admins_vet(env):
    official = env.member("le_official")
    applicant = env.register("expert")
    for user in (official, applicant):
        r = env.client.post(f"/api/v1/admin/members/{applicant.id}/approve", json={}, headers=user.headers)
        assert r.status_code == 403
    assert env.client.post(f"/api/v1/admin/members/{applicant.id}/approve", json={}).status_code == 401
    status = env.db_run(lambda s: s.get(Member, applicant.id))
    assert status.vetting_status == "pending"


def test_rejection_needs_reason_and_locks_out_old_tokens(env):
    applicant = env.register("le_official")
    r = env.client.post(f"/api/v1/admin/members/{applicant.id}/reject", json={"reason": ""}, headers=env.admin.headers)
    assert r.status_code == 400 and "reason" in r.text
    r = env.client.post(
        f"/api/v1/admin/members/{applicant.id}/reject",
        json={"reason": "could not confirm employment with the border police"},
        headers=env.admin.headers,
    )
    assert r.status_code == 200 and r.json()["vetting_status"] == "rejected"
    assert env.client.get("/api/v1/me", headers=applicant.headers).status_code == 401
    login = env.client.post("/api/v1/auth/login", json={"email": applicant.email, "password": applicant.password})
    assert (
        login.status_code == 401 and login.json()["detail"] == "wrong e-mail address or password"
    )  # the generic answer
    refresh = env.client.post("/api/v1/auth/refresh", json={"refresh_token": applicant.refresh})
    assert refresh.status_code == 401

    history = env.client.get(f"/api/v1/admin/members/{applicant.id}/decisions", headers=env.admin.headers).json()
    assert [d["decision"] for d in history] == ["rejected"]
    assert history[0]["admin_id"] == env.admin.id
    assert "employment" in history[0]["reason"]


def test_suspension_locks_out_at_once(env):
    official = env.member("le_official")
    assert env.client.get("/api/v1/me", headers=official.headers).status_code == 200
    r = env.client.post(
        f"/api/v1/admin/members/{official.id}/suspend",
        json={"reason": "under internal investigation"},
        headers=env.admin.headers,
    )
    assert r.status_code == 200
    assert env.client.get("/api/v1/me", headers=official.headers).status_code == 401
    assert (
        env.client.post("/api/v1/auth/login", json={"email": official.email, "password": official.password}).status_code
        == 401
    )  # the generic answer (issue 12)
    # Reinstated: a fresh login works, the old token stays dead.
    env.approve(official, reason="investigation closed")
    assert env.client.get("/api/v1/me", headers=official.headers).status_code == 401
    tokens = env.login(official.email, official.password)
    assert (
        env.client.get("/api/v1/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}).status_code == 200
    )
    decisions = env.db_run(lambda s: _decisions(s, official.id))
    assert decisions == ["approved", "suspended", "approved"]


async def _decisions(session, member_id):
    rows = await session.execute(
        select(VettingDecision.decision).where(VettingDecision.member_id == member_id).order_by(VettingDecision.id)
    )
    return list(rows.scalars())


def test_expired_vetting_counts_as_not_approved(env):
    official = env.member("le_official")
    expert = env.member("expert")
    url = f"/api/v1/experts/{expert.extra['expert_id']}"
    assert env.client.get(url, headers=official.headers).status_code == 200
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    r = env.client.post(
        f"/api/v1/admin/members/{official.id}/revet",
        json={"vetted_until": past, "reason": "annual re-vetting due"},
        headers=env.admin.headers,
    )
    assert r.status_code == 200
    assert r.json()["vetting_current"] is False
    assert env.client.get(url, headers=official.headers).status_code == 403
    # The official may still see their own application, to be re-vetted.
    assert env.client.get("/api/v1/me", headers=official.headers).status_code == 200
    # An expert whose vetting expired disappears from the directory for officials.
    other = env.member("le_official")
    env.client.post(f"/api/v1/admin/members/{expert.id}/revet", json={"vetted_until": past}, headers=env.admin.headers)
    assert env.client.get(url, headers=other.headers).status_code == 404


def test_admin_cannot_vet_self(env):
    r = env.client.post(
        f"/api/v1/admin/members/{env.admin.id}/suspend", json={"reason": "testing myself"}, headers=env.admin.headers
    )
    assert r.status_code == 403


def test_vetting_queue_lists_pending(env):
    a = env.register("le_official")
    b = env.register("expert")
    env.member("le_official")
    r = env.client.get("/api/v1/admin/members", params={"status": "pending"}, headers=env.admin.headers)
    assert r.status_code == 200
    ids = {m["id"] for m in r.json()["items"]}
    assert {a.id, b.id} <= ids and r.json()["total"] == len(ids)
    assert (
        env.client.get("/api/v1/admin/members", params={"status": "bogus"}, headers=env.admin.headers).status_code
        == 400
    )
