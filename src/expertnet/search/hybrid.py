"""Hybrid retrieval: what a query text means, looked up several ways, fused by one rule.

* **lexical leg** -- the engine's own word search (typos, prefixes, synonyms, both scripts) on the
  text with its negated parts removed;
* **concept leg** -- the vocabulary concepts and categories :func:`expertnet.matching.understanding.understand`
  found in the text (any language the vocabulary knows, typos, inflection, transliteration), looked
  up in each document's ``concepts`` (its own concept ids and ``category:<slug>`` of its categories),
  ranked in our code by the worth of those a document has (the same order on both engines);
  concepts the text excludes are left out;
* **vector leg** -- the nearest profile vectors to the query's dense multilingual vector, above
  ``MIN_SIMILARITY`` (experts without a vector yet are simply not in this leg);
* **label-vector leg** -- the same with the vector of the English labels of the concepts found
  (weak: it carries languages the sentence encoder knows poorly).

Every leg is the same :class:`SearchQuery` with the caller's filters, ranges and authorization
clause, so no leg can show what the others may not. The lists are fused by
:func:`expertnet.search.fusion.fuse` (weighted reciprocal-rank fusion, K = 60), the same on both
engines. Browsing (no text) and explicit sorts are plain engine searches.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace

import anyio.to_thread
import numpy as np

from expertnet.matching.understanding import Understanding
from expertnet.search.backend import MAX_LIMIT, AsyncSearch, Hit, SearchQuery, SearchResult
from expertnet.search.fusion import Leg, fuse

POOL = 100  # hits taken from each leg before fusing (at least offset + limit)
MAX_POOL = 1000
# Leg weights and the vector leg's floor, tuned on the dev split of tests/data/search_eval only.
LEXICAL_WEIGHT = 2.0
CONCEPT_WEIGHT = 1.0
VECTOR_WEIGHT = 0.4
LABEL_VECTOR_WEIGHT = 0.2
MIN_SIMILARITY = 0.5
# A category is looked up only when the text names it (the vocabulary's evidence unit: 4 = named
# once); one merely implied by an object or a culture ("Khmer" -> archaeology) would bring the
# whole discipline.
MIN_CATEGORY_EVIDENCE = 4.0


@dataclass(frozen=True)
class Expansion:
    """What the concept leg looks up, and what each concept is worth to a document that has it."""

    concepts: tuple[str, ...]  # concept ids and category:<slug>
    categories: tuple[str, ...]  # category slugs (boosted)
    weights: dict[str, float] = field(default_factory=dict, compare=False)

    def score(self, doc: dict) -> float:
        return sum(self.weights.get(c, 0.0) for c in doc.get("concepts") or ())


def expansion(u: Understanding) -> Expansion:
    excluded = u.excluded_ids
    weights: dict[str, float] = {}
    for c in u.concepts:  # 1.0 named, less after a typo fix or when only implied (broader)
        if c.id not in excluded:
            weights[c.id] = max(weights.get(c.id, 0.0), c.weight)
    categories = [
        slug
        for slug, score in u.text_categories
        if score * u.text_strength >= MIN_CATEGORY_EVIDENCE and f"category:{slug}" not in excluded
    ]
    for slug, score in u.text_categories:
        if slug in categories:
            weights[f"category:{slug}"] = max(weights.get(f"category:{slug}", 0.0), score)
    return Expansion(tuple(weights), tuple(categories), weights)


def rank_by_concepts(exp: Expansion, result: SearchResult) -> SearchResult:
    """The concept leg ranked by the worth of the concepts each document has (the engine's order
    breaks ties): the same order on both engines, whatever their boosting can do."""
    order = sorted(range(len(result.hits)), key=lambda i: (-exp.score(result.hits[i].document), i))
    return replace(result, hits=[result.hits[i] for i in order])


async def understand_query(text: str) -> Understanding:
    from expertnet.matching.understanding import understand

    return await anyio.to_thread.run_sync(lambda: understand(text))


async def label_vector(u: Understanding) -> np.ndarray | None:
    """The vector of the English labels of the concepts the vocabulary found in the text: the
    sentence encoder is weak in many of our languages (Serbian, Georgian, Kazakh ...), the
    vocabulary is not, and profiles are mostly written in English. None without such concepts."""
    if u.vector is None:
        return None
    labels = " ".join(dict.fromkeys(c.label for c in u.direct_concepts if c.id not in u.excluded_ids))
    if not labels:
        return None
    from expertnet.matching.embedder import embed_query

    return await anyio.to_thread.run_sync(embed_query, labels)


async def _pages(search: AsyncSearch, index: str, query: SearchQuery, want: int) -> SearchResult:
    """The first ``want`` hits of a query, in engine pages of at most MAX_LIMIT."""
    first = await search.search(index, replace(query, offset=0, limit=min(want, MAX_LIMIT)))
    hits = list(first.hits)
    while len(hits) < min(want, first.total) and len(hits) % MAX_LIMIT == 0:
        more = await search.search(
            index, replace(query, offset=len(hits), limit=min(want - len(hits), MAX_LIMIT), facets=[])
        )
        if not more.hits:
            break
        hits += more.hits
    return SearchResult(hits=hits, total=first.total, facets=first.facets)


async def hybrid_search(
    search: AsyncSearch, index: str, query: SearchQuery, understanding: Understanding | None = None
) -> SearchResult:
    if not query.text.strip() or query.sort:
        return await search.search(index, query)
    u = understanding if understanding is not None else await understand_query(query.text)
    want = min(MAX_POOL, max(POOL, query.offset + query.limit))
    lexical_text = u.positive_text if (u.excluded or u.negations) else query.text
    exp = expansion(u)
    jobs: list[tuple[str, float, Callable[[], Awaitable[SearchResult]]]] = []
    if lexical_text.strip():
        jobs.append(("lexical", LEXICAL_WEIGHT, lambda: _pages(search, index, replace(query, text=lexical_text), want)))
    if exp.concepts:
        concept_query = replace(
            query,
            text="",
            highlight=False,
            filters={**query.filters, "concepts": list(exp.concepts)},
            boost={"concepts": list(exp.concepts), **({"categories": list(exp.categories)} if exp.categories else {})},
        )

        async def concept_leg() -> SearchResult:
            return rank_by_concepts(exp, await _pages(search, index, concept_query, want))

        jobs.append(("concept", CONCEPT_WEIGHT, concept_leg))
    vector_query = replace(query, text="", facets=[], highlight=False)

    def vector_leg(vector_of: Callable[[], Awaitable[np.ndarray | None]]) -> Callable[[], Awaitable[SearchResult]]:
        async def leg() -> SearchResult:
            vector = await vector_of()
            if vector is None:
                return SearchResult(hits=[], total=0, facets={})
            return await search.vector_search(index, vector_query, vector, want, MIN_SIMILARITY)

        return leg

    async def text_vector() -> np.ndarray | None:
        return u.vector

    if u.vector is not None:
        jobs.append(("vector", VECTOR_WEIGHT, vector_leg(text_vector)))
        jobs.append(("label-vector", LABEL_VECTOR_WEIGHT, vector_leg(lambda: label_vector(u))))
    # The legs are independent: they run at once (the engines release the GIL).
    results: list[SearchResult | None] = [None] * len(jobs)

    async def run(i: int, job: Callable[[], Awaitable[SearchResult]]) -> None:
        results[i] = await job()

    async with anyio.create_task_group() as group:
        for i, (_, _, job) in enumerate(jobs):
            group.start_soon(run, i, job)
    legs = [(name, weight, result) for (name, weight, _), result in zip(jobs, results) if result is not None]
    if not legs:
        return SearchResult(hits=[], total=0, facets={f: {} for f in query.facets})

    hits_by_id: dict[str, Hit] = {}
    for _, _, result in legs:
        for hit in result.hits:
            hits_by_id.setdefault(hit.id, hit)  # the lexical leg's hit (with highlights) first
    fused = fuse(Leg(name, weight, [h.id for h in result.hits]) for name, weight, result in legs)
    page = [
        replace(hits_by_id[doc_id], score=score) for doc_id, score in fused[query.offset : query.offset + query.limit]
    ]
    complete = all(len(result.hits) >= result.total for _, _, result in legs)
    total = len(fused) if complete else max([len(fused)] + [r.total for _, _, r in legs])
    counted = [r for name, _, r in legs if name != "vector"]
    facets = max(counted, key=lambda r: r.total).facets if counted else {f: {} for f in query.facets}
    return SearchResult(hits=page, total=total, facets=facets)
