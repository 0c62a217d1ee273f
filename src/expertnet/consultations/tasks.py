"""Periodic jobs of the desk, run by the worker (expertnet.worker JOB_MODULES).

Offers unanswered past their time move on to the next candidates; requests whose detention
deadline passed before anyone accepted expire. Each consultation is handled in its own
transaction, so one failure does not hold up the others, and every step is conditional (status
and time re-checked under the row lock), so several workers may run the job at once.
"""

import logging

from expertnet.consultations import expiry
from expertnet.db import Database, utcnow
from expertnet.search.indexer import get_search

log = logging.getLogger(__name__)


async def run_periodic(db: Database) -> dict[str, int]:
    now = utcnow()
    done = {"offers_expired": 0, "requests_expired": 0}
    async with db.sessionmaker() as session:
        deadline_due = await expiry.due_deadline_consultations(session, now)
        offers_due = await expiry.due_offer_consultations(session, now)
        await session.rollback()
    # Requests past their deadline first: their offers must not move on to new experts.
    for consultation_id in deadline_due:
        try:
            async with db.session() as session:
                done["requests_expired"] += int(await expiry.expire_request(session, consultation_id, now))
        except Exception:  # noqa: BLE001 - one bad row must not stop the job
            log.exception("expiring consultation %s failed", consultation_id)
    for consultation_id in offers_due:
        try:
            async with db.session() as session:
                # The job's search client (one per configuration): moving on routes the request.
                search = get_search(db.settings)
                done["offers_expired"] += await expiry.expire_offers(session, search, consultation_id, now)
        except Exception:  # noqa: BLE001
            log.exception("expiring offers of consultation %s failed", consultation_id)
    return done
