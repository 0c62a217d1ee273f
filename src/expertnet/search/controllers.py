from typing import Annotated

from litestar import Request, get
from litestar.params import Parameter
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from expertnet.core.auth import MEMBER, OFFICIAL, Principal, access
from expertnet.core.deps import client_ip
from expertnet.core.errors import BadRequest, FieldError
from expertnet.search import AsyncSearch, service
from expertnet.search.schemas import ConsultationSearchIn, ConsultationSearchPage, ExpertSearchIn, ExpertSearchPage


def parse_params(schema, **raw):
    """Query parameters -> a validated schema; errors become a 400 naming each field."""
    try:
        return schema.model_validate({k: v for k, v in raw.items() if v is not None})
    except ValidationError as exc:
        errors = [
            FieldError(
                ".".join(str(p) for p in e["loc"] if not isinstance(p, int)), e["msg"].removeprefix("Value error, ")
            )
            for e in exc.errors()
        ]
        raise BadRequest("; ".join(f"{e.field}: {e.reason}" for e in errors), errors) from None


@get("/api/v1/experts/search", opt=access(OFFICIAL), tags=["experts"])
async def search_experts(
    search: AsyncSearch,
    principal: Principal,
    q: Annotated[str, Parameter(max_length=300)] = "",
    category: Annotated[list[str] | None, Parameter(description="category slug; repeat for OR")] = None,
    language: Annotated[list[str] | None, Parameter(description="ISO 639-1; repeat for OR")] = None,
    country: Annotated[list[str] | None, Parameter(description="covered country, ISO 3166-1 alpha-2")] = None,
    region: Annotated[list[str] | None, Parameter(description="regional group slug")] = None,
    org_type: Annotated[list[str] | None, Parameter()] = None,
    available: bool | None = None,
    offset: Annotated[int, Parameter(ge=0, le=9_980)] = 0,
    limit: Annotated[int, Parameter(ge=1, le=100)] = 20,
) -> ExpertSearchPage:
    """Search the directory: free text (typo-, diacritic- and script-tolerant) and filters, with facet
    counts and highlighted matches. Officials see approved experts with current vetting only."""
    params = parse_params(
        ExpertSearchIn,
        q=q,
        categories=category,
        languages=language,
        countries=country,
        regions=region,
        org_types=org_type,
        available=available,
        offset=offset,
        limit=limit,
    )
    return await service.search_experts(search, principal, params, locale=principal.ui_language)


@get("/api/v1/consultations/search", opt=access(MEMBER), tags=["consultations"])
async def search_consultations(
    request: Request,
    db_session: AsyncSession,
    search: AsyncSearch,
    principal: Principal,
    q: Annotated[str, Parameter(max_length=300)] = "",
    status: Annotated[list[str] | None, Parameter(description="repeat for OR")] = None,
    category: Annotated[list[str] | None, Parameter()] = None,
    offset: Annotated[int, Parameter(ge=0, le=9_980)] = 0,
    limit: Annotated[int, Parameter(ge=1, le=100)] = 20,
) -> ConsultationSearchPage:
    """Search the consultations you may read: officials their own, experts those offered or assigned
    to them, admins all."""
    params = parse_params(ConsultationSearchIn, q=q, status=status, category=category, offset=offset, limit=limit)
    return await service.search_consultations(
        db_session, search, principal, params, locale=principal.ui_language, ip=client_ip(request)
    )


ROUTES = [search_experts, search_consultations]
