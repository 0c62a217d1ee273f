"""Periodic jobs of the desk, run by the worker (expertnet.worker JOB_MODULES).

Offers unanswered past their time move on to the next candidates; requests whose detention
deadline passed before anyone accepted expire. Each consultation is handled in its own
transaction, so one failure does not hold up the others, and every step is conditional (status
and time re-checked under the row lock), so several workers may run the job at once.
"""
import logging

from expertnet.consultations import service
from expertnet.db import Database, utcnow

log = logging.getLogger(__name__)


async def run_periodic(db: Database) -> dict[str, int]:
    now = utcnow()
    done = {"offers_expired": 0, "requests_expired": 0}
    async with db.sessionmaker() as session:
        deadline_due = await service.due_deadline_consultations(session, now)
        offers_due = await service.due_offer_consultations(session, now)
        await session.rollback()
    # Requests past their deadline first: their offers must not move on to new experts.
    for consultation_id in deadline_due:
        try:
            async with db.session() as session:
                done["requests_expired"] += int(await service.expire_request(session, consultation_id, now))
        except Exception:  # noqa: BLE001 - one bad row must not stop the job
            log.exception("expiring consultation %s failed", consultation_id)
    for consultation_id in offers_due:
        try:
            async with db.session() as session:
                done["offers_expired"] += await service.expire_offers(session, db.settings, consultation_id, now)
        except Exception:  # noqa: BLE001
            log.exception("expiring offers of consultation %s failed", consultation_id)
    return done
