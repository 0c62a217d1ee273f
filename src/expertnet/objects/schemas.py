"""Input and output schemas of the objects package (never ORM objects)."""

from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from expertnet.core.schemas import Input, Output
from expertnet.objects.models import TEXT_FIELDS

Line200 = Annotated[str, StringConstraints(max_length=200)]
Line300 = Annotated[str, StringConstraints(max_length=300)]
Line500 = Annotated[str, StringConstraints(max_length=500)]
LongText = Annotated[str, StringConstraints(max_length=5000)]

# Labels of the fields as the official reads them (CSV headers, error messages, the form).
LABELS = {
    "object_type": "Type of object",
    "materials_techniques": "Materials and techniques",
    "measurements": "Measurements",
    "inscriptions_markings": "Inscriptions and markings",
    "distinguishing_features": "Distinguishing features",
    "title": "Title",
    "subject": "Subject",
    "date_period": "Date or period",
    "maker": "Maker",
    "description": "Description",
    "quantity": "Quantity",
    "reference": "Your reference",
    "photo_attachment_ids": "Photos",
}


class _ObjectFields(Input):
    object_type: Line200 = ""
    materials_techniques: Line500 = ""
    measurements: Line300 = ""
    inscriptions_markings: LongText = ""
    distinguishing_features: LongText = ""
    title: Line300 = ""
    subject: Line500 = ""
    date_period: Line200 = ""
    maker: Line300 = ""
    description: LongText = ""  # free text: one line of it is enough for a quick request
    reference: Annotated[str, StringConstraints(max_length=100)] = ""


class ObjectIn(_ObjectFields):
    """One object (or `quantity` identical ones). At least one descriptive field must be given."""

    quantity: int = Field(default=1, ge=1, le=100_000)
    photo_attachment_ids: list[int] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def _something_said(self) -> "ObjectIn":
        if not any(getattr(self, name) for name in TEXT_FIELDS if name != "reference"):
            raise ValueError("describe the object: give at least its type or a description")
        return self


class ObjectUpdate(_ObjectFields):
    """Edit an object; send the `version` you read. Fields left out stay as they are."""

    version: int
    object_type: Line200 | None = None  # type: ignore[assignment]
    materials_techniques: Line500 | None = None  # type: ignore[assignment]
    measurements: Line300 | None = None  # type: ignore[assignment]
    inscriptions_markings: LongText | None = None  # type: ignore[assignment]
    distinguishing_features: LongText | None = None  # type: ignore[assignment]
    title: Line300 | None = None  # type: ignore[assignment]
    subject: Line500 | None = None  # type: ignore[assignment]
    date_period: Line200 | None = None  # type: ignore[assignment]
    maker: Line300 | None = None  # type: ignore[assignment]
    description: LongText | None = None  # type: ignore[assignment]
    reference: Annotated[str, StringConstraints(max_length=100)] | None = None  # type: ignore[assignment]
    quantity: int | None = Field(default=None, ge=1, le=100_000)
    photo_attachment_ids: list[int] | None = Field(default=None, max_length=50)


class ObjectOut(Output):
    id: int
    consultation_id: int
    lot_id: int | None
    position: int
    object_type: str
    materials_techniques: str
    measurements: str
    inscriptions_markings: str
    distinguishing_features: str
    title: str
    subject: str
    date_period: str
    maker: str
    description: str
    quantity: int
    reference: str
    photo_attachment_ids: list[int] = []
    created_at: datetime
    updated_at: datetime
    version: int


class ImportOut(Output):
    created: int
    objects: list[ObjectOut]


class LinkedCaseOut(Output):
    """Another official's request that the secretariat linked to yours: its summary and who filed it."""

    link_id: int
    consultation_id: int
    title: str
    category: str | None
    location_country: str
    status: str
    created_at: datetime
    requester_name: str
    requester_organisation: str
    requester_country: str
    requester_email: str
    linked_at: datetime | None


class FlagCase(Output):
    id: int
    title: str
    status: str
    location_country: str
    requester_id: int
    requester_name: str
    requester_country: str
    created_at: datetime


class SeenBeforeOut(Output):
    id: int
    consultation_id: int
    earlier_id: int
    photo_distance: int | None
    text_similarity: float | None
    evidence: dict
    status: str
    decided_by: int | None
    decided_at: datetime | None
    decision_reason: str
    created_at: datetime
    later: FlagCase | None = None
    earlier: FlagCase | None = None


class DecisionIn(Input):
    reason: str = Field(default="", max_length=2000)
