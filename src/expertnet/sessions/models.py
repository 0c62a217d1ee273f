from datetime import datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from expertnet.db import UTCDateTime, utcnow


class FormDraft(SQLModel, table=True):
    """A form posted after its page session had ended, kept until its author signs in again.

    Found only by the SHA-256 of a random key that lives in the author's browser (an HttpOnly
    cookie), and only for the member whose signed, expired session cookie came with the post.
    One use, and gone after `form_draft_minutes` in any case."""

    __tablename__ = "form_drafts"

    id: int | None = Field(default=None, primary_key=True)
    key_hash: str = Field(max_length=64, unique=True)
    member_id: int = Field(foreign_key="members.id", index=True)
    page: str = Field(max_length=2000)  # the path of the page that shows the form
    fields: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)
