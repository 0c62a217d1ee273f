"""The desk's daily loop through its pages (issue 15): times in the reader's zone, floored
countdowns, the true outcome of a submit, availability that follows "away until", vetting states."""

import json
import re
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select, update

from expertnet.consultations.models import Consultation
from expertnet.core import outbox
from expertnet.db import Database
from expertnet.experts import tasks as expert_jobs
from expertnet.experts.models import Expert
from expertnet.members.models import Member
from tests import factories
from tests.conftest import run_async


def _expert(env, name, **expert):
    return env.member(
        "expert",
        full_name=name,
        languages=["sr", "en"],
        expert={
            "categories": ["numismatics"],
            "specialties": ["Roman Imperial coinage"],
            "coverage_countries": ["RS"],
            **expert,
        },
    )


async def _deadline(session, cid):
    return (await session.execute(select(Consultation.deadline).where(Consultation.id == cid))).scalar_one()


async def _zone(session, member_id):
    return (await session.execute(select(Member.time_zone).where(Member.id == member_id))).scalar_one()


def _new_request(pages, **fields):
    data = {
        "title": "Silver denarius held at the border",
        "description": "A silver Roman coin with a laureate head was found in a car at the crossing.",
        "location_country": "RS",
        "languages": ["sr", "en"],
        "category": "numismatics",
        **fields,
    }
    return pages.post("/consultations/new", data, form_page="/consultations/new")


# --------------------------------------------------------------------------- time


def test_deadline_typed_in_the_members_zone_is_stored_as_that_instant(env, pages):
    olga = env.member("le_official")
    pages.login(olga)
    r = pages.post("/time-zone", {"time_zone": "Europe/Belgrade"}, form_page="/time-zone")
    assert r.status_code == 303
    assert env.db_run(lambda s: _zone(s, olga.id)) == "Europe/Belgrade"
    form = pages.get("/consultations/new").text
    assert "in your time zone: Belgrade (UTC+1)" in form  # December: CET
    r = _new_request(pages, deadline="2030-01-15T15:00")
    assert r.status_code == 303, r.text[-500:]
    cid = int(re.search(r"/consultations/(\d+)", r.headers["location"]).group(1))
    stored = env.db_run(lambda s: _deadline(s, cid))
    assert stored.replace(tzinfo=UTC) == datetime(2030, 1, 15, 14, 0, tzinfo=UTC)
    page = pages.get(f"/consultations/{cid}").text
    assert "15 Jan 2030, 15:00 UTC+1 (14:00 UTC)" in page
    # The edit form gives the time back as it was typed, in the member's zone.
    assert 'value="2030-01-15T15:00"' in pages.get(f"/consultations/{cid}/edit").text


def test_a_bad_time_zone_is_refused_naming_the_field(env, pages):
    olga = env.member("le_official")
    pages.login(olga)
    r = pages.post("/time-zone", {"time_zone": "Mars/Olympus_Mons"}, form_page="/time-zone")
    assert r.status_code == 400
    assert '<a href="#f-time_zone">Time zone</a>: Choose a time zone from the list.' in r.text
    assert env.db_run(lambda s: _zone(s, olga.id)) == ""


def test_the_api_sets_and_shows_the_time_zone(env):
    olga = env.member("le_official")
    me = env.client.get("/api/v1/me", headers=olga.headers).json()
    assert me["time_zone"] == ""
    r = env.client.patch(
        "/api/v1/me", json={"version": me["version"], "time_zone": "Nowhere/Atlantis"}, headers=olga.headers
    )
    assert r.status_code in (400, 422) and "time_zone" in r.text
    r = env.client.patch(
        "/api/v1/me", json={"version": me["version"], "time_zone": "Europe/Paris"}, headers=olga.headers
    )
    assert r.status_code == 200, r.text
    assert r.json()["time_zone"] == "Europe/Paris"


def test_the_browsers_zone_counts_until_the_member_chooses_one(env, pages):
    olga = env.member("le_official")
    factories.consultation(env, olga, deadline=datetime(2030, 1, 15, 14, 0, tzinfo=UTC).isoformat())
    pages.client.cookies.set("expertnet_tz", "Asia/Almaty")
    # Sign-in stores the zone the browser sent in the form's hidden field.
    pages.logout_all()
    pages.client.cookies.set("expertnet_tz", "Asia/Almaty")
    r = pages.post("/login", {"email": olga.email, "password": olga.password, "time_zone": "Asia/Almaty"})
    assert r.status_code == 303
    assert env.db_run(lambda s: _zone(s, olga.id)) == "Asia/Almaty"
    assert "15 Jan 2030, 19:00 UTC+5 (14:00 UTC)" in pages.get("/consultations").text
    # The browser's guess (app.js posts it while none is stored) never overrides a chosen zone.
    pages.post("/time-zone", {"time_zone": "Europe/Belgrade"}, form_page="/time-zone")
    r = pages.post("/time-zone", {"time_zone": "America/New_York", "browser": "1"}, form_page="/time-zone")
    assert r.status_code == 204
    assert env.db_run(lambda s: _zone(s, olga.id)) == "Europe/Belgrade"
    assert "15 Jan 2030, 15:00 UTC+1 (14:00 UTC)" in pages.get("/consultations").text


def test_a_member_without_a_zone_reads_the_browsers_then_utc(env, pages):
    olga = env.member("le_official")
    factories.consultation(env, olga, deadline=datetime(2030, 1, 15, 14, 0, tzinfo=UTC).isoformat())
    pages.login(olga)
    assert "15 Jan 2030, 14:00 UTC" in pages.get("/consultations").text
    assert 'name="zone-unset"' in pages.get("/").text  # app.js stores the browser's zone once
    pages.client.cookies.set("expertnet_tz", "America/New_York")
    assert "15 Jan 2030, 09:00 UTC-5 (14:00 UTC)" in pages.get("/consultations").text


def test_countdowns_never_overstate_the_time_left(env, pages):
    olga = env.member("le_official")
    now = datetime.now(UTC)
    soon = factories.consultation(
        env, olga, title="Soon", deadline=(now + timedelta(hours=1, minutes=36, seconds=50)).isoformat()
    )
    later = factories.consultation(
        env, olga, title="Later", deadline=(now + timedelta(hours=37, minutes=50)).isoformat()
    )
    today = factories.consultation(
        env, olga, title="Today", deadline=(now + timedelta(hours=7, seconds=30)).isoformat()
    )
    pages.login(olga)
    page = pages.get("/consultations").text
    row = {c["title"]: c["id"] for c in (soon, later, today)}

    def cell(cid):
        found = re.search(
            rf'href="/consultations/{cid}".*?<time datetime="[^"]+" class="([\w-]+)">([^<]+)</time>', page, re.S
        )
        assert found, cid
        return found.group(1), found.group(2)

    assert cell(row["Soon"]) == ("due-soon", "in 1 h 36 min")  # not "in 2 hours"
    assert cell(row["Later"]) == ("due-later", "in 37 h")  # not "in 2 days"
    assert cell(row["Today"]) == ("due-today", "in 7 h")


def test_countdown_filter_in_russian_and_overdue():
    from jinja2 import Environment

    from expertnet.web import templating

    class Engine:
        engine = Environment()

    templating.configure(Engine)  # type: ignore[arg-type]
    render = Engine.engine.from_string
    now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    ctx = {"locale": "ru", "time_zone": "UTC", "now": now}
    assert render("{{ v|countdown(now) }}").render(v=now + timedelta(hours=1, minutes=36, seconds=59), **ctx) == (
        "через 1 ч 36 мин"
    )
    assert render("{{ v|countdown(now, overdue=true) }}").render(v=now - timedelta(minutes=90), **ctx) == (
        "просрочено на 1 ч 30 мин"
    )
    assert render("{{ v|urgency(now) }}").render(v=now - timedelta(seconds=1), now=now) == "due-overdue"
    assert render("{{ v|urgency(now) }}").render(v=now + timedelta(hours=5, minutes=59), now=now) == "due-soon"
    assert render("{{ v|urgency(now) }}").render(v=now + timedelta(hours=23), now=now) == "due-today"


# --------------------------------------------------------------------------- true state


def test_submit_banner_says_how_many_experts_got_the_offer(env, pages):
    _expert(env, "Expert Alpha")
    _expert(env, "Expert Beta")
    olga = env.member("le_official")
    pages.login(olga)
    r = _new_request(pages)
    cid = int(re.search(r"/consultations/(\d+)", r.headers["location"]).group(1))
    page = pages.post(
        f"/consultations/{cid}/submit", {"offer_count": "3"}, form_page=f"/consultations/{cid}", follow=True
    )
    assert "Your request has been submitted and offered to 2 experts at once." in page.text
    assert "best-matching" not in page.text


def test_submit_banner_says_escalated_when_nobody_matches(env, pages):
    olga = env.member("le_official")
    pages.login(olga)
    r = _new_request(pages)
    cid = int(re.search(r"/consultations/(\d+)", r.headers["location"]).group(1))
    page = pages.post(f"/consultations/{cid}/submit", {}, form_page=f"/consultations/{cid}", follow=True)
    assert "passed to the secretariat" in page.text
    assert "offered to" not in page.text
    pages.post("/language", {"language": "ru", "next": "/"}, form_page="/")
    r = _new_request(pages)
    cid = int(re.search(r"/consultations/(\d+)", r.headers["location"]).group(1))
    page = pages.post(f"/consultations/{cid}/submit", {}, form_page=f"/consultations/{cid}", follow=True)
    assert "передан в секретариат" in page.text


def _directory(pages, query="") -> str:
    return pages.get("/directory/results?" + query, headers={"hx-request": "true"}).text


def _badge_of(html: str, name: str) -> str:
    found = re.search(rf">{re.escape(name)}</a>\s*<span class=\"badge[^\"]*\">([^<]+)</span>", html)
    assert found, (name, html[:2000])
    return found.group(1)


def test_away_until_makes_an_expert_unavailable_and_the_worker_brings_them_back(env, pages):
    ana = _expert(env, "Ana Away")
    _expert(env, "Bora Here")
    pages.login(ana)
    profile = pages.get("/profile").text
    version = re.search(r'name="version" value="(\d+)"', profile).group(1)
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    r = pages.post(
        "/profile",
        {
            "version": version,
            "organisation": "National Museum",
            "org_type": "museum",
            "country": "RS",
            "languages": ["sr", "en"],
            "categories": ["numismatics"],
            "specialties": "Roman Imperial coinage",
            "available": "on",
            "away_until": tomorrow,
            "max_open_consultations": "3",
        },
        form_page="/profile",
    )
    assert r.status_code == 303, r.text[-800:]
    official = env.member("le_official")
    pages.login(official)
    results = _directory(pages)
    assert _badge_of(results, "Ana Away") == "Not available"
    assert _badge_of(results, "Bora Here") == "Available"
    available_now = _directory(pages, "available=true")
    assert "Ana Away" not in available_now and "Bora Here" in available_now

    # The date passes (here: it is moved into the past without touching the index).
    async def back(session):
        await session.execute(
            update(Expert)
            .where(Expert.id == ana.extra["expert_id"])
            .values(away_until=date.today() - timedelta(days=1))
        )

    if "expert_id" not in ana.extra:
        ana.extra["expert_id"] = env.db_run(lambda s: _expert_id(s, ana.id))
    env.db_run(back)
    assert "Ana Away" not in _directory(pages, "available=true")  # the index still says away

    async def job():
        db = Database(env.settings)
        try:
            done = await expert_jobs.run_periodic(db)
            await outbox.drain(db)
            return done
        finally:
            await db.dispose()

    assert run_async(job()) == {"experts_back": 1}
    assert _badge_of(_directory(pages), "Ana Away") == "Available"
    assert "Ana Away" in _directory(pages, "available=true")
    assert run_async(job()) == {"experts_back": 0}  # nothing to do twice


async def _expert_id(session, member_id):
    return (await session.execute(select(Expert.id).where(Expert.member_id == member_id))).scalar_one()


def test_admin_directory_shows_pending_and_suspended_not_available(env, pages):
    factories.member(env, "expert", approve=False, full_name="Petra Pending")
    suspended = _expert(env, "Sasha Suspended")
    _expert(env, "Vera Vetted")
    pages.login_admin()
    r = pages.post(
        f"/admin/members/{suspended.id}/suspend",
        {"reason": "Left the museum; under review."},
        form_page=f"/admin/members/{suspended.id}",
    )
    assert r.status_code == 303
    results = _directory(pages)
    assert _badge_of(results, "Petra Pending") == "Pending"
    assert _badge_of(results, "Sasha Suspended") == "Suspended"
    assert _badge_of(results, "Vera Vetted") == "Available"
    available_now = _directory(pages, "available=true")
    assert "Vera Vetted" in available_now and "Petra Pending" not in available_now
    assert "Sasha Suspended" not in available_now
    # The member's record says since when and why, not "until" the old vetting date.
    record = pages.get(f"/admin/members/{suspended.id}").text
    today = datetime.now(UTC)
    assert f"since {today.strftime('%b')} {today.day}, {today.year}" in record
    assert "Left the museum; under review." in record
    status = re.search(r"<dt>Status</dt><dd>(.*?)</dd>", record, re.S).group(1)
    assert "until" not in status


def test_vetting_queue_shows_the_import_date_of_imported_members(env, pages, cli, tmp_path):
    path = tmp_path / "experts.jsonl"
    path.write_text(
        json.dumps(
            {
                "external_id": "E-1",
                "full_name": "Јелена Петровић",
                "email": "jelena@museum.example",
                "organisation": "National Museum of Serbia",
                "org_type": "museum",
                "country": "RS",
                "languages": ["sr", "en"],
                "categories": ["numismatics"],
                "vetting_status": "pending",
            },
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf-8",
    )
    assert cli("experts", "import", str(path)).exit_code == 0
    pages.login_admin()
    queue = pages.get("/admin/members?status=pending").text
    today = datetime.now(UTC)
    row = re.search(r"Јелена Петровић.*?</tr>", queue, re.S).group(0)
    assert f"imported {today.strftime('%b')} {today.day}, {today.year}" in row
    member_id = re.search(r'href="/admin/members/(\d+)">Јелена', queue).group(1)
    record = pages.get(f"/admin/members/{member_id}").text
    assert "Imported" in record and "Re-vetting date set" not in record
