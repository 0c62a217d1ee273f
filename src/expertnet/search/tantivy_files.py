"""Files, locks and the Tantivy writer for the embedded search backend (``tantivy_backend``):
an flock per index directory serialises writing processes, small files are replaced atomically,
and one batch of changes is one commit."""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import tantivy

from expertnet.search.definitions import IndexDefinition
from expertnet.search.tantivy_query import to_tantivy

BATCH_HEAP = 48_000_000
BULK_HEAP = 128_000_000
BULK_THRESHOLD = 5_000
LOCK_WAIT_SECONDS = 10.0


@contextlib.contextmanager
def flock(path: Path, blocking: bool = True) -> Iterator[bool]:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def acquire_writer(index: tantivy.Index, heap: int, threads: int):
    """Another process may hold the writer for a moment: retry with backoff up to ~10 s."""
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    delay = 0.01
    while True:
        try:
            return index.writer(heap, threads)
        except ValueError as exc:
            if "LockBusy" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.5)


def write_batch(index: tantivy.Index, defn: IndexDefinition, ops: list[tuple[str, list]]) -> None:
    """Apply ops in order, one commit. An update is delete-by-id + add in the same commit."""
    size = sum(len(items) for op, items in ops if op == "upsert")
    heap, threads = (BULK_HEAP, 2) if size >= BULK_THRESHOLD else (BATCH_HEAP, 1)
    writer = acquire_writer(index, heap, threads)
    pk = defn.primary_key
    try:
        for op, items in ops:
            if op == "upsert":
                for doc in items:
                    writer.delete_documents_by_term(pk, doc[pk])
                    writer.add_document(to_tantivy(defn, doc))
            else:
                for doc_id in items:
                    writer.delete_documents_by_term(pk, doc_id)
        writer.commit()
    except BaseException:
        writer.rollback()
        raise
    finally:
        writer.wait_merging_threads()  # releases the directory lock
    index.reload()
