"""Retention: when a closed consultation is due for review, and what the job does then.

A consultation that ended (closed with an outcome, expired, or withdrawn) is due `days` after it
ended, `days` being the period of its outcome (or of its status when it has none), configured per
outcome (config.RETENTION_DEFAULT_DAYS, EXPERTNET_RETENTION_<OUTCOME>_DAYS). The job then, as
configured (EXPERTNET_RETENTION_ACTION):
- flag: marks it for an admin's review (the admin page and API list what is due; an admin may
  erase from there);
- erase: erases its case material at once.
Erasure deletes the messages, opinions, attachment rows and their files, blanks the free text of
the consultation, its timeline and its offers, and leaves a tombstone (the retention row with what
went, and the consultation row with its numbers, dates, category, countries, status and outcome
for statistics). Both write an audit entry. Each consultation is handled in its own transaction
and re-checked under its row lock, so several workers may run the job at once.
"""

import logging
import re
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from expertnet.config import Settings
from expertnet.consultations import effects
from expertnet.consultations import thumbnails
from expertnet.consultations.attachments import storage_dir
from expertnet.consultations.models import TERMINAL_STATUSES, Consultation
from expertnet.core import audit, outbox
from expertnet.core.errors import Conflict, NotFound
from expertnet.db import Database, utcnow
from expertnet.retention import repository
from expertnet.retention.models import RetentionReview
from expertnet.retention.schemas import DueItem, DuePage, RuleOut, RunOut

log = logging.getLogger(__name__)
ERASED_TITLE = "Erased under the retention rules"
BATCH = 500


def rules(settings: Settings) -> dict[str, int]:
    return dict(settings.retention_days)


def rule_of(c: Consultation) -> str:
    if c.status in repository.STATUS_RULES:
        return c.status
    return c.outcome or "other"


def due_at(c: Consultation, settings: Settings) -> datetime:
    if c.closed_at is None:
        raise ValueError(f"consultation {c.id} is not closed: no retention period runs")
    return c.closed_at + timedelta(days=rules(settings)[rule_of(c)])


def _item(c: Consultation, review: RetentionReview | None, settings: Settings) -> DueItem:
    return DueItem(
        consultation_id=c.id,
        rule=rule_of(c),
        status=c.status,
        outcome=c.outcome,
        category=c.category or c.inferred_category,
        closed_at=c.closed_at,
        due_at=due_at(c, settings),
        flagged_at=review.flagged_at if review else None,
    )


async def due_page(
    session: AsyncSession, settings: Settings, *, offset: int = 0, limit: int = 50, now: datetime | None = None
) -> DuePage:
    """What is past its review date and not erased yet, oldest first."""
    now = now or utcnow()
    rows = await repository.due(session, rules(settings), now, offset=offset, limit=limit)
    return DuePage(
        items=[_item(c, r, settings) for c, r in rows],
        total=await repository.due_count(session, rules(settings), now),
        action=settings.retention_action,
        rules=[RuleOut(rule=k, days=v) for k, v in settings.retention_days],
    )


async def _due_locked(session: AsyncSession, settings: Settings, consultation_id: int, now: datetime):
    c = await repository.lock(session, consultation_id)
    if c is None:
        raise NotFound("consultation: not found")
    review = await repository.review(session, consultation_id)
    if c.status not in TERMINAL_STATUSES or c.closed_at is None or due_at(c, settings) > now:
        raise Conflict(f"consultation {consultation_id}: not due for retention")
    if review is not None and review.erased_at is not None:
        raise Conflict(f"consultation {consultation_id}: already erased")
    return c, review


async def flag(session: AsyncSession, settings: Settings, consultation_id: int, now: datetime) -> bool:
    c, review = await _due_locked(session, settings, consultation_id, now)
    if review is not None and review.flagged_at is not None:
        return False
    review = review or RetentionReview(consultation_id=c.id, rule=rule_of(c), due_at=due_at(c, settings))
    review.flagged_at = now
    session.add(review)
    await audit.record(
        session,
        "retention.flagged",
        actor_id=None,
        object_type="consultation",
        object_id=c.id,
        reason="retention review date passed",
        detail={"rule": review.rule, "due_at": review.due_at.isoformat()},
    )
    return True


async def erase(
    session: AsyncSession,
    settings: Settings,
    consultation_id: int,
    now: datetime,
    *,
    actor_id: int | None = None,
    ip: str = "",
) -> list[str]:
    """Erase one due consultation's case material; returns the stored file names to delete once
    the transaction has committed (a rollback must not lose files whose rows remain)."""
    c, review = await _due_locked(session, settings, consultation_id, now)
    files = await repository.stored_names(session, c.id)
    counts = await repository.erase_material(session, c.id)
    c.title, c.description, c.outcome_detail = ERASED_TITLE, "", ""
    effects.changed(session, c)  # the index drops the old text
    effects.event(session, c.id, actor_id, "erased", rule=rule_of(c))
    review = review or RetentionReview(consultation_id=c.id, rule=rule_of(c), due_at=due_at(c, settings))
    review.erased_at, review.erased_by, review.erased = now, actor_id, {**counts, "files": len(files)}
    session.add(review)
    await audit.record(
        session,
        "retention.erased",
        actor_id=actor_id,
        object_type="consultation",
        object_id=c.id,
        ip=ip,
        reason="retention review date passed",
        detail={"rule": review.rule, "due_at": review.due_at.isoformat(), **review.erased},
    )
    return files


def delete_files(settings: Settings, names: list[str]) -> int:
    directory = storage_dir(settings)
    gone = 0
    for name in names:
        if not re.fullmatch(r"[0-9a-f]{32}", name):
            continue
        thumbnails.remove(settings, name)  # the photo's preview goes with it
        try:
            (directory / name).unlink()
            gone += 1
        except FileNotFoundError:
            pass
        except OSError:
            log.exception("retention: could not delete attachment file %s", name)
    return gone


async def erase_by_admin(db: Database, consultation_id: int, actor_id: int, ip: str = "") -> None:
    """An admin's erasure of a due (usually flagged) consultation, in its own transaction."""
    async with db.session() as session:
        files = await erase(session, db.settings, consultation_id, utcnow(), actor_id=actor_id, ip=ip)
    delete_files(db.settings, files)
    if db.settings.inline_worker:
        await outbox.drain(db)  # embedded default: the index drops the old text now


async def run(db: Database, *, dry_run: bool = False, now: datetime | None = None) -> RunOut:
    """One pass of the job over what is due (at most BATCH consultations)."""
    settings, now = db.settings, now or utcnow()
    async with db.sessionmaker() as session:
        rows = [
            (c.id, r is not None and r.flagged_at is not None)
            for c, r in await repository.due(session, rules(settings), now, limit=BATCH)
        ]
        await session.rollback()
    action = settings.retention_action
    out = RunOut(dry_run=dry_run, action=action, due=len(rows), flagged=[], erased=[], failed=[])
    for consultation_id, flagged in rows:
        if action == "flag" and flagged:
            continue
        done = out.flagged if action == "flag" else out.erased
        if dry_run:
            done.append(consultation_id)
            continue
        try:
            async with db.session() as session:
                if action == "flag":
                    changed, files = await flag(session, settings, consultation_id, now), []
                else:
                    changed, files = True, await erase(session, settings, consultation_id, now)
        except Conflict:
            continue  # another worker got there first, or the row changed
        except Exception:  # noqa: BLE001 - one bad row must not stop the job
            log.exception("retention of consultation %s failed", consultation_id)
            out.failed.append(consultation_id)
            continue
        delete_files(settings, files)
        if changed:
            done.append(consultation_id)
    return out
