"""Consultation desk tables: requests, offers, the timeline, messages, opinions, attachments.

The relationships are for reading only (viewonly) and never load on access (lazy="raise"): the
repository query that builds a read model loads what it needs (joinedload / selectinload), so
a forgotten load fails loudly instead of becoming one query per row. Rows are written through
their foreign-key columns.
"""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, Index, Text
from sqlalchemy.orm import relationship
from sqlmodel import Field, Relationship, SQLModel

from expertnet.db import UTCDateTime, table_of, utcnow
from expertnet.experts.models import Expert
from expertnet.members.models import Member


class Status(StrEnum):
    draft = "draft"
    submitted = "submitted"
    offered = "offered"
    accepted = "accepted"
    answered = "answered"
    closed = "closed"
    expired = "expired"  # the detention deadline passed before any expert accepted
    withdrawn = "withdrawn"
    escalated = "escalated"  # no candidate left: waiting for an admin


OPEN_STATUSES = (Status.draft, Status.submitted, Status.offered, Status.escalated, Status.accepted, Status.answered)
TERMINAL_STATUSES = (Status.closed, Status.expired, Status.withdrawn)
# Waiting for an expert: offers may be made, and a passed deadline expires the request.
SEEKING_STATUSES = (Status.submitted, Status.offered, Status.escalated)
ASSIGNED_STATUSES = (Status.accepted, Status.answered)


def _read_only(target, **kwargs):
    return Relationship(sa_relationship=relationship(target, viewonly=True, lazy="raise", **kwargs))


def _through_expert(expert_id, **kwargs):
    """The member behind an expert id column (an expert's name lives on their member row)."""
    return _read_only(
        Member,
        secondary=table_of(Expert),
        primaryjoin=lambda: expert_id() == Expert.id,
        secondaryjoin=lambda: Expert.member_id == Member.id,
        uselist=False,
        **kwargs,
    )


class Urgency(StrEnum):
    routine = "routine"
    urgent = "urgent"
    critical = "critical"


class OfferStatus(StrEnum):
    open = "open"
    accepted = "accepted"
    declined = "declined"
    expired = "expired"
    closed = "closed"  # another expert accepted, or the request was withdrawn / expired


class Authenticity(StrEnum):
    authentic = "authentic"
    probably_authentic = "probably_authentic"
    undetermined = "undetermined"
    probably_not_authentic = "probably_not_authentic"
    not_authentic = "not_authentic"  # forgery, replica or souvenir copy


class Confidence(StrEnum):
    low = "low"
    medium = "medium"
    high = "high"


class Outcome(StrEnum):
    seized = "seized"
    released = "released"
    referred = "referred"  # to another authority, a court, or the country of origin
    returned = "returned"  # restituted to the country of origin or owner
    inconclusive = "inconclusive"
    other = "other"


class Consultation(SQLModel, table=True):
    __tablename__ = "consultations"
    __table_args__ = (
        Index("ix_consultations_requester_status", "requester_id", "status"),
        Index("ix_consultations_status_deadline", "status", "deadline"),
    )

    id: int | None = Field(default=None, primary_key=True)
    requester_id: int = Field(foreign_key="members.id")
    title: str = Field(max_length=200)
    description: str = Field(sa_column=Column(Text, nullable=False))
    category: str | None = Field(default=None, max_length=40)  # as given by the official
    inferred_category: str | None = Field(default=None, max_length=40)  # from the text, when not given
    location_country: str = Field(max_length=2)
    object_origin_country: str | None = Field(default=None, max_length=2)
    languages: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    urgency: str = Field(default=Urgency.routine, max_length=10)
    deadline: datetime | None = Field(default=None, sa_type=UTCDateTime)
    exclude_market_ties: bool = Field(default=False)
    offer_width: int = Field(default=3)  # offers open at once
    status: str = Field(default=Status.draft, max_length=20, index=True)
    assigned_expert_id: int | None = Field(default=None, foreign_key="experts.id", index=True)
    outcome: str | None = Field(default=None, max_length=20)
    outcome_detail: str = Field(default="", max_length=4000)
    rating: int | None = Field(default=None)
    submitted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    accepted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # closed, withdrawn or expired
    escalated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    version: int = Field(default=1)

    requester: Member = _read_only(Member)
    assigned_member: Member | None = _through_expert(lambda: Consultation.assigned_expert_id)
    offers: list["Offer"] = _read_only(lambda: Offer, order_by=lambda: Offer.id)


class Offer(SQLModel, table=True):
    """One expert asked to take one consultation. An expert gets at most one open offer per request."""

    __tablename__ = "consultation_offers"
    __table_args__ = (
        Index("ix_offers_consultation_status", "consultation_id", "status"),
        Index("ix_offers_expert_status", "expert_id", "status"),
        Index("ix_offers_status_expires", "status", "expires_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(foreign_key="consultations.id")
    expert_id: int = Field(foreign_key="experts.id")
    round: int = Field(default=1)
    rank: int = Field(default=1)
    score: float = Field(default=0.0)
    reasons: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    status: str = Field(default=OfferStatus.open, max_length=20)
    offered_by: int | None = Field(default=None, foreign_key="members.id")  # an admin's manual offer
    offered_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    responded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decline_reason: str = Field(default="", max_length=2000)

    expert: Expert = _read_only(Expert)
    expert_member: Member = _through_expert(lambda: Offer.expert_id)


class ConsultationEvent(SQLModel, table=True):
    """The timeline: who did what, when. Both sides read it in full."""

    __tablename__ = "consultation_events"

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(foreign_key="consultations.id", index=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    actor_id: int | None = Field(default=None, foreign_key="members.id")  # None: the desk itself
    kind: str = Field(max_length=40)
    detail: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))

    actor: Member | None = _read_only(Member)


class Message(SQLModel, table=True):
    __tablename__ = "consultation_messages"

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(foreign_key="consultations.id", index=True)
    author_id: int = Field(foreign_key="members.id")
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    author: Member = _read_only(Member)


class Opinion(SQLModel, table=True):
    """The assigned expert's structured opinion; a revision is a new row, the latest counts."""

    __tablename__ = "consultation_opinions"

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(foreign_key="consultations.id", index=True)
    expert_id: int = Field(foreign_key="experts.id")
    author_id: int = Field(foreign_key="members.id")
    identification: str = Field(sa_column=Column(Text, nullable=False))
    likely_origin: str = Field(default="", max_length=500)
    likely_period: str = Field(default="", max_length=500)
    authenticity: str = Field(max_length=30)
    confidence: str = Field(max_length=10)
    next_steps: str = Field(default="", sa_column=Column(Text, nullable=False))
    remarks: str = Field(default="", sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Attachment(SQLModel, table=True):
    """A file on a consultation. Stored under a generated name; the original name is metadata only."""

    __tablename__ = "consultation_attachments"

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(foreign_key="consultations.id", index=True)
    uploader_id: int = Field(foreign_key="members.id")
    stored_name: str = Field(max_length=64, unique=True)
    original_name: str = Field(default="", max_length=255)
    content_type: str = Field(max_length=100)
    size: int
    sha256: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
