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

From ``ANN_MIN`` live vectors on, a search is answered by an approximate graph
(:mod:`expertnet.search.ann`, kept up to date by a background thread of the searching process and
saved as ``vectors.ann.npz``): its candidates, plus every vector the graph does not hold yet
(exact), rescored exactly from the matrix. A caller that knows the few ids a filter allows asks
for those instead (``allowed``): exact over that subset.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import struct
import threading
from collections.abc import Iterable, Iterator, Mapping
import logging
import time
from pathlib import Path

import numpy as np

from expertnet.search import ann as ann_graph

log = logging.getLogger(__name__)

LOG = "vectors.log"
LOCK = ".vectors.lock"
_HEAD = struct.Struct("<HH")
SLICE_ROWS = 16_384  # rows converted to float32 at a time while scoring
COMPACT_MIN_RECORDS = 1_000
ANN_MIN = 20_000  # live vectors from which searches use the graph (below, an exact scan is fast)
ANN_OVERSAMPLE = 2  # graph candidates per wanted neighbour (they are rescored exactly)
ANN_BATCH = 256  # vectors added to the graph per step while it is being built (searches scan exactly)
ANN_BATCH_IN_SERVICE = 16  # per step once searches use it (each step holds the graph for a few ms)
ANN_SAVE_SECONDS = 30.0  # at most this often the graph is saved while it changes


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

    # The state of the log read so far; _reset() sets it.
    _ids: list[str]
    _row: dict[str, int]
    _key_row: dict[int, int]
    _matrix: np.ndarray
    _live: np.ndarray
    _in_ann: np.ndarray
    _keys: np.ndarray
    _dirty: list[int]
    _deleted: int
    _records: int
    _inode: int | None
    _offset: int

    def __init__(self, base: Path):
        self.base = Path(base)
        self.path = self.base / LOG
        self._lock = threading.Lock()
        self._upkeep = threading.Lock()  # one graph maintainer at a time (two would add a batch twice)
        self._ann: ann_graph.AnnGraph | None = None
        self._ann_thread: threading.Thread | None = None
        self._ann_wake = threading.Event()
        self._ann_saved = 0.0
        self._closed = False
        self._reset()

    # -- reading the log

    def _grow(self, dim: int, at_least: int = 0) -> None:
        """Room for more rows: a quarter more (not double: at 100,000 rows doubling wasted 34 MB)."""
        grow = max(1024, self._matrix.shape[0] // 4, at_least - self._matrix.shape[0])
        self._matrix = np.concatenate([self._matrix, np.zeros((grow, dim), np.float16)])
        self._live = np.concatenate([self._live, np.zeros(grow, dtype=bool)])
        self._in_ann = np.concatenate([self._in_ann, np.zeros(grow, dtype=bool)])
        self._keys = np.concatenate([self._keys, np.zeros(grow, dtype=np.uint64)])

    def _apply(self, doc_id: str, vector: np.ndarray | None) -> None:
        row = self._row.get(doc_id)
        if vector is None:
            if row is not None:
                self._live[row] = False
                self._deleted += 1
            return
        if self._matrix.shape[1] == 0:
            self._matrix = np.zeros((0, vector.shape[0]), dtype=np.float16)
        if vector.shape[0] != self._matrix.shape[1]:  # another model: the newest dimension wins
            dim = vector.shape[0]
            self._reset()
            self._matrix = np.zeros((0, dim), dtype=np.float16)
            row = None
        if row is None:
            row = len(self._ids)
            self._ids.append(doc_id)
            self._row[doc_id] = row
            if row >= self._matrix.shape[0]:
                self._grow(vector.shape[0])
            key = ann_graph.key_of(doc_id)
            self._keys[row] = key
            self._key_row[key] = row
        self._matrix[row] = vector
        self._live[row] = True
        self._in_ann[row] = False
        self._dirty.append(row)

    def _read_from(self, data: bytes) -> int:
        """Apply the complete records in ``data``; returns the bytes consumed."""
        pos = 0
        while pos + _HEAD.size <= len(data):
            klen, dim = _HEAD.unpack_from(data, pos)
            end = pos + _HEAD.size + klen + 2 * dim
            if end > len(data):
                break  # a writer is appending it right now
            if dim and self._matrix.shape[1] == dim and len(self._ids) >= self._matrix.shape[0]:
                # about how many records are left: the first read of a large log sizes the matrix once
                self._grow(dim, len(self._ids) + (len(data) - pos) // (_HEAD.size + klen + 2 * dim) + 1)
            doc_id = data[pos + _HEAD.size : pos + _HEAD.size + klen].decode("utf-8")
            vector = np.frombuffer(data, dtype="<f2", count=dim, offset=pos + _HEAD.size + klen) if dim else None
            self._apply(doc_id, vector)
            self._records += 1
            pos = end
        self._mark_held()
        return pos

    def _mark_held(self) -> None:
        """Rows just read whose current vector the graph already holds (a saved graph, a compaction)."""
        dirty, self._dirty = self._dirty, []
        graph = self._ann
        if graph is None or not dirty or graph.dim != self._matrix.shape[1]:
            return
        rows = np.unique(np.asarray(dirty, dtype=np.int64))
        found = ann_graph.digests(self._matrix[rows])
        held = graph.held
        for row, key, digest in zip(rows.tolist(), self._keys[rows].tolist(), found.tolist()):
            if held.get(key) == digest:
                self._in_ann[row] = True

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
        self._ann_wake.set()

    def _reset(self) -> None:
        self._ids = []
        self._row = {}
        self._key_row = {}
        self._matrix = np.zeros((0, 0), dtype=np.float16)
        self._live = np.zeros(0, dtype=bool)
        self._in_ann = np.zeros(0, dtype=bool)  # the graph holds this row's current vector
        self._keys = np.zeros(0, dtype=np.uint64)
        self._dirty = []
        self._deleted = 0
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
        payload = b"".join(_record(doc_id, None if v is None else _normalised(v)) for doc_id, v in vectors.items())
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
            self._write_whole((doc_id, _normalised(v)) for doc_id, v in vectors.items() if v is not None)
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

    # -- the graph (kept by a daemon thread of the first process that searches a large index)

    def _ensure_graph_keeper(self) -> None:
        if self._ann_thread is None and not self._closed:
            with self._lock:
                if self._ann_thread is None:
                    self._ann_thread = threading.Thread(
                        target=self._keep_graph, name=f"vector-graph-{self.base.name}", daemon=True
                    )
                    self._ann_thread.start()

    def _keep_graph(self) -> None:
        try:
            while not self._closed:
                self.refresh()
                if not self.maintain_graph():
                    self._ann_wake.wait(5.0)
                    self._ann_wake.clear()
        except Exception:  # noqa: BLE001 - searches fall back to the exact scan
            log.exception("vector graph maintenance stopped")

    def maintain_graph(self, steps: int | None = None) -> bool:
        """One round of graph upkeep: load or start the graph, add up to ``steps`` batches of the
        vectors it lacks, drop deleted ones, save it now and then. True when work remains."""
        with self._upkeep:
            return self._maintain_graph(steps)

    def _maintain_graph(self, steps: int | None) -> bool:
        dim = self._matrix.shape[1]
        if dim == 0:
            return False
        if self._ann is None or self._ann.dim != dim:
            graph = ann_graph.AnnGraph.load(self.base / ann_graph.ANN_FILE, dim) or ann_graph.AnnGraph(dim)
            with self._lock:
                self._ann = graph
                self._in_ann[:] = False
                self._dirty = list(np.flatnonzero(self._live[: len(self._ids)]))
                self._mark_held()
                self._ann_saved = time.monotonic()
        graph = self._ann
        done = 0
        while steps is None or done < steps:
            with self._lock:
                n = len(self._ids)
                lacking = np.flatnonzero(self._live[:n] & ~self._in_ann[:n])
                todo = lacking[: ANN_BATCH if len(lacking) > n // 2 else ANN_BATCH_IN_SERVICE]
                if not len(todo):
                    break
                vectors = self._matrix[todo].copy()
                keys = self._keys[todo].copy()
            found = ann_graph.digests(vectors)
            graph.add(keys, vectors, found)
            with self._lock:
                if self._ann is graph and len(self._ids) >= int(todo.max()) + 1:
                    same = ann_graph.digests(self._matrix[todo]) == found
                    self._in_ann[todo[same]] = True
            done += 1
            if self._closed:
                return False
        if self._deleted:
            with self._lock:
                self._deleted = 0
                live_keys = set(self._keys[: len(self._ids)][self._live[: len(self._ids)]].tolist())
            graph.remove([k for k in list(graph.held) if k not in live_keys])
        more = bool(np.any(self._live[: len(self._ids)] & ~self._in_ann[: len(self._ids)]))
        if graph.changed and (not more or time.monotonic() - self._ann_saved >= ANN_SAVE_SECONDS):
            try:
                graph.save(self.base / ann_graph.ANN_FILE)
            except OSError as exc:
                log.warning("vector graph not saved (%s)", exc)
            self._ann_saved = time.monotonic()
        return more

    def close(self) -> None:
        self._closed = True
        self._ann_wake.set()

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

    def _exact(self, q: np.ndarray, rows: np.ndarray | None, n: int) -> tuple[np.ndarray, np.ndarray]:
        """(rows, scores) of an exact scan of ``rows`` (None: all), deleted rows scored -2."""
        if rows is None:
            scores = np.empty(n, dtype=np.float32)
            for start in range(0, n, SLICE_ROWS):
                stop = min(n, start + SLICE_ROWS)
                scores[start:stop] = self._matrix[start:stop].astype(np.float32) @ q
            scores[~self._live[:n]] = -2.0
            return np.arange(n), scores
        scores = np.empty(len(rows), dtype=np.float32)
        for start in range(0, len(rows), SLICE_ROWS):
            part = rows[start : start + SLICE_ROWS]
            scores[start : start + len(part)] = self._matrix[part].astype(np.float32) @ q
        scores[~self._live[rows]] = -2.0
        return rows, scores

    def nearest(
        self,
        query: np.ndarray,
        k: int,
        min_similarity: float,
        *,
        allowed: Iterable[str] | None = None,
        exact: bool = False,
    ) -> list[tuple[str, float]]:
        """The ``k`` ids most similar to ``query`` with cosine >= ``min_similarity``, best first.
        ``allowed``: only among these ids (exact). ``exact``: never the approximate graph."""
        self.refresh()
        use_graph = False
        with self._lock:
            n = len(self._ids)
            if n == 0 or k <= 0 or self._matrix.shape[1] != np.asarray(query).shape[-1]:
                return []
            q = _normalised(query)
            if allowed is not None:
                rows = np.fromiter((r for r in map(self._row.get, allowed) if r is not None), dtype=np.int64)
                rows, scores = self._exact(q, rows, n)
            elif exact or n < ANN_MIN:
                rows, scores = self._exact(q, None, n)
            else:
                use_graph = True
                graph = self._ann
                lacking = np.flatnonzero(self._live[:n] & ~self._in_ann[:n]) if graph is not None else None
            ids = self._ids
        if use_graph:
            self._ensure_graph_keeper()
            if graph is None or lacking is None or len(lacking) > n // 2:  # the graph is not there yet: scan it all
                with self._lock:
                    rows, scores = self._exact(q, None, n)
            else:
                keys = graph.search(q, max(k * ANN_OVERSAMPLE, ann_graph.EXPANSION_SEARCH))
                with self._lock:
                    key_rows = [self._key_row.get(key) for key in keys.tolist()]
                    cand = np.fromiter((r for r in key_rows if r is not None), dtype=np.int64)
                    rows = np.unique(np.concatenate([cand, lacking]))
                    rows, scores = self._exact(q, rows, n)
        if not len(rows):
            return []
        k = min(k, len(rows))
        top = np.argpartition(-scores, k - 1)[:k] if k < len(rows) else np.arange(len(rows))
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(ids[rows[i]], float(scores[i])) for i in top if scores[i] >= min_similarity]
