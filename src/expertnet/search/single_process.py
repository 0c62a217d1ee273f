"""The embedded Tantivy index serves one app process.

Each app process keeps state of its own about the index (open searchers, cached facet counts that
only its own writes invalidate) and SQLite has a single writer: a second app process on the same
data directory would serve stale results. So an app process on the embedded default holds an
exclusive flock on ``<data_dir>/search/app.lock`` while it runs, and a second one refuses to
start, naming the fix. CLI commands and `expertnet worker` do not take it: they run beside the
app, and the index's own per-batch locks serialise their writes.
"""

import fcntl
import os
import threading
from pathlib import Path

from expertnet.config import ConfigError, Settings

LOCK_FILE = "app.lock"

_held: dict[Path, list[int]] = {}  # lock path -> [fd, holders in this process]
_guard = threading.Lock()


def lock_path(settings: Settings) -> Path:
    return Path(settings.data_dir).resolve() / "search" / LOCK_FILE


def acquire(settings: Settings) -> Path | None:
    """Take the embedded index for this process (apps in one process share it). Raises
    ConfigError when another process holds it; returns None on Meilisearch (nothing to hold)."""
    if settings.meili_url:
        return None
    path = lock_path(settings)
    with _guard:
        if path in _held:
            _held[path][1] += 1
            return path
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise ConfigError(
                f"another app process (pid {holder}) already serves the embedded search index in "
                f"{path.parent}: the embedded default (SQLite + Tantivy) is for one app process. "
                "To run several app processes, use PostgreSQL + Meilisearch "
                "(EXPERTNET_DATABASE_URL and EXPERTNET_MEILI_URL; see compose.yaml)."
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        _held[path] = [fd, 1]
        return path


def release(path: Path | None) -> None:
    if path is None:
        return
    with _guard:
        entry = _held.get(path)
        if entry is None:
            return
        entry[1] -= 1
        if entry[1] == 0:
            del _held[path]
            os.close(entry[0])  # closing the descriptor drops the flock
