"""Tables of the objects package.

- `consultation_objects`: one object (or a group of identical ones, `quantity`) of a consultation,
  described with the Object ID standard fields. `lot_id` is reserved for operations with lots
  (later work): NULL while a consultation has no lots.
- `object_photos`: which image attachments of the consultation show which object.
- `photo_hashes`: the 64-bit pHash of each image attachment, with seven bands of its bits for the
  candidate lookup (two hashes within Hamming distance 6 share at least one band exactly).
- `object_vectors`: the dense vector of an object's description (derived; for "seen before").
- `seen_before`: a pair of requests the desk found alike (photos or descriptions), with the
  evidence, waiting for an admin to link or dismiss it.
"""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, BigInteger, Column, ForeignKey, Index, Integer, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from expertnet.db import UTCDateTime, utcnow

# The Object ID standard (ICOM / Getty), in its order, then this desk's additions.
OBJECT_ID_FIELDS = (
    "object_type",
    "materials_techniques",
    "measurements",
    "inscriptions_markings",
    "distinguishing_features",
    "title",
    "subject",
    "date_period",
    "maker",
)
TEXT_FIELDS = (*OBJECT_ID_FIELDS, "description", "reference")


class CaseObject(SQLModel, table=True):
    __tablename__ = "consultation_objects"
    __table_args__ = (Index("ix_consultation_objects_consultation_position", "consultation_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(foreign_key="consultations.id")
    lot_id: int | None = Field(default=None, index=True)  # operations with lots: later work
    position: int = Field(default=1)  # order within the consultation (CSV row order)
    object_type: str = Field(default="", max_length=200)
    materials_techniques: str = Field(default="", max_length=500)
    measurements: str = Field(default="", max_length=300)
    inscriptions_markings: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    distinguishing_features: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    title: str = Field(default="", max_length=300)
    subject: str = Field(default="", max_length=500)
    date_period: str = Field(default="", max_length=200)
    maker: str = Field(default="", max_length=300)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    quantity: int = Field(default=1)
    reference: str = Field(default="", max_length=100)  # the official's own reference (exhibit number)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    version: int = Field(default=1)


class ObjectPhoto(SQLModel, table=True):
    __tablename__ = "object_photos"

    object_id: int = Field(
        sa_column=Column(Integer, ForeignKey("consultation_objects.id", ondelete="CASCADE"), primary_key=True)
    )
    attachment_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("consultation_attachments.id", ondelete="CASCADE"), primary_key=True, index=True
        )
    )


BANDS = 7  # Hamming distance <= BANDS - 1 guarantees one identical band (pigeonhole)
BAND_BITS = (9, 9, 9, 9, 9, 9, 10)


class PhotoHash(SQLModel, table=True):
    __tablename__ = "photo_hashes"
    __table_args__ = tuple(Index(f"ix_photo_hashes_b{i}", f"b{i}") for i in range(BANDS))

    attachment_id: int = Field(
        sa_column=Column(Integer, ForeignKey("consultation_attachments.id", ondelete="CASCADE"), primary_key=True)
    )
    consultation_id: int = Field(foreign_key="consultations.id", index=True)
    phash: int = Field(sa_column=Column(BigInteger, nullable=False))  # the 64 bits as a signed integer
    b0: int
    b1: int
    b2: int
    b3: int
    b4: int
    b5: int
    b6: int
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ObjectVector(SQLModel, table=True):
    __tablename__ = "object_vectors"

    object_id: int = Field(
        sa_column=Column(Integer, ForeignKey("consultation_objects.id", ondelete="CASCADE"), primary_key=True)
    )
    consultation_id: int = Field(foreign_key="consultations.id", index=True)
    model: str = Field(max_length=100)
    source_hash: str = Field(max_length=64)
    vector: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class FlagStatus(StrEnum):
    open = "open"
    linked = "linked"
    dismissed = "dismissed"


class SeenBefore(SQLModel, table=True):
    """A later request (`consultation_id`) that resembles an earlier one (`earlier_id`)."""

    __tablename__ = "seen_before"
    __table_args__ = (
        UniqueConstraint("consultation_id", "earlier_id", name="uq_seen_before_pair"),
        Index("ix_seen_before_status_created", "status", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(foreign_key="consultations.id", index=True)
    earlier_id: int = Field(foreign_key="consultations.id", index=True)
    photo_distance: int | None = Field(default=None)  # best Hamming distance of two photos' pHashes
    text_similarity: float | None = Field(default=None)  # best cosine of two objects' descriptions
    evidence: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default=FlagStatus.open, max_length=20)
    decided_by: int | None = Field(default=None, foreign_key="members.id")
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decision_reason: str = Field(default="", max_length=2000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
