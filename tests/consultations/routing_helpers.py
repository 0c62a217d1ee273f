"""Build an expert directory through the real importer (and the outbox into the search index),
and route requests through the real `rank_candidates`."""

import json

from sqlalchemy import select, update

from expertnet.consultations import routing
from expertnet.core import outbox
from expertnet.db import Database
from expertnet.experts import importer
from expertnet.experts.models import Expert
from expertnet.members.models import Member
from expertnet.search.indexer import get_search

from tests.conftest import run_async


def record(external_id: str, **fields) -> dict:
    base = {
        "external_id": external_id,
        "full_name": f"Expert {external_id}",
        "email": f"{external_id.lower()}@experts.example",
        "organisation": "Institute",
        "org_type": "museum",
        "country": "RS",
        "coverage_countries": [],
        "languages": ["en"],
        "categories": ["archaeology"],
        "specialties": [],
        "bio": "",
        "vetting_status": "approved",
    }
    base.update(fields)
    return base


def import_directory(env, records) -> dict[str, int]:
    """Import JSON Lines records as the CLI does; returns external_id -> expert id."""
    lines = [json.dumps(r, ensure_ascii=False) for r in records]

    async def go():
        db = Database(env.settings)
        try:
            parsed, errors = importer.parse(lines)
            assert not errors, errors
            async with db.session() as session:
                result = await importer.apply(session, env.settings, parsed)
                assert not result.errors, result.errors
            await outbox.drain(db)  # the index learns through the outbox, as after the CLI import
            async with db.session() as session:
                rows = await session.execute(select(Expert.external_id, Expert.id))
                return dict(rows.all())
        finally:
            await db.dispose()

    return run_async(go())


def change_expert(env, external_id: str, member: dict | None = None, **values) -> None:
    """Change an expert's row (and member row) and announce it to the index, as a profile edit does."""

    async def go():
        db = Database(env.settings)
        try:
            async with db.session() as session:
                expert_id, member_id = (
                    await session.execute(select(Expert.id, Expert.member_id).where(Expert.external_id == external_id))
                ).one()
                if values:
                    await session.execute(update(Expert).where(Expert.id == expert_id).values(**values))
                if member:
                    await session.execute(update(Member).where(Member.id == member_id).values(**member))
                outbox.emit(session, "index.expert", expert_id)
            await outbox.drain(db)
        finally:
            await db.dispose()

    run_async(go())


def member_id_of(env, external_id: str) -> int:
    async def go(session):
        return (await session.execute(select(Expert.member_id).where(Expert.external_id == external_id))).scalar_one()

    return env.db_run(go)


def rank(
    env, *, top: int = 10, exclude_expert_ids=(), requester_id=None, requester_org="", requester_country=None, **spec
):
    spec.setdefault("languages", ["en"])
    spec.setdefault("location_country", "RS")

    async def go(session):
        return await routing.rank_candidates(
            session,
            get_search(env.settings),
            routing.RoutingSpec(**spec),
            top=top,
            exclude_expert_ids=exclude_expert_ids,
            requester_id=requester_id,
            requester_org=requester_org,
            requester_country=requester_country,
        )

    return env.db_run(go)


def ids(candidates) -> list[str]:
    return [c.external_id for c in candidates]
