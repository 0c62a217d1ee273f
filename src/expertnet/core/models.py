"""Tables of the shared kit: the transactional outbox and the audit log."""

from datetime import datetime
from typing import Protocol

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from expertnet.db import UTCDateTime, utcnow


class _Persisted(Protocol):
    @property
    def id(self) -> int | None: ...


def pk(row: _Persisted) -> int:
    """The primary key of a row that has been flushed (table models declare `id: int | None` for new rows)."""
    if row.id is None:
        raise RuntimeError(f"{type(row).__name__} has no id: it was never flushed")
    return row.id


class OutboxEvent(SQLModel, table=True):
    """Written in the same transaction as the business rows it announces."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "processed_at", "available_at"),)

    id: int | None = Field(default=None, primary_key=True)
    topic: str = Field(max_length=50)  # e.g. index.expert, index.consultation, email.send
    key: str = Field(max_length=100)
    payload: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    available_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    processed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    attempts: int = Field(default=0)
    last_error: str = Field(default="", max_length=2000)
    # Who holds the lease (host:pid) while available_at lies in the future; "" when nobody does.
    claimed_by: str = Field(default="", max_length=100)


class AuditEntry(SQLModel, table=True):
    """Append-only; each row's MAC covers its position and the previous row's MAC (core/audit.py)."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    seq: int = Field(index=True, unique=True)  # position in the chain: 1, 2, 3 ... without gaps
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    actor_id: int | None = Field(default=None, index=True)
    action: str = Field(max_length=60, index=True)
    object_type: str = Field(default="", max_length=40)
    object_id: str = Field(default="", max_length=100)
    reason: str = Field(default="", max_length=1000)
    ip: str = Field(default="", max_length=64)
    detail: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    prev_hash: str = Field(default="", max_length=64)
    hash: str = Field(default="", max_length=64)
