"""Input and output schemas of the consultation desk (never ORM objects).

The outputs are read models: built with `model_validate` from the table rows and the
relationships the repository loaded (`from_attributes`); a value that lives on a related row
names its path (`AliasPath("requester", "full_name")`).
"""

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, AliasPath, Field, StringConstraints

from expertnet.consultations.models import Authenticity, Confidence, Outcome, Urgency
from expertnet.core.schemas import Category, Country, Input, Languages, Output

Title = Annotated[str, StringConstraints(min_length=3, max_length=200)]
Description = Annotated[str, StringConstraints(min_length=10, max_length=20_000)]
Body = Annotated[str, StringConstraints(min_length=1, max_length=20_000)]


def _aware(value: datetime | None) -> datetime | None:
    """A deadline without an offset is read as UTC."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


Deadline = Annotated[datetime, AfterValidator(_aware)]


class ConsultationCreate(Input):
    """A request for expert consultation; created as a draft, submitted separately."""

    title: Title
    description: Description
    category: Category | None = None  # inferred from the text when missing
    location_country: Country  # where the object is now
    object_origin_country: Country | None = None  # suspected country of origin
    languages: Languages | None = Field(default=None, min_length=1, max_length=10)  # default: your profile's
    urgency: Urgency | None = None  # default: derived from the deadline, else routine
    deadline: Deadline | None = None  # legal detention deadline, if any
    exclude_market_ties: bool = False


class ConsultationUpdate(Input):
    """Edit a draft; send the `version` you read."""

    version: int
    title: Title | None = None
    description: Description | None = None
    category: Category | None = None
    location_country: Country | None = None
    object_origin_country: Country | None = None
    languages: Languages | None = Field(default=None, min_length=1, max_length=10)
    urgency: Urgency | None = None
    deadline: Deadline | None = None
    exclude_market_ties: bool | None = None


class SubmitIn(Input):
    offer_count: int = Field(default=3, ge=1, le=10)  # offers made at once


class ReasonIn(Input):
    reason: str = Field(default="", max_length=2000)


class ReofferIn(Input):
    """Admin: offer to a chosen expert, or (without expert_id) to the next candidates."""

    expert_id: int | None = None
    count: int = Field(default=3, ge=1, le=10)
    reason: str = Field(default="", max_length=2000)
    # One hard constraint set aside for this chosen expert (routing.OVERRIDABLE), with the reason:
    # it is audited and shown to the expert on the offer.
    override: Literal["availability", "language"] | None = None
    override_reason: str = Field(default="", max_length=500)


class LanguagesIn(Input):
    """Admin: correct the working languages of a request that waits for an expert."""

    languages: Languages = Field(min_length=1, max_length=10)
    version: int | None = None


class MessageIn(Input):
    body: Body


class OpinionIn(Input):
    identification: Body
    likely_origin: str = Field(default="", max_length=500)
    likely_period: str = Field(default="", max_length=500)
    authenticity: Authenticity
    confidence: Confidence
    next_steps: str = Field(default="", max_length=20_000)
    remarks: str = Field(default="", max_length=20_000)


class CloseIn(Input):
    outcome: Outcome
    outcome_detail: str = Field(default="", max_length=4000)
    rating: int = Field(ge=1, le=5)


class CandidateOut(Output):
    expert_id: int
    external_id: str
    full_name: str
    score: float
    reasons: list[str]


class OfferOut(Output):
    id: int
    consultation_id: int
    expert_id: int
    expert_external_id: str = Field(validation_alias=AliasPath("expert", "external_id"))
    expert_name: str = Field(validation_alias=AliasPath("expert_member", "full_name"))
    round: int
    rank: int
    score: float
    reasons: list[str]
    status: str
    offered_at: datetime
    expires_at: datetime
    responded_at: datetime | None
    decline_reason: str


class ConsultationOut(Output):
    id: int
    requester_id: int
    requester_name: str = Field(validation_alias=AliasPath("requester", "full_name"))
    requester_organisation: str = Field(validation_alias=AliasPath("requester", "organisation"))
    title: str
    description: str
    category: str | None
    inferred_category: str | None
    location_country: str
    object_origin_country: str | None
    languages: list[str]
    urgency: str
    deadline: datetime | None
    exclude_market_ties: bool
    offer_width: int
    status: str
    assigned_expert_id: int | None
    assigned_expert_name: str | None = Field(default=None, validation_alias=AliasPath("assigned_member", "full_name"))
    outcome: str | None
    outcome_detail: str
    rating: int | None
    submitted_at: datetime | None
    accepted_at: datetime | None
    answered_at: datetime | None
    closed_at: datetime | None
    escalated_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int
    offers: list[OfferOut] = []  # the requester and admins see every offer; an expert only their own


class ConsultationSummary(Output):
    id: int
    title: str
    category: str | None
    inferred_category: str | None
    location_country: str
    urgency: str
    deadline: datetime | None
    status: str
    created_at: datetime
    updated_at: datetime


class ConsultationPage(Output):
    items: list[ConsultationSummary]
    total: int
    offset: int
    limit: int


class EventOut(Output):
    id: int
    at: datetime
    actor_id: int | None
    actor_name: str | None = Field(default=None, validation_alias=AliasPath("actor", "full_name"))
    kind: str
    detail: dict


class MessageOut(Output):
    id: int
    consultation_id: int
    author_id: int
    author_name: str = Field(validation_alias=AliasPath("author", "full_name"))
    body: str
    created_at: datetime


class OpinionOut(Output):
    id: int
    consultation_id: int
    expert_id: int
    author_id: int
    identification: str
    likely_origin: str
    likely_period: str
    authenticity: str
    confidence: str
    next_steps: str
    remarks: str
    created_at: datetime


class AttachmentOut(Output):
    id: int
    consultation_id: int
    uploader_id: int
    filename: str = Field(validation_alias="original_name")
    content_type: str
    size: int
    sha256: str
    created_at: datetime
