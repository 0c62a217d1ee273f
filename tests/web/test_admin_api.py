"""JSON API of the secretariat: coverage and the audit log (/api/v1/admin/...)."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import text, update

from expertnet.admin import service as admin_service
from expertnet.experts.models import Expert


def _expert(env, *, country="RS", coverage=(), categories=("numismatics",), languages=("sr", "en"), **kw):
    return env.member(
        "expert",
        country=country,
        languages=list(languages),
        expert={"categories": list(categories), "coverage_countries": list(coverage)},
        **kw,
    )


def _cells(report: dict) -> dict[tuple[str, str], int]:
    return {(row["category"], region): n for row in report["rows"] for region, n in row["counts"].items()}


def test_coverage_counts_available_current_experts_per_category_and_region(env):
    a = _expert(env, country="RS", coverage=["BA"], categories=["numismatics", "archaeology"])
    _expert(env, country="IT", categories=["numismatics"], languages=["it", "en"])
    away = _expert(env, country="RS", categories=["numismatics"])
    unavailable = _expert(env, country="RS", categories=["numismatics"])
    env.register("expert", country="RS")  # pending: never counted
    suspended = _expert(env, country="RS", categories=["numismatics"])
    env.client.post(
        f"/api/v1/admin/members/{suspended.id}/suspend", json={"reason": "test suspension"}, headers=env.admin.headers
    )

    def mark(session):
        return session.execute(
            update(Expert)
            .where(Expert.member_id == away.id)
            .values(away_until=(datetime.now(UTC) + timedelta(days=9)).date())
        )

    env.db_run(mark)
    env.db_run(lambda s: s.execute(update(Expert).where(Expert.member_id == unavailable.id).values(available=False)))

    r = env.client.get("/api/v1/admin/coverage", params={"few": 2}, headers=env.admin.headers)
    assert r.status_code == 200, r.text
    report = r.json()
    cells = _cells(report)
    assert report["total_experts"] == 2
    # Expert a: RS (Western Balkans, South-East Europe) and BA (same groups): counted once per cell.
    assert cells[("numismatics", "western_balkans")] == 1
    assert cells[("numismatics", "south_east_europe")] == 1
    assert cells[("archaeology", "western_balkans")] == 1
    assert cells[("numismatics", "western_europe")] == 1  # the Italian expert
    assert cells[("archaeology", "western_europe")] == 0
    assert cells[("legal", "western_balkans")] == 0
    rows = {row["category"]: row for row in report["rows"]}
    assert rows["numismatics"]["total"] == 2
    assert report["region_totals"]["western_balkans"] == 1
    langs = {row["code"]: row for row in report["languages"]}
    assert "en" not in langs  # two available experts speak English: not thin at few=2
    assert langs["sr"]["available_experts"] == 1
    assert langs["ka"]["available_experts"] == 0  # a watched language nobody covers
    assert a.id  # (a is the Serbian expert counted above)


def test_coverage_lists_languages_officials_work_in(env):
    env.member("le_official", languages=["kk", "ru"])
    _expert(env, languages=["ru"])
    report = env.client.get("/api/v1/admin/coverage", headers=env.admin.headers).json()
    langs = {row["code"]: row for row in report["languages"]}
    assert langs["kk"] == {"code": "kk", "available_experts": 0, "officials": 1}
    assert langs["ru"]["officials"] == 1 and langs["ru"]["available_experts"] == 1


def test_coverage_is_one_query_per_population(env):
    for i in range(12):
        _expert(env, country="RS" if i % 2 else "FR", categories=["numismatics" if i % 3 else "legal"])
    statements = []

    async def run(session):
        from sqlalchemy import event

        engine = session.bind.sync_engine if hasattr(session.bind, "sync_engine") else session.bind
        listener = lambda *args, **kwargs: statements.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            return await admin_service.coverage(session, few=3)
        finally:
            event.remove(engine, "before_cursor_execute", listener)

    report = env.db_run(run)
    assert report.total_experts == 12
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 2, selects  # experts once, officials once: no per-expert query


def test_audit_log_filters_paginates_and_verifies(env):
    applicant = env.register("le_official")
    env.approve(applicant)
    admin = env.admin
    h = admin.headers
    page = env.client.get("/api/v1/admin/audit", params={"limit": 2}, headers=h).json()
    assert page["total"] >= 4 and len(page["items"]) == 2
    ids = [e["id"] for e in page["items"]]
    assert ids == sorted(ids, reverse=True)
    older = env.client.get("/api/v1/admin/audit", params={"limit": 2, "offset": 2}, headers=h).json()
    assert not set(ids) & {e["id"] for e in older["items"]}

    approved = env.client.get(
        "/api/v1/admin/audit", params={"action": "vetting.approved", "object_id": str(applicant.id)}, headers=h
    ).json()
    assert approved["total"] == 1
    entry = approved["items"][0]
    assert entry["actor_id"] == admin.id and entry["actor_name"] == "Test Admin" and entry["object_type"] == "member"
    prefix = env.client.get("/api/v1/admin/audit", params={"action": "vetting."}, headers=h).json()
    assert prefix["total"] == 1
    by_actor = env.client.get("/api/v1/admin/audit", params={"actor_id": applicant.id}, headers=h).json()
    assert {e["action"] for e in by_actor["items"]} == {"member.register", "member.login"}
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    assert env.client.get("/api/v1/admin/audit", params={"since": future}, headers=h).json()["total"] == 0
    assert (
        env.client.get("/api/v1/admin/audit", params={"since": future, "until": future}, headers=h).status_code == 400
    )
    assert env.client.get("/api/v1/admin/audit", params={"action": "x' OR 1=1"}, headers=h).status_code == 400

    assert env.client.get("/api/v1/admin/audit/verify", headers=h).json()["intact"] is True
    target = approved["items"][0]["id"]
    env.db_run(lambda s: _tamper(s, target))
    broken = env.client.get("/api/v1/admin/audit/verify", headers=h).json()
    assert (broken["intact"], broken["first_broken_id"], broken["status"]) == (False, target, "tampered")
    assert f"row {target}" in broken["message"] and broken["problems"]


def test_admin_api_is_for_admins_only(env):
    official = env.member("le_official")
    expert = env.member("expert")
    for path in ("/api/v1/admin/coverage", "/api/v1/admin/audit", "/api/v1/admin/audit/verify"):
        assert env.client.get(path).status_code == 401
        assert env.client.get(path, headers=official.headers).status_code == 403
        assert env.client.get(path, headers=expert.headers).status_code == 403
        assert env.client.get(path, headers=env.admin.headers).status_code == 200


async def _tamper(session, entry_id: int) -> None:
    """What someone with direct database access could do: switch the guard trigger off, edit a row.
    (PostgreSQL: on again in the same transaction, as the per-worker database outlives the test.)"""
    if session.bind.dialect.name == "postgresql":
        await session.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change"))
    else:
        await session.execute(text("DROP TRIGGER IF EXISTS audit_log_no_update"))
    await session.execute(text("UPDATE audit_log SET reason = 'edited' WHERE id = :id"), {"id": entry_id})
    if session.bind.dialect.name == "postgresql":
        await session.execute(text("ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_change"))
