"""Candidate retrieval from the search index (never a table scan), and the candidates' vectors.

The hard constraints the index knows (vetting, availability, capacity, languages, market ties) are
filters of every query, so that the engines do the narrowing. Up to four queries gather candidates:

* ``in_category``: within the likely categories (the category carries half of the score, so the
  winners are almost always there), ranked by concepts, first language and coverage;
* ``by_words``: anywhere, by the words the vocabulary did not understand (rare names, typos,
  specialties it does not know), ``matching="any"``;
* ``by_vector``: anywhere, the profiles nearest to the request's dense vector (the engines' vector
  leg, same filters): an expert reachable only through similarity (a request in a language the
  vocabulary does not know) is not missed;
* ``by_concepts``: anywhere, by concepts, when no category is likely or the likely ones hold few
  eligible experts.

The candidates' profile vectors come from :func:`expertnet.matching.vectors.vectors_for` (the
worker fills them); an expert without one yet gets no dense evidence.
"""

import asyncio
import logging
import time
from functools import lru_cache, partial

import numpy as np
from sqlalchemy.ext.asyncio import AsyncSession

from expertnet.consultations.routing.model import RoutingSpec
from expertnet.consultations.routing.request import RequestProfile
from expertnet.search import AsyncSearch

log = logging.getLogger(__name__)

INDEX = "experts"
RETRIEVE_PER_QUERY = 100  # the search layer's page limit
RETRIEVE_WIDE = 50  # candidates of the wider queries (outside the likely categories, by words, by vector)
MIN_SIMILARITY = 0.1  # the vector leg ignores profiles less similar than this (cosine)
CATEGORY_FILTER_MIN = 0.3  # inferred categories at least this strong (of the best one) are "likely"


def retrieval_queries(req: RequestProfile, spec: RoutingSpec, definition) -> dict:
    """name -> SearchQuery (in_category, by_words, by_vector, by_concepts); a query with nothing to
    ask is left out."""
    from expertnet.search import Range, SearchQuery

    now = int(time.time())
    filters: dict[str, list[str | int | bool]] = {
        "vetting_status": ["approved"],
        "available": [True],
        "has_capacity": [True],
    }
    if spec.languages:
        filters["languages"] = list(spec.languages)
    if spec.exclude_market_ties:
        filters["market_ties"] = [False]
    # Documents carry 0 for "no expiry" and "not away".
    ranges = [Range("vetted_until", gt=now, or_values=[0])]
    if definition is not None and "away_until" in definition.filterable:
        ranges.append(Range("away_until", lt=now, or_values=[0]))
    likely = [slug for slug, weight in req.likely_categories if weight >= CATEGORY_FILTER_MIN][:4]
    boost: dict[str, list[str]] = {}
    concept_ids = list(req.concepts) + sorted(req.broader)
    if concept_ids:
        boost["concepts"] = concept_ids[:200]
    if spec.languages:
        boost["languages"] = [spec.languages[0]]
    countries = [c for c in (spec.object_origin_country, spec.location_country) if c]
    if countries:
        boost["coverage_countries"] = list(dict.fromkeys(countries))
    wide_boost = dict(boost)
    if likely:
        wide_boost["categories"] = likely[:1]
    if definition is not None:
        boost = {k: v for k, v in boost.items() if k in definition.boost and v}
        wide_boost = {k: v for k, v in wide_boost.items() if k in definition.boost and v}
    query = partial(SearchQuery, ranges=ranges, system=True, highlight=False)
    queries = {}
    if likely:
        queries["in_category"] = query(
            text="", filters={**filters, "categories": [*likely]}, boost=boost, limit=RETRIEVE_PER_QUERY
        )
    if req.keywords:
        queries["by_words"] = query(
            text=req.keywords, matching="any", filters=filters, boost=wide_boost, limit=RETRIEVE_WIDE
        )
    if req.vector is not None:
        queries["by_vector"] = query(text="", filters=filters, limit=RETRIEVE_WIDE)
    queries["by_concepts"] = query(
        text="", filters=filters, boost=wide_boost, limit=RETRIEVE_WIDE if likely else RETRIEVE_PER_QUERY
    )
    return queries


@lru_cache(maxsize=1)
def _definition():
    try:
        from expertnet.search import load_definition

        return load_definition(INDEX)
    except Exception:  # noqa: BLE001 - the definition only refines the query
        log.warning("index definition %r unavailable", INDEX)
        return None


async def retrieve(search: AsyncSearch, req: RequestProfile, spec: RoutingSpec) -> dict[int, frozenset[str]]:
    """Expert id -> the profile's concepts, for the candidates worth scoring, from the index."""
    queries = retrieval_queries(req, spec, _definition())
    by_concepts = queries.pop("by_concepts")
    names = list(queries)

    def run(name):
        if name == "by_vector":
            return search.vector_search(INDEX, queries[name], req.vector, RETRIEVE_WIDE, MIN_SIMILARITY)
        return search.search(INDEX, queries[name])

    results = dict(zip(names, await asyncio.gather(*(run(n) for n in names))))
    # Outside the likely categories, concepts matter only if those categories run short.
    if "in_category" not in results or results["in_category"].total < RETRIEVE_PER_QUERY:
        results["by_concepts"] = await search.search(INDEX, by_concepts)
    found: dict[int, frozenset[str]] = {}
    for result in results.values():
        for hit in result.hits:
            try:
                expert_id = int(hit.id)
            except ValueError:
                continue
            if expert_id not in found:
                found[expert_id] = frozenset(hit.document.get("concepts") or ())
    return found


async def candidate_vectors(session: AsyncSession, req: RequestProfile, expert_ids) -> dict[int, np.ndarray]:
    """The stored profile vectors of these experts (those without one are missing), or nothing
    when the request has no vector."""
    if req.vector is None:
        return {}
    from expertnet.matching.vectors import vectors_for

    return await vectors_for(session, list(expert_ids))
