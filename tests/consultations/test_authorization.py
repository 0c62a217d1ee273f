"""Object-level authorization: who reads which consultation; every read and every denial audited."""

from expertnet.core import audit as audit_log
from expertnet.consultations.models import Consultation


def _accepted(desk, env):
    official = desk.official()
    winner = desk.expert(specialties=["Roman Imperial coinage"])
    offered = desk.expert(specialties=["Greek coins"])
    bystander = desk.expert(categories=["manuscripts"], specialties=["Glagolitic manuscripts"], languages=["hr"])
    cid = desk.draft(official, category="numismatics")["id"]
    desk.submit(official, cid, offer_count=2)
    return official, winner, offered, bystander, cid


PARTS = ("", "/timeline", "/messages", "/opinion", "/attachments")


def test_other_official_and_unrelated_expert_get_404_and_the_denial_is_logged(desk, env):
    official, winner, offered, bystander, cid = _accepted(desk, env)
    other = desk.official()
    for user in (other, bystander):
        for part in PARTS:
            r = desk.get(user, cid, part, reason="curiosity")
            assert r.status_code == 404, (part, r.text)
    # A consultation that does not exist looks the same.
    assert desk.get(other, cid + 1000).status_code == 404
    denials = desk.audit("consultation.denied")
    by_actor = {}
    for row in denials:
        by_actor.setdefault(row.actor_id, []).append(row)
    assert len(by_actor[other.id]) == len(PARTS) + 1
    assert len(by_actor[bystander.id]) == len(PARTS)
    row = by_actor[other.id][0]
    assert row.object_type == "consultation" and row.object_id == str(cid) and row.reason == "curiosity"
    assert row.detail["action"] == "read"
    # Denied writes are logged too, and change nothing.
    r = env.client.post(f"/api/v1/consultations/{cid}/messages", json={"body": "let me in"}, headers=other.headers)
    assert r.status_code == 404
    r = env.client.post(f"/api/v1/consultations/{cid}/withdraw", json={}, headers=other.headers)
    assert r.status_code == 404
    assert env.db_run(lambda s: s.get(Consultation, cid)).status == "offered"
    assert len(desk.audit("consultation.denied", other.id)) == len(PARTS) + 3
    # The hash chain still holds with the denials in it.
    intact, broken = env.db_run(audit_log.verify_chain)
    assert intact, broken


def test_offered_expert_sees_the_request_but_not_the_ticket(desk, env):
    official, winner, offered, bystander, cid = _accepted(desk, env)
    r = desk.get(offered, cid)
    assert r.status_code == 200
    # An expert sees only their own offer, not who else was asked.
    assert [o["expert_id"] for o in r.json()["offers"]] == [offered.extra["expert_id"]]
    assert desk.get(offered, cid, "/attachments").status_code == 200
    assert desk.get(offered, cid, "/timeline").status_code == 404
    assert desk.get(offered, cid, "/messages").status_code == 404
    # The requester and admins see every offer.
    assert len(desk.get(official, cid).json()["offers"]) == 2
    assert len(desk.get(env.admin, cid).json()["offers"]) == 2


def test_lists_show_only_what_each_may_see(desk, env):
    official, winner, offered, bystander, cid = _accepted(desk, env)
    other = desk.official()
    mine = desk.draft(other, category="numismatics")["id"]

    def ids(user):
        return [c["id"] for c in env.client.get("/api/v1/consultations", headers=user.headers).json()["items"]]

    assert ids(official) == [cid]
    assert ids(other) == [mine]
    assert ids(offered) == [cid] and ids(winner) == [cid]
    assert ids(bystander) == []
    assert sorted(ids(env.admin)) == sorted([cid, mine])
    assert desk.audit("consultation.list", official.id)


def test_every_read_is_audited_with_its_reason(desk, env):
    official, winner, offered, bystander, cid = _accepted(desk, env)
    offer = desk.offer_of(winner, cid)
    assert env.client.post(f"/api/v1/offers/{offer['id']}/accept", headers=winner.headers).status_code == 200
    before = len(desk.audit("consultation.read"))
    for user in (official, winner, env.admin):
        for part in ("", "/timeline", "/messages"):
            r = desk.get(user, cid, part, reason="prosecutor's request 17/2026")
            assert r.status_code == 200, (part, r.text)
    r = desk.get(official, cid, "/opinion")
    assert r.status_code == 200 and r.json() is None  # no opinion yet; the look is still audited
    rows = desk.audit("consultation.read")[before:]
    assert len(rows) == 10
    assert {(r.actor_id, r.detail["part"]) for r in rows} >= {
        (official.id, "detail"),
        (official.id, "timeline"),
        (official.id, "messages"),
        (official.id, "opinion"),
        (winner.id, "detail"),
        (env.admin.id, "timeline"),
    }
    assert all(r.object_id == str(cid) for r in rows)
    assert rows[0].reason == "prosecutor's request 17/2026"
    assert rows[-1].reason == "case work"  # the default reason
    assert all(r.at is not None for r in rows)


def test_unvetted_and_anonymous_are_refused(desk, env):
    official, winner, offered, bystander, cid = _accepted(desk, env)
    applicant = env.register("le_official")
    assert env.client.get(f"/api/v1/consultations/{cid}", headers=applicant.headers).status_code == 403
    assert env.client.get(f"/api/v1/consultations/{cid}").status_code == 401
    assert env.client.post("/api/v1/consultations", json={}).status_code == 401
