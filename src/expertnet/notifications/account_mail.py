"""Outbox handler "account.mail": mails one single-use link (invitation, password reset, address
confirmation) per event, over the real SMTP path (notifications/mailer.py).

The event carries the nonce the link's secret is derived from (members/tokens.py), never the
secret. Once the server has accepted the mail, the token's sent_at, the event's completion and the
blanking of the nonce commit together: a replayed event then sends nothing. A link that is no
longer good (used, replaced by a resend, revoked, expired) is not sent at all.

Without SMTP (the embedded demo), development and test print the link to the log, so that an
admin trying the demo can follow an invitation; production logs only that nothing was sent.
"""

import logging
from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from expertnet.core import outbox
from expertnet.core.models import OutboxEvent, pk
from expertnet.db import Database, utcnow
from expertnet.members import repository, reset, tokens
from expertnet.members.models import AccountToken
from expertnet.notifications import mailer

log = logging.getLogger(__name__)


def register() -> None:
    outbox.register(tokens.ACCOUNT_MAIL, handle_account_mail)


@dataclass
class _Job:
    event_id: int
    token_id: int
    outgoing: mailer.Outgoing
    link: str


async def _job(session: AsyncSession, db: Database, event: OutboxEvent) -> _Job | None:
    settings = db.settings
    payload = event.payload or {}
    nonce = payload.get("nonce")
    if not isinstance(nonce, str) or not nonce:
        return None  # sent already (the nonce is blanked then)
    token: AccountToken | None
    if isinstance(payload.get("reset_for"), str):
        token = await reset.reset_token_for(session, settings, payload["reset_for"], nonce)
    elif isinstance(payload.get("token_id"), int):
        token = await repository.token(session, payload["token_id"])
    else:
        log.error("account.mail event %s dropped: no token", event.id)
        return None
    if token is None or token.used_at or token.revoked_at or token.sent_at or token.expires_at <= utcnow():
        return None
    secret = tokens.derive_secret(settings, nonce)
    if tokens.hash_secret(secret) != token.token_hash:
        log.error("account.mail event %s dropped: its nonce does not match token %s", event.id, token.id)
        return None
    member = await repository.get(session, token.member_id)
    if member is None:
        return None
    link = tokens.link(settings, token.purpose, secret)
    subject, text = mailer.compose_account(
        settings,
        token.purpose,
        link,
        name=member.full_name,
        until=f"{token.expires_at:%Y-%m-%d %H:%M}",
        locale=member.ui_language,
    )
    return _Job(pk(event), pk(token), mailer.Outgoing(member.email, subject, text, f"account.{token.id}"), link)


async def _finish(session: AsyncSession, event_ids: list[int], token_id: int | None) -> None:
    """The event is done, its nonce blanked, and (when a mail went) the token marked sent."""
    if token_id is not None:
        await session.execute(update(AccountToken).where(col(AccountToken.id) == token_id).values(sent_at=utcnow()))
    for event_id in event_ids:
        await session.execute(update(OutboxEvent).where(col(OutboxEvent.id) == event_id).values(payload={}))
    claim = outbox.current_claim()
    if claim is not None:
        await claim.complete_in(session, event_ids)


async def handle_account_mail(db: Database, events: list[OutboxEvent]) -> None:
    settings = db.settings
    jobs: list[_Job] = []
    # Resolving may create a reset token (once per request): a short writing unit of work.
    async with db.session() as session:
        idle: list[int] = []
        for event in events:
            job = await _job(session, db, event)
            if job is None:
                idle.append(pk(event))
            else:
                jobs.append(job)
        await _finish(session, idle, None)
    outbox.committed(session)

    if not settings.smtp_host:
        async with db.session() as session:
            for job in jobs:
                if settings.is_dev:
                    log.warning(
                        "e-mail is disabled (EXPERTNET_SMTP_HOST is not set); link for %s: %s",
                        job.outgoing.to,
                        job.link,
                    )
                else:
                    log.warning("e-mail is disabled (EXPERTNET_SMTP_HOST is not set): no link sent to a member")
                await _finish(session, [job.event_id], None)
        outbox.committed(session)
        return

    claim = outbox.current_claim()

    async def record(index: int, reason: str | None) -> None:
        job = jobs[index]
        async with db.session() as session:
            await _finish(session, [job.event_id], job.token_id if reason is None else None)
        outbox.committed(session)

    result = await mailer.send_batch(
        settings, [job.outgoing for job in jobs], before=claim.check if claim else None, record=record
    )
    if result.sent or result.rejected:
        log.info("account mail: %d sent, %d refused for good", len(result.sent), len(result.rejected))
    if result.error is not None:
        raise result.error
