"""Freshness across processes: a change made by another process is seen by searches through the
app process A, which has no part in the write.

On PostgreSQL + Meilisearch the change goes through a second app process B, which only writes
the outbox, and an `expertnet worker` process indexes it. The embedded default serves one app
process (a second one refuses to start), so there the change is a re-import of the expert's line
by `expertnet experts import`, which commits and indexes it in its own process.

- searchable: after one change that is not counted (it may wait for a worker to start), the
  expert's specialty gets a new word; the clock runs until a search for that word through A finds them.
- facet counts: A first answers a text-less search (so a cache of its facet counts, if any, is
  warm); the writer adds a working language to the expert's profile; the clock runs until A's
  text-less search counts one more expert for that language (and, for the next sample, one fewer).
"""

from __future__ import annotations

import random
import string
import time

import httpx

from bench.http_load import Server
from bench.stats import load_average

POLL_SECONDS = 0.02
GIVE_UP_SECONDS = 10.0
SAMPLES = 5


def _wait(check, t0: float, give_up: float = GIVE_UP_SECONDS) -> float | None:
    while True:
        if check():
            return (time.perf_counter() - t0) * 1000
        if time.perf_counter() - t0 > give_up:
            return None
        time.sleep(POLL_SECONDS)


def _profile(client: httpx.Client, base: str, token: str) -> dict:
    r = client.get(base + "/api/v1/experts/me", headers={"Authorization": f"Bearer {token}"})
    r.raise_for_status()
    return r.json()


def _put(client: httpx.Client, base: str, token: str, body: dict) -> None:
    r = client.put(base + "/api/v1/experts/me", json=body, headers={"Authorization": f"Bearer {token}"})
    if r.status_code >= 300:
        raise RuntimeError(f"PUT /api/v1/experts/me answered {r.status_code}: {r.text[:200]}")


def _facet_count(client: httpx.Client, base: str, token: str, field: str, value: str) -> int:
    r = client.get(base + "/api/v1/experts/search", params={"limit": 1}, headers={"Authorization": f"Bearer {token}"})
    r.raise_for_status()
    for bucket in r.json()["facets"].get(field, []):
        if bucket["value"] == value:
            return int(bucket["count"])
    return 0


def _iso_seconds(duration: str | None) -> float | None:
    """Meilisearch's task duration ("PT0.123S") in seconds."""
    if not duration or not duration.startswith("PT") or not duration.endswith("S"):
        return None
    try:
        return float(duration[2:-1])
    except ValueError:
        return None


def meili_tasks(env: dict, since: str, limit: int = 40) -> dict | None:
    """The engine's side of the freshness figures: how long Meilisearch took over the document
    tasks enqueued since `since` (processing, and waiting in its queue)."""
    from datetime import datetime

    url, key = env.get("EXPERTNET_MEILI_URL"), env.get("EXPERTNET_MEILI_KEY")
    if not url:
        return None
    r = httpx.get(
        f"{url}/tasks",
        params={"limit": limit, "types": "documentAdditionOrUpdate", "afterEnqueuedAt": since},
        headers={"Authorization": f"Bearer {key}"},
        timeout=10,
    )
    r.raise_for_status()
    durations, waits = [], []
    for task in r.json().get("results", []):
        d = _iso_seconds(task.get("duration"))
        if d is not None:
            durations.append(d)
        if task.get("startedAt") and task.get("enqueuedAt"):
            started = datetime.fromisoformat(task["startedAt"].replace("Z", "+00:00"))
            enqueued = datetime.fromisoformat(task["enqueuedAt"].replace("Z", "+00:00"))
            waits.append((started - enqueued).total_seconds())
    if not durations:
        return {"tasks": 0}
    durations.sort()
    waits.sort()
    return {
        "tasks": len(durations),
        "processing_s_median": round(durations[len(durations) // 2], 3),
        "processing_s_max": round(durations[-1], 3),
        "queue_wait_s_max": round(waits[-1], 3) if waits else None,
    }


class HttpWriter:
    """Changes through app process B (PUT /api/v1/experts/me, signed in as the expert); the clock
    runs from just before the PUT."""

    def __init__(self, client: httpx.Client, b: Server, expert: dict, kind: str) -> None:
        self.client, self.b, self.kind = client, b, kind
        self.token = b.login(expert["email"], expert["password"])

    def profile(self) -> dict:
        return _profile(self.client, self.b.base, self.token)

    def change(self, profile: dict, changes: dict) -> float:
        t0 = time.perf_counter()
        _put(self.client, self.b.base, self.token, {"version": profile["version"], **changes})
        return t0

    def settle(self) -> None:
        pass


class ImportWriter:
    """Changes by `expertnet experts import` of the expert's one line in a process of its own (the
    embedded default serves one app process; commands run beside it). The clock runs from the
    commit, seen by polling the expert's version in the SQLite file, not from the command's
    start-up."""

    kind = "re-import by `expertnet experts import` (its own process)"

    def __init__(self, stack, record: dict) -> None:
        import sqlite3

        self.stack, self.record = stack, dict(record)
        self.path = stack.data_dir / "freshness.jsonl"
        self.db = sqlite3.connect(f"file:{stack.data_dir / 'expertnet.db'}?mode=ro", uri=True)
        self.proc = None

    def _version(self) -> int:
        row = self.db.execute(
            "SELECT version FROM experts WHERE external_id = ?", (self.record["external_id"],)
        ).fetchone()
        self.db.commit()  # end the read transaction: the next poll sees new commits
        return int(row[0])

    def profile(self) -> dict:
        return {**self.record, "version": self._version()}

    def change(self, profile: dict, changes: dict) -> float:
        import json
        import subprocess

        from bench.stacks import BIN, ROOT

        self.record.update(changes)
        self.path.write_text(json.dumps(self.record, ensure_ascii=False) + "\n", encoding="utf-8")
        self.proc = subprocess.Popen(
            [str(BIN / "expertnet"), "experts", "import", str(self.path)],
            env=self.stack.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.perf_counter() + 60
        while self._version() == profile["version"]:
            if self.proc.poll() is not None and self._version() == profile["version"]:
                raise RuntimeError(f"expertnet experts import changed nothing: {self.proc.stderr.read()[-300:]}")
            if time.perf_counter() > deadline:
                raise RuntimeError("expertnet experts import did not commit within 60 s")
            time.sleep(0.005)
        return time.perf_counter()

    def settle(self) -> None:
        if self.proc is not None:
            self.proc.wait(120)


def measure(a: Server, official_token: str, make_writer) -> dict:
    from datetime import UTC, datetime

    since = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    rng = random.Random()
    searchable: list[float | None] = []
    facets: list[float | None] = []
    with httpx.Client(timeout=10) as client:
        writer = make_writer(client)
        auth = {"Authorization": f"Bearer {official_token}"}
        load_before = load_average()
        warm_up = None
        for i in range(SAMPLES + 1):  # the first change is not counted: it waits for a worker to start
            profile = writer.profile()
            word = "zq" + "".join(rng.choice(string.ascii_lowercase) for _ in range(8))
            specialties = [*profile["specialties"][:29]]
            specialties[-1:] = [f"{specialties[-1]} {word}"] if specialties else [word]

            def found() -> bool:
                # Hybrid search answers any word with its nearest profiles: found means the hit
                # shows the changed specialty, not merely that something came back.
                r = client.get(a.base + "/api/v1/experts/search", params={"q": word}, headers=auth)
                return r.status_code == 200 and any(
                    word in " ".join(item.get("specialties", [])) for item in r.json()["items"]
                )

            if found():
                raise RuntimeError(f"{word!r} is found before the change")
            t0 = writer.change(profile, {"specialties": specialties})
            if i == 0:
                warm_up = _wait(found, t0, 60.0)
            else:
                searchable.append(_wait(found, t0))
            writer.settle()

        for i in range(SAMPLES):
            profile = writer.profile()
            language = "mt"  # rare in the generated network; added, then removed, then added ...
            has = language in profile["languages"]
            before = _facet_count(client, a.base, official_token, "languages", language)
            languages = [x for x in profile["languages"] if x != language] if has else [*profile["languages"], language]
            expected = before - 1 if has else before + 1
            _facet_count(client, a.base, official_token, "languages", language)  # A's facets are warm
            t0 = writer.change(profile, {"languages": languages})
            facets.append(
                _wait(lambda: _facet_count(client, a.base, official_token, "languages", language) == expected, t0)
            )
            writer.settle()
        kind = writer.kind

    def figures(values: list[float | None]) -> dict:
        seen = [v for v in values if v is not None]
        return {
            "samples_ms": [None if v is None else round(v, 1) for v in values],
            "max_ms": round(max(seen), 1) if len(seen) == len(values) else None,
            "missed": len(values) - len(seen),
        }

    try:
        engine = meili_tasks(a.stack.env, since)
    except httpx.HTTPError as exc:
        engine = {"error": str(exc)[:200]}
    return {
        "engine_tasks": engine,
        "writer": kind,
        "warm_up_change_ms": None if warm_up is None else round(warm_up, 1),
        "searchable": figures(searchable),
        "facets": figures(facets),
        "give_up_after_s": GIVE_UP_SECONDS,
        "load_before": load_before,
        "load_after": load_average(),
    }
