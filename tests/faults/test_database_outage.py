"""PostgreSQL stopped and started under a running worker and app: 503 with Retry-After during the
outage (pages, API, /health naming the database), the worker alive after it, nothing lost.

The server is a private one this test starts with initdb/pg_ctl on its own port, in its own
folder, as the postgres user: never the machine's shared server."""

import asyncio
import glob
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import pytest
from litestar.testing import TestClient

from expertnet.config import Settings
from expertnet.core.auth import COOKIE_NAME
from tests.conftest import TEST_SECRET, Env, _pg_admin, alembic_upgrade, run_async
from tests.faults.conftest import (
    LEASE_SECONDS,
    SmtpServer,
    expert_record,
    free_port,
    import_experts,
    member_ids,
    message_id,
    notify_each,
    outbox_state,
    wait_for,
)

# Timed scenarios with their own processes: one after another on one xdist worker.
pytestmark = pytest.mark.xdist_group("faults")

PG_BINS = sorted(glob.glob("/usr/lib/postgresql/*/bin"))


class PrivatePostgres:
    def __init__(self):
        self.root = Path(tempfile.mkdtemp(prefix="expertnet-faults-pg-", dir="/tmp"))
        os.chmod(self.root, 0o755)
        self.data = self.root / "data"
        self.port = free_port()
        self.bin = Path(PG_BINS[-1])
        shutil.chown(self.root, "postgres")

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        command = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=self.root)
        assert done.returncode == 0, f"{args[0]} failed: {done.stdout}\n{done.stderr}"
        return done

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "server.log"), "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}"

    def cleanup(self) -> None:
        subprocess.run(
            [
                "runuser",
                "-u",
                "postgres",
                "--",
                str(self.bin / "pg_ctl"),
                "-D",
                str(self.data),
                "-m",
                "immediate",
                "stop",
            ],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture
def private_pg():
    if not PG_BINS or not (os.geteuid() == 0 and shutil.which("runuser")):
        pytest.skip("needs PostgreSQL server binaries (/usr/lib/postgresql/*/bin) and root to run them as postgres")
    server = PrivatePostgres()
    try:
        server.init()
        server.start()
        run_async(_pg_admin(server.url + "/postgres", 'CREATE DATABASE "expertnet"'))
        alembic_upgrade(server.url + "/expertnet")
        yield server
    finally:
        server.cleanup()


async def test_postgres_stopped_and_started_503_during_worker_alive_after_nothing_lost(private_pg, workers, tmp_path):
    from expertnet.app import create_app

    data_dir = tmp_path / "data"
    data_dir.mkdir()
    base = Settings(
        env="test",
        data_dir=data_dir,
        database_url=private_pg.url + "/expertnet",
        secret_key=TEST_SECRET,
        inline_worker=False,
        background_jobs=False,
        embeddings=False,
        outbox_lease_seconds=LEASE_SECONDS,
        base_url="https://desk.example.org",
    )
    with SmtpServer() as smtp:
        settings = replace(base, smtp_host="127.0.0.1", smtp_port=smtp.port)
        worker = workers(settings)
        with TestClient(
            create_app(settings), base_url="https://testserver.local", raise_server_exceptions=False
        ) as client:
            env = await asyncio.to_thread(Env, settings, client)
            official = await asyncio.to_thread(env.member, "le_official")
            assert client.get("/health").status_code == 200

            # Committed writes whose events the worker is working on when the database goes away.
            await import_experts(settings, [expert_record(i) for i in range(10)])
            await notify_each(settings, await member_ids(settings))
            await asyncio.to_thread(private_pg.stop)

            r = await asyncio.to_thread(client.get, "/health")
            assert r.status_code == 503 and r.headers["retry-after"], r.text
            assert r.json() == {
                "status": "unavailable",
                "database": "unavailable",
                "search": "ok",
                "detail": "database is not answering",
            }
            r = await asyncio.to_thread(client.get, "/api/v1/notifications", headers=official.headers)
            assert r.status_code == 503 and int(r.headers["retry-after"]) > 0, r.text
            assert "database is not available" in r.json()["detail"]
            client.cookies.set(COOKIE_NAME, official.token)
            r = await asyncio.to_thread(client.get, "/consultations", headers={"accept": "text/html"})
            assert r.status_code == 503 and r.headers["retry-after"], r.text[:500]
            assert "text/html" in r.headers["content-type"] and "database is not available" in r.text
            client.cookies.clear()

            async def met_the_outage_twice():  # a fixed sleep was too short on a loaded machine
                return worker.log().count("retrying in") >= 2

            assert await wait_for(met_the_outage_twice, timeout=60, interval=0.2), worker.log()
            assert worker.alive, worker.log()

            await asyncio.to_thread(private_pg.start)

            async def healthy():
                return (await asyncio.to_thread(client.get, "/health")).status_code == 200

            assert await wait_for(healthy, timeout=20, interval=0.2)

            async def all_delivered():
                state = await outbox_state(settings)
                return state["pending"] == 0 and all(at is not None for at in state["emailed"].values()) and state

            state = await wait_for(all_delivered, timeout=30, interval=0.2)
            assert state, f"not delivered after the restart\n{worker.log()}"
            assert worker.alive and "retrying in" in worker.log(), worker.log()

            # Nothing lost: every notification of the committed events exists and was e-mailed once
            # (a mail accepted just as the database went away may come a second time, same Message-ID).
            assert len(state["emailed"]) >= 10  # the ten experts' notices (and the official's approval, if any)
            received = smtp.inbox.by_message_id()
            assert sorted(received) == sorted(message_id(i) for i in state["emailed"])
            assert sum(len(v) - 1 for v in received.values()) <= 1, {k: len(v) for k, v in received.items()}
            # And the desk works again, pages and API.
            r = await asyncio.to_thread(client.get, "/api/v1/notifications", headers=official.headers)
            assert r.status_code == 200, r.text
            started = time.monotonic()
            before = len(received)
            await notify_each(settings, [official.id])

            async def delivered_again():
                return (await outbox_state(settings))["pending"] == 0 and len(smtp.inbox.by_message_id()) == before + 1

            assert await wait_for(delivered_again, timeout=20), worker.log()
            assert time.monotonic() - started < 10
