"""Reads on SQLite do not queue behind writers (issue 13).

Every transaction used to begin with ``BEGIN IMMEDIATE``, reads included -- the principal lookup
that authentication does on every request too -- so one writer holding SQLite's write lock made
every other request wait for it. Read-only work now begins a deferred transaction (WAL lets it
read beside a writer); work that writes still takes the lock at ``BEGIN``.
"""

import sqlite3
import threading

import pytest
from sqlalchemy import text

from expertnet.db import Database
from tests.conftest import run_async


def _hold_write_lock(settings):
    path = settings.database_url.split("///", 1)[1]
    con = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    con.execute("BEGIN IMMEDIATE")
    return con


def _get_within(client, url, headers, seconds: float):
    box: dict = {}

    def go():
        box["response"] = client.get(url, headers=headers)

    worker = threading.Thread(target=go, daemon=True)
    worker.start()
    worker.join(seconds)
    return box.get("response"), worker


@pytest.mark.parametrize("db_kind", ["sqlite"], indirect=True)
@pytest.mark.parametrize("url", ["/api/v1/me", "/api/v1/experts/search?q=coins", "/health"])
def test_reads_answer_while_a_writer_holds_the_lock(env, url):
    official = env.member("le_official")
    # once before: the first search loads the embedding model, which on a loaded machine alone
    # can take longer than the window below; what is measured here is the lock, not the warm-up
    assert env.client.get(url, headers=official.headers).status_code == 200
    con = _hold_write_lock(env.settings)
    try:
        response, worker = _get_within(env.client, url, official.headers, 5.0)
        assert response is not None, f"GET {url} waited for the write lock"
        assert response.status_code == 200, response.text
    finally:
        con.rollback()
        con.close()
    worker.join(35)


def test_a_read_only_unit_of_work_refuses_to_write(settings):
    async def go():
        db = Database(settings)
        try:
            async with db.read_session() as session:
                await session.execute(text("SELECT 1"))
                with pytest.raises(Exception, match="read-only"):
                    await session.execute(text("UPDATE members SET full_name = full_name WHERE id = -1"))
        finally:
            await db.dispose()

    run_async(go())
