from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from expertnet.db import UTCDateTime, utcnow
from expertnet.members.models import Member  # noqa: F401 - the foreign key needs the members table


class NotificationBase(SQLModel):
    """What a member reads of a notification (NotificationOut)."""

    kind: str = Field(max_length=40)
    consultation_id: int | None = Field(default=None)
    subject: str = Field(max_length=300)
    body: str = Field(default="", max_length=4000)
    url: str = Field(default="/", max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    read_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Notification(NotificationBase, table=True):
    """One notice for one member, created from one "notify" outbox event.

    (source_event_id, member_id) is unique, so replaying an event never notifies anyone twice.
    `emailed_at` makes the e-mail idempotent too: a retried "email.send" skips what went out.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("source_event_id", "member_id", name="uq_notifications_event_member"),
        Index("ix_notifications_member_read", "member_id", "read_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="members.id")
    source_event_id: int
    emailed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    email_error: str = Field(default="", max_length=500)
