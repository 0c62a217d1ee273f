from datetime import date, datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from expertnet.db import UTCDateTime, utcnow


class ExpertBase(SQLModel):
    """The profile as members read it (ExpertOut adds the person from the member row)."""

    external_id: str = Field(max_length=100, unique=True, index=True)
    member_id: int = Field(foreign_key="members.id", unique=True, index=True)
    organisation: str = Field(default="", max_length=300)
    org_type: str = Field(default="independent", max_length=30)
    country: str = Field(max_length=2, index=True)
    coverage_countries: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    languages: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    categories: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    specialties: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    bio: str = Field(default="", max_length=8000)
    available: bool = Field(default=True)
    away_until: date | None = Field(default=None, index=True)
    max_open_consultations: int = Field(default=3)
    open_consultations: int = Field(default=0)
    market_ties: bool = Field(default=False)
    market_ties_detail: str = Field(default="", max_length=2000)
    conflicts: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    version: int = Field(default=1)


class Expert(ExpertBase, table=True):
    """An expert's profile; the person (name, e-mail, vetting) is the linked member."""

    __tablename__ = "experts"

    id: int | None = Field(default=None, primary_key=True)
    offers_received: int = Field(default=0)
    offers_answered: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
