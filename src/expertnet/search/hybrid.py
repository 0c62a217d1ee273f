"""Hybrid retrieval: what a query text means, looked up three ways, fused by one rule.

* **lexical leg** -- the engine's own word search (typos, prefixes, synonyms, both scripts) on the
  text with its negated parts removed;
* **concept leg** -- the vocabulary concepts and categories :func:`expertnet.matching.understanding.understand`
  found in the text (any language the vocabulary knows, typos, inflection, transliteration), looked
  up in each document's ``concepts`` (its own concept ids and ``category:<slug>`` of its categories),
  ranked by how many of them a document has; concepts the text excludes are left out;
* **vector leg** -- the nearest profile vectors to the query's dense multilingual vector, above
  ``MIN_SIMILARITY`` (experts without a vector yet are simply not in this leg).

Every leg is the same :class:`SearchQuery` with the caller's filters, ranges and authorization
clause, so no leg can show what the others may not. The lists are fused by
:func:`expertnet.search.fusion.fuse` (weighted reciprocal-rank fusion, K = 60), the same on both
engines. Browsing (no text) and explicit sorts are plain engine searches.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import anyio.to_thread

from expertnet.matching.understanding import Understanding
from expertnet.search.backend import MAX_LIMIT, AsyncSearch, Hit, SearchQuery, SearchResult
from expertnet.search.fusion import Leg, fuse

POOL = 100  # hits taken from each leg before fusing (at least offset + limit)
MAX_POOL = 1000
# Leg weights and the vector leg's floor, tuned on the dev split of tests/data/search_eval only.
LEXICAL_WEIGHT = 1.0
CONCEPT_WEIGHT = 1.0
VECTOR_WEIGHT = 0.6
MIN_SIMILARITY = 0.45
MIN_CATEGORY_SCORE = 0.5  # a category the text implies less strongly than this is not expanded


@dataclass(frozen=True)
class Expansion:
    """What the concept leg looks up."""

    concepts: tuple[str, ...]  # concept ids and category:<slug>
    categories: tuple[str, ...]  # category slugs (boosted)


def expansion(u: Understanding) -> Expansion:
    excluded = u.excluded_ids
    concepts = [c.id for c in u.concepts if c.id not in excluded]
    categories = [slug for slug, score in u.text_categories if score >= MIN_CATEGORY_SCORE
                  and f"category:{slug}" not in excluded]
    concepts += [f"category:{slug}" for slug in categories]
    return Expansion(tuple(dict.fromkeys(concepts)), tuple(categories))


async def understand_query(text: str) -> Understanding:
    from expertnet.matching.understanding import understand

    return await anyio.to_thread.run_sync(lambda: understand(text))


async def _pages(search: AsyncSearch, index: str, query: SearchQuery, want: int) -> SearchResult:
    """The first ``want`` hits of a query, in engine pages of at most MAX_LIMIT."""
    first = await search.search(index, replace(query, offset=0, limit=min(want, MAX_LIMIT)))
    hits = list(first.hits)
    while len(hits) < min(want, first.total) and len(hits) % MAX_LIMIT == 0:
        more = await search.search(index, replace(query, offset=len(hits), limit=min(want - len(hits), MAX_LIMIT), facets=[]))
        if not more.hits:
            break
        hits += more.hits
    return SearchResult(hits=hits, total=first.total, facets=first.facets)


async def hybrid_search(search: AsyncSearch, index: str, query: SearchQuery,
                        understanding: Understanding | None = None) -> SearchResult:
    if not query.text.strip() or query.sort:
        return await search.search(index, query)
    u = understanding if understanding is not None else await understand_query(query.text)
    want = min(MAX_POOL, max(POOL, query.offset + query.limit))
    lexical_text = u.positive_text if (u.excluded or u.negations) else query.text
    legs: list[tuple[str, float, SearchResult]] = []
    if lexical_text.strip():
        legs.append(("lexical", LEXICAL_WEIGHT, await _pages(search, index, replace(query, text=lexical_text), want)))
    exp = expansion(u)
    if exp.concepts:
        concept_query = replace(
            query, text="", highlight=False,
            filters={**query.filters, "concepts": list(exp.concepts)},
            boost={"concepts": list(exp.concepts), **({"categories": list(exp.categories)} if exp.categories else {})},
        )
        legs.append(("concept", CONCEPT_WEIGHT, await _pages(search, index, concept_query, want)))
    if u.vector is not None:
        vector_query = replace(query, text="", facets=[], highlight=False)
        legs.append(("vector", VECTOR_WEIGHT,
                     await search.vector_search(index, vector_query, u.vector, want, MIN_SIMILARITY)))
    if not legs:
        return SearchResult(hits=[], total=0, facets={f: {} for f in query.facets})

    hits_by_id: dict[str, Hit] = {}
    for _, _, result in legs:
        for hit in result.hits:
            hits_by_id.setdefault(hit.id, hit)  # the lexical leg's hit (with highlights) first
    fused = fuse(Leg(name, weight, [h.id for h in result.hits]) for name, weight, result in legs)
    page = [replace(hits_by_id[doc_id], score=score)
            for doc_id, score in fused[query.offset : query.offset + query.limit]]
    complete = all(len(result.hits) >= result.total for _, _, result in legs)
    total = len(fused) if complete else max([len(fused)] + [r.total for _, _, r in legs])
    counted = [r for name, _, r in legs if name != "vector"]
    facets = max(counted, key=lambda r: r.total).facets if counted else {f: {} for f in query.facets}
    return SearchResult(hits=page, total=total, facets=facets)
