"""Outbox handlers: "notify" creates the in-app notifications and queues one "email.send" each;
"email.send" sends it. Both are idempotent, because the outbox may deliver an event again.

E-mail holds no transaction while SMTP talks: the pending mails are read in one short session,
and each answer of the server is recorded at once in its own (the notification's emailed_at and
the event's completion commit together). A mail is resent only if the drainer dies between the
server's "accepted" and that commit, and then with the same Message-ID (built from the
notification id), so the receiving side can tell it is the same mail."""

import logging

from expertnet.core import outbox
from expertnet.core.models import OutboxEvent, pk
from expertnet.db import Database
from expertnet.notifications import mailer, service

log = logging.getLogger(__name__)
_disabled_logged = False


def register() -> None:
    outbox.register(service.NOTIFY, handle_notify)
    outbox.register(service.EMAIL_SEND, handle_email)


async def handle_notify(db: Database, events: list[OutboxEvent]) -> None:
    async with db.session() as session:
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
    async with db.read_session() as session:
        jobs = await service.pending_emails(session, events)
    claim = outbox.current_claim()

    async def record(index: int, reason: str | None) -> None:
        job = jobs[index]
        async with db.session() as session:
            await service.record_email_result(session, job, reason)
            if claim is not None:
                await claim.complete_in(session, [pk(job.event)])
        if claim is not None:
            outbox.committed(session)

    result = await mailer.send_batch(
        settings, [job.outgoing for job in jobs], before=claim.check if claim else None, record=record
    )
    if result.sent or result.rejected:
        log.info("e-mail: %d sent, %d refused for good", len(result.sent), len(result.rejected))
    if result.error is not None:
        raise result.error
