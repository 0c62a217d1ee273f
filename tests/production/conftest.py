"""The production shape, as separate processes: PostgreSQL + Meilisearch + app processes + a worker.

The database is a private one on the PostgreSQL server CI runs (EXPERTNET_TEST_POSTGRES_URL),
created for the module and dropped afterwards; the indexes live under a private prefix on the
Meilisearch server CI started (EXPERTNET_MEILI_URL). Every process is started here and stopped by
its own process id.
"""

import asyncio
import concurrent.futures
import os
import secrets
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest

from tests.search import meili

EXPERTNET = str(Path(sys.executable).with_name("expertnet"))
PG_URL = os.environ.get("EXPERTNET_TEST_POSTGRES_URL", "").strip()


def _pg(*statements: str) -> None:
    """Run statements on the PostgreSQL server CI names (its maintenance database), as its role."""
    import asyncpg

    async def go():
        conn = await asyncpg.connect(PG_URL.replace("postgresql+asyncpg://", "postgresql://"), timeout=10)
        try:
            for statement in statements:
                await conn.execute(statement)
        finally:
            await conn.close()

    with concurrent.futures.ThreadPoolExecutor(1) as pool:  # also from a test that runs a loop
        pool.submit(asyncio.run, go()).result()


def _with_db(url: str, name: str) -> str:
    return "postgresql+asyncpg://" + url.split("://", 1)[1].rpartition("/")[0] + "/" + name


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Processes:
    """Processes started by a test, each logging to its own file, stopped by pid at the end."""

    def __init__(self, log_dir: Path, env: dict):
        self.log_dir = log_dir
        self.env = env
        self.started: list[tuple[str, subprocess.Popen, Path]] = []

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        out = subprocess.run([EXPERTNET, *args], env=self.env, capture_output=True, text=True, timeout=300)
        if check:
            assert out.returncode == 0, f"expertnet {' '.join(args)}: {out.stdout}\n{out.stderr}"
        return out

    def start(self, name: str, *args: str, env: dict | None = None) -> subprocess.Popen:
        log = self.log_dir / f"{name}.log"
        with log.open("wb") as fh:
            proc = subprocess.Popen([EXPERTNET, *args], env=env or self.env, stdout=fh, stderr=subprocess.STDOUT)
        self.started.append((name, proc, log))
        return proc

    def log(self, name: str) -> str:
        return next(log for n, _, log in self.started if n == name).read_text(errors="replace")

    def wait_for_log(self, name: str, text: str, timeout: float = 60) -> None:
        proc = next(p for n, p, _ in self.started if n == name)
        deadline = time.monotonic() + timeout
        while text not in self.log(name):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"{name} never logged {text!r}:\n{self.log(name)}")
            time.sleep(0.1)

    def app(self, name: str, env: dict | None = None) -> str:
        """`expertnet run` on a free port; returns its base URL once /health answers."""
        port = free_port()
        proc = self.start(name, "run", "--host", "127.0.0.1", "--port", str(port), env=env)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise AssertionError(f"{name} exited ({proc.returncode}):\n{self.log(name)}")
            try:
                if httpx.get(base + "/health", timeout=2).status_code == 200:
                    return base
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"{name} did not answer /health within 60 s:\n{self.log(name)}")

    def stop_all(self) -> None:
        for _, proc, _ in reversed(self.started):
            if proc.poll() is None:
                proc.terminate()
        for _, proc, _ in self.started:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)


def _pg_reachable() -> bool:
    try:
        _pg("SELECT 1")
        return True
    except Exception:  # noqa: BLE001 - any failure means: no server to test against
        return False


@pytest.fixture(scope="module")
def postgres_url():
    if not PG_URL:
        pytest.skip(
            "production-shape test skipped: PostgreSQL missing (set EXPERTNET_TEST_POSTGRES_URL; `bash .ci/run` does)"
        )
    if not _pg_reachable():
        pytest.skip(f"production-shape test skipped: PostgreSQL at {PG_URL} does not answer")
    name = f"expertnet_prod_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    _pg(f'CREATE DATABASE "{name}"')
    yield _with_db(PG_URL, name)
    _pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def meili_server():
    if meili.server() is None:
        pytest.skip(
            "production-shape test skipped: Meilisearch missing (set EXPERTNET_MEILI_URL; "
            "`bash .ci/run` and `make test-meili` start one with scripts/meili.sh)"
        )
    url, key = meili.server()
    prefix = meili.unique_prefix()
    yield url, key, prefix
    meili.drop_prefix(url, key, prefix)


@pytest.fixture(scope="module")
def production_env(postgres_url, meili_server, tmp_path_factory) -> dict:
    url, key, prefix = meili_server
    data = tmp_path_factory.mktemp("prod-data")  # the shared upload store
    env = {k: v for k, v in os.environ.items() if not k.startswith("EXPERTNET_")}
    env.update(
        {
            "EXPERTNET_ENV": "production",
            "EXPERTNET_SECRET_KEY": secrets.token_urlsafe(48),
            "EXPERTNET_AUDIT_KEY": secrets.token_urlsafe(48),
            "EXPERTNET_DATABASE_URL": postgres_url,
            "EXPERTNET_MEILI_URL": url,
            "EXPERTNET_MEILI_KEY": key or "",
            "EXPERTNET_MEILI_INDEX_PREFIX": prefix,
            "EXPERTNET_DATA_DIR": str(data),
            # Admins log in with a password only here: TOTP enrolment is tested elsewhere.
            "EXPERTNET_REQUIRE_ADMIN_TOTP": "false",
            "EXPERTNET_EMBEDDINGS": os.environ.get("EXPERTNET_EMBEDDINGS", "true"),
        }
    )
    return env


@pytest.fixture(scope="module")
def stack(production_env, meili_server, tmp_path_factory):
    """Migrated database, an admin, two app processes (A, B) and one worker."""
    procs = Processes(tmp_path_factory.mktemp("prod-logs"), production_env)
    try:
        procs.run("db", "upgrade")
        password = "production shape admin passphrase 1"
        procs.run(
            "users", "create-admin", "--email", "ops@prod.example", "--full-name", "Ops Admin", "--password", password
        )
        procs.start("worker", "worker")
        procs.wait_for_log("worker", " started")
        a = procs.app("app-a")
        b = procs.app("app-b")
        yield {"a": a, "b": b, "procs": procs, "admin": ("ops@prod.example", password), "meili": meili_server}
    finally:
        procs.stop_all()
