"""/health per part: 503 naming the search engine when it does not answer, nothing internal for
anyone; a bug in a query stays a 500 (it is not a database outage)."""

import pytest
from litestar.testing import TestClient

from expertnet.search import AsyncSearch
from expertnet.search.meili_backend import MeiliBackend
from tests.faults.conftest import free_port

# Timed scenarios with their own processes: one after another on one xdist worker.
pytestmark = pytest.mark.xdist_group("faults")


def test_health_names_the_search_engine_when_it_does_not_answer(fault_settings):
    from expertnet.app import create_app

    app = create_app(fault_settings)
    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    app.state.search = AsyncSearch(MeiliBackend(dead, "some-key"))
    with TestClient(app, base_url="https://testserver.local", raise_server_exceptions=False) as client:
        r = client.get("/health")
    assert r.status_code == 503 and r.headers["retry-after"]
    assert r.json() == {
        "status": "unavailable",
        "database": "ok",
        "search": "unavailable",
        "detail": "search is not answering",
    }
    assert "127.0.0.1" not in r.text and "some-key" not in r.text


def test_a_broken_query_is_a_500_not_a_database_outage(fault_settings):
    from litestar import get

    from expertnet.app import create_app
    from expertnet.core.auth import PUBLIC, access
    from sqlalchemy import text

    @get("/broken", opt=access(PUBLIC))
    async def broken(db_session: object) -> dict:
        await db_session.execute(text("SELECT * FROM no_such_table"))
        return {}

    app = create_app(fault_settings)
    app.register(broken)
    with TestClient(app, base_url="https://testserver.local", raise_server_exceptions=False) as client:
        r = client.get("/broken")
    assert r.status_code == 500 and "retry-after" not in r.headers
