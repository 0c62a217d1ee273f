"""Engine and session set-up shared by the app, the worker and the CLI."""

import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import CursorResult, DateTime, Result, Table, event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Mapped, QueryableAttribute
from sqlalchemy.types import TypeDecorator

from expertnet.config import Settings
from expertnet.core import clock

log = logging.getLogger(__name__)

Write = Callable[[AsyncSession], Awaitable[Any]]
_KEPT = "kept_writes"
READ_ONLY = "expertnet_read_only"  # execution option: a unit of work that only reads
WRITE = "expertnet_write"  # execution option: this transaction writes, even in a read-only session
_READS = ("select", "pragma", "with", "show", "explain", "begin", "commit", "rollback", "savepoint", "release")


class ReadOnlyWrite(RuntimeError):
    """A statement that writes ran in a read-only unit of work (a programming error: mark the route
    as writing, or use `Database.session`)."""


def utcnow() -> datetime:
    return clock.now()


async def keep(session: AsyncSession, write: Write) -> None:
    """Do `write` in this unit of work now, and again if the unit of work rolls back.

    Some rows must outlive the failure they record: the audit entry of an access denial, a failed
    sign-in that must count. The service raises its error as usual; `rollback` then replays the kept
    writes in a transaction of their own. This is the one way to do it (API, pages, CLI, jobs)."""
    if not session.info.get(READ_ONLY):
        await write(session)
    # In a read-only unit of work the write happens only in the replay, in a writing transaction
    # of its own: the service raises its error right after `keep`.
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
        await session.connection(execution_options={WRITE: True})
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
            # A transaction that writes takes the write lock when it starts: a deferred one that
            # read first and writes later fails with SQLITE_BUSY instead of waiting for the lock.
            # Read-only units of work begin deferred and read beside a writer (WAL).
            event.listen(self.engine.sync_engine, "begin", _sqlite_begin)
        event.listen(self.engine.sync_engine, "before_cursor_execute", _refuse_writes_when_read_only)
        # Sessions carry the settings for what needs them below the service layer (the audit key).
        self.sessionmaker = async_sessionmaker(
            self.engine, class_=AsyncSession, expire_on_commit=False, info={"settings": settings}
        )
        self.read_sessionmaker = async_sessionmaker(
            self.engine.execution_options(**{READ_ONLY: True}),
            class_=AsyncSession,
            expire_on_commit=False,
            info={READ_ONLY: True, "settings": settings},
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

    @asynccontextmanager
    async def read_session(self) -> AsyncIterator[AsyncSession]:
        """A unit of work that only reads: on SQLite it never waits for the write lock; a statement
        that writes raises `ReadOnlyWrite` (kept writes replay in a writing transaction)."""
        async with self.read_sessionmaker() as session:
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
    try:
        cursor.execute("PRAGMA busy_timeout=30000")  # first: what follows may have to wait
        _ensure_wal(cursor)
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def _ensure_wal(cursor, patience: float = 30.0) -> None:
    """WAL is a property of the file: set once, every later connection finds it. Switching needs
    the exclusive lock, and SQLite answers SQLITE_BUSY at once (without its busy handler) when two
    connections race for it or a writer holds the file -- so only switch when needed, and retry."""
    deadline = time.monotonic() + patience
    pause = 0.005
    while True:
        try:
            cursor.execute("PRAGMA journal_mode")
            if str(cursor.fetchone()[0]).lower() == "wal":
                return
            cursor.execute("PRAGMA journal_mode=WAL")
            if str(cursor.fetchone()[0]).lower() == "wal":
                return
        except Exception as exc:  # the driver's OperationalError, wrapped differently by aiosqlite
            if "locked" not in str(exc) and "busy" not in str(exc).lower():
                raise
        if time.monotonic() >= deadline:
            raise RuntimeError("could not switch the SQLite database to WAL: it stayed locked")
        time.sleep(pause)
        pause = min(pause * 2, 0.2)


def _read_only(connection) -> bool:
    options = connection.get_execution_options()
    return bool(options.get(READ_ONLY)) and not options.get(WRITE)


def _sqlite_begin(connection) -> None:
    connection.exec_driver_sql("BEGIN" if _read_only(connection) else "BEGIN IMMEDIATE")


def _refuse_writes_when_read_only(connection, _cursor, statement: str, _parameters, _context, _many) -> None:
    if _read_only(connection) and not statement.lstrip().lower().startswith(_READS):
        raise ReadOnlyWrite(f"a read-only unit of work tried to write: {statement.split(None, 3)[:3]}")


# Typed views of what SQLModel's annotations hide (its table models are typed as plain pydantic models).
def affected(result: Result[Any]) -> int:
    """Rows matched by an UPDATE/DELETE (the session returns a CursorResult for those)."""
    if not isinstance(result, CursorResult):
        raise TypeError(f"no row count on {type(result).__name__}")
    return result.rowcount


def table_of(model: type) -> Table:
    """The Table of a SQLModel table model."""
    table = getattr(model, "__table__", None)
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__} is not a table model")
    return table


def rel(attribute: object) -> QueryableAttribute[Any]:
    """A relationship attribute for loader options: SQLModel types `Model.rel` as the related model (or list)."""
    if not isinstance(attribute, QueryableAttribute):
        raise TypeError(f"{attribute!r} is not a mapped attribute")
    return attribute


def key_col(column: int | None) -> Mapped[int]:
    """A primary-key column to select: table models type `id` as `int | None` (a row not yet flushed),
    but a key read from the database is never NULL."""
    return cast(Mapped[int], column)
