"""Embedded search: Tantivy indexes under ``<data_dir>/search/<index>/``.

Layout of one index::

    CURRENT               name of the live generation (replaced atomically by os.replace)
    g<ns>-<fingerprint>/  one Tantivy index per generation; the fingerprint names the definition
    .lock                 flock held by every writer for one batch (serialises processes)
    .rebuild.lock         flock held for the whole of a rebuild
    BUILDING              generation being rebuilt; while it exists, writers also journal
    <generation>.journal  changes made during a rebuild, replayed before the switch

    vectors.log           dense vectors beside the index (``expertnet.search.vector_index``)

Schema, documents and queries are built in ``expertnet.search.tantivy_query``; the original
document is stored as JSON for display.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
import json
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import tantivy
from tantivy import Order

from expertnet.search.backend import (
    Hit,
    SearchQuery,
    SearchResult,
    Synonyms,
    WordMatcher,
    clean_document,
    empty_result,
    highlight_document,
    prepare_query,
    visible_window,
)
from expertnet.search.definitions import IndexDefinition, load_definition
from expertnet.search.tantivy_files import BULK_HEAP, acquire_writer, atomic_write, flock, write_batch
from expertnet.search.tantivy_query import _facet_counts, build_query, build_schema, stored_source, to_tantivy
from expertnet.search.vector_index import VECTOR_KEY, VectorIndex, vectors_of

log = logging.getLogger(__name__)

VECTOR_CANDIDATES_PER_HIT = 2  # nearest vectors fetched per wanted hit (divided by the filter's share)
EXACT_FILTER_MAX = 10_000  # a filter leaving at most this many: exact scan of their ids (beats a widened graph)


@dataclass
class _Live:
    generation: str
    index: tantivy.Index
    schema: tantivy.Schema
    current_sig: tuple[int, int, int]
    meta_sig: int


class TantivyBackend:
    def __init__(
        self, data_dir: Path, synonyms: dict[str, list[str]] | None = None, *, definitions_dir: Path | None = None
    ):
        self.root = Path(data_dir) / "search"
        self.synonyms = Synonyms(synonyms)
        self._definitions_dir = definitions_dir
        self._live: dict[str, _Live] = {}
        self._open_lock = threading.Lock()
        self._stale: set[str] = set()
        self._vector_indexes: dict[str, VectorIndex] = {}
        # Facet counts run beside the top-k search (both release the GIL): latency is the longer of
        # the two instead of their sum.
        self._facet_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="tantivy-facets")

    # -- helpers

    def _defn(self, name: str) -> IndexDefinition:
        return load_definition(name, self._definitions_dir)

    def _base(self, name: str) -> Path:
        return self.root / self._defn(name).uid

    @staticmethod
    def _new_generation(defn: IndexDefinition) -> str:
        return f"g{time.time_ns()}-{defn.fingerprint}"

    def _current_generation(self, name: str) -> str | None:
        try:
            return (self._base(name) / "CURRENT").read_text(encoding="utf-8").strip() or None
        except FileNotFoundError:
            return None

    def _get(self, name: str) -> _Live:
        """The live generation, reopened when CURRENT changed and reloaded when another process
        committed (two stat calls per search)."""
        base = self._base(name)
        try:
            st = os.stat(base / "CURRENT")
        except FileNotFoundError:
            self.ensure_index(name)
            st = os.stat(base / "CURRENT")
        sig = (st.st_ino, st.st_mtime_ns, st.st_size)
        live = self._live.get(name)
        if live is None or live.current_sig != sig:
            with self._open_lock:
                live = self._live.get(name)
                if live is None or live.current_sig != sig:
                    live = self._open(name, sig)
                    self._live[name] = live
            return live
        try:
            meta = os.stat(base / live.generation / "meta.json").st_mtime_ns
        except FileNotFoundError:  # switched and removed under us: next call reopens
            return live
        if meta != live.meta_sig:
            live.meta_sig = meta
            live.index.reload()
        return live

    def _open(self, name: str, sig: tuple[int, int, int]) -> _Live:
        defn = self._defn(name)
        for attempt in range(3):  # a rebuild in another process may switch and remove meanwhile
            current = self._current_generation(name)
            if current is None:
                raise FileNotFoundError(f"search index {name} has no current generation: run a reindex")
            generation = current
            path = self._base(name) / generation
            try:
                index = tantivy.Index.open(str(path))
                break
            except (OSError, ValueError):
                if attempt == 2:
                    raise
                time.sleep(0.01)
        if not generation.endswith(defn.fingerprint):
            if name not in self._stale:
                log.warning("search index %s was built from another definition: run a reindex", name)
            self._stale.add(name)
        else:
            self._stale.discard(name)
        meta = os.stat(path / "meta.json").st_mtime_ns
        return _Live(generation, index, index.schema, sig, meta)

    def _journal(self, base: Path) -> Path | None:
        """The journal of a rebuild in progress, if any (a crashed rebuild leaves a stale marker)."""
        marker = base / "BUILDING"
        try:
            generation = marker.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        with flock(base / ".rebuild.lock", blocking=False) as got:
            if got:  # nobody is rebuilding: the marker is left over
                marker.unlink(missing_ok=True)
                (base / f"{generation}.journal").unlink(missing_ok=True)
                return None
        return base / f"{generation}.journal"

    def _write(self, name: str, ops: list[tuple[str, list]]) -> None:
        self.ensure_index(name)
        defn = self._defn(name)
        base = self._base(name)
        with flock(base / ".lock"):
            live = self._get(name)
            write_batch(live.index, defn, ops)
            journal = self._journal(base)
            if journal is not None:
                with open(journal, "a", encoding="utf-8") as fh:
                    for op, items in ops:
                        fh.write(json.dumps({"op": op, "items": items}, ensure_ascii=False) + "\n")

    # -- SearchBackend

    def ensure_index(self, name: str) -> None:
        defn = self._defn(name)
        base = self._base(name)
        if (base / "CURRENT").exists():
            return
        base.mkdir(parents=True, exist_ok=True)
        with flock(base / ".lock"):
            if (base / "CURRENT").exists():
                return
            generation = self._new_generation(defn)
            (base / generation).mkdir()
            tantivy.Index(build_schema(defn), path=str(base / generation), reuse=False)
            atomic_write(base / "CURRENT", generation)

    def upsert(self, name: str, docs: list[dict]) -> None:
        defn = self._defn(name)
        clean = [clean_document(defn, d) for d in docs]  # all or nothing
        if clean:
            self._write(name, [("upsert", clean)])
            self.set_vectors(name, vectors_of(defn.primary_key, docs))

    def delete(self, name: str, ids: list[str]) -> None:
        ids = [i for i in ids if isinstance(i, str) and i]
        if ids:
            self._write(name, [("delete", ids)])
            self._vectors(name).remove(ids)

    def _vectors(self, name: str) -> VectorIndex:
        index = self._vector_indexes.get(name)
        if index is None:
            index = self._vector_indexes.setdefault(name, VectorIndex(self._base(name)))
        return index

    def set_vectors(self, name: str, vectors: dict) -> None:
        self._vectors(name).set(vectors)

    def vector_search(self, name: str, q: SearchQuery, vector, k: int, min_similarity: float) -> SearchResult:
        """The ``k`` documents nearest ``vector`` (cosine >= ``min_similarity``) that pass the
        query's filters, ranges and authorization clause.

        A filter that leaves at most ``EXACT_FILTER_MAX`` documents: their ids (the primary key's
        fast column) and an exact scan of just those vectors. Otherwise candidates from the vector
        index (approximate at scale), oversampled by how much of the index the filter keeps, checked
        against the index with the same filter query as every other search; too few survivors and
        the candidates widen (at last an exact scan), so a filter never empties the leg."""
        defn = self._defn(name)
        pq = prepare_query(defn, replace(q, text="", facets=[], sort=[], boost={}, offset=0, limit=k), self.synonyms)
        if pq.matches_nothing or k <= 0:
            return SearchResult(hits=[], total=0, facets={})
        vectors = self._vectors(name)
        total_vectors = len(vectors)
        if total_vectors == 0:
            return SearchResult(hits=[], total=0, facets={})
        live = self._get(name)
        searcher = live.index.searcher()
        allowed_query = build_query(defn, live.schema, pq)
        allowed = searcher.search(allowed_query, 1, count=True).count  # type: ignore[attr-defined]  # tantivy.pyi omits count
        if allowed == 0:
            return SearchResult(hits=[], total=0, facets={})
        ids = self._allowed_ids(defn, searcher, allowed_query, allowed) if allowed <= EXACT_FILTER_MAX else None
        if ids is not None:
            nearest = vectors.nearest(vector, k, min_similarity, allowed=ids)
        else:
            share = min(1.0, allowed / total_vectors)
            want = int(VECTOR_CANDIDATES_PER_HIT * k / max(share, 1e-6))
            while True:
                exact = want >= total_vectors
                candidates = vectors.nearest(vector, min(want, total_vectors), min_similarity, exact=exact)
                passing = self._passing(defn, live, pq, [doc_id for doc_id, _ in candidates])
                nearest = [(doc_id, score) for doc_id, score in candidates if doc_id in passing]
                if exact or len(nearest) >= k or len(candidates) < min(want, total_vectors):
                    break  # enough, or every candidate above the floor was looked at
                want *= 4
        nearest = nearest[:k]
        docs = self._documents(defn, live, pq, [doc_id for doc_id, _ in nearest])
        hits = [
            Hit(id=doc_id, score=score, document=docs[doc_id], highlights={})
            for doc_id, score in nearest
            if doc_id in docs
        ]
        return SearchResult(hits=hits, total=len(hits), facets={})

    def _passing(self, defn: IndexDefinition, live: _Live, pq, ids: list[str]) -> set[str]:
        """Those of ``ids`` that pass ``pq``'s filters: read from the key's fast column (no document
        is loaded), or from the documents on a generation built without it."""
        if not ids:
            return set()
        pq.filters = {**pq.filters, defn.primary_key: ids}
        found = self._allowed_ids(defn, live.index.searcher(), build_query(defn, live.schema, pq), len(ids))
        return set(found) if found is not None else set(self._documents(defn, live, pq, ids))

    @staticmethod
    def _allowed_ids(defn: IndexDefinition, searcher, query, count: int) -> list[str] | None:
        """The primary keys of every document ``query`` matches (a terms aggregation on the key's
        fast column); None when this generation was built without it (before a reindex)."""
        try:
            res = searcher.aggregate(query, {"ids": {"terms": {"field": defn.primary_key, "size": count + 1}}})
        except ValueError:
            return None
        return [str(b["key"]) for b in res["ids"]["buckets"]]

    def _documents(self, defn: IndexDefinition, live: _Live, pq, ids: list[str]) -> dict[str, dict]:
        """The documents of these ids that pass ``pq``'s filters."""
        if not ids:
            return {}
        pq.filters = {**pq.filters, defn.primary_key: ids}
        searcher = live.index.searcher()
        res = searcher.search(build_query(defn, live.schema, pq), len(ids))
        docs = {}
        for _, address in res.hits:
            doc = stored_source(searcher.doc(address))
            docs[doc[defn.primary_key]] = doc
        return docs

    def search(self, name: str, q: SearchQuery) -> SearchResult:
        defn = self._defn(name)
        pq = prepare_query(defn, q, self.synonyms)
        if pq.matches_nothing:
            return empty_result(pq)
        live = self._get(name)
        query = build_query(defn, live.schema, pq)
        searcher = live.index.searcher()
        offset, limit = visible_window(pq, defn.max_total_hits)
        sort_field, order = None, Order.Desc  # tantivy's defaults
        if pq.sort is not None:
            sort_field, order = pq.sort[0], Order.Asc if pq.sort[1] == "asc" else Order.Desc
        facet_job = None
        if pq.facets:
            aggs = {f: {"terms": {"field": f, "size": defn.max_facet_values}} for f in pq.facets}
            facet_job = self._facet_pool.submit(searcher.aggregate, query, aggs)
        # Tantivy needs limit >= 1; a limit-0 query (counts and facets only) discards the hit.
        res = searcher.search(query, max(limit, 1), count=True, order_by_field=sort_field, offset=offset, order=order)
        matcher = WordMatcher(pq.text) if pq.highlight and pq.text is not None else None
        hits = []
        for key, address in res.hits[:limit]:
            doc = stored_source(searcher.doc(address))
            hits.append(
                Hit(
                    id=doc[defn.primary_key],
                    score=float(key) if pq.sort is None else 0.0,
                    document=doc,
                    highlights=highlight_document(defn, doc, matcher) if matcher else {},
                )
            )
        facets = _facet_counts(facet_job.result(), pq.facets) if facet_job is not None else {}
        return SearchResult(hits=hits, total=int(res.count), facets=facets)  # type: ignore[attr-defined]  # tantivy.pyi omits count

    def rebuild(self, name: str, docs: Iterable[dict], progress: Callable[[int], None] | None = None) -> int:
        """Build a new generation beside the live one, replay what changed meanwhile, switch
        CURRENT atomically, then drop old generations. Searches never see an empty index."""
        defn = self._defn(name)
        self.ensure_index(name)
        base = self._base(name)
        with flock(base / ".rebuild.lock"):
            current = self._current_generation(name)
            (base / "BUILDING").unlink(missing_ok=True)  # left by a rebuild that crashed
            self._remove_generations(base, keep={current})
            generation = self._new_generation(defn)
            path = base / generation
            path.mkdir()
            index = tantivy.Index(build_schema(defn), path=str(path), reuse=False)
            journal = base / f"{generation}.journal"
            journal.touch()
            atomic_write(base / "BUILDING", generation)
            carried: dict[str, object] = {}

            def tapped() -> Iterator[dict]:  # the vectors the documents carry, kept for after the switch
                for doc in docs:
                    if doc.get(VECTOR_KEY) is not None:
                        carried[str(doc[defn.primary_key])] = doc[VECTOR_KEY]
                    yield doc

            try:
                count = self._bulk_load(index, defn, tapped(), progress)
                with flock(base / ".lock"):
                    ops = [(e["op"], e["items"]) for e in map(json.loads, journal.read_text("utf-8").splitlines())]
                    if ops:
                        write_batch(index, defn, ops)
                    atomic_write(base / "CURRENT", generation)
                    (base / "BUILDING").unlink(missing_ok=True)
                    journal.unlink(missing_ok=True)
            except BaseException:
                (base / "BUILDING").unlink(missing_ok=True)
                journal.unlink(missing_ok=True)
                shutil.rmtree(path, ignore_errors=True)
                raise
            self._remove_generations(base, keep={generation})
        self._get(name)
        # The vector log lives beside the generations and survives a rebuild; fill in only what it
        # lacks (a fresh data directory), so a vector set while the rebuild ran is never undone.
        vectors = self._vectors(name)
        missing = {i: v for i, v in carried.items() if vectors.get(i) is None}
        vectors.set(missing)
        if progress is not None:
            progress(count)
        return count

    @staticmethod
    def _bulk_load(
        index: tantivy.Index, defn: IndexDefinition, docs: Iterable[dict], progress: Callable[[int], None] | None
    ) -> int:
        writer = acquire_writer(index, BULK_HEAP, 2)
        pk = defn.primary_key
        count = 0
        try:
            for raw in docs:
                doc = clean_document(defn, raw)
                writer.delete_documents_by_term(pk, doc[pk])  # a repeated id keeps the last copy
                writer.add_document(to_tantivy(defn, doc))
                count += 1
                if progress is not None and count % 1000 == 0:
                    progress(count)
            writer.commit()
        except BaseException:
            writer.rollback()
            raise
        finally:
            writer.wait_merging_threads()
        index.reload()
        return count

    @staticmethod
    def _remove_generations(base: Path, keep: set[str | None]) -> None:
        for child in base.iterdir():
            if child.is_dir() and child.name.startswith("g") and child.name not in keep:
                shutil.rmtree(child, ignore_errors=True)
            elif child.name.endswith(".journal") and child.name.removesuffix(".journal") not in keep:
                child.unlink(missing_ok=True)

    def count(self, name: str) -> int:
        return int(self._get(name).index.searcher().num_docs)

    def health(self) -> dict:
        indexes = {}
        for name, live in list(self._live.items()):
            indexes[name] = {
                "generation": live.generation,
                "documents": int(live.index.searcher().num_docs),
                "definition_changed": name in self._stale,
            }
        return {"backend": "tantivy", "ok": True, "path": str(self.root), "indexes": indexes}

    def close(self) -> None:
        with self._open_lock:
            self._live.clear()
        for vectors in self._vector_indexes.values():
            vectors.close()
        self._facet_pool.shutdown(wait=True)
