"""An approximate nearest-neighbour graph over the vector log: the fast path of the embedded vector leg.

The graph is a usearch HNSW index (``usearch``, pinned in pyproject.toml: a well-kept C++ library
with manylinux wheels; numpy alone scores 100,000 x 512 float16 vectors in 40-130 ms here, the
graph answers in a few). It stores vectors as 8-bit scalars (``i8``: about 0.85 KB per vector
with the graph at 512 dimensions) and only ever proposes *candidates*: the caller rescores them
exactly from its float16 matrix, drops deleted ones, and adds by exact search the vectors the graph
does not hold yet (new or changed since it was last updated), so a stale graph costs recall of
nothing that changed, only time.

Keys are stable per document id (the id itself when it is a decimal number, else a 63-bit hash),
so a saved graph stays valid across a log compaction. What the graph holds is remembered as
key -> digest of the float16 vector it was given; after loading, only vectors whose digest still
matches count as held.

Persisted as ``vectors.ann.npz`` beside ``vectors.log`` (one file, written to a temporary name and
renamed, so a reader never sees half of it).
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

ANN_FILE = "vectors.ann.npz"
CONNECTIVITY = 16
EXPANSION_ADD = 64
EXPANSION_SEARCH = 64
SCALAR = "i8"
_MULT = None  # random odd 64-bit multipliers of the digest, per dimension block


def key_of(doc_id: str) -> int:
    """A stable uint64 key for a document id."""
    if doc_id.isdigit() and len(doc_id) < 19:
        return int(doc_id)
    return int.from_bytes(hashlib.blake2b(doc_id.encode("utf-8"), digest_size=8).digest(), "little") | (1 << 63)


def digests(rows: np.ndarray) -> np.ndarray:
    """A 64-bit digest of each float16 row (vectorised; wrapping multiply-add of its 8-byte words)."""
    global _MULT
    rows = np.ascontiguousarray(rows, dtype="<f2")
    if rows.shape[1] % 4:
        rows = np.pad(rows, ((0, 0), (0, 4 - rows.shape[1] % 4)))
    words = rows.view(np.uint64)
    if _MULT is None or _MULT.shape[0] < words.shape[1]:
        _MULT = np.random.default_rng(20261201).integers(
            1, 2**63, size=max(words.shape[1], 256), dtype=np.uint64
        ) | np.uint64(1)
    with np.errstate(over="ignore"):
        return (words * _MULT[: words.shape[1]]).sum(axis=1, dtype=np.uint64)


class AnnGraph:
    """The usearch graph and what it holds (key -> digest). Every call takes the lock: an add may
    grow the graph's storage, which a search running beside it must not see half done."""

    def __init__(self, dim: int, index=None, held: dict[int, int] | None = None):
        from usearch.index import Index

        self.dim = dim
        self.index = (
            index
            if index is not None
            else Index(
                ndim=dim,
                metric="cos",
                dtype=SCALAR,
                connectivity=CONNECTIVITY,
                expansion_add=EXPANSION_ADD,
                expansion_search=EXPANSION_SEARCH,
            )
        )
        self.held: dict[int, int] = held if held is not None else {}
        self.lock = threading.Lock()
        self.changed = False

    def __len__(self) -> int:
        return len(self.held)

    def add(self, keys: np.ndarray, vectors: np.ndarray, vector_digests: np.ndarray) -> None:
        """Put these vectors in the graph (replacing what it holds for these keys)."""
        if not len(keys):
            return
        keys = np.asarray(keys, dtype=np.uint64)
        with self.lock:
            present = np.array([int(k) in self.held for k in keys], dtype=bool)
            if present.any():
                self.index.remove(keys[present])
            self.index.add(keys, np.asarray(vectors, dtype=np.float32), threads=1)
            for k, d in zip(keys.tolist(), vector_digests.tolist()):
                self.held[k] = d
            self.changed = True

    def remove(self, keys: list[int]) -> None:
        keys = [k for k in keys if k in self.held]
        if not keys:
            return
        with self.lock:
            self.index.remove(np.asarray(keys, dtype=np.uint64))
            for k in keys:
                del self.held[k]
            self.changed = True

    def search(self, query: np.ndarray, count: int) -> np.ndarray:
        """Candidate keys near ``query`` (up to ``count``)."""
        if not self.held or count <= 0:
            return np.zeros(0, dtype=np.uint64)
        count = min(count, len(self.held))
        with self.lock:
            matches = self.index.search(np.asarray(query, dtype=np.float32), count, threads=1)
        if hasattr(matches, "keys"):
            return np.asarray(
                matches.keys[: matches.count] if hasattr(matches, "count") else matches.keys, dtype=np.uint64
            )
        return np.zeros(0, dtype=np.uint64)

    # -- persistence

    def save(self, path: Path) -> None:
        with self.lock:
            saved = self.index.save()  # no path: the serialised graph as bytes
            if saved is None:
                raise RuntimeError("usearch returned no buffer from save()")
            blob = np.frombuffer(saved, dtype=np.uint8)
            keys = np.fromiter(self.held.keys(), dtype=np.uint64, count=len(self.held))
            held = np.fromiter(self.held.values(), dtype=np.uint64, count=len(self.held))
            self.changed = False
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        with open(tmp, "wb") as fh:
            np.savez(fh, graph=blob, keys=keys, digests=held, dim=np.array([self.dim]))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: Path, dim: int) -> AnnGraph | None:
        """The saved graph, or None (absent, unreadable or made for another dimension)."""
        from usearch.index import Index

        try:
            with np.load(path) as data:
                if int(data["dim"][0]) != dim:
                    return None
                keys, held = data["keys"], data["digests"]
                index = Index.restore(data["graph"].tobytes())
        except FileNotFoundError:
            return None
        except Exception as exc:  # noqa: BLE001 - a damaged file is rebuilt, never fatal
            log.warning("vector graph %s unreadable (%s): rebuilding it", path, exc)
            return None
        if index is None or index.ndim != dim:
            return None
        # usearch's Index has this setter, but the type checker sees only the property of the stub
        index.expansion_search = EXPANSION_SEARCH  # type: ignore[misc]
        return cls(dim, index, dict(zip(keys.tolist(), held.tolist())))
