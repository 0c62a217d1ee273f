"""Concurrent accepts: exactly one winner, also on PostgreSQL, with real threads and connections.

The harness starts N threads, each with its own engine and connection, lines them up on a barrier
and lets them accept at the same moment. The control runs a deliberately naive read-check-write
accept under the same harness and must produce more than one winner: proof that the harness
would catch a race if the real accept had one.
"""

import asyncio
import threading

import pytest
from sqlalchemy import select, text

from expertnet.consultations.access import Ctx
from expertnet.consultations.expiry import expire_offers
from expertnet.consultations.models import Consultation, Offer
from expertnet.consultations.offers import accept_offer, decline_offer
from expertnet.core.errors import Conflict
from expertnet.db import Database
from expertnet.experts.models import Expert
from expertnet.members.auth import principal_of
from expertnet.members.models import Member
from expertnet.search.indexer import get_search

N = 5


def race(settings, attempts) -> list[str]:
    """Run each `attempt(session)` in its own thread and connection, all released at once.
    Returns "won" (committed) or "conflict" (409) per attempt, in order."""
    barrier = threading.Barrier(len(attempts), timeout=60)
    outcomes: list[str | None] = [None] * len(attempts)
    errors: list[BaseException] = []

    def worker(i, attempt):
        async def go():
            db = Database(settings)
            try:
                # Open the connection before the barrier (no transaction yet: on SQLite a
                # transaction would take the write lock and keep the others from the barrier).
                conn = await db.engine.connect()
                await conn.close()
                barrier.wait()
                async with db.sessionmaker() as session:
                    try:
                        await attempt(session)
                        await session.commit()
                        return "won"
                    except Conflict:
                        await session.rollback()
                        return "conflict"
            finally:
                await db.dispose()

        try:
            outcomes[i] = asyncio.run(go())
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=worker, args=(i, a)) for i, a in enumerate(attempts)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    if errors:
        raise errors[0]
    return outcomes


def _numismatists(desk, n=N):
    return [desk.expert(specialties=[f"Roman coins, part {i + 1}"]) for i in range(n)]


def _offered_to_all(desk, env, experts):
    n = len(experts)
    official = desk.official()
    cid = desk.draft(official, category="numismatics")["id"]
    c = desk.submit(official, cid, offer_count=n)
    assert len(c["offers"]) == n
    offers = {o["expert_id"]: o["id"] for o in c["offers"]}
    members = {u.extra["expert_id"]: u.id for u in experts}

    async def principals(session):
        rows = await session.execute(select(Member).where(Member.id.in_(list(members.values()))))
        by_id = {m.id: principal_of(m) for m in rows.scalars()}
        return {expert_id: by_id[member_id] for expert_id, member_id in members.items()}

    return cid, offers, env.db_run(principals)


def _state(env, cid):
    async def go(session):
        c = await session.get(Consultation, cid)
        offers = (
            await session.execute(select(Offer.expert_id, Offer.status).where(Offer.consultation_id == cid))
        ).all()
        loads = dict((await session.execute(select(Expert.id, Expert.open_consultations))).all())
        return c.status, c.assigned_expert_id, dict(offers), loads

    return env.db_run(go)


def test_concurrent_accepts_have_exactly_one_winner(desk, env, db_kind):
    experts = _numismatists(desk)
    for _ in range(3):
        cid, offers, principals = _offered_to_all(desk, env, experts)
        expert_ids = list(offers)

        def attempt_for(expert_id):
            async def attempt(session):
                await accept_offer(session, Ctx(principals[expert_id]), offers[expert_id])

            return attempt

        outcomes = race(env.settings, [attempt_for(e) for e in expert_ids])
        assert outcomes.count("won") == 1, outcomes
        assert outcomes.count("conflict") == N - 1, outcomes
        winner = expert_ids[outcomes.index("won")]
        status, assigned, offer_status, loads = _state(env, cid)
        assert status == "accepted" and assigned == winner
        assert offer_status[winner] == "accepted"
        assert sorted(s for e, s in offer_status.items() if e != winner) == ["closed"] * (N - 1)
    # Each round added exactly one open consultation, to its winner only.
    _, _, _, loads = _state(env, cid)
    assert sum(loads.values()) == 3


async def naive_accept(session, consultation_id: int, expert_id: int) -> None:
    """The bug the real accept avoids: read the status, decide in Python, write unconditionally."""
    status = (
        await session.execute(text("SELECT status FROM consultations WHERE id = :id"), {"id": consultation_id})
    ).scalar_one()
    if status != "offered":
        raise Conflict("already taken")
    await asyncio.sleep(0.3)  # the window every read-check-write has, widened so the race shows every time
    await session.execute(
        text("UPDATE consultations SET status = 'accepted', assigned_expert_id = :e WHERE id = :id"),
        {"e": expert_id, "id": consultation_id},
    )


def test_control_naive_accept_lets_several_win(desk, env, db_kind):
    if db_kind != "postgresql":
        pytest.skip("control needs concurrent writers; SQLite serialises every transaction (BEGIN IMMEDIATE)")
    cid, offers, _ = _offered_to_all(desk, env, _numismatists(desk))

    def attempt_for(expert_id):
        async def attempt(session):
            await naive_accept(session, cid, expert_id)

        return attempt

    outcomes = race(env.settings, [attempt_for(e) for e in offers])
    assert outcomes.count("won") > 1, f"the harness did not expose the naive race: {outcomes}"


def test_accept_racing_expiry_and_decline(desk, env, db_kind):
    """Accept, decline and the expiry job on one request at the same moment: the request ends in
    exactly one consistent state, with one accepted offer at most."""
    from datetime import UTC, datetime, timedelta

    from expertnet.consultations.models import Offer as OfferRow
    from sqlalchemy import update

    cid, offers, principals = _offered_to_all(desk, env, _numismatists(desk, 3))
    a, b, c = list(offers)

    async def attempt_accept(session):
        await accept_offer(session, Ctx(principals[a]), offers[a])

    async def attempt_decline(session):
        await decline_offer(session, get_search(env.settings), Ctx(principals[b]), offers[b])

    async def overdue(session):
        await session.execute(
            update(OfferRow).where(OfferRow.id == offers[c]).values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )

    env.db_run(overdue)  # c's offer is past its time, and the job is about to notice

    async def attempt_expire(session):
        await expire_offers(session, get_search(env.settings), cid, datetime.now(UTC))

    outcomes = race(env.settings, [attempt_accept, attempt_decline, attempt_expire])
    status, assigned, offer_status, loads = _state(env, cid)
    accepted = [e for e, s in offer_status.items() if s == "accepted"]
    if outcomes[0] == "won":
        assert status == "accepted" and accepted == [a] and loads[a] == 1
    else:
        assert status in ("offered", "escalated") and accepted == []
    assert all(s in ("accepted", "declined", "expired", "closed", "open") for s in offer_status.values())
    if status == "accepted":
        assert "open" not in offer_status.values()
