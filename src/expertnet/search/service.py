"""Directory search. The authorization filter is built here, from the user's identity only."""

import time
from dataclasses import replace
from weakref import WeakKeyDictionary

from sqlalchemy.ext.asyncio import AsyncSession

from expertnet.core import audit, reference
from expertnet.core.auth import Principal
from expertnet.core.errors import BadRequest, field_error
from expertnet.search import AsyncSearch, Range, SearchQuery, SearchResult
from expertnet.search.consultation_index import principals
from expertnet.search.hybrid import hybrid_search
from expertnet.search.indexer import CONSULTATIONS, EXPERTS, WRITES
from expertnet.search.schemas import (
    ConsultationHit,
    ConsultationSearchIn,
    ConsultationSearchPage,
    ExpertHit,
    ExpertSearchIn,
    ExpertSearchPage,
    FacetValue,
)

FACETS = ("categories", "languages", "coverage_countries", "regions", "org_type", "available")
# Browsing without text aggregates facets over most of the directory (~15 ms at 100,000 experts,
# the hits themselves ~3 ms). Those counts are shared by every official with the same filters, so
# they are kept for a few seconds, and dropped at once when this process writes to the index.
FACET_TTL_SECONDS = 5.0
# search client -> {query key: (expires at, index writes then, facet counts)}
_facet_cache: WeakKeyDictionary[AsyncSearch, dict[tuple, tuple[float, int, dict]]] = WeakKeyDictionary()


def _labels(field: str, value: str, locale: str) -> str:
    if field == "categories":
        category = reference.CATEGORIES.get(value)
        return category.name if category else value
    if field == "languages":
        return reference.language_name(value, locale)
    if field in ("coverage_countries", "country"):
        return reference.country_name(value, locale)
    if field == "regions":
        region = reference.REGIONS.get(value)
        return region.name if region else value
    if field == "available":
        return {"true": "available", "false": "unavailable"}.get(str(value).lower(), str(value))
    return value.replace("_", " ")


def _facet_values(counts_by_field: dict[str, dict], locale: str) -> dict[str, list[FacetValue]]:
    """Facet counts with display labels, most frequent first."""
    return {
        field: [
            FacetValue(value=str(v), label=_labels(field, str(v), locale), count=c)
            for v, c in sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))
        ]
        for field, counts in counts_by_field.items()
    }


def _facet_key(query: SearchQuery) -> tuple | None:
    if query.text.strip():
        return None
    filters = tuple(sorted((k, tuple(map(str, v))) for k, v in query.filters.items()))
    ranges = tuple((r.field, r.gt is not None, r.lt is not None, tuple(r.or_values)) for r in query.ranges)
    return (query.system, filters, ranges, tuple(query.facets))


async def _search_with_cached_facets(search: AsyncSearch, query: SearchQuery) -> SearchResult:
    key = _facet_key(query)
    if key is None:
        return await hybrid_search(search, EXPERTS, query)
    cache = _facet_cache.setdefault(search, {})
    now = time.monotonic()
    cached = cache.get(key)
    if cached and cached[0] > now and cached[1] == WRITES["count"]:
        result = await search.search(EXPERTS, replace(query, facets=[]))
        result.facets = cached[2]
        return result
    result = await search.search(EXPERTS, query)
    if len(cache) > 1000:
        cache.clear()
    cache[key] = (now + FACET_TTL_SECONDS, WRITES["count"], result.facets)
    return result


def visibility(principal: Principal | None, *, now: float | None = None) -> tuple[dict, list[Range]]:
    """What a user may see of the directory: admins everything (operator view), everyone else only
    approved experts whose vetting is current."""
    if principal is not None and principal.is_admin:
        return {}, []
    now = now or time.time()
    return {"vetting_status": ["approved"]}, [Range("vetted_until", gt=now, or_values=[0])]


def build_query(params: ExpertSearchIn, principal: Principal | None, *, system: bool = False) -> SearchQuery:
    filters: dict[str, list] = {}
    if params.categories:
        filters["categories"] = params.categories
    if params.languages:
        filters["languages"] = params.languages
    if params.countries:
        filters["coverage_countries"] = params.countries
    if params.regions:
        filters["regions"] = params.regions
    if params.org_types:
        filters["org_type"] = params.org_types
    if params.available is not None:
        filters["available"] = [params.available]
    ranges: list[Range] = []
    if not system:
        allowed, ranges = visibility(principal)
        filters.update(allowed)  # the server's clause replaces anything the client asked for
    return SearchQuery(
        text=params.q or "",
        filters=filters,
        ranges=ranges,
        facets=list(FACETS),
        offset=params.offset,
        limit=params.limit,
        system=system,
    )


async def search_experts(
    search: AsyncSearch,
    principal: Principal | None,
    params: ExpertSearchIn,
    *,
    system: bool = False,
    locale: str = "en",
) -> ExpertSearchPage:
    if not system and principal is None:
        raise BadRequest("search needs a signed-in member")
    for region in params.regions:
        if not reference.is_region(region):
            raise field_error("region", f"unknown regional group {region!r}")
    query = build_query(params, principal, system=system)
    result = await _search_with_cached_facets(search, query)
    items = [
        ExpertHit(
            id=int(hit.id),
            external_id=hit.document.get("external_id", ""),
            full_name=hit.document.get("full_name", ""),
            organisation=hit.document.get("organisation", ""),
            org_type=hit.document.get("org_type", ""),
            country=hit.document.get("country", ""),
            coverage_countries=hit.document.get("coverage_countries", []),
            languages=hit.document.get("languages", []),
            categories=hit.document.get("categories", []),
            specialties=hit.document.get("specialties", []),
            available=bool(hit.document.get("available")),
            vetting_status=hit.document.get("vetting_status", ""),
            score=hit.score,
            highlights=hit.highlights,
        )
        for hit in result.hits
    ]
    facets = _facet_values(result.facets, locale)
    return ExpertSearchPage(items=items, total=result.total, offset=params.offset, limit=params.limit, facets=facets)


CONSULTATION_FACETS = ("status", "category", "urgency", "location_country")


async def search_consultations(
    session: AsyncSession,
    search: AsyncSearch,
    principal: Principal,
    params: ConsultationSearchIn,
    *,
    locale: str = "en",
    ip: str = "",
) -> ConsultationSearchPage:
    """Only consultations the user may read: the acl comes from the identity, never from the client.
    Hits show case data (titles, highlights), so every search is audited: who, the query, the hits."""
    filters: dict[str, list] = {}
    if params.status:
        filters["status"] = params.status
    if params.category:
        filters["category"] = params.category
    query = SearchQuery(
        text=params.q,
        filters=filters,
        acl=principals(principal),
        facets=list(CONSULTATION_FACETS),
        offset=params.offset,
        limit=params.limit,
        sort=[] if params.q else [("created_at", "desc")],
    )
    result = await search.search(CONSULTATIONS, query)
    items = [
        ConsultationHit(
            id=int(hit.id),
            title=hit.document["title"],
            category=hit.document.get("category", ""),
            location_country=hit.document.get("location_country", ""),
            origin_country=hit.document.get("origin_country", ""),
            languages=hit.document.get("languages", []),
            status=hit.document["status"],
            urgency=hit.document["urgency"],
            created_at=hit.document.get("created_at", 0),
            score=hit.score,
            highlights=hit.highlights,
        )
        for hit in result.hits
    ]
    facets = _facet_values(result.facets, locale)
    await audit.record(
        session,
        "consultation.search",
        actor_id=principal.id,
        object_type="consultation",
        ip=ip,
        detail={
            "q": params.q,
            "filters": {"status": list(params.status or []), "category": list(params.category or [])},
            "offset": params.offset,
            "limit": params.limit,
            "hits": result.total,
            "ids": [item.id for item in items],
        },
    )
    return ConsultationSearchPage(
        items=items, total=result.total, offset=params.offset, limit=params.limit, facets=facets
    )
