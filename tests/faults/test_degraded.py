"""Degraded modes through the user's path: a stalled SMTP server does not slow a submit; a full
upload disk answers 507 and leaves no temporary file; stale temporary files are swept at start-up;
`experts import` waits for its events held by another drainer, or says that indexing continues."""

import asyncio
import io
import json
import os
import subprocess
import time
from dataclasses import replace

import pytest
from litestar.testing import TestClient
from sqlalchemy import select, text, update

from expertnet.consultations.attachments import storage_dir
from expertnet.consultations.models import Attachment
from expertnet.core.models import OutboxEvent
from expertnet.db import Database, utcnow
from expertnet.search.indexer import index_experts
from tests.conftest import Env, SettlingClient
from tests.consultations.conftest import Desk
from tests.faults.conftest import EXPERTNET, StalledSmtp, expert_record, worker_env

# Timed scenarios with their own processes: one after another on one xdist worker.
pytestmark = pytest.mark.xdist_group("faults")

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 60_000 + b"\xff\xd9"
DRAFT = {
    "title": "Roman denarius seized at the border",
    "description": "Border police detained a silver Roman Imperial denarius of Trajan found in a car. Is it genuine?",
    "location_country": "RS",
    "object_origin_country": "IT",
    "languages": ["sr", "en"],
    "category": "numismatics",
}


def test_a_stalled_smtp_server_does_not_slow_a_submit(fault_settings):
    """Embedded default: the app drains its outbox in a background task; the request answers at once."""
    from expertnet.app import create_app

    with StalledSmtp() as stalled:
        settings = replace(fault_settings, smtp_host="127.0.0.1", smtp_port=stalled.port, inline_worker=True)
        with TestClient(
            create_app(settings), base_url="https://testserver.local", raise_server_exceptions=False
        ) as client:
            desk = Desk(Env(settings, client))
            official = desk.official()  # its approval already queued an e-mail the stalled server holds up
            timings = []
            # The first submit of a process loads the routing models (seconds, whatever the mail
            # server does): not timed. Its notifications queue behind the stalled server too.
            warm = desk.draft(official, **DRAFT)["id"]
            r = client.post(f"/api/v1/consultations/{warm}/submit", json={"offer_count": 3}, headers=official.headers)
            assert r.status_code == 200, r.text
            for _ in range(3):
                cid = desk.draft(official, **{k: v for k, v in DRAFT.items()})["id"]
                started = time.perf_counter()
                r = client.post(
                    f"/api/v1/consultations/{cid}/submit", json={"offer_count": 3}, headers=official.headers
                )
                timings.append(time.perf_counter() - started)
                assert r.status_code == 200, r.text
            assert max(timings) < 1.0, f"submit took {[round(t, 2) for t in timings]} s"
            print(f"\nfigure: submit with a stalled SMTP server: {[round(t, 3) for t in timings]} s")


@pytest.fixture
def app_env(fault_settings):
    from expertnet.app import create_app

    with SettlingClient(
        create_app(fault_settings), base_url="https://testserver.local", raise_server_exceptions=False
    ) as client:
        yield Env(fault_settings, client)


@pytest.fixture
def small_disk(fault_settings):
    """A 256 KiB tmpfs as the upload directory: a real ENOSPC."""
    mount = fault_settings.upload_dir
    mount.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)], capture_output=True, text=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here (needs root): {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _upload(env, user, cid, content):
    return env.client.post(
        f"/api/v1/consultations/{cid}/attachments",
        files={"file": ("front.jpg", io.BytesIO(content), "image/jpeg")},
        headers=user.headers,
    )


def test_a_full_upload_disk_answers_507_and_leaves_no_temporary_file(app_env, small_disk):
    env = app_env
    desk = Desk(env)
    official = desk.official()
    cid = desk.draft(official, **DRAFT)["id"]
    store = storage_dir(env.settings)
    store.mkdir(parents=True, exist_ok=True)
    filler = small_disk / "filler"
    with open(filler, "wb", buffering=0) as fh:  # fill the disk but for a few KiB
        try:
            while True:
                fh.write(b"\0" * 4096)
        except OSError:
            pass
    os.truncate(filler, max(0, filler.stat().st_size - 16 * 1024))

    r = _upload(env, official, cid, JPEG)
    assert r.status_code == 507, r.text
    assert "full" in r.json()["detail"] and "nothing was saved" in r.json()["detail"]
    assert sorted(p.name for p in store.iterdir()) == []  # no .part file, no stored file

    async def rows(session):
        return list((await session.execute(select(Attachment))).scalars())

    assert env.db_run(rows) == []

    filler.unlink()  # space again: the same upload goes through
    r = _upload(env, official, cid, JPEG)
    assert r.status_code == 201, r.text
    [stored] = list(store.iterdir())
    assert not stored.name.endswith(".part") and stored.stat().st_size == len(JPEG)


def test_stale_temporary_upload_files_are_swept_at_start_up(fault_settings):
    from expertnet.app import create_app

    store = storage_dir(fault_settings)
    store.mkdir(parents=True)
    stale, fresh, kept = store / ".aaaa.part", store / ".bbbb.part", store / ("c" * 32)
    for path in (stale, fresh, kept):
        path.write_bytes(b"x")
    hour_ago = time.time() - 3600
    os.utime(stale, (hour_ago, hour_ago))
    os.utime(kept, (hour_ago, hour_ago))
    with TestClient(create_app(fault_settings), base_url="https://testserver.local"):
        pass
    assert not stale.exists()
    assert fresh.exists()  # may belong to an upload running in another process
    assert kept.exists()  # stored files are never swept


HOLDER = "another-host:4242"


async def _hold_import_events(settings) -> None:
    """Make every import event look claimed, the instant it is written, by a drainer elsewhere
    (a database trigger): the import's own drain cannot take them."""
    db = Database(settings)
    try:
        async with db.session() as session:
            if db.dialect == "sqlite":
                await session.execute(
                    text(f"""
                    CREATE TRIGGER hold_import AFTER INSERT ON outbox
                    WHEN NEW.topic = 'index.expert' AND NEW.key = 'import'
                    BEGIN UPDATE outbox SET claimed_by = '{HOLDER}',
                      available_at = strftime('%Y-%m-%d %H:%M:%f', 'now', '+1 hour') || '000' WHERE id = NEW.id; END""")
                )
            else:
                await session.execute(
                    text(f"""
                    CREATE OR REPLACE FUNCTION hold_import() RETURNS trigger AS $$ BEGIN
                      IF NEW.topic = 'index.expert' AND NEW.key = 'import' THEN
                        NEW.claimed_by := '{HOLDER}'; NEW.available_at := now() + interval '1 hour';
                      END IF; RETURN NEW; END $$ LANGUAGE plpgsql""")
                )
                await session.execute(
                    text(
                        "CREATE TRIGGER hold_import BEFORE INSERT ON outbox FOR EACH ROW EXECUTE FUNCTION hold_import()"
                    )
                )
    finally:
        await db.dispose()


async def _release_import_events(settings) -> None:
    """Drop the trigger again: the leg's database may be reused by the next test."""
    db = Database(settings)
    try:
        async with db.session() as session:
            if db.dialect == "sqlite":
                await session.execute(text("DROP TRIGGER IF EXISTS hold_import"))
            else:
                await session.execute(text("DROP TRIGGER IF EXISTS hold_import ON outbox"))
                await session.execute(text("DROP FUNCTION IF EXISTS hold_import()"))
    finally:
        await db.dispose()


@pytest.fixture
async def held_imports(fault_settings):
    await _hold_import_events(fault_settings)
    yield
    await _release_import_events(fault_settings)


async def _held(settings) -> list[OutboxEvent]:
    db = Database(settings)
    try:
        async with db.sessionmaker() as session:
            return list(
                (
                    await session.execute(
                        select(OutboxEvent).where(OutboxEvent.claimed_by == HOLDER, OutboxEvent.processed_at.is_(None))
                    )
                ).scalars()
            )
    finally:
        await db.dispose()


async def _run_import(settings, tmp_path, **extra):
    source = tmp_path / "experts.jsonl"
    source.write_text("\n".join(json.dumps(expert_record(i)) for i in range(5)) + "\n")
    return await asyncio.create_subprocess_exec(
        str(EXPERTNET),
        "experts",
        "import",
        str(source),
        env=worker_env(settings, **extra),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=tmp_path,
    )


async def test_import_waits_for_its_events_held_by_another_drainer(fault_settings, held_imports, tmp_path):
    settings = fault_settings
    proc = await _run_import(settings, tmp_path)
    deadline = time.monotonic() + 60
    while not (held := await _held(settings)):
        assert time.monotonic() < deadline and proc.returncode is None, "the import wrote no event"
        await asyncio.sleep(0.05)
    await asyncio.sleep(1.5)  # the other drainer is slow...
    assert proc.returncode is None, "the import returned while its experts were not indexed yet"
    await index_experts(Database(settings), held)  # ...then indexes them and marks them processed
    db = Database(settings)
    try:
        async with db.session() as session:
            await session.execute(
                update(OutboxEvent)
                .where(OutboxEvent.id.in_([e.id for e in held]))
                .values(processed_at=utcnow(), claimed_by="")
            )
    finally:
        await db.dispose()
    processed_at = time.monotonic()
    out, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0, err.decode()
    assert time.monotonic() >= processed_at
    assert "imported: 5 created" in out.decode()
    assert "indexing continues" not in err.decode()
    found = subprocess.run(
        [str(EXPERTNET), "search", "experts", "", "--json"],
        env=worker_env(settings),
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert len(found.stdout.splitlines()) == 5, found.stderr


async def test_import_says_indexing_continues_in_the_worker_when_its_events_stay_held(
    fault_settings, held_imports, tmp_path
):
    settings = fault_settings
    started = time.monotonic()
    proc = await _run_import(settings, tmp_path, IMPORT_WAIT_SECONDS=1)
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode()
    assert "imported: 5 created" in out.decode()
    message = err.decode()
    assert "indexing continues in the worker" in message and "1 of 1 index event(s)" in message, message
    assert time.monotonic() - started >= 1
