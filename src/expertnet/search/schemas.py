from pydantic import Field

from expertnet.core.schemas import Categories, Countries, Input, Languages, Output


class ExpertSearchIn(Input):
    q: str = Field(default="", max_length=300)
    categories: Categories = []
    languages: Languages = []
    countries: Countries = Field(default_factory=list, description="countries the expert covers")
    regions: list[str] = Field(default_factory=list, max_length=20)
    org_types: list[str] = Field(default_factory=list, max_length=10)
    available: bool | None = None
    offset: int = Field(default=0, ge=0, le=9_980)
    limit: int = Field(default=20, ge=1, le=100)


class ExpertHit(Output):
    id: int
    external_id: str
    full_name: str
    organisation: str
    org_type: str
    country: str
    coverage_countries: list[str]
    languages: list[str]
    categories: list[str]
    specialties: list[str]
    available: bool
    vetting_status: str
    score: float
    highlights: dict[str, str] = Field(description="HTML-escaped text with <mark> around matched words")


class FacetValue(Output):
    value: str
    label: str
    count: int


class ExpertSearchPage(Output):
    items: list[ExpertHit]
    total: int
    offset: int
    limit: int
    facets: dict[str, list[FacetValue]]


class ConsultationSearchIn(Input):
    q: str = Field(default="", max_length=300)
    status: list[str] = Field(default_factory=list, max_length=12)
    category: Categories = []
    offset: int = Field(default=0, ge=0, le=9_980)
    limit: int = Field(default=20, ge=1, le=100)


class ConsultationHit(Output):
    id: int
    title: str
    category: str
    location_country: str
    origin_country: str
    languages: list[str]
    status: str
    urgency: str
    created_at: int
    score: float
    highlights: dict[str, str]


class ConsultationSearchPage(Output):
    items: list[ConsultationHit]
    total: int
    offset: int
    limit: int
    facets: dict[str, list[FacetValue]]
