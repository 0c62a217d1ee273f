"""Transactional outbox: business rows and the events announcing them commit together.

The worker (or, on the embedded default, the app right after its commit) drains the table.
Handlers must be idempotent: an event may be delivered again after a crash.
"""
import logging
import os
import socket
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import timedelta

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from expertnet.core.models import OutboxEvent
from expertnet.db import Database, utcnow

log = logging.getLogger(__name__)

Handler = Callable[[Database, list[OutboxEvent]], Awaitable[None]]
_handlers: dict[str, Handler] = {}
WORKER_ID = f"{socket.gethostname()}:{os.getpid()}"


def register(topic: str, handler: Handler) -> None:
    _handlers[topic] = handler


def emit(session: AsyncSession, topic: str, key: str | int, payload: dict | None = None) -> OutboxEvent:
    event = OutboxEvent(topic=topic, key=str(key), payload=payload or {})
    session.add(event)
    session.info["outbox_dirty"] = True
    return event


async def emit_many(session: AsyncSession, topic: str, key: str, payloads: list[dict]) -> None:
    """Many events of one topic in one executemany: the bulk paths' `emit`."""
    now = utcnow()
    rows = [
        {"topic": topic, "key": key, "payload": payload, "created_at": now, "available_at": now,
         "processed_at": None, "attempts": 0, "last_error": ""}
        for payload in payloads
    ]
    await session.execute(insert(OutboxEvent), rows)
    session.info["outbox_dirty"] = True


async def backlog(session: AsyncSession) -> dict:
    pending = OutboxEvent.processed_at.is_(None)
    row = (
        await session.execute(
            select(
                func.count(),
                func.count().filter(OutboxEvent.attempts > 0),
                func.min(OutboxEvent.created_at),
            ).where(pending)
        )
    ).one()
    return {"pending": int(row[0]), "failing": int(row[1]), "oldest_pending_at": row[2]}


async def drain_once(db: Database, batch_size: int = 500, lease_seconds: int = 120,
                     skip_topics: frozenset[str] = frozenset()) -> int:
    """Claim one batch, run the handlers with no transaction held, then record the outcome.

    Claiming sets a lease (available_at in the future) and commits at once, so handlers may open
    their own sessions (SQLite has one writer) and slow ones (SMTP) hold no lock. A worker that dies
    mid-batch loses nothing: the lease runs out and the events are delivered again (handlers are
    idempotent). On PostgreSQL the claim uses FOR UPDATE SKIP LOCKED, so two workers never claim the
    same event. Returns the number of events claimed."""
    now = utcnow()
    async with db.sessionmaker() as session:
        query = (
            select(OutboxEvent)
            .where(OutboxEvent.processed_at.is_(None), OutboxEvent.available_at <= now)
            .order_by(OutboxEvent.id)
            .limit(batch_size)
        )
        if skip_topics:
            query = query.where(OutboxEvent.topic.not_in(skip_topics))
        if db.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True)
        events = list((await session.execute(query)).scalars().all())
        if not events:
            await session.rollback()
            return 0
        lease = now + timedelta(seconds=lease_seconds)
        for event in events:
            event.available_at = lease
        await session.commit()

    by_topic: dict[str, list[OutboxEvent]] = defaultdict(list)
    for event in events:
        by_topic[event.topic].append(event)
    done: list[int] = []
    failed: list[dict] = []
    for topic, group in by_topic.items():
        handler = _handlers.get(topic)
        try:
            if handler is None:
                raise LookupError(f"no handler for topic {topic!r}")
            await handler(db, group)
        except Exception as exc:  # noqa: BLE001 - a failing handler must not lose events
            log.exception("outbox handler for %s failed", topic)
            error = f"{type(exc).__name__}: {exc}"[:2000]
            for event in group:
                attempts = event.attempts + 1
                failed.append({
                    "id": event.id,
                    "attempts": attempts,
                    "last_error": error,
                    "available_at": utcnow() + timedelta(seconds=min(300, 2 ** min(attempts, 8))),
                })
        else:
            done.extend(event.id for event in group)

    async with db.sessionmaker() as session:
        if done:
            await session.execute(
                update(OutboxEvent).where(OutboxEvent.id.in_(done)).values(processed_at=utcnow(), available_at=now).execution_options(synchronize_session=False)
            )
        if failed:
            await session.execute(update(OutboxEvent), failed)
        await session.commit()
    return len(events)


async def drain(db: Database, batch_size: int = 500, max_batches: int = 1000,
                skip_topics: frozenset[str] = frozenset()) -> int:
    """Drain until nothing is due (handlers may emit follow-up events, e.g. notify -> email.send);
    events of ``skip_topics`` are left to the worker."""
    total = 0
    for _ in range(max_batches):
        handled = await drain_once(db, batch_size, skip_topics=skip_topics)
        if handled == 0:
            break
        total += handled
    return total
