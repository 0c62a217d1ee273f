"""Notifications: the producers' helper, the delivery steps the outbox handlers run, and the reads.

Services never commit: the request, or the outbox handler, owns the transaction.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from pydantic import ValidationError
from sqlalchemy import Row, update
from sqlalchemy.ext.asyncio import AsyncSession

from expertnet.config import Settings
from expertnet.core import outbox
from expertnet.core.auth import Principal
from expertnet.core.errors import NotFound
from expertnet.core.models import OutboxEvent, pk
from expertnet.db import utcnow
from expertnet.members import repository as members
from expertnet.members.models import VettingStatus
from expertnet.notifications import mailer, repository
from expertnet.notifications.models import Notification
from expertnet.notifications.schemas import (
    ACCOUNT_KINDS,
    VETTING_KINDS,
    NotificationOut,
    NotificationPage,
    NotifyPayload,
    ReadAllOut,
)
from sqlmodel import col

log = logging.getLogger(__name__)

NOTIFY = "notify"
EMAIL_SEND = "email.send"


# --- producers --------------------------------------------------------------------------------


async def notify(
    session: AsyncSession,
    member_ids: Iterable[int],
    kind: str,
    subject: str,
    body: str,
    url: str,
    consultation_id: int | None = None,
    *,
    urgency: str | None = None,
    key: str | int | None = None,
) -> OutboxEvent | None:
    """Emit one "notify" outbox event in the caller's transaction; nothing is delivered yet.

    Raises pydantic.ValidationError on a bad kind or url (a bug in the caller, not user input).
    Returns None when there is nobody to notify.
    """
    ids = list(dict.fromkeys(int(m) for m in member_ids))
    if not ids:
        return None
    payload = NotifyPayload(
        member_ids=ids, kind=kind, consultation_id=consultation_id, subject=subject, body=body, url=url, urgency=urgency
    )
    if key is None:
        key = consultation_id if consultation_id is not None else kind
    return outbox.emit(
        session, NOTIFY, key, payload.model_dump(exclude_none=True) | {"consultation_id": consultation_id}
    )


# --- delivery (run by the outbox handlers in tasks.py) -------------------------------------------


def _may_receive(member: Row, kind: str, now: datetime) -> bool:
    """Case news goes only to currently vetted members; vetting news goes to its subject whatever
    the status (a rejected or suspended member must still learn the outcome)."""
    if kind in VETTING_KINDS or kind in ACCOUNT_KINDS:
        return True
    if member.vetting_status != VettingStatus.approved:
        return False
    return member.vetted_until is None or member.vetted_until > now


async def create_from_events(session: AsyncSession, settings: Settings, events: list[OutboxEvent]) -> int:
    """One notification per recipient of each "notify" event, and one "email.send" per new one.

    Idempotent: a (event, member) pair that already has its notification is skipped and gets no
    second e-mail. Returns the number of notifications created.
    """
    parsed: list[tuple[OutboxEvent, NotifyPayload]] = []
    for event in events:
        try:
            parsed.append((event, NotifyPayload.model_validate(event.payload)))
        except ValidationError as exc:
            # Retrying cannot repair a malformed event, and failing would hold back every other one.
            log.error("notify event %s dropped, invalid payload: %s", event.id, exc)
    if not parsed:
        return 0
    recipients = await members.contacts(session, {m for _, payload in parsed for m in payload.member_ids})
    existing = await repository.delivered_pairs(session, [pk(event) for event, _ in parsed])
    now = utcnow()
    created: list[tuple[Notification, NotifyPayload, Row]] = []
    for event, payload in parsed:
        for member_id in dict.fromkeys(payload.member_ids):
            if (event.id, member_id) in existing:
                continue
            member = recipients.get(member_id)
            if member is None:
                log.warning("notify event %s: member %s does not exist, skipped", event.id, member_id)
                continue
            if not _may_receive(member, payload.kind, now):
                continue
            notification = Notification(
                member_id=member_id,
                kind=payload.kind,
                consultation_id=payload.consultation_id,
                subject=payload.subject[:300],
                body=payload.body[:4000],
                url=payload.url,
                created_at=now,
                source_event_id=pk(event),
            )
            session.add(notification)
            created.append((notification, payload, member))
    if not created:
        return 0
    await session.flush()  # ids for the e-mail events
    for notification, payload, contact in created:
        address = contact.email
        subject, text = mailer.compose(
            settings,
            payload.kind,
            payload.url,
            payload.consultation_id,
            payload.urgency,
            locale=contact.ui_language,
            reason=payload.body if payload.kind in VETTING_KINDS else "",
        )
        outbox.emit(
            session,
            EMAIL_SEND,
            pk(notification),
            {
                "member_id": notification.member_id,
                "to": address,
                "subject": subject,
                "text": text,
                "notification_id": notification.id,
            },
        )
    return len(created)


@dataclass
class EmailJob:
    event: OutboxEvent
    outgoing: mailer.Outgoing
    notification: Notification | None


async def pending_emails(session: AsyncSession, events: list[OutboxEvent]) -> list[EmailJob]:
    """The "email.send" events still to send: one whose notification was already e-mailed (or
    refused for good) is done, so a replayed event sends nothing."""
    wanted = [nid for e in events if isinstance(nid := e.payload.get("notification_id"), int)]
    notifications = await repository.by_ids(session, wanted)
    jobs: list[EmailJob] = []
    for event in events:
        payload = event.payload or {}
        to, subject, text = payload.get("to"), payload.get("subject"), payload.get("text")
        if not (isinstance(to, str) and to and isinstance(subject, str) and subject and isinstance(text, str) and text):
            log.error("email.send event %s dropped: needs to, subject and text", event.id)
            continue
        notification_id = payload.get("notification_id")
        notification = None
        if notification_id is not None:
            notification = notifications.get(notification_id)
            if notification is None:
                log.warning("email.send event %s: notification %s is gone, not sent", event.id, notification_id)
                continue
            if notification.emailed_at is not None or notification.email_error:
                continue
        message_key = f"notification.{notification_id}" if notification is not None else f"email.{event.id}"
        jobs.append(EmailJob(event, mailer.Outgoing(to, subject, text, message_key), notification))
    return jobs


async def record_email_result(session: AsyncSession, job: EmailJob, reason: str | None) -> None:
    """One answer of the SMTP server, recorded at once: accepted (emailed_at) or refused for good."""
    if job.notification is None:
        return
    values = {"emailed_at": utcnow()} if reason is None else {"email_error": reason[:500]}
    await session.execute(update(Notification).where(col(Notification.id) == job.notification.id).values(**values))


# --- reads --------------------------------------------------------------------------------------


def visible_kinds(principal: Principal) -> tuple[str, ...] | None:
    """An unvetted account sees nothing of cases, only the news about its own membership."""
    return None if principal.is_vetted else VETTING_KINDS + ACCOUNT_KINDS


async def unread_count(session: AsyncSession, member_id: int, kinds: Iterable[str] | None = None) -> int:
    return await repository.unread_count(session, member_id, kinds)


async def page(
    session: AsyncSession, principal: Principal, *, unread_only: bool, offset: int, limit: int
) -> NotificationPage:
    """A member's own notifications, newest first, with the unread count for the badge."""
    kinds = visible_kinds(principal)
    rows, total = await repository.page(
        session, principal.id, kinds, unread_only=unread_only, offset=offset, limit=limit
    )
    unread = total if unread_only else await unread_count(session, principal.id, kinds)
    items = [NotificationOut.model_validate(n) for n in rows]
    return NotificationPage(items=items, total=total, unread=unread, offset=offset, limit=limit)


async def read_one(session: AsyncSession, principal: Principal, notification_id: int) -> NotificationOut:
    """Marks one of the member's own notifications read; anyone else's is "not found"."""
    notification = await repository.own(session, principal.id, notification_id, visible_kinds(principal))
    if notification is None:
        raise NotFound("notification not found")
    if notification.read_at is None:
        notification.read_at = utcnow()
    return NotificationOut.model_validate(notification)


async def read_all(session: AsyncSession, principal: Principal) -> ReadAllOut:
    kinds = visible_kinds(principal)
    marked = await repository.mark_all_read(session, principal.id, kinds, utcnow())
    return ReadAllOut(marked=marked, unread=await unread_count(session, principal.id, kinds))


async def read_for_consultation(session: AsyncSession, principal: Principal, consultation_id: int) -> int:
    """The member opened this consultation: what they were told about it is read. Returns how many."""
    return await repository.mark_consultation_read(
        session, principal.id, consultation_id, visible_kinds(principal), utcnow()
    )
