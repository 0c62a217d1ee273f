"""The secretariat's pages (vetting queue, decisions, coverage, audit log) and the expert's profile page."""

import re
from datetime import date, timedelta

from sqlalchemy import select

from expertnet.experts.models import Expert
from expertnet.members.models import Member, VettingDecision


async def _member(session, member_id):
    return (await session.execute(select(Member).where(Member.id == member_id))).scalar_one()


async def _decisions(session, member_id):
    rows = await session.execute(
        select(VettingDecision.decision).where(VettingDecision.member_id == member_id).order_by(VettingDecision.id)
    )
    return list(rows.scalars())


def test_vetting_queue_lists_applicants_escaped_and_approves(env, pages):
    applicant = env.register("expert", full_name="Ivan <img src=x onerror=alert(1)> Ivanov")
    pages.login_admin()
    queue = pages.get("/admin/members")
    assert queue.status_code == 200
    assert "Ivan &lt;img src=x onerror=alert(1)&gt; Ivanov" in queue.text
    assert "<img src=x" not in queue.text

    r = pages.post(
        f"/admin/members/{applicant.id}/approve", {"next": "/admin/members?status=pending"}, form_page="/admin/members"
    )
    assert r.status_code == 303 and r.headers["location"] == "/admin/members?status=pending"
    assert env.db_run(lambda s: _member(s, applicant.id)).vetting_status == "approved"
    after = pages.get(r.headers["location"])
    assert "The member has been approved." in after.text
    assert "No applications are waiting" in after.text


def test_reject_needs_a_reason_and_suspend_revokes(env, pages):
    applicant = env.register("le_official")
    member = env.member("le_official")
    pages.login_admin()
    page = f"/admin/members/{applicant.id}"
    r = pages.post(f"{page}/reject", {"reason": ""}, form_page=page)
    assert r.status_code == 400
    assert 'class="error-text"' in r.text
    assert env.db_run(lambda s: _member(s, applicant.id)).vetting_status == "pending"

    r = pages.post(f"{page}/reject", {"reason": "could not confirm the position"}, form_page=page)
    assert r.status_code == 303
    assert env.db_run(lambda s: _member(s, applicant.id)).vetting_status == "rejected"
    detail = pages.get(page)
    assert "could not confirm the position" in detail.text

    r = pages.post(
        f"/admin/members/{member.id}/suspend",
        {"reason": "under investigation"},
        form_page=f"/admin/members/{member.id}",
    )
    assert r.status_code == 303
    assert env.db_run(lambda s: _member(s, member.id)).vetting_status == "suspended"
    # The suspended member's API token stopped working at once.
    assert env.client.get("/api/v1/me", headers=member.headers).status_code == 401


def test_revet_date_and_state_conflicts(env, pages):
    member = env.member("expert")
    pages.login_admin()
    page = f"/admin/members/{member.id}"
    when = (date.today() + timedelta(days=200)).isoformat()
    r = pages.post(f"{page}/revet", {"vetted_until": when, "reason": "annual review"}, form_page=page)
    assert r.status_code == 303
    assert env.db_run(lambda s: _member(s, member.id)).vetted_until.date().isoformat() == when
    r = pages.post(f"{page}/revet", {"vetted_until": "not-a-date"}, form_page=page)
    assert r.status_code == 400
    # Suspending a rejected member is not a valid transition: the page says so, nothing changes.
    pages.post(f"{page}/reject", {"reason": "left the museum"}, form_page=page)
    r = pages.post(f"{page}/suspend", {"reason": "twice"}, form_page=page)
    assert r.status_code == 409
    assert env.db_run(lambda s: _decisions(s, member.id)) == ["approved", "revet_date", "rejected"]
    assert pages.post(f"{page}/nonsense", {}, form_page=page).status_code == 404


def test_admin_cannot_decide_on_themselves(env, pages):
    pages.login_admin()
    admin_id = env.admin.id
    r = pages.post(f"/admin/members/{admin_id}/suspend", {"reason": "self test"}, form_page="/admin/members")
    assert r.status_code == 403


def test_non_admins_cannot_vet_through_pages(env, pages):
    applicant = env.register("le_official")
    official = env.member("le_official")
    pages.login(official)
    r = pages.post(f"/admin/members/{applicant.id}/approve", {}, form_page="/")
    assert r.status_code == 403
    assert env.db_run(lambda s: _member(s, applicant.id)).vetting_status == "pending"


def test_expert_edits_profile_and_a_stale_edit_is_refused(env, pages):
    expert = env.member("expert")
    pages.login(expert)
    page = pages.get("/profile")
    assert page.status_code == 200
    version = re.search(r'name="version" value="(\d+)"', page.text).group(1)
    form = {
        "version": version,
        "organisation": "Coin Cabinet <b>",
        "org_type": "museum",
        "country": "RS",
        "coverage_countries": ["RS", "ME"],
        "languages": ["sr", "en", "ru"],
        "categories": ["numismatics"],
        "specialties": "Roman Imperial coinage\nMedieval Serbian coins, Nemanjić dynasty",
        "bio": "Curator.",
        "available": "on",
        "away_until": "",
        "max_open_consultations": "4",
        "conflicts": "",
    }
    r = pages.post("/profile", form, form_page="/profile")
    assert r.status_code == 303
    saved = env.db_run(lambda s: _expert(s, expert.id))
    assert saved.languages == ["sr", "en", "ru"]
    assert saved.specialties == ["Roman Imperial coinage", "Medieval Serbian coins, Nemanjić dynasty"]
    assert saved.max_open_consultations == 4 and saved.coverage_countries == ["RS", "ME"]
    assert "Coin Cabinet &lt;b&gt;" in pages.get("/profile").text

    # The same (now stale) version again: refused with a clear message, the saved profile stays.
    r = pages.post("/profile", {**form, "bio": "overwritten", "available": ""}, form_page="/profile")
    assert r.status_code == 409
    assert "changed elsewhere" in r.text
    saved = env.db_run(lambda s: _expert(s, expert.id))
    assert saved.bio == "Curator." and saved.available is True

    # Invalid values name the field.
    fresh = re.search(r'name="version" value="(\d+)"', pages.get("/profile").text).group(1)
    r = pages.post("/profile", {**form, "version": fresh, "categories": [], "languages": ["xx"]}, form_page="/profile")
    assert r.status_code == 400
    assert 'id="e-languages"' in r.text and 'id="e-categories"' in r.text


def test_officials_have_no_profile_page(env, pages):
    pages.login(env.member("le_official"))
    assert pages.get("/profile").status_code == 403


def test_coverage_page_colours_and_empty_state(env, pages):
    pages.login_admin()
    empty = pages.get("/admin/coverage")
    assert empty.status_code == 200
    assert "No expert is available yet" in empty.text
    env.member(
        "expert",
        country="RS",
        languages=["sr", "en"],
        expert={"categories": ["numismatics"], "coverage_countries": ["BA"]},
    )
    page = pages.get("/admin/coverage?few=1")
    assert page.status_code == 200
    # Numismatics x Western Balkans has one expert; with few=1 that cell is band cov-2 (1..2).
    row = re.search(r"<th scope=\"row\">Numismatics</th>(.*?)</tr>", page.text, re.S).group(1)
    assert '<td class="cell cov-2">1</td>' in row
    assert '<td class="cell cov-0">0</td>' in row


def test_audit_page_filters_and_verifies(env, pages):
    applicant = env.register("le_official")
    pages.login_admin()
    pages.post(f"/admin/members/{applicant.id}/approve", {}, form_page="/admin/members")
    page = pages.get(f"/admin/audit?action=vetting.approved&object_type=member&object_id={applicant.id}")
    assert page.status_code == 200
    assert "1 entry." in page.text
    assert "vetting.approved" in page.text
    everything = pages.get("/admin/audit")
    assert "member.login" in everything.text
    verified = pages.get("/admin/audit?verify=1")
    assert "The hash chain is intact" in verified.text
    assert pages.get("/admin/audit?since=2020-13-01").status_code == 200  # a bad date is reported, not a crash
    assert pages.get("/admin/audit?action=DROP TABLE").status_code == 400


def test_every_admin_page_renders_on_an_empty_database(env, pages):
    pages.login_admin()
    for path in (
        "/",
        "/admin/members",
        "/admin/members?status=all",
        "/admin/coverage",
        "/admin/audit",
        "/admin/escalations",
        "/consultations",
    ):
        r = pages.get(path)
        assert r.status_code == 200, (path, r.text[-500:])


async def _expert(session, member_id):
    return (await session.execute(select(Expert).where(Expert.member_id == member_id))).scalar_one()
