"""Engine and session set-up shared by the app, the worker and the CLI."""
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.types import TypeDecorator

from expertnet.config import Settings

log = logging.getLogger(__name__)

Write = Callable[[AsyncSession], Awaitable[Any]]
_KEPT = "kept_writes"


def utcnow() -> datetime:
    return datetime.now(UTC)


async def keep(session: AsyncSession, write: Write) -> None:
    """Do `write` in this unit of work now, and again if the unit of work rolls back.

    Some rows must outlive the failure they record: the audit entry of an access denial, a failed
    sign-in that must count. The service raises its error as usual; `rollback` then replays the kept
    writes in a transaction of their own. This is the one way to do it (API, pages, CLI, jobs)."""
    await write(session)
    session.info.setdefault(_KEPT, []).append(write)


async def commit(session: AsyncSession) -> None:
    session.info.pop(_KEPT, None)
    await session.commit()


async def rollback(session: AsyncSession) -> None:
    """Roll back, then commit what was kept (see `keep`). A failure there is logged, not raised:
    the caller is already handling the error that caused the rollback."""
    kept: list[Write] = session.info.pop(_KEPT, [])
    await session.rollback()
    if not kept:
        return
    try:
        for write in kept:
            await write(session)
        await session.commit()
    except Exception:  # noqa: BLE001
        log.exception("could not keep %d write(s) after a rollback", len(kept))
        await session.rollback()


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC on every backend (SQLite drops the offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Database:
    def __init__(self, settings: Settings):
        self.settings = settings
        kwargs: dict = {"future": True}
        if settings.is_sqlite:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"timeout": 30}
        else:
            kwargs.update(pool_size=10, max_overflow=10, pool_pre_ping=True)
        self.engine: AsyncEngine = create_async_engine(settings.database_url, **kwargs)
        if settings.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
            # Take the write lock when a transaction starts: a deferred transaction that read
            # first and writes later fails with SQLITE_BUSY instead of waiting for the lock.
            event.listen(self.engine.sync_engine, "begin", _sqlite_begin_immediate)
        # Sessions carry the settings for what needs them below the service layer (the audit key).
        self.sessionmaker = async_sessionmaker(
            self.engine, class_=AsyncSession, expire_on_commit=False, info={"settings": settings}
        )

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A unit of work: commits when the block ends normally, rolls back otherwise."""
        async with self.sessionmaker() as session:
            try:
                yield session
            except BaseException:
                await rollback(session)
                raise
            await commit(session)

    async def dispose(self) -> None:
        await self.engine.dispose()


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (see below)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin_immediate(connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")
