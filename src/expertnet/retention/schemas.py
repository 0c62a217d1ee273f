from datetime import datetime

from pydantic import BaseModel, ConfigDict


class Output(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class DueItem(Output):
    consultation_id: int
    rule: str
    status: str
    outcome: str | None
    category: str | None
    closed_at: datetime
    due_at: datetime
    flagged_at: datetime | None


class RuleOut(Output):
    rule: str
    days: int


class DuePage(Output):
    items: list[DueItem]
    total: int
    action: str  # flag | erase: what the job does with what is due
    rules: list[RuleOut]


class RunOut(Output):
    dry_run: bool
    action: str
    due: int
    flagged: list[int]
    erased: list[int]
    failed: list[int]
