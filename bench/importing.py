"""Import through the user's path, timed from outside: `expertnet experts import FILE` runs in its
own process while this one (in the stack's environment) watches the search index and the vector
table. The import figure ends when every expert is in the index and a sample of them is found by
a word search (validated, written, lexically searchable); the interpreter's start-up, measured
apart, is reported beside it and not counted in the rate.
"""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import inspect, text

from expertnet.config import get_settings
from expertnet.db import Database
from expertnet.search import SearchQuery
from expertnet.search.indexer import EXPERTS, get_search

BIN = Path(sys.executable).parent
POLL_SECONDS = 0.1
VECTOR_STALL_SECONDS = 60


def startup_seconds() -> float:
    """What a command pays before it imports anything: interpreter + the `expertnet` modules."""
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import expertnet.cli"], check=True)
    return time.perf_counter() - t0


async def _vector_table(db: Database) -> bool:
    async with db.engine.connect() as conn:
        return await conn.run_sync(lambda c: inspect(c).has_table("expert_vectors"))


async def _vector_count(db: Database) -> int:
    async with db.sessionmaker() as session:
        return int((await session.execute(text("SELECT count(*) FROM expert_vectors"))).scalar_one())


def _lexical_sample(records: list[dict], k: int = 25) -> tuple[int, int]:
    """How many of k random experts a search for their name + a specialty word finds (top 20)."""
    search = get_search(get_settings()).backend
    rng = random.Random(5)
    found = 0
    sample = rng.sample(records, min(k, len(records)))
    for record in sample:
        words = [record["full_name"], *(record["specialties"][:1])]
        result = search.search(EXPERTS, SearchQuery(text=" ".join(words), system=True, limit=20, highlight=False))
        if any(h.document.get("external_id") == record["external_id"] for h in result.hits):
            found += 1
    return found, len(sample)


async def measure(path: Path, records: list[dict], log) -> dict:
    n = len(records)
    settings = get_settings()
    db = Database(settings)
    backend = get_search(settings).backend
    has_vectors = await _vector_table(db)
    startup = startup_seconds()
    env = dict(os.environ)
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [str(BIN / "expertnet"), "experts", "import", str(path)], env=env, stdout=subprocess.PIPE, text=True
    )
    t_index = t_exit = None
    last_log = t0
    vec = _VectorWatch(db, n) if has_vectors else None
    while True:
        now = time.perf_counter()
        if t_exit is None and proc.poll() is not None:
            t_exit = now
        if vec is not None:
            await vec.poll(now)
        count = backend.count(EXPERTS)
        if count >= n and t_index is None:
            t_index = now
        if t_index is not None and t_exit is not None:
            break
        if t_exit is not None and t_index is None and now - t_exit > 30:
            break  # the command ended but the experts never all reached the index
        if now - last_log > 5:
            log(f"import: {count:,}/{n:,} in the index after {now - t0:.0f} s")
            last_log = now
        await asyncio.sleep(POLL_SECONDS)
    out = proc.stdout.read().strip() if proc.stdout else ""
    result: dict = {
        "experts": n,
        "exit_status": proc.returncode,
        "command_output": out[-300:],
        "startup_seconds": round(startup, 2),
        "command_seconds": round(t_exit - t0, 2),
    }
    if proc.returncode != 0 or t_index is None:
        result["error"] = f"import exited {proc.returncode}; {backend.count(EXPERTS)} of {n} experts in the index"
        await db.dispose()
        return result
    found, sample = _lexical_sample(records)
    searchable = t_index - t0
    result.update(
        {
            "searchable_seconds": round(searchable, 2),
            "experts_per_second": round(n / max(searchable - startup, 1e-6)),
            "experts_per_second_incl_startup": round(n / searchable),
            "lexical_sample_found": f"{found}/{sample}",
        }
    )
    if found < sample:
        result["error"] = f"only {found} of {sample} sampled experts found by a search for their name"
    if vec is not None:
        await vec.poll(time.perf_counter(), force=True)
    result["vectors"] = (
        await _vectors(db, n, vec, log)
        if has_vectors
        else {"skipped": "no expert_vectors table in this code (no stored profile vectors)"}
    )
    await db.dispose()
    return result


class _VectorWatch:
    """The vector count while the import command runs (every 0.5 s): when the first and the last
    vectors appeared, if the command computes them itself."""

    def __init__(self, db: Database, n: int) -> None:
        self.db, self.n = db, n
        self.count = 0
        self.last_poll = self.last_zero = self.done_at = None

    async def poll(self, now: float, force: bool = False) -> None:
        if self.done_at is not None or (not force and self.last_poll is not None and now - self.last_poll < 0.5):
            return
        self.last_poll = now
        self.count = await _vector_count(self.db)
        if self.count == 0:
            self.last_zero = now
        elif self.count >= self.n:
            self.done_at = now


async def _vectors(db: Database, n: int, watch: _VectorWatch, log) -> dict:
    """Vectors the import command computed itself are timed from the last poll that saw none to
    the first that saw all; those left after it are filled by `expertnet worker`, timed over the
    worker's run (its start-up included)."""
    done = await _vector_count(db)
    if done >= n and watch.done_at is not None:
        elapsed = watch.done_at - (watch.last_zero or watch.done_at)
        return {
            "filled_by": "the import command",
            "vectors": done,
            "of": n,
            "seconds": round(elapsed, 2),
            "experts_per_second": round(n / elapsed) if elapsed > 0 else None,
            "complete": True,
            "note": "the import command computed every vector before it returned (resolution 0.5 s)",
        }
    proc = subprocess.Popen(
        [str(BIN / "expertnet"), "worker"], env=dict(os.environ), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        start_count, t0 = done, time.perf_counter()
        last_change, last, last_log = t0, done, t0
        while done < n:
            await asyncio.sleep(0.5)
            done = await _vector_count(db)
            now = time.perf_counter()
            if done != last:
                last, last_change = done, now
            if now - last_change > VECTOR_STALL_SECONDS:
                break
            if now - last_log > 5:
                log(f"vectors: {done:,}/{n:,} after {now - t0:.0f} s")
                last_log = now
        elapsed = last_change - t0
        filled = done - start_count
        return {
            "filled_by": "expertnet worker",
            "vectors": done,
            "of": n,
            "seconds": round(elapsed, 2),
            "experts_per_second": round(filled / elapsed) if elapsed > 0 else None,
            "complete": done >= n,
        }
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
