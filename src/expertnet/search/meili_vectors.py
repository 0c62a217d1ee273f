"""Meilisearch's vector leg: a ``userProvided`` embedder fed with our own vectors.

The index settings declare the embedder (``search/<index>.json``, ``meili.embedders``); every
document carries ``_vectors.<embedder>`` (a list of floats, or ``null`` for a document without a
vector yet, which Meilisearch 1.21 requires of every document once the embedder exists); the leg
itself is a hybrid search with ``semanticRatio`` 1, our query vector and the query's filter. The
fusion with the other legs is ours (``expertnet.search.fusion``), the same on both engines.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
from meilisearch.errors import MeilisearchApiError

from expertnet.search.backend import Hit, PreparedQuery, SearchQuery, SearchResult, prepare_query
from expertnet.search.definitions import IndexDefinition

BATCH = 5_000


def embedder_names(defn: IndexDefinition) -> list[str]:
    return [n for n, e in (defn.meili.get("embedders") or {}).items() if e.get("source") == "userProvided"]


def meili_vectors(defn: IndexDefinition, vector: Any) -> dict[str, Any]:
    """``{"_vectors": {embedder: [floats] | None}}`` when the index has an embedder, else ``{}``."""
    names = embedder_names(defn)
    if not names:
        return {}
    values = None if vector is None else [round(float(x), 5) for x in np.asarray(vector, dtype=np.float32).ravel()]
    return {"_vectors": {n: values for n in names}}


def vector_params(
    defn: IndexDefinition, pq: PreparedQuery, embedder: str, vector: Any, k: int, min_similarity: float
) -> dict[str, Any]:
    """The request body of the vector leg: our query vector, semanticRatio 1, the same filter."""
    return {
        "vector": [float(x) for x in np.asarray(vector, dtype=np.float32).ravel()],
        "hybrid": {"embedder": embedder, "semanticRatio": 1.0},
        "filter": _filter_for(defn, pq),
        "limit": k,
        "attributesToRetrieve": list(defn.fields),
        "showRankingScore": True,
        "rankingScoreThreshold": (1.0 + min_similarity) / 2.0,
    }


class MeiliVectors:
    """The vector methods of :class:`expertnet.search.meili_backend.MeiliBackend`."""

    if TYPE_CHECKING:  # provided by MeiliBackend, the one class that mixes this in
        import meilisearch

        from expertnet.search.text_match import Synonyms

        synonyms: Synonyms
        index_prefix: str

        def _client(self) -> meilisearch.Client: ...
        def _defn(self, name: str) -> IndexDefinition: ...
        def uid(self, name: str) -> str: ...
        def _wait(self, task_uid: int, timeout_ms: int = ...) -> None: ...
        def _journal_and_targets(self, uid: str) -> tuple[str | None, list[str]]: ...
        def ensure_index(self, name: str) -> None: ...

    def set_vectors(self, name: str, vectors: dict) -> None:
        """Partial updates of ``_vectors`` only (the rest of each document is kept). Only documents
        that exist are updated: a partial update of a missing id would create an empty document."""
        defn = self._defn(name)
        if not embedder_names(defn) or not vectors:
            return
        self.ensure_index(name)
        _, targets = self._journal_and_targets(self.uid(name))
        client = self._client()
        existing: set[str] = set()
        ids = list(vectors)
        for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
            expr = f"{defn.primary_key} IN [" + ", ".join(_escape(i) for i in chunk) + "]"
            page = client.index(self.uid(name)).get_documents(
                {"filter": expr, "fields": [defn.primary_key], "limit": len(chunk)}
            )
            existing.update(str(dict(d)[defn.primary_key]) for d in page.results)
        payload = [{defn.primary_key: i, **meili_vectors(defn, v)} for i, v in vectors.items() if i in existing]
        if not payload:
            return
        tasks = [
            client.index(t).update_documents(chunk, primary_key=defn.primary_key).task_uid
            for t in targets
            for chunk in (payload[i : i + BATCH] for i in range(0, len(payload), BATCH))
        ]
        for task_uid in tasks:
            self._wait(task_uid)

    def vector_search(self, name: str, q: SearchQuery, vector, k: int, min_similarity: float) -> SearchResult:
        """Meilisearch's hybrid search with ``semanticRatio`` 1 (the vector leg alone; the fusion
        with the other legs is ours, the same on both engines), the query's filters applied."""
        defn = self._defn(name)
        names = embedder_names(defn)
        pq = prepare_query(defn, replace(q, text="", facets=[], sort=[], boost={}, offset=0, limit=k), self.synonyms)
        if not names or pq.matches_nothing or k <= 0:
            return SearchResult(hits=[], total=0, facets={})
        params = vector_params(defn, pq, names[0], vector, k, min_similarity)
        try:
            res = self._client().index(self.uid(name)).search("", params)
        except MeilisearchApiError as exc:
            if exc.code == "index_not_found":
                return SearchResult(hits=[], total=0, facets={})
            raise
        hits = []
        for raw in res.get("hits", []):
            doc = {key: v for key, v in raw.items() if key in defn.fields}
            cosine = 2.0 * float(raw.get("_rankingScore", 0.0)) - 1.0  # Meilisearch scores (1 + cos) / 2
            hits.append(Hit(id=str(doc[defn.primary_key]), score=cosine, document=doc, highlights={}))
        return SearchResult(hits=hits, total=len(hits), facets={})


def _filter_for(defn: IndexDefinition, pq: PreparedQuery) -> list[str]:
    from expertnet.search.meili_backend import filter_for  # the one filter builder (no import cycle)

    return filter_for(defn, pq)


def _escape(value: Any) -> str:
    from expertnet.search.meili_backend import escape_value

    return escape_value(value)
