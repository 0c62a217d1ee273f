"""New SQLite connections never fail with "database is locked" while others open or write (CI saw
`PRAGMA journal_mode=WAL` fail on a connection opened while the outbox drainer held the database)."""

import asyncio
import sqlite3
import threading

from sqlalchemy import text

from expertnet.config import Settings
from expertnet.db import Database


def test_connections_opened_together_on_a_fresh_file_all_succeed(tmp_path):
    path = tmp_path / "fresh.db"
    sqlite3.connect(path).close()  # a file in SQLite's default (rollback journal) mode
    settings = Settings(database_url=f"sqlite+aiosqlite:///{path.as_posix()}", data_dir=tmp_path)
    writer = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    writer.execute("CREATE TABLE t (n INTEGER)")
    errors: list[BaseException] = []
    start = threading.Barrier(12)

    def open_and_write(n: int) -> None:
        async def go():
            db = Database(settings)
            try:
                async with db.session() as session:
                    await session.execute(text("INSERT INTO t VALUES (:n)"), {"n": n})
            finally:
                await db.dispose()

        try:
            start.wait()
            asyncio.run(go())
        except BaseException as e:  # noqa: BLE001 - collected and asserted below
            errors.append(e)

    def hold_writes() -> None:
        start.wait()
        for _ in range(20):
            writer.execute("BEGIN IMMEDIATE")
            writer.execute("INSERT INTO t VALUES (-1)")
            writer.execute("COMMIT")

    threads = [threading.Thread(target=open_and_write, args=(n,)) for n in range(11)]
    threads.append(threading.Thread(target=hold_writes))
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    check = sqlite3.connect(path)
    assert check.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert check.execute("SELECT count(*) FROM t WHERE n >= 0").fetchone()[0] == 11
