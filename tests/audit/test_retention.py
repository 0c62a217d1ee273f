"""Finding 9 of issue 12 (SECURITY.md item 16): closed consultations past their review date are
flagged or erased, as configured, by the worker's job and by `expertnet retention run`; an admin
page and API list what is due. Before issue 12 none of it existed (the commands, the routes and
the job were missing), so every test here failed."""

import io
from datetime import timedelta

from sqlalchemy import select, update

from expertnet.consultations.models import Consultation
from expertnet.core import audit
from expertnet.core.models import AuditEntry
from expertnet.db import Database, utcnow
from expertnet.retention.models import RetentionReview
from tests.consultations.test_attachments import png_bytes
from tests.conftest import run_async


def closed_case(desk, env, outcome: str, expert=None):
    """A consultation carried to the end through the API: offer, accept, message, opinion, a photo, closed."""
    official = desk.official()
    expert = expert or desk.expert()
    cid = desk.draft(official, category="numismatics")["id"]
    desk.submit(official, cid)
    offer = desk.offer_of(expert, cid)
    assert env.client.post(f"/api/v1/offers/{offer['id']}/accept", headers=expert.headers).status_code == 200
    r = env.client.post(
        f"/api/v1/consultations/{cid}/messages",
        json={"body": "The suspect's name is on the receipt."},
        headers=official.headers,
    )
    assert r.status_code == 201, r.text
    r = env.client.post(
        f"/api/v1/consultations/{cid}/attachments",
        files={"file": ("coin.png", io.BytesIO(png_bytes()), "image/png")},
        headers=official.headers,
    )
    assert r.status_code == 201, r.text
    r = env.client.post(
        f"/api/v1/consultations/{cid}/objects",
        json={
            "object_type": "coin",
            "inscriptions_markings": "owner's name scratched",
            "photo_attachment_ids": [r.json()["id"]],
        },
        headers=official.headers,
    )
    assert r.status_code == 201, r.text
    r = env.client.post(
        f"/api/v1/consultations/{cid}/opinion",
        headers=expert.headers,
        json={"identification": "Denarius of Trajan", "authenticity": "probably_authentic", "confidence": "medium"},
    )
    assert r.status_code == 201, r.text
    r = env.client.post(
        f"/api/v1/consultations/{cid}/close",
        json={"outcome": outcome, "outcome_detail": "Handed back to the owner.", "rating": 5},
        headers=official.headers,
    )
    assert r.status_code == 200, r.text
    return official, expert, cid


def age(env, cid, days):
    """Move the end of a consultation `days` into the past (time passing, not tampering)."""

    async def go(session):
        await session.execute(
            update(Consultation).where(Consultation.id == cid).values(closed_at=utcnow() - timedelta(days=days))
        )

    env.db_run(go)


def stored_files(env):
    root = env.settings.upload_dir
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def audit_rows(env, action):
    async def go(session):
        return list(
            (
                await session.execute(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id))
            ).scalars()
        )

    return env.db_run(go)


def review(env, cid):
    return env.db_run(lambda s: s.get(RetentionReview, cid))


def test_the_retention_run_erases_what_is_past_its_date(desk, env, cli, monkeypatch):
    monkeypatch.setenv("EXPERTNET_RETENTION_ACTION", "erase")
    official, expert, released = closed_case(desk, env, "released")
    other_official, _, seized = closed_case(desk, env, "seized", expert=expert)
    open_one = desk.draft(official)["id"]
    age(env, released, 1100)  # released: 1095 days by default
    age(env, seized, 1100)  # seized: 3650 days by default, not due
    assert len(stored_files(env)) == 2

    dry = cli("retention", "run", "--dry-run")
    assert (
        dry.exit_code == 0
        and "1 consultation(s) due; action: erase" in dry.output
        and f"erased would be: #{released}" in dry.output
    )
    assert len(stored_files(env)) == 2 and desk.get(official, released, "/messages").json()  # nothing changed
    assert review(env, released) is None

    result = cli("retention", "run")
    assert result.exit_code == 0 and f"erased were: #{released}" in result.output, result.output
    c = desk.get(official, released).json()
    assert c["title"] == "Erased under the retention rules" and c["description"] == "" and c["outcome_detail"] == ""
    assert c["status"] == "closed" and c["outcome"] == "released"  # the tombstone keeps what statistics need
    assert desk.get(official, released, "/messages").json() == []
    assert desk.get(official, released, "/attachments").json() == []
    assert desk.get(official, released, "/objects").json() == []
    assert desk.get(official, released, "/opinion").json() is None
    assert all(not e["detail"] for e in desk.get(official, released, "/timeline").json() if e["kind"] != "erased")
    assert len(stored_files(env)) == 1  # the seized case's photo stays
    tomb = review(env, released)
    assert tomb.erased_at and tomb.erased_by is None and tomb.rule == "released"
    assert tomb.erased == {
        "messages": 1,
        "opinions": 1,
        "objects": 1,
        "attachments": 1,
        "events_blanked": tomb.erased["events_blanked"],
        "files": 1,
    }
    [entry] = audit_rows(env, "retention.erased")
    assert entry.object_id == str(released) and entry.detail["rule"] == "released" and entry.detail["files"] == 1
    assert desk.get(other_official, seized, "/messages").json() and desk.get(official, open_one).status_code == 200
    # The search index no longer holds the old text.
    found = env.client.get("/api/v1/consultations/search", params={"q": "denarius"}, headers=env.admin.headers).json()
    assert released not in [h["id"] for h in found["items"]] and {seized, open_one} <= {h["id"] for h in found["items"]}

    # A second run finds nothing more; a shorter period for one outcome makes the seized case due.
    assert "0 consultation(s) due" in cli("retention", "run").output
    monkeypatch.setenv("EXPERTNET_RETENTION_SEIZED_DAYS", "1000")
    from expertnet.config import get_settings

    get_settings.cache_clear()
    assert f"erased were: #{seized}" in cli("retention", "run").output
    assert stored_files(env) == []
    assert env.db_run(audit.verify_chain) == (True, None)


def test_the_worker_flags_what_is_due_once(desk, env, settings):
    from expertnet.worker import run_jobs

    from expertnet.retention import tasks

    official, _, cid = closed_case(desk, env, "inconclusive")
    age(env, cid, 1096)
    tasks._last_run.clear()  # the job's schedule is per process: an earlier test on this worker ran it

    async def jobs():
        db = Database(settings)  # the default action: flag
        try:
            await run_jobs(db)
        finally:
            await db.dispose()

    run_async(jobs())
    flagged = review(env, cid)
    assert flagged.flagged_at and flagged.erased_at is None and flagged.rule == "inconclusive"
    assert desk.get(official, cid, "/messages").json() and len(stored_files(env)) == 1  # flagged, not erased
    [entry] = audit_rows(env, "retention.flagged")
    assert entry.object_id == str(cid) and entry.actor_id is None
    tasks._last_run.clear()  # the next pass is due at once
    run_async(jobs())
    assert len(audit_rows(env, "retention.flagged")) == 1  # flagged once


def test_the_admin_page_lists_what_is_due_and_erases_it(desk, env, pages):
    official, expert, cid = closed_case(desk, env, "other")
    _, _, young = closed_case(desk, env, "other", expert=expert)
    age(env, cid, 2000)
    age(env, young, 10)

    listing = env.client.get("/api/v1/admin/retention", headers=env.admin.headers)
    assert listing.status_code == 200, listing.text
    body = listing.json()
    assert body["total"] == 1 and [i["consultation_id"] for i in body["items"]] == [cid] and body["action"] == "flag"
    assert {"rule": "other", "days": 1095} in body["rules"]

    for user in (official, expert):
        assert env.client.get("/api/v1/admin/retention", headers=user.headers).status_code == 403
        assert env.client.post(f"/api/v1/admin/retention/{cid}/erase", headers=user.headers).status_code == 403
    assert env.client.get("/api/v1/admin/retention").status_code == 401
    for user in (official, expert):
        pages.login(user)
        assert pages.get("/admin/retention").status_code == 403
        assert pages.post(f"/admin/retention/{cid}/erase", form_page="/").status_code == 403
    assert desk.get(official, cid, "/messages").json()  # still there

    pages.login_admin()
    page = pages.get("/admin/retention")
    assert page.status_code == 200 and f'action="/admin/retention/{cid}/erase"' in page.text
    assert f"/admin/retention/{young}/erase" not in page.text
    refused = pages.post(f"/admin/retention/{young}/erase", form_page="/admin/retention")
    assert refused.status_code == 409 and "not due" in refused.text
    done = pages.post(f"/admin/retention/{cid}/erase", form_page="/admin/retention")
    assert done.status_code == 303 and done.headers["location"] == "/admin/retention"
    assert f"/admin/retention/{cid}/erase" not in pages.get("/admin/retention").text
    assert desk.get(official, cid, "/messages").json() == [] and len(stored_files(env)) == 1
    [entry] = audit_rows(env, "retention.erased")
    assert entry.actor_id == env.admin.id and review(env, cid).erased_by == env.admin.id
    r = env.client.post(f"/api/v1/admin/retention/{cid}/erase", headers=env.admin.headers)
    assert r.status_code == 409 and "already erased" in r.text
