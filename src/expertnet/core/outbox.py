"""Transactional outbox: business rows and the events announcing them commit together.

The worker (or, on the embedded default, a background task of the app) drains the table.
Handlers must be idempotent: an event may be delivered again after a crash.

Claims: a drainer claims a few events at a time (`outbox_batch_size`) under a short lease
(`outbox_lease_seconds`): available_at moves into the future and claimed_by names the owner
(host:pid). While a handler works, the lease is renewed every third of its length, so a slow
handler (SMTP) keeps its events and nobody else takes them; a drainer that dies (kill -9) stops
renewing, and its events are due again within one lease. A worker starting on the same host also
frees at once the claims of its processes that no longer exist. A handler may complete events one
by one (`current_claim().complete_in(session, ids)`) in the transaction that records their effect,
so what is done is never done again; and it checks `claim.check()` before an irreversible step,
which fails once the lease may have passed to someone else.
"""

import asyncio
import contextvars
import logging
import os
import socket
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable
from datetime import timedelta

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from expertnet.core.models import OutboxEvent, pk
from expertnet.db import Database, affected, table_of, utcnow
from sqlmodel import col

log = logging.getLogger(__name__)

Handler = Callable[[Database, list[OutboxEvent]], Awaitable[None]]
_handlers: dict[str, Handler] = {}
HOST = socket.gethostname()
WORKER_ID = f"{HOST}:{os.getpid()}"
_table = table_of(OutboxEvent)


def register(topic: str, handler: Handler) -> None:
    _handlers[topic] = handler


def topics() -> list[str]:
    """The topics that have a handler in this process."""
    return sorted(_handlers)


def emit(session: AsyncSession, topic: str, key: str | int, payload: dict | None = None) -> OutboxEvent:
    event = OutboxEvent(topic=topic, key=str(key), payload=payload or {})
    session.add(event)
    session.info["outbox_dirty"] = True
    return event


async def emit_many(session: AsyncSession, topic: str, key: str, payloads: list[dict]) -> list[int]:
    """Many events of one topic in one statement: the bulk paths' `emit`. Returns their ids."""
    if not payloads:
        return []
    now = utcnow()
    rows = [
        {
            "topic": topic,
            "key": key,
            "payload": payload,
            "created_at": now,
            "available_at": now,
            "processed_at": None,
            "attempts": 0,
            "last_error": "",
            "claimed_by": "",
        }
        for payload in payloads
    ]
    result = await session.execute(insert(_table).returning(_table.c.id), rows)
    session.info["outbox_dirty"] = True
    return sorted(int(i) for i in result.scalars().all())


async def backlog(session: AsyncSession) -> dict:
    pending = col(OutboxEvent.processed_at).is_(None)
    row = (
        await session.execute(
            select(
                func.count(),
                func.count().filter(col(OutboxEvent.attempts) > 0),
                func.min(col(OutboxEvent.created_at)),
            ).where(pending)
        )
    ).one()
    return {"pending": int(row[0]), "failing": int(row[1]), "oldest_pending_at": row[2]}


async def unprocessed(db: Database, ids: Iterable[int]) -> int:
    """How many of these events are not processed yet (whoever holds them)."""
    ids = list(ids)
    if not ids:
        return 0
    async with db.read_sessionmaker() as session:
        count = await session.scalar(
            select(func.count()).where(col(OutboxEvent.id).in_(ids), col(OutboxEvent.processed_at).is_(None))
        )
        await session.rollback()
    return int(count or 0)


class LeaseLost(RuntimeError):
    """The lease on these events may have passed to another drainer: stop before doing more."""


class Claim:
    """Events claimed by one drainer, under a lease it renews while its handlers work."""

    def __init__(self, db: Database, owner: str, events: list[OutboxEvent], lease_seconds: float):
        self.db = db
        self.events = events
        self.owner = owner
        self.lease_seconds = lease_seconds
        self.pending = {pk(e) for e in events}
        self.done: set[int] = set()
        self.lost = False
        # Counted from before the claim committed, so it never overestimates the lease.
        self._valid_until = time.monotonic() + lease_seconds

    def check(self) -> None:
        """Raise LeaseLost when the lease may no longer be ours (renewal failed or came too late)."""
        if self.lost or time.monotonic() >= self._valid_until - min(1.0, self.lease_seconds / 10):
            self.lost = True
            raise LeaseLost("outbox lease lost; another drainer may hold these events now")

    async def renew(self) -> None:
        ids = sorted(self.pending - self.done)
        if not ids or self.lost:
            return
        started = time.monotonic()
        async with self.db.sessionmaker() as session:
            result = await session.execute(
                update(_table)
                .where(_table.c.id.in_(ids), _table.c.claimed_by == self.owner, _table.c.processed_at.is_(None))
                .values(available_at=utcnow() + timedelta(seconds=self.lease_seconds))
            )
            taken = 0
            if affected(result) < len(ids):
                # Fewer rows than asked: ours that just completed (committed, not yet counted here),
                # or some another drainer took after our lease ran out.
                taken = int(
                    await session.scalar(
                        select(func.count()).where(
                            col(OutboxEvent.id).in_(ids),
                            col(OutboxEvent.processed_at).is_(None),
                            col(OutboxEvent.claimed_by) != self.owner,
                        )
                    )
                    or 0
                )
            await session.commit()
        if taken:
            self.lost = True
            log.warning("outbox lease on %d event(s) lost to another drainer", taken)
        else:
            self._valid_until = started + self.lease_seconds

    async def keep_alive(self) -> None:
        """Renew every third of the lease until cancelled; a failed renewal is retried."""
        while True:
            await asyncio.sleep(self.lease_seconds / 3)
            try:
                await self.renew()
            except Exception as exc:  # noqa: BLE001 - the database may be down; check() ends the lease in time
                log.warning("outbox lease renewal failed: %s: %s", type(exc).__name__, exc)

    async def complete_in(self, session: AsyncSession, ids: Iterable[int]) -> None:
        """Mark these events processed in the handler's own transaction (commits with its effect)."""
        ids = [i for i in ids if i in self.pending]
        if not ids:
            return
        await session.execute(
            update(_table)
            .where(_table.c.id.in_(ids))
            .values(processed_at=utcnow(), available_at=utcnow(), claimed_by="")
        )
        session.info.setdefault("outbox_completed", []).append((self, ids))

    def _committed(self, ids: list[int]) -> None:
        self.done.update(ids)


_current: contextvars.ContextVar[Claim | None] = contextvars.ContextVar("outbox_claim", default=None)


def current_claim() -> Claim | None:
    """The claim whose handler is running (None when a handler is called directly)."""
    return _current.get()


def committed(session: AsyncSession) -> None:
    """After a handler's session committed: the events it completed are done (see complete_in)."""
    for claim, ids in session.info.pop("outbox_completed", []):
        claim._committed(ids)


async def _claim(
    db: Database, batch_size: int, lease_seconds: float, owner: str, skip_topics: frozenset[str] = frozenset()
) -> Claim | None:
    now = utcnow()
    async with db.sessionmaker() as session:
        query = (
            select(OutboxEvent)
            .where(col(OutboxEvent.processed_at).is_(None), col(OutboxEvent.available_at) <= now)
            .order_by(col(OutboxEvent.id))
            .limit(batch_size)
        )
        if skip_topics:
            query = query.where(col(OutboxEvent.topic).not_in(skip_topics))
        if db.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True)
        events = list((await session.execute(query)).scalars().all())
        if not events:
            await session.rollback()
            return None
        claim = Claim(db, owner, events, lease_seconds)
        lease = utcnow() + timedelta(seconds=lease_seconds)
        for event in events:
            event.available_at = lease
            event.claimed_by = owner
        await session.commit()
    return claim


async def _run_handlers(db: Database, claim: Claim) -> tuple[list[int], list[dict]]:
    by_topic: dict[str, list[OutboxEvent]] = defaultdict(list)
    for event in claim.events:
        by_topic[event.topic].append(event)
    done: list[int] = []
    failed: list[dict] = []
    token = _current.set(claim)
    try:
        for topic, group in by_topic.items():
            handler = _handlers.get(topic)
            try:
                if handler is None:
                    raise LookupError(f"no handler for topic {topic!r}")
                claim.check()
                await handler(db, group)
            except Exception as exc:  # noqa: BLE001 - a failing handler must not lose events
                if isinstance(exc, LeaseLost):
                    log.warning("outbox handler for %s stopped: %s", topic, exc)
                else:
                    log.exception("outbox handler for %s failed", topic)
                error = f"{type(exc).__name__}: {exc}"[:2000]
                for event in group:
                    if event.id in claim.done:
                        continue
                    attempts = event.attempts + 1
                    failed.append(
                        {
                            "b_id": event.id,
                            "attempts": attempts,
                            "last_error": error,
                            "available_at": utcnow() + timedelta(seconds=min(300, 2 ** min(attempts, 8))),
                        }
                    )
            else:
                done.extend(pk(event) for event in group if pk(event) not in claim.done)
    finally:
        _current.reset(token)
    return done, failed


async def _release(db: Database, claim: Claim) -> None:
    """Give unfinished events back at once (shutdown): no attempt is counted."""
    ids = sorted(claim.pending - claim.done)
    if not ids:
        return
    async with db.sessionmaker() as session:
        await session.execute(
            update(_table)
            .where(_table.c.id.in_(ids), _table.c.claimed_by == claim.owner, _table.c.processed_at.is_(None))
            .values(available_at=utcnow(), claimed_by="")
        )
        await session.commit()


async def drain_once(
    db: Database,
    batch_size: int | None = None,
    lease_seconds: float | None = None,
    owner: str = WORKER_ID,
    skip_topics: frozenset[str] = frozenset(),
) -> int:
    """Claim one small batch, run the handlers with no transaction held, then record the outcome.

    Claiming sets the lease and commits at once, so handlers open their own short sessions (SQLite
    has one writer) and slow ones (SMTP) hold no lock. On PostgreSQL the claim uses FOR UPDATE SKIP
    LOCKED, so two workers never claim the same event. Returns the number of events claimed."""
    settings = db.settings
    batch_size = batch_size or settings.outbox_batch_size
    lease_seconds = lease_seconds or settings.outbox_lease_seconds
    claim = await _claim(db, batch_size, lease_seconds, owner, skip_topics)
    if claim is None:
        return 0
    renewer = asyncio.create_task(claim.keep_alive())
    try:
        done, failed = await _run_handlers(db, claim)
    except BaseException:
        renewer.cancel()
        try:
            await asyncio.shield(_release(db, claim))
        except Exception:  # noqa: BLE001 - the lease runs out by itself
            log.warning(
                "could not release %d outbox event(s); they are due again when the lease ends", len(claim.pending)
            )
        raise
    finally:
        renewer.cancel()
    async with db.sessionmaker() as session:
        if done:
            await session.execute(
                update(_table)
                .where(_table.c.id.in_(done))
                .values(processed_at=utcnow(), available_at=utcnow(), claimed_by="")
            )
        if failed:
            await session.execute(
                update(_table)
                .where(_table.c.id == bindparam("b_id"), _table.c.processed_at.is_(None))
                .values(
                    attempts=bindparam("attempts"),
                    last_error=bindparam("last_error"),
                    available_at=bindparam("available_at"),
                    claimed_by="",
                ),
                failed,
            )
        await session.commit()
    return len(claim.events)


async def drain(
    db: Database, batch_size: int | None = None, max_batches: int = 100_000, skip_topics: frozenset[str] = frozenset()
) -> int:
    """Drain until nothing is due (handlers may emit follow-up events, e.g. notify -> email.send);
    events of ``skip_topics`` are left to the worker."""
    total = 0
    for _ in range(max_batches):
        handled = await drain_once(db, batch_size, skip_topics=skip_topics)
        if handled == 0:
            break
        total += handled
    return total


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


async def release_dead_claims(db: Database) -> int:
    """Free at once the claims of processes on this host that no longer exist (a worker killed
    with kill -9 and restarted); other hosts' claims run out with their lease."""
    async with db.sessionmaker() as session:
        owners = (
            (
                await session.execute(
                    select(col(OutboxEvent.claimed_by))
                    .where(col(OutboxEvent.processed_at).is_(None), col(OutboxEvent.claimed_by).like(f"{HOST}:%"))
                    .distinct()
                )
            )
            .scalars()
            .all()
        )
        dead = [o for o in owners if o.rpartition(":")[2].isdigit() and not _alive(int(o.rpartition(":")[2]))]
        if not dead:
            await session.rollback()
            return 0
        result = await session.execute(
            update(_table)
            .where(_table.c.claimed_by.in_(dead), _table.c.processed_at.is_(None))
            .values(available_at=utcnow(), claimed_by="")
        )
        await session.commit()
    if affected(result):
        log.info("freed %d outbox event(s) held by dead process(es) %s", affected(result), ", ".join(dead))
    return int(affected(result) or 0)
