from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import EmailStr, Field, StringConstraints

from expertnet.core.schemas import Categories, Countries, Country, Input, Languages, OrgType, Output, Texts
from expertnet.experts.models import ExpertBase

Conflict = Annotated[str, StringConstraints(min_length=2, max_length=300)]


class ExpertProfileUpdate(Input):
    """What an expert edits on their own profile. Vetting, role and identity are not here."""

    version: int
    organisation: str | None = Field(default=None, max_length=300)
    org_type: OrgType | None = None
    country: Country | None = None
    coverage_countries: Countries | None = None
    languages: Languages | None = Field(default=None, min_length=1)
    categories: Categories | None = Field(default=None, min_length=1)
    specialties: Texts | None = Field(default=None, max_length=30)
    bio: str | None = Field(default=None, max_length=8000)
    available: bool | None = None
    away_until: date | None = None
    max_open_consultations: int | None = Field(default=None, ge=0, le=50)
    market_ties: bool | None = None
    market_ties_detail: str | None = Field(default=None, max_length=2000)
    conflicts: list[Conflict] | None = Field(default=None, max_length=50)


class ExpertOut(ExpertBase):
    id: int
    full_name: str
    email: str
    vetting_status: str
    vetted_until: datetime | None


class ImportRecord(Input):
    """One line of the expert interchange format (DESIGN.md)."""

    external_id: str = Field(min_length=1, max_length=100)
    full_name: str = Field(min_length=1, max_length=200)
    email: EmailStr
    organisation: str = Field(default="", max_length=300)
    org_type: OrgType = "independent"
    country: Country
    coverage_countries: Countries = []
    languages: Languages = Field(min_length=1)
    categories: Categories = Field(min_length=1)
    specialties: Texts = Field(default_factory=list, max_length=50)
    bio: str = Field(default="", max_length=8000)
    available: bool = True
    max_open_consultations: int = Field(default=3, ge=0, le=1000)
    market_ties: bool = False
    vetting_status: Literal["pending", "approved", "rejected", "suspended"] = "pending"


class ImportReport(Output):
    created: int
    updated: int
    unchanged: int
    errors: list[str] = []
