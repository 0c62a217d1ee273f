"""Notifications: the producers' helper, the delivery steps the outbox handlers run, and the reads.

Services never commit: the request, or the outbox handler, owns the transaction.
"""
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from pydantic import ValidationError
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from expertnet.config import Settings
from expertnet.core import outbox
from expertnet.core.auth import Principal
from expertnet.core.errors import NotFound
from expertnet.core.models import OutboxEvent
from expertnet.db import utcnow
from expertnet.members.models import Member, VettingStatus
from expertnet.notifications import mailer
from expertnet.notifications.models import Notification
from expertnet.notifications.schemas import (
    VETTING_KINDS,
    NotificationOut,
    NotificationPage,
    NotifyPayload,
    ReadAllOut,
)

log = logging.getLogger(__name__)

NOTIFY = "notify"
EMAIL_SEND = "email.send"
_IN_CHUNK = 1000  # keeps IN (...) lists well below the bind-parameter limits of SQLite and asyncpg


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
    return outbox.emit(session, NOTIFY, key, payload.model_dump(exclude_none=True) | {"consultation_id": consultation_id})


# --- delivery (run by the outbox handlers in tasks.py) -------------------------------------------

def _may_receive(member, kind: str, now) -> bool:
    """Case news goes only to currently vetted members; vetting news goes to its subject whatever
    the status (a rejected or suspended member must still learn the outcome)."""
    if kind in VETTING_KINDS:
        return True
    if member.vetting_status != VettingStatus.approved:
        return False
    return member.vetted_until is None or member.vetted_until > now


async def _recipients(session: AsyncSession, member_ids: set[int]) -> dict:
    ordered = sorted(member_ids)
    found: dict = {}
    for start in range(0, len(ordered), _IN_CHUNK):
        chunk = ordered[start : start + _IN_CHUNK]
        rows = await session.execute(
            select(Member.id, Member.email, Member.vetting_status, Member.vetted_until).where(Member.id.in_(chunk))
        )
        found.update({row.id: row for row in rows})
    return found


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
    members = await _recipients(session, {m for _, payload in parsed for m in payload.member_ids})
    rows = await session.execute(
        select(Notification.source_event_id, Notification.member_id).where(
            Notification.source_event_id.in_([event.id for event, _ in parsed])
        )
    )
    existing = {(row.source_event_id, row.member_id) for row in rows}
    now = utcnow()
    created: list[tuple[Notification, NotifyPayload, str]] = []
    for event, payload in parsed:
        for member_id in dict.fromkeys(payload.member_ids):
            if (event.id, member_id) in existing:
                continue
            member = members.get(member_id)
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
                source_event_id=event.id,
            )
            session.add(notification)
            created.append((notification, payload, member.email))
    if not created:
        return 0
    await session.flush()  # ids for the e-mail events
    for notification, payload, address in created:
        subject, text = mailer.compose(settings, payload.kind, payload.url, payload.consultation_id, payload.urgency)
        outbox.emit(
            session,
            EMAIL_SEND,
            notification.id,
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
    wanted = [e.payload.get("notification_id") for e in events if isinstance(e.payload.get("notification_id"), int)]
    notifications: dict[int, Notification] = {}
    if wanted:
        rows = await session.execute(select(Notification).where(Notification.id.in_(wanted)))
        notifications = {n.id: n for n in rows.scalars()}
    jobs: list[EmailJob] = []
    for event in events:
        payload = event.payload or {}
        to, subject, text = payload.get("to"), payload.get("subject"), payload.get("text")
        if not all(isinstance(v, str) and v for v in (to, subject, text)):
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


def record_email_results(jobs: list[EmailJob], result: mailer.BatchResult) -> None:
    now = utcnow()
    for index in result.sent:
        if jobs[index].notification is not None:
            jobs[index].notification.emailed_at = now
    for index, reason in result.rejected.items():
        if jobs[index].notification is not None:
            jobs[index].notification.email_error = reason[:500]


# --- reads --------------------------------------------------------------------------------------

def visible_kinds(principal: Principal) -> tuple[str, ...] | None:
    """An unvetted account sees nothing of cases, only the news about its own membership."""
    return None if principal.is_vetted else VETTING_KINDS


def _own(member_id: int, kinds: Iterable[str] | None) -> list:
    conditions = [Notification.member_id == member_id]
    if kinds is not None:
        conditions.append(Notification.kind.in_(list(kinds)))
    return conditions


def to_out(notification: Notification) -> NotificationOut:
    return NotificationOut.model_validate(notification)


async def list_for(
    session: AsyncSession,
    member_id: int,
    *,
    unread_only: bool = False,
    offset: int = 0,
    limit: int = 20,
    kinds: Iterable[str] | None = None,
) -> tuple[list[Notification], int]:
    """A member's own notifications, newest first, and how many match in all."""
    conditions = _own(member_id, kinds)
    if unread_only:
        conditions.append(Notification.read_at.is_(None))
    total = (await session.execute(select(func.count()).select_from(Notification).where(*conditions))).scalar_one()
    rows = await session.execute(
        select(Notification).where(*conditions).order_by(Notification.id.desc()).offset(offset).limit(limit)
    )
    return list(rows.scalars()), int(total)


async def unread_count(session: AsyncSession, member_id: int, kinds: Iterable[str] | None = None) -> int:
    conditions = [*_own(member_id, kinds), Notification.read_at.is_(None)]
    return int((await session.execute(select(func.count()).select_from(Notification).where(*conditions))).scalar_one())


async def mark_read(
    session: AsyncSession, member_id: int, notification_id: int, kinds: Iterable[str] | None = None
) -> Notification:
    """Marks one of the member's own notifications read; anyone else's is "not found"."""
    notification = (
        await session.execute(select(Notification).where(Notification.id == notification_id, *_own(member_id, kinds)))
    ).scalar_one_or_none()
    if notification is None:
        raise NotFound("notification not found")
    if notification.read_at is None:
        notification.read_at = utcnow()
    return notification


async def mark_all_read(session: AsyncSession, member_id: int, kinds: Iterable[str] | None = None) -> int:
    result = await session.execute(
        update(Notification)
        .where(*_own(member_id, kinds), Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)


async def page(session: AsyncSession, principal: Principal, *, unread_only: bool, offset: int, limit: int) -> NotificationPage:
    kinds = visible_kinds(principal)
    rows, total = await list_for(session, principal.id, unread_only=unread_only, offset=offset, limit=limit, kinds=kinds)
    unread = total if unread_only else await unread_count(session, principal.id, kinds)
    return NotificationPage(items=[to_out(n) for n in rows], total=total, unread=unread, offset=offset, limit=limit)


async def read_one(session: AsyncSession, principal: Principal, notification_id: int) -> NotificationOut:
    return to_out(await mark_read(session, principal.id, notification_id, visible_kinds(principal)))


async def read_all(session: AsyncSession, principal: Principal) -> ReadAllOut:
    kinds = visible_kinds(principal)
    marked = await mark_all_read(session, principal.id, kinds)
    return ReadAllOut(marked=marked, unread=await unread_count(session, principal.id, kinds))
