"""Migration 0005 upgrades an existing (SHA-256) audit chain to the keyed chain, and refuses to
re-sign a chain that was already altered. Runs on SQLite and PostgreSQL."""

import asyncio
import os
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.ext.asyncio import create_async_engine

from expertnet.config import Settings, get_settings
from expertnet.core import audit
from expertnet.db import Database, UTCDateTime
from tests.audit.conftest import legacy_digest
from tests.conftest import PG_URL, ROOT, _pg_admin, _pg_async_url, _pg_with_db, run_async

AUDIT = sa.table(
    "audit_log",
    sa.column("at", UTCDateTime(timezone=True)),
    sa.column("actor_id", sa.Integer),
    sa.column("action", sa.String),
    sa.column("object_type", sa.String),
    sa.column("object_id", sa.String),
    sa.column("reason", sa.String),
    sa.column("ip", sa.String),
    sa.column("detail", sa.JSON),
    sa.column("prev_hash", sa.String),
    sa.column("hash", sa.String),
)


@pytest.fixture
def empty_db(db_kind, tmp_path, request, monkeypatch) -> Settings:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    if db_kind == "sqlite":
        url = f"sqlite+aiosqlite:///{data_dir / 'expertnet.db'}"
    else:
        name = f"expertnet_mig_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        run_async(_pg_admin(PG_URL, f'CREATE DATABASE "{name}"'))
        request.addfinalizer(lambda: run_async(_pg_admin(PG_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')))
        url = _pg_async_url(_pg_with_db(PG_URL, name))
    # The migration finds the audit key the way `expertnet db upgrade` does: from the settings.
    monkeypatch.setenv("EXPERTNET_ENV", "test")
    monkeypatch.setenv("EXPERTNET_DATA_DIR", str(data_dir))
    monkeypatch.setenv("EXPERTNET_DATABASE_URL", url)
    get_settings.cache_clear()
    yield Settings(env="test", data_dir=data_dir, database_url=url)
    get_settings.cache_clear()


def _alembic(url: str, action, revision: str) -> None:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.attributes["database_url"] = url
    run_async(asyncio.to_thread(action, cfg, revision))


def _legacy_rows(url: str, n: int, *, break_at: int | None = None) -> None:
    async def go():
        engine = create_async_engine(url)
        try:
            async with engine.begin() as conn:
                prev, start = "0" * 64, datetime(2026, 11, 1, 9, 30, 15, 123456, tzinfo=UTC)
                for i in range(n):
                    row = {
                        "at": start + timedelta(minutes=i),
                        "actor_id": i + 1,
                        "action": "member.login",
                        "object_type": "member",
                        "object_id": str(i + 1),
                        "reason": "",
                        "ip": "10.0.0.1",
                        "detail": {"n": i, "text": "Петровић"},
                    }
                    digest = legacy_digest(prev, row)
                    if i == break_at:
                        row["reason"] = "edited afterwards"
                    await conn.execute(AUDIT.insert().values(**row, prev_hash=prev, hash=digest))
                    prev = digest
        finally:
            await engine.dispose()

    run_async(go())


def _report(settings: Settings) -> audit.Report:
    async def go():
        db = Database(settings)
        try:
            async with db.sessionmaker() as session:
                return await audit.verify_stored(session)
        finally:
            await db.dispose()

    return run_async(go())


def test_an_existing_chain_is_rechained_under_the_key(empty_db):
    url = empty_db.database_url
    _alembic(url, command.upgrade, "0005_sign_in")
    _legacy_rows(url, 5)
    _alembic(url, command.upgrade, "head")
    report = _report(empty_db)
    assert report.status == "unanchored" and report.rows == 5, report.problems
    assert (empty_db.data_dir / "audit.key").exists()

    async def more(session):
        await audit.record(session, "member.login", actor_id=9)

    async def go():
        db = Database(empty_db)
        try:
            async with db.session() as session:
                await more(session)
        finally:
            await db.dispose()

    run_async(go())
    report = _report(empty_db)
    assert report.intact and report.rows == 6
    # Downgrading restores the old scheme, which the old code verified.
    _alembic(url, command.downgrade, "0005_sign_in")

    async def legacy_ok():
        engine = create_async_engine(url)
        try:
            async with engine.connect() as conn:
                rows = (await conn.execute(sa.select(AUDIT).order_by(sa.text("id")))).mappings().all()
        finally:
            await engine.dispose()
        prev = "0" * 64
        for row in rows:
            assert row["prev_hash"] == prev and legacy_digest(prev, row) == row["hash"]
            prev = row["hash"]
        return len(rows)

    assert run_async(legacy_ok()) == 6


def test_an_altered_chain_is_not_rechained(empty_db):
    url = empty_db.database_url
    _alembic(url, command.upgrade, "0005_sign_in")
    _legacy_rows(url, 4, break_at=2)
    with pytest.raises(RuntimeError, match="broken at row 3"):
        _alembic(url, command.upgrade, "head")
