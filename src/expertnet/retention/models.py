"""The retention table: one row per closed consultation that reached its review date.

Flagged rows wait for an admin's review; an erased row is the tombstone of the erased case
material (the consultation row stays, stripped to what statistics need)."""

from datetime import datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from expertnet.db import UTCDateTime


class RetentionReview(SQLModel, table=True):
    __tablename__ = "retention_reviews"

    consultation_id: int = Field(primary_key=True, foreign_key="consultations.id")
    rule: str = Field(max_length=20)  # the outcome (or status) whose period applied
    due_at: datetime = Field(sa_type=UTCDateTime)
    flagged_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    erased_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    erased_by: int | None = Field(default=None, foreign_key="members.id")  # None: the retention job
    erased: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))  # what went: counts
