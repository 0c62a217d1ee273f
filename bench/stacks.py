"""The two stacks a run measures, each on fresh state that is removed afterwards.

- ``embedded``: SQLite + Tantivy in a new temporary data directory (the README's run command).
- ``production``: PostgreSQL (a uniquely named database on the local server, dropped afterwards)
  + Meilisearch (a private server started with ``scripts/meili.sh`` and stopped by its pid).

A stack that cannot run (no PostgreSQL server, no Meilisearch binary) raises ``Skip`` with the
reason, which the report shows in its column.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PG_ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
STACKS = ("embedded", "production")
LABELS = {"embedded": "SQLite + Tantivy", "production": "PostgreSQL + Meilisearch"}


class Skip(RuntimeError):
    """This stack cannot run here; the message says why."""


@dataclass
class Stack:
    name: str
    data_dir: Path
    env: dict[str, str] = field(default_factory=dict)
    cleanups: list = field(default_factory=list)

    @property
    def label(self) -> str:
        return LABELS[self.name]

    @property
    def embedded(self) -> bool:
        return self.name == "embedded"

    def run(self, *args: str, check: bool = True, timeout: float | None = None) -> subprocess.CompletedProcess:
        """An `expertnet` command in this stack's environment, its output captured."""
        return subprocess.run(
            [str(BIN / "expertnet"), *args],
            env=self.env,
            cwd=ROOT,
            check=check,
            text=True,
            timeout=timeout,
            capture_output=True,
        )

    def python(self, module: str, *args: str, timeout: float | None = None) -> subprocess.CompletedProcess:
        """``python -m module args`` in this stack's environment; its standard error reaches the terminal."""
        return subprocess.run(
            [sys.executable, "-m", module, *args],
            env=self.env,
            cwd=ROOT,
            text=True,
            stdout=subprocess.PIPE,
            timeout=timeout,
        )

    def close(self) -> None:
        for cleanup in reversed(self.cleanups):
            try:
                cleanup()
            except Exception as exc:  # noqa: BLE001 - a failed cleanup must not hide the results
                print(f"bench: cleanup of {self.name} failed: {exc}", file=sys.stderr)
        self.cleanups.clear()


def base_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EXPERTNET_")}
    env.update(
        {
            "EXPERTNET_ENV": "development",
            "EXPERTNET_DATA_DIR": str(data_dir),
            # One secret for every process of the stack (tokens made by one app are valid in the other).
            "EXPERTNET_SECRET_KEY": secrets.token_urlsafe(48),
            # The periodic jobs' loop would drain and run jobs every 30 s in the middle of a measurement.
            "EXPERTNET_BACKGROUND_JOBS": "false",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def _psql(sql: str) -> None:
    subprocess.run(
        ["psql", PG_ADMIN_URL, "-v", "ON_ERROR_STOP=1", "-qAtc", sql],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )


def open_stack(name: str) -> Stack:
    data_dir = Path(tempfile.mkdtemp(prefix=f"expertnet-bench-{name}-"))
    stack = Stack(name, data_dir, base_env(data_dir))
    stack.cleanups.append(lambda: shutil.rmtree(data_dir, ignore_errors=True))
    try:
        if name == "production":
            _production(stack)
        migrated = stack.run("db", "upgrade", check=False, timeout=300)
        if migrated.returncode != 0:
            raise Skip(
                f"`expertnet db upgrade` failed: {(migrated.stderr or migrated.stdout).strip().splitlines()[-1:]}"
            )
    except BaseException:
        stack.close()
        raise
    return stack


def _production(stack: Stack) -> None:
    if shutil.which("psql") is None:
        raise Skip("psql not found (needed to create the benchmark database)")
    database = f"expertnet_bench_{uuid.uuid4().hex[:10]}"
    try:
        _psql(f'CREATE DATABASE "{database}"')
    except subprocess.CalledProcessError as exc:
        raise Skip(f"PostgreSQL at {PG_ADMIN_URL} refused CREATE DATABASE: {exc.stderr.strip()[:200]}") from None
    except FileNotFoundError as exc:
        raise Skip(str(exc)) from None
    stack.cleanups.append(lambda: _psql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
    stack.env["EXPERTNET_DATABASE_URL"] = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + database

    meili_dir = stack.data_dir / "meili"
    started = subprocess.run(
        ["bash", str(ROOT / "scripts" / "meili.sh"), "start", str(meili_dir)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    stack.cleanups.append(
        lambda: subprocess.run(
            ["bash", str(ROOT / "scripts" / "meili.sh"), "stop", str(meili_dir)], capture_output=True, timeout=60
        )
    )
    if started.returncode != 0:
        raise Skip(f"Meilisearch did not start: {started.stderr.strip()[-300:]}")
    for line in (meili_dir / "meili.env").read_text().splitlines():
        key, _, value = line.partition("=")
        if key.startswith("EXPERTNET_"):
            stack.env[key] = value
