"""Finding 8 of issue 12: every search of consultations writes an audit row (who, what query, how many hits)."""

from sqlalchemy import select

from expertnet.core import audit
from expertnet.core.models import AuditEntry


def _file(env, official, title):
    r = env.client.post(
        "/api/v1/consultations/",
        json={
            "title": title,
            "description": "Fourteen silver coins, possibly Roman denarii.",
            "category": "numismatics",
            "location_country": "RS",
            "languages": ["sr", "en"],
        },
        headers=official.headers,
    )
    assert r.status_code == 201, r.text
    return r.json()["id"]


def _searches(env):
    async def go(session):
        rows = await session.execute(
            select(AuditEntry).where(AuditEntry.action == "consultation.search").order_by(AuditEntry.id)
        )
        return list(rows.scalars())

    return env.db_run(go)


def test_every_consultation_search_is_audited(env):
    alice = env.member("le_official")
    bob = env.member("le_official")
    a1 = _file(env, alice, "Silver denarii detained at Batrovci")
    _file(env, bob, "Denarii offered online")

    r = env.client.get(
        "/api/v1/consultations/search", params={"q": "denarii", "status": "draft", "limit": 5}, headers=alice.headers
    )
    assert r.status_code == 200 and [i["id"] for i in r.json()["items"]] == [a1]
    r = env.client.get("/api/v1/consultations/search", params={"q": "denarii"}, headers=env.admin.headers)
    assert r.status_code == 200 and r.json()["total"] == 2
    r = env.client.get("/api/v1/consultations/search", params={"q": "nothing like this"}, headers=bob.headers)
    assert r.status_code == 200 and r.json()["total"] == 0

    rows = _searches(env)
    assert [(e.actor_id, e.detail["q"], e.detail["hits"]) for e in rows] == [
        (alice.id, "denarii", 1),
        (env.admin.id, "denarii", 2),
        (bob.id, "nothing like this", 0),
    ]
    assert rows[0].detail["filters"] == {"status": ["draft"], "category": []}
    assert rows[0].detail["ids"] == [a1] and rows[0].object_type == "consultation"
    assert rows[0].ip  # the address the search came from
    assert env.db_run(audit.verify_chain) == (True, None)


def test_a_refused_search_writes_no_search_row(env):
    alice = env.member("le_official")
    r = env.client.get("/api/v1/consultations/search", params={"category": "astrology"}, headers=alice.headers)
    assert r.status_code == 400
    assert env.client.get("/api/v1/consultations/search", params={"q": "x"}).status_code == 401
    assert _searches(env) == []
