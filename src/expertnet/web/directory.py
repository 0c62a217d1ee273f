"""Directory search (live results while typing, facet filters) and expert profiles."""

from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Request, Response, get
from litestar.params import Parameter
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from expertnet.core.auth import MEMBER, OFFICIAL, Principal, access
from expertnet.db import utcnow
from expertnet.experts import service as experts
from expertnet.search import AsyncSearch
from expertnet.search import service as search_service
from expertnet.search.schemas import ExpertSearchIn
from expertnet.web import i18n
from expertnet.web.common import field_errors, is_htmx, render

PAGE_SIZE = 20
# Facet groups in the order they are shown: (search field, query parameter, label kind).
FACET_GROUPS = (
    ("categories", "category"),
    ("languages", "language"),
    ("regions", "region"),
    ("coverage_countries", "country"),
    ("org_type", "org_type"),
)

Multi = Annotated[list[str] | None, Parameter(max_items=50)]


def _query_string(params: ExpertSearchIn, offset: int | None = None) -> str:
    pairs: list[tuple[str, str]] = []
    if params.q:
        pairs.append(("q", params.q))
    pairs += [("category", v) for v in params.categories]
    pairs += [("language", v) for v in params.languages]
    pairs += [("region", v) for v in params.regions]
    pairs += [("country", v) for v in params.countries]
    pairs += [("org_type", v) for v in params.org_types]
    if params.available is not None:
        pairs.append(("available", "true" if params.available else "false"))
    if offset:
        pairs.append(("offset", str(offset)))
    return urlencode(pairs)


async def _search(
    request: Request,
    search: AsyncSearch,
    principal: Principal,
    q: str,
    category: list[str] | None,
    language: list[str] | None,
    region: list[str] | None,
    country: list[str] | None,
    org_type: list[str] | None,
    available: str | None,
    offset: int,
) -> dict:
    locale = i18n.locale_of(request)
    raw: dict[str, Any] = {
        "q": q.strip(),
        "categories": category or [],
        "languages": language or [],
        "regions": region or [],
        "countries": country or [],
        "org_types": org_type or [],
        "available": {"true": True, "false": False}.get(available or ""),
        "offset": offset,
        "limit": PAGE_SIZE,
    }
    try:
        params = ExpertSearchIn.model_validate(raw)
    except ValidationError as exc:
        # Bad filter values come only from edited URLs: show the message and an empty result.
        params = ExpertSearchIn(q=raw["q"][:300])
        return {"params": params, "page": None, "errors": field_errors(request, exc), "selected": {}, "qs": ""}
    page = await search_service.search_experts(search, principal, params, locale=locale)
    selected = {
        "categories": params.categories,
        "languages": params.languages,
        "regions": params.regions,
        "coverage_countries": params.countries,
        "org_type": params.org_types,
    }
    return {
        "params": params,
        "page": page,
        "errors": {},
        "selected": selected,
        "qs": _query_string(params),
        "next_qs": _query_string(params, offset + PAGE_SIZE) if page.total > offset + PAGE_SIZE else "",
        "prev_qs": _query_string(params, max(0, offset - PAGE_SIZE)) if offset > 0 else "",
        "facet_groups": FACET_GROUPS,
    }


@get("/directory", opt=access(OFFICIAL))
async def directory_page(
    request: Request,
    search: AsyncSearch,
    principal: Principal,
    q: Annotated[str, Parameter(max_length=300)] = "",
    category: Multi = None,
    language: Multi = None,
    region: Multi = None,
    country: Multi = None,
    org_type: Multi = None,
    available: Annotated[str | None, Parameter(pattern="^(true|false)?$")] = None,
    offset: Annotated[int, Parameter(ge=0, le=9_980)] = 0,
) -> Response:
    context = await _search(
        request, search, principal, q, category, language, region, country, org_type, available, offset
    )
    return render(request, "directory/search.html", context)


@get("/directory/results", opt=access(OFFICIAL))
async def directory_results(
    request: Request,
    search: AsyncSearch,
    principal: Principal,
    q: Annotated[str, Parameter(max_length=300)] = "",
    category: Multi = None,
    language: Multi = None,
    region: Multi = None,
    country: Multi = None,
    org_type: Multi = None,
    available: Annotated[str | None, Parameter(pattern="^(true|false)?$")] = None,
    offset: Annotated[int, Parameter(ge=0, le=9_980)] = 0,
) -> Response:
    """The results partial (and, out of band, the facet counts) for htmx; a full page otherwise."""
    context = await _search(
        request, search, principal, q, category, language, region, country, org_type, available, offset
    )
    if not is_htmx(request):
        return render(request, "directory/search.html", context)
    response = render(request, "partials/directory_results.html", {**context, "oob": True})
    # The address bar follows the search, so the URL can be bookmarked or shared with a colleague.
    response.headers["HX-Push-Url"] = "/directory" + (f"?{context['qs']}" if context["qs"] else "")
    return response


@get("/experts/{expert_id:int}", opt=access(MEMBER, read_only=True))
async def expert_page(request: Request, db_session: AsyncSession, principal: Principal, expert_id: int) -> Response:
    expert = await experts.get_visible(db_session, principal, expert_id)
    return render(request, "directory/expert.html", {"expert": expert, "today": utcnow().date()})


ROUTES = [directory_page, directory_results, expert_page]
