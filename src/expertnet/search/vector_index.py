"""The embedded engine's vector leg: dense vectors beside the Tantivy index, searched with numpy.

Layout, under ``<data_dir>/search/<index uid>/``::

    vectors.log     append-only records: (id, vector) or (id, deleted); the newest record of an id wins
    .vectors.lock   flock held by a writer while it appends or compacts

A record is ``<H id-length><H dim>`` + the id in UTF-8 + ``dim`` float16 values (``dim`` 0: the id's
vector is removed). Every process keeps the whole matrix in memory as float16 (1 KB per document
at 512 dimensions: 100 MB at 100,000 experts) and, before each search, reads only what other
processes appended since (one ``stat``). When the log holds more than twice as many records as
live vectors it is rewritten (``os.replace``); readers see a new inode and reload it whole.

Scoring is a dot product (vectors are L2-normalised, so it is the cosine), computed in float32
slices so that no float32 copy of the whole matrix is ever made.
"""
from __future__ import annotations

import contextlib
import fcntl
import os
import struct
import threading
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import numpy as np

LOG = "vectors.log"
LOCK = ".vectors.lock"
_HEAD = struct.Struct("<HH")
SLICE_ROWS = 16_384  # rows converted to float32 at a time while scoring
COMPACT_MIN_RECORDS = 1_000


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _record(doc_id: str, vector: np.ndarray | None) -> bytes:
    key = doc_id.encode("utf-8")
    if vector is None:
        return _HEAD.pack(len(key), 0) + key
    values = np.asarray(vector, dtype="<f2").ravel()
    return _HEAD.pack(len(key), values.shape[0]) + key + values.tobytes()


VECTOR_KEY = "_vector"  # a document may carry its dense vector under this key (None: it has none)


def vectors_of(primary_key: str, docs: Iterable[dict]) -> dict[str, object]:
    """The vectors documents carry, by id: only documents that have the key (None removes one)."""
    return {str(d[primary_key]): d[VECTOR_KEY] for d in docs if VECTOR_KEY in d}


def _normalised(vector) -> np.ndarray:
    v = np.asarray(vector, dtype=np.float32).ravel()
    n = float(np.linalg.norm(v))
    return v / n if n > 0 else v


class VectorIndex:
    """The vectors of one index. Thread-safe; several processes may write (appends under flock)."""

    def __init__(self, base: Path):
        self.base = Path(base)
        self.path = self.base / LOG
        self._lock = threading.Lock()
        self._ids: list[str] = []
        self._row: dict[str, int] = {}
        self._matrix = np.zeros((0, 0), dtype=np.float16)
        self._live = np.zeros(0, dtype=bool)
        self._records = 0
        self._inode: int | None = None
        self._offset = 0

    # -- reading the log

    def _apply(self, doc_id: str, vector: np.ndarray | None) -> None:
        row = self._row.get(doc_id)
        if vector is None:
            if row is not None:
                self._live[row] = False
            return
        if self._matrix.shape[1] == 0:
            self._matrix = np.zeros((0, vector.shape[0]), dtype=np.float16)
        if vector.shape[0] != self._matrix.shape[1]:  # another model: the newest dimension wins
            self._ids, self._row = [], {}
            self._matrix = np.zeros((0, vector.shape[0]), dtype=np.float16)
            self._live = np.zeros(0, dtype=bool)
            row = None
        if row is None:
            row = len(self._ids)
            self._ids.append(doc_id)
            self._row[doc_id] = row
            if row >= self._matrix.shape[0]:
                grow = max(1024, self._matrix.shape[0])
                self._matrix = np.concatenate([self._matrix, np.zeros((grow, self._matrix.shape[1]), np.float16)])
                self._live = np.concatenate([self._live, np.zeros(grow, dtype=bool)])
        self._matrix[row] = vector
        self._live[row] = True

    def _read_from(self, data: bytes) -> int:
        """Apply the complete records in ``data``; returns the bytes consumed."""
        pos = 0
        while pos + _HEAD.size <= len(data):
            klen, dim = _HEAD.unpack_from(data, pos)
            end = pos + _HEAD.size + klen + 2 * dim
            if end > len(data):
                break  # a writer is appending it right now
            doc_id = data[pos + _HEAD.size : pos + _HEAD.size + klen].decode("utf-8")
            vector = np.frombuffer(data, dtype="<f2", count=dim, offset=pos + _HEAD.size + klen) if dim else None
            self._apply(doc_id, vector)
            self._records += 1
            pos = end
        return pos

    def refresh(self) -> None:
        """Catch up with what any process wrote (one stat when nothing changed)."""
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            if self._inode is not None:
                with self._lock:
                    self._reset()
            return
        if st.st_ino == self._inode and st.st_size == self._offset:
            return
        with self._lock:
            if st.st_ino != self._inode:
                self._reset()
                self._inode = st.st_ino
            with open(self.path, "rb") as fh:
                fh.seek(self._offset)
                data = fh.read()
            self._offset += self._read_from(data)

    def _reset(self) -> None:
        self._ids, self._row = [], {}
        self._matrix = np.zeros((0, 0), dtype=np.float16)
        self._live = np.zeros(0, dtype=bool)
        self._records = 0
        self._inode = None
        self._offset = 0

    # -- writing

    def set(self, vectors: Mapping[str, object]) -> None:
        """Set (array) or remove (None) the vectors of these ids."""
        self.refresh()
        vectors = {i: v for i, v in vectors.items() if v is not None or i in self._row}
        if not vectors:
            return
        payload = b"".join(
            _record(doc_id, None if v is None else _normalised(v)) for doc_id, v in vectors.items()
        )
        self.base.mkdir(parents=True, exist_ok=True)
        with _locked(self.base / LOCK):
            with open(self.path, "ab") as fh:
                fh.write(payload)
                fh.flush()
                os.fsync(fh.fileno())
            self.refresh()
            if self._records > COMPACT_MIN_RECORDS and self._records > 2 * int(self._live.sum()):
                self._compact()

    def remove(self, ids: Iterable[str]) -> None:
        self.refresh()
        present = [i for i in ids if i in self._row]
        if present:
            self.set({i: None for i in present})

    def replace_all(self, vectors: Mapping[str, object]) -> None:
        """Make these the only vectors (a rebuild)."""
        self.base.mkdir(parents=True, exist_ok=True)
        with _locked(self.base / LOCK):
            self._write_whole(
                (doc_id, _normalised(v)) for doc_id, v in vectors.items() if v is not None
            )
            self.refresh()

    def _compact(self) -> None:
        """Rewrite the log with one record per live vector (caller holds the file lock)."""
        with self._lock:
            rows = [(doc_id, self._matrix[row].copy()) for doc_id, row in self._row.items() if self._live[row]]
        self._write_whole(iter(rows))
        self.refresh()

    def _write_whole(self, rows: Iterator[tuple[str, np.ndarray]]) -> None:
        tmp = self.path.with_name(f".{LOG}.{os.getpid()}.{threading.get_ident()}.tmp")
        with open(tmp, "wb") as fh:
            for doc_id, vector in rows:
                fh.write(_record(doc_id, vector))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)

    # -- searching

    def __len__(self) -> int:
        self.refresh()
        return int(self._live.sum())

    def get(self, doc_id: str) -> np.ndarray | None:
        self.refresh()
        row = self._row.get(doc_id)
        if row is None or not self._live[row]:
            return None
        return _normalised(self._matrix[row])

    def nearest(self, query: np.ndarray, k: int, min_similarity: float) -> list[tuple[str, float]]:
        """The ``k`` ids most similar to ``query`` with cosine >= ``min_similarity``, best first."""
        self.refresh()
        with self._lock:
            n = len(self._ids)
            if n == 0 or k <= 0 or self._matrix.shape[1] != np.asarray(query).shape[-1]:
                return []
            q = _normalised(query)
            scores = np.empty(n, dtype=np.float32)
            for start in range(0, n, SLICE_ROWS):
                stop = min(n, start + SLICE_ROWS)
                scores[start:stop] = self._matrix[start:stop].astype(np.float32) @ q
            scores[~self._live[:n]] = -2.0
            ids = self._ids
        k = min(k, n)
        top = np.argpartition(-scores, k - 1)[:k] if k < n else np.arange(n)
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(ids[i], float(scores[i])) for i in top if scores[i] >= min_similarity]
