import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from expertnet.core.schemas import Output
from expertnet.notifications.models import NotificationBase

# The kinds producers may emit (the "notify" contract).
CASE_KINDS = (
    "offer",
    "offer_closed",
    "accepted",
    "declined",
    "expired",
    "message",
    "opinion",
    "closed",
    "withdrawn",
    "escalated",
    "reoffered",
)
VETTING_KINDS = ("vetting_approved", "vetting_rejected", "vetting_suspended", "vetting_revet")
# News about the account's own security: to its owner whatever the vetting status.
ACCOUNT_KINDS = ("second_factor_reset",)
KINDS = CASE_KINDS + VETTING_KINDS + ACCOUNT_KINDS

# A path inside the desk. Links are built as base_url + url, so a full or protocol-relative URL
# ("//evil.example", "/\\evil.example") must never get through: e-mails would carry it.
_DESK_PATH = re.compile(r"^/(?![/\\])[A-Za-z0-9/_\-.~%?=&#]*$")


def _desk_path(value: str) -> str:
    if not _DESK_PATH.match(value):
        raise ValueError("must be a path inside the desk, such as /consultations/12")
    return value


def _kind(value: str) -> str:
    if value not in KINDS:
        raise ValueError(f"unknown notification kind {value!r}")
    return value


DeskPath = Annotated[str, Field(max_length=500), AfterValidator(_desk_path)]
Kind = Annotated[str, AfterValidator(_kind)]


class NotifyPayload(BaseModel):
    """The payload of a "notify" outbox event, checked before anything is written."""

    model_config = ConfigDict(extra="ignore")

    member_ids: list[int] = Field(min_length=1, max_length=10_000)
    kind: Kind
    consultation_id: int | None = None
    subject: str = Field(min_length=1)
    body: str = ""
    url: DeskPath = "/"
    # Optional and not confidential: lets the e-mail say "(urgent)" without telling anything else.
    urgency: Literal["routine", "urgent", "critical"] | None = None


class NotificationOut(NotificationBase):
    id: int


class NotificationPage(Output):
    items: list[NotificationOut]
    total: int
    unread: int
    offset: int
    limit: int


class ReadAllOut(Output):
    marked: int
    unread: int
