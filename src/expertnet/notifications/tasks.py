"""Outbox handlers: "notify" creates the in-app notifications and queues one "email.send" each;
"email.send" sends it. Both are idempotent, because the outbox may deliver an event again."""
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession, async_object_session

from expertnet.core import outbox
from expertnet.core.models import OutboxEvent
from expertnet.db import Database
from expertnet.notifications import mailer, service

log = logging.getLogger(__name__)
_disabled_logged = False


def register() -> None:
    outbox.register(service.NOTIFY, handle_notify)
    outbox.register(service.EMAIL_SEND, handle_email)


@asynccontextmanager
async def _unit_of_work(db: Database, events: list[OutboxEvent]) -> AsyncIterator[AsyncSession]:
    """The transaction a handler writes in.

    While the outbox holds its claim transaction open, work inside it, in a savepoint: on SQLite
    that transaction already holds the write lock (BEGIN IMMEDIATE), so a second session would wait
    for it until "database is locked"; and on both databases our rows then commit together with
    the events' processed_at, while a failure rolls back to the savepoint and leaves the outbox
    free to record the attempt. Events no longer attached to a session get a session of their own.
    """
    claim = async_object_session(events[0]) if events else None
    if claim is None:
        async with db.session() as session:
            yield session
        return
    async with claim.begin_nested():
        yield claim


async def handle_notify(db: Database, events: list[OutboxEvent]) -> None:
    async with _unit_of_work(db, events) as session:
        created = await service.create_from_events(session, db.settings, events)
    if created:
        log.info("%d notification(s) created from %d event(s)", created, len(events))


async def handle_email(db: Database, events: list[OutboxEvent]) -> None:
    settings = db.settings
    if not settings.smtp_host:
        # Embedded demo: the in-app notification is the delivery; nothing to retry.
        global _disabled_logged
        if not _disabled_logged:
            log.warning("e-mail is disabled (EXPERTNET_SMTP_HOST is not set): notifications are in-app only")
            _disabled_logged = True
        return
    async with _unit_of_work(db, events) as session:
        jobs = await service.pending_emails(session, events)
        result = await mailer.send_batch(settings, [job.outgoing for job in jobs])
        # Kept even when the batch failed part-way, so the retry skips what already went out.
        service.record_email_results(jobs, result)
    if result.sent or result.rejected:
        log.info("e-mail: %d sent, %d refused for good", len(result.sent), len(result.rejected))
    if result.error is not None:
        raise result.error
