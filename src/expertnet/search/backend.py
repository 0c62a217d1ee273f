"""The search interface shared by the Tantivy and Meilisearch backends.

Everything that must behave the same on both engines lives in three modules: this one (the
``SearchBackend`` protocol and its async facade), :mod:`expertnet.search.query` (queries, results,
their validation, the deny-by-default ACL rule, document checks) and
:mod:`expertnet.search.text_match` (the typo rule, synonym expansion, the highlighter). Their
names are re-exported here.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any, Protocol, runtime_checkable

import anyio.to_thread

from expertnet.search.query import (  # noqa: F401 - re-exported
    MAX_ACL_PRINCIPALS,
    MAX_FILTER_VALUES,
    MAX_KEYWORD_CHARS,
    MAX_LIMIT,
    Hit,
    NumRange,
    PreparedQuery,
    Range,
    SearchAuthorizationError,
    SearchQuery,
    SearchResult,
    clean_document,
    empty_result,
    prepare_query,
    visible_window,
)
from expertnet.search.text_match import (  # noqa: F401 - re-exported
    MAX_QUERY_CHARS,
    MAX_QUERY_TOKENS,
    MAX_TOKEN_CHARS,
    PREFIX_MIN_CHARS,
    SNIPPET_CHARS,
    Synonyms,
    TextPlan,
    WordMatcher,
    edit_distance_at_most,
    highlight_document,
    highlight_full,
    highlight_snippet,
    plan_text,
    typo_budget,
)


@runtime_checkable
class SearchBackend(Protocol):
    def ensure_index(self, name: str) -> None: ...

    def upsert(self, name: str, docs: list[dict]) -> None: ...

    def delete(self, name: str, ids: list[str]) -> None: ...

    def search(self, name: str, q: SearchQuery) -> SearchResult: ...

    def rebuild(self, name: str, docs: Iterable[dict], progress: Callable[[int], None] | None = None) -> int: ...

    def count(self, name: str) -> int: ...

    def set_vectors(self, name: str, vectors: dict) -> None:
        """Dense vectors by document id (float array, or None to remove one): the vector leg."""
        ...

    def vector_search(self, name: str, q: SearchQuery, vector: Any, k: int, min_similarity: float) -> SearchResult:
        """Up to ``k`` documents by cosine to ``vector`` (>= ``min_similarity``), best first, with
        ``q``'s filters, ranges and authorization clause applied; ``q.text`` is ignored."""
        ...

    def health(self) -> dict: ...

    def close(self) -> None: ...


class AsyncSearch:
    """Async facade: every call runs in a worker thread (the engines block; Tantivy releases the
    GIL, the Meilisearch client is synchronous)."""

    def __init__(self, backend: SearchBackend, limiter: anyio.CapacityLimiter | None = None):
        self.backend = backend
        self._limiter = limiter

    async def _run(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await anyio.to_thread.run_sync(functools.partial(fn, *args), limiter=self._limiter)

    async def ensure_index(self, name: str) -> None:
        await self._run(self.backend.ensure_index, name)

    async def upsert(self, name: str, docs: list[dict]) -> None:
        await self._run(self.backend.upsert, name, docs)

    async def delete(self, name: str, ids: list[str]) -> None:
        await self._run(self.backend.delete, name, ids)

    async def search(self, name: str, q: SearchQuery) -> SearchResult:
        return await self._run(self.backend.search, name, q)

    async def rebuild(self, name: str, docs: Iterable[dict], progress: Callable[[int], None] | None = None) -> int:
        return await self._run(self.backend.rebuild, name, docs, progress)

    async def count(self, name: str) -> int:
        return await self._run(self.backend.count, name)

    async def set_vectors(self, name: str, vectors: dict) -> None:
        await self._run(self.backend.set_vectors, name, vectors)

    async def vector_search(
        self, name: str, q: SearchQuery, vector: Any, k: int, min_similarity: float
    ) -> SearchResult:
        return await self._run(self.backend.vector_search, name, q, vector, k, min_similarity)

    async def health(self) -> dict:
        return await self._run(self.backend.health)

    async def close(self) -> None:
        await self._run(self.backend.close)
