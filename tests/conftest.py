"""Test harness: every test starts on an empty database built by the real Alembic migrations.

SQLite always; PostgreSQL too when EXPERTNET_TEST_POSTGRES_URL is set (`.ci/run` sets it).
Migrations run once per session and per xdist worker: SQLite tests get a copy of a migrated file;
on PostgreSQL each worker migrates its own database on the shared server and every test empties
it (TRUNCATE ... RESTART IDENTITY) before it starts. Passwords are hashed with the cheap "test"
profile (EXPERTNET_ENV=test only). Rows that a test is not about come from tests/factories.py.
"""

import asyncio
import concurrent.futures
import itertools
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from litestar.testing import TestClient

from expertnet.config import Settings
from expertnet.db import Database

ROOT = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get("EXPERTNET_TEST_POSTGRES_URL", "").strip()
TEST_SECRET = "test-secret-" + "x" * 40
_counter = itertools.count()


def run_async(coro):
    """Run a coroutine to completion from sync code, even if a loop is running in this thread."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def alembic_upgrade(database_url: str) -> None:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.attributes["database_url"] = database_url
    run_async(asyncio.to_thread(command.upgrade, cfg, "head"))


def _pg_async_url(url: str) -> str:
    return "postgresql+asyncpg://" + url.split("://", 1)[1]


def _pg_with_db(url: str, name: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


async def _pg_admin(url: str, *statements: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "expertnet.db"
    alembic_upgrade(f"sqlite+aiosqlite:///{path}")
    return path


WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
_DB_PREFIX = "expertnet_w_"


@pytest.fixture(scope="session")
def pg_template() -> str:
    """A migrated PostgreSQL database to clone (CREATE DATABASE ... TEMPLATE) for a test that needs
    a database of its own; most tests share this worker's `pg_database` instead."""
    if not PG_URL:
        pytest.skip("PostgreSQL leg skipped: EXPERTNET_TEST_POSTGRES_URL is not set")
    name = f"{_DB_PREFIX}{WORKER}_{os.getpid()}_tpl"
    run_async(_pg_admin(PG_URL, f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"'))
    alembic_upgrade(_pg_async_url(_pg_with_db(PG_URL, name)))
    yield name
    run_async(_pg_admin(PG_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@dataclass
class PgDatabase:
    name: str
    url: str  # postgresql+asyncpg://... for Settings
    tables: list[str]
    sequences: list[str]

    def empty(self) -> None:
        """Delete every row but alembic_version's and restart the id sequences, so the test sees a
        database as the migrations left it. With triggers off for this session (superuser: the
        audit log's append-only guard and the foreign-key checks) DELETE takes milliseconds where
        TRUNCATE takes a good fraction of a second; without that right, TRUNCATE it is. A
        connection an earlier test left holding a lock is ended rather than waited for: this
        database is this worker's alone."""
        run_async(_pg_empty(_pg_with_db(PG_URL, self.name), self.tables, self.sequences))


async def _pg_empty(url: str, tables: list[str], sequences: list[str]) -> None:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        await conn.execute("SET lock_timeout = '5s'")
        try:
            await conn.execute("SET session_replication_role = replica")
            statements = [f'DELETE FROM "{t}"' for t in tables] + [f'ALTER SEQUENCE "{q}" RESTART' for q in sequences]
        except asyncpg.exceptions.InsufficientPrivilegeError:
            statements = ["TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"]
        script = "BEGIN; " + "; ".join(statements) + "; COMMIT"
        try:
            await conn.execute(script)
        except asyncpg.exceptions.LockNotAvailableError:
            await conn.execute("ROLLBACK")
            await conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            await conn.execute(script)
    finally:
        await conn.close()


async def _pg_schema(url: str) -> tuple[list[str], list[str]]:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        tables = await conn.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version' ORDER BY 1"
        )
        sequences = await conn.fetch("SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1")
        return [r["tablename"] for r in tables], [r["sequencename"] for r in sequences]
    finally:
        await conn.close()


async def _pg_drop_orphans(url: str) -> None:
    """Drop databases left by an earlier run of this harness that was killed (its process is gone)."""
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        for row in await conn.fetch("SELECT datname FROM pg_database WHERE datname LIKE 'expertnet\\_w\\_%'"):
            parts = row["datname"][len(_DB_PREFIX) :].split("_")
            if len(parts) >= 2 and parts[1].isdigit() and not Path(f"/proc/{parts[1]}").exists():
                try:
                    await conn.execute(f'DROP DATABASE IF EXISTS "{row["datname"]}"')
                except asyncpg.PostgresError:
                    pass  # someone is connected after all: leave it
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def pg_database() -> PgDatabase:
    """This worker's PostgreSQL database on the shared server: created and migrated once, emptied
    before each test that uses it, dropped at the end of the session."""
    if not PG_URL:
        pytest.skip("PostgreSQL leg skipped: EXPERTNET_TEST_POSTGRES_URL is not set")
    run_async(_pg_drop_orphans(PG_URL))
    name = f"{_DB_PREFIX}{WORKER}_{os.getpid()}"
    run_async(_pg_admin(PG_URL, f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"'))
    url = _pg_async_url(_pg_with_db(PG_URL, name))
    alembic_upgrade(url)
    yield PgDatabase(name, url, *run_async(_pg_schema(_pg_with_db(PG_URL, name))))
    run_async(_pg_admin(PG_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _xdist_group(item) -> str | None:
    """Tests that share a module-scoped fixture (a live server, a browser, a loaded index, seeded
    demo data) run on one xdist worker, so that the fixture is built once."""
    defs = getattr(getattr(item, "_fixtureinfo", None), "name2fixturedefs", {}) or {}
    for fixturedefs in defs.values():
        if any(d.scope in ("module", "package", "class") for d in fixturedefs):
            return item.module.__name__ if item.module is not None else None
    return None


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "db_kind" in getattr(item, "fixturenames", ()) and "[postgresql" in item.nodeid:
            item.add_marker(pytest.mark.postgresql)
        group = _xdist_group(item)
        if group and item.get_closest_marker("xdist_group") is None:
            item.add_marker(pytest.mark.xdist_group(group))
    if os.environ.get("PYTEST_XDIST_WORKER"):
        # The browser journeys are the longest unit that cannot be split: start them first, so the
        # other worker is not left idle at the end (every worker sorts alike, as xdist requires).
        items.sort(key=lambda item: item.get_closest_marker("browser") is None)


def _legs() -> list[str]:
    import shutil

    meili = os.environ.get("EXPERTNET_MEILI_URL", "").strip()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    return [
        "PostgreSQL leg: " + ("ON" if PG_URL else "SKIPPED (set EXPERTNET_TEST_POSTGRES_URL to run it)"),
        "Meilisearch leg: "
        + ("ON" if meili else "SKIPPED (set EXPERTNET_MEILI_URL, e.g. with `docker compose up -d meilisearch`)"),
        "Browser tests: "
        + ("ON (" + chromium + ")" if chromium else "SKIPPED (no chromium found; `apt-get install chromium`)"),
    ]


def pytest_report_header(config):
    return _legs()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    terminalreporter.section("expertnet test legs")
    for line in _legs():
        terminalreporter.write_line(line)


def pytest_configure(config):
    config.addinivalue_line("markers", "postgresql: runs against PostgreSQL")
    config.addinivalue_line("markers", "browser: drives a real Chromium")


@pytest.fixture(params=["sqlite", "postgresql"])
def db_kind(request) -> str:
    if request.param == "postgresql" and not PG_URL:
        pytest.skip("PostgreSQL leg skipped: EXPERTNET_TEST_POSTGRES_URL is not set")
    return request.param


@pytest.fixture
def settings(db_kind, tmp_path, request) -> Settings:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    if db_kind == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        shutil.copy(template, data_dir / "expertnet.db")
        url = f"sqlite+aiosqlite:///{data_dir / 'expertnet.db'}"
    else:
        database = request.getfixturevalue("pg_database")
        database.empty()
        url = database.url
    return Settings(
        env="test",
        data_dir=data_dir,
        database_url=url,
        secret_key=TEST_SECRET,
        inline_worker=True,
        background_jobs=False,
        password_hash_profile="test",
        register_max_per_ip=100_000,  # tests register many members from the test client's one address
    )


class SettlingClient(TestClient):
    """The TestClient, but each request returns once the app's background outbox drain (the
    embedded worker, app.Drainer) has handled what the request committed: tests read their writes
    (search index, notifications) as a user does a moment later. The request itself never waits
    for it (tests/faults proves that)."""

    def send(self, *args, **kwargs):
        response = super().send(*args, **kwargs)
        drainer = getattr(self.app.state, "drainer", None)
        portal = getattr(self, "blocking_portal", None)
        if drainer is not None and portal is not None:
            portal.call(drainer.settle)
        return response


@dataclass
class User:
    id: int
    email: str
    password: str
    role: str
    token: str = ""
    refresh: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"}


class Env:
    """A running app on a fresh database, with helpers that act through the public API."""

    def __init__(self, settings: Settings, client: TestClient):
        self.settings = settings
        self.client = client
        self._admin: User | None = None

    def db_run(self, fn):
        """Run `await fn(session)` in its own unit of work (committed) and return its result."""

        async def go():
            db = Database(self.settings)
            try:
                async with db.session() as session:
                    return await fn(session)
            finally:
                await db.dispose()

        return run_async(go())

    def login(self, email: str, password: str) -> dict:
        r = self.client.post("/api/v1/auth/login", json={"email": email, "password": password})
        assert r.status_code == 200, r.text
        return r.json()

    @property
    def admin(self) -> User:
        """The test administrator (made by tests/factories.py, as `expertnet create-admin` would)."""
        if self._admin is None:
            from tests import factories

            self._admin = factories.admin(self)
        return self._admin

    def register(self, role: str = "le_official", confirm: bool = True, **overrides) -> User:
        """Apply over HTTP and sign in. `confirm`: the address counts as confirmed (as if the
        applicant had opened the e-mailed link; tests/members/test_joining.py opens it for real)."""
        from tests import factories

        body = factories.registration(role, **overrides)
        r = self.client.post("/api/v1/auth/register", json=body)
        assert r.status_code == 202, r.text
        if confirm:
            factories.confirm_email(self, body["email"])
        tokens = self.login(body["email"], body["password"])
        out = self.client.get("/api/v1/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}).json()
        return User(
            out["id"], body["email"], body["password"], role, tokens["access_token"], tokens["refresh_token"], out
        )

    def approve(self, user: User, **body) -> dict:
        r = self.client.post(f"/api/v1/admin/members/{user.id}/approve", json=body, headers=self.admin.headers)
        assert r.status_code == 200, r.text
        return r.json()

    def member(self, role: str = "le_official", **overrides) -> User:
        """A registered and approved member, made by tests/factories.py (no HTTP, no login);
        tests about registration or vetting use `register` and `approve`, which go over HTTP."""
        from tests import factories

        return factories.member(self, role, **overrides)


@pytest.fixture
def env(settings) -> Env:
    from expertnet.app import create_app

    app = create_app(settings)
    with SettlingClient(app, base_url="https://testserver.local", raise_server_exceptions=False) as client:
        yield Env(settings, client)


@pytest.fixture
def cli(settings, monkeypatch):
    """Run `expertnet ...` in-process against the test's database and data directory."""
    from click.testing import CliRunner

    from expertnet.cli import main
    from expertnet.config import get_settings

    monkeypatch.setenv("EXPERTNET_ENV", "test")
    monkeypatch.setenv("EXPERTNET_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("EXPERTNET_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("EXPERTNET_SECRET_KEY", settings.secret_key)
    monkeypatch.setenv("EXPERTNET_PASSWORD_HASH_PROFILE", settings.password_hash_profile)
    monkeypatch.delenv("EXPERTNET_MEILI_URL", raising=False)
    get_settings.cache_clear()
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None):
        return runner.invoke(main, list(args), input=input, catch_exceptions=False)

    yield invoke
    get_settings.cache_clear()
