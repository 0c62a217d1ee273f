"""The whole desk through the API: draft -> preview -> submit -> offers -> accept -> ticket -> close,
and the detours: decline, offer expiry, escalation, admin re-offer, withdrawal, deadline expiry."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from expertnet.consultations import tasks
from expertnet.consultations.models import Consultation, Offer
from expertnet.db import Database
from expertnet.experts.models import Expert

from tests.conftest import run_async


def _experts(desk, n=4):
    """n numismatists, each a clearly different fit for a Roman Imperial denarius."""
    profiles = [
        dict(specialties=["Roman Imperial coinage", "Roman silver denarii"], coverage=["IT", "RS"]),
        dict(specialties=["Roman Republican coinage"], coverage=["IT"]),
        dict(specialties=["Greek coins"], coverage=["GR"]),
        dict(specialties=["Medieval Serbian coins"], coverage=["RS"]),
        dict(specialties=["Ottoman coins"], coverage=["TR"]),
    ]
    return [desk.expert(**profiles[i]) for i in range(n)]


def _run_jobs(env):
    async def go():
        db = Database(env.settings)
        try:
            return await tasks.run_periodic(db)
        finally:
            await db.dispose()

    return run_async(go())


def _expire_open_offers(env, consultation_id):
    async def go(session):
        await session.execute(
            update(Offer)
            .where(Offer.consultation_id == consultation_id, Offer.status == "open")
            .values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
        )

    env.db_run(go)


def _expert_row(env, expert_id):
    return env.db_run(lambda s: s.get(Expert, expert_id))


def test_full_lifecycle(desk, env):
    official = desk.official()
    e1, e2, e3, e4 = _experts(desk, 4)
    c = desk.draft(official, category="numismatics")
    cid = c["id"]
    assert c["status"] == "draft" and c["urgency"] == "routine"

    # Preview: ranked candidates with human-readable reasons; nothing is offered yet.
    r = desk.get(official, cid, "/candidates")
    assert r.status_code == 200, r.text
    preview = r.json()
    assert [p["expert_id"] for p in preview][:1] == [e1.extra["expert_id"]]
    assert {p["expert_id"] for p in preview} == {u.extra["expert_id"] for u in (e1, e2, e3, e4)}
    assert "category: numismatics" in preview[0]["reasons"]
    assert "speaks sr" in preview[0]["reasons"]
    assert any(reason.startswith("specialty: Roman Imperial") for reason in preview[0]["reasons"])
    assert all(1 >= p["score"] > 0 for p in preview)
    assert [p["score"] for p in preview] == sorted((p["score"] for p in preview), reverse=True)
    assert desk.offers(e1) == []

    # Submit: the top three get offers at once, and are told.
    c = desk.submit(official, cid)
    assert c["status"] == "offered"
    top3 = [p["expert_id"] for p in preview[:3]]
    assert sorted(o["expert_id"] for o in c["offers"]) == sorted(top3)
    assert all(o["status"] == "open" for o in c["offers"])
    offer_note = desk.notifications("offer", cid)
    assert len(offer_note) == 1
    members_by_expert = {u.extra["expert_id"]: u.id for u in (e1, e2, e3, e4)}
    assert offer_note[0]["member_ids"] == sorted(members_by_expert[e] for e in top3)
    assert offer_note[0]["url"] == f"/consultations/{cid}"
    assert desk.outbox("index.consultation", cid)

    users = {u.extra["expert_id"]: u for u in (e1, e2, e3, e4)}
    fourth = users[preview[3]["expert_id"]]
    assert desk.offer_of(fourth, cid) is None
    assert desk.get(fourth, cid).status_code == 404  # not offered: cannot read

    # A decline moves on to the next candidate by itself.
    decliner = users[top3[2]]
    offer = desk.offer_of(decliner, cid)
    r = env.client.post(f"/api/v1/offers/{offer['id']}/decline", json={"reason": "on leave"}, headers=decliner.headers)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "declined"
    assert desk.offer_of(fourth, cid) is not None
    assert len(desk.notifications("declined", cid)) == 1
    # Declining twice is refused.
    r = env.client.post(f"/api/v1/offers/{offer['id']}/decline", json={}, headers=decliner.headers)
    assert r.status_code == 409 and "no longer open" in r.text
    assert desk.get(decliner, cid).status_code == 404  # a declined offer no longer opens the request

    # Accepting someone else's offer is refused and changes nothing.
    winner = users[top3[0]]
    other = users[top3[1]]
    other_offer = desk.offer_of(other, cid)
    r = env.client.post(f"/api/v1/offers/{other_offer['id']}/accept", headers=winner.headers)
    assert r.status_code == 403 and "another expert" in r.text
    assert desk.get(official, cid).json()["status"] == "offered"

    # First accept wins; the other open offers close; a late accept gets 409.
    win_offer = desk.offer_of(winner, cid)
    r = env.client.post(f"/api/v1/offers/{win_offer['id']}/accept", headers=winner.headers)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "accepted" and r.json()["assigned_expert_id"] == winner.extra["expert_id"]
    r = env.client.post(f"/api/v1/offers/{other_offer['id']}/accept", headers=other.headers)
    assert r.status_code == 409 and "already accepted" in r.text
    detail = desk.get(official, cid).json()
    statuses = {o["expert_id"]: o["status"] for o in detail["offers"]}
    assert statuses[winner.extra["expert_id"]] == "accepted"
    assert statuses[decliner.extra["expert_id"]] == "declined"
    assert statuses[other.extra["expert_id"]] == "closed" and statuses[fourth.extra["expert_id"]] == "closed"
    closed_note = desk.notifications("offer_closed", cid)
    assert closed_note and set(closed_note[0]["member_ids"]) == {other.id, fourth.id}
    assert desk.notifications("accepted", cid)[0]["member_ids"] == [official.id]
    assert _expert_row(env, winner.extra["expert_id"]).open_consultations == 1
    assert desk.get(other, cid).status_code == 404  # closed offer: no longer readable

    # Messages both ways.
    r = env.client.post(
        f"/api/v1/consultations/{cid}/messages", json={"body": "Photos of both sides attached?"}, headers=winner.headers
    )
    assert r.status_code == 201, r.text
    r = env.client.post(
        f"/api/v1/consultations/{cid}/messages", json={"body": "Yes, see the ticket."}, headers=official.headers
    )
    assert r.status_code == 201
    msgs = desk.get(winner, cid, "/messages").json()
    assert [m["body"] for m in msgs] == ["Photos of both sides attached?", "Yes, see the ticket."]
    assert [m["author_id"] for m in msgs] == [winner.id, official.id]
    assert {n["member_ids"][0] for n in desk.notifications("message", cid)} == {official.id, winner.id}

    # Structured opinion: only the assigned expert; enums are checked.
    opinion = {
        "identification": "Denarius of Trajan, RIC II 147",
        "likely_origin": "Rome mint; find spot probably in Italy or the Balkans",
        "likely_period": "AD 103-111",
        "authenticity": "probably_authentic",
        "confidence": "medium",
        "next_steps": "Weigh it; ask the Italian Carabinieri TPC for matching thefts.",
        "remarks": "Die axis and weight would settle it.",
    }
    r = env.client.post(
        f"/api/v1/consultations/{cid}/opinion", json={**opinion, "confidence": "certain"}, headers=winner.headers
    )
    assert r.status_code == 400 and "confidence" in r.text
    r = env.client.post(f"/api/v1/consultations/{cid}/opinion", json=opinion, headers=winner.headers)
    assert r.status_code == 201, r.text
    assert desk.get(official, cid).json()["status"] == "answered"
    got = desk.get(official, cid, "/opinion").json()
    assert got["authenticity"] == "probably_authentic" and got["identification"].startswith("Denarius")

    # Close with outcome and rating; the rating is checked first and nothing changes on bad input.
    r = env.client.post(
        f"/api/v1/consultations/{cid}/close", json={"outcome": "seized", "rating": 6}, headers=official.headers
    )
    assert r.status_code == 400 and "rating" in r.text
    r = env.client.post(
        f"/api/v1/consultations/{cid}/close", json={"outcome": "kept", "rating": 5}, headers=official.headers
    )
    assert r.status_code == 400 and "outcome" in r.text
    assert desk.get(official, cid).json()["status"] == "answered"
    r = env.client.post(
        f"/api/v1/consultations/{cid}/close",
        json={"outcome": "seized", "outcome_detail": "Handed to the prosecutor.", "rating": 5},
        headers=official.headers,
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "closed" and r.json()["rating"] == 5 and r.json()["outcome"] == "seized"
    assert _expert_row(env, winner.extra["expert_id"]).open_consultations == 0

    # A message on a closed ticket is refused, naming the reason.
    r = env.client.post(
        f"/api/v1/consultations/{cid}/messages", json={"body": "One more thing"}, headers=winner.headers
    )
    assert r.status_code == 409 and "closed" in r.json()["detail"]

    # The timeline tells the whole story, to both sides.
    for reader in (official, winner):
        events = desk.get(reader, cid, "/timeline").json()
        kinds = [e["kind"] for e in events]
        assert kinds == [
            "created",
            "submitted",
            "offered",
            "declined",
            "offered",
            "accepted",
            "offers_closed",
            "message",
            "message",
            "opinion",
            "closed",
        ], kinds
        assert events[0]["actor_id"] == official.id and events[5]["actor_id"] == winner.id
        assert events[2]["detail"]["experts"][0]["reasons"]

    # Responsiveness counters: winner and decliner answered their offers; the closed ones did not.
    w = _expert_row(env, winner.extra["expert_id"])
    d = _expert_row(env, decliner.extra["expert_id"])
    o = _expert_row(env, other.extra["expert_id"])
    assert (w.offers_received, w.offers_answered) == (1, 1)
    assert (d.offers_received, d.offers_answered) == (1, 1)
    assert (o.offers_received, o.offers_answered) == (1, 0)
    assert desk.outbox("index.expert", winner.extra["expert_id"])


def test_category_inferred_when_missing(desk, env):
    official = desk.official()
    c = desk.draft(
        official,
        title="Сребрни римски денар",
        description="Гранична полиција је запленила сребрни римски новчић (денар) цара Трајана.",
    )
    assert c["category"] is None
    assert c["inferred_category"] == "numismatics"


def test_offer_expiry_moves_on_then_escalates_then_admin_reoffers(desk, env):
    official = desk.official()
    e1, e2 = _experts(desk, 2)
    env.admin  # an admin exists to be alerted
    cid = desk.draft(official, category="numismatics")["id"]
    c = desk.submit(official, cid, offer_count=1)
    assert [o["expert_id"] for o in c["offers"]] == [e1.extra["expert_id"]]

    # Nothing is due yet: the job leaves the offer alone.
    assert _run_jobs(env) == {"offers_expired": 0, "requests_expired": 0}
    _expire_open_offers(env, cid)
    assert _run_jobs(env)["offers_expired"] == 1
    c = desk.get(official, cid).json()
    assert {o["expert_id"]: o["status"] for o in c["offers"]} == {
        e1.extra["expert_id"]: "expired",
        e2.extra["expert_id"]: "open",
    }
    assert c["status"] == "offered"
    assert desk.notifications("expired", cid)[0]["member_ids"] == [e1.id]
    assert desk.get(e1, cid).status_code == 404

    # The last candidate lets it expire too: escalated, and every admin is alerted.
    _expire_open_offers(env, cid)
    _run_jobs(env)
    c = desk.get(official, cid).json()
    assert c["status"] == "escalated" and c["escalated_at"]
    alerts = desk.notifications("escalated", cid)
    assert len(alerts) == 1 and alerts[0]["member_ids"] == [env.admin.id]

    # Only admins re-offer; "next candidates" with none left says so; a chosen expert works.
    r = env.client.post(f"/api/v1/consultations/{cid}/reoffer", json={}, headers=official.headers)
    assert r.status_code == 403
    r = env.client.post(f"/api/v1/consultations/{cid}/reoffer", json={"count": 2}, headers=env.admin.headers)
    assert r.status_code == 409 and "no eligible candidate" in r.text
    r = env.client.post(f"/api/v1/consultations/{cid}/reoffer", json={"expert_id": 999999}, headers=env.admin.headers)
    assert r.status_code == 400 and "expert_id" in r.text
    r = env.client.post(
        f"/api/v1/consultations/{cid}/reoffer",
        json={"expert_id": e1.extra["expert_id"], "reason": "phoned the expert, available now"},
        headers=env.admin.headers,
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "offered"
    assert desk.offer_of(e1, cid) is not None
    assert desk.notifications("reoffered", cid)[0]["member_ids"] == [official.id]
    kinds = [e["kind"] for e in desk.get(official, cid, "/timeline").json()]
    assert kinds[-4:] == ["offers_expired", "escalated", "offered", "reoffered"]
    # The re-offered expert can accept.
    offer = desk.offer_of(e1, cid)
    assert env.client.post(f"/api/v1/offers/{offer['id']}/accept", headers=e1.headers).status_code == 200


def test_admin_reoffer_to_next_candidates(desk, env):
    official = desk.official()
    experts = _experts(desk, 3)
    cid = desk.draft(official, category="numismatics")["id"]
    desk.submit(official, cid, offer_count=1)
    r = env.client.post(f"/api/v1/consultations/{cid}/reoffer", json={"count": 1}, headers=env.admin.headers)
    assert r.status_code == 200, r.text
    open_ids = sorted(o["expert_id"] for o in r.json()["offers"] if o["status"] == "open")
    assert open_ids == sorted(u.extra["expert_id"] for u in experts[:2])


def test_no_candidate_at_submit_escalates(desk, env):
    official = desk.official()
    env.admin
    desk.expert(languages=["de"], country="DE")  # shares no language with the request
    cid = desk.draft(official, category="numismatics", languages=["sr"])["id"]
    assert desk.get(official, cid, "/candidates").json() == []
    c = desk.submit(official, cid)
    assert c["status"] == "escalated" and c["offers"] == []
    assert desk.notifications("escalated", cid)[0]["member_ids"] == [env.admin.id]


def test_withdrawal_releases_the_expert_and_closes_offers(desk, env):
    official = desk.official()
    e1, e2 = _experts(desk, 2)
    cid = desk.draft(official, category="numismatics")["id"]
    desk.submit(official, cid, offer_count=2)
    offer = desk.offer_of(e1, cid)
    assert env.client.post(f"/api/v1/offers/{offer['id']}/accept", headers=e1.headers).status_code == 200
    assert _expert_row(env, e1.extra["expert_id"]).open_consultations == 1
    # Only the requester withdraws (experts are refused by role, other officials by object).
    assert env.client.post(f"/api/v1/consultations/{cid}/withdraw", json={}, headers=e1.headers).status_code == 403
    assert (
        env.client.post(f"/api/v1/consultations/{cid}/withdraw", json={}, headers=desk.official().headers).status_code
        == 404
    )
    r = env.client.post(
        f"/api/v1/consultations/{cid}/withdraw",
        json={"reason": "object released by court order"},
        headers=official.headers,
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "withdrawn"
    assert _expert_row(env, e1.extra["expert_id"]).open_consultations == 0
    assert desk.notifications("withdrawn", cid)[0]["member_ids"] == [e1.id]
    r = env.client.post(f"/api/v1/consultations/{cid}/withdraw", json={}, headers=official.headers)
    assert r.status_code == 409 and "withdrawn" in r.text
    r = env.client.post(f"/api/v1/consultations/{cid}/messages", json={"body": "hello?"}, headers=official.headers)
    assert r.status_code == 409 and "withdrawn" in r.text


def test_withdraw_while_offered_closes_open_offers(desk, env):
    official = desk.official()
    e1, e2 = _experts(desk, 2)
    cid = desk.draft(official, category="numismatics")["id"]
    desk.submit(official, cid, offer_count=2)
    r = env.client.post(f"/api/v1/consultations/{cid}/withdraw", headers=official.headers)
    assert r.status_code == 200
    offers = desk.get(official, cid).json()["offers"]
    assert {o["status"] for o in offers} == {"closed"}
    assert sorted(desk.notifications("withdrawn", cid)[0]["member_ids"]) == sorted([e1.id, e2.id])
    assert desk.offers(e1) == []


def test_deadline_sets_urgency_and_offer_window(desk, env):
    official = desk.official()
    desk.expert()
    deadline = datetime.now(UTC) + timedelta(hours=6)
    c = desk.draft(official, category="numismatics", deadline=deadline.isoformat())
    assert c["urgency"] == "critical"
    c = desk.submit(official, c["id"])
    expires = datetime.fromisoformat(c["offers"][0]["expires_at"])
    # Critical allows 3 hours, but never more than a third of the 6 hours left.
    assert expires <= deadline - timedelta(hours=3, minutes=59)
    assert expires >= datetime.now(UTC) + timedelta(hours=1, minutes=50)


def test_deadline_passing_expires_the_request(desk, env):
    official = desk.official()
    e1 = desk.expert()
    cid = desk.draft(official, category="numismatics", deadline=(datetime.now(UTC) + timedelta(hours=2)).isoformat())[
        "id"
    ]
    desk.submit(official, cid)

    async def pass_deadline(session):
        await session.execute(
            update(Consultation).where(Consultation.id == cid).values(deadline=datetime.now(UTC) - timedelta(seconds=1))
        )

    env.db_run(pass_deadline)
    assert _run_jobs(env)["requests_expired"] == 1
    c = desk.get(official, cid).json()
    assert c["status"] == "expired"
    assert {o["status"] for o in c["offers"]} == {"closed"}
    assert set(desk.notifications("expired", cid)[0]["member_ids"]) == {official.id, e1.id}


def test_bad_input_is_refused_naming_the_field(desk, env):
    official = desk.official()
    base = dict(
        title="Icon seized",
        description="An icon was seized at the airport today.",
        location_country="RS",
        languages=["sr"],
    )
    cases = [
        ({"category": "pottery"}, "category"),
        ({"location_country": "XX"}, "location_country"),
        ({"object_origin_country": "Serbia"}, "object_origin_country"),
        ({"languages": ["serbian"]}, "languages"),
        ({"languages": []}, "languages"),
        ({"urgency": "yesterday"}, "urgency"),
        ({"deadline": (datetime.now(UTC) - timedelta(hours=1)).isoformat()}, "deadline"),
        ({"title": ""}, "title"),
        ({"role": "admin"}, "role"),
    ]
    for override, field in cases:
        r = env.client.post("/api/v1/consultations", json={**base, **override}, headers=official.headers)
        assert r.status_code == 400, (override, r.text)
        assert field in r.text, (override, r.text)
    r = env.client.get("/api/v1/consultations", headers=official.headers)
    assert r.json()["total"] == 0
    # Experts do not file requests.
    expert = desk.expert()
    assert env.client.post("/api/v1/consultations", json=base, headers=expert.headers).status_code == 403


def test_draft_edit_and_stale_version(desk, env):
    official = desk.official()
    c = desk.draft(official)
    r = env.client.patch(
        f"/api/v1/consultations/{c['id']}",
        json={"version": c["version"], "category": "numismatics"},
        headers=official.headers,
    )
    assert r.status_code == 200 and r.json()["category"] == "numismatics"
    r = env.client.patch(
        f"/api/v1/consultations/{c['id']}",
        json={"version": c["version"], "title": "Another title"},
        headers=official.headers,
    )
    assert r.status_code == 409 and "version" in r.text
    other = desk.official()
    r = env.client.patch(
        f"/api/v1/consultations/{c['id']}", json={"version": c["version"] + 1, "title": "Hijack"}, headers=other.headers
    )
    assert r.status_code == 404


def test_submitting_twice_is_a_conflict(desk, env):
    official = desk.official()
    desk.expert()
    cid = desk.draft(official, category="numismatics")["id"]
    desk.submit(official, cid)
    r = env.client.post(f"/api/v1/consultations/{cid}/submit", headers=official.headers)
    assert r.status_code == 409 and "already submitted" in r.text


def test_capacity_is_checked_again_at_accept(desk, env):
    official = desk.official()
    e1 = desk.expert(max_open_consultations=1)
    a = desk.draft(official, category="numismatics")["id"]
    b = desk.draft(official, category="numismatics")["id"]
    desk.submit(official, a)
    desk.submit(official, b)
    first, second = desk.offer_of(e1, a), desk.offer_of(e1, b)
    assert env.client.post(f"/api/v1/offers/{first['id']}/accept", headers=e1.headers).status_code == 200
    r = env.client.post(f"/api/v1/offers/{second['id']}/accept", headers=e1.headers)
    assert r.status_code == 409 and "maximum" in r.text
    assert desk.get(official, b).json()["status"] == "offered"
    row = env.db_run(lambda s: s.get(Expert, e1.extra["expert_id"]))
    assert row.open_consultations == 1
