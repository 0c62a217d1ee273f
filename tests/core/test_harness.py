"""The test harness itself: the shared per-worker PostgreSQL database is emptied between tests as
if freshly migrated, and the factories leave rows as the HTTP path would."""

import pytest
from sqlalchemy import func, select, text

from expertnet.core.models import AuditEntry
from expertnet.experts.models import Expert
from expertnet.members.models import Member
from tests import factories


def _counts(env, tables):
    async def go(session):
        return {t: (await session.execute(text(f'SELECT count(*) FROM "{t}"'))).scalar_one() for t in tables}

    return env.db_run(go)


@pytest.mark.parametrize("db_kind", ["postgresql"], indirect=True)  # SQLite tests copy a migrated file instead
def test_emptying_the_worker_database_leaves_it_as_migrated(env, request):
    database = request.getfixturevalue("pg_database")
    factories.consultation(env, env.member("le_official"), submit=True)
    factories.expert(env)
    before = _counts(env, database.tables)
    assert before["members"] >= 3 and before["audit_log"] > 0 and before["consultations"] == 1

    database.empty()
    assert set(_counts(env, database.tables).values()) == {0}
    env._admin = None
    assert env.admin.id == 1  # id sequences start again
    version = env.db_run(lambda s: s.execute(text("SELECT count(*) FROM alembic_version"))).scalar_one()
    assert version == 1

    async def tamper(session):
        await session.execute(text("UPDATE audit_log SET action = 'forged'"))

    with pytest.raises(Exception, match="append-only"):
        env.db_run(tamper)  # the audit log's guard is on again for every other connection


def test_factory_expert_is_approved_indexed_and_signed_in(env):
    expert = factories.expert(env, full_name="Milica Numismatist", expert={"specialties": ["Byzantine seals"]})
    me = env.client.get("/api/v1/me", headers=expert.headers)
    assert me.status_code == 200 and me.json()["vetting_status"] == "approved"
    official = env.member("le_official")
    found = env.client.get("/api/v1/experts/search", params={"q": "Byzantine seals"}, headers=official.headers)
    assert found.status_code == 200, found.text
    assert [hit["external_id"] for hit in found.json()["items"]] == [expert.extra["external_id"]]

    async def rows(session):
        member = await session.get(Member, expert.id)
        profile = (await session.execute(select(Expert).where(Expert.member_id == expert.id))).scalar_one()
        actions = (
            await session.execute(
                select(AuditEntry.action).where(AuditEntry.object_id == str(expert.id)).order_by(AuditEntry.id)
            )
        ).scalars()
        return member.vetting_status, profile.id, list(actions)

    status, profile_id, actions = env.db_run(rows)
    assert status == "approved" and profile_id == expert.extra["expert_id"]
    assert actions == ["member.register", "vetting.approved"]


def test_factory_consultation_matches_the_api(env):
    official = env.member("le_official")
    factories.expert(env)
    made = factories.consultation(env, official, submit=True, offer_count=1)
    read = env.client.get(f"/api/v1/consultations/{made['id']}", headers=official.headers)
    assert read.status_code == 200
    assert made["status"] == read.json()["status"] == "offered"
    assert {k: v for k, v in read.json().items() if k in made} == made
    assert env.db_run(lambda s: s.execute(select(func.count()).select_from(Member))).scalar_one() == 3
