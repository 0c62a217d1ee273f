"""Notifications through the outbox: in-app rows, one e-mail per recipient over real SMTP,
idempotent replays, retries while the SMTP server is down, and no case data in any e-mail."""

from datetime import timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import select, update

from expertnet.core import outbox
from expertnet.core.models import OutboxEvent
from expertnet.db import Database, utcnow
from expertnet.notifications import service, tasks
from expertnet.notifications.models import Notification
from tests.conftest import run_async
from tests.notifications.conftest import drain

SECRET_SUBJECT = "Offer: gilded bronze Khmer Shiva, crate 7"
SECRET_BODY = "Seized at Belgrade airport from passenger Marko P.; undeclared; provenance letter looks forged."
SECRET_WORDS = ("Khmer", "Shiva", "crate 7", "Belgrade", "Marko", "forged")


def _notify(env, member_ids, kind="offer", consultation_id=12, **extra) -> int:
    async def go(session):
        event = await service.notify(
            session,
            member_ids,
            kind,
            extra.pop("subject", SECRET_SUBJECT),
            extra.pop("body", SECRET_BODY),
            extra.pop("url", f"/consultations/{consultation_id}"),
            consultation_id,
            **extra,
        )
        await session.flush()
        return event.id

    return env.db_run(go)


def _notifications(env, event_id: int) -> list[Notification]:
    async def go(session):
        rows = await session.execute(
            select(Notification).where(Notification.source_event_id == event_id).order_by(Notification.member_id)
        )
        return list(rows.scalars())

    return env.db_run(go)


def _events(env, topic: str) -> list[OutboxEvent]:
    async def go(session):
        return list(
            (
                await session.execute(select(OutboxEvent).where(OutboxEvent.topic == topic).order_by(OutboxEvent.id))
            ).scalars()
        )

    return env.db_run(go)


def _email_events_for(env, notification_ids) -> list[OutboxEvent]:
    return [e for e in _events(env, "email.send") if e.payload.get("notification_id") in set(notification_ids)]


def _set_outbox(env, ids, **values) -> None:
    async def go(session):
        await session.execute(update(OutboxEvent).where(OutboxEvent.id.in_(list(ids))).values(**values))

    env.db_run(go)


def _settled(env, smtp) -> None:
    """Deliver whatever earlier steps queued (registration, vetting) and forget those mails."""
    drain(env.settings)
    smtp.inbox.clear()


def test_notify_creates_one_notification_and_one_safe_email_per_recipient(mail_env, smtp):
    env = mail_env
    e1, e2 = env.member("expert"), env.member("expert")
    suspended = env.member("expert")
    r = env.client.post(
        f"/api/v1/admin/members/{suspended.id}/suspend",
        json={"reason": "conflict of interest"},
        headers=env.admin.headers,
    )
    assert r.status_code == 200, r.text
    pending = env.register("expert")  # never vetted
    _settled(env, smtp)

    event_id = _notify(env, [e1.id, e2.id, suspended.id, pending.id, e1.id], urgency="urgent")
    drain(env.settings)

    rows = _notifications(env, event_id)
    assert sorted(n.member_id for n in rows) == sorted([e1.id, e2.id])
    for n in rows:
        assert (n.kind, n.consultation_id, n.subject, n.body, n.url) == (
            "offer",
            12,
            SECRET_SUBJECT,
            SECRET_BODY,
            "/consultations/12",
        )
        assert n.emailed_at is not None and n.read_at is None

    # The in-app notification carries the producer's text (behind sign-in)...
    r = env.client.get("/api/v1/notifications", headers=e1.headers)
    assert r.status_code == 200, r.text
    page = r.json()
    assert page["unread"] == 1 and [i["subject"] for i in page["items"]] == [SECRET_SUBJECT]

    # ...the e-mail only what happened and a link.
    assert len(smtp.inbox.messages) == 2
    for user in (e1, e2):
        [mail] = smtp.inbox.to(user.email)
        assert mail.rcpt_tos == [user.email]
        assert mail.message["To"] == user.email
        assert mail.message["From"] == env.settings.mail_from
        assert mail.message["Subject"] == "[expertnet] New request offered to you (#12)"
        text = mail.message.get_content()
        assert "A consultation request (urgent) is offered to you" in text
        assert "https://desk.example.org/consultations/12" in text
        assert mail.message.is_multipart() is False  # no attachment
        for word in SECRET_WORDS:
            assert word not in mail.raw, word
    assert smtp.inbox.to(suspended.email) == [] and smtp.inbox.to(pending.email) == []


def test_vetting_outcome_reaches_a_rejected_applicant(mail_env, smtp):
    env = mail_env
    applicant = env.register("le_official")
    _settled(env, smtp)
    r = env.client.post(
        f"/api/v1/admin/members/{applicant.id}/reject",
        json={"reason": "could not verify the employer"},
        headers=env.admin.headers,
    )
    assert r.status_code == 200, r.text
    drain(env.settings)
    # The decision itself tells the applicant, with the secretariat's reason (about them, not a case).
    [decision] = smtp.inbox.to(applicant.email)
    assert decision.message["Subject"] == "[expertnet] Application not approved"
    assert "could not verify the employer" in decision.message.get_content()
    smtp.inbox.clear()

    event_id = _notify(
        env,
        [applicant.id],
        kind="vetting_rejected",
        consultation_id=None,
        subject="Application not approved",
        body="The referee could not confirm your position.",
        url="/me",
    )
    drain(env.settings)

    assert [n.member_id for n in _notifications(env, event_id)] == [applicant.id]
    [mail] = smtp.inbox.to(applicant.email)
    assert mail.message["Subject"] == "[expertnet] Application not approved"
    assert "https://desk.example.org/me" in mail.message.get_content()
    assert "The referee could not confirm your position." in mail.message.get_content()


def test_replayed_events_create_no_duplicates_and_send_no_second_email(mail_env, smtp):
    env = mail_env
    e1, e2 = env.member("expert"), env.member("le_official")
    _settled(env, smtp)

    event_id = _notify(env, [e1.id, e2.id], kind="message")
    drain(env.settings)
    first = _notifications(env, event_id)
    assert len(first) == 2 and len(smtp.inbox.messages) == 2
    email_events = _email_events_for(env, [n.id for n in first])
    assert len(email_events) == 2

    # Replay everything: the notify event and its e-mail events, as after a crash before commit.
    replayed = [event_id, *(e.id for e in email_events)]
    _set_outbox(env, replayed, processed_at=None)
    drain(env.settings)

    again = {e.id: e for e in _events(env, "notify") + _events(env, "email.send")}
    assert all(again[i].processed_at is not None for i in replayed)  # the replay did run
    assert [n.id for n in _notifications(env, event_id)] == [n.id for n in first]
    assert len(_email_events_for(env, [n.id for n in first])) == 2
    assert len(smtp.inbox.messages) == 2
    assert len(smtp.inbox.to(e1.email)) == 1 and len(smtp.inbox.to(e2.email)) == 1


def test_smtp_down_keeps_the_email_pending_and_delivers_it_later(mail_env, smtp):
    env = mail_env
    expert = env.member("expert")
    _settled(env, smtp)
    smtp.stop()

    event_id = _notify(env, [expert.id], kind="accepted", consultation_id=31)
    drain(env.settings)

    [notification] = _notifications(env, event_id)  # the in-app notice does not wait for SMTP
    assert notification.emailed_at is None
    [mail_event] = _email_events_for(env, [notification.id])
    assert mail_event.processed_at is None
    assert mail_event.attempts >= 1
    assert mail_event.last_error
    assert mail_event.available_at > utcnow()
    [notify_event] = [e for e in _events(env, "notify") if e.id == event_id]
    assert notify_event.processed_at is not None

    smtp.start()
    drain(env.settings)  # not due yet: backoff holds it
    assert smtp.inbox.messages == []

    _set_outbox(env, [mail_event.id], available_at=utcnow() - timedelta(seconds=1))
    drain(env.settings)
    [mail] = smtp.inbox.to(expert.email)
    assert "https://desk.example.org/consultations/31" in mail.message.get_content()
    [mail_event] = _email_events_for(env, [notification.id])
    assert mail_event.processed_at is not None
    assert _notifications(env, event_id)[0].emailed_at is not None


def test_partly_sent_batch_resends_only_what_did_not_go(mail_env, smtp):
    env = mail_env
    first, delayed, last = env.member("expert"), env.member("expert"), env.member("expert")
    _settled(env, smtp)
    smtp.inbox.tempfail.add(delayed.email)

    event_id = _notify(env, [first.id, delayed.id, last.id], kind="closed")
    drain(env.settings)
    rows = {n.member_id: n for n in _notifications(env, event_id)}
    assert len(smtp.inbox.to(first.email)) == 1
    assert smtp.inbox.to(delayed.email) == []
    assert rows[first.id].emailed_at is not None and rows[delayed.id].emailed_at is None
    pending = [e for e in _email_events_for(env, [n.id for n in rows.values()]) if e.processed_at is None]
    assert pending and all(e.attempts >= 1 and "451" in e.last_error for e in pending)

    smtp.inbox.tempfail.clear()
    _set_outbox(env, [e.id for e in pending], available_at=utcnow() - timedelta(seconds=1))
    drain(env.settings)
    for user in (first, delayed, last):
        assert len(smtp.inbox.to(user.email)) == 1, user.email
    assert all(e.processed_at is not None for e in _email_events_for(env, [n.id for n in rows.values()]))


def test_handlers_open_their_own_session_for_detached_events(mail_env, smtp):
    """The handler contract: given events outside any transaction, a handler opens its own
    session, and running it twice still notifies and mails once."""
    env = mail_env
    expert = env.member("expert")
    _settled(env, smtp)
    event_id = _notify(env, [expert.id], kind="escalated")

    async def load(db, query):
        async with db.sessionmaker() as session:
            return list((await session.execute(query)).scalars())  # detached once the session closes

    async def go():
        db = Database(env.settings)
        try:
            events = await load(db, select(OutboxEvent).where(OutboxEvent.id == event_id))
            await tasks.handle_notify(db, events)
            await tasks.handle_notify(db, events)
            mails = await load(
                db, select(OutboxEvent).where(OutboxEvent.topic == "email.send", OutboxEvent.processed_at.is_(None))
            )
            await tasks.handle_email(db, mails)
            await tasks.handle_email(db, mails)
            return mails
        finally:
            await db.dispose()

    mails = run_async(go())
    [notification] = _notifications(env, event_id)
    assert [m.payload["notification_id"] for m in mails] == [notification.id]
    assert notification.emailed_at is not None
    [mail] = smtp.inbox.to(expert.email)
    assert mail.message["Subject"] == "[expertnet] Request needs attention (#12)"
    assert len(smtp.inbox.messages) == 1


def test_permanently_refused_address_is_not_retried(mail_env, smtp):
    env = mail_env
    gone = env.member("expert", email="refused.expert@test.example")
    _settled(env, smtp)

    event_id = _notify(env, [gone.id], kind="offer_closed")
    drain(env.settings)
    [notification] = _notifications(env, event_id)
    assert notification.emailed_at is None and notification.email_error.startswith("550")
    [mail_event] = _email_events_for(env, [notification.id])
    assert mail_event.processed_at is not None and mail_event.attempts == 0
    assert smtp.inbox.messages == []


def test_email_disabled_without_smtp_host_keeps_the_in_app_notice(env):
    assert env.settings.smtp_host is None
    expert = env.member("expert")
    event_id = _notify(env, [expert.id], kind="opinion")
    drain(env.settings)
    [notification] = _notifications(env, event_id)
    [mail_event] = _email_events_for(env, [notification.id])
    assert mail_event.processed_at is not None and mail_event.attempts == 0
    assert notification.emailed_at is None
    r = env.client.get("/api/v1/notifications", headers=expert.headers)
    assert [i["id"] for i in r.json()["items"]] == [notification.id]


def test_malformed_event_does_not_hold_back_the_others(env):
    expert = env.member("expert")

    async def emit_bad(session):
        outbox.emit(
            session,
            "notify",
            "x",
            {"member_ids": [expert.id], "kind": "offer", "subject": "s", "url": "https://evil.example/"},
        )

    env.db_run(emit_bad)
    good = _notify(env, [expert.id], kind="message")
    drain(env.settings)
    assert len(_notifications(env, good)) == 1
    assert all(e.processed_at is not None for e in _events(env, "notify"))
    r = env.client.get("/api/v1/notifications", headers=expert.headers)
    assert [i["kind"] for i in r.json()["items"]] == ["message"]


@pytest.mark.parametrize(
    "change",
    [{"url": "//evil.example/phish"}, {"url": "https://evil.example/"}, {"url": "/\\evil.example"}, {"kind": "party"}],
)
def test_notify_refuses_foreign_links_and_unknown_kinds(env, change):
    async def go(session):
        args = {"member_ids": [1], "kind": "offer", "subject": "s", "body": "b", "url": "/consultations/1"} | change
        await service.notify(session, **args)

    with pytest.raises(ValidationError):
        env.db_run(go)
    assert _events(env, "notify") == []
