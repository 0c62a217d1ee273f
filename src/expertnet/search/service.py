"""Directory search. The authorization filter is built here, from the user's identity only."""
import time

from expertnet.config import Settings
from expertnet.core.auth import Principal
from expertnet.core.errors import BadRequest, field_error
from expertnet.experts import reference
from expertnet.search import Range, SearchQuery
from expertnet.search.indexer import EXPERTS, get_search
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


async def search_experts(settings: Settings, principal: Principal | None, params: ExpertSearchIn, *, system: bool = False, locale: str = "en") -> ExpertSearchPage:
    if not system and principal is None:
        raise BadRequest("search needs a signed-in member")
    for region in params.regions:
        if not reference.is_region(region):
            raise field_error("region", f"unknown regional group {region!r}")
    result = await get_search(settings).search(EXPERTS, build_query(params, principal, system=system))
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
    facets = {
        field: [FacetValue(value=str(v), label=_labels(field, str(v), locale), count=c) for v, c in sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))]
        for field, counts in result.facets.items()
    }
    return ExpertSearchPage(items=items, total=result.total, offset=params.offset, limit=params.limit, facets=facets)


CONSULTATION_FACETS = ("status", "category", "urgency", "location_country")


async def search_consultations(settings: Settings, principal: Principal, params: ConsultationSearchIn, *, locale: str = "en") -> ConsultationSearchPage:
    """Only consultations the user may read: the acl comes from the identity, never from the client."""
    from expertnet.search.consultation_index import INDEX, principals

    filters: dict[str, list] = {}
    if params.status:
        filters["status"] = params.status
    if params.category:
        filters["category"] = params.category
    query = SearchQuery(
        text=params.q, filters=filters, acl=principals(principal), facets=list(CONSULTATION_FACETS),
        offset=params.offset, limit=params.limit, sort=[] if params.q else [("created_at", "desc")],
    )
    result = await get_search(settings).search(INDEX, query)
    items = [
        ConsultationHit(
            id=int(hit.id), title=hit.document["title"], category=hit.document.get("category", ""),
            location_country=hit.document.get("location_country", ""), origin_country=hit.document.get("origin_country", ""),
            languages=hit.document.get("languages", []), status=hit.document["status"], urgency=hit.document["urgency"],
            created_at=hit.document.get("created_at", 0), score=hit.score, highlights=hit.highlights,
        )
        for hit in result.hits
    ]
    facets = {
        field: [FacetValue(value=str(v), label=_labels(field, str(v), locale), count=c) for v, c in sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))]
        for field, counts in result.facets.items()
    }
    return ConsultationSearchPage(items=items, total=result.total, offset=params.offset, limit=params.limit, facets=facets)
