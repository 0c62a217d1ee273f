"""The outbox under a Meilisearch that is stopped and started: a change made while the engine is
down is committed, waits in the outbox, and is searchable after the engine returns.

Runs against a private Meilisearch of its own (scripts/meili.sh), since it stops the server.
"""

import time
from dataclasses import replace

import pytest

from expertnet.core.auth import COOKIE_NAME
from tests.search import meili


@pytest.fixture
def engine(tmp_path_factory):
    server = meili.private_meili(tmp_path_factory)
    yield server
    server.stop()


@pytest.fixture
def settings(settings, engine):
    return replace(settings, meili_url=engine.url, meili_key=engine.key, meili_index_prefix=meili.unique_prefix())


def _admin_health(env) -> dict:
    """/health as an administrator signed in on the pages: with the backlog and the index state."""
    env.client.cookies.set(COOKIE_NAME, env.admin.token)
    try:
        return env.client.get("/health").json()["details"]
    finally:
        env.client.cookies.clear()


def _search(env, user, q):
    r = env.client.get("/api/v1/experts/search", params={"q": q}, headers=user.headers)
    assert r.status_code == 200, r.text
    return [item["external_id"] for item in r.json()["items"]]


def test_a_change_made_while_the_engine_is_down_is_searchable_after_it_returns(env, cli, engine, settings, monkeypatch):
    official = env.member("le_official")
    expert = env.member("expert", expert={"specialties": ["Roman Imperial coinage"]})
    profile = env.client.get("/api/v1/experts/me", headers=expert.headers).json()
    assert _search(env, official, "Imperial") == [profile["external_id"]]

    engine.stop()
    r = env.client.put(
        "/api/v1/experts/me",
        json={"version": profile["version"], "specialties": ["Gandharan Buddhist sculpture"]},
        headers=expert.headers,
    )
    assert r.status_code == 200, r.text  # the change is committed; its index event waits in the outbox
    r = env.client.get("/health")
    assert r.status_code == 503 and r.json()["search"] == "unavailable", r.text
    health = _admin_health(env)
    assert health["search"]["ok"] is False, health
    assert health["outbox"]["pending"] >= 1 and health["outbox"]["failing"] >= 1, health

    engine.start()  # same port, key and data directory
    meili.cli_env(monkeypatch, settings)
    deadline = time.monotonic() + 60
    while True:  # the failed event is due again after its back-off; the worker picks it up
        result = cli("worker", "--once")
        assert result.exit_code == 0, result.output
        if _search(env, official, "Gandharan") == [profile["external_id"]]:
            break
        assert time.monotonic() < deadline, _admin_health(env)
        time.sleep(0.5)
    assert _search(env, official, "Imperial") == []  # the old text is gone from the index too
    assert _admin_health(env)["outbox"]["pending"] == 0
