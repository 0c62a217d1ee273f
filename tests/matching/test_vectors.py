"""Stored profile vectors (expert_vectors): filled by the outbox after a profile changes, recomputed
only when the profile's source hash changed, read back by vectors_for; SQLite and PostgreSQL."""

import numpy as np
from sqlalchemy import select

from expertnet.matching import vectors
from expertnet.matching.embedder import get_embedder, profile_vector
from expertnet.matching.vectors import ExpertVector, decode, encode, vectors_for
from expertnet.search.indexer import VECTORS_TOPIC


def _rows(env):
    async def go(session):
        return {
            r.expert_id: (r.source_hash, r.updated_at, r.model)
            for r in (await session.execute(select(ExpertVector))).scalars()
        }

    return env.db_run(go)


def _profile_update(env, user, **changes):
    me = env.client.get("/api/v1/experts/me", headers=user.headers).json()
    r = env.client.put("/api/v1/experts/me", json={"version": me["version"], **changes}, headers=user.headers)
    assert r.status_code == 200, r.text
    return r.json()


def test_float16_round_trip_is_normalised():
    v = np.random.default_rng(1).normal(size=512).astype(np.float32)
    back = decode(encode(v), 512)
    assert back.dtype == np.float32 and abs(float(np.linalg.norm(back)) - 1.0) < 1e-3
    assert float(back @ (v / np.linalg.norm(v))) > 0.999
    assert len(encode(v)) == 1024


def test_vectors_are_filled_by_the_outbox_and_recomputed_only_on_change(env):
    expert = env.member(
        "expert",
        expert={"categories": ["numismatics"], "specialties": ["Roman Imperial coinage"], "bio": "Numismatist."},
    )
    other = env.member(
        "expert", expert={"categories": ["religious_art"], "specialties": ["Byzantine icons"], "bio": ""}
    )
    me = env.client.get("/api/v1/experts/me", headers=expert.headers).json()
    other_me = env.client.get("/api/v1/experts/me", headers=other.headers).json()
    rows = _rows(env)
    assert set(rows) >= {me["id"], other_me["id"]}
    model = get_embedder().name
    assert rows[me["id"]][2] == model

    found = env.db_run(lambda s: vectors_for(s, [me["id"], other_me["id"], 999_999]))
    assert set(found) == {me["id"], other_me["id"]}  # an unknown id is simply absent
    v = found[me["id"]]
    assert v.dtype == np.float32 and v.shape == (512,) and abs(float(np.linalg.norm(v)) - 1) < 1e-3
    expected = profile_vector(["Roman Imperial coinage"], "Numismatist.", ["numismatics"]).vector
    assert float(v @ expected) > 0.999

    # A change that does not touch the vector's source (availability) recomputes nothing ...
    _profile_update(env, expert, available=False)
    assert _rows(env)[me["id"]] == rows[me["id"]]
    # ... a new specialty does, and the new vector is the new profile's.
    _profile_update(env, expert, specialties=["Byzantine icons"], categories=["religious_art"])
    after = _rows(env)
    assert after[me["id"]][0] != rows[me["id"]][0]
    assert after[other_me["id"]] == rows[other_me["id"]]
    found = env.db_run(lambda s: vectors_for(s, [me["id"], other_me["id"]]))
    new = profile_vector(["Byzantine icons"], "Numismatist.", ["religious_art"]).vector
    assert float(found[me["id"]] @ new) > 0.999


def test_fill_skips_unchanged_and_drops_vectors_of_missing_experts(env):
    expert = env.member("expert")
    me = env.client.get("/api/v1/experts/me", headers=expert.headers).json()

    async def refill(session):
        return await vectors.fill_vectors(session, [me["id"], 424242])

    stats = env.db_run(refill)
    assert stats.unchanged == 1 and not stats.computed and not stats.deleted


def test_vectors_for_ignores_another_models_rows(env):
    expert = env.member("expert")
    me = env.client.get("/api/v1/experts/me", headers=expert.headers).json()

    async def relabel(session):
        row = await session.get(ExpertVector, me["id"])
        row.model = "some-other-model"
        await session.commit()
        return await vectors_for(session, [me["id"]])

    assert env.db_run(relabel) == {}


def test_without_embeddings_nothing_is_announced(env, monkeypatch):
    from expertnet.core.models import OutboxEvent
    from expertnet.matching import embedder

    monkeypatch.setattr(embedder, "_disabled", True)
    env.member("expert")

    async def events(session):
        return (await session.execute(select(OutboxEvent).where(OutboxEvent.topic == VECTORS_TOPIC))).scalars().all()

    before = len(env.db_run(events))
    env.member("expert")
    assert len(env.db_run(events)) == before
