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

from sqlalchemy import func, select
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


async def drain_once(db: Database, batch_size: int = 500, topics: list[str] | None = None) -> int:
    """Claim one batch, run the handlers, mark it processed. Returns the number of events handled."""
    now = utcnow()
    async with db.sessionmaker() as session:
        query = (
            select(OutboxEvent)
            .where(OutboxEvent.processed_at.is_(None), OutboxEvent.available_at <= now)
            .order_by(OutboxEvent.id)
            .limit(batch_size)
        )
        if topics:
            query = query.where(OutboxEvent.topic.in_(topics))
        if db.dialect == "postgresql":
            # Two workers never claim the same event; a claimed row stays locked until commit.
            query = query.with_for_update(skip_locked=True)
        events = list((await session.execute(query)).scalars().all())
        if not events:
            await session.rollback()
            return 0
        by_topic: dict[str, list[OutboxEvent]] = defaultdict(list)
        for event in events:
            by_topic[event.topic].append(event)
        for topic, group in by_topic.items():
            handler = _handlers.get(topic)
            try:
                if handler is None:
                    raise LookupError(f"no handler for topic {topic!r}")
                await handler(db, group)
            except Exception as exc:  # noqa: BLE001 - a failing handler must not lose events
                log.exception("outbox handler for %s failed", topic)
                for event in group:
                    event.attempts += 1
                    event.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                    event.available_at = utcnow() + timedelta(seconds=min(300, 2 ** min(event.attempts, 8)))
            else:
                done = utcnow()
                for event in group:
                    event.processed_at = done
        await session.commit()
        return len(events)


async def drain(db: Database, batch_size: int = 500, max_batches: int = 1000) -> int:
    total = 0
    for _ in range(max_batches):
        handled = await drain_once(db, batch_size)
        total += handled
        if handled < batch_size:
            break
    return total
